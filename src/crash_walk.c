/* crash_walk.c - a read-only walk of 32-bit, PAE and 4-level page tables
 * (Intel SDM vol. 3A, 4.3, 4.4, 4.5). */
#include "crash_walk.h"

#include <stdbool.h>
#include <stdio.h>

#include "x86.h"

#define PTE32_BYTES 4
#define PTE64_BYTES 8
#define LEVELS_4LEVEL 4
#define LEVELS_PAE 3

static int fail(char *why, size_t len, const char *what, uint64_t at,
                uint64_t entry)
{
    snprintf(why, len, "%s at 0x%llx is 0x%llx", what,
             (unsigned long long)at, (unsigned long long)entry);
    return -1;
}

static int read_entry(const struct guestmem *mem, uint64_t gpa,
                      unsigned width, uint64_t *entry, char *why, size_t len)
{
    if (guestmem_read_uint(mem, gpa, width, entry) == 0)
        return 0;
    snprintf(why, len, "page table entry at 0x%llx is outside RAM",
             (unsigned long long)gpa);
    return -1;
}

static int walk32(const struct guestmem *mem, const struct kvm_sregs *sregs,
                  uint32_t lin, uint64_t *phys, char *why, size_t len)
{
    const unsigned shift_pd = X86_PAGE_SHIFT + X86_PT_INDEX_BITS32;
    const uint32_t idx_mask = X86_PT_ENTRIES32 - 1;
    uint64_t pde_at = (sregs->cr3 & X86_PDE32_TABLE_ADDR) +
                      ((lin >> shift_pd) & idx_mask) * PTE32_BYTES;
    uint64_t pde, pte;

    if (read_entry(mem, pde_at, PTE32_BYTES, &pde, why, len) < 0)
        return -1;
    if (!(pde & X86_PTE_P))
        return fail(why, len, "non-present PDE", pde_at, pde);
    if ((pde & X86_PTE_PS) && (sregs->cr4 & X86_CR4_PSE)) {
        /* 4 MiB page; PSE-36 high bits are ignored: RAM here is below 4G
         * for 32-bit paging. */
        *phys = (pde & X86_PDE32_4M_ADDR) | (lin & (X86_PAGE_4M - 1));
        return 0;
    }
    uint64_t pte_at = (pde & X86_PDE32_TABLE_ADDR) +
                      ((lin >> X86_PAGE_SHIFT) & idx_mask) * PTE32_BYTES;
    if (read_entry(mem, pte_at, PTE32_BYTES, &pte, why, len) < 0)
        return -1;
    if (!(pte & X86_PTE_P))
        return fail(why, len, "non-present PTE", pte_at, pte);
    *phys = (pte & X86_PDE32_TABLE_ADDR) | (lin & (X86_PAGE_4K - 1));
    return 0;
}

/* PAE (3 levels from a 32-byte-aligned PDPT) and 4-level share one loop:
 * 9 index bits per level, 8-byte entries; PS ends the walk early at the
 * PDPT (1 GiB, 4-level only) or the PD (2 MiB). */
static int walk64(const struct guestmem *mem, const struct kvm_sregs *sregs,
                  uint64_t lin, unsigned levels, uint64_t *phys, char *why,
                  size_t len)
{
    static const char *const names[] = {"PTE", "PDE", "PDPTE", "PML4E"};
    const uint64_t idx_mask = X86_PT_ENTRIES64 - 1;
    uint64_t table = levels == LEVELS_PAE ? (sregs->cr3 & X86_CR3_PAE_ADDR)
                                          : (sregs->cr3 & X86_PTE64_ADDR);

    for (unsigned level = levels; level-- > 0;) {
        unsigned shift = X86_PAGE_SHIFT + X86_PT_INDEX_BITS64 * level;
        uint64_t idx = (lin >> shift) & idx_mask;
        uint64_t at, entry;

        if (levels == LEVELS_PAE && level == LEVELS_PAE - 1)
            idx &= X86_PT_ENTRIES_PDPT_PAE - 1;
        at = table + idx * PTE64_BYTES;
        if (read_entry(mem, at, PTE64_BYTES, &entry, why, len) < 0)
            return -1;
        if (!(entry & X86_PTE_P)) {
            char what[32];
            snprintf(what, sizeof(what), "non-present %s", names[level]);
            return fail(why, len, what, at, entry);
        }
        bool large = level > 0 && level < LEVELS_4LEVEL - 1 &&
                     (entry & X86_PTE_PS) &&
                     !(levels == LEVELS_PAE && level == LEVELS_PAE - 1);
        if (level == 0 || large) {
            uint64_t page_mask = (UINT64_C(1) << shift) - 1;
            *phys = (entry & X86_PTE64_ADDR & ~page_mask) | (lin & page_mask);
            return 0;
        }
        table = entry & X86_PTE64_ADDR;
    }
    return -1; /* not reached: level 0 always returns */
}

int crash_walk(const struct guestmem *mem, const struct kvm_sregs *sregs,
               uint64_t linear, uint64_t *phys, char *why, size_t why_len)
{
    if (!(sregs->cr0 & X86_CR0_PG)) {
        *phys = linear;
        return 0;
    }
    if (sregs->cr4 & X86_CR4_LA57) {
        snprintf(why, why_len, "5-level paging is not supported here");
        return -1;
    }
    if (sregs->efer & X86_EFER_LMA) {
        /* Non-canonical addresses fault before any walk. */
        uint64_t top = linear >> (X86_LINEAR_BITS64 - 1);
        if (top != 0 && top != (UINT64_MAX >> (X86_LINEAR_BITS64 - 1))) {
            snprintf(why, why_len, "0x%llx is not canonical",
                     (unsigned long long)linear);
            return -1;
        }
        return walk64(mem, sregs, linear, LEVELS_4LEVEL, phys, why, why_len);
    }
    if (sregs->cr4 & X86_CR4_PAE)
        return walk64(mem, sregs, (uint32_t)linear, LEVELS_PAE, phys, why,
                      why_len);
    return walk32(mem, sregs, (uint32_t)linear, phys, why, why_len);
}
