/* sandbox.c - the --sandbox seccomp filter, built with libseccomp. */
#include "kvm/sandbox.h"

#include <errno.h>
#include <linux/kvm.h>
#include <seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SKVM_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SKVM_LSAN 1
#endif
#endif
#ifdef SKVM_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* Plain system calls the run loop, reports and exit make. */
static const int allowed[] = {
    SCMP_SYS(write),        SCMP_SYS(writev),       SCMP_SYS(read),
    SCMP_SYS(close),        SCMP_SYS(lseek),        SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),   SCMP_SYS(brk),          SCMP_SYS(munmap),
    SCMP_SYS(mremap),       SCMP_SYS(madvise),      SCMP_SYS(futex),
    SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigreturn), SCMP_SYS(setitimer),    SCMP_SYS(getitimer),
    SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(getpid),
    SCMP_SYS(gettid),       SCMP_SYS(exit),
    SCMP_SYS(exit_group),   SCMP_SYS(sched_yield),  SCMP_SYS(getrandom),
    /* --serial-input: COM1 polls its input without waiting. */
    SCMP_SYS(poll),         SCMP_SYS(ppoll),
};

/* ioctls after setup: run, inspect and reset (--repeat) the guest, and a
 * terminal check by stdio. KVM_CREATE_*, memory slots and the rest of
 * the KVM API stay out. */
static const unsigned long allowed_ioctls[] = {
    KVM_RUN,
    KVM_GET_REGS,        KVM_SET_REGS,
    KVM_GET_SREGS,       KVM_SET_SREGS,
    KVM_GET_FPU,         KVM_SET_FPU,
    KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS,
    /* --repeat loads the rest of the vCPU state (vcpu_state.h) */
    KVM_SET_MP_STATE,    KVM_SET_XSAVE,       KVM_SET_XCRS,
    KVM_SET_DEBUGREGS,   KVM_SET_LAPIC,       KVM_SET_MSRS,
    KVM_SET_DEVICE_ATTR, /* the TSC offset */
    KVM_GET_DIRTY_LOG,   /* --repeat: pages the guest wrote */
    /* --irqchip: the run loop's look at a halted vCPU (can anything
     * wake it?), and --repeat's restore of the chips and the PIT
     * (kvm/irqchip.h) */
    KVM_GET_MP_STATE,    KVM_GET_IRQCHIP,     KVM_GET_LAPIC,
    KVM_SET_IRQCHIP,     KVM_SET_PIT2,
    /* Console batching turns on mid-run (kvm/console.h); the zone is a
     * pointer seccomp cannot inspect, but a zone only decides which
     * guest port writes KVM batches. */
    KVM_REGISTER_COALESCED_MMIO,
    /* Lazy RAM registers 64 MiB pieces as the guest first touches them
     * (kvm/memslots.h). The region is a pointer seccomp cannot inspect,
     * but a slot can only map this process's own memory into the guest:
     * nothing a process that got past the filter could not read anyway,
     * and nothing outside the process. */
    KVM_SET_USER_MEMORY_REGION,
    KVM_UNREGISTER_COALESCED_MMIO, /* vm_close */
    TCGETS,
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define IOCTL_REQUEST_ARG 1 /* ioctl(fd, request, ...) */
#define PROT_ARG          2 /* mmap(addr, len, prot, ...), mprotect too */
#define TGID_ARG          0 /* tgkill(tgid, tid, sig) */

/* Allow `syscall` when its argument `arg` compares as given. Spelled out
 * instead of SCMP_A1() etc., whose partial initializers clang's
 * -Wmissing-field-initializers rejects. */
static int allow_if(scmp_filter_ctx ctx, int syscall, unsigned arg,
                    enum scmp_compare op, scmp_datum_t a, scmp_datum_t b)
{
    const struct scmp_arg_cmp cmp = {.arg = arg, .op = op, .datum_a = a,
                                     .datum_b = b};

    return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, syscall, 1, &cmp);
}

int sandbox_enter(struct skvm_err *err)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    int rc = ctx ? 0 : -ENOMEM;

    for (size_t i = 0; rc == 0 && i < N(allowed); i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
    for (size_t i = 0; rc == 0 && i < N(allowed_ioctls); i++)
        rc = allow_if(ctx, SCMP_SYS(ioctl), IOCTL_REQUEST_ARG, SCMP_CMP_EQ,
                      allowed_ioctls[i], 0);
    /* Memory for malloc, never executable: no new code in this process. */
    if (rc == 0)
        rc = allow_if(ctx, SCMP_SYS(mmap), PROT_ARG, SCMP_CMP_MASKED_EQ,
                      PROT_EXEC, 0);
    if (rc == 0)
        rc = allow_if(ctx, SCMP_SYS(mprotect), PROT_ARG, SCMP_CMP_MASKED_EQ,
                      PROT_EXEC, 0);
    /* Signals to this process's own threads only (raise, abort). */
    if (rc == 0)
        rc = allow_if(ctx, SCMP_SYS(tgkill), TGID_ARG, SCMP_CMP_EQ,
                      (scmp_datum_t)getpid(), 0);
#ifdef SKVM_LSAN
    /* The leak check at exit would need ptrace and /proc: do it now. */
    if (rc == 0)
        __lsan_do_leak_check();
#endif
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0)
        return skvm_fail(err, SKVM_HOST, "--sandbox: cannot install the "
                                         "seccomp filter: %s",
                         strerror(-rc));
    return 0;
}
