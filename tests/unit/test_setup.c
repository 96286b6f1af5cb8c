/* test_setup.c - each mode's setup routine against a plain buffer.
 *
 * No /dev/kvm: the setup only fills kvm_sregs/kvm_regs and writes tables
 * into memory, so every bit and every table entry is checked here.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "core/layout.h"
#include "modes/mode.h"
#include "modes/segments.h"
#include "kvm/vcpu.h"
#include "core/x86.h"
#include "../common/mode_expect.h"
#include "diag/explain.h"

/* Standard flat descriptors, as Linux and kvm-unit-tests write them. */
#define DESC_CODE32 UINT64_C(0x00CF9B000000FFFF)
#define DESC_CODE64 UINT64_C(0x00AF9B000000FFFF)
#define DESC_DATA   UINT64_C(0x00CF93000000FFFF)

struct fixture {
    struct guestmem mem;
    struct kvm_sregs sregs;
    struct kvm_regs regs;
};

/* Lazily backed, so multi-GiB layouts cost only the pages touched. */
static void fixture_init(struct fixture *f, uint64_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    cr_assert(p != MAP_FAILED);
    memset(f, 0, sizeof(*f));
    f->mem = (struct guestmem){.host = p, .size = size};
}

static int run_setup(struct fixture *f, const char *mode, bool gbpages,
                     uint64_t entry)
{
    const struct mode *m = mode_find(mode);
    struct mode_env env = {.mem = &f->mem, .gbpages = gbpages, .entry = entry};

    cr_assert(m, "mode %s is in the table", mode);
    return m->setup(&env, &f->sregs, &f->regs);
}

static uint64_t u64_at(struct fixture *f, uint64_t gpa)
{
    uint64_t v;
    cr_assert(guestmem_read_uint(&f->mem, gpa, 8, &v) == 0);
    return v;
}

static uint32_t u32_at(struct fixture *f, uint64_t gpa)
{
    uint64_t v;
    cr_assert(guestmem_read_uint(&f->mem, gpa, 4, &v) == 0);
    return (uint32_t)v;
}

/* The 8 MiB fixture's page directory of 8-byte entries: four 2 MiB pages
 * at virtual = physical with `leaf`'s bits, nothing beyond RAM; and the
 * vCPU starts at `rip` on the loader's stack. */
static void assert_pd_8m(struct fixture *f, uint64_t leaf, uint64_t rip)
{
    for (unsigned i = 0; i < 4; i++)
        cr_assert_eq(u64_at(f, LAYOUT_PD_BASE + 8 * i),
                     (uint64_t)i * X86_PAGE_2M | leaf, "PD[%u]", i);
    cr_assert_eq(u64_at(f, LAYOUT_PD_BASE + 8 * 4), 0, "beyond RAM");
    cr_assert_eq(f->regs.rip, rip);
    cr_assert_eq(f->regs.rsp, LAYOUT_STACK_TOP);
}

static void assert_flat_gdt(struct fixture *f, uint64_t code_desc)
{
    cr_assert_eq(f->sregs.gdt.base, LAYOUT_GDT_BASE);
    /* Long mode adds its TSS (modes/idt.h) after code and data. */
    cr_assert_eq(f->sregs.gdt.limit,
                 (code_desc == DESC_CODE64 ? GDT_END_LONG : GDT_END) - 1);
    cr_assert_eq(u64_at(f, LAYOUT_GDT_BASE + GDT_NULL), 0);
    cr_assert_eq(u64_at(f, LAYOUT_GDT_BASE + GDT_CODE), code_desc,
                 "code descriptor %#llx",
                 (unsigned long long)u64_at(f, LAYOUT_GDT_BASE + GDT_CODE));
    cr_assert_eq(u64_at(f, LAYOUT_GDT_BASE + GDT_DATA), DESC_DATA);
    cr_assert_eq(f->sregs.cs.selector, GDT_CODE);
    cr_assert_eq(f->sregs.ds.selector, GDT_DATA);
    cr_assert_eq(f->sregs.ss.selector, GDT_DATA);
    cr_assert_eq(f->sregs.es.selector, GDT_DATA);
    cr_assert_eq(f->sregs.ds.limit, 0xFFFFFFFFu);
    cr_assert_eq(f->sregs.ds.type, X86_SEG_TYPE_DATA_RW);
    cr_assert_eq(f->sregs.cs.type, X86_SEG_TYPE_CODE_XR);
    cr_assert(f->sregs.cs.present && f->sregs.cs.s && f->sregs.cs.g);
}

/* ---- segments ---- */

