/* paged32.c - 32-bit protected mode with 32-bit paging and 4 MiB pages.
 *
 * One page directory whose entries map 4 MiB pages directly (CR4.PSE,
 * PDE.PS; SDM 4.3, table 4-4), identity-mapping all RAM. EFER stays 0:
 * with CR0.PG and no EFER.LME the CPU uses 32-bit paging (SDM 4.1.1).
 * SSE and x87 are on unless --no-sse (mode_fpu_setup).
 */
#include <errno.h>
#include <string.h>

#include "core/layout.h"
#include "modes/idt.h"
#include "modes/mode.h"
#include "modes/segments.h"
#include "core/x86.h"

GUEST_BLOB_EXTERN(paged32);
GUEST_BLOB_EXTERN(hypercalls_paged32);

static int paged32_setup(const struct mode_env *env, struct kvm_sregs *sregs,
                         struct kvm_regs *regs)
{
    uint64_t low = guestmem_low_size(env->mem);
    uint32_t *pd = guestmem_ptr_rw(env->mem, LAYOUT_PAGING_BASE, X86_PAGE_4K);
    int rc;

    if (!pd)
        return -ENOSPC;
    if (guestmem_high_size(env->mem) > 0)
        return -E2BIG; /* 32-bit paging without PSE-36 ends at 4 GiB */
    rc = gdt_install(env->mem, &seg_flat_code32, sregs);
    if (rc < 0 || (rc = idt_install(env->mem, IDT_32, sregs)) < 0)
        return rc;

    memset(pd, 0, X86_PAGE_4K);
    for (uint64_t addr = 0; addr < low; addr += X86_PAGE_4M)
        pd[addr / X86_PAGE_4M] =
            (uint32_t)(addr | X86_PTE_P | X86_PTE_RW | X86_PTE_PS);

    sregs->cr3 = LAYOUT_PAGING_BASE;
    sregs->cr4 = X86_CR4_PSE;
    sregs->cr0 = X86_CR0_PAGED;
    sregs->efer = 0;
    mode_fpu_setup(env, sregs);

    *regs = (struct kvm_regs){
        .rip = env->entry,
        .rsp = mode_stack_top(env->mem),
        .rflags = X86_RFLAGS_RESERVED,
    };
    return 0;
}

static const struct guest_blob paged32_guests[] = {
    GUEST_BLOB("hello", paged32, true),
    GUEST_BLOB("hypercalls", hypercalls_paged32, false),
};

const struct mode mode_paged32 = {
    .name = "paged32",
    .short_flag = 'p',
    .word_size = 4,
    .summary = "32-bit protected mode, 32-bit paging with 4 MiB pages",
    .min_mem = LAYOUT_SYS_END,
    .max_mem = LAYOUT_LOW_RAM_END,
    .max_entry = UINT32_MAX,
    .uses_sys_area = true,
    .need_cr0 = X86_CR0_PE | X86_CR0_PG,
    .need_cr4 = X86_CR4_PSE,
    .setup = paged32_setup,
    .guests = paged32_guests,
    .n_guests = sizeof(paged32_guests) / sizeof(paged32_guests[0]),
};
