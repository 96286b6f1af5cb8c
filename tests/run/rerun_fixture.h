/* rerun_fixture.h - --repeat from the inside, for run tests that drive the
 * library in-process (test_promises.c, test_irqchip.c): one test guest
 * placed in a fresh VM as simple-kvm places it, with dirty tracking on
 * and the state of run 1's start snapshotted, and the restore that puts
 * it back before runs 2, 3, ...
 */
#ifndef SKVM_TEST_RERUN_FIXTURE_H
#define SKVM_TEST_RERUN_FIXTURE_H

#include <stdbool.h>

#include "core/image.h"
#include "kvm/rerun.h"
#include "kvm/run.h"
#include "kvm/vm.h"
#include "modes/mode.h"

struct rerun_fixture {
    const struct mode *mode;
    struct vm vm;
    struct rerun rr;
    struct image img;
    struct skvm_err err;
    struct run_config cfg; /* console to /dev/null */
};

/* Open a 4 MiB VM (with the in-kernel irqchip if asked; the test skips,
 * saying why, where the VM cannot be opened), load test guest `guest`
 * and place it for `mode` as the first run starts, snapshotted. */
void rerun_fixture_open(struct rerun_fixture *f, const char *mode,
                        const char *guest, bool irqchip);

/* Put the VM back as --repeat does between runs, then let KVM take the
 * registers kvm_run carries (immediate_exit: no guest code runs), so
 * what is saved next is what the next run would start from. */
void rerun_fixture_restore(struct rerun_fixture *f);

void rerun_fixture_close(struct rerun_fixture *f);

#endif
