/* la57.c - 64-bit long mode with 5-level paging (CR4.LA57).
 *
 * A PML5 whose entry 0 points to long mode's PML4 (SDM 4.5): linear
 * addresses are 57 bits wide, the tables below are --long's. The PML5
 * takes the last page of low RAM (SYS has no page free), with long
 * mode's extra directories just below it, and the stack below both.
 * Only where the guest CPUID offers LA57 (CPUID.7.0:ECX bit 16).
 */
#include <errno.h>
#include <string.h>

#include "core/layout.h"
#include "core/x86.h"
#include "modes/idt.h"
#include "modes/long.h"
#include "modes/mode.h"
#include "modes/segments.h"

GUEST_BLOB_EXTERN(la57);
GUEST_BLOB_EXTERN(hypercalls_la57);

static uint64_t la57_high_tables(const struct mode_env *env)
{
    return long_high_tables(env) + X86_PAGE_4K; /* + the PML5 */
}

static const char *la57_host_lacks(const struct mode_env *env)
{
    return env->la57 ? NULL
                     : "the guest CPUID does not offer 5-level paging: "
                       "CPUID.7.0:ECX.LA57 (bit 16) is clear";
}

static int la57_setup(const struct mode_env *env, struct kvm_sregs *sregs,
                      struct kvm_regs *regs)
{
    uint64_t low = guestmem_low_size(env->mem);
    uint64_t tables = low - la57_high_tables(env);
    uint64_t pml5_gpa = low - X86_PAGE_4K;
    uint64_t *pml5;
    int rc;

    if (low < LAYOUT_SYS_END + X86_PAGE_4K ||
        !(pml5 = guestmem_ptr_rw(env->mem, pml5_gpa, X86_PAGE_4K)))
        return -ENOSPC;
    rc = gdt_install(env->mem, &seg_code64, sregs);
    if (rc < 0 || (rc = idt_install(env->mem, IDT_64, sregs)) < 0 ||
        (rc = long_paging_setup(env, tables, sregs)) < 0)
        return rc;
    memset(pml5, 0, X86_PAGE_4K);
    pml5[0] = LAYOUT_PAGING_BASE | X86_PTE_P | X86_PTE_RW; /* 128 PiB */
    sregs->cr3 = pml5_gpa;
    sregs->cr4 |= X86_CR4_LA57;
    mode_fpu_setup(env, sregs);
    mode_regs_setup(env, tables, regs);
    return 0;
}

static const struct guest_blob la57_guests[] = {
    GUEST_BLOB("hello", la57, true),
    GUEST_BLOB("hypercalls", hypercalls_la57, false),
};

const struct mode mode_la57 = {
    .name = "la57",
    .short_flag = '5',
    .word_size = 8,
    .summary = "64-bit long mode, 5-level paging (CR4.LA57) identity-mapping "
               "all RAM",
    .min_mem = LAYOUT_SYS_END + X86_PAGE_4K,
    .max_mem = LAYOUT_MEM_MAX,
    .max_entry = UINT64_MAX,
    .uses_sys_area = true,
    .need_cr0 = X86_CR0_PE | X86_CR0_PG,
    .need_cr4 = X86_CR4_PAE | X86_CR4_LA57,
    .need_efer = X86_EFER_LME | X86_EFER_LMA,
    .setup = la57_setup,
    .host_lacks = la57_host_lacks,
    .high_tables = la57_high_tables,
    .guests = la57_guests,
    .n_guests = sizeof(la57_guests) / sizeof(la57_guests[0]),
};
