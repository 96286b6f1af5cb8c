/* test_fastpath.c - every fast path gives the slow path's results.
 *
 * Batched console output (coalesced PIO) must print the same bytes in
 * the same order as one exit per byte (--no-coalesce), also when the
 * guest faults right after printing, and when it sends buffers with rep
 * outsb around hypercall prints. --repeat N must run the guest N
 * times from the same loaded state: a guest that increments memory sees
 * the same start value every run, and every run is checked. No timing
 * here: scripts/bench measures speed.
 */
#include <criterion/criterion.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

static const char *bits_of(const char *mode)
{
    return mode_bits(mode);
}

static const char *guest(char *buf, size_t len, const char *name,
                         const char *mode)
{
    char n[64];
    snprintf(n, sizeof(n), "%s%s", name, bits_of(mode));
    snprintf(buf, len, "%s", test_guest(n));
    return buf;
}

static const char *flag(char *buf, size_t len, const char *mode)
{
    snprintf(buf, len, "--%s", mode);
    return buf;
}

/* The built-in greeting: same stdout, exit 0, either way. */
static void test_hello_same(const char *mode)
{
    static struct skvm_result fast, slow;
    char f[32];

    RUN(&fast, flag(f, sizeof(f), mode));
    skip_if_host_cannot(&fast, mode);
    RUN(&slow, f, "--no-coalesce");
    cr_assert_eq(fast.code, 0, "stderr: %s", fast.err);
    cr_assert_eq(slow.code, 0, "stderr: %s", slow.err);
    cr_assert(strlen(fast.out) > 0);
    cr_assert_str_eq(fast.out, slow.out);
}

#define PRINT_FAULT_LINES 50 /* tests/guests/print_fault.asm */
#define ALPHABET_LINE "abcdefghijklmnopqrstuvwxyz\n"

static const char *print_fault_out(int runs)
{
    static char buf[4 * PRINT_FAULT_LINES * sizeof(ALPHABET_LINE)];

    buf[0] = '\0';
    for (int i = 0; i < runs * PRINT_FAULT_LINES; i++)
        strcat(buf, ALPHABET_LINE);
    return buf;
}

/* Run test guest `name` batched and with --no-coalesce: both must exit
 * `code` and print exactly `want`. */
static void run_both_ways(const char *mode, const char *name, int code,
                          const char *want, struct skvm_result *fast,
                          struct skvm_result *slow)
{
    char f[32], g[256];

    guest(g, sizeof(g), name, mode);
    RUN(fast, flag(f, sizeof(f), mode), g);
    skip_if_host_cannot(fast, mode);
    RUN(slow, f, "--no-coalesce", g);
    cr_assert_eq(fast->code, code, "exit %d; stderr: %s", fast->code,
                 fast->err);
    cr_assert_eq(slow->code, code, "exit %d; stderr: %s", slow->code,
                 slow->err);
    cr_assert_str_eq(fast->out, want);
    cr_assert_str_eq(slow->out, fast->out);
}

/* Print 50 lines of a..z, then triple fault: all bytes flushed before the
 * one fault line, identical with and without batching. */
static void test_print_fault_same(const char *mode)
{
    static struct skvm_result fast, slow;

    run_both_ways(mode, "print_fault", 4, print_fault_out(1), &fast, &slow);
    cr_assert_str_eq(fast.err, slow.err);
    cr_assert_eq(count_lines(skip_crash_report(fast.err)), 1,
                 "one stderr line after the crash report: %s", fast.err);
}

#define REP_CONSOLE_LINES 40 /* tests/guests/rep_console.asm */
#define REP_CONSOLE_BURSTS 3
#define HYPERCALL_LINE "-- hypercall --\n"

/* rep_console's output: bursts of alphabet lines, a hypercall's line
 * between each two. */
static const char *rep_console_out(void)
{
    static char buf[REP_CONSOLE_BURSTS * (REP_CONSOLE_LINES *
                                              sizeof(ALPHABET_LINE) +
                                          sizeof(HYPERCALL_LINE))];

    buf[0] = '\0';
    for (int b = 0; b < REP_CONSOLE_BURSTS; b++) {
        if (b)
            strcat(buf, HYPERCALL_LINE);
        for (int i = 0; i < REP_CONSOLE_LINES; i++)
            strcat(buf, ALPHABET_LINE);
    }
    return buf;
}

/* Buffers sent with rep outsb, batching turned on in the middle of the
 * first one: every byte, and the hypercall prints between them in their
 * place, the same with and without batching. */
static void test_rep_console_same(const char *mode)
{
    static struct skvm_result fast, slow;

    run_both_ways(mode, "rep_console", 0, rep_console_out(), &fast, &slow);
}

/* The test above proves something only if batching did turn on: fewer
 * console-port exits than the bytes the bursts sent. (Hosts that batch
 * string OUT themselves, VMX/SVM, pass this either way.) */
