/* test_teardown.c - the VM's teardown in a helper process (kvm/teardown.h).
 *
 * This test process makes itself a subreaper, so the helper that a run
 * leaves behind is handed here when simple-kvm ends and can be counted,
 * named and waited for.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

#define LEFTOVER_WAIT_S 10 /* a helper still alive by then is a bug */

struct leftover {
    pid_t pid;
    int status;
    char comm[32];
};

static void adopt_leftovers(void)
{
    cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0, "subreaper: %s",
                 strerror(errno));
}

/* Reap every process left behind by the runs so far (all are ours now),
 * up to max, each named by its comm (read before it is reaped). Fails
 * the test when one is still alive after LEFTOVER_WAIT_S. */
static size_t reap_leftovers(struct leftover *l, size_t max)
{
    size_t n = 0;
    double until = now_s() + LEFTOVER_WAIT_S;

    for (;;) {
        siginfo_t si = {0};
        int rc = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT);

        if (rc < 0 && errno == ECHILD)
            return n;
        cr_assert_eq(rc, 0, "waitid: %s", strerror(errno));
        if (si.si_pid == 0) { /* still running */
            cr_assert_lt(now_s(), until, "a process left behind by "
                                         "simple-kvm still runs after %d s",
                         LEFTOVER_WAIT_S);
            usleep(1000);
            continue;
        }
        cr_assert_lt(n, max, "more processes left behind than expected");
        l[n] = (struct leftover){.pid = si.si_pid};
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/comm", (int)si.si_pid);
        FILE *f = fopen(path, "r");
        if (f) {
            if (fgets(l[n].comm, sizeof l[n].comm, f))
                l[n].comm[strcspn(l[n].comm, "\n")] = '\0';
            fclose(f);
        }
        cr_assert_eq(waitpid(si.si_pid, &l[n].status, 0), si.si_pid);
        n++;
    }
}

static void assert_one_helper(void)
{
    struct leftover l[4];
    size_t n = reap_leftovers(l, 4);

    cr_assert_eq(n, 1, "one teardown helper per run, found %zu", n);
    cr_expect_str_eq(l[0].comm, "skvm-teardown");
    cr_expect(WIFEXITED(l[0].status) && WEXITSTATUS(l[0].status) == 0,
              "the helper ends cleanly (status 0x%x)", l[0].status);
}

static void assert_no_helper(const char *why)
{
    struct leftover l[4];

    cr_assert_eq(reap_leftovers(l, 4), 0, "%s: nothing left behind", why);
}

TestSuite(cli_teardown, .timeout = 60);

Test(cli_teardown, a_run_leaves_one_helper_that_ends)
{
    struct skvm_result r;

    adopt_leftovers();
    unsetenv("SIMPLE_KVM_ASYNC_TEARDOWN");
    RUN(&r, "--long");
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, hello_greeting("long"));
    assert_one_helper();
}

/* A guest that went wrong: its answer (exit code, report) is the same
 * with the teardown elsewhere, and the helper still ends. */
Test(cli_teardown, a_failing_guest_keeps_its_answer)
{
    struct skvm_result detached, in_place;

    adopt_leftovers();
    unsetenv("SIMPLE_KVM_ASYNC_TEARDOWN");
    RUN(&detached, "--long", test_guest("exc_pf64"));
    assert_one_helper();
    setenv("SIMPLE_KVM_ASYNC_TEARDOWN", "off", 1);
    RUN(&in_place, "--long", test_guest("exc_pf64"));
    assert_no_helper("SIMPLE_KVM_ASYNC_TEARDOWN=off");
    cr_assert_eq(detached.code, 4, "a page fault is the guest's: %s",
                 detached.err);
    cr_assert_eq(detached.code, in_place.code);
    cr_assert_str_eq(last_line(detached.err), last_line(in_place.err));
}

