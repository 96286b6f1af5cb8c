/* vcpu_state.h - everything KVM keeps for one vCPU, saved and loaded as
 * a whole (--repeat: run N starts exactly as run 1 did).
 *
 * vcpu_state_save() reads, besides registers, segment and control
 * registers and pending events: the extended FPU state (XSAVE area, or
 * the legacy FPU/SSE state where KVM lacks KVM_CAP_XSAVE), the XCRs,
 * the debug registers, the multiprocessing state, the local APIC when
 * the VM has an in-kernel one, and every MSR KVM lists in
 * KVM_GET_MSR_INDEX_LIST that it lets the host both read and write
 * back. The time-stamp counter is put back through the vCPU's TSC
 * offset (KVM_VCPU_TSC_OFFSET, so the guest's TSC starts where it did:
 * writing the TSC MSR would not do, KVM takes a host write within a
 * second of the last one for an attempt to synchronise vCPUs and
 * ignores it); where KVM lacks the offset the MSR is written anyway.
 * Where KVM lets neither move the TSC (kvm-pvm keeps the guest's TSC at
 * the host's), have_tsc_offset is false and the TSC runs on between
 * runs: a host limit, found by moving the offset once at save. vcpu_state_load() writes it all back; registers, sregs
 * and events go through kvm_run where KVM takes them
 * (KVM_CAP_SYNC_REGS: loaded with the next KVM_RUN, three ioctls fewer)
 * unless `now` asks for the ioctls. Failures are SKVM_HOST.
 */
#ifndef SKVM_KVM_VCPU_STATE_H
#define SKVM_KVM_VCPU_STATE_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "kvm/vm.h"

struct vcpu_state {
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_vcpu_events events;
    bool have_xsave; /* else fpu */
    struct kvm_xsave *xsave; /* KVM_GET_XSAVE(2) size, owned */
    size_t xsave_size;
    struct kvm_fpu fpu;
    bool have_xcrs;
    struct kvm_xcrs xcrs;
    bool have_debugregs;
    struct kvm_debugregs debugregs;
    bool have_mp_state;
    struct kvm_mp_state mp_state;
    bool have_lapic;
    struct kvm_lapic_state lapic;
    struct kvm_msrs *msrs; /* header + nmsrs entries, owned */
    bool have_tsc_offset;  /* and this host's KVM lets it move the TSC */
    uint64_t tsc_offset;   /* KVM_VCPU_TSC_OFFSET at save */
    uint64_t guest_tsc;    /* the guest's TSC then */
};

#define VCPU_STATE_MSR_TSC 0x10 /* IA32_TSC: runs on; compare apart */

int vcpu_state_save(struct vm *vm, struct vcpu_state *st, struct skvm_err *err);
int vcpu_state_load(struct vm *vm, const struct vcpu_state *st, bool now,
                    struct skvm_err *err);
void vcpu_state_free(struct vcpu_state *st);

/* Name of the first part where a and b differ ("MSR 0xc0000102",
 * "debug registers", ...), or NULL when they are the same. The TSC
 * (which runs between any two reads) is left to the caller. */
const char *vcpu_state_diff(const struct vcpu_state *a,
                            const struct vcpu_state *b, char *buf,
                            size_t len);

#endif
