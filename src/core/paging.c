/* paging.c - host-side page walk of the guest's 32-bit, PAE, 4-level
 * and 5-level tables (SDM vol. 3A, 4.3 to 4.5). */
#include "core/paging.h"

#include <assert.h>
#include <string.h>

#include "core/x86.h"

#define LINEAR32_END (UINT64_C(1) << 32) /* hypercall pointers are 32-bit */

/* Read one entry of `width` bytes once; its value is ours from here on. */
static enum paging_status read_entry(const struct guestmem *mem, uint64_t gpa,
                                     unsigned width, uint64_t *entry,
                                     struct paging_walk *walk)
{
    walk->entry_gpa = gpa;
    if (guestmem_read_uint(mem, gpa, width, entry) < 0)
        return PAGING_TABLE_NOT_RAM;
    return (*entry & X86_PTE_P) ? PAGING_OK : PAGING_NOT_PRESENT;
}

/* The CPU's MAXPHYADDR, the default for 0 (guestmem.h), within 32..52. */
static unsigned maxphyaddr(const struct paging_cpu *cpu)
{
    unsigned m = cpu->maxphyaddr ? cpu->maxphyaddr
                                 : PAGING_CPU_DEFAULT_MAXPHYADDR;

    if (m < X86_MAXPHYADDR_MIN)
        return X86_MAXPHYADDR_MIN;
    return m > X86_MAXPHYADDR_MAX ? X86_MAXPHYADDR_MAX : m;
}

/* Bits lo..hi set (lo <= hi <= 63); none when lo > hi. */
static uint64_t bits(unsigned lo, unsigned hi)
{
    if (lo > hi)
        return 0;
    return (UINT64_MAX >> (63 - hi)) & (UINT64_MAX << lo);
}

/* Reserved in every 8-byte entry (PAE, 4- and 5-level): address bits the
 * CPU lacks, and XD without EFER.NXE. */
static uint64_t any_reserved64(const struct paging_cpu *cpu,
                               const struct kvm_sregs *sregs)
{
    return bits(maxphyaddr(cpu), X86_PTE64_ADDR_TOP_BIT) |
           ((sregs->efer & X86_EFER_NXE) ? 0 : X86_PTE_XD);
}

static enum paging_status leaf(struct paging_walk *walk, uint64_t base,
                               uint64_t size, uint64_t linear)
{
    walk->gpa = (base & ~(size - 1)) | (linear & (size - 1));
    walk->page_size = size;
    return PAGING_OK;
}

/* 32-bit paging: PD -> (4 MiB page | PT -> 4 KiB page). SDM 4.3. */
static enum paging_status walk32(const struct guestmem *mem,
                                 const struct kvm_sregs *sregs,
                                 uint32_t linear, struct paging_walk *walk)
{
    const unsigned width = sizeof(uint32_t);
    uint64_t pde, pte;
    enum paging_status st;

    st = read_entry(mem,
                    (sregs->cr3 & X86_PDE32_TABLE_ADDR) +
                        (linear >> X86_PD32_SHIFT) * width,
                    width, &pde, walk);
    if (st != PAGING_OK)
        return st;
    if ((pde & X86_PTE_PS) && (sregs->cr4 & X86_CR4_PSE)) {
        /* PSE-36 (SDM table 4-4): M address bits, at most 40. */
        unsigned m = mem->cpu.no_pse36 ? X86_MAXPHYADDR_MIN
                                       : maxphyaddr(&mem->cpu);
        if (m > X86_PSE36_MAXPHYADDR_MAX)
            m = X86_PSE36_MAXPHYADDR_MAX;
        if (pde & bits(m - X86_PDE32_4M_HIGH_POS + X86_PDE32_4M_HIGH_SHIFT,
                       X86_PDE32_4M_RESERVED_TOP_BIT))
            return PAGING_RESERVED_PDE;
        /* Bits above the address bits are 0 now. */
        uint64_t base = (pde & X86_PDE32_4M_ADDR) |
                        ((pde >> X86_PDE32_4M_HIGH_SHIFT) &
                         X86_PDE32_4M_HIGH_MASK)
                            << X86_PDE32_4M_HIGH_POS;
        return leaf(walk, base, X86_PAGE_4M, linear);
    }
    st = read_entry(mem,
                    (pde & X86_PDE32_TABLE_ADDR) +
                        ((linear >> X86_PAGE_SHIFT) & X86_PT32_INDEX_MASK) *
                            width,
                    width, &pte, walk);
    if (st != PAGING_OK)
        return st;
    return leaf(walk, pte & X86_PDE32_TABLE_ADDR, X86_PAGE_4K, linear);
}

