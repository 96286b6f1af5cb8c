/* idt.h - the loader's default exception handlers, written into a plain
 * buffer like the rest of a mode's setup (no KVM).
 *
 * Before the guest starts, every vector 0-255 leads through the loader's
 * IDT (an IVT in real mode) at LAYOUT_IDT_BASE to a handler of its own:
 * one HLT byte at LAYOUT_EXC_STUBS + vector. An exception therefore
 * halts at a known address instead of escalating to a triple fault (or,
 * in real mode, jumping through the guest's own code bytes at address
 * 0), and the host names it from that address and the frame the CPU
 * pushed (core/exception.h). The handlers touch no register, so the
 * frame and the registers are the guest's at the fault.
 *
 * Long mode also gets a 64-bit TSS (GDT selector 0x18, TR) whose IST1
 * gives #DF a stack of its own, so a guest whose RSP cannot take an
 * exception frame still ends in a named #DF rather than a triple fault.
 *
 * A guest that loads its own IDT (LIDT) gets exactly the CPU behaviour it
 * asks for: none of this is used any more. The whole area lies in the
 * loader's SYS area, which images may not overlap.
 */
#ifndef SKVM_MODES_IDT_H
#define SKVM_MODES_IDT_H

#include <linux/kvm.h>
#include <stdint.h>

#include "core/guestmem.h"

enum idt_kind {
    IDT_REAL, /* 4-byte IVT entries F000:stub */
    IDT_32,   /* 8-byte interrupt gates to 0x08:stub */
    IDT_64,   /* 16-byte interrupt gates to 0x08:stub, #DF on IST1 */
    IDT_COMPAT, /* as IDT_64, to 0x28:stub: 64-bit handler code under
                   compat mode's 32-bit CS (adds the descriptor) */
};

/* Write the IDT and stubs (and for IDT_64 the TSS, its GDT descriptor
 * and TR) and point IDTR at them. -ENOSPC when RAM does not reach the
 * area. Call after gdt_install (IDT_64 extends that GDT). */
int idt_install(const struct guestmem *mem, enum idt_kind kind,
                struct kvm_sregs *sregs);

/* True when the vCPU's IDTR is the loader's: its handlers are live. */
int idt_is_ours(const struct kvm_sregs *sregs);

/* The vector whose stub halted, given the linear address HLT left RIP
 * at (one past the stub), or -1 when that is no stub. */
int idt_stub_vector(uint64_t rip_linear);

#endif
