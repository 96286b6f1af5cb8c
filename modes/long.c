/* long.c - 64-bit long mode with 4-level paging.
 *
 * PML4 -> PDPT -> PD identity-maps all RAM (SDM 4.5): the first GiB with
 * 2 MiB pages, each further GiB that is wholly RAM with one 1 GiB page
 * when the guest CPUID offers them, otherwise with more 2 MiB pages whose
 * directories take the last pages of low RAM.
 * Long mode is entered directly with CR0.PG, CR4.PAE, EFER.LME|LMA and a
 * 64-bit code segment (SDM 9.8.5), as kvm-hello-world does. SSE and x87
 * are on unless --no-sse (mode_fpu_setup).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "core/layout.h"
#include "modes/idt.h"
#include "modes/long.h"
#include "modes/mode.h"
#include "modes/segments.h"
#include "core/x86.h"

GUEST_BLOB_EXTERN(long);
GUEST_BLOB_EXTERN(hypercalls_long);

#define TABLE_FLAGS (X86_PTE_P | X86_PTE_RW)
#define LEAF_FLAGS (X86_PTE_P | X86_PTE_RW | X86_PTE_PS)

/* Bytes of RAM inside [base, base + len). */
static uint64_t ram_in(const struct guestmem *mem, uint64_t base, uint64_t len)
{
    uint64_t low = guestmem_low_size(mem), high = guestmem_high_size(mem);
    uint64_t n = 0;

    if (base < low)
        n += (low - base < len ? low - base : len);
    if (high && base + len > LAYOUT_HIGH_RAM_BASE) {
        uint64_t from = base > LAYOUT_HIGH_RAM_BASE ? base : LAYOUT_HIGH_RAM_BASE;
        uint64_t to = base + len;
        uint64_t end = LAYOUT_HIGH_RAM_BASE + high;
        if (to > end)
            to = end;
        if (to > from)
            n += to - from;
    }
    return n;
}

/* GiBs past the first that need a page directory: all of them without
 * 1 GiB pages, else only those RAM covers partly. */
static unsigned extra_pds(const struct mode_env *env)
{
    unsigned n = 0;

    for (unsigned gib = 1; gib < X86_PT_ENTRIES64; gib++) {
        uint64_t ram = ram_in(env->mem, (uint64_t)gib * X86_PAGE_1G,
                              X86_PAGE_1G);
        if (ram && !(env->gbpages && ram == X86_PAGE_1G))
            n++;
    }
    return n;
}

/* The first GiB's directory sits in SYS; further ones, when needed, take
 * the last pages of low RAM (LAYOUT_SYS_BASE has room for one only). */
uint64_t long_high_tables(const struct mode_env *env)
{
    return (uint64_t)extra_pds(env) * X86_PAGE_4K;
}

/* Map the GiB at `gib` with 2 MiB pages in the directory at pd_gpa. */
static int map_gib_2m(const struct guestmem *mem, uint64_t *pdpt, unsigned gib,
                      uint64_t pd_gpa)
{
    uint64_t *pd = guestmem_ptr_rw(mem, pd_gpa, X86_PAGE_4K);

    if (!pd)
        return -ENOSPC;
    /* A GiB wholly RAM needs no check per entry (--mem 64G has 63). */
    bool all_ram = ram_in(mem, (uint64_t)gib * X86_PAGE_1G, X86_PAGE_1G) ==
                   X86_PAGE_1G;

    for (unsigned i = 0; i < X86_PT_ENTRIES64; i++) {
        uint64_t addr = (uint64_t)gib * X86_PAGE_1G + i * X86_PAGE_2M;
        pd[i] = all_ram || ram_in(mem, addr, X86_PAGE_2M) ? addr | LEAF_FLAGS
                                                          : 0;
    }
    pdpt[gib] = pd_gpa | TABLE_FLAGS;
    return 0;
}

int long_paging_setup(const struct mode_env *env, uint64_t extra_pd_base,
                      struct kvm_sregs *sregs)
{
    uint64_t *pml4 = guestmem_ptr_rw(env->mem, LAYOUT_PAGING_BASE, X86_PAGE_4K);
    uint64_t *pdpt = guestmem_ptr_rw(env->mem, LAYOUT_PDPT_BASE, X86_PAGE_4K);
    uint64_t next_pd = extra_pd_base;
    int rc;

    if (!pml4 || !pdpt)
        return -ENOSPC;
    memset(pml4, 0, X86_PAGE_4K);
    memset(pdpt, 0, X86_PAGE_4K);
    pml4[0] = LAYOUT_PDPT_BASE | TABLE_FLAGS; /* one PDPT: 512 GiB */
    /* --mem 64G writes 63 more directories: their pages in one go. */
    if (long_high_tables(env))
        guestmem_prefault(env->mem, extra_pd_base, long_high_tables(env));
    for (unsigned gib = 0; gib < X86_PT_ENTRIES64; gib++) {
        uint64_t base = (uint64_t)gib * X86_PAGE_1G;
        uint64_t ram = ram_in(env->mem, base, X86_PAGE_1G);

        if (ram == 0)
            continue;
        if (gib == 0) {
            rc = map_gib_2m(env->mem, pdpt, gib, LAYOUT_PD_BASE);
        } else if (env->gbpages && ram == X86_PAGE_1G) {
            pdpt[gib] = base | LEAF_FLAGS;
            rc = 0;
        } else {
            rc = map_gib_2m(env->mem, pdpt, gib, next_pd);
            next_pd += X86_PAGE_4K;
        }
        if (rc < 0)
            return rc;
    }

    sregs->cr3 = LAYOUT_PAGING_BASE;
    sregs->cr4 = X86_CR4_PAE;
    sregs->cr0 = X86_CR0_PAGED;
    sregs->efer = X86_EFER_LME | X86_EFER_LMA;
    return 0;
}

static int long_setup(const struct mode_env *env, struct kvm_sregs *sregs,
                      struct kvm_regs *regs)
{
    uint64_t tables = guestmem_low_size(env->mem) - long_high_tables(env);
    int rc = gdt_install(env->mem, &seg_code64, sregs);

    if (rc < 0 || (rc = idt_install(env->mem, IDT_64, sregs)) < 0 ||
        (rc = long_paging_setup(env, tables, sregs)) < 0)
        return rc;
    mode_fpu_setup(env, sregs);
    mode_regs_setup(env, tables, regs);
    return 0;
}

static const struct guest_blob long_guests[] = {
    GUEST_BLOB("hello", long, true),
    GUEST_BLOB("hypercalls", hypercalls_long, false),
};

const struct mode mode_long = {
    .name = "long",
    .short_flag = 'l',
    .word_size = 8,
    .summary = "64-bit long mode, 4-level paging identity-mapping all RAM",
    .min_mem = LAYOUT_SYS_END,
    .max_mem = LAYOUT_MEM_MAX,
    .max_entry = UINT64_MAX,
    .uses_sys_area = true,
    .need_cr0 = X86_CR0_PE | X86_CR0_PG,
    .need_cr4 = X86_CR4_PAE,
    .need_efer = X86_EFER_LME | X86_EFER_LMA,
    .setup = long_setup,
    .high_tables = long_high_tables,
    .guests = long_guests,
    .n_guests = sizeof(long_guests) / sizeof(long_guests[0]),
};
