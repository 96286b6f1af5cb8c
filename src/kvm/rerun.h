/* rerun.h - running one loaded guest again in the same VM (--repeat).
 *
 * rerun_track() turns on KVM dirty-page logging (KVM_MEM_LOG_DIRTY_PAGES)
 * on every RAM slot, and the host's own record of the pages it writes
 * (hypercall results, lazy-memory accesses: see memslots.h); call it
 * after vm_open and before the guest first runs. rerun_snapshot() saves
 * all of the vCPU state the loader set (vcpu_state.h: registers, MSRs,
 * debug registers, XSAVE, XCRs, events, MP state, TSC) and, with
 * --irqchip, the VM's interrupt controllers and PIT; call it right
 * after vcpu_configure, and rerun_free() at the end.
 * rerun_restore() then puts the VM back to the state it had when first
 * loaded: an access the last run left half done is finished, every page
 * the guest or the host dirtied is zeroed, the image and the mode's
 * tables are written again (the loaded state is exactly zero RAM + image
 * + tables), the chips and the PIT are loaded back (their timers and
 * pending interrupts included: nothing from the last run is delivered
 * in the next), and the saved vCPU state is loaded (through kvm_run where
 * KVM takes it, on the next KVM_RUN). Its cost follows the pages written,
 * not the size of RAM. Failures are SKVM_HOST (KVM refused) or
 * SKVM_USAGE.
 */
#ifndef SKVM_RERUN_H
#define SKVM_RERUN_H

#include <linux/kvm.h>
#include <stdint.h>

#include "err.h"
#include "core/image.h"
#include "modes/mode.h"
#include "kvm/irqchip.h"
#include "kvm/vcpu_state.h"
#include "kvm/vm.h"

struct rerun {
    struct vcpu_state state; /* all of the vCPU as loaded (vcpu_state.h) */
    struct irqchip_state chips; /* with --irqchip: PICs, IOAPIC, PIT */
};

int rerun_track(struct vm *vm, struct rerun *r, struct skvm_err *err);
int rerun_snapshot(struct vm *vm, struct rerun *r, struct skvm_err *err);
void rerun_free(struct rerun *r);
int rerun_restore(struct vm *vm, struct rerun *r, const struct mode *mode,
                  uint64_t load_addr, uint64_t entry, const struct image *img,
                  struct skvm_err *err);

#endif
