/* protected.c - flat 32-bit protected mode without paging.
 *
 * CR0.PE with flat 4 GiB code and data segments (SDM 9.9.1): linear =
 * physical, so the guest addresses RAM directly. SSE and x87 are on
 * unless --no-sse (mode_fpu_setup).
 */
#include <errno.h>

#include "core/layout.h"
#include "modes/idt.h"
#include "modes/mode.h"
#include "modes/segments.h"
#include "core/x86.h"

GUEST_BLOB_EXTERN(protected);
GUEST_BLOB_EXTERN(hypercalls_protected);

static int protected_setup(const struct mode_env *env, struct kvm_sregs *sregs,
                           struct kvm_regs *regs)
{
    int rc = gdt_install(env->mem, &seg_flat_code32, sregs);

    if (rc < 0 || (rc = idt_install(env->mem, IDT_32, sregs)) < 0)
        return rc;
    sregs->cr0 = X86_CR0_PROTECTED;
    sregs->cr3 = 0;
    sregs->cr4 = 0;
    sregs->efer = 0;
    mode_fpu_setup(env, sregs);

    *regs = (struct kvm_regs){
        .rip = env->entry,
        .rsp = mode_stack_top(env->mem),
        .rflags = X86_RFLAGS_RESERVED,
    };
    return 0;
}

static const struct guest_blob protected_guests[] = {
    GUEST_BLOB("hello", protected, true),
    GUEST_BLOB("hypercalls", hypercalls_protected, false),
};

const struct mode mode_protected = {
    .name = "protected",
    .short_flag = 's',
    .word_size = 4,
    .summary = "flat 32-bit protected mode, no paging",
    .min_mem = LAYOUT_SYS_END,
    .max_mem = LAYOUT_LOW_RAM_END,
    .max_entry = UINT32_MAX,
    .uses_sys_area = true,
    .need_cr0 = X86_CR0_PE,
    .setup = protected_setup,
    .guests = protected_guests,
    .n_guests = sizeof(protected_guests) / sizeof(protected_guests[0]),
};
