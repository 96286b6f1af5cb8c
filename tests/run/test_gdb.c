/* test_gdb.c - a real gdb against simple-kvm --gdb, in every mode.
 *
 * Each test starts simple-kvm with --gdb 0 (any free port), reads the
 * port from its stderr line, runs `gdb -batch` with `target remote` and
 * a list of commands, then collects both exit codes and outputs. Every
 * step has a limit (alarm in both children, poll timeouts here), so a
 * broken stub fails a test instead of hanging the suite.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define CHILD_LIMIT_S   30   /* alarm in simple-kvm and gdb */
#define PORT_WAIT_MS    15000
#define EXIT_WAIT_MS    20000
#define KVM_TIMEOUT     "25" /* simple-kvm's own --timeout */
#define WAITING_TEXT    "waiting for gdb on 127.0.0.1:"

struct session {
    pid_t kvm;
    int err_fd;      /* simple-kvm's stderr pipe */
    FILE *out;       /* simple-kvm's stdout */
    unsigned port;   /* 0 when simple-kvm ended before listening */
    struct skvm_result kvm_r; /* code, out, err of simple-kvm */
    char gdb_out[32768];
    int gdb_code;
};

static const char *bits_of(const char *mode)
{
    return mode_bits(mode);
}

static const char *areg(const char *mode)
{
    return mode_is64(mode) ? "$rax" : "$eax";
}

/* Append what is readable on fd to r->err within wait_ms; true on EOF. */
static bool read_err(struct session *s, int wait_ms)
{
    size_t len = strlen(s->kvm_r.err);
    struct pollfd p = {.fd = s->err_fd, .events = POLLIN};

    while (len + 1 < sizeof(s->kvm_r.err) && poll(&p, 1, wait_ms) > 0) {
        ssize_t n = read(s->err_fd, s->kvm_r.err + len,
                         sizeof(s->kvm_r.err) - 1 - len);
        if (n <= 0)
            return true;
        len += (size_t)n;
        s->kvm_r.err[len] = '\0';
        if (strchr(s->kvm_r.err, '\n') && !s->port)
            return false; /* a whole first line: look at it */
    }
    return false;
}

static void start_kvm(struct session *s, const char *mode,
                      const char *const *extra)
{
    const char *exe = getenv("SIMPLE_KVM");
    const char *args[32];
    char flag[32];
    size_t n = 0;
    int pfd[2];

    memset(s, 0, sizeof(*s));
    cr_assert(exe, "SIMPLE_KVM is not set (run through meson test)");
    snprintf(flag, sizeof(flag), "--%s", mode);
    args[n++] = exe;
    args[n++] = flag;
    args[n++] = "--gdb";
    args[n++] = "0";
    args[n++] = "--timeout";
    args[n++] = KVM_TIMEOUT;
    while (extra && *extra && n < 31)
        args[n++] = *extra++;
    args[n] = NULL;
    cr_assert(pipe(pfd) == 0);
    s->out = tmpfile();
    cr_assert(s->out);
    fflush(NULL);
    s->kvm = fork();
    cr_assert(s->kvm >= 0);
    if (s->kvm == 0) {
        dup2(fileno(s->out), STDOUT_FILENO);
        dup2(pfd[1], STDERR_FILENO);
        close(pfd[0]);
        alarm(CHILD_LIMIT_S);
        execv(exe, (char *const *)args);
        _exit(127);
    }
    close(pfd[1]);
    s->err_fd = pfd[0];
    /* Wait for the port line, or for simple-kvm to end. */
    for (int waited = 0; waited < PORT_WAIT_MS && !s->port; waited += 500) {
        bool eof = read_err(s, 500);
        const char *w = strstr(s->kvm_r.err, WAITING_TEXT);
        if (w)
            s->port = (unsigned)atoi(w + strlen(WAITING_TEXT));
        if (eof)
            break;
    }
}

/* Wait for simple-kvm to exit and collect its outputs. */
static void finish_kvm(struct session *s)
{
    int status = 0;
    pid_t w = 0;

    for (int waited = 0; waited < EXIT_WAIT_MS; waited += 100) {
        read_err(s, 0);
        if ((w = waitpid(s->kvm, &status, WNOHANG)) == s->kvm)
            break;
        usleep(100 * 1000);
    }
    if (w != s->kvm) {
        kill(s->kvm, SIGKILL);
        waitpid(s->kvm, &status, 0);
    }
    read_err(s, 0);
    close(s->err_fd);
    s->kvm_r.code = WIFEXITED(status) ? WEXITSTATUS(status)
                                      : 128 + WTERMSIG(status);
    rewind(s->out);
    size_t n = fread(s->kvm_r.out, 1, sizeof(s->kvm_r.out) - 1, s->out);
    s->kvm_r.out[n] = '\0';
    fclose(s->out);
}

