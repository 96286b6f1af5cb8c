/* test_idt.c - the loader's default exception handlers (modes/idt.h),
 * as each mode's setup writes them into a plain buffer: IVT or gates,
 * the HLT stubs, long mode's TSS and its GDT descriptor, and the map
 * from a halted stub back to its vector.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "core/layout.h"
#include "core/x86.h"
#include "modes/idt.h"
#include "modes/mode.h"
#include "modes/segments.h"

#define RAM (4u << 20)

struct fixture {
    struct guestmem mem;
    struct kvm_sregs sregs;
    struct kvm_regs regs;
};

static void setup(struct fixture *f, const char *mode, uint64_t ram)
{
    void *p = mmap(NULL, ram, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    const struct mode *m = mode_find(mode);

    cr_assert(p != MAP_FAILED && m);
    memset(f, 0, sizeof(*f));
    f->mem = (struct guestmem){.host = p, .size = ram};
    struct mode_env env = {.mem = &f->mem, .entry = 0};
    cr_assert_eq(m->setup(&env, &f->sregs, &f->regs), 0, "%s setup", mode);
}

static uint64_t at(struct fixture *f, uint64_t gpa, unsigned width)
{
    uint64_t v;
    cr_assert(guestmem_read_uint(&f->mem, gpa, width, &v) == 0);
    return v;
}

/* Every vector's stub is one HLT at EXC_STUBS + vector. */
static void assert_stubs(struct fixture *f)
{
    for (unsigned v = 0; v < X86_VECTORS; v++)
        cr_assert_eq(at(f, LAYOUT_EXC_STUBS + v, 1), X86_OPCODE_HLT,
                     "stub %u", v);
}

/* 32/64-bit gate for vector v: offset = its stub, selector 0x08, P=1,
 * DPL 0, 32/64-bit interrupt gate; IST as given. */
static void assert_gate(struct fixture *f, unsigned v, unsigned size,
                        unsigned ist)
{
    uint64_t g = LAYOUT_IDT_BASE + (uint64_t)v * size;
    uint64_t stub = LAYOUT_EXC_STUBS + v;
    uint64_t offset = at(f, g, 2) | at(f, g + 6, 2) << 16;

    if (size == X86_GATE64_SIZE)
        offset |= at(f, g + 8, 4) << 32;
    cr_assert_eq(offset, stub, "vector %u offset %#llx", v,
                 (unsigned long long)offset);
    cr_assert_eq(at(f, g + 2, 2), GDT_CODE, "vector %u selector", v);
    cr_assert_eq(at(f, g + 4, 1), ist, "vector %u IST", v);
    cr_assert_eq(at(f, g + 5, 1), X86_GATE_PRESENT | X86_GATE_INT32,
                 "vector %u type", v);
}

Test(idt, real_mode_ivt_points_every_vector_at_its_stub)
{
    struct fixture f;

    setup(&f, "real", RAM);
    cr_assert_eq(f.sregs.idt.base, LAYOUT_IDT_BASE, "never the image at 0");
    cr_assert_eq(f.sregs.idt.limit, X86_VECTORS * X86_IVT_ENTRY_SIZE - 1);
    for (unsigned v = 0; v < X86_VECTORS; v++) {
        uint64_t off = at(&f, LAYOUT_IDT_BASE + v * 4, 2);
        uint64_t seg = at(&f, LAYOUT_IDT_BASE + v * 4 + 2, 2);
        cr_assert_eq((seg << 4) + off, LAYOUT_EXC_STUBS + v, "vector %u", v);
    }
    assert_stubs(&f);
    cr_assert(idt_is_ours(&f.sregs));
}

Test(idt, protected_and_paged32_gates)
{
    const char *modes[] = {"protected", "paged32"};

    for (unsigned i = 0; i < 2; i++) {
        struct fixture f;
        setup(&f, modes[i], RAM);
        cr_assert_eq(f.sregs.idt.base, LAYOUT_IDT_BASE);
        cr_assert_eq(f.sregs.idt.limit, X86_VECTORS * X86_GATE32_SIZE - 1);
        for (unsigned v = 0; v < X86_VECTORS; v++)
            assert_gate(&f, v, X86_GATE32_SIZE, 0);
        assert_stubs(&f);
    }
}