Test(segments_setup, descriptor_matches_kvm_segment)
{
    struct kvm_segment k;

    cr_assert_eq(seg_descriptor(&seg_flat_code32), DESC_CODE32);
    cr_assert_eq(seg_descriptor(&seg_code64), DESC_CODE64);
    cr_assert_eq(seg_descriptor(&seg_flat_data), DESC_DATA);
    seg_to_kvm(&seg_code64, &k);
    cr_assert(k.l == 1 && k.db == 0 && k.limit == 0xFFFFFFFFu);
    seg_to_kvm(&seg_flat_code32, &k);
    cr_assert(k.l == 0 && k.db == 1 && k.base == 0);
}

/* ---- real ---- */

Test(real_setup, segments_at_zero_and_flags)
{
    struct fixture f;

    fixture_init(&f, 1 << 20);
    cr_assert_eq(run_setup(&f, "real", false, 0), 0);
    cr_assert_eq(f.sregs.cs.selector, 0);
    cr_assert_eq(f.sregs.cs.base, 0);
    cr_assert_eq(f.sregs.ds.base, 0);
    cr_assert_eq(f.sregs.cs.limit, 0xFFFF);
    cr_assert_eq(f.sregs.cr0 & X86_CR0_PE, 0, "real mode has PE clear");
    cr_assert_eq(f.sregs.cr0 & X86_CR0_PG, 0);
    cr_assert_eq(f.sregs.efer, 0);
    cr_assert_eq(f.regs.rip, 0);
    cr_assert_eq(f.regs.rflags, X86_RFLAGS_RESERVED);
    cr_assert_eq(f.regs.rsp, 0, "SP 0: first push lands at 0xFFFE");
}

Test(real_setup, entry_above_64k_uses_cs)
{
    struct fixture f;

    fixture_init(&f, 1 << 20);
    cr_assert_eq(run_setup(&f, "real", false, 0x12345), 0);
    cr_assert_eq(f.sregs.cs.selector, 0x1000);
    cr_assert_eq(f.sregs.cs.base, 0x10000);
    cr_assert_eq(f.regs.rip, 0x2345);
}

Test(real_setup, entry_beyond_1m_refused)
{
    struct fixture f;

    fixture_init(&f, 2 << 20);
    cr_assert_eq(run_setup(&f, "real", false, 0x100000), -ERANGE);
}

/* ---- protected ---- */

Test(protected_setup, flat_segments_no_paging)
{
    struct fixture f;

    fixture_init(&f, 2 << 20);
    cr_assert_eq(run_setup(&f, "protected", false, 0x1000), 0);
    assert_flat_gdt(&f, DESC_CODE32);
    cr_assert_eq(f.sregs.cr0, X86_CR0_PROTECTED);
    cr_assert(f.sregs.cr0 & X86_CR0_PE);
    cr_assert_eq(f.sregs.cr0 & X86_CR0_PG, 0);
    cr_assert_eq(f.sregs.cr4, 0);
    cr_assert_eq(f.sregs.efer, 0);
    cr_assert(f.sregs.cs.db, "32-bit default operand size");
    cr_assert_eq(f.regs.rip, 0x1000);
    cr_assert_eq(f.regs.rsp, LAYOUT_STACK_TOP);
    cr_assert_eq(f.regs.rflags, X86_RFLAGS_RESERVED);
}

Test(protected_setup, memory_too_small)
{
    struct fixture f;

    fixture_init(&f, 64 << 10);
    cr_assert_eq(run_setup(&f, "protected", false, 0), -ENOSPC);
}

Test(protected_setup, stack_in_small_memory)
{
    struct fixture f;

    fixture_init(&f, 1 << 20);
    cr_assert_eq(run_setup(&f, "protected", false, 0), 0);
    cr_assert_eq(f.regs.rsp, 1 << 20, "stack top clamps to RAM");
}

/* ---- paged32 ---- */

