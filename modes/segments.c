/* segments.c - GDT entries and kvm_segment values from one description. */
#include "modes/segments.h"

#include <errno.h>

#include "core/layout.h"
#include "core/x86.h"

/* 0x08 flat 32-bit code: base 0, 4 GiB, execute/read (SDM 3.4.5) */
const struct x86_seg seg_flat_code32 = {
    .selector = GDT_CODE, .limit = 0xFFFFF, .type = X86_SEG_TYPE_CODE_XR,
    .s = 1, .present = 1, .db = 1, .g = 1,
};

/* 0x08 64-bit code: base/limit ignored in long mode, L=1 needs D=0 */
const struct x86_seg seg_code64 = {
    .selector = GDT_CODE, .limit = 0xFFFFF, .type = X86_SEG_TYPE_CODE_XR,
    .s = 1, .present = 1, .l = 1, .g = 1,
};

/* 0x28 64-bit code for the loader's exception handlers in compat mode */
static const struct x86_seg seg_code64_handlers = {
    .selector = GDT_CODE64_HANDLERS, .limit = 0xFFFFF,
    .type = X86_SEG_TYPE_CODE_XR, .s = 1, .present = 1, .l = 1, .g = 1,
};

/* 0x10 flat data: base 0, 4 GiB, read/write */
const struct x86_seg seg_flat_data = {
    .selector = GDT_DATA, .limit = 0xFFFFF, .type = X86_SEG_TYPE_DATA_RW,
    .s = 1, .present = 1, .db = 1, .g = 1,
};

uint64_t seg_descriptor(const struct x86_seg *seg)
{
    uint64_t d = 0;

    d |= (uint64_t)(seg->limit & 0xFFFF);
    d |= (uint64_t)(seg->base & 0xFFFFFF) << 16;
    d |= (uint64_t)(seg->type & 0xF) << X86_DESC_TYPE_SHIFT;
    d |= (uint64_t)(seg->s & 1) << X86_DESC_S_BIT;
    d |= (uint64_t)(seg->dpl & 3) << X86_DESC_DPL_SHIFT;
    d |= (uint64_t)(seg->present & 1) << X86_DESC_P_BIT;
    d |= (uint64_t)((seg->limit >> 16) & 0xF) << 48;
    d |= (uint64_t)(seg->avl & 1) << X86_DESC_AVL_BIT;
    d |= (uint64_t)(seg->l & 1) << X86_DESC_L_BIT;
    d |= (uint64_t)(seg->db & 1) << X86_DESC_DB_BIT;
    d |= (uint64_t)(seg->g & 1) << X86_DESC_G_BIT;
    d |= (uint64_t)(seg->base >> 24) << 56;
    return d;
}

void seg_to_kvm(const struct x86_seg *seg, struct kvm_segment *out)
{
    *out = (struct kvm_segment){
        .base = seg->base,
        /* KVM wants the limit in bytes, as the CPU expands it. */
        .limit = seg->g ? (seg->limit << 12) | 0xFFF : seg->limit,
        .selector = seg->selector,
        .type = seg->type,
        .present = seg->present,
        .dpl = seg->dpl,
        .db = seg->db,
        .s = seg->s,
        .l = seg->l,
        .g = seg->g,
        .avl = seg->avl,
    };
}

int gdt_install(const struct guestmem *mem, const struct x86_seg *code,
                struct kvm_sregs *sregs)
{
    const struct x86_seg *table[GDT_END / 8] = {
        [GDT_CODE / 8] = code,
        [GDT_DATA / 8] = &seg_flat_data,
    };
    uint8_t *gdt = guestmem_ptr_rw(mem, LAYOUT_GDT_BASE, GDT_END);

    if (!gdt)
        return -ENOSPC;
    for (unsigned i = 0; i < GDT_END / 8; i++) {
        uint64_t d = table[i] ? seg_descriptor(table[i]) : 0;
        for (unsigned b = 0; b < 8; b++)
            gdt[i * 8 + b] = (uint8_t)(d >> (8 * b));
    }
    sregs->gdt.base = LAYOUT_GDT_BASE;
    sregs->gdt.limit = GDT_END - 1;
    seg_to_kvm(code, &sregs->cs);
    seg_to_kvm(&seg_flat_data, &sregs->ds);
    sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
    return 0;
}

int gdt_add_tss64(const struct guestmem *mem, uint32_t base, uint32_t size,
                  struct kvm_sregs *sregs)
{
    /* 0x18 64-bit TSS, available in the table, busy in TR (SDM 8.2.3) */
    const struct x86_seg tss = {
        .selector = GDT_TSS64, .base = base, .limit = size - 1,
        .type = X86_SEG_TYPE_TSS64_AVAIL, .present = 1,
    };
    uint8_t *d = guestmem_ptr_rw(mem, LAYOUT_GDT_BASE + GDT_TSS64,
                                 GDT_END_LONG - GDT_TSS64);
    uint64_t low = seg_descriptor(&tss);

    if (!d)
        return -ENOSPC;
    for (unsigned b = 0; b < 8; b++) {
        d[b] = (uint8_t)(low >> (8 * b));
        d[8 + b] = 0; /* base bits 63:32 (the TSS is below 4 GiB) */
    }
    sregs->gdt.limit = GDT_END_LONG - 1;
    seg_to_kvm(&tss, &sregs->tr);
    sregs->tr.type = X86_SEG_TYPE_TSS32_BUSY;
    return 0;
}

int gdt_add_code64_handlers(const struct guestmem *mem,
                            struct kvm_sregs *sregs)
{
    uint8_t *d = guestmem_ptr_rw(mem, LAYOUT_GDT_BASE + GDT_CODE64_HANDLERS,
                                 GDT_END_COMPAT - GDT_CODE64_HANDLERS);
    uint64_t desc = seg_descriptor(&seg_code64_handlers);

    if (!d)
        return -ENOSPC;
    for (unsigned b = 0; b < 8; b++)
        d[b] = (uint8_t)(desc >> (8 * b));
    sregs->gdt.limit = GDT_END_COMPAT - 1;
    return 0;
}

void seg_real(struct kvm_segment *seg, uint16_t selector, uint8_t type)
{
    *seg = (struct kvm_segment){
        .base = (uint64_t)selector << 4,
        .limit = 0xFFFF,
        .selector = selector,
        .type = type,
        .present = 1,
        .s = 1,
    };
}