Test(idt, long_mode_gates_tss_and_ist_for_double_fault)
{
    struct fixture f;

    setup(&f, "long", RAM);
    cr_assert_eq(f.sregs.idt.limit, X86_VECTORS * X86_GATE64_SIZE - 1);
    for (unsigned v = 0; v < X86_VECTORS; v++)
        assert_gate(&f, v, X86_GATE64_SIZE, v == X86_EXC_DF ? 1 : 0);
    assert_stubs(&f);
    /* TR: the 64-bit TSS, busy, from its GDT descriptor at 0x18. */
    cr_assert_eq(f.sregs.tr.selector, GDT_TSS64);
    cr_assert_eq(f.sregs.tr.base, LAYOUT_EXC_TSS);
    cr_assert_eq(f.sregs.tr.type, X86_SEG_TYPE_TSS32_BUSY);
    cr_assert(f.sregs.tr.present && !f.sregs.tr.s);
    cr_assert_eq(f.sregs.gdt.limit, GDT_END_LONG - 1);
    uint64_t lo = at(&f, LAYOUT_GDT_BASE + GDT_TSS64, 8);
    uint64_t hi = at(&f, LAYOUT_GDT_BASE + GDT_TSS64 + 8, 8);
    uint64_t base = ((lo >> 16) & 0xFFFFFF) | ((lo >> 56) << 24) | hi << 32;
    cr_assert_eq(base, LAYOUT_EXC_TSS);
    cr_assert_eq((lo >> X86_DESC_TYPE_SHIFT) & 0xF, X86_SEG_TYPE_TSS64_AVAIL);
    cr_assert_eq((lo & 0xFFFF) + 1, f.sregs.tr.limit + 1,
                 "descriptor and TR agree on the limit");
    /* IST1 and RSP0 inside the exception stack area, below its top. */
    uint64_t ist1 = at(&f, LAYOUT_EXC_TSS + X86_TSS64_IST1, 8);
    uint64_t rsp0 = at(&f, LAYOUT_EXC_TSS + X86_TSS64_RSP0, 8);
    cr_assert_eq(ist1, LAYOUT_EXC_STACK_TOP);
    cr_assert(rsp0 < ist1 && rsp0 > LAYOUT_EXC_STACK_TOP - 0x1000);
    /* I/O map past the fixed fields, all ports allowed, 0xFF after. */
    uint64_t iomap = at(&f, LAYOUT_EXC_TSS + X86_TSS64_IOMAP, 2);
    cr_assert_eq(iomap, X86_TSS64_SIZE);
    for (unsigned i = 0; i < X86_IO_BITMAP_SIZE; i += 8)
        cr_assert_eq(at(&f, LAYOUT_EXC_TSS + iomap + i, 8), 0);
    cr_assert_eq(at(&f, LAYOUT_EXC_TSS + iomap + X86_IO_BITMAP_SIZE, 1),
                 X86_IO_BITMAP_END);
    cr_assert_eq(f.sregs.tr.limit, iomap + X86_IO_BITMAP_SIZE);
}

Test(idt, stub_address_maps_back_to_its_vector)
{
    cr_assert_eq(idt_stub_vector(LAYOUT_EXC_STUBS + 1), 0);
    cr_assert_eq(idt_stub_vector(LAYOUT_EXC_STUBS + 15), 14);
    cr_assert_eq(idt_stub_vector(LAYOUT_EXC_STUBS + 256), 255);
    cr_assert_eq(idt_stub_vector(LAYOUT_EXC_STUBS), -1, "HLT not yet run");
    cr_assert_eq(idt_stub_vector(LAYOUT_EXC_STUBS + 257), -1);
    cr_assert_eq(idt_stub_vector(0x11), -1);
}

Test(idt, too_little_ram)
{
    struct fixture f;
    void *p = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    memset(&f, 0, sizeof(f));
    f.mem = (struct guestmem){.host = p, .size = 1 << 16};
    cr_assert_eq(idt_install(&f.mem, IDT_64, &f.sregs), -ENOSPC);
    /* Real mode with 64 KiB still sets up: an empty IVT at the loader's
     * address, so an interrupt shuts the CPU down instead of running the
     * guest's own bytes at 0 as handlers. */
    const struct mode *real = mode_find("real");
    struct mode_env env = {.mem = &f.mem};
    cr_assert_eq(real->setup(&env, &f.sregs, &f.regs), 0);
    cr_assert_eq(f.sregs.idt.base, LAYOUT_IDT_BASE);
    cr_assert_eq(f.sregs.idt.limit, 0);
}