/* gdb -batch with `target remote` and then each command. */
static void run_gdb(struct session *s, const char *const *cmds)
{
    const char *gdb = getenv("SKVM_GDB");
    const char *args[96];
    char target[64];
    size_t n = 0;
    FILE *out = tmpfile();
    int status;

    cr_assert(gdb, "SKVM_GDB is not set (run through meson test)");
    cr_assert(out);
    snprintf(target, sizeof(target), "target remote 127.0.0.1:%u", s->port);
    args[n++] = gdb;
    args[n++] = "-batch";
    args[n++] = "-nx";
    args[n++] = "-ex";
    args[n++] = "set remotetimeout 10";
    args[n++] = "-ex";
    args[n++] = target;
    for (; *cmds && n < 93; cmds++) {
        args[n++] = "-ex";
        args[n++] = *cmds;
    }
    args[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        dup2(fileno(out), STDOUT_FILENO);
        dup2(fileno(out), STDERR_FILENO);
        alarm(CHILD_LIMIT_S);
        execv(gdb, (char *const *)args);
        _exit(127);
    }
    cr_assert(waitpid(pid, &status, 0) == pid);
    s->gdb_code = WIFEXITED(status) ? WEXITSTATUS(status)
                                    : 128 + WTERMSIG(status);
    rewind(out);
    size_t got = fread(s->gdb_out, 1, sizeof(s->gdb_out) - 1, out);
    s->gdb_out[got] = '\0';
    fclose(out);
}

/* One whole session; skips when the host cannot run the mode. */
static void session(struct session *s, const char *mode,
                    const char *const *kvm_args, const char *const *cmds)
{
    start_kvm(s, mode, kvm_args);
    if (!s->port) {
        finish_kvm(s);
        skip_if_host_cannot(&s->kvm_r, mode);
        cr_assert_fail("simple-kvm never listened (exit %d): %s",
                       s->kvm_r.code, s->kvm_r.err);
    }
    run_gdb(s, cmds);
    finish_kvm(s);
}

#define CMDS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void expect_gdb(const struct session *s, const char *text)
{
    cr_assert(strstr(s->gdb_out, text), "gdb output lacks '%s':\n%s\n"
              "simple-kvm stderr:\n%s", text, s->gdb_out, s->kvm_r.err);
}

static char guest_path[256];
static const char *gdb_guest(const char *mode)
{
    char n[64];

    snprintf(n, sizeof(n), "gdb_target%s", bits_of(mode));
    snprintf(guest_path, sizeof(guest_path), "%s", test_guest(n));
    return guest_path;
}

/* Length of each built-in guest's first instruction (guests/<mode>.asm):
 * mov ecx, imm32 (long, compat, la57); mov eax, cr0 (protected, paged32,
 * pae); smsw ax. */
static unsigned first_insn_len(const char *mode)
{
    return mode_is64(mode) || strcmp(mode, "compat") == 0 ? 5 : 3;
}

/* The built-in guest: stopped before its first instruction, one step,
 * then on to the halt and the host's own checks. */
static void test_builtin(const char *mode)
{
    struct session s;
    char want[64];

    session(&s, mode, NULL,
            CMDS("p/x $pc", "stepi", "p/x $pc", "continue"));
    expect_gdb(&s, "$1 = 0x0\n");
    snprintf(want, sizeof(want), "$2 = 0x%x\n", first_insn_len(mode));
    expect_gdb(&s, want);
    expect_gdb(&s, "simple-kvm: guest halted");
    expect_gdb(&s, "exited normally");
    cr_assert_eq(s.kvm_r.code, 0, "exit %d: %s", s.kvm_r.code, s.kvm_r.err);
    cr_assert(strstr(s.kvm_r.out, "Hello from "), "%s", s.kvm_r.out);
}

/* Hardware breakpoint, step, register and memory read and write; the
 * run passes its checks only if both writes reached the guest. */