/* 4-level paging: PML4 -> PDPT -> (1 GiB | PD -> (2 MiB | PT)), and
 * with CR4.LA57 5-level paging, a PML5 above the PML4. SDM 4.5, reserved
 * bits per table 4-15 to 4-20 and 4.7. */
static enum paging_status walk64(const struct guestmem *mem,
                                 const struct kvm_sregs *sregs,
                                 uint64_t linear, struct paging_walk *walk)
{
    static const unsigned shifts[] = {X86_PML5_SHIFT, X86_PML4_SHIFT,
                                      X86_PDPT_SHIFT, X86_PD64_SHIFT,
                                      X86_PT64_SHIFT};
    static const uint64_t large[] = {0, 0, X86_PAGE_1G, X86_PAGE_2M, 0};
    static const uint64_t large_reserved[] = {0, 0, X86_PDPTE_1G_RESERVED,
                                              X86_PDE_2M_RESERVED, 0};
    static const enum paging_status reserved[] = {
        PAGING_RESERVED_PML5E, PAGING_RESERVED_PML4E, PAGING_RESERVED_PDPTE,
        PAGING_RESERVED_PDE, PAGING_RESERVED_PTE};
    const unsigned width = sizeof(uint64_t);
    const struct paging_cpu *cpu = &mem->cpu;
    bool la57 = sregs->cr4 & X86_CR4_LA57;
    uint64_t table = sregs->cr3 & X86_PTE64_ADDR;
    uint64_t any_reserved = any_reserved64(cpu, sregs);
    /* Sign-extension of bit 47 (bit 56 with LA57): the bits above are
     * all 0 or all 1. */
    unsigned va_bits = la57 ? X86_VA57_BITS : X86_VA48_BITS;
    uint64_t top = linear >> (va_bits - 1);

    if (top != 0 && top != (UINT64_MAX >> (va_bits - 1)))
        return PAGING_NONCANONICAL;
    for (unsigned level = la57 ? 0 : 1;
         level < sizeof(shifts) / sizeof(shifts[0]); level++) {
        uint64_t entry;
        enum paging_status st = read_entry(
            mem,
            table + ((linear >> shifts[level]) & X86_PT64_INDEX_MASK) * width,
            width, &entry, walk);
        if (st != PAGING_OK)
            return st;
        bool is_leaf = large[level] && (entry & X86_PTE_PS);
        uint64_t must_be_0 = any_reserved;
        if (level <= 1) /* a PML5E or PML4E never maps a page */
            must_be_0 |= X86_PTE_PS | (cpu->amd ? X86_PTE_G : 0);
        else if (is_leaf && level == 2 && cpu->no_gbpages)
            must_be_0 |= X86_PTE_PS; /* no 1 GiB pages: PS is reserved */
        else if (is_leaf)
            must_be_0 |= large_reserved[level];
        if (entry & must_be_0)
            return reserved[level];
        /* Address bits from MAXPHYADDR up are 0 now. */
        if (is_leaf)
            return leaf(walk, entry & X86_PTE64_ADDR, large[level], linear);
        table = entry & X86_PTE64_ADDR;
    }
    /* After the PT level, `table` is the 4 KiB page frame. */
    return leaf(walk, table, X86_PAGE_4K, linear);
}

/* PAE paging: PDPT (4 entries at CR3) -> PD -> (2 MiB | PT -> 4 KiB),
 * 8-byte entries (SDM 4.4). The CPU loads the four PDPTEs when CR3 is
 * written; the host reads them from memory, as the guest wrote them. */