Test(paged32_setup, pse_directory_maps_all_ram)
{
    struct fixture f;
    uint32_t big = X86_PTE_P | X86_PTE_RW | X86_PTE_PS;

    fixture_init(&f, 10 << 20); /* 10 MiB: three 4 MiB pages */
    cr_assert_eq(run_setup(&f, "paged32", false, 0), 0);
    assert_flat_gdt(&f, DESC_CODE32);
    cr_assert_eq(f.sregs.cr0, X86_CR0_PAGED);
    cr_assert_eq(f.sregs.cr0,
                 X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
                     X86_CR0_WP | X86_CR0_AM | X86_CR0_PG);
    cr_assert_eq(f.sregs.cr4, X86_CR4_PSE);
    cr_assert_eq(f.sregs.efer, 0, "no LME: 32-bit paging, not long mode");
    cr_assert_eq(f.sregs.cr3, LAYOUT_PAGING_BASE);
    cr_assert_eq(u32_at(&f, LAYOUT_PAGING_BASE + 0), 0x000000 | big);
    cr_assert_eq(u32_at(&f, LAYOUT_PAGING_BASE + 4), 0x400000 | big);
    cr_assert_eq(u32_at(&f, LAYOUT_PAGING_BASE + 8), 0x800000 | big);
    cr_assert_eq(u32_at(&f, LAYOUT_PAGING_BASE + 12), 0, "beyond RAM");
    cr_assert_eq(u32_at(&f, LAYOUT_PAGING_BASE + 4092), 0);
}

Test(paged32_setup, three_gib_fills_768_entries)
{
    struct fixture f;

    fixture_init(&f, UINT64_C(3) << 30);
    cr_assert_eq(run_setup(&f, "paged32", false, 0), 0);
    cr_assert_eq(u32_at(&f, LAYOUT_PAGING_BASE + 767 * 4),
                 (767u << 22) | X86_PTE_P | X86_PTE_RW | X86_PTE_PS);
    cr_assert_eq(u32_at(&f, LAYOUT_PAGING_BASE + 768 * 4), 0);
}

Test(paged32_setup, memory_too_small)
{
    struct fixture f;

    fixture_init(&f, 0xF1000); /* GDT fits, page directory does not */
    cr_assert_eq(run_setup(&f, "paged32", false, 0), -ENOSPC);
}

/* ---- long ---- */

#define TABLE (X86_PTE_P | X86_PTE_RW)
#define LEAF (X86_PTE_P | X86_PTE_RW | X86_PTE_PS)

Test(long_setup, four_level_identity_map)
{
    struct fixture f;

    fixture_init(&f, 8 << 20);
    cr_assert_eq(run_setup(&f, "long", false, 0x2000), 0);
    assert_flat_gdt(&f, DESC_CODE64);
    cr_assert(f.sregs.cs.l && !f.sregs.cs.db, "64-bit code: L=1, D=0");
    cr_assert_eq(f.sregs.cr0, X86_CR0_PAGED);
    cr_assert_eq(f.sregs.cr4, X86_CR4_PAE);
    cr_assert_eq(f.sregs.efer, X86_EFER_LME | X86_EFER_LMA);
    cr_assert_eq(f.sregs.cr3, LAYOUT_PAGING_BASE);
    cr_assert_eq(u64_at(&f, LAYOUT_PAGING_BASE), LAYOUT_PDPT_BASE | TABLE);
    cr_assert_eq(u64_at(&f, LAYOUT_PAGING_BASE + 8), 0);
    cr_assert_eq(u64_at(&f, LAYOUT_PDPT_BASE), LAYOUT_PD_BASE | TABLE);
    cr_assert_eq(u64_at(&f, LAYOUT_PDPT_BASE + 8), 0);
    assert_pd_8m(&f, LEAF, 0x2000);
}

Test(long_setup, gib_pages_above_the_first_gib)
{
    struct fixture f;

    fixture_init(&f, UINT64_C(5) << 30); /* 3 GiB low + 2 GiB at 4 GiB */
    cr_assert_eq(run_setup(&f, "long", true, 0), 0);
    cr_assert_eq(u64_at(&f, LAYOUT_PDPT_BASE), LAYOUT_PD_BASE | TABLE);
    cr_assert_eq(u64_at(&f, LAYOUT_PDPT_BASE + 8), (UINT64_C(1) << 30) | LEAF);
    cr_assert_eq(u64_at(&f, LAYOUT_PDPT_BASE + 16), (UINT64_C(2) << 30) | LEAF);
    cr_assert_eq(u64_at(&f, LAYOUT_PDPT_BASE + 24), 0, "the hole");
    cr_assert_eq(u64_at(&f, LAYOUT_PDPT_BASE + 32), (UINT64_C(4) << 30) | LEAF);
    cr_assert_eq(u64_at(&f, LAYOUT_PDPT_BASE + 40), (UINT64_C(5) << 30) | LEAF);
    cr_assert_eq(u64_at(&f, LAYOUT_PDPT_BASE + 48), 0);
    cr_assert_eq(mode_find("long")->high_tables(
                     &(struct mode_env){.mem = &f.mem, .gbpages = true}),
                 0, "no extra directories with 1 GiB pages");
}