static void test_break_step_rw(const char *mode)
{
    struct session s;
    char set_a[32], print_a[32];

    snprintf(set_a, sizeof(set_a), "set var %s = 0", areg(mode));
    snprintf(print_a, sizeof(print_a), "p %s", areg(mode));
    session(&s, mode,
            CMDS(gdb_guest(mode), "--expect-rax", "42", "--expect-mem",
                 "0x400=42"),
            CMDS("hbreak *0x10", "continue", "p/x $pc", print_a, "stepi",
                 "p/x $pc", "x/s 0x80", set_a, "set var *(int *)0x90 = 41",
                 "x/1dw 0x90", "x/1xb 0x7fff0000", "continue"));
    expect_gdb(&s, "Hardware assisted breakpoint 1 at 0x10");
    expect_gdb(&s, "$1 = 0x10\n");
    expect_gdb(&s, "$2 = 7\n");
    expect_gdb(&s, "$3 = 0x20\n");
    expect_gdb(&s, "\"gdb-data\"");
    expect_gdb(&s, ":\t41\n");
    /* Past the 2 MiB of RAM: refused (E01), gdb says so, the run goes on. */
    expect_gdb(&s, "Cannot access memory at address 0x7fff0000");
    expect_gdb(&s, "exited normally");
    cr_assert_eq(s.kvm_r.code, 0, "exit %d: %s", s.kvm_r.code, s.kvm_r.err);
}

/* Software breakpoints need the host to stop at int3; the stub probes
 * that at start-up and refuses with "this host's KVM ... does not stop
 * at int3": skip with that line. */
static void skip_unless_int3_stops(const struct session *s)
{
    const char *why = strstr(s->kvm_r.err, "does not stop at int3")
                          ? strstr(s->kvm_r.err, "this host")
                          : NULL;

    if (why)
        cr_skip_test("%.*s", (int)strcspn(why, "\n"), why);
}

/* Software breakpoint (Z0, int3). Skipped, with the stub's reason, where
 * this host's KVM does not intercept int3 in this mode. */
static void test_sw_break(const char *mode)
{
    struct session s;

    session(&s, mode,
            CMDS(gdb_guest(mode), "--expect-rax", "9", "--expect-mem",
                 "0x400=9"),
            CMDS("break *0x20", "continue", "p/x $pc", "x/1xb 0x20",
                 "delete", "continue"));
    skip_unless_int3_stops(&s);
    expect_gdb(&s, "Breakpoint 1, 0x");
    expect_gdb(&s, "$1 = 0x20\n");
    /* gdb reads the original byte (inc), not the int3, while stopped. */
    expect_gdb(&s, ":\t0x");
    cr_assert(!strstr(s.gdb_out, ":\t0xcc"), "int3 visible: %s", s.gdb_out);
    expect_gdb(&s, "exited normally");
    cr_assert_eq(s.kvm_r.code, 0, "exit %d: %s", s.kvm_r.code, s.kvm_r.err);
}

/* gdb's software watchpoint single-steps every instruction: through
 * port output (an I/O exit mid-step) and into the final HLT, which
 * must halt the guest rather than be stepped over. */
static void test_step_everything(const char *mode)
{
    struct session s;

    session(&s, mode, NULL,
            CMDS("set can-use-hw-watchpoints 0", "watch *(short *)0x400",
                 "continue", "continue"));
    expect_gdb(&s, "New value = 42");
    expect_gdb(&s, "exited normally");
    cr_assert_eq(s.kvm_r.code, 0, "exit %d: %s", s.kvm_r.code, s.kvm_r.err);
    cr_assert(strstr(s.kvm_r.out, "Hello from "), "greeting: %s", s.kvm_r.out);
    cr_assert_eq(count_lines(s.kvm_r.out), 1, "only the greeting: %s",
                 s.kvm_r.out);
}

/* Hardware watchpoint (Z2, a debug register). Skipped, with the stub's
 * reason, where this host's KVM does not report data breakpoints. */
static void test_hw_watch(const char *mode)
{
    struct session s;

    session(&s, mode, NULL,
            CMDS("watch *(short *)0x400", "continue", "p/x $pc", "delete",
                 "continue"));
    const char *why = strstr(s.kvm_r.err, "this host's KVM does not report");
    if (why)
        cr_skip_test("%.*s", (int)strcspn(why, "\n"), why);
    expect_gdb(&s, "Hardware watchpoint 1: *(short *)0x400");
    expect_gdb(&s, "New value = 42");
    expect_gdb(&s, "exited normally");
    cr_assert_eq(s.kvm_r.code, 0, "exit %d: %s", s.kvm_r.code, s.kvm_r.err);
}

