/* test_sandbox.c - the --sandbox seccomp filter itself, without KVM or
 * the binary: tests/unit/sandbox_probe.c installs it in a process of its
 * own (the filter cannot be removed, and the test's process must keep
 * talking to Criterion) and checks that forbidden calls fail with EPERM
 * and the run loop's calls reach the kernel. The binary under --sandbox
 * is tested in tests/run/test_sandbox_run.c.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define REPORT_MAX 4096

Test(sandbox, forbidden_calls_fail_allowed_calls_pass)
{
    const char *probe = getenv("SKVM_SANDBOX_PROBE");
    char report[REPORT_MAX] = "";
    int pipefd[2], status;
    ssize_t n, got = 0;
    pid_t pid;

    cr_assert(probe, "SKVM_SANDBOX_PROBE is not set (run through meson test)");
    cr_assert(pipe(pipefd) == 0);
    fflush(NULL);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        dup2(pipefd[1], STDOUT_FILENO);
        close(pipefd[0]);
        execl(probe, probe, (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    while ((n = read(pipefd[0], report + got, sizeof(report) - 1 - got)) > 0)
        got += n;
    close(pipefd[0]);
    cr_assert(waitpid(pid, &status, 0) == pid);
    cr_expect_str_empty(report, "%s", report);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "probe status 0x%x: %s", status, report);
}