Test(long_setup, no_gib_pages_directories_at_top_of_low_ram)
{
    struct fixture f;
    uint64_t low_end = LAYOUT_LOW_RAM_END;
    struct mode_env env;

    fixture_init(&f, UINT64_C(4) << 30); /* GiBs 1, 2 low; 4 high */
    cr_assert_eq(run_setup(&f, "long", false, 0), 0);
    env = (struct mode_env){.mem = &f.mem, .gbpages = false};
    cr_assert_eq(mode_find("long")->high_tables(&env), 3 * X86_PAGE_4K);
    cr_assert_eq(u64_at(&f, LAYOUT_PDPT_BASE + 8),
                 (low_end - 3 * X86_PAGE_4K) | TABLE);
    cr_assert_eq(u64_at(&f, LAYOUT_PDPT_BASE + 16),
                 (low_end - 2 * X86_PAGE_4K) | TABLE);
    cr_assert_eq(u64_at(&f, LAYOUT_PDPT_BASE + 24), 0, "the hole");
    cr_assert_eq(u64_at(&f, LAYOUT_PDPT_BASE + 32),
                 (low_end - 1 * X86_PAGE_4K) | TABLE);
    /* GiB 4's directory maps 4 GiB + i * 2 MiB. */
    cr_assert_eq(u64_at(&f, low_end - X86_PAGE_4K + 8 * 5),
                 ((UINT64_C(4) << 30) + 5 * X86_PAGE_2M) | LEAF);
}

Test(long_setup, memory_too_small)
{
    struct fixture f;

    fixture_init(&f, 0xF2000); /* PML4 fits, PDPT does not */
    cr_assert_eq(run_setup(&f, "long", false, 0), -ENOSPC);
}

/* ---- the table ---- */

Test(modes_setup, table_is_complete)
{
    cr_assert_eq(mode_count, 7);
    cr_assert_str_eq(mode_default()->name, "long");
    cr_assert_eq(mode_find_short('l'), mode_find("long"));
    cr_assert_eq(mode_find_short('s'), mode_find("protected"));
    cr_assert_eq(mode_find_short('p'), mode_find("paged32"));
    cr_assert_eq(mode_find_short('r'), mode_find("real"));
    cr_assert_eq(mode_find_short('a'), mode_find("pae"));
    cr_assert_eq(mode_find_short('c'), mode_find("compat"));
    cr_assert_eq(mode_find_short('5'), mode_find("la57"));
    for (size_t i = 0; i < mode_count; i++) {
        const struct mode *m = mode_table[i];
        cr_assert(m->n_guests >= 1 && m->guests[0].end > m->guests[0].start,
                  "%s has a non-empty default guest", m->name);
        cr_assert_str_eq(m->guests[0].name, "hello");
    }
}

/* After KVM_EXIT_SHUTDOWN on AMD, KVM resets the vCPU; the crash report
 * must recognise that state rather than blame RIP 0xFFF0. */
Test(modes_setup, reset_state_recognised)
{
    struct kvm_regs regs = {.rip = 0xFFF0};
    struct kvm_sregs sregs = {.cs = {.selector = 0xF000, .base = 0xFFFF0000}};

    cr_assert(vcpu_is_reset_state(&regs, &sregs));
    regs.rip = 0x1000;
    cr_assert(!vcpu_is_reset_state(&regs, &sregs), "a guest RIP");
    regs.rip = 0xFFF0;
    sregs.cs.base = 0xF0000;
    cr_assert(!vcpu_is_reset_state(&regs, &sregs), "real-mode CS F000");
}

/* ---- SSE and x87 (mode_fpu_setup) ---- */

#define CR4_SSE (X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

/* A setup with SSE on or off, XSAVE offered or not, starting from CR0
 * and CR4 as a guest could have left them (EM, TS, the SSE bits) rather
 * than the reset state: the setup decides every bit itself. */
static int run_setup_sse(struct fixture *f, const char *mode, bool sse,
                         bool xsave)
{
    const struct mode *m = mode_find(mode);
    struct mode_env env = {.mem = &f->mem, .sse = sse, .xsave = xsave};

    cr_assert(m, "mode %s is in the table", mode);
    f->sregs.cr0 = X86_CR0_EM | X86_CR0_TS;
    f->sregs.cr4 = X86_CR4_SSE_BITS;
    return m->setup(&env, &f->sregs, &f->regs);
}