Test(cli_teardown, off_switch_and_sandbox_close_in_place)
{
    struct skvm_result r;

    adopt_leftovers();
    setenv("SIMPLE_KVM_ASYNC_TEARDOWN", "off", 1);
    RUN(&r, "--long");
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, hello_greeting("long"));
    assert_no_helper("SIMPLE_KVM_ASYNC_TEARDOWN=off");
    unsetenv("SIMPLE_KVM_ASYNC_TEARDOWN");
    RUN(&r, "--long", "--sandbox");
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    assert_no_helper("--sandbox (its filter refuses clone)");
    RUN(&r, "--probe");
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    assert_no_helper("--probe");
}

/* Start argv (argv[0] the binary) with stdout the write end of the pipe
 * fds, which this process then closes. */
static pid_t start_into_pipe(int fds[2], const char *const *argv)
{
    pid_t pid = fork();

    cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    return pid;
}

/* Whether any of pid's descriptors is a KVM file (/dev/kvm, a VM, a
 * vCPU); with only, whether it holds exactly one descriptor, a pidfd. */
static bool fds_hold(pid_t pid, bool *kvm, bool *only_pidfd)
{
    char path[64], target[256];
    struct dirent *d;
    int n = 0, pidfds = 0;

    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *dir = opendir(path);
    if (!dir)
        return false;
    *kvm = false;
    while ((d = readdir(dir))) {
        char link[384];
        ssize_t len;

        if (d->d_name[0] == '.')
            continue;
        snprintf(link, sizeof link, "%s/%s", path, d->d_name);
        len = readlink(link, target, sizeof target - 1);
        if (len < 0)
            continue;
        target[len] = '\0';
        n++;
        pidfds += strstr(target, "pidfd") != NULL;
        *kvm = *kvm || strstr(target, "kvm") != NULL;
    }
    closedir(dir);
    *only_pidfd = n == 1 && pidfds == 1;
    return true;
}

static bool maps_kvm_run(pid_t pid)
{
    char path[64], line[512];
    bool found = false;

    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s: %s", path, strerror(errno));
    while (fgets(line, sizeof line, f))
        found = found || strstr(line, "kvm-vcpu") != NULL;
    fclose(f);
    return found;
}

