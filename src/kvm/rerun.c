/* rerun.c - dirty-page restore between --repeat runs (see rerun.h). */
#include "kvm/rerun.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/layout.h"
#include "kvm/vcpu.h"
#include "kvm/vcpu_state.h"
#include "core/x86.h"

/* State that kvm_run can carry both ways (KVM_CAP_SYNC_REGS). */
#define RERUN_SYNC                                                            \
    (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)

int rerun_track(struct vm *vm, struct rerun *r, struct skvm_err *err)
{
    *r = (struct rerun){0};
    /* Each run's checks read RAX after HLT: from kvm_run, not an ioctl. */
    if ((vm->sync_regs & RERUN_SYNC) == RERUN_SYNC)
        vm->run->kvm_valid_regs |= KVM_SYNC_X86_REGS;
    return memslots_track_dirty(&vm->slots, err);
}

int rerun_snapshot(struct vm *vm, struct rerun *r, struct skvm_err *err)
{
    return irqchip_save(vm, &r->chips, err) < 0
               ? -1
               : vcpu_state_save(vm, &r->state, err);
}

void rerun_free(struct rerun *r)
{
    vcpu_state_free(&r->state);
}

/* KVM_RUN calls it takes at most to finish a pending access: an MMIO
 * access is split in at most a few pieces. */
#define FLUSH_RUNS_MAX 8

/* A run that ended on a port or MMIO exit left that access half done:
 * KVM completes it on the next KVM_RUN, after loading any sync regs, so it
 * would land on the restored state (a read's register, RIP past the
 * instruction). Complete it now, with immediate_exit so the guest does
 * not run (api.rst: "KVM_RUN with immediate_exit set"). */
static int flush_pending_access(struct vm *vm, struct skvm_err *err)
{
    struct kvm_run *run = vm->run;
    int rc = 0;

    for (int i = 0; i < FLUSH_RUNS_MAX &&
                    (run->exit_reason == KVM_EXIT_IO ||
                     run->exit_reason == KVM_EXIT_MMIO);
         i++) {
        run->immediate_exit = 1;
        rc = vcpu_run(vm);
        run->immediate_exit = 0;
        if (rc < 0 && errno == EINTR) {
            run->exit_reason = KVM_EXIT_INTR;
            return 0;
        }
        if (rc < 0)
            return skvm_fail(err, SKVM_HOST,
                             "finishing the last run's I/O failed: %s",
                             strerror(errno));
    }
    return 0;
}

static void zero_page(uint8_t *page, void *ctx)
{
    (void)ctx;
    memset(page, 0, X86_PAGE_4K);
}

int rerun_restore(struct vm *vm, struct rerun *r, const struct mode *mode,
                  uint64_t load_addr, uint64_t entry, const struct image *img,
                  struct skvm_err *err)
{
    struct mode_env env = vm_mode_env(vm, entry);
    struct kvm_sregs scratch_sregs = r->state.sregs;
    struct kvm_regs scratch_regs;
    int rc;

    if (flush_pending_access(vm, err) < 0 ||
        memslots_take_dirty(&vm->slots, zero_page, NULL, err) < 0)
        return -1;
    /* Loaded state = zero RAM + image + the mode's tables: write the last
     * two again (the setup is deterministic; its register output is
     * discarded for the snapshot). */
    if (image_place(&env, mode, load_addr, img, err) < 0)
        return -1;
    rc = mode->setup(&env, &scratch_sregs, &scratch_regs);
    if (rc < 0)
        return skvm_fail(err, SKVM_USAGE, "%s mode setup failed: %s",
                         mode->name, strerror(-rc));
    /* Those writes put back the loaded state: nothing to undo next time. */
    memslots_forget_host_dirty(&vm->slots);
    /* The chips before the vCPU: the LAPIC and pending events it loads
     * then find the PICs as they were. */
    if (irqchip_load(vm, &r->chips, err) < 0)
        return -1;
    return vcpu_state_load(vm, &r->state, false, err);
}
