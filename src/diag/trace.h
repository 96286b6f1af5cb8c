/* trace.h - --trace: one line per VM exit on stderr, as it happens, so a
 * learner can watch the guest talk to the host.
 *
 *   trace: #3 KVM_EXIT_IO OUT port 0xe9 size 1 value 0x6c 'l' rip 0x2c
 *
 * The run loop calls it (as an observer, kvm/run.h) only when tracing is
 * on; it costs one
 * KVM_GET_REGS (for RIP) per exit, which is why it is not always on.
 * It reads the kvm_run page with the same bounds checks as the exit
 * handlers, and never changes guest state.
 */
#ifndef SKVM_DIAG_TRACE_H
#define SKVM_DIAG_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "core/symbols.h"
#include "kvm/run.h"
#include "kvm/vm.h"

/* `n` is the exit's number, from 1. */
void trace_exit(FILE *out, const struct vm *vm, uint64_t n);

/* Exits are numbered across the runs of one process (--repeat). */
struct trace {
    FILE *out;
    uint64_t exits;
    const struct symbols *syms; /* names RIP ("rip 0x2c (main+0x8)"), or NULL */
};

/* An observer that traces every exit on t->out. */
struct run_observer trace_observer(struct trace *t);

#endif