static pid_t first_child(pid_t pid)
{
    char path[96];
    int child = 0;

    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid,
             (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    if (fscanf(f, "%d", &child) != 1)
        child = 0;
    fclose(f);
    return child;
}

/* simple-kvm's --json report goes to a pipe that is already full, so it
 * blocks writing it, after the run: meanwhile the VM must already be
 * gone from it (no KVM descriptor, no kvm_run mapping: nothing holds the
 * VM) and its helper must hold nothing of ours (only the pidfd it waits
 * on). In-place teardown has no helper; a helper that did nothing would
 * leave kvm_run mapped; one that kept our descriptors would show them. */
Test(cli_teardown, the_vm_is_released_while_simple_kvm_still_runs)
{
    const char *exe = getenv("SIMPLE_KVM");
    char console[] = "/tmp/skvm-teardown-console-XXXXXX";
    char buf[4096];
    int fds[2], status, console_fd;
    const char *last = "nothing checked";

    cr_assert(exe);
    adopt_leftovers();
    unsetenv("SIMPLE_KVM_ASYNC_TEARDOWN");
    console_fd = mkstemp(console);
    cr_assert_geq(console_fd, 0);
    close(console_fd);
    cr_assert_eq(pipe(fds), 0);
    cr_assert_gt(fcntl(fds[1], F_SETPIPE_SZ, 4096), 0);
    cr_assert_eq(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
    memset(buf, 'x', sizeof buf);
    while (write(fds[1], buf, sizeof buf) > 0 || write(fds[1], buf, 1) > 0)
        ;
    cr_assert_eq(errno, EAGAIN);
    cr_assert_eq(fcntl(fds[1], F_SETFL, 0), 0);

    pid_t pid = start_into_pipe(fds, (const char *const[]){
        exe, "--long", "--json", "--console", console, NULL});
    bool released = false;
    for (double until = now_s() + LEFTOVER_WAIT_S; !released;) {
        bool kvm = true, helper_only_pidfd = false, unused;
        pid_t helper;

        cr_assert_eq(waitpid(pid, &status, WNOHANG), 0,
                     "simple-kvm ended with its report unwritten (%s)", last);
        cr_assert_lt(now_s(), until, "after %d s: %s", LEFTOVER_WAIT_S, last);
        if (maps_kvm_run(pid))
            last = "simple-kvm still maps kvm_run";
        else if (!fds_hold(pid, &kvm, &unused) || kvm)
            last = "simple-kvm still holds a KVM descriptor";
        else if (!(helper = first_child(pid)))
            last = "simple-kvm has no helper process";
        else if (!fds_hold(helper, &kvm, &helper_only_pidfd) ||
                 !helper_only_pidfd)
            last = "the helper holds more than the pidfd it waits on";
        else
            released = true;
        usleep(1000);
    }
    /* Let the report out: all of it, after our filler, and a pass. */
    static char all[65536];
    size_t got = 0;
    for (ssize_t n; (n = read(fds[0], all + got, sizeof all - 1 - got)) > 0;)
        got += (size_t)n;
    all[got] = '\0';
    const char *json = strchr(all, '{');
    cr_assert(json, "no report after the filler");
    cr_assert(strstr(json, "\"result\": \"pass\""), "report: %s", json);
    close(fds[0]);
    unlink(console);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "status 0x%x", status);
    assert_one_helper();
}

/* The in-kernel chips make the slowest teardown (SRCU grace periods, the
 * PIT thread); --repeat reuses one VM. Runs back to back, each whole. */
Test(cli_teardown, back_to_back_runs_each_whole)
{
    struct skvm_result r;
    char thrice[512];

    snprintf(thrice, sizeof thrice, "%s%s%s", hello_greeting("long"),
             hello_greeting("long"), hello_greeting("long"));
    adopt_leftovers();
    unsetenv("SIMPLE_KVM_ASYNC_TEARDOWN");
    for (int i = 0; i < 10; i++) {
        if (i % 2)
            RUN(&r, "--long", "--irqchip");
        else
            RUN(&r, "--long", "--repeat", "3");
        skip_if_host_cannot(&r, "long");
        if (r.code == 3 && strstr(r.err, "this host's KVM cannot"))
            cr_skip_test("%s", last_line(r.err));
        cr_assert_eq(r.code, 0, "run %d: %s", i, r.err);
        cr_assert_str_eq(r.out, i % 2 ? hello_greeting("long") : thrice);
    }
    struct leftover l[16];
    cr_assert_eq(reap_leftovers(l, 16), 10, "one helper per run");
}

/* The helper closes what it inherited before anything else: a reader of
 * simple-kvm's output through a pipe sees the end of it. */
Test(cli_teardown, a_pipe_reader_sees_the_end)
{
    const char *exe = getenv("SIMPLE_KVM");
    int fds[2], status;
    char buf[256];
    size_t got = 0;

    cr_assert(exe);
    adopt_leftovers();
    unsetenv("SIMPLE_KVM_ASYNC_TEARDOWN");
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = start_into_pipe(fds, (const char *const[]){exe, "--long",
                                                            NULL});
    for (;;) {
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        cr_assert_eq(poll(&p, 1, LEFTOVER_WAIT_S * 1000), 1,
                     "no end of output within %d s", LEFTOVER_WAIT_S);
        ssize_t n = read(fds[0], buf + got, sizeof buf - 1 - got);
        cr_assert_geq(n, 0);
        if (n == 0)
            break;
        got += (size_t)n;
        cr_assert_lt(got, sizeof buf - 1);
    }
    buf[got] = '\0';
    close(fds[0]);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cr_assert_str_eq(buf, hello_greeting("long"));
    assert_one_helper();
}
