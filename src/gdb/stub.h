/* stub.h - a gdb remote stub on a TCP socket, driving the vCPU through
 * KVM_SET_GUEST_DEBUG.
 *
 * gdbstub_open() listens on 127.0.0.1 only (port 0 = any free port), runs
 * the start-up probes (gdb/probe.h) and prints the one line
 * "simple-kvm: gdb: waiting for gdb on 127.0.0.1:PORT" on `notes`. The
 * run loop (kvm/run.c) then calls, through gdbstub_observer():
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
 * app/session.c opens and closes the stub. stub.c is the socket
 * and the stop/resume logic; the protocol is gdb/proto.h, registers,
 * memory and breakpoints are gdb/target.h. Errors: a client that
 * disconnects without detaching ends the run with SKVM_USAGE; gdb's kill
 * ends it as SKVM_SIGNAL (SIGKILL); a port already in use is SKVM_USAGE,
 * other socket and KVM failures SKVM_HOST.
 *
 * Software breakpoints are int3 with KVM_GUESTDBG_USE_SW_BP; where the
 * probe found that this host's KVM reports one as an emulation failure
 * at the int3 (kvm-pvm in long/protected mode), that exit at one of our
 * int3s is taken as the stop. Hardware breakpoints and watchpoints use
 * DR0-DR3. Single-step quirks handled here: KVM ends a step over HLT by
 * skipping the halt, so a step onto HLT runs without the step flag and
 * halts; kvm-pvm drops the step's trap after a port I/O exit, so an I/O
 * exit that moved RIP ends the step.
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

int gdbstub_open(struct gdbstub **out, uint16_t port, const struct mode *mode,
                 struct vm *vm, FILE *notes, struct skvm_err *err);
int gdbstub_before_run(struct gdbstub *gs, struct skvm_err *err);
bool gdbstub_after_exit(struct gdbstub *gs);
void gdbstub_end(struct gdbstub *gs, int rc, const struct skvm_err *err);
void gdbstub_close(struct gdbstub *gs);

/* The three calls above as a run-loop observer (kvm/run.h). */
struct run_observer gdbstub_observer(struct gdbstub *gs);

#endif
