/* target.h - what gdb debugs: the registers and memory of the one vCPU,
 * its breakpoints and watchpoints, and how the guest resumes.
 *
 * The socket stub (gdb/stub.c) embeds one struct gdbtarget, fills it with
 * gdbtarget_init() and the probe results (gdb/probe.h), and hands
 * gdbtarget_ops() to gdb_handle() (gdb/proto.h), which calls back for
 * 'g'/'G'/'p'/'P', 'm'/'M' and 'Z'/'z'. Those callbacks return 0 or -1
 * (gdb hears "E01"); they never fill a struct skvm_err.
 *
 * Registers: gdb's view of KVM_GET_REGS/KVM_GET_SREGS. In real mode
 * (GDB_ARCH_I8086) gdb's pc is the linear CS*16+IP; segment registers
 * are read-only. Memory: linear addresses translated through the guest's
 * own page tables (core/paging.h), reaching RAM only through the checked
 * guestmem_ptr()/guestmem_ptr_rw(); a write is all or nothing.
 *
 * Breakpoints: Z0 writes int3 (at most GDBTARGET_MAX_SW_BPS), refused
 * with a note on `notes` when the probe found that this host's KVM does
 * not intercept int3 in the mode (swbp == GDBPROBE_SWBP_NONE). Z1 (exec),
 * Z2 (write) and Z4 (access) take one of DR0-DR3 each, aligned to a
 * length of 1, 2, 4 (or 8 in 64-bit code); Z2/Z4 are refused with a note
 * when data breakpoints do not fire here (!watch_ok).
 * gdbtarget_set_debug() loads all of that, and single-step, with
 * KVM_SET_GUEST_DEBUG before the guest resumes.
 */
#ifndef SKVM_GDB_TARGET_H
#define SKVM_GDB_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "gdb/debugreg.h"
#include "gdb/probe.h"
#include "gdb/proto.h"
#include "kvm/vm.h"
#include "modes/mode.h"

#define GDBTARGET_MAX_SW_BPS 64

struct gdbtarget_sw_bp {
    uint64_t addr; /* linear, as gdb gave it */
    uint64_t gpa;
    uint8_t orig;
};

/* One debug register: an execute breakpoint or a data watchpoint. */
struct gdbtarget_hw_bp {
    bool used;
    enum gdb_bp_type type; /* GDB_BP_HW, _WRITE or _ACCESS */
    uint64_t addr, len;
};

struct gdbtarget {
    struct vm *vm;
    const struct mode *mode;
    FILE *notes; /* where refused breakpoints are explained */
    enum gdb_arch arch;
    enum gdbprobe_swbp swbp; /* how this host reports int3 (probed) */
    bool watch_ok; /* data breakpoints fire on this host (probed) */
    struct gdbtarget_sw_bp sw[GDBTARGET_MAX_SW_BPS];
    unsigned n_sw;
    struct gdbtarget_hw_bp hw[MAX_HW_BPS];
};

/* No breakpoints; arch from the mode's word size. swbp and watch_ok are
 * the caller's to set from the probes. */
void gdbtarget_init(struct gdbtarget *t, struct vm *vm,
                    const struct mode *mode, FILE *notes);

/* The callbacks for gdb_handle(), with t as their context. */
struct gdb_target gdbtarget_ops(struct gdbtarget *t);

/* Linear RIP, or UINT64_MAX when it cannot be read. */
uint64_t gdbtarget_linear_rip(struct gdbtarget *t);
/* The byte at linear rip is a hlt (false if rip is UINT64_MAX). */
bool gdbtarget_at_hlt(struct gdbtarget *t, uint64_t rip);
/* RIP is at one of our int3s. */
bool gdbtarget_at_own_int3(struct gdbtarget *t);

/* Slot of the watchpoint (not exec breakpoint) whose DR6 bit is set in
 * a #DB's dr6, or -1. */
int gdbtarget_watch_hit(const struct gdbtarget *t, uint64_t dr6);

/* Remove every int3 (restoring the bytes) and free every debug register. */
void gdbtarget_drop_breakpoints(struct gdbtarget *t);

/* KVM_SET_GUEST_DEBUG for how the guest resumes: the breakpoints, and a
 * single-step when `step`. -1 with SKVM_HOST in err when KVM refuses. */
int gdbtarget_set_debug(struct gdbtarget *t, bool step, struct skvm_err *err);

#endif
