/* exception.h - naming a guest exception that reached the loader's
 * default handlers (modes/idt.h), from the frame the CPU pushed.
 *
 * exception_from_stub() is given the vCPU's registers as they are when
 * a stub's HLT exits (RIP just past the stub) and reads the frame from
 * the guest's stack through its own paging, never outside RAM: in long
 * mode [error code] RIP CS RFLAGS RSP SS (8 bytes each), in 32-bit
 * protected mode [error code] EIP CS EFLAGS, in real mode IP CS FLAGS.
 * It returns the registers as they were at the faulting instruction, so
 * the crash report and gdb show that instruction, not the stub. Pure:
 * no KVM; tested on plain buffers.
 *
 * exception_describe() writes the one-line error, e.g.
 *   guest raised #PF (vector 14, page fault) at RIP 0x10000a: write to a
 *   not-present page, CR2 = 0x40000000008, error code 0x2
 * decoding page-fault bits and selector error codes (table, index,
 * external) against the GDT limit, and naming the control-register bit
 * behind an #UD or #NM from an SSE/x87 instruction, e.g.
 *   guest raised #UD (vector 6, invalid opcode) at RIP 0x1a: an SSE
 *   instruction with CR4.OSFXSR clear (SSE is off: --no-sse, or the
 *   guest cleared it)
 */
#ifndef SKVM_CORE_EXCEPTION_H
#define SKVM_CORE_EXCEPTION_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/guestmem.h"

/* Why an #UD or #NM came from an x87/MMX/SSE/AVX instruction: the
 * control-register bit that forbade it (SDM vol. 3A 2.5 table 2-2,
 * 13.1-13.3).
 * Decided from the faulting instruction's bytes and CR0/CR4. */
enum exception_fpu_cause {
    EXC_FPU_NONE,          /* not one of these, or bytes not readable */
    EXC_FPU_SSE_NO_OSFXSR, /* #UD: SSE, CR4.OSFXSR clear */
    EXC_FPU_SSE_EM,        /* #UD: SSE, CR0.EM set */
    EXC_FPU_MMX_EM,        /* #UD: MMX, CR0.EM set */
    EXC_FPU_X87_EM,        /* #NM: x87, CR0.EM set */
    EXC_FPU_TS,            /* #NM: x87/MMX/SSE/AVX, CR0.TS set */
    EXC_FPU_AVX_NO_OSXSAVE, /* #UD: VEX-encoded, CR4.OSXSAVE clear */
    EXC_FPU_XSAVE_NO_OSXSAVE, /* #UD: XGETBV/XSETBV/XSAVE/XRSTOR, no OSXSAVE */
};

struct exception_info {
    unsigned vector;
    bool has_error_code;
    uint32_t error_code;
    uint64_t cr2;        /* with #PF */
    bool frame_ok;       /* the frame was read; fields below are valid */
    uint64_t rip, cs, rflags, rsp, ss; /* at the faulting instruction */
    uint64_t handler_rsp; /* where the frame was (the stack pointer) */
    unsigned bits;       /* 16, 32 or 64: the code that faulted */
    /* A 64-bit frame whose CS is not the handler's: compatibility mode
     * (a 32-bit CS under long mode). The CS to put back, from the GDT:
     * L=0, and D as `bits` says (32 or 16). */
    bool restore_cs;
    uint64_t cs_base;
    enum exception_fpu_cause fpu_cause; /* #UD/#NM from a disabled unit */
    /* "fault_here+0x4": the symbol at `rip`, which the caller names
     * from an ELF image's .symtab (core/symbols.h); "" for none. */
    char rip_symbol[80];
};

/* "#PF", or "#14" style for unnamed vectors below 32, "int 0x80" above. */
const char *exception_mnemonic(unsigned vector, char *buf, size_t len);
/* "page fault", "invalid opcode", ...; "interrupt" above 31. */
const char *exception_name(unsigned vector);
/* True when the CPU pushes an error code for vector (protected and long
 * mode; never in real mode). */
bool exception_has_error_code(unsigned vector);

/* True when e is one of the CPU's exceptions in its mode (not a
 * software interrupt: in real mode int 0x10 is the BIOS, not #MF). */
bool exception_is_cpu(const struct exception_info *e);
/* "#UD", or "int 0x10" for a software interrupt. */
const char *exception_label(const struct exception_info *e, char *buf,
                            size_t len);
/* True when RIP in the frame is past the instruction that raised it
 * (int3, into, int N; SDM 6.5), false for faults. */
bool exception_is_trap(const struct exception_info *e);

/* Fill e from the frame at the stub's stack. `vector` from
 * idt_stub_vector(); regs/sregs as at the stub's HLT exit. frame_ok is
 * false when the stack is not readable (the report then gives RSP). */
void exception_from_stub(const struct guestmem *mem,
                         const struct kvm_sregs *sregs,
                         const struct kvm_regs *regs, unsigned vector,
                         struct exception_info *e);

/* The registers at the faulting instruction: RIP, RSP, RFLAGS (and CS
 * in real mode) from the frame. Unchanged when !e->frame_ok. */
void exception_unwind(const struct exception_info *e, struct kvm_regs *regs,
                      struct kvm_sregs *sregs);

/* The cause of an #UD or #NM (vector) raised by the instruction whose
 * first bytes are insn[0..len) in code of `bits`, under cr0/cr4:
 * exception_from_stub() fills e->fpu_cause with it. */
enum exception_fpu_cause exception_fpu_cause(unsigned vector,
                                             const uint8_t *insn, size_t len,
                                             unsigned bits, uint64_t cr0,
                                             uint64_t cr4);
/* "an SSE instruction with CR4.OSFXSR clear (...)" for e->fpu_cause, or
 * NULL for EXC_FPU_NONE. Appended to the one-line error; the crash
 * report and --json give it as the cause. */
const char *exception_fpu_text(const struct exception_info *e);

/* The one-line error (no "simple-kvm: " prefix) into buf. */
void exception_describe(const struct exception_info *e,
                        const struct kvm_sregs *sregs, char *buf, size_t len);

#endif
