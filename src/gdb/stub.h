/* gdbstub.h - a gdb remote stub on a TCP socket, driving the vCPU through
 * KVM_SET_GUEST_DEBUG.
 *
 * gdbstub_open() listens on 127.0.0.1 only (port 0 = any free port) and
 * prints the one line "simple-kvm: gdb: waiting for gdb on
 * 127.0.0.1:PORT" on `notes`. The run loop (kvm/run.c) then calls,
 * through gdbstub_observer():
 *   gdbstub_before_run()  before every KVM_RUN: accepts the client the
 *       first time (the guest is stopped before its first instruction),
 *       and while the guest is stopped serves gdb until it continues,
 *       steps or detaches. Returns GDBSTUB_RUN, GDBSTUB_RECHECK (a signal
 *       interrupted the wait: check signals, then call again) or -1.
 *   gdbstub_after_exit()  after every exit: true when the exit was a
 *       debug stop (single-step, breakpoint) that the stub now owns.
 *   gdbstub_end()         once, when the run ends: tells gdb how (W00
 *       after HLT, X with a signal and the reason as console output for a
 *       fault/timeout) and closes the connection.
 * Protocol parsing lives in gdb_proto.c; this file is the socket and
 * KVM glue. Errors: a client that disconnects without detaching ends the
 * run with SKVM_USAGE; gdb's kill ends it as SKVM_SIGNAL (SIGKILL).
 * Memory accesses translate linear addresses through the guest's page
 * tables (src/paging.h) and reach RAM only through guestmem_ptr().
 *
 * Software breakpoints are int3 with KVM_GUESTDBG_USE_SW_BP. At open the
 * stub probes, in a scratch VM of the same mode, how this host's KVM
 * reports an int3: as KVM_EXIT_DEBUG (hardware KVM), as an emulation
 * failure at the int3 (kvm-pvm in long/protected mode; the vCPU state is
 * intact, so that exit at one of our int3s is taken as the stop), or not
 * at all (kvm-pvm real mode: the guest would take the #BP itself); then
 * Z0 fails with a note on `notes`, and hbreak (debug registers) works.
 * Hardware breakpoints and watchpoints (Z1, Z2 write, Z4 access) use
 * DR0-DR3. A second probe checks that a data breakpoint fires (it does
 * not on kvm-pvm); if not, Z2/Z4 fail with a note naming gdb's software
 * watchpoints (`set can-use-hw-watchpoints 0`), which single-step.
 * Single-step quirks handled here: KVM ends a step over HLT by skipping
 * the halt, so a step onto HLT runs without the step flag and halts;
 * kvm-pvm drops the step's trap after a port I/O exit, so an I/O exit
 * that moved RIP ends the step.
 */
#ifndef SKVM_GDBSTUB_H
#define SKVM_GDBSTUB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "modes/mode.h"
#include "kvm/run.h"
#include "kvm/vm.h"

struct gdbstub;

enum { GDBSTUB_RUN = RUN_GO, GDBSTUB_RECHECK = RUN_RECHECK };

/* How this host's KVM reports an int3 under KVM_GUESTDBG_USE_SW_BP. */
enum gdbstub_swbp {
    GDBSTUB_SWBP_DEBUG_EXIT,     /* KVM_EXIT_DEBUG, as documented */
    GDBSTUB_SWBP_EMULATION_EXIT, /* KVM_EXIT_INTERNAL_ERROR at the int3 */
    GDBSTUB_SWBP_NONE,           /* not intercepted: Z0 is refused */
};

int gdbstub_open(struct gdbstub **out, uint16_t port, const struct mode *mode,
                 struct vm *vm, FILE *notes, struct skvm_err *err);
int gdbstub_before_run(struct gdbstub *gs, struct skvm_err *err);
bool gdbstub_after_exit(struct gdbstub *gs);
void gdbstub_end(struct gdbstub *gs, int rc, const struct skvm_err *err);
void gdbstub_close(struct gdbstub *gs);

/* The three calls above as a run-loop observer (kvm/run.h). */
struct run_observer gdbstub_observer(struct gdbstub *gs);

/* Name for the probe result ("KVM_EXIT_DEBUG" ...), for notes/tests. */
const char *gdbstub_swbp_name(enum gdbstub_swbp how);

#endif
