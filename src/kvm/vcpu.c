/* vcpu.c - mode state into the vCPU, with a read-back check. */
#include "kvm/vcpu.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/x86.h"

struct bit_name {
    const char *reg;
    unsigned bit;
    const char *name;
};

/* Every bit a mode may need, by name, for the host-limit message. */
static const struct bit_name bit_names[] = {
    {"CR0", X86_CR0_PE_BIT, "CR0.PE"},   {"CR0", X86_CR0_PG_BIT, "CR0.PG"},
    {"CR4", X86_CR4_PSE_BIT, "CR4.PSE"}, {"CR4", X86_CR4_PAE_BIT, "CR4.PAE"},
    {"CR0", X86_CR0_MP_BIT, "CR0.MP"},
    {"CR4", X86_CR4_OSFXSR_BIT, "CR4.OSFXSR"},
    {"CR4", X86_CR4_OSXMMEXCPT_BIT, "CR4.OSXMMEXCPT"},
    {"CR4", X86_CR4_OSXSAVE_BIT, "CR4.OSXSAVE"},
    {"EFER", X86_EFER_LME_BIT, "EFER.LME"},
    {"EFER", X86_EFER_LMA_BIT, "EFER.LMA"},
};

#define RESET_CS_SELECTOR 0xF000
#define RESET_CS_BASE     UINT64_C(0xFFFF0000)
#define RESET_RIP         0xFFF0

bool vcpu_is_reset_state(const struct kvm_regs *regs,
                         const struct kvm_sregs *sregs)
{
    return regs->rip == RESET_RIP && sregs->cs.selector == RESET_CS_SELECTOR &&
           sregs->cs.base == RESET_CS_BASE;
}

const char *vcpu_dropped_bit(const char *reg, uint64_t wanted, uint64_t got)
{
    uint64_t dropped = wanted & ~got;

    for (size_t i = 0; i < sizeof(bit_names) / sizeof(bit_names[0]); i++)
        if (strcmp(bit_names[i].reg, reg) == 0 &&
            (dropped & X86_BIT(bit_names[i].bit)))
            return bit_names[i].name;
    return dropped ? reg : NULL;
}

/* One vCPU ioctl for the helpers below: "NAME failed: <errno text>". */
static int vcpu_ioctl(const struct vm *vm, unsigned long request,
                      const void *arg, const char *name, struct skvm_err *err)
{
    if (ioctl(vm->vcpu_fd, request, arg) < 0)
        return skvm_fail(err, SKVM_HOST, "%s failed: %s", name,
                         strerror(errno));
    return 0;
}

int vcpu_get_regs(const struct vm *vm, struct kvm_regs *regs,
                  struct skvm_err *err)
{
    return vcpu_ioctl(vm, KVM_GET_REGS, regs, "KVM_GET_REGS", err);
}

int vcpu_exit_regs(struct vm *vm, struct kvm_regs *regs,
                   struct skvm_err *err)
{
    if (vm->run->kvm_valid_regs & KVM_SYNC_X86_REGS) {
        *regs = vm->run->s.regs.regs;
        return 0;
    }
    if (!vm->exit_regs_valid) {
        if (vcpu_get_regs(vm, &vm->exit_regs, err) < 0)
            return -1;
        vm->exit_regs_valid = true;
    }
    *regs = vm->exit_regs;
    return 0;
}

int vcpu_get_sregs(const struct vm *vm, struct kvm_sregs *sregs,
                   struct skvm_err *err)
{
    return vcpu_ioctl(vm, KVM_GET_SREGS, sregs, "KVM_GET_SREGS", err);
}

int vcpu_get_events(const struct vm *vm, struct kvm_vcpu_events *ev,
                    struct skvm_err *err)
{
    return vcpu_ioctl(vm, KVM_GET_VCPU_EVENTS, ev, "KVM_GET_VCPU_EVENTS", err);
}

int vcpu_set_events(const struct vm *vm, const struct kvm_vcpu_events *ev,
                    struct skvm_err *err)
{
    return vcpu_ioctl(vm, KVM_SET_VCPU_EVENTS, ev, "KVM_SET_VCPU_EVENTS", err);
}

/* The mode's own bits, and SSE's where the setup turned it on (set:
 * the sregs it loaded): CR4.OSFXSR/OSXMMEXCPT/OSXSAVE as set, and with
 * them CR0.MP. */
static int check_readback(const struct vm *vm, const struct mode *mode,
                          const struct kvm_sregs *set, struct skvm_err *err)
{
    uint64_t sse_cr4 = set->cr4 & X86_CR4_SSE_BITS;
    uint64_t sse_cr0 = sse_cr4 ? set->cr0 & X86_CR0_MP : 0;
    struct kvm_sregs got;
    const char *bit;

    if (vcpu_get_sregs(vm, &got, err) < 0)
        return -1;
    if (!(bit = vcpu_dropped_bit("CR0", mode->need_cr0 | sse_cr0, got.cr0)) &&
        !(bit = vcpu_dropped_bit("CR4", mode->need_cr4 | sse_cr4, got.cr4)))
        bit = vcpu_dropped_bit("EFER", mode->need_efer, got.efer);
    if (bit) {
        bool sse = !vcpu_dropped_bit("CR0", mode->need_cr0, got.cr0) &&
                   !vcpu_dropped_bit("CR4", mode->need_cr4, got.cr4) &&
                   !vcpu_dropped_bit("EFER", mode->need_efer, got.efer);
        return skvm_fail(err, SKVM_HOST,
                         "this host's KVM cannot run %s mode (%s was not "
                         "accepted%s)",
                         mode->name, bit,
                         sse ? "; --no-sse runs it with SSE off" : "");
    }
    return 0;
}

