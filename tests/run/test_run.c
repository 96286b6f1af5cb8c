/* test_run.c - the real binary in every mode: the run matrix.
 *
 * One row per test and mode (kvm-unit-tests style): MODE_RUN_TESTS(mode)
 * instantiates each test for one column. A mode the host cannot run is
 * skipped with the reason, never passed. Crashing test guests (bad port,
 * triple fault, store past RAM, spin until --timeout) are rows of
 * tests/bad_inputs.txt, checked line for line by tests/run/bad_inputs.c.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

static const char *bits_of(const char *mode)
{
    return mode_bits(mode);
}

static char flag_buf[4][32];
static const char *mode_flag(const char *mode, int slot)
{
    snprintf(flag_buf[slot], sizeof(flag_buf[slot]), "--%s", mode);
    return flag_buf[slot];
}

static char guest_buf[4][256];
static const char *guest_for(const char *name, const char *mode, int slot)
{
    char n[64];
    snprintf(n, sizeof(n), "%s%s", name, bits_of(mode));
    snprintf(guest_buf[slot], sizeof(guest_buf[slot]), "%s", test_guest(n));
    return guest_buf[slot];
}

static void expect_fault(const struct skvm_result *r, const char *mode,
                         int code, const char *text)
{
    skip_if_host_cannot(r, mode);
    cr_assert_eq(r->code, code, "exit %d, want %d; stderr: %s", r->code, code,
                 r->err);
    /* The one-line error comes last; a guest fault puts the crash
     * report (tests/run/test_diag.c) before it. */
    const char *last = last_line(r->err);
    cr_assert(strncmp(last, "simple-kvm: ", 12) == 0 && strstr(last, text),
              "last stderr line names '%s': %s", text, r->err);
    if (code == 4)
        cr_assert(strstr(r->err, "=== simple-kvm crash report"), "%s",
                  r->err);
    else
        cr_assert_eq(count_lines(r->err), 1, "exactly one stderr line: %s",
                     r->err);
}

static void test_hello(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode, 0));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, hello_greeting(mode));
    cr_assert_str_empty(r.err);
}

static void test_short_flag(const char *mode)
{
    struct skvm_result r;
    char flag[3] = {'-', 0, 0};

    flag[1] = strcmp(mode, "long") == 0        ? 'l'
              : strcmp(mode, "protected") == 0 ? 's'
              : strcmp(mode, "paged32") == 0   ? 'p'
              : strcmp(mode, "pae") == 0       ? 'a'
              : strcmp(mode, "compat") == 0    ? 'c'
              : strcmp(mode, "la57") == 0      ? '5'
                                               : 'r';
    RUN(&r, flag);
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, hello_greeting(mode));
}

static void test_c_guest(const char *mode, const char *rax, int code)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode, 0), guest_for("hello_c", mode, 0), "--expect-rax",
        rax, "--expect-mem", "0x400=42");
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, code, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "Hello, world!\n");
    if (code == 1)
        cr_assert(strstr(r.err, "check failed: ") && strstr(r.err, "is 42, "
                                                            "expected 41"),
                  "%s", r.err);
}

/* SIGTERM during KVM_RUN: a clean stop, exit 128 + 15. */
static void test_sigterm(const char *mode)
{
    const char *exe = getenv("SIMPLE_KVM");
    const char *g = guest_for("spin", mode, 0);
    int status, pipefd[2];
    char err[512] = "";
    pid_t pid;

    cr_assert(exe && pipe(pipefd) == 0);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        dup2(pipefd[1], STDERR_FILENO);
        alarm(30);
        execl(exe, exe, mode_flag(mode, 1), g, (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    usleep(300 * 1000);
    kill(pid, SIGTERM);
    cr_assert(waitpid(pid, &status, 0) == pid);
    ssize_t n = read(pipefd[0], err, sizeof(err) - 1);
    err[n > 0 ? n : 0] = '\0';
    struct skvm_result r = {.code = WIFEXITED(status)
                                        ? WEXITSTATUS(status)
                                        : 128 + WTERMSIG(status)};
    snprintf(r.err, sizeof(r.err), "%s", err);
    skip_if_host_cannot(&r, mode);
    cr_assert(WIFEXITED(status), "exited by itself, not killed");
    expect_fault(&r, mode, 128 + SIGTERM, "stopped by");
}

#define MODE_RUN_TESTS(mode)                                                   \
    Test(mode##_run, hello) { test_hello(#mode); }                             \
    Test(mode##_run, short_flag) { test_short_flag(#mode); }                   \
    Test(mode##_run, sigterm) { test_sigterm(#mode); }

MODE_RUN_TESTS(long)
MODE_RUN_TESTS(protected)
MODE_RUN_TESTS(paged32)
MODE_RUN_TESTS(real)
MODE_RUN_TESTS(pae)
MODE_RUN_TESTS(compat)
MODE_RUN_TESTS(la57)

/* Modes with 32/64-bit C guests. */
#define MODE_C_TESTS(mode)                                                     \
    Test(mode##_run, c_guest_checks) { test_c_guest(#mode, "42", 0); }         \
    Test(mode##_run, c_guest_check_fails) { test_c_guest(#mode, "41", 1); }

MODE_C_TESTS(long)
MODE_C_TESTS(protected)
MODE_C_TESTS(paged32)
MODE_C_TESTS(pae)
MODE_C_TESTS(compat)
MODE_C_TESTS(la57)
