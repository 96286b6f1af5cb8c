/* vcpu.h - loading a mode's CPU state into the vCPU, and checking it took.
 *
 * vcpu_configure() starts from the vCPU's reset state, lets the mode's
 * setup routine fill sregs/regs and its tables, loads them, then reads
 * the sregs back: a bit the mode needs that the host dropped (kvm-pvm
 * drops CR0.PG for 32-bit paging) is SKVM_HOST, never blamed on the guest.
 * SSE's bits (CR0.MP, CR4.OSFXSR/OSXMMEXCPT/OSXSAVE) are checked where
 * the setup set them; with CR4.OSXSAVE it loads XCR0 (vcpu_set_xcr0).
 */
#ifndef SKVM_VCPU_H
#define SKVM_VCPU_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <sys/ioctl.h>

#include "err.h"
#include "modes/mode.h"
#include "kvm/vm.h"

int vcpu_configure(struct vm *vm, const struct mode *mode, uint64_t entry,
                   struct skvm_err *err);

int vcpu_get_regs(const struct vm *vm, struct kvm_regs *regs,
                  struct skvm_err *err);
int vcpu_get_sregs(const struct vm *vm, struct kvm_sregs *sregs,
                   struct skvm_err *err);

/* One KVM_RUN: its return value, errno as the ioctl left it. Inline:
 * the run loop calls it once per exit. */
static inline int vcpu_run(struct vm *vm)
{
    vm->exit_regs_valid = false;
    return ioctl(vm->vcpu_fd, KVM_RUN, 0);
}

/* Pending/injected exceptions, interrupts, NMI (KVM_{GET,SET}_VCPU_EVENTS). */
int vcpu_get_events(const struct vm *vm, struct kvm_vcpu_events *ev,
                    struct skvm_err *err);
int vcpu_set_events(const struct vm *vm, const struct kvm_vcpu_events *ev,
                    struct skvm_err *err);

/* The bitness of the code at RIP (16, 32 or 64), and RIP as a linear
 * address: CS base + RIP, except in 64-bit code (base ignored). */
#define VCPU_BITS_16 16
#define VCPU_BITS_32 32
#define VCPU_BITS_64 64
unsigned vcpu_code_bits(const struct kvm_sregs *s, uint64_t rflags);
uint64_t vcpu_linear_rip(const struct kvm_sregs *s, const struct kvm_regs *r);

/* The registers as the last KVM_RUN left them: kvm_run's copy when KVM
 * keeps one (KVM_SYNC_X86_REGS in kvm_valid_regs, see rerun.h), else
 * KVM_GET_REGS, once per exit (vm->exit_regs). Only right after a run,
 * before anything sets them. */
int vcpu_exit_regs(struct vm *vm, struct kvm_regs *regs,
                   struct skvm_err *err);

/* True when the vCPU holds its power-on state (CS:IP F000:FFF0). AMD's
 * SVM leaves the VMCB undefined after a shutdown, so KVM resets the vCPU:
 * after KVM_EXIT_SHUTDOWN there the registers are not the faulting ones. */
bool vcpu_is_reset_state(const struct kvm_regs *regs,
                         const struct kvm_sregs *sregs);

/* Name of the first bit set in `wanted` but clear in `got` for a control
 * register ("CR0.PG"), or NULL when every wanted bit is there. */
const char *vcpu_dropped_bit(const char *reg, uint64_t wanted, uint64_t got);

/* Setters and one bare KVM_RUN, for the gdb stub (gdb/target.c,
 * gdb/probe.c). Each returns 0, or -1 with SKVM_HOST and
 * "KVM_<IOCTL> failed: <errno text>". */
int vcpu_set_regs(const struct vm *vm, const struct kvm_regs *regs,
                  struct skvm_err *err);
/* KVM_SET_GUEST_DEBUG: single-step, int3 and debug-register breakpoints. */
int vcpu_set_sregs(const struct vm *vm, const struct kvm_sregs *sregs,
                   struct skvm_err *err);
int vcpu_set_guest_debug(const struct vm *vm,
                         const struct kvm_guest_debug *dbg,
                         struct skvm_err *err);
/* One KVM_RUN with no exit handling: the exit is left in vm->run. */
int vcpu_run_once(struct vm *vm, struct skvm_err *err);

/* XCR0 through KVM_SET_XCRS, read back with KVM_GET_XCRS: 0, or -1 with
 * SKVM_HOST. vcpu_configure() calls it when the mode set CR4.OSXSAVE,
 * with vm->xcr0. */
int vcpu_set_xcr0(const struct vm *vm, uint64_t xcr0, struct skvm_err *err);

#endif
