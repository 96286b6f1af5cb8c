/* test_paging.c - the host's walk of guest page tables, no /dev/kvm.
 *
 * Hand-built tables in a plain buffer for 32-bit paging (4 KiB, 4 MiB
 * and PSE-36 pages), PAE paging (4 KiB, 2 MiB, NX), 4-level paging
 * (4 KiB, 2 MiB, 1 GiB pages) and 5-level paging, with
 * not-present entries at each level, tables outside RAM, entries with
 * reserved bits set (refused as the vCPU refuses them, per the CPU facts
 * in mem.cpu; the zero default is guestmem.h's typical CPU: MAXPHYADDR
 * 48, 1 GiB pages, PSE-36, Intel), and the linear-range helpers used by
 * hypercall pointers.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>

#include "core/paging.h"
#include "core/x86.h"

#define MEM_SIZE   (UINT64_C(8) << 20) /* 8 MiB of guest RAM */
#define ROOT       UINT64_C(0x1000)    /* CR3 */
#define TABLE2     UINT64_C(0x2000)
#define TABLE3     UINT64_C(0x3000)
#define TABLE4     UINT64_C(0x4000)
#define NOT_RAM    UINT64_C(0x7FFF0000)
#define P          X86_PTE_P
#define PS         X86_PTE_PS

static struct guestmem mem;
static struct kvm_sregs sregs;

static void setup_mem(uint64_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    cr_assert(p != MAP_FAILED);
    mem = (struct guestmem){.host = p, .size = size};
    memset(&sregs, 0, sizeof(sregs));
}

static void setup(void) { setup_mem(MEM_SIZE); }
static void teardown(void) { munmap(mem.host, mem.size); }

static void put32(uint64_t gpa, uint64_t v)
{
    uint32_t x = (uint32_t)v;
    cr_assert(guestmem_write(&mem, gpa, &x, sizeof(x)) == 0);
}

static void put64(uint64_t gpa, uint64_t v)
{
    cr_assert(guestmem_write(&mem, gpa, &v, sizeof(v)) == 0);
}

static void paging32(bool pse)
{
    sregs.cr0 = X86_CR0_PAGED;
    sregs.cr3 = ROOT;
    sregs.cr4 = pse ? X86_CR4_PSE : 0;
}

static void paging64(void)
{
    sregs.cr0 = X86_CR0_PAGED;
    sregs.cr3 = ROOT;
    sregs.cr4 = X86_CR4_PAE;
    sregs.efer = X86_EFER_LME | X86_EFER_LMA;
}

static uint64_t ok(uint64_t linear, uint64_t page_size)
{
    struct paging_walk w;
    enum paging_status st = paging_translate(&mem, &sregs, linear, &w);

    cr_assert_eq(st, PAGING_OK, "0x%llx: %s", (unsigned long long)linear,
                 paging_status_text(st));
    cr_assert_eq(w.page_size, page_size, "page size 0x%llx",
                 (unsigned long long)w.page_size);
    return w.gpa;
}

static void fails(uint64_t linear, enum paging_status want, uint64_t entry)
{
    struct paging_walk w;
    enum paging_status st = paging_translate(&mem, &sregs, linear, &w);

    cr_assert_eq(st, want, "0x%llx: got %s, want %s",
                 (unsigned long long)linear, paging_status_text(st),
                 paging_status_text(want));
    if (entry)
        cr_assert_eq(w.entry_gpa, entry, "failing entry at 0x%llx",
                     (unsigned long long)w.entry_gpa);
}

TestSuite(paging, .init = setup, .fini = teardown);

Test(paging, no_paging_is_identity)
{
    sregs.cr0 = X86_CR0_PE;
    cr_assert_eq(ok(0x1234, X86_PAGE_4K), 0x1234);
    /* Beyond RAM still translates; the RAM check is the caller's. */
    cr_assert_eq(ok(0xC0000000, X86_PAGE_4K), 0xC0000000);
}