/* With SSE on: CR0.MP set, EM and TS clear, CR4.OSFXSR|OSXMMEXCPT on top
 * of the mode's own CR4, OSXSAVE only with XSAVE; with --no-sse, today's
 * state (the mode's CR0 and CR4 exactly). */
static void assert_sse_bits(const char *mode, uint64_t cr0, uint64_t cr4)
{
    struct fixture f;

    fixture_init(&f, 8 << 20);
    cr_assert_eq(run_setup_sse(&f, mode, true, false), 0);
    cr_assert_eq(f.sregs.cr0, cr0, "%s: CR0 %#llx", mode,
                 (unsigned long long)f.sregs.cr0);
    cr_assert(f.sregs.cr0 & X86_CR0_MP, "MP: WAIT honours TS");
    cr_assert_eq(f.sregs.cr0 & (X86_CR0_EM | X86_CR0_TS), 0);
    cr_assert_eq(f.sregs.cr4, cr4 | CR4_SSE, "%s: CR4 %#llx", mode,
                 (unsigned long long)f.sregs.cr4);

    cr_assert_eq(run_setup_sse(&f, mode, true, true), 0);
    cr_assert_eq(f.sregs.cr4, cr4 | CR4_SSE | X86_CR4_OSXSAVE,
                 "%s with XSAVE: CR4 %#llx", mode,
                 (unsigned long long)f.sregs.cr4);

    cr_assert_eq(run_setup_sse(&f, mode, false, true), 0);
    cr_assert_eq(f.sregs.cr0, cr0, "--no-sse leaves CR0 as before");
    cr_assert_eq(f.sregs.cr4, cr4, "%s --no-sse: CR4 %#llx", mode,
                 (unsigned long long)f.sregs.cr4);
}

Test(protected_setup, sse_on_and_no_sse)
{
    assert_sse_bits("protected", X86_CR0_PROTECTED, 0);
}

Test(paged32_setup, sse_on_and_no_sse)
{
    assert_sse_bits("paged32", X86_CR0_PAGED, X86_CR4_PSE);
}

Test(long_setup, sse_on_and_no_sse)
{
    assert_sse_bits("long", X86_CR0_PAGED, X86_CR4_PAE);
}

/* Real mode is the same either way: x87 runs there without CR4's help. */
Test(real_setup, sse_option_changes_nothing)
{
    struct fixture on, off;

    fixture_init(&on, 1 << 20);
    fixture_init(&off, 1 << 20);
    cr_assert_eq(run_setup_sse(&on, "real", true, true), 0);
    cr_assert_eq(run_setup_sse(&off, "real", false, false), 0);
    cr_assert_eq(on.sregs.cr0, X86_CR0_ET);
    cr_assert_eq(on.sregs.cr4, 0);
    cr_assert_eq(memcmp(&on.sregs, &off.sregs, sizeof(on.sregs)), 0);
}

/* The read-back check names the SSE bits a host might drop. */
Test(modes_setup, sse_bits_named_for_the_readback)
{
    cr_assert_str_eq(vcpu_dropped_bit("CR4", X86_CR4_PAE | CR4_SSE,
                                      X86_CR4_PAE | X86_CR4_OSXMMEXCPT),
                     "CR4.OSFXSR");
    cr_assert_str_eq(vcpu_dropped_bit("CR4", CR4_SSE, X86_CR4_OSFXSR),
                     "CR4.OSXMMEXCPT");
    cr_assert_str_eq(vcpu_dropped_bit("CR4", X86_CR4_OSXSAVE, 0),
                     "CR4.OSXSAVE");
    cr_assert_str_eq(vcpu_dropped_bit("CR0", X86_CR0_MP, X86_CR0_PE),
                     "CR0.MP");
    cr_assert_null(vcpu_dropped_bit("CR4", CR4_SSE, CR4_SSE | X86_CR4_PAE));
}

/* ---- every mode against the shared expectations (mode_expect.h) ---- */

/* The same table drives tests/run/test_explain.c: what --explain reads
 * back from the vCPU must be what these setups build. */