static enum paging_status walk_pae(const struct guestmem *mem,
                                   const struct kvm_sregs *sregs,
                                   uint32_t linear, struct paging_walk *walk)
{
    const unsigned width = sizeof(uint64_t);
    uint64_t any_reserved = any_reserved64(&mem->cpu, sregs);
    uint64_t e;
    enum paging_status st;

    st = read_entry(mem,
                    (sregs->cr3 & X86_PAE_CR3_ADDR) +
                        (linear >> X86_PAE_PDPT_SHIFT) * width,
                    width, &e, walk);
    if (st != PAGING_OK)
        return st;
    /* A PDPTE has no XD bit: bit 63 is reserved whatever EFER.NXE says.
     * Intel checks bits 2:1 and 8:5 when CR3 loads the PDPTEs; AMD walks
     * them like any table and sets bit 5 (accessed) itself (seen under
     * nested SVM), so there only the high bits are reserved. */
    if (e & (bits(maxphyaddr(&mem->cpu), 63) |
             (mem->cpu.amd ? 0 : X86_PAE_PDPTE_RESERVED)))
        return PAGING_RESERVED_PDPTE;
    st = read_entry(mem,
                    (e & X86_PTE64_ADDR) +
                        ((linear >> X86_PD64_SHIFT) & X86_PT64_INDEX_MASK) *
                            width,
                    width, &e, walk);
    if (st != PAGING_OK)
        return st;
    if (e & (any_reserved |
             ((e & X86_PTE_PS) ? X86_PDE_2M_RESERVED : 0)))
        return PAGING_RESERVED_PDE;
    if (e & X86_PTE_PS)
        return leaf(walk, e & X86_PTE64_ADDR, X86_PAGE_2M, linear);
    st = read_entry(mem,
                    (e & X86_PTE64_ADDR) +
                        ((linear >> X86_PT64_SHIFT) & X86_PT64_INDEX_MASK) *
                            width,
                    width, &e, walk);
    if (st != PAGING_OK)
        return st;
    if (e & any_reserved)
        return PAGING_RESERVED_PTE;
    return leaf(walk, e & X86_PTE64_ADDR, X86_PAGE_4K, linear);
}

enum paging_status paging_translate(const struct guestmem *mem,
                                    const struct kvm_sregs *sregs,
                                    uint64_t linear, struct paging_walk *walk)
{
    *walk = (struct paging_walk){0};
    if (!(sregs->cr0 & X86_CR0_PG)) {
        walk->gpa = linear;
        walk->page_size = X86_PAGE_4K;
        return PAGING_OK;
    }
    if (sregs->efer & X86_EFER_LMA)
        return walk64(mem, sregs, linear, walk);
    if (linear > UINT32_MAX)
        return PAGING_NONCANONICAL; /* 32-bit and PAE: 32-bit addresses */
    if (sregs->cr4 & X86_CR4_PAE)
        return walk_pae(mem, sregs, (uint32_t)linear, walk);
    return walk32(mem, sregs, (uint32_t)linear, walk);
}

int paging_read_linear(const struct guestmem *mem,
                       const struct kvm_sregs *sregs, uint64_t linear,
                       void *buf, size_t len)
{
    uint8_t *b = buf;

    for (size_t i = 0; i < len; i++) {
        struct paging_walk w;
        if (paging_translate(mem, sregs, linear + i, &w) != PAGING_OK ||
            guestmem_read(mem, w.gpa, &b[i], 1) < 0)
            return -1;
    }
    return 0;
}

/* Host pointer for up to `want` bytes at linear `la`, not crossing a
 * 4 KiB page; *got says how many. NULL with `fault` filled on failure.
 * `write`: the caller will write through it (guestmem_ptr_rw). */
static uint8_t *map_piece(const struct guestmem *mem,
                          const struct kvm_sregs *sregs, uint64_t la,
                          size_t want, size_t *got, struct paging_fault *fault,
                          bool write)
{
    struct paging_walk walk;
    uint64_t in_page = X86_PAGE_4K - (la & (X86_PAGE_4K - 1));
    size_t n = want < in_page ? want : (size_t)in_page;
    enum paging_status st = paging_translate(mem, sregs, la, &walk);
    uint8_t *p;

    fault->linear = la;
    fault->status = st;
    if (st != PAGING_OK)
        return NULL;
    fault->gpa = walk.gpa;
    /* RAM may end inside this page (--mem need not be page-aligned):
     * then go byte by byte so the last RAM byte is still reached. */
    if (!guestmem_contains(mem, walk.gpa, n))
        n = 1;
    p = write ? guestmem_ptr_rw(mem, walk.gpa, n)
              : (uint8_t *)guestmem_ptr(mem, walk.gpa, n);
    if (!p) {
        fault->status = PAGING_NOT_RAM;
        return NULL;
    }
    *got = n;
    return p;
}

