/* run.h - the run loop: KVM_RUN until the guest halts, and what each VM
 * exit means.
 *
 * run_guest() returns 0 when the guest executed HLT or the exit hypercall
 * with status 0 (a nonzero status is SKVM_CHECK_FAILED, "guest reported
 * failure: status N"), or wrote the success value to isa-debug-exit.
 * Port I/O goes to core/hypercall.c, or dev/ for a device's port the
 * port map leaves alone; first touches
 * of lazy RAM to kvm/memslots.c. Anything else fills err:
 * SKVM_GUEST_FAULT for a crash or a port the guest may not use (one line
 * naming the exit, port or address, and RIP), SKVM_TIMEOUT when the
 * timeout expired, SKVM_SIGNAL for SIGINT/SIGTERM. Timeout and signals
 * use immediate_exit, so a signal that lands just before KVM_RUN still
 * stops the guest (KVM API doc, "immediate_exit").
 *
 * The loop knows nothing of statistics, tracing or gdb: those watch or
 * steer it through observers (struct run_observer), which the layer
 * above wires in (app/session.c). Each hook may be NULL.
 */
#ifndef SKVM_KVM_RUN_H
#define SKVM_KVM_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "core/hypercall.h"
#include "core/symbols.h"
#include "dev/devices.h"
#include "kvm/vm.h"

/* What before_run returns besides -1. */
enum { RUN_GO = 0, RUN_RECHECK = 1 };

struct run_observer {
    void *ctx;
    /* The loop starts and ends (once per run_guest). */
    void (*on_start)(void *ctx);
    void (*on_end)(void *ctx, int rc, const struct skvm_err *err);
    /* Before every KVM_RUN: RUN_GO, RUN_RECHECK (a signal interrupted a
     * wait: the loop checks signals and asks again), or -1 with err. */
    int (*before_run)(void *ctx, struct skvm_err *err);
    /* Right around the KVM_RUN ioctl (timing). */
    void (*run_begin)(void *ctx);
    void (*run_end)(void *ctx);
    /* After every exit, before the loop handles it. True when this
     * observer takes the exit (a debug stop): the loop runs again. */
    bool (*on_exit)(void *ctx, const struct vm *vm);
    /* The exit was the guest's first touch of lazy RAM (memslots.h). */
    void (*on_lazy_ram)(void *ctx);
    /* The guest raised an exception that reached the loader's handlers
     * (vm->exception, registers already unwound to the faulting
     * instruction). True when this observer wants the guest stopped
     * there first (gdb): the loop asks before_run again, then ends. */
    bool (*on_exception)(void *ctx, const struct vm *vm);
};

#define RUN_MAX_OBSERVERS 4

struct run_config {
    double timeout_s; /* 0 = none */
    int console_fd;   /* where console bytes go (stdout unless --json) */
    struct hc_options hc; /* port map, unknown ports (core/hypercall.h) */
    const struct symbols *syms; /* names the exception line, or NULL */
    /* The devices (dev/devices.h), or NULL for none: they answer the
     * ports they claim that the port map does not bind. run_guest()
     * resets them first; their state stays for the caller afterwards. */
    struct devices *dev;
    /* --boot: a guest parked in a jump to itself that nothing can
     * interrupt (`jmp $`) ends the run as a halt (vm->parked says
     * where); looked at on the stop timer's ticks only, so guests at
     * work pay nothing but the ticks. */
    bool park_check;
    /* Called in order; the first on_exit that takes an exit ends the
     * round for the ones after it. */
    struct run_observer observers[RUN_MAX_OBSERVERS];
    size_t n_observers;
};

/* Add an observer; -1 when the table is full (a programming error). */
int run_config_observe(struct run_config *cfg, const struct run_observer *o);

int run_guest(struct vm *vm, const struct run_config *cfg,
              struct skvm_err *err);

/* When guest output could not be written (core/fdwrite.h): -1 with err
 * (EPIPE: SKVM_SIGNAL/SIGPIPE; else SKVM_HOST naming the stream), else 0. */
int run_output_failed(struct skvm_err *err);

#endif
