/* crash.h - the crash report: what the vCPU looked like when the guest
 * stopped, told so a learner can see why.
 *
 * crash_capture() runs while the VM is still open (right after the run
 * loop ends) and copies everything the report needs: the exit and its
 * details, general and segment registers, control registers, and the
 * code bytes around RIP (CS base + RIP, through the guest's paging).
 * It only reads; renderers work on the copy, after the VM is gone:
 * crash_print() for stderr here, the --json one in app/json.c from the
 * pieces below.
 */
#ifndef SKVM_DIAG_CRASH_H
#define SKVM_DIAG_CRASH_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/exception.h"
#include "core/symbols.h"
#include "diag/disasm.h"
#include "err.h"
#include "kvm/vm.h"

#define CRASH_CODE_BEFORE 32 /* bytes of lead-in read before RIP */
#define CRASH_CODE_AFTER 48  /* bytes read from RIP on */
#define CRASH_INSNS_AFTER 4  /* instructions shown from RIP on */
#define CRASH_MAX_FRAMES 16  /* return addresses a backtrace follows */

struct crash_state {
    uint32_t exit_reason;
    /* exit details, as the kvm_run page had them */
    uint32_t internal_suberror;
    uint64_t fail_entry_reason;
    uint64_t mmio_addr;
    uint32_t mmio_len;
    bool mmio_write;
    uint16_t io_port;
    uint8_t io_size;
    bool io_out;

    bool have_exception; /* the run ended in the loader's exception
                            handlers; registers are at the fault */
    struct exception_info exception;
    bool have_regs; /* KVM_GET_REGS/SREGS worked */
    bool reset_state; /* shutdown on AMD: registers are the reset state */
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    unsigned bits;       /* 16, 32 or 64: how the CPU decodes at RIP */
    uint64_t rip_linear; /* CS base + RIP (64-bit: RIP) */
    bool rip_mapped;     /* the bytes at RIP could be read */
    uint64_t rip_phys;
    char unmapped_why[128];
    uint8_t code[CRASH_CODE_BEFORE + CRASH_CODE_AFTER];
    uint64_t code_base; /* linear address of code[0] */
    unsigned code_len;
    char hint[256]; /* the likely cause, filled by the caller (app/hints.h)
                       after capture; "" for none */
    /* crash_backtrace(): return addresses along the frame-pointer
     * chain, innermost caller first, and why the walk stopped. */
    bool have_backtrace;
    uint64_t frames[CRASH_MAX_FRAMES];
    unsigned n_frames;
    char backtrace_end[128];
    /* Names for RIP, the code lines and the backtrace (an ELF image's
     * .symtab), set by the caller; it must outlive the report. NULL:
     * addresses only, as for flat images. */
    const struct symbols *syms;
};

void crash_capture(const struct vm *vm, struct crash_state *c);

/* After crash_capture, in 32- and 64-bit code: follow the saved frame
 * pointers from RBP/EBP (each link must be aligned, readable through
 * the guest's paging, and above the one before it; at most
 * CRASH_MAX_FRAMES), collecting return addresses until the first link
 * that is not sound. Only reads guest memory. */
void crash_backtrace(const struct vm *vm, struct crash_state *c);

/* The multi-line report, on `out`. `title` says why it is shown
 * ("guest fault", "--dump"). */
void crash_print(const struct crash_state *c, const char *title, FILE *out);

/* Named bits of a register, for every rendering of the report. */
struct crash_flag {
    unsigned bit;
    const char *name;
};
struct crash_flags {
    const struct crash_flag *f;
    size_t n;
};
extern const struct crash_flags crash_cr0_flags, crash_cr4_flags,
    crash_efer_flags, crash_rflags_flags;

/* "code, execute/read, accessed" etc. into buf. */
const char *crash_seg_type(const struct kvm_segment *s, char *buf,
                           size_t len);

/* A host limit rather than the guest's fault: an emulation failure
 * (KVM_EXIT_INTERNAL_ERROR) at an x87, MMX, SSE or AVX instruction,
 * which the host's instruction emulator cannot run (kvm-pvm runs all
 * guest code there; hardware KVM runs these natively). Returns 1 with
 * err filled (SKVM_HOST, the instruction named), else 0. */
int crash_host_limit(const struct crash_state *c, struct skvm_err *err);

/* The disassembled line whose instruction caused the exit, or -1. */
int crash_culprit_line(const struct crash_state *c, const struct disasm *d);

#endif
