/* teardown.c - see teardown.h. */
#define _GNU_SOURCE
#include "kvm/teardown.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__) && defined(SYS_close_range) && defined(SYS_pidfd_open)
#define TEARDOWN_HELPER 1
#endif

#ifdef TEARDOWN_HELPER
#define TEARDOWN_STACK_SIZE 16384

static bool used; /* the helper stack serves one helper per process */

/* Valgrind runs a program with its preload library in LD_PRELOAD, and
 * aborts it at a clone that is neither a thread nor a fork. */
static bool under_valgrind(void)
{
    const char *p = getenv("LD_PRELOAD");

    return p && strstr(p, "vgpreload");
}

/* Not switched off, not under valgrind, and the stack still free. */
static bool can_detach(void)
{
    const char *v;

    if (used || under_valgrind())
        return false;
    v = getenv("SIMPLE_KVM_ASYNC_TEARDOWN");
    return !(v && strcmp(v, "off") == 0);
}

/* What the helper unmaps and whom it waits for; written once before the
 * clone and never again (`used`). */
static struct handoff {
    void *run;
    size_t run_size;
    void *ram;
    size_t ram_size;
    pid_t parent;
} handoff;

static _Alignas(64) unsigned char helper_stack[TEARDOWN_STACK_SIZE];

/* What runs in the helper: no sanitizer, profiling or coverage code (its
 * shadow memory, counters and stack bookkeeping are the parent's, and
 * may call into libc). */
#define HELPER_CODE                                                        \
    __attribute__((no_sanitize("address", "undefined"),                    \
                   no_instrument_function, no_profile_instrument_function))

/* A system call that leaves errno (the parent's, through the shared TLS)
 * alone. */
HELPER_CODE __attribute__((always_inline)) static inline long
raw_syscall3(long nr, long a, long b, long c)
{
    long ret;

    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return ret;
}

/* Runs on helper_stack in the shared address space: no libc. */
HELPER_CODE __attribute__((noinline)) static int helper(void *arg)
{
    const struct handoff *h = arg;
    static const char name[16] = "skvm-teardown";
    struct pollfd parent_gone = {.events = POLLIN};

    (void)raw_syscall3(SYS_prctl, PR_SET_NAME, (long)name, 0);
    (void)raw_syscall3(SYS_close_range, 0, ~0L & 0xffffffffL, 0);
    /* The vCPU file's last reference, and so the VM's: destroyed here. */
    (void)raw_syscall3(SYS_munmap, (long)h->run, (long)h->run_size, 0);
    /* After the VM, so no MMU notifier walks the memory slots. */
    if (h->ram)
        (void)raw_syscall3(SYS_munmap, (long)h->ram, (long)h->ram_size, 0);
    /* Outlive the parent, so its exit does not unmap the address space.
     * The pidfd names the parent only while it is still our parent: once
     * it has ended we were handed to another and there is nothing to
     * wait for. */
    parent_gone.fd = (int)raw_syscall3(SYS_pidfd_open, h->parent, 0, 0);
    if (parent_gone.fd >= 0 && raw_syscall3(SYS_getppid, 0, 0, 0) == h->parent)
        while (raw_syscall3(SYS_poll, (long)&parent_gone, 1, -1) == -EINTR)
            ;
    (void)raw_syscall3(SYS_exit_group, 0, 0, 0);
    return 0;
}

static int start_helper(void)
{
    sigset_t all, saved;
    int pid;

    /* The helper starts with every signal blocked: our handlers write
     * our (shared) memory. Untraced: a debugger of ours that detached
     * from it would take its breakpoints out of our shared code. */
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &saved);
    pid = clone(helper, helper_stack + sizeof helper_stack,
                CLONE_VM | CLONE_UNTRACED | SIGCHLD, &handoff);
    sigprocmask(SIG_SETMASK, &saved, NULL);
    return pid;
}
#endif

void vm_close_detached(struct vm *vm)
{
#ifdef TEARDOWN_HELPER
    pid_t self = getpid();

    /* As PID 1 our end kills the helper and waits for it: nothing won. */
    if (can_detach() && vm->run && self != 1) {
        used = true;
        /* Not last references: the kvm_run mapping holds the vCPU, the
         * vCPU the VM. The coalesced zone goes with the VM. */
        close(vm->vcpu_fd);
        close(vm->vm_fd);
        close(vm->kvm_fd);
        vm->vcpu_fd = vm->vm_fd = vm->kvm_fd = -1;
        vm->console = (struct console){0};
        handoff = (struct handoff){.run = vm->run, .run_size = vm->run_size,
                                   .ram = vm->mem.host,
                                   .ram_size = vm->mem.size,
                                   .parent = self};
        if (start_helper() >= 0)
            vm->run = NULL, vm->mem.host = NULL; /* the helper's now */
    }
#endif
    vm_close(vm); /* what no helper took, in place */
}
