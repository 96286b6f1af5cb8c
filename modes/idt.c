/* idt.c - default exception handlers for every mode (see idt.h). */
#include "modes/idt.h"

#include <errno.h>
#include <string.h>

#include "core/le.h"
#include "core/layout.h"
#include "core/x86.h"
#include "modes/segments.h"

/* Real mode reaches the stubs as F000:offset. */
#define REAL_STUB_SEGMENT (LAYOUT_SYS_BASE >> 4)

/* One interrupt gate (SDM 6.11 and 6.14.1): offset, selector 0x08,
 * type 0xE (clears IF), DPL 0, present; 16 bytes with the upper offset
 * in long mode. */
static void write_gate(uint8_t *g, enum idt_kind kind, uint64_t offset,
                       uint8_t ist)
{
    le_put16(g, (uint16_t)offset);
    le_put16(g + 2, kind == IDT_COMPAT ? GDT_CODE64_HANDLERS : GDT_CODE);
    g[4] = ist;
    g[5] = X86_GATE_PRESENT | X86_GATE_INT32;
    le_put16(g + 6, (uint16_t)(offset >> 16));
    if (kind == IDT_64 || kind == IDT_COMPAT) {
        le_put32(g + 8, (uint32_t)(offset >> 32));
        le_put32(g + 12, 0);
    }
}

static unsigned entry_size(enum idt_kind kind)
{
    return kind == IDT_REAL ? X86_IVT_ENTRY_SIZE
           : kind == IDT_32 ? X86_GATE32_SIZE
                            : X86_GATE64_SIZE; /* IDT_64, IDT_COMPAT */
}

/* The #DF stack's upper half; user-mode exceptions (CPL 3 -> 0) switch
 * to the lower half through RSP0, so they can be named too. */
#define RSP0_STACK_TOP (LAYOUT_EXC_STACK_TOP - 0x800)

/* The 64-bit TSS with RSP0, IST1 (the #DF stack) and an I/O bitmap of
 * zeros: user code may use every port, as under the reset state's TSS
 * (the hypercall ports among them). */
#define TSS_BYTES (X86_TSS64_SIZE + X86_IO_BITMAP_SIZE + 1)

static int install_tss64(const struct guestmem *mem, struct kvm_sregs *sregs)
{
    uint8_t *tss = guestmem_ptr_rw(mem, LAYOUT_EXC_TSS, TSS_BYTES);

    /* The 8 KiB bitmap's pages stay untouched in fresh RAM. */
    if (!tss || guestmem_zero(mem, LAYOUT_EXC_TSS, TSS_BYTES) < 0)
        return -ENOSPC;
    le_put32(tss + X86_TSS64_RSP0, (uint32_t)RSP0_STACK_TOP);
    le_put32(tss + X86_TSS64_IST1, (uint32_t)LAYOUT_EXC_STACK_TOP);
    le_put16(tss + X86_TSS64_IOMAP, X86_TSS64_SIZE);
    tss[TSS_BYTES - 1] = X86_IO_BITMAP_END;
    return gdt_add_tss64(mem, LAYOUT_EXC_TSS, TSS_BYTES, sregs);
}

int idt_install(const struct guestmem *mem, enum idt_kind kind,
                struct kvm_sregs *sregs)
{
    unsigned size = entry_size(kind);
    uint8_t *idt = guestmem_ptr_rw(mem, LAYOUT_IDT_BASE, X86_VECTORS * size);
    uint8_t *stubs = guestmem_ptr_rw(mem, LAYOUT_EXC_STUBS, X86_VECTORS);

    if (!idt || !stubs)
        return -ENOSPC;
    memset(stubs, X86_OPCODE_HLT, X86_VECTORS);
    for (unsigned v = 0; v < X86_VECTORS; v++) {
        uint64_t stub = LAYOUT_EXC_STUBS + v;
        uint8_t *e = idt + v * size;
        if (kind == IDT_REAL) {
            le_put16(e, (uint16_t)(stub - ((uint64_t)REAL_STUB_SEGMENT << 4)));
            le_put16(e + 2, REAL_STUB_SEGMENT);
        } else {
            write_gate(e, kind, stub,
                       kind != IDT_32 && v == X86_EXC_DF ? 1 : 0);
        }
    }
    sregs->idt.base = LAYOUT_IDT_BASE;
    sregs->idt.limit = (uint16_t)(X86_VECTORS * size - 1);
    if (kind == IDT_REAL || kind == IDT_32)
        return 0;
    int rc = install_tss64(mem, sregs);
    return rc < 0 || kind == IDT_64 ? rc
                                     : gdt_add_code64_handlers(mem, sregs);
}

int idt_is_ours(const struct kvm_sregs *sregs)
{
    return sregs->idt.base == LAYOUT_IDT_BASE;
}

int idt_stub_vector(uint64_t rip_linear)
{
    if (rip_linear <= LAYOUT_EXC_STUBS ||
        rip_linear > LAYOUT_EXC_STUBS + X86_VECTORS)
        return -1;
    return (int)(rip_linear - 1 - LAYOUT_EXC_STUBS);
}
