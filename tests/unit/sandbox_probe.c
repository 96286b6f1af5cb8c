/* sandbox_probe.c - installs the --sandbox filter in a fresh,
 * single-threaded process and tries what it must block and what it must
 * let through. One line on stdout per check that did not hold; exit 0
 * when all held. Run by tests/unit/test_sandbox.c (a Criterion worker has
 * threads, and LeakSanitizer's early check, which sandbox_enter runs in
 * sanitized builds, cannot stop those in a forked child).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kvm/sandbox.h"

static int failures;

/* One line per check that did not hold. */
static void child_fail(int fd, const char *what, int rc, int saved_errno)
{
    char line[256];
    int n;

    failures++;
    n = snprintf(line, sizeof(line), "%s: rc %d errno %s\n", what, rc,
                     strerror(saved_errno));
    if (write(fd, line, (size_t)n) < 0)
        _exit(3); /* nothing left to report with */
}

#define EXPECT_EPERM(fd, what, call)                                           \
    do {                                                                       \
        errno = 0;                                                             \
        long rc_ = (long)(call);                                               \
        if (!(rc_ == -1 && errno == EPERM))                                    \
            child_fail(fd, what " should fail with EPERM", (int)rc_, errno);   \
    } while (0)

/* fork(), but a child (were the filter to let one through) leaves at
 * once instead of running the rest of the probe twice. */
static pid_t fork_or_exit(void)
{
    pid_t pid = fork();

    if (pid == 0)
        _exit(0);
    return pid;
}

static int probe(int fd)
{
    struct skvm_err err;
    int null_fd = open("/dev/null", O_RDWR);
    struct kvm_regs regs;
    void *p;

    if (null_fd < 0 || sandbox_enter(&err) < 0) {
        child_fail(fd, "setup", -1, errno);
        return 2;
    }
    /* Forbidden: new files, sockets, programs, processes, code. */
    EXPECT_EPERM(fd, "openat", open("/etc/passwd", O_RDONLY));
    EXPECT_EPERM(fd, "socket", socket(AF_INET, SOCK_STREAM, 0));
    EXPECT_EPERM(fd, "execve",
                 execve("/bin/true", (char *const[]){"true", NULL}, NULL));
    EXPECT_EPERM(fd, "fork", fork_or_exit());
    EXPECT_EPERM(fd, "ioctl KVM_CREATE_VM", ioctl(null_fd, KVM_CREATE_VM, 0));
    /* Signals only to this process's own threads (pid 1 is not ours;
     * signal 0 sends nothing even if the filter let it through). */
    EXPECT_EPERM(fd, "tgkill to another process",
                 syscall(SYS_tgkill, 1, 1, 0));
    EXPECT_EPERM(fd, "mmap PROT_EXEC",
                 mmap(NULL, 4096, PROT_READ | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED
                     ? -1
                     : 0);
    /* Allowed through to the kernel: the run loop's calls. /dev/null is
     * no vCPU, so KVM_GET_REGS gets ENOTTY from the driver, not EPERM
     * from the filter. */
    errno = 0;
    if (ioctl(null_fd, KVM_GET_REGS, &regs) != -1 || errno != ENOTTY)
        child_fail(fd, "ioctl KVM_GET_REGS should reach the kernel", -1,
                   errno);
    /* Console batching and lazy RAM turn on mid-run: their ioctls reach
     * the kernel (ENOTTY from /dev/null, not EPERM from the filter). */
    struct kvm_userspace_memory_region region = {0};
    errno = 0;
    if (ioctl(null_fd, KVM_SET_USER_MEMORY_REGION, &region) != -1 ||
        errno != ENOTTY)
        child_fail(fd, "ioctl KVM_SET_USER_MEMORY_REGION should reach the "
                       "kernel", -1, errno);
    struct kvm_coalesced_mmio_zone zone = {.addr = 0xE9, .size = 1, .pio = 1};
    errno = 0;
    if (ioctl(null_fd, KVM_REGISTER_COALESCED_MMIO, &zone) != -1 ||
        errno != ENOTTY)
        child_fail(fd, "ioctl KVM_REGISTER_COALESCED_MMIO should reach the "
                       "kernel", -1, errno);
    if (syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), 0) != 0)
        child_fail(fd, "tgkill to its own thread", -1, errno);
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
             -1, 0);
    if (p == MAP_FAILED || munmap(p, 4096) != 0)
        child_fail(fd, "mmap/munmap read-write", -1, errno);
    p = malloc(1 << 20);
    if (!p)
        child_fail(fd, "malloc", -1, errno);
    free(p);
    return failures ? 1 : 0;
}

int main(void)
{
    int rc = probe(STDOUT_FILENO);
    fflush(stdout);
    return rc;
}
