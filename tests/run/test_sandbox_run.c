/* test_sandbox_run.c - the binary under --sandbox: it runs guests as
 * without it, and its /proc/PID/status shows the filter while the guest
 * runs (and no filter without the option). The filter alone is tested
 * without the binary in tests/unit/test_sandbox.c.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

/* The binary keeps its behaviour under --sandbox. */
Test(sandbox_run, guests_run_as_without_it)
{
    struct skvm_result r;

    RUN(&r, "--sandbox");
    if (r.code == 3)
        cr_skip_test("%s", r.err);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_str_eq(r.out, hello_greeting("long"));
    RUN(&r, "--sandbox", "--guest-name", "hypercalls", "--json", "--stats");
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"exit_code\": 0"), "%s", r.out);
    RUN(&r, "--sandbox", "--repeat", "3", "--dump");
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.err, "crash report"), "%s", r.err);
    RUN(&r, "--sandbox", test_guest("bad_port64"));
    cr_assert_eq(r.code, 4, "%s", r.err);
    cr_assert(strstr(last_line(r.err), "undefined port 0x80"), "%s", r.err);
    RUN(&r, "--sandbox", "--timeout", "0.2", test_guest("spin64"));
    cr_assert_eq(r.code, 124, "%s", r.err);
}

/* "Seccomp: 2" (filter mode) and NoNewPrivs in the running binary. */
Test(sandbox_run, filter_installed_while_guest_runs)
{
    const char *exe = getenv("SIMPLE_KVM");
    const struct timespec poll = {0, 20 * 1000 * 1000};
    char path[64], status_text[8192] = "";
    bool seen = false;
    int status;
    pid_t pid;

    cr_assert(exe);
    fflush(NULL);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int null_fd = open("/dev/null", O_WRONLY);
        dup2(null_fd, STDOUT_FILENO);
        dup2(null_fd, STDERR_FILENO);
        execl(exe, exe, "--sandbox", "--timeout", "3", test_guest("spin64"),
              (char *)NULL);
        _exit(127);
    }
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    /* The filter goes in after setup: poll until it shows (or exit). */
    for (int i = 0; i < 100 && !seen; i++) {
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(status_text, 1, sizeof(status_text) - 1, f) : 0;
        if (f)
            fclose(f);
        status_text[n] = '\0';
        seen = strstr(status_text, "Seccomp:\t2") != NULL;
        if (!seen)
            nanosleep(&poll, NULL);
    }
    kill(pid, SIGTERM);
    cr_assert(waitpid(pid, &status, 0) == pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
        cr_skip_test("the host cannot run the guest (exit 3)");
    cr_assert(seen, "no 'Seccomp: 2' in %s:\n%s", path, status_text);
    cr_assert(strstr(status_text, "NoNewPrivs:\t1"), "%s", status_text);
    /* SIGTERM reached the run loop through the filter: 128 + 15. */
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGTERM,
              "status 0x%x", status);
}

/* Without --sandbox, no filter: the test above is not vacuous. */
Test(sandbox_run, no_filter_without_the_option)
{
    const char *exe = getenv("SIMPLE_KVM");
    const struct timespec wait = {0, 300 * 1000 * 1000};
    char path[64], status_text[8192] = "";
    int status;
    pid_t pid;
    FILE *f;

    cr_assert(exe);
    fflush(NULL);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int null_fd = open("/dev/null", O_WRONLY);
        dup2(null_fd, STDOUT_FILENO);
        dup2(null_fd, STDERR_FILENO);
        execl(exe, exe, "--timeout", "3", test_guest("spin64"), (char *)NULL);
        _exit(127);
    }
    nanosleep(&wait, NULL);
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    cr_assert(f);
    status_text[fread(status_text, 1, sizeof(status_text) - 1, f)] = '\0';
    fclose(f);
    kill(pid, SIGTERM);
    cr_assert(waitpid(pid, &status, 0) == pid);
    cr_assert(strstr(status_text, "Seccomp:\t0"), "%s", status_text);
}