Test(paging, p32_4k_pages)
{
    paging32(true);
    put32(ROOT + 0 * 4, TABLE2 | P);
    put32(TABLE2 + 5 * 4, 0x7000 | P);
    cr_assert_eq(ok(0x5ABC, X86_PAGE_4K), 0x7ABC);
    fails(0x6000, PAGING_NOT_PRESENT, TABLE2 + 6 * 4); /* PTE P = 0 */
    fails(0x400000, PAGING_NOT_PRESENT, ROOT + 1 * 4); /* PDE P = 0 */
}

Test(paging, p32_4m_pages_and_pse36)
{
    paging32(true);
    put32(ROOT + 768 * 4, 0x400000 | P | PS);
    cr_assert_eq(ok(0xC0012345, X86_PAGE_4M), 0x412345);
    /* PSE-36: PDE bits 20:13 are physical address bits 39:32. */
    put32(ROOT + 769 * 4, 0x800000 | (UINT64_C(0x3) << 13) | P | PS);
    cr_assert_eq(ok(0xC0400010, X86_PAGE_4M), UINT64_C(0x300800010));
}

Test(paging, p32_ps_ignored_without_cr4_pse)
{
    paging32(false);
    /* Without CR4.PSE the PDE points at a page table even with PS set. */
    put32(ROOT, TABLE2 | P | PS);
    put32(TABLE2 + 1 * 4, 0x9000 | P);
    cr_assert_eq(ok(0x1004, X86_PAGE_4K), 0x9004);
}

Test(paging, p32_tables_outside_ram)
{
    paging32(true);
    put32(ROOT, NOT_RAM | P);
    fails(0x10, PAGING_TABLE_NOT_RAM, NOT_RAM);
    sregs.cr3 = NOT_RAM;
    fails(0x10, PAGING_TABLE_NOT_RAM, NOT_RAM);
}

/* PAE paging (SDM 4.4): PDPT at CR3 (32-byte aligned, 4 entries) ->
 * PD -> 2 MiB page or PT -> 4 KiB page, 8-byte entries. */
static void build_pae(void)
{
    sregs.cr0 = X86_CR0_PAGED;
    sregs.cr3 = ROOT + 0x20; /* bits 31:5: the PDPT need not be page-aligned */
    sregs.cr4 = X86_CR4_PAE;
    put64(ROOT + 0x20 + 1 * 8, TABLE2 | P); /* PDPT[1]: 1..2 GiB */
}

Test(paging, pae_2m_and_4k_pages)
{
    build_pae();
    put64(TABLE2 + 3 * 8, 0x600000 | P | PS);
    cr_assert_eq(ok(0x40612345, X86_PAGE_2M), 0x612345);
    put64(TABLE2 + 4 * 8, TABLE3 | P);
    put64(TABLE3 + 5 * 8, 0x7000 | P);
    cr_assert_eq(ok(0x40805123, X86_PAGE_4K), 0x7123);
    fails(0x10, PAGING_NOT_PRESENT, ROOT + 0x20);   /* PDPT[0] */
    fails(0x40A00000, PAGING_NOT_PRESENT, TABLE2 + 5 * 8);
    fails(0x40806000, PAGING_NOT_PRESENT, TABLE3 + 6 * 8);
    fails(UINT64_C(0x100000000), PAGING_NONCANONICAL, 0);
}

/* NX: bit 63 is the XD bit with EFER.NXE, reserved without; a PDPTE has
 * no XD bit at all, and RW there is reserved (SDM table 4-8). */