/* A guest that crashes: gdb hears why, simple-kvm exits 4. */
static void test_fault_report(const char *mode)
{
    struct session s;
    char n[64];

    snprintf(n, sizeof(n), "triple%s", bits_of(mode));
    session(&s, mode, CMDS(test_guest(n)), CMDS("continue"));
    cr_assert_eq(s.kvm_r.code, 4, "exit %d: %s", s.kvm_r.code, s.kvm_r.err);
    /* gdb shows the same reason as simple-kvm's error line. */
    const char *why = strstr(s.kvm_r.err, "simple-kvm: guest ");
    if (!why)
        why = strstr(s.kvm_r.err, "simple-kvm: KVM internal error");
    cr_assert(why, "%s", s.kvm_r.err);
    char reason[128];
    /* gdb hears the run loop's reason; the hint (app/hints.h) is added
     * after the run, for the error line only. */
    size_t len = strcspn(why + 12, "\n");
    const char *hint = strstr(why + 12, "; hint: ");
    if (hint && (size_t)(hint - (why + 12)) < len)
        len = (size_t)(hint - (why + 12));
    snprintf(reason, sizeof(reason), "%.*s", (int)len, why + 12);
    expect_gdb(&s, reason);
    expect_gdb(&s, "terminated with signal SIGSEGV");
}

/* An exception stops the guest at the faulting instruction with the
 * signal a gdb user expects; `continue` then ends the run as it would
 * without gdb (exit 4, the exception's line). */
static void test_exception_stop(const char *mode)
{
    static const struct {
        const char *guest, *signal;
    } cases[] = {{"exc_ud", "SIGILL"}, {"exc_de", "SIGFPE"},
                 {"exc_gp", "SIGSEGV"}};

    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct session s;
        char n[64], want[96];

        snprintf(n, sizeof(n), "%s%s", cases[i].guest, bits_of(mode));
        session(&s, mode, CMDS(test_guest(n)),
                CMDS("continue", "p/x $pc", "continue"));
        snprintf(want, sizeof(want), "Program received signal %s",
                 cases[i].signal);
        expect_gdb(&s, want);
        /* real mode: gdb's $pc is CS*16+IP; the guests run at CS 0 */
        expect_gdb(&s, "$1 = 0x10\n");
        snprintf(want, sizeof(want), "terminated with signal %s",
                 cases[i].signal);
        expect_gdb(&s, want);
        cr_assert_eq(s.kvm_r.code, 4, "%s: exit %d: %s", n, s.kvm_r.code,
                     s.kvm_r.err);
        cr_assert(strstr(last_line(s.kvm_r.err), "guest raised #"), "%s",
                  s.kvm_r.err);
    }
}

static void test_kill(const char *mode)
{
    struct session s;

    session(&s, mode, NULL, CMDS("kill"));
    cr_assert_eq(s.kvm_r.code, 128 + SIGKILL, "exit %d: %s", s.kvm_r.code,
                 s.kvm_r.err);
    cr_assert(strstr(s.kvm_r.err, "simple-kvm: guest killed from gdb"), "%s",
              s.kvm_r.err);
    cr_assert_str_empty(s.kvm_r.out, "killed before the first instruction");
}

static void test_detach(const char *mode)
{
    struct session s;

    session(&s, mode, NULL, CMDS("detach"));
    expect_gdb(&s, "detached]");
    cr_assert_eq(s.kvm_r.code, 0, "exit %d: %s", s.kvm_r.code, s.kvm_r.err);
    cr_assert(strstr(s.kvm_r.out, "Hello from "), "%s", s.kvm_r.out);
}

/* Raw socket: a bad checksum is NACKed ('-'), then the client vanishes
 * without detaching: one clear error line, exit 2, no crash. */
