/* segments.h - describe each segment once; derive GDT bytes and KVM state.
 *
 * A struct x86_seg is the single description of a segment; seg_descriptor()
 * turns it into the 8-byte GDT entry (SDM 3.4.5) and seg_to_kvm() into the
 * struct kvm_segment the vCPU is loaded with, so the two cannot disagree.
 */
#ifndef SKVM_SEGMENTS_H
#define SKVM_SEGMENTS_H

#include <linux/kvm.h>
#include <stdint.h>

#include "core/guestmem.h"

/* GDT selectors, in table order; the GDTR limit derives from GDT_END. */
enum gdt_selector {
    GDT_NULL = 0x00, /* required null descriptor */
    GDT_CODE = 0x08, /* the mode's code segment */
    GDT_DATA = 0x10, /* flat read/write data, also the stack */
    GDT_END = 0x18,
    GDT_TSS64 = 0x18,     /* long mode only: 16-byte TSS descriptor */
    GDT_END_LONG = 0x28,
    /* compat only: 64-bit code for the loader's handlers, as a 64-bit
     * IDT gate must lead to 64-bit code (SDM 6.14.1) */
    GDT_CODE64_HANDLERS = 0x28,
    GDT_END_COMPAT = 0x30,
};

struct x86_seg {
    uint16_t selector;
    uint32_t base;
    uint32_t limit; /* in bytes, or 4 KiB units when g = 1 */
    uint8_t type;   /* X86_SEG_TYPE_* */
    uint8_t s, dpl, present, avl, l, db, g;
};

extern const struct x86_seg seg_flat_code32; /* 4 GiB, execute/read, D=1 */
extern const struct x86_seg seg_code64;      /* 64-bit code, L=1 D=0 */
extern const struct x86_seg seg_flat_data;   /* 4 GiB, read/write */

uint64_t seg_descriptor(const struct x86_seg *seg);
void seg_to_kvm(const struct x86_seg *seg, struct kvm_segment *out);

/* A real-mode segment register: base = selector * 16, 64 KiB limit,
 * present, code or data `type` (real mode and --boot). */
void seg_real(struct kvm_segment *seg, uint16_t selector, uint8_t type);

/* Write null/code/data at LAYOUT_GDT_BASE, point GDTR at it and load CS
 * with `code` and DS/ES/FS/GS/SS with the data segment. -ENOSPC when RAM
 * does not reach the GDT. */
int gdt_install(const struct guestmem *mem, const struct x86_seg *code,
                struct kvm_sregs *sregs);

/* Long mode: add the 16-byte descriptor of the 64-bit TSS at
 * [base, base + size) as GDT_TSS64, extend GDTR to GDT_END_LONG and load
 * TR with it (busy, as after LTR). */
int gdt_add_tss64(const struct guestmem *mem, uint32_t base, uint32_t size,
                  struct kvm_sregs *sregs);

/* Compatibility mode: add a 64-bit code descriptor as
 * GDT_CODE64_HANDLERS and extend GDTR to GDT_END_COMPAT. Call after
 * gdt_add_tss64. */
int gdt_add_code64_handlers(const struct guestmem *mem,
                            struct kvm_sregs *sregs);

#endif