Test(paging, pae_reserved_bits)
{
    build_pae();
    put64(TABLE2, 0x200000 | P | PS | X86_PTE_XD);
    fails(0x40000000, PAGING_RESERVED_PDE, TABLE2);
    sregs.efer = X86_EFER_NXE;
    cr_assert_eq(ok(0x40000010, X86_PAGE_2M), 0x200010);
    put64(TABLE2, 0x200000 | P | PS | X86_BIT(13)); /* 2 MiB: 20:13 */
    fails(0x40000000, PAGING_RESERVED_PDE, TABLE2);
    put64(TABLE2, 0x200000 | P | PS | (UINT64_C(1) << 50)); /* > M = 48 */
    fails(0x40000000, PAGING_RESERVED_PDE, TABLE2);
    put64(TABLE2, TABLE3 | P);
    put64(TABLE3, 0x5000 | P | X86_PTE_XD); /* NXE: fine in a PTE */
    cr_assert_eq(ok(0x40000004, X86_PAGE_4K), 0x5004);
    put64(ROOT + 0x28, TABLE2 | P | X86_PTE_RW);
    fails(0x40000000, PAGING_RESERVED_PDPTE, ROOT + 0x28);
    put64(ROOT + 0x28, TABLE2 | P | X86_PTE_XD);
    fails(0x40000000, PAGING_RESERVED_PDPTE, ROOT + 0x28);
    put64(ROOT + 0x28, TABLE2 | P | X86_BIT(3) | X86_BIT(4)); /* PWT, PCD */
    cr_assert_eq(ok(0x40000004, X86_PAGE_4K), 0x5004);
    /* AMD walks the PDPT like any table and sets its accessed bit. */
    put64(ROOT + 0x28, TABLE2 | P | X86_PTE_A);
    fails(0x40000000, PAGING_RESERVED_PDPTE, ROOT + 0x28);
    mem.cpu.amd = true;
    cr_assert_eq(ok(0x40000004, X86_PAGE_4K), 0x5004);
    put64(ROOT + 0x28, TABLE2 | P | X86_PTE_XD);
    fails(0x40000000, PAGING_RESERVED_PDPTE, ROOT + 0x28);
}

Test(paging, pae_tables_outside_ram)
{
    build_pae();
    put64(ROOT + 0x28, NOT_RAM | P);
    fails(0x40000000, PAGING_TABLE_NOT_RAM, NOT_RAM);
}

/* 4-level: PML4[0] -> PDPT at TABLE2; PDPT[0] -> PD at TABLE3. */
static void build64(void)
{
    paging64();
    put64(ROOT, TABLE2 | P);
    put64(TABLE2, TABLE3 | P);
}

Test(paging, l4_4k_pages)
{
    build64();
    sregs.efer |= X86_EFER_NXE; /* else XD is a reserved bit */
    put64(TABLE3, TABLE4 | P);
    put64(TABLE4 + 3 * 8, 0x5000 | P | X86_PTE_XD); /* NX stays out */
    cr_assert_eq(ok(0x3123, X86_PAGE_4K), 0x5123);
    fails(0x4000, PAGING_NOT_PRESENT, TABLE4 + 4 * 8);
}

Test(paging, l4_2m_pages)
{
    build64();
    /* A 2 MiB entry with the PAT bit (12) set: not part of the address. */
    put64(TABLE3 + 1 * 8, 0x600000 | X86_BIT(12) | P | PS);
    cr_assert_eq(ok(0x212345, X86_PAGE_2M), 0x612345);
    fails(0x400000, PAGING_NOT_PRESENT, TABLE3 + 2 * 8);
}

Test(paging, l4_1g_pages)
{
    build64();
    mem.cpu.no_gbpages = false; /* the default: 1 GiB pages */
    put64(TABLE2 + 3 * 8, UINT64_C(0x140000000) | P | PS);
    cr_assert_eq(ok(0xC0000400, X86_PAGE_1G), UINT64_C(0x140000400));
    fails(0x80000000, PAGING_NOT_PRESENT, TABLE2 + 2 * 8);
}

Test(paging, l4_not_present_pml4_and_noncanonical)
{
    build64();
    fails(UINT64_C(1) << 39, PAGING_NOT_PRESENT, ROOT + 1 * 8);
    fails(UINT64_C(0x0000800000000000), PAGING_NONCANONICAL, 0);
    /* The top half is canonical: PML4[511], not present. */
    fails(UINT64_C(0xFFFFFF8000000000), PAGING_NOT_PRESENT, ROOT + 511 * 8);
}

Test(paging, l4_tables_outside_ram)
{
    build64();
    put64(TABLE3, NOT_RAM | P);
    fails(0x10, PAGING_TABLE_NOT_RAM, NOT_RAM);
}