static void test_rep_console_batched(const char *mode)
{
    static struct skvm_result r;
    char f[32], g[256];
    const char *line;
    unsigned long exits = 0;

    RUN(&r, flag(f, sizeof(f), mode), "--stats",
        guest(g, sizeof(g), "rep_console", mode));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    line = strstr(r.err, "port 0x00e9 OUT");
    cr_assert(line && sscanf(line, "port 0x00e9 OUT %lu exits", &exits) == 1,
              "no console port line in --stats: %s", r.err);
    cr_assert_lt(exits,
                 (unsigned long)(REP_CONSOLE_BURSTS * REP_CONSOLE_LINES *
                                 (sizeof(ALPHABET_LINE) - 1)),
                 "one exit per byte: batching never turned on");
}

/* A timeout stops a spinning guest; batching changes nothing there. */
static void test_spin_timeout(const char *mode)
{
    static struct skvm_result r;
    char f[32], g[256];

    RUN(&r, flag(f, sizeof(f), mode), "--timeout", "0.2",
        guest(g, sizeof(g), "spin", mode));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 124, "exit %d; stderr: %s", r.code, r.err);
}

/* Each run starts from the loaded image: "81" every time, RAX 8. */
static void test_repeat_restores(const char *mode)
{
    static struct skvm_result r;
    char f[32], g[256];

    RUN(&r, flag(f, sizeof(f), mode), "--repeat", "5", "--expect-rax", "8",
        "--expect-mem", "0x8000=1", guest(g, sizeof(g), "counter", mode));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "81\n81\n81\n81\n81\n");
}

/* Every run is checked: a wrong expectation fails with run 1 named. */
static void test_repeat_checks_each(const char *mode)
{
    static struct skvm_result r;
    char f[32], g[256];

    RUN(&r, flag(f, sizeof(f), mode), "--repeat", "3", "--expect-rax", "9",
        guest(g, sizeof(g), "counter", mode));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 1, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.err, "run 1 of 3: check failed"), "%s", r.err);
    cr_assert_eq(count_lines(r.err), 1);
    cr_assert_str_eq(r.out, "81\n81\n81\n", "all runs ran");
}

/* The built-in guest N times: N greetings, exit 0. */
static void test_repeat_hello(const char *mode)
{
    static struct skvm_result once, r;
    static char want[3 * sizeof(once.out)];
    char f[32];

    RUN(&once, flag(f, sizeof(f), mode));
    skip_if_host_cannot(&once, mode);
    RUN(&r, f, "--repeat", "3");
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strlen(once.out) > 0);
    strcpy(want, once.out);
    strcat(want, once.out);
    strcat(want, once.out);
    cr_assert_str_eq(r.out, want);
}

/* The hypercalls guest checks exit_count itself: each run must see its
 * own count, not the total over earlier runs. */
static void test_repeat_hypercalls(const char *mode)
{
    static struct skvm_result once, r;
    static char want[3 * sizeof(once.out)];
    char f[32];

    RUN(&once, flag(f, sizeof(f), mode), "--guest-name", "hypercalls");
    skip_if_host_cannot(&once, mode);
    cr_assert_eq(once.code, 0, "exit %d; stderr: %s", once.code, once.err);
    RUN(&r, f, "--guest-name", "hypercalls", "--repeat", "3");
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    strcpy(want, once.out);
    strcat(want, once.out);
    strcat(want, once.out);
    cr_assert_str_eq(r.out, want);
}

/* A faulting guest repeated: exit 4 (the worst), every run's output. */
static void test_repeat_fault(const char *mode)
{
    static struct skvm_result r;
    char f[32], g[256];

    RUN(&r, flag(f, sizeof(f), mode), "--repeat", "2",
        guest(g, sizeof(g), "print_fault", mode));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 4, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, print_fault_out(2));
    cr_assert(strstr(r.err, "run 1 of 2: "), "%s", r.err);
}

/* A run that ends on an unanswered MMIO read: the next run starts at the
 * entry again, not by finishing that read (rerun.c flushes it first). */
static void test_repeat_after_mmio(const char *mode)
{
    static struct skvm_result r;
    char f[32], g[256];

    RUN(&r, flag(f, sizeof(f), mode), "--repeat", "3",
        guest(g, sizeof(g), "mmio_read_repeat", mode));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 4, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "S\nS\nS\n", "a run resumed after the read");
}

