/* irqchip.h - the in-kernel interrupt controllers and timer (--irqchip).
 *
 * irqchip_create() asks KVM for the PC's interrupt hardware, emulated in
 * the kernel: KVM_CREATE_IRQCHIP (the 8259 PIC pair on ports
 * 0x20/0x21 and 0xA0/0xA1, an IOAPIC at 0xFEC00000 and, for every vCPU
 * created afterwards, a local APIC at 0xFEE00000) and KVM_CREATE_PIT2
 * (the 8254 timer on ports 0x40-0x43, wired to IRQ0, with
 * KVM_PIT_SPEAKER_DUMMY so port 0x61 answers too). It must run before
 * KVM_CREATE_VCPU (vm_open does it). A host whose KVM refuses either
 * is SKVM_HOST: "this host's KVM cannot ...", exit 3.
 *
 * The halt rule. With an in-kernel local APIC KVM no longer exits on
 * HLT: the vCPU sleeps in the kernel until an interrupt wakes it. So the
 * run loop has the stop timer kick KVM_RUN periodically (core/stop.h,
 * stop_ticks()), and after each kick irqchip_halted_for_good() asks
 * whether the vCPU is halted (KVM_GET_MP_STATE) for good: with
 * RFLAGS.IF clear (no NMI source exists), or with IF set but every
 * source masked (the master PIC's IMR all ones, every IOAPIC pin
 * masked, the local APIC's timer, error, thermal and performance LVTs
 * masked, nothing in its IRR). Nothing can wake it then, and the run
 * ends as a HLT exit would without the irqchip. Any other halt waits
 * for its interrupt, under --timeout.
 *
 * --repeat: the controllers' and the timer's state belong to the VM,
 * not the vCPU (vcpu_state.h has the local APIC): irqchip_save() reads
 * the PICs, the IOAPIC and the PIT as loaded, irqchip_load() writes them
 * back, so every run starts with the same masks, vectors and counters.
 */
#ifndef SKVM_KVM_IRQCHIP_H
#define SKVM_KVM_IRQCHIP_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "kvm/vm.h"

/* The run loop's kicks: every millisecond at first, so a short guest's
 * final `cli; hlt` ends it at once, then every 10 ms (a kick costs an
 * exit and an ioctl, ~10 us on kvm-pvm: 0.1% of a long run). */
#define IRQCHIP_KICK_FIRST_US 1000
#define IRQCHIP_KICKS_FIRST 20
#define IRQCHIP_KICK_US 10000

/* KVM_CREATE_IRQCHIP and KVM_CREATE_PIT2 on a VM that has no vCPU yet. */
int irqchip_create(int kvm_fd, int vm_fd, struct skvm_err *err);

/* 1 when the vCPU is halted for good (above), 0 when not, -1 with err
 * when KVM would not say. */
int irqchip_halted_for_good(const struct vm *vm, struct skvm_err *err);

/* The VM-wide interrupt state (--repeat): PIC master and slave, IOAPIC,
 * PIT. */
struct irqchip_state {
    bool have; /* saved: the VM has an irqchip */
    struct kvm_irqchip pic_master, pic_slave, ioapic;
    struct kvm_pit_state2 pit;
};

int irqchip_save(const struct vm *vm, struct irqchip_state *st,
                 struct skvm_err *err);
int irqchip_load(const struct vm *vm, const struct irqchip_state *st,
                 struct skvm_err *err);

/* The first part where a and b differ ("PIT channel 0", "IOAPIC"...),
 * or NULL when they are the same. A PIT channel's count_load_time (when
 * its counter was last loaded, which a restore sets to now) is left
 * out. */
const char *irqchip_state_diff(const struct irqchip_state *a,
                               const struct irqchip_state *b, char *buf,
                               size_t len);

#endif