/* 5-level paging (CR4.LA57): PML5 at CR3 -> the PML4 of build64(). */
Test(paging, l5_pml5_over_four_levels)
{
    const uint64_t pml5 = UINT64_C(0x5000);

    build64();
    sregs.cr4 |= X86_CR4_LA57;
    sregs.cr3 = pml5;
    put64(pml5, ROOT | P);
    put64(TABLE3 + 1 * 8, 0x600000 | P | PS);
    cr_assert_eq(ok(0x212345, X86_PAGE_2M), 0x612345);
    /* Bit 48 selects PML5[1]: canonical now, not present. */
    fails(UINT64_C(1) << 48, PAGING_NOT_PRESENT, pml5 + 8);
    /* Canonical means bits 63:56 copy bit 56. */
    fails(UINT64_C(1) << 56, PAGING_NONCANONICAL, 0);
    fails(UINT64_C(0xFF00000000000000), PAGING_NOT_PRESENT, pml5 + 256 * 8);
    put64(pml5, ROOT | P | PS); /* a PML5E never maps a page */
    fails(0x10, PAGING_RESERVED_PML5E, pml5);
    put64(pml5, NOT_RAM | P);
    fails(0x10, PAGING_TABLE_NOT_RAM, NOT_RAM);
}

/* Reserved bits (SDM 4.5 tables 4-15 to 4-20, 4.7): the walk stops at
 * the first entry with one set, as the vCPU raises #PF with RSVD there. */

/* The case: a guest CPUID without 1 GiB pages (as KVM gives here)
 * makes PS in a PDPTE reserved; the guest's own access triple-faults, so
 * the host must not translate through it either. */
Test(paging, l4_1g_page_needs_gbpages)
{
    char buf[16];
    struct paging_fault f;
    size_t len;

    build64();
    put64(TABLE2 + 1 * 8, 0 | P | PS); /* linear 1 GiB -> physical 0 */
    memcpy(mem.host + 0x400, "hi", 3);
    cr_assert_eq(ok(0x40000400, X86_PAGE_1G), 0x400, "default: accepted");
    mem.cpu.no_gbpages = true;
    fails(0x40000400, PAGING_RESERVED_PDPTE, TABLE2 + 1 * 8);
    cr_assert(paging_read_str(&mem, &sregs, 0x40000400, buf, sizeof(buf) - 1,
                              &len, &f) < 0);
    cr_assert_eq(f.status, PAGING_RESERVED_PDPTE);
    cr_assert_eq(f.linear, 0x40000400);
    /* A PDPTE naming a page directory is still fine without them. */
    put64(TABLE3, 0x200000 | P | PS);
    cr_assert_eq(ok(0x1234, X86_PAGE_2M), 0x201234);
}

Test(paging, l4_large_page_reserved_bits)
{
    build64();
    /* 1 GiB page: bits 29:13 reserved; bit 12 is PAT, not address. */
    put64(TABLE2 + 1 * 8, UINT64_C(0x40000000) | X86_BIT(12) | P | PS);
    cr_assert_eq(ok(0x40000010, X86_PAGE_1G), 0x40000010);
    for (unsigned bit = 13; bit <= 29; bit++) {
        put64(TABLE2 + 1 * 8, UINT64_C(0x40000000) | X86_BIT(bit) | P | PS);
        fails(0x40000010, PAGING_RESERVED_PDPTE, TABLE2 + 1 * 8);
    }
    /* 2 MiB page: bits 20:13 reserved. */
    put64(TABLE3 + 1 * 8, 0x600000 | X86_BIT(12) | P | PS);
    cr_assert_eq(ok(0x200010, X86_PAGE_2M), 0x600010);
    for (unsigned bit = 13; bit <= 20; bit++) {
        put64(TABLE3 + 1 * 8, 0x600000 | X86_BIT(bit) | P | PS);
        fails(0x200010, PAGING_RESERVED_PDE, TABLE3 + 1 * 8);
    }
}

Test(paging, l4_pml4e_ps_reserved)
{
    build64();
    put64(TABLE3, 0 | P | PS);
    cr_assert_eq(ok(0x10, X86_PAGE_2M), 0x10);
    put64(ROOT, TABLE2 | P | PS); /* a PML4E never maps a page */
    fails(0x10, PAGING_RESERVED_PML4E, ROOT);
}

