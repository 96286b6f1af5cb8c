/* compat.c - compatibility mode: 32-bit code under long mode's paging.
 *
 * Long mode (EFER.LME|LMA, CR4.PAE, CR0.PG) on the same 4-level tables
 * as --long, but CS is a 32-bit code segment (L=0, D=1): the CPU runs
 * 32-bit code, as a 64-bit OS runs 32-bit programs (SDM 5.2.1, 9.8.5).
 * Images built for --protected run unchanged. Exceptions still go
 * through a 64-bit IDT, whose gates must lead to 64-bit code (SDM
 * 6.14.1): the loader's handlers use their own 64-bit selector, 0x28.
 */
#include "core/layout.h"
#include "core/x86.h"
#include "modes/idt.h"
#include "modes/long.h"
#include "modes/mode.h"
#include "modes/segments.h"

GUEST_BLOB_EXTERN(compat);
GUEST_BLOB_EXTERN(hypercalls_compat);

static int compat_setup(const struct mode_env *env, struct kvm_sregs *sregs,
                        struct kvm_regs *regs)
{
    uint64_t tables = guestmem_low_size(env->mem) - long_high_tables(env);
    /* L=0 with D=1 under long mode: 32-bit code (SDM 5.2.1). */
    int rc = gdt_install(env->mem, &seg_flat_code32, sregs);

    if (rc < 0 || (rc = idt_install(env->mem, IDT_COMPAT, sregs)) < 0 ||
        (rc = long_paging_setup(env, tables, sregs)) < 0)
        return rc;
    mode_fpu_setup(env, sregs);
    mode_regs_setup(env, tables, regs);
    return 0;
}

static const struct guest_blob compat_guests[] = {
    GUEST_BLOB("hello", compat, true),
    GUEST_BLOB("hypercalls", hypercalls_compat, false),
};

const struct mode mode_compat = {
    .name = "compat",
    .short_flag = 'c',
    .word_size = 4,
    .summary = "compatibility mode: 32-bit code under long mode's 4-level "
               "paging",
    .min_mem = LAYOUT_SYS_END,
    /* 32-bit code reaches 4 GiB; RAM above the hole is not addressable. */
    .max_mem = LAYOUT_LOW_RAM_END,
    .max_entry = UINT32_MAX,
    .uses_sys_area = true,
    .need_cr0 = X86_CR0_PE | X86_CR0_PG,
    .need_cr4 = X86_CR4_PAE,
    .need_efer = X86_EFER_LME | X86_EFER_LMA,
    .setup = compat_setup,
    .high_tables = long_high_tables,
    .guests = compat_guests,
    .n_guests = sizeof(compat_guests) / sizeof(compat_guests[0]),
};
