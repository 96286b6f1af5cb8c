/* test_paging.c - the host's walk of guest page tables, no /dev/kvm.
 *
 * Hand-built tables in a plain buffer for 32-bit paging (4 KiB, 4 MiB
 * and PSE-36 pages) and 4-level paging (4 KiB, 2 MiB, 1 GiB pages), with
 * not-present entries at each level, tables outside RAM, and the
 * linear-range helpers used by hypercall pointers.
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

Test(paging, p32_pae_unsupported)
{
    paging32(true);
    sregs.cr4 |= X86_CR4_PAE;
    fails(0x10, PAGING_UNSUPPORTED, 0);
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
    put64(TABLE3, TABLE4 | P);
    put64(TABLE4 + 3 * 8, 0x5000 | P | X86_BIT(63)); /* NX stays out */
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

Test(paging, l4_tables_outside_ram_and_la57)
{
    build64();
    put64(TABLE3, NOT_RAM | P);
    fails(0x10, PAGING_TABLE_NOT_RAM, NOT_RAM);
    sregs.cr4 |= X86_CR4_LA57;
    fails(0x10, PAGING_UNSUPPORTED, 0);
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