/* AMD reserves bit 8 of a PML4E (Intel ignores it); only there. */
Test(paging, l4_amd_pml4e_bit8)
{
    build64();
    put64(ROOT, TABLE2 | X86_PTE_G | P);
    put64(TABLE2, TABLE3 | X86_PTE_G | P);
    put64(TABLE3, 0 | X86_PTE_G | P | PS);
    cr_assert_eq(ok(0x10, X86_PAGE_2M), 0x10, "Intel: ignored");
    mem.cpu.amd = true;
    fails(0x10, PAGING_RESERVED_PML4E, ROOT);
    put64(ROOT, TABLE2 | P);
    cr_assert_eq(ok(0x10, X86_PAGE_2M), 0x10, "AMD: not in a PDPTE or PDE");
}

/* Bits MAXPHYADDR..51 of every entry are reserved. */
Test(paging, l4_above_maxphyaddr)
{
    build64();
    put64(TABLE3, TABLE4 | P);
    put64(TABLE4, 0x5000 | P);
    cr_assert_eq(ok(0x10, X86_PAGE_4K), 0x5010);

    mem.cpu.maxphyaddr = 36;
    /* Bit 35 is an address bit, bit 36 is not. */
    put64(TABLE4 + 1 * 8, (UINT64_C(1) << 35) | P);
    cr_assert_eq(ok(0x1010, X86_PAGE_4K), (UINT64_C(1) << 35) | 0x10);
    put64(TABLE4 + 1 * 8, (UINT64_C(1) << 36) | P);
    fails(0x1010, PAGING_RESERVED_PTE, TABLE4 + 1 * 8);
    put64(TABLE4 + 1 * 8, X86_BIT(51) | P);
    fails(0x1010, PAGING_RESERVED_PTE, TABLE4 + 1 * 8);
    /* At each level, for tables and pages alike. */
    put64(TABLE3 + 1 * 8, (UINT64_C(1) << 40) | P | PS);
    fails(0x200000, PAGING_RESERVED_PDE, TABLE3 + 1 * 8);
    put64(TABLE3, TABLE4 | (UINT64_C(1) << 36) | P);
    fails(0x10, PAGING_RESERVED_PDE, TABLE3);
    put64(TABLE2, TABLE3 | (UINT64_C(1) << 36) | P);
    fails(0x10, PAGING_RESERVED_PDPTE, TABLE2);
    put64(ROOT, TABLE2 | (UINT64_C(1) << 36) | P);
    fails(0x10, PAGING_RESERVED_PML4E, ROOT);
    put64(TABLE2 + 1 * 8, (UINT64_C(1) << 36) | P | PS);
    put64(ROOT, TABLE2 | P);
    fails(0x40000000, PAGING_RESERVED_PDPTE, TABLE2 + 1 * 8);
    put64(TABLE2, TABLE3 | P);
    put64(TABLE3, TABLE4 | P);

    /* The default is 48: bit 47 is an address bit, bit 48 is not. */
    mem.cpu.maxphyaddr = 0;
    put64(TABLE4 + 1 * 8, X86_BIT(47) | P);
    cr_assert_eq(ok(0x1010, X86_PAGE_4K), X86_BIT(47) | 0x10);
    put64(TABLE4 + 1 * 8, X86_BIT(48) | P);
    fails(0x1010, PAGING_RESERVED_PTE, TABLE4 + 1 * 8);
    /* 52, the most there is: no address bit is reserved. */
    mem.cpu.maxphyaddr = 52;
    put64(TABLE4 + 1 * 8, X86_BIT(51) | P);
    cr_assert_eq(ok(0x1010, X86_PAGE_4K), X86_BIT(51) | 0x10);
    /* Bits 62:52 are ignored, never address bits nor reserved. */
    put64(TABLE4 + 1 * 8, 0x7000 | (UINT64_C(0x7FF) << 52) | P);
    cr_assert_eq(ok(0x1010, X86_PAGE_4K), 0x7010);
}