static void assert_expected(const char *mode)
{
    const struct mode_expect *x = mode_expect_find(mode);
    const struct mode *m = mode_find(mode);
    struct fixture f;
    uint64_t low = 8 << 20;

    cr_assert(x && m, "%s has expectations and a table row", mode);
    fixture_init(&f, low);
    struct mode_env env = {.mem = &f.mem, .entry = 0, .la57 = true,
                           .nx = true};
    cr_assert_eq(m->setup(&env, &f.sregs, &f.regs), 0, "%s setup", mode);
    cr_assert_eq(f.sregs.cr0, x->cr0, "%s CR0 %#llx", mode,
                 (unsigned long long)f.sregs.cr0);
    cr_assert_eq(f.sregs.cr4, x->cr4, "%s CR4 %#llx", mode,
                 (unsigned long long)f.sregs.cr4);
    cr_assert_eq(f.sregs.efer, x->efer, "%s EFER", mode);
    cr_assert_eq(f.sregs.cr3, mode_expect_cr3(x, low), "%s CR3", mode);
    cr_assert_eq(f.sregs.cs.l, x->cs_l, "%s CS.L", mode);
    cr_assert_eq(f.sregs.cs.db, x->cs_db, "%s CS.D", mode);
    cr_assert_eq(f.sregs.idt.base, LAYOUT_IDT_BASE);
    cr_assert_eq(f.sregs.idt.limit, 256 * x->gate_size - 1, "%s IDT", mode);
    if (x->code_desc) {
        cr_assert_eq(f.sregs.gdt.limit, x->gdt_limit, "%s GDTR.limit", mode);
        cr_assert_eq(u64_at(&f, LAYOUT_GDT_BASE + GDT_CODE), x->code_desc,
                     "%s code descriptor", mode);
        cr_assert_eq(u64_at(&f, LAYOUT_GDT_BASE + GDT_DATA),
                     EXPECT_DESC_DATA);
        /* Gate 0's selector: the handlers' code segment. */
        uint64_t gate = u64_at(&f, LAYOUT_IDT_BASE);
        cr_assert_eq((gate >> 16) & 0xFFFF, x->handler_cs, "%s gate CS",
                     mode);
    }
    cr_assert_eq(f.regs.rip, 0);
}

Test(modes_setup, every_mode_as_expected)
{
    cr_assert_eq(sizeof(mode_expect_table) / sizeof(mode_expect_table[0]),
                 mode_count, "one expectation row per mode");
    for (size_t i = 0; i < mode_count; i++)
        assert_expected(mode_table[i]->name);
}

/* ---- pae ---- */

Test(pae_setup, pdpt_and_2m_pages_map_all_ram)
{
    struct fixture f;

    fixture_init(&f, 8 << 20);
    cr_assert_eq(run_setup(&f, "pae", false, 0x1000), 0);
    assert_flat_gdt(&f, DESC_CODE32);
    cr_assert_eq(f.sregs.cr0, X86_CR0_PAGED);
    cr_assert_eq(f.sregs.cr4, X86_CR4_PAE, "PAE without PSE or LA57");
    cr_assert_eq(f.sregs.efer, X86_EFER_NXE, "NXE, and no LME: not long mode");
    cr_assert_eq(f.sregs.cr3, LAYOUT_PAGING_BASE);
    cr_assert_eq(f.sregs.cr3 & ~X86_PAE_CR3_ADDR, 0, "PDPT 32-byte aligned");
    /* A PDPTE: P and the address only (RW/US are reserved there). */
    cr_assert_eq(u64_at(&f, LAYOUT_PAGING_BASE), LAYOUT_PD_BASE | X86_PTE_P);
    for (unsigned i = 1; i < X86_PAE_PDPT_ENTRIES; i++)
        cr_assert_eq(u64_at(&f, LAYOUT_PAGING_BASE + 8 * i), 0, "PDPT[%u]", i);
    assert_pd_8m(&f, LEAF, 0x1000);
}

Test(pae_setup, three_gib_uses_three_directories)
{
    struct fixture f;
    uint64_t low = LAYOUT_LOW_RAM_END;
    struct mode_env env;

    fixture_init(&f, low);
    cr_assert_eq(run_setup(&f, "pae", false, 0), 0);
    env = (struct mode_env){.mem = &f.mem};
    cr_assert_eq(mode_find("pae")->high_tables(&env), 2 * X86_PAGE_4K);
    cr_assert_eq(u64_at(&f, LAYOUT_PAGING_BASE + 8),
                 (low - 2 * X86_PAGE_4K) | X86_PTE_P);
    cr_assert_eq(u64_at(&f, LAYOUT_PAGING_BASE + 16),
                 (low - 1 * X86_PAGE_4K) | X86_PTE_P);
    cr_assert_eq(u64_at(&f, LAYOUT_PAGING_BASE + 24), 0, "the hole");
    cr_assert_eq(u64_at(&f, low - X86_PAGE_4K + 511 * 8),
                 (low - X86_PAGE_2M) | LEAF, "the last 2 MiB of RAM");
}