#define FAST_TESTS(mode)                                                       \
    Test(mode##_fastpath, hello_same) { test_hello_same(#mode); }              \
    Test(mode##_fastpath, spin_timeout) { test_spin_timeout(#mode); }          \
    Test(mode##_fastpath, repeat_restores) { test_repeat_restores(#mode); }    \
    Test(mode##_fastpath, repeat_checks_each)                                  \
    {                                                                          \
        test_repeat_checks_each(#mode);                                        \
    }                                                                          \
    Test(mode##_fastpath, repeat_hello) { test_repeat_hello(#mode); }          \
    Test(mode##_fastpath, repeat_hypercalls)                                   \
    {                                                                          \
        test_repeat_hypercalls(#mode);                                         \
    }                                                                          \
    Test(mode##_fastpath, rep_console_same)                                    \
    {                                                                          \
        test_rep_console_same(#mode);                                          \
    }                                                                          \
    Test(mode##_fastpath, rep_console_batched)                                 \
    {                                                                          \
        test_rep_console_batched(#mode);                                       \
    }

/* print_fault: 32/64-bit only; real mode's fault path goes through KVM's
 * emulator on kvm-pvm and is covered by the bad-input rows
 * (tests/bad_inputs.txt). */
#define FAULT_TESTS(mode)                                                      \
    Test(mode##_fastpath, print_fault_same)                                    \
    {                                                                          \
        test_print_fault_same(#mode);                                          \
    }                                                                          \
    Test(mode##_fastpath, repeat_fault) { test_repeat_fault(#mode); }          \
    Test(mode##_fastpath, repeat_after_mmio)                                   \
    {                                                                          \
        test_repeat_after_mmio(#mode);                                         \
    }

FAST_TESTS(long)
FAST_TESTS(protected)
FAST_TESTS(paged32)
FAST_TESTS(real)
FAST_TESTS(pae)
FAST_TESTS(compat)
FAST_TESTS(la57)
FAULT_TESTS(long)
FAULT_TESTS(protected)
FAULT_TESTS(paged32)
FAULT_TESTS(pae)
FAULT_TESTS(compat)
FAULT_TESTS(la57)

/* Pointer hypercalls after the first read the sregs KVM copied into
 * kvm_run at that exit (KVM_CAP_SYNC_REGS): they must see a CR3 the guest
 * changed in between, as the first call's ioctl would. Also under
 * --repeat, where the loader's CR3 comes back between runs. */
Test(long_fastpath, pointer_sregs_follow_cr3)
{
    static struct skvm_result r;
    const char *guest = test_guest("hc_cr364");

    RUN(&r, "--long", "--mem", "8M", guest);
    skip_if_host_cannot(&r, "long");
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "A\nB\nA\n", "a stale CR3 prints A A A");
    RUN(&r, "--long", "--mem", "8M", "--repeat", "2", guest);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "A\nB\nA\nA\nB\nA\n");
}

/* A partial line putchar holds (core/fdwrite.h) still comes out when the
 * guest never exits again and the run ends by --timeout, and is the
 * same with --trace, which holds nothing. */
Test(long_fastpath, held_partial_line_at_timeout)
{
    static struct skvm_result held, traced;
    const char *g = test_guest("print_spin64");

    RUN(&held, "--long", "--timeout", "0.3", g);
    skip_if_host_cannot(&held, "long");
    RUN(&traced, "--long", "--timeout", "0.3", "--trace", g);
    cr_assert_eq(held.code, 124, "exit %d: %s", held.code, held.err);
    cr_assert_eq(traced.code, 124, "exit %d: %s", traced.code, traced.err);
    cr_assert_str_eq(held.out, "abc");
    cr_assert_str_eq(traced.out, "abc");
}

/* Run print_spin64 (prints "abc", then spins without an exit) with
 * `flag`, read its stdout while it still runs (the timeout is 20 s, the
 * wait for "abc" at most 5 s), then stop it. */
static void partial_line_mid_run(const char *flag)
{
    const char *bin = getenv("SIMPLE_KVM");
    const char *g = test_guest("print_spin64");
    int out[2];
    char buf[16] = {0};
    size_t got = 0;

    cr_assert_not_null(bin);
    cr_assert_eq(pipe(out), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        execl(bin, bin, "--long", flag, "--timeout", "20", g, (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    struct pollfd p = {.fd = out[0], .events = POLLIN};
    while (got < 3 && poll(&p, 1, 5000) > 0) {
        ssize_t n = read(out[0], buf + got, sizeof(buf) - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    int status = 0;
    bool running = waitpid(pid, &status, WNOHANG) == 0;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    close(out[0]);
    if (!running && WIFEXITED(status) && WEXITSTATUS(status) == 3)
        cr_skip_test("this host's KVM cannot run it (%s)", flag);
    cr_assert(running, "simple-kvm ended early (status 0x%x)", status);
    cr_assert_str_eq(buf, "abc", "the partial line came out mid-run (%s)",
                     flag);
}

/* With --irqchip the stop timer ticks while the guest spins: a tick
 * releases the held partial line long before the run ends. */
Test(long_fastpath, held_partial_line_released_by_a_tick)
{
    partial_line_mid_run("--irqchip");
}

/* --no-coalesce holds nothing: each console byte is written as it
 * comes, with no tick to wait for. */
Test(long_fastpath, no_coalesce_writes_each_byte)
{
    partial_line_mid_run("--no-coalesce");
}

Test(cli_fastpath, repeat_bad_count)
{
    static struct skvm_result r;
    static const char *const bad[] = {"0", "-1", "x", "1000001", ""};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        RUN(&r, "--repeat", bad[i]);
        cr_assert_eq(r.code, 2, "--repeat '%s': exit %d", bad[i], r.code);
        cr_assert(strstr(r.err, "--repeat"), "%s", r.err);
        cr_assert_eq(count_lines(r.err), 1);
    }
}