/* XD (bit 63) is reserved in every entry unless EFER.NXE is set. */
Test(paging, l4_xd_needs_nxe)
{
    static const struct {
        uint64_t gpa, entry;
        enum paging_status st;
    } at[] = {
        {ROOT, TABLE2 | P, PAGING_RESERVED_PML4E},
        {TABLE2, TABLE3 | P, PAGING_RESERVED_PDPTE},
        {TABLE3, TABLE4 | P, PAGING_RESERVED_PDE},
        {TABLE4, 0x5000 | P, PAGING_RESERVED_PTE},
    };

    build64();
    put64(TABLE3, TABLE4 | P);
    put64(TABLE4, 0x5000 | P);
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        put64(at[i].gpa, at[i].entry | X86_PTE_XD);
        sregs.efer = X86_EFER_LME | X86_EFER_LMA;
        fails(0x10, at[i].st, at[i].gpa);
        sregs.efer |= X86_EFER_NXE;
        cr_assert_eq(ok(0x10, X86_PAGE_4K), 0x5010);
        put64(at[i].gpa, at[i].entry);
    }
    /* Large pages too. */
    put64(TABLE3 + 1 * 8, 0x600000 | X86_PTE_XD | P | PS);
    cr_assert_eq(ok(0x200010, X86_PAGE_2M), 0x600010);
    sregs.efer &= ~X86_EFER_NXE;
    fails(0x200010, PAGING_RESERVED_PDE, TABLE3 + 1 * 8);
}

/* P = 0 comes first: a not-present entry's other bits mean nothing. */
Test(paging, not_present_before_reserved)
{
    build64();
    put64(TABLE3, (UINT64_C(0xFFF) << 48) | PS | X86_BIT(15));
    fails(0x10, PAGING_NOT_PRESENT, TABLE3);
    paging32(true);
    put32(ROOT, 0xFFFFFFFF & ~P);
    fails(0x10, PAGING_NOT_PRESENT, ROOT);
}

/* A 4 MiB PDE (SDM table 4-4): bits (M-20):13 are address bits (M-1):32
 * and bits 21:(M-19) reserved, M = min(MAXPHYADDR, 40) with PSE-36, 32
 * without. */
Test(paging, p32_4m_reserved_bits)
{
    paging32(true);
    /* Default CPU: M = 40, so bits 20:13 are address bits 39:32. */
    put32(ROOT, 0x400000 | (UINT64_C(0xFF) << 13) | X86_BIT(12) | P | PS);
    cr_assert_eq(ok(0x10, X86_PAGE_4M), UINT64_C(0xFF00400010));
    put32(ROOT, 0x400000 | X86_BIT(21) | P | PS);
    fails(0x10, PAGING_RESERVED_PDE, ROOT);

    /* MAXPHYADDR 36: bits 16:13 address bits 35:32, 21:17 reserved. */
    mem.cpu.maxphyaddr = 36;
    put32(ROOT, 0x400000 | (UINT64_C(0xF) << 13) | P | PS);
    cr_assert_eq(ok(0x10, X86_PAGE_4M), UINT64_C(0xF00400010));
    for (unsigned bit = 17; bit <= 21; bit++) {
        put32(ROOT, 0x400000 | X86_BIT(bit) | P | PS);
        fails(0x10, PAGING_RESERVED_PDE, ROOT);
    }

    /* Without PSE-36 all of 21:13 is reserved: 4 MiB pages below 4 GiB. */
    mem.cpu.maxphyaddr = 0;
    mem.cpu.no_pse36 = true;
    put32(ROOT, 0x400000 | X86_BIT(12) | P | PS);
    cr_assert_eq(ok(0x10, X86_PAGE_4M), 0x400010);
    for (unsigned bit = 13; bit <= 21; bit++) {
        put32(ROOT, 0x400000 | X86_BIT(bit) | P | PS);
        fails(0x10, PAGING_RESERVED_PDE, ROOT);
    }
}

/* 32-bit paging has no other reserved bits: a PDE naming a table and a
 * 4 KiB PTE use all of bits 31:12, and without CR4.PSE the PS bit is
 * ignored, so a "4 MiB PDE" with bit 21 set names a page table. */
