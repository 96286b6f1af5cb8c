/* exits.h - the run loop: KVM_RUN until the guest halts, and what each
 * VM exit means.
 *
 * run_guest() returns 0 when the guest executed HLT or the exit hypercall
 * with status 0 (a nonzero status is SKVM_CHECK_FAILED, "guest reported
 * failure: status N"). Port I/O goes to src/hypercall.c. Anything else fills
 * err: SKVM_GUEST_FAULT for a crash or a port the guest may not use (one
 * line naming the exit, port or address, and RIP), SKVM_TIMEOUT when
 * --timeout expired, SKVM_SIGNAL for SIGINT/SIGTERM. Timeout and signals
 * use immediate_exit, so a signal that lands just before KVM_RUN still
 * stops the guest (KVM API doc, "immediate_exit").
 */
#ifndef SKVM_EXITS_H
#define SKVM_EXITS_H

#include <stdint.h>

#include "err.h"
#include "vm.h"

struct gdbstub;

struct run_opts {
    double timeout_s; /* 0 = none */
    struct gdbstub *gdb; /* --gdb: the stub gets each stop (gdbstub.h) */
};

struct run_stats {
    uint64_t exits; /* VM exits, this run */
};

int run_guest(struct vm *vm, const struct run_opts *opts,
              struct run_stats *stats, struct skvm_err *err);

/* "KVM_EXIT_SHUTDOWN" etc., or NULL if unknown. */
const char *exit_reason_name(uint32_t reason);

#endif