static void test_bad_client(const char *mode)
{
    struct session s;
    struct sockaddr_in a = {.sin_family = AF_INET};
    char buf[64] = "";
    struct pollfd p;

    start_kvm(&s, mode, NULL);
    if (!s.port) {
        finish_kvm(&s);
        skip_if_host_cannot(&s.kvm_r, mode);
        cr_assert_fail("no port: %s", s.kvm_r.err);
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_port = htons((uint16_t)s.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    cr_assert(write(fd, "$g#00", 5) == 5);
    p = (struct pollfd){.fd = fd, .events = POLLIN};
    cr_assert(poll(&p, 1, 5000) == 1, "stub answers a bad checksum");
    cr_assert(read(fd, buf, sizeof(buf) - 1) >= 1);
    cr_assert_eq(buf[0], '-', "bad checksum is NACKed: %s", buf);
    /* A well-formed but meaningless command: an error reply, no crash. */
    cr_assert(write(fd, "$mzz,4#c1", 9) == 9);
    cr_assert(poll(&p, 1, 5000) == 1);
    memset(buf, 0, sizeof(buf));
    for (size_t got = 0; got < 8 && poll(&p, 1, 2000) == 1;) {
        ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    cr_assert(strstr(buf, "+$E01#a6"), "ack then E01: %s", buf);
    close(fd);
    finish_kvm(&s);
    cr_assert_eq(s.kvm_r.code, 2, "exit %d: %s", s.kvm_r.code, s.kvm_r.err);
    cr_assert(strstr(s.kvm_r.err, "simple-kvm: gdb client disconnected"),
              "%s", s.kvm_r.err);
}

/* ---- raw protocol from a socket ---- */

static int connect_stub(unsigned port)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    return fd;
}

static void send_pkt(int fd, const char *payload)
{
    char buf[256];
    unsigned sum = 0;

    for (const char *p = payload; *p; p++)
        sum += (unsigned char)*p;
    int n = snprintf(buf, sizeof(buf), "$%s#%02x", payload, sum & 0xFF);
    cr_assert(write(fd, buf, (size_t)n) == n);
}

/* Read into buf until it contains needle or ms pass. */
static bool read_until(int fd, char *buf, size_t cap, const char *needle,
                       int ms)
{
    size_t got = strlen(buf);
    struct pollfd p = {.fd = fd, .events = POLLIN};

    while (!strstr(buf, needle) && got + 1 < cap && poll(&p, 1, ms) == 1) {
        ssize_t n = read(fd, buf + got, cap - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        buf[got] = '\0';
    }
    return strstr(buf, needle) != NULL;
}

/* Ctrl-C: a guest spinning under `continue` stops with SIGINT (T02),
 * and is still inspectable; then kill ends the run. */
static void test_interrupt(const char *mode)
{
    struct session s;
    char n[64], buf[4096] = "";

    snprintf(n, sizeof(n), "spin%s", bits_of(mode));
    start_kvm(&s, mode, CMDS(test_guest(n)));
    if (!s.port) {
        finish_kvm(&s);
        skip_if_host_cannot(&s.kvm_r, mode);
        cr_assert_fail("no port: %s", s.kvm_r.err);
    }
    int fd = connect_stub(s.port);
    send_pkt(fd, "c");
    usleep(200 * 1000); /* let it spin */
    cr_assert(write(fd, "\x03", 1) == 1);
    cr_assert(read_until(fd, buf, sizeof(buf), "$T02", 5000),
              "stop reply after 0x03: %s", buf);
    buf[0] = '\0';
    send_pkt(fd, "p8"); /* (e/r)ip: the spin loop's jmp $ at 0 */
    cr_assert(read_until(fd, buf, sizeof(buf), "#", 5000), "%s", buf);
    cr_assert(strstr(buf, "$00000000") || strstr(buf, "$0000000000000000"),
              "pc is the jmp $ at 0: %s", buf);
    send_pkt(fd, "k");
    finish_kvm(&s);
    close(fd);
    cr_assert_eq(s.kvm_r.code, 128 + SIGKILL, "exit %d: %s", s.kvm_r.code,
                 s.kvm_r.err);
}

#define MODE_GDB_TESTS(mode)                                                   \
    Test(mode##_gdb, builtin_step_continue) { test_builtin(#mode); }           \
    Test(mode##_gdb, hbreak_step_read_write) { test_break_step_rw(#mode); }    \
    Test(mode##_gdb, sw_breakpoint) { test_sw_break(#mode); }                  \
    Test(mode##_gdb, step_everything) { test_step_everything(#mode); }         \
    Test(mode##_gdb, hw_watchpoint) { test_hw_watch(#mode); }                  \
    Test(mode##_gdb, fault_report) { test_fault_report(#mode); }               \
    Test(mode##_gdb, exception_stop) { test_exception_stop(#mode); }           \
    Test(mode##_gdb, kill) { test_kill(#mode); }                               \
    Test(mode##_gdb, detach) { test_detach(#mode); }                           \
    Test(mode##_gdb, bad_client) { test_bad_client(#mode); }                   \
    Test(mode##_gdb, interrupt) { test_interrupt(#mode); }

MODE_GDB_TESTS(long)
MODE_GDB_TESTS(protected)
MODE_GDB_TESTS(paged32)
MODE_GDB_TESTS(real)
MODE_GDB_TESTS(pae)
MODE_GDB_TESTS(compat)
MODE_GDB_TESTS(la57)

/* Source-level debugging of an ELF guest built with -g (README, "ELF
 * guests"): gdb takes symbols and lines from the file, simple-kvm loads
 * it. `break main` is a software breakpoint: skipped, with the stub's
 * reason, where this host's KVM does not stop at int3. gdb stops a
 * backtrace at main, so `bt` is asked one call deeper. */
static void test_elf_source(const char *mode)
{
    static char guest[4096], file[4200];
    struct session s;

    snprintf(file, sizeof(file), "elf_hello%s.elf", bits_of(mode));
    snprintf(guest, sizeof(guest), "%s", test_guest_file(file));
    snprintf(file, sizeof(file), "file %s", guest);
    session(&s, mode, CMDS(guest),
            CMDS(file, "break main", "continue", "next",
                 "break skvm_print_str", "continue", "bt", "delete",
                 "continue"));
    skip_unless_int3_stops(&s);
    expect_gdb(&s, "Breakpoint 1, main () at ");
    expect_gdb(&s, "elf_guest.c:");
    expect_gdb(&s, "\t        if (bss_buf[i]) {\n"); /* `next` went on */
    expect_gdb(&s, "Breakpoint 2, skvm_print_str (s=0x");
    expect_gdb(&s, "\"Hello from an ELF guest\\n\")");
    expect_gdb(&s, "#0  skvm_print_str (s=");
    expect_gdb(&s, " in main () at ");
    expect_gdb(&s, "exited normally");
    cr_assert_eq(s.kvm_r.code, 0, "exit %d: %s", s.kvm_r.code, s.kvm_r.err);
    cr_assert(strstr(s.kvm_r.out, "Hello from an ELF guest\n"), "%s",
              s.kvm_r.out);
}

Test(long_gdb, elf_source_level) { test_elf_source("long"); }
Test(protected_gdb, elf_source_level) { test_elf_source("protected"); }
Test(paged32_gdb, elf_source_level) { test_elf_source("paged32"); }

/* --irqchip under gdb (issue 15): with the PIT ticking and interrupts on
 * (tests/guests/pit_ticks.asm, its nops at 0x101), single steps run the
 * guest's own instructions, never the timer handler a pending tick
 * would enter (KVM_GUESTDBG_BLOCKIRQ); a breakpoint in the handler
 * (0x200) stops there; the run then ends as without gdb. A mode whose
 * `iret` this host cannot run (kvm-pvm, 32-bit protected) says so and
 * skips. */
static void test_irqchip_timer(const char *mode)
{
    struct session s;
    char guest[64];

    snprintf(guest, sizeof(guest), "pit_ticks%s", bits_of(mode));
    session(&s, mode, CMDS("--irqchip", test_guest(guest)),
            CMDS("hbreak *0x101", "continue", "delete", "stepi", "stepi",
                 "stepi", "stepi", "p/x $pc", "hbreak *0x200", "continue",
                 "p/x $pc", "delete", "continue"));
    if (s.kvm_r.code == 3 && strstr(s.kvm_r.err, "this host's KVM cannot"))
        cr_skip_test("%s", last_line(s.kvm_r.err));
    expect_gdb(&s, "Breakpoint 1, 0x");
    expect_gdb(&s, "$1 = 0x105\n");
    expect_gdb(&s, "Breakpoint 2, 0x");
    expect_gdb(&s, "$2 = 0x200\n");
    expect_gdb(&s, "exited normally");
    cr_assert_eq(s.kvm_r.code, 0, "exit %d: %s", s.kvm_r.code, s.kvm_r.err);
    cr_assert_str_eq(s.kvm_r.out, "pic mask: 0\nticks: 10\n");
}

Test(long_gdb, irqchip_timer) { test_irqchip_timer("long"); }
Test(protected_gdb, irqchip_timer) { test_irqchip_timer("protected"); }
Test(paged32_gdb, irqchip_timer) { test_irqchip_timer("paged32"); }
Test(real_gdb, irqchip_timer) { test_irqchip_timer("real"); }