Test(paging, p32_no_reserved_bits_elsewhere)
{
    paging32(true);
    mem.cpu.no_pse36 = true;
    put32(ROOT, TABLE2 | P);
    put32(TABLE2, 0xFFFFF000 | P);
    cr_assert_eq(ok(0x10, X86_PAGE_4K), 0xFFFFF010);
    paging32(false);
    put32(ROOT, 0x200000 | P | PS);
    put32(0x200000, 0x5000 | P);
    cr_assert_eq(ok(0x10, X86_PAGE_4K), 0x5010);
}

Test(paging, reserved_status_text)
{
    cr_assert_str_eq(paging_status_text(PAGING_RESERVED_PML4E),
                     "not mapped (reserved bit set in the PML4E)");
    cr_assert_str_eq(paging_status_text(PAGING_RESERVED_PDPTE),
                     "not mapped (reserved bit set in the PDPTE)");
    cr_assert_str_eq(paging_status_text(PAGING_RESERVED_PDE),
                     "not mapped (reserved bit set in the PDE)");
    cr_assert_str_eq(paging_status_text(PAGING_RESERVED_PTE),
                     "not mapped (reserved bit set in the PTE)");
}

/* A write through a reserved entry writes nothing. */
Test(paging, write_refused_by_reserved_bit)
{
    uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct paging_fault f;

    build64();
    put64(TABLE3, 0 | X86_BIT(14) | P | PS);
    cr_assert(paging_write(&mem, &sregs, 0x6000, data, sizeof(data), &f) < 0);
    cr_assert_eq(f.status, PAGING_RESERVED_PDE);
    cr_assert_eq(mem.host[0x6000], 0, "nothing written");
}

/* Linear ranges: pages 0x10000 and 0x11000 map to 0x30000 and 0x20000,
 * the next page is not present. */
static void build_split(void)
{
    build64();
    put64(TABLE3, TABLE4 | P);
    put64(TABLE4 + 0x10 * 8, 0x30000 | P);
    put64(TABLE4 + 0x11 * 8, 0x20000 | P);
}

Test(paging, read_str_across_pages)
{
    char buf[4097];
    struct paging_fault f;
    size_t len;

    build_split();
    memcpy(mem.host + 0x30FFC, "abcd", 4); /* last 4 bytes of page one */
    memcpy(mem.host + 0x20000, "efg", 4);  /* page two, with its NUL */
    cr_assert(paging_read_str(&mem, &sregs, 0x10FFC, buf, 4096, &len, &f) ==
              0);
    cr_assert_str_eq(buf, "abcdefg");
    cr_assert_eq(len, 7);
}

Test(paging, read_str_limit)
{
    char buf[4097];
    struct paging_fault f;
    size_t len;

    sregs.cr0 = X86_CR0_PE;
    memset(mem.host + 0x10000, 'x', 4096);
    mem.host[0x11000] = '\0'; /* exactly 4096 bytes before the NUL */
    cr_assert(paging_read_str(&mem, &sregs, 0x10000, buf, 4096, &len, &f) ==
              0);
    cr_assert_eq(len, 4096);
    mem.host[0x11000] = 'x'; /* one more: unterminated */
    cr_assert(paging_read_str(&mem, &sregs, 0x10000, buf, 4096, &len, &f) <
              0);
    cr_assert_eq(f.status, PAGING_UNTERMINATED);
}

Test(paging, read_str_end_of_ram_and_unmapped)
{
    char buf[4097];
    struct paging_fault f;
    size_t len;

    sregs.cr0 = X86_CR0_PE;
    memset(mem.host + MEM_SIZE - 16, 'A', 16);
    cr_assert(paging_read_str(&mem, &sregs, MEM_SIZE - 16, buf, 4096, &len,
                              &f) < 0);
    cr_assert_eq(f.status, PAGING_NOT_RAM);
    cr_assert_eq(f.linear, MEM_SIZE);

    build_split();
    memset(mem.host + 0x20000, 'B', 4096);
    cr_assert(paging_read_str(&mem, &sregs, 0x11000, buf, 4096, &len, &f) <
              0);
    cr_assert_eq(f.status, PAGING_NOT_PRESENT);
    cr_assert_eq(f.linear, 0x12000);
}

