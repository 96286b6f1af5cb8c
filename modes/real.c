/* real.c - real mode: 16-bit code, segment:offset addressing, no tables.
 *
 * Like the CPU after reset but with CS based at 0 rather than 0xFFFF0000
 * (SDM 9.1.4), so the image at the load address runs directly. --no-sse
 * changes nothing here: x87 runs with CR4 = 0, SSE never does.
 */
#include <errno.h>

#include "core/layout.h"
#include "modes/idt.h"
#include "modes/mode.h"
#include "modes/segments.h"
#include "core/x86.h"

GUEST_BLOB_EXTERN(real);
GUEST_BLOB_EXTERN(hypercalls_real);

static int real_setup(const struct mode_env *env, struct kvm_sregs *sregs,
                      struct kvm_regs *regs)
{
    /* An entry above 64 KiB gets CS = its 64 KiB-aligned segment. */
    uint16_t cs = (uint16_t)((env->entry & 0xF0000) >> 4);
    uint64_t low = guestmem_low_size(env->mem);
    uint64_t stack = low < LAYOUT_REAL_STACK_TOP ? low : LAYOUT_REAL_STACK_TOP;

    if (env->entry > LAYOUT_REAL_MAX_ENTRY)
        return -ERANGE;
    seg_real(&sregs->cs, cs, X86_SEG_TYPE_CODE_XR);
    seg_real(&sregs->ds, 0, X86_SEG_TYPE_DATA_RW);
    sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
    /* The loader's IVT, away from the image at 0 (modes/idt.h). Where
     * RAM does not reach it, an empty IVT: any interrupt then shuts the
     * CPU down (a crash the host reports), never runs guest bytes. */
    if (idt_install(env->mem, IDT_REAL, sregs) < 0)
        sregs->idt = (struct kvm_dtable){.base = LAYOUT_IDT_BASE, .limit = 0};
    sregs->cr0 = X86_CR0_ET; /* PE=0; reset's CD/NW cleared */
    sregs->cr3 = 0;
    sregs->cr4 = 0;
    sregs->efer = 0;

    *regs = (struct kvm_regs){
        .rip = env->entry - ((uint64_t)cs << 4),
        .rsp = stack & 0xFFFF, /* 0 = top of the first 64 KiB */
        .rflags = X86_RFLAGS_RESERVED,
    };
    return 0;
}

static const struct guest_blob real_guests[] = {
    GUEST_BLOB("hello", real, true),
    GUEST_BLOB("hypercalls", hypercalls_real, false),
};

const struct mode mode_real = {
    .name = "real",
    .short_flag = 'r',
    .word_size = 2,
    .summary = "16-bit real mode, CS:IP = 0:entry, no GDT or paging",
    .min_mem = 0x1000,
    .max_mem = LAYOUT_LOW_RAM_END,
    .max_entry = LAYOUT_REAL_MAX_ENTRY,
    .uses_sys_area = false,
    .setup = real_setup,
    .guests = real_guests,
    .n_guests = sizeof(real_guests) / sizeof(real_guests[0]),
};
