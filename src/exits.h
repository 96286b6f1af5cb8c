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

#include <stdbool.h>

#include "err.h"
#include "stats.h"
#include "vm.h"

struct gdbstub;

struct run_opts {
    double timeout_s; /* 0 = none */
    int console_fd;   /* where port 0xE9 bytes go (stdout unless --json) */
    bool trace;       /* --trace: one stderr line per exit (trace.h) */
    struct gdbstub *gdb; /* --gdb: the stub gets each stop (gdbstub.h) */
};

/* Counts every exit into `stats` (stats.h), timing KVM_RUN if asked. */
int run_guest(struct vm *vm, const struct run_opts *opts,
              struct skvm_stats *stats, struct skvm_err *err);

/* "KVM_EXIT_SHUTDOWN" etc., or NULL if unknown. */
const char *exit_reason_name(uint32_t reason);

#endif