Test(paging, read_str_unaligned_ram_end)
{
    char buf[4097];
    struct paging_fault f;
    size_t len;

    sregs.cr0 = X86_CR0_PE;
    mem.size = MEM_SIZE - 10; /* RAM ends mid-page */
    memset(mem.host + MEM_SIZE - 30, 'C', 19);
    mem.host[MEM_SIZE - 11] = '\0'; /* the last RAM byte */
    cr_assert(paging_read_str(&mem, &sregs, MEM_SIZE - 30, buf, 4096, &len,
                              &f) == 0);
    cr_assert_eq(len, 19);
    mem.size = MEM_SIZE;
}

Test(paging, read_str_wraps)
{
    char buf[4097];
    struct paging_fault f;
    size_t len;

    paging32(true);
    put32(ROOT + 1023 * 4, 0 | P | PS); /* top 4 MiB -> physical 0 */
    memset(mem.host + 0x3FFFF0, 'W', 16);
    cr_assert(paging_read_str(&mem, &sregs, 0xFFFFFFF0, buf, 4096, &len,
                              &f) < 0);
    cr_assert_eq(f.status, PAGING_WRAPS);
}

Test(paging, write_all_or_nothing)
{
    uint8_t data[64];
    struct paging_fault f;

    memset(data, 0x5A, sizeof(data));
    build_split();
    /* 32 bytes fit in page two, the rest would land in the absent page. */
    cr_assert(paging_write(&mem, &sregs, 0x11FE0, data, sizeof(data), &f) <
              0);
    cr_assert_eq(f.status, PAGING_NOT_PRESENT);
    cr_assert_eq(f.linear, 0x12000);
    cr_assert_eq(mem.host[0x20FE0], 0, "nothing written");
    /* Across the two mapped pages: both halves land where they map. */
    cr_assert(paging_write(&mem, &sregs, 0x10FE0, data, sizeof(data), &f) ==
              0);
    cr_assert_eq(mem.host[0x30FE0], 0x5A);
    cr_assert_eq(mem.host[0x2001F], 0x5A);
    cr_assert_eq(mem.host[0x20020], 0);
    /* A range past 4 GiB is refused before any walk. */
    cr_assert(paging_write(&mem, &sregs, 0xFFFFFFF0, data, sizeof(data), &f) <
              0);
    cr_assert_eq(f.status, PAGING_WRAPS);
}

/* A buffer that overlaps the guest's own page table: its first half
 * rewrites the entry that maps its second half. Every page is translated
 * before the first byte is copied, so the second half still lands where
 * the tables said at the time of the call (found by fuzz/fuzz_paging.c:
 * the write used to stop half done, breaking "all or nothing"). */
Test(paging, write_over_own_page_table)
{
    uint8_t data[64];
    struct paging_fault f;
    uint32_t pte;

    memset(data, 0x5A, sizeof(data));
    paging32(false);
    put32(ROOT, TABLE2 | P);
    put32(TABLE2 + 0x3FE * 4, TABLE2 | P);  /* linear 0x3FE000: the PT */
    put32(TABLE2 + 0x3FF * 4, 0x30000 | P); /* linear 0x3FF000 */
    cr_assert(paging_write(&mem, &sregs, 0x3FEFE0, data, sizeof(data), &f) ==
              0, "status %d", f.status);
    memcpy(&pte, mem.host + TABLE2 + 0x3FF * 4, sizeof(pte));
    cr_assert_eq(pte, 0x5A5A5A5A, "the entry was overwritten");
    cr_assert_eq(mem.host[0x30000], 0x5A, "second half at the old mapping");
    cr_assert_eq(mem.host[0x3001F], 0x5A);
    cr_assert_eq(mem.host[0x30020], 0);
}

Test(paging, write_longer_than_max)
{
    static uint8_t data[PAGING_WRITE_MAX + 1];
    struct paging_fault f;

    sregs.cr0 = X86_CR0_PE;
    cr_assert(paging_write(&mem, &sregs, 0x1000, data, sizeof(data), &f) < 0);
    cr_assert_eq(f.status, PAGING_TOO_LONG);
    cr_assert(paging_write(&mem, &sregs, 0x1000, data, PAGING_WRITE_MAX, &f) ==
              0);
}