/* Host ranges of a write, found before any byte is written: copying
 * could change the guest's own page tables (a buffer may overlap them),
 * so nothing is translated once copying has begun. Pieces of one page are
 * adjacent in the host view, so a range within PAGING_WRITE_MAX spans at
 * most this many host ranges. */
#define WRITE_RANGES_MAX (PAGING_WRITE_MAX / X86_PAGE_4K + 2)

int paging_write(const struct guestmem *mem, const struct kvm_sregs *sregs,
                 uint32_t linear, const void *buf, size_t len,
                 struct paging_fault *fault)
{
    struct {
        uint8_t *host;
        size_t len;
    } ranges[WRITE_RANGES_MAX];
    const uint8_t *src = buf;
    size_t done, n, n_ranges = 0;

    *fault = (struct paging_fault){.status = PAGING_OK, .linear = linear};
    if (len > LINEAR32_END - linear) {
        fault->status = PAGING_WRAPS;
        return -1;
    }
    if (len > PAGING_WRITE_MAX) {
        fault->status = PAGING_TOO_LONG;
        return -1;
    }
    for (done = 0; done < len; done += n) {
        uint8_t *p = map_piece(mem, sregs, (uint64_t)linear + done,
                               len - done, &n, fault, true);
        if (!p)
            return -1;
        if (n_ranges > 0 && ranges[n_ranges - 1].host +
                                    ranges[n_ranges - 1].len == p) {
            ranges[n_ranges - 1].len += n;
            continue;
        }
        assert(n_ranges < WRITE_RANGES_MAX);
        ranges[n_ranges].host = p;
        ranges[n_ranges++].len = n;
    }
    for (size_t i = 0; i < n_ranges; i++) {
        memcpy(ranges[i].host, src, ranges[i].len);
        src += ranges[i].len;
    }
    fault->status = PAGING_OK;
    return 0;
}

int paging_read_str(const struct guestmem *mem, const struct kvm_sregs *sregs,
                    uint32_t linear, char *buf, size_t max, size_t *len,
                    struct paging_fault *fault)
{
    size_t pos = 0, n;

    *fault = (struct paging_fault){.status = PAGING_OK, .linear = linear};
    while (pos <= max) {
        uint64_t la = (uint64_t)linear + pos;
        const uint8_t *p, *nul;

        if (la >= LINEAR32_END) {
            fault->status = PAGING_WRAPS;
            fault->linear = la;
            return -1;
        }
        p = map_piece(mem, sregs, la, max + 1 - pos, &n, fault, false);
        if (!p)
            return -1;
        /* Copy first, then search the copy: one read of guest memory. */
        memcpy(buf + pos, p, n);
        nul = memchr(buf + pos, '\0', n);
        if (nul) {
            *len = (size_t)((const char *)nul - buf);
            fault->status = PAGING_OK;
            return 0;
        }
        pos += n;
    }
    fault->status = PAGING_UNTERMINATED;
    fault->linear = (uint64_t)linear + pos;
    return -1;
}

const char *paging_status_text(enum paging_status status)
{
    switch (status) {
    case PAGING_OK:
        return "mapped";
    case PAGING_NOT_PRESENT:
        return "not mapped (page not present)";
    case PAGING_RESERVED_PML5E:
        return "not mapped (reserved bit set in the PML5E)";
    case PAGING_RESERVED_PML4E:
        return "not mapped (reserved bit set in the PML4E)";
    case PAGING_RESERVED_PDPTE:
        return "not mapped (reserved bit set in the PDPTE)";
    case PAGING_RESERVED_PDE:
        return "not mapped (reserved bit set in the PDE)";
    case PAGING_RESERVED_PTE:
        return "not mapped (reserved bit set in the PTE)";
    case PAGING_TABLE_NOT_RAM:
        return "not mapped (a page table is outside guest RAM)";
    case PAGING_NONCANONICAL:
        return "not a valid linear address for this paging mode";
    case PAGING_NOT_RAM:
        return "outside guest RAM";
    case PAGING_WRAPS:
        return "a range that wraps past 4 GiB";
    case PAGING_UNTERMINATED:
        return "an unterminated string";
    case PAGING_TOO_LONG:
        return "a range longer than the host writes at once";
    }
    return "not mapped";
}