Test(pae_setup, high_ram_and_small_ram_refused)
{
    struct fixture f;

    fixture_init(&f, UINT64_C(4) << 30);
    cr_assert_eq(run_setup(&f, "pae", false, 0), -E2BIG);
    fixture_init(&f, 0xF1000);
    cr_assert_eq(run_setup(&f, "pae", false, 0), -ENOSPC);
}

Test(pae_setup, sse_on_and_no_sse)
{
    assert_sse_bits("pae", X86_CR0_PAGED, X86_CR4_PAE);
}

Test(pae_setup, needs_nx_in_the_guest_cpuid)
{
    const struct mode *m = mode_find("pae");

    cr_assert(m->host_lacks);
    cr_assert_null(m->host_lacks(&(struct mode_env){.nx = true}));
    cr_assert(strstr(m->host_lacks(&(struct mode_env){.nx = false}), "NX"));
}

/* ---- compat ---- */

Test(compat_setup, long_mode_tables_with_32bit_code)
{
    struct fixture f;

    fixture_init(&f, 8 << 20);
    cr_assert_eq(run_setup(&f, "compat", false, 0x1000), 0);
    cr_assert_eq(f.sregs.cr0, X86_CR0_PAGED);
    cr_assert_eq(f.sregs.cr4, X86_CR4_PAE);
    cr_assert_eq(f.sregs.efer, X86_EFER_LME | X86_EFER_LMA);
    cr_assert_eq(f.sregs.cr3, LAYOUT_PAGING_BASE);
    cr_assert(!f.sregs.cs.l && f.sregs.cs.db, "32-bit code: L=0, D=1");
    cr_assert_eq(u64_at(&f, LAYOUT_GDT_BASE + GDT_CODE), DESC_CODE32);
    /* The handlers' 64-bit code segment, after the TSS. */
    cr_assert_eq(u64_at(&f, LAYOUT_GDT_BASE + GDT_CODE64_HANDLERS),
                 DESC_CODE64);
    cr_assert_eq(f.sregs.gdt.limit, GDT_END_COMPAT - 1);
    cr_assert_eq(f.sregs.tr.selector, GDT_TSS64);
    /* The same 4-level tables as --long. */
    cr_assert_eq(u64_at(&f, LAYOUT_PAGING_BASE), LAYOUT_PDPT_BASE | TABLE);
    cr_assert_eq(u64_at(&f, LAYOUT_PDPT_BASE), LAYOUT_PD_BASE | TABLE);
    cr_assert_eq(u64_at(&f, LAYOUT_PD_BASE + 8), X86_PAGE_2M | LEAF);
    /* 16-byte gates to 0x28, #DF on IST1. */
    cr_assert_eq((u64_at(&f, LAYOUT_IDT_BASE) >> 16) & 0xFFFF,
                 GDT_CODE64_HANDLERS);
    cr_assert_eq((u64_at(&f, LAYOUT_IDT_BASE + 16 * X86_EXC_DF) >> 32) & 7, 1);
    cr_assert_eq(f.regs.rip, 0x1000);
    cr_assert_eq(f.regs.rsp, LAYOUT_STACK_TOP);
}

Test(compat_setup, sse_on_and_no_sse)
{
    assert_sse_bits("compat", X86_CR0_PAGED, X86_CR4_PAE);
}

/* ---- la57 ---- */

Test(la57_setup, pml5_over_long_mode_tables)
{
    struct fixture f;
    uint64_t low = 8 << 20, pml5 = low - X86_PAGE_4K;

    fixture_init(&f, low);
    cr_assert_eq(run_setup(&f, "la57", false, 0x2000), 0);
    assert_flat_gdt(&f, DESC_CODE64);
    cr_assert_eq(f.sregs.cr4, X86_CR4_PAE | X86_CR4_LA57);
    cr_assert_eq(f.sregs.efer, X86_EFER_LME | X86_EFER_LMA);
    cr_assert_eq(f.sregs.cr3, pml5, "the PML5: the last page of low RAM");
    cr_assert_eq(u64_at(&f, pml5), LAYOUT_PAGING_BASE | TABLE);
    cr_assert_eq(u64_at(&f, pml5 + 8), 0);
    cr_assert_eq(u64_at(&f, LAYOUT_PAGING_BASE), LAYOUT_PDPT_BASE | TABLE);
    cr_assert_eq(u64_at(&f, LAYOUT_PD_BASE + 3 * 8), 3 * X86_PAGE_2M | LEAF);
    cr_assert_eq(f.regs.rsp, LAYOUT_STACK_TOP);
}

