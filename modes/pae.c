/* pae.c - 32-bit protected mode with PAE paging and 2 MiB pages.
 *
 * CR4.PAE without EFER.LME selects PAE paging (SDM 4.1.1, 4.4): CR3
 * names a PDPT of 4 entries, one per GiB, each naming a page directory
 * of 512 8-byte entries; here every PDE maps a 2 MiB page (PDE.PS),
 * identity-mapping all RAM below the 3 GiB hole. The first GiB's
 * directory sits in SYS (LAYOUT_PD_BASE), the next two take the last
 * pages of low RAM. EFER.NXE is set so the guest can mark pages
 * no-execute (bit 63, XD): how 32-bit Linux runs with NX and with more
 * than 4 GiB of physical memory. SSE and x87 are on unless --no-sse.
 */
#include <errno.h>
#include <string.h>

#include "core/layout.h"
#include "core/x86.h"
#include "modes/idt.h"
#include "modes/mode.h"
#include "modes/segments.h"

GUEST_BLOB_EXTERN(pae);
GUEST_BLOB_EXTERN(hypercalls_pae);

/* Directories for the GiBs past the first that RAM reaches. */
static unsigned extra_pds(const struct mode_env *env)
{
    uint64_t low = guestmem_low_size(env->mem);

    return low > X86_PAGE_1G
               ? (unsigned)((low - 1) / X86_PAGE_1G) /* 1 or 2 below 3 GiB */
               : 0;
}

static uint64_t pae_high_tables(const struct mode_env *env)
{
    return (uint64_t)extra_pds(env) * X86_PAGE_4K;
}

static const char *pae_host_lacks(const struct mode_env *env)
{
    return env->nx ? NULL
                   : "the guest CPUID does not offer NX, so EFER.NXE "
                     "cannot be set: CPUID.80000001H:EDX bit 20 is clear";
}

static int pae_setup(const struct mode_env *env, struct kvm_sregs *sregs,
                     struct kvm_regs *regs)
{
    uint64_t low = guestmem_low_size(env->mem);
    uint64_t tables = low - pae_high_tables(env);
    uint64_t *pdpt = guestmem_ptr_rw(env->mem, LAYOUT_PAGING_BASE,
                                     X86_PAE_PDPT_ENTRIES * sizeof(uint64_t));
    int rc;

    if (!pdpt)
        return -ENOSPC;
    if (guestmem_high_size(env->mem) > 0)
        return -E2BIG; /* 32-bit linear addresses: RAM below the hole */
    rc = gdt_install(env->mem, &seg_flat_code32, sregs);
    if (rc < 0 || (rc = idt_install(env->mem, IDT_32, sregs)) < 0)
        return rc;

    memset(pdpt, 0, X86_PAE_PDPT_ENTRIES * sizeof(uint64_t));
    for (unsigned gib = 0; gib * X86_PAGE_1G < low; gib++) {
        uint64_t pd_gpa = gib == 0 ? LAYOUT_PD_BASE
                                   : tables + (gib - 1) * X86_PAGE_4K;
        uint64_t *pd = guestmem_ptr_rw(env->mem, pd_gpa, X86_PAGE_4K);

        if (!pd)
            return -ENOSPC;
        memset(pd, 0, X86_PAGE_4K);
        for (unsigned i = 0; i < X86_PT_ENTRIES64; i++) {
            uint64_t addr = (uint64_t)gib * X86_PAGE_1G + i * X86_PAGE_2M;
            if (addr < low)
                pd[i] = addr | X86_PTE_P | X86_PTE_RW | X86_PTE_PS;
        }
        /* A PDPTE has no RW/US bits: they are reserved (SDM table 4-8). */
        pdpt[gib] = pd_gpa | X86_PTE_P;
    }

    sregs->cr3 = LAYOUT_PAGING_BASE;
    sregs->cr4 = X86_CR4_PAE;
    sregs->cr0 = X86_CR0_PAGED;
    sregs->efer = X86_EFER_NXE;
    mode_fpu_setup(env, sregs);
    mode_regs_setup(env, tables, regs);
    return 0;
}

static const struct guest_blob pae_guests[] = {
    GUEST_BLOB("hello", pae, true),
    GUEST_BLOB("hypercalls", hypercalls_pae, false),
};

const struct mode mode_pae = {
    .name = "pae",
    .short_flag = 'a',
    .word_size = 4,
    .summary = "32-bit protected mode, PAE paging with 2 MiB pages and NX",
    .min_mem = LAYOUT_SYS_END,
    .max_mem = LAYOUT_LOW_RAM_END,
    .max_entry = UINT32_MAX,
    .uses_sys_area = true,
    .need_cr0 = X86_CR0_PE | X86_CR0_PG,
    .need_cr4 = X86_CR4_PAE,
    .need_efer = X86_EFER_NXE,
    .setup = pae_setup,
    .host_lacks = pae_host_lacks,
    .high_tables = pae_high_tables,
    .guests = pae_guests,
    .n_guests = sizeof(pae_guests) / sizeof(pae_guests[0]),
};