int vcpu_set_xcr0(const struct vm *vm, uint64_t xcr0, struct skvm_err *err)
{
    struct kvm_xcrs xcrs = {.nr_xcrs = 1,
                            .xcrs = {{.xcr = X86_XCR_XCR0, .value = xcr0}}};
    struct kvm_xcrs got = {0};

    if (vcpu_ioctl(vm, KVM_SET_XCRS, &xcrs, "KVM_SET_XCRS", err) < 0 ||
        vcpu_ioctl(vm, KVM_GET_XCRS, &got, "KVM_GET_XCRS", err) < 0)
        return -1;
    for (uint32_t i = 0; i < got.nr_xcrs && i < KVM_MAX_XCRS; i++)
        if (got.xcrs[i].xcr == X86_XCR_XCR0 && got.xcrs[i].value == xcr0)
            return 0;
    return skvm_fail(err, SKVM_HOST, "KVM_GET_XCRS does not give back XCR0 "
                                     "0x%llx",
                     (unsigned long long)xcr0);
}

#define LINEAR32_MASK UINT64_C(0xFFFFFFFF)
#define IP16_MASK UINT64_C(0xFFFF)

unsigned vcpu_code_bits(const struct kvm_sregs *s, uint64_t rflags)
{
    if ((s->efer & X86_EFER_LMA) && s->cs.l)
        return VCPU_BITS_64;
    if ((s->cr0 & X86_CR0_PE) && !(rflags & X86_BIT(X86_RFLAGS_VM_BIT)) &&
        s->cs.db)
        return VCPU_BITS_32;
    return VCPU_BITS_16;
}

uint64_t vcpu_linear_rip(const struct kvm_sregs *s, const struct kvm_regs *r)
{
    unsigned bits = vcpu_code_bits(s, r->rflags);
    uint64_t rip = r->rip;

    if (bits == VCPU_BITS_64)
        return rip; /* CS base is ignored in 64-bit mode (SDM 3.2.4) */
    if (bits == VCPU_BITS_16 && !(s->cr0 & X86_CR0_PE))
        rip &= IP16_MASK;
    return (s->cs.base + rip) & LINEAR32_MASK;
}

int vcpu_configure(struct vm *vm, const struct mode *mode, uint64_t entry,
                   struct skvm_err *err)
{
    struct mode_env env = vm_mode_env(vm, entry);
    struct kvm_sregs sregs;
    struct kvm_regs regs;
    struct skvm_err xerr;
    int rc;

    const char *lacks = mode->host_lacks ? mode->host_lacks(&env) : NULL;

    if (lacks)
        return skvm_fail(err, SKVM_HOST, "this host's KVM cannot run %s mode "
                                         "(%s)",
                         mode->name, lacks);
    if (vcpu_get_sregs(vm, &sregs, err) < 0)
        return -1;
    rc = mode->setup(&env, &sregs, &regs);
    if (rc < 0)
        return skvm_fail(err, SKVM_USAGE, "%s mode setup failed: %s",
                         mode->name, strerror(-rc));
    if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
        return skvm_fail(err, SKVM_HOST,
                         "this host's KVM cannot run %s mode "
                         "(KVM_SET_SREGS: %s)",
                         mode->name, strerror(errno));
    if (check_readback(vm, mode, &sregs, err) < 0)
        return -1;
    /* CR4.OSXSAVE (set only where the guest CPUID has XSAVE): XCR0 as an
     * OS sets it, after the sregs. */
    if ((sregs.cr4 & X86_CR4_OSXSAVE) &&
        vcpu_set_xcr0(vm, vm->xcr0, &xerr) < 0)
        return skvm_fail(err, SKVM_HOST,
                         "this host's KVM cannot run %s mode (XCR0 0x%llx "
                         "for CR4.OSXSAVE: %s; --no-sse runs it with SSE "
                         "off)",
                         mode->name, (unsigned long long)vm->xcr0, xerr.msg);
    if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
        return skvm_fail(err, SKVM_HOST, "KVM_SET_REGS failed: %s",
                         strerror(errno));
    return 0;
}

int vcpu_set_regs(const struct vm *vm, const struct kvm_regs *regs,
                  struct skvm_err *err)
{
    return vcpu_ioctl(vm, KVM_SET_REGS, regs, "KVM_SET_REGS", err);
}

int vcpu_set_sregs(const struct vm *vm, const struct kvm_sregs *sregs,
                   struct skvm_err *err)
{
    return vcpu_ioctl(vm, KVM_SET_SREGS, sregs, "KVM_SET_SREGS", err);
}

int vcpu_set_guest_debug(const struct vm *vm,
                         const struct kvm_guest_debug *dbg,
                         struct skvm_err *err)
{
    struct kvm_guest_debug d = *dbg;
    int caps;

    /* A single step runs the guest's next instruction, not the handler
     * of a timer interrupt that is pending meanwhile (--irqchip), as
     * QEMU's gdb stub steps: where KVM can hold interrupts back. */
    if (vm->irqchip && (d.control & KVM_GUESTDBG_SINGLESTEP) &&
        (caps = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION,
                      KVM_CAP_SET_GUEST_DEBUG2)) > 0 &&
        (caps & KVM_GUESTDBG_BLOCKIRQ))
        d.control |= KVM_GUESTDBG_BLOCKIRQ;
    return vcpu_ioctl(vm, KVM_SET_GUEST_DEBUG, &d, "KVM_SET_GUEST_DEBUG",
                      err);
}

int vcpu_run_once(struct vm *vm, struct skvm_err *err)
{
    vm->exit_regs_valid = false;
    return vcpu_ioctl(vm, KVM_RUN, NULL, "KVM_RUN", err);
}