Test(la57_setup, stack_below_the_pml5_in_small_ram)
{
    struct fixture f;

    fixture_init(&f, 2 << 20);
    cr_assert_eq(run_setup(&f, "la57", false, 0), 0);
    cr_assert_eq(f.sregs.cr3, (2 << 20) - X86_PAGE_4K);
    cr_assert_eq(f.regs.rsp, (2 << 20) - X86_PAGE_4K,
                 "the stack grows down from the PML5, not into it");
    cr_assert_eq(mode_find("la57")->high_tables(
                     &(struct mode_env){.mem = &f.mem}),
                 X86_PAGE_4K);
}

Test(la57_setup, directories_below_the_pml5)
{
    struct fixture f;
    uint64_t low = UINT64_C(2) << 30; /* GiB 1 needs a directory */

    fixture_init(&f, low);
    cr_assert_eq(run_setup(&f, "la57", false, 0), 0);
    cr_assert_eq(f.sregs.cr3, low - X86_PAGE_4K);
    cr_assert_eq(u64_at(&f, LAYOUT_PDPT_BASE + 8),
                 (low - 2 * X86_PAGE_4K) | TABLE);
}

Test(la57_setup, needs_la57_in_the_guest_cpuid)
{
    const struct mode *m = mode_find("la57");

    cr_assert(m->host_lacks);
    cr_assert_null(m->host_lacks(&(struct mode_env){.la57 = true}));
    cr_assert(strstr(m->host_lacks(&(struct mode_env){.la57 = false}),
                     "CPUID.7.0:ECX.LA57"));
}

Test(la57_setup, sse_on_and_no_sse)
{
    assert_sse_bits("la57", X86_CR0_PAGED, X86_CR4_PAE | X86_CR4_LA57);
}

/* --explain's walks (diag/explain.h) over each setup's buffer, against
 * the same expectations: here for every mode, also those this host's KVM
 * cannot run (tests/run/test_explain.c checks the real vCPU). */
struct explain_seen {
    unsigned runs;
    struct explain_run last;
    uint64_t code_desc;
};

static void seen_run(void *ctx, const struct explain_run *r)
{
    struct explain_seen *s = ctx;

    s->runs++;
    s->last = *r;
}

static void seen_seg(void *ctx, const struct explain_seg *g)
{
    struct explain_seen *s = ctx;

    if (g->selector == GDT_CODE)
        s->code_desc = g->raw;
}

Test(modes_setup, explain_walks_every_setup)
{
    for (size_t i = 0; i < mode_count; i++) {
        const char *mode = mode_table[i]->name;
        const struct mode_expect *x = mode_expect_find(mode);
        struct explain_seen seen = {0};
        struct explain_idt idt;
        struct fixture f;
        unsigned levels;
        uint64_t low = 8 << 20;

        fixture_init(&f, low);
        struct mode_env env = {.mem = &f.mem, .la57 = true, .nx = true};
        cr_assert_eq(mode_table[i]->setup(&env, &f.sregs, &f.regs), 0);
        explain_paging_form(&f.sregs, &levels);
        cr_assert_eq(levels, x->paging_levels, "%s levels", mode);
        explain_paging(&f.mem, &f.sregs, seen_run, &seen);
        if (x->paging_levels) {
            /* One run of leaves identity-maps all 8 MiB, at the depth
             * below CR3's structure that the form has its pages at. */
            cr_assert_eq(seen.runs, x->paging_levels - 1, "%s runs", mode);
            cr_assert_eq(seen.last.depth, x->paging_levels - 2, "%s", mode);
            cr_assert_eq(seen.last.page_size,
                         (uint64_t)x->leaf_size_kib << 10, "%s page", mode);
            cr_assert_eq(seen.last.linear, 0);
            cr_assert_eq(seen.last.target, 0, "%s identity map", mode);
            cr_assert_eq(seen.last.linear_end, low - 1, "%s all RAM", mode);
        } else {
            cr_assert_eq(seen.runs, 0, "%s: no paging", mode);
        }
        if (x->code_desc) {
            cr_assert(explain_gdt(&f.mem, &f.sregs, seen_seg, &seen));
            cr_assert_eq(seen.code_desc, x->code_desc, "%s code", mode);
        }
        explain_idt(&f.mem, &f.sregs, &idt);
        cr_assert_eq(idt.entry_size, x->gate_size, "%s gates", mode);
        cr_assert_eq(idt.to_stubs, 256, "%s: every vector to a stub", mode);
        if (x->handler_cs)
            cr_assert_eq(idt.selector, x->handler_cs, "%s gate CS", mode);
    }
}
