/* boot.c - --boot's CPU state: real mode at 0000:7C00 with the BIOS's
 * IVT (see boot.h). */
#include "modes/boot.h"

#include <errno.h>

#include "core/bios.h"
#include "core/layout.h"
#include "core/x86.h"
#include "modes/segments.h"

GUEST_BLOB_EXTERN(bios);

#define IVT_LIMIT (X86_VECTORS * X86_IVT_ENTRY_SIZE - 1)

const uint8_t *boot_bios_image(size_t *len)
{
    *len = (size_t)(guest_bios_end - guest_bios_start);
    return guest_bios_start;
}

static int boot_setup(const struct mode_env *env, struct kvm_sregs *sregs,
                      struct kvm_regs *regs)
{
    uint8_t drive;

    if (guestmem_read(env->mem, LAYOUT_BIOS_BASE + BIOS_HDR_DRIVE, &drive,
                      1) < 0)
        return -ENOSPC;
    seg_real(&sregs->cs, 0, X86_SEG_TYPE_CODE_XR);
    seg_real(&sregs->ds, 0, X86_SEG_TYPE_DATA_RW);
    sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
    /* The BIOS's vectors, at 0 as on a PC (SDM 20.1.4). */
    sregs->idt = (struct kvm_dtable){.base = 0, .limit = IVT_LIMIT};
    sregs->cr0 = X86_CR0_ET;
    sregs->cr3 = 0;
    sregs->cr4 = 0;
    sregs->efer = 0;
    *regs = (struct kvm_regs){
        .rip = LAYOUT_BOOT_SECTOR,
        .rsp = LAYOUT_BOOT_SECTOR,
        .rdx = drive,
        .rflags = X86_RFLAGS_RESERVED | X86_RFLAGS_IF,
    };
    return 0;
}

const struct mode mode_boot = {
    .name = "real",
    .short_flag = 'r',
    .word_size = 2,
    .summary = "--boot: real mode at 0000:7C00 with a BIOS",
    .min_mem = LAYOUT_BIOS_BASE + LAYOUT_BIOS_SIZE,
    .max_mem = LAYOUT_LOW_RAM_END,
    .max_entry = LAYOUT_REAL_MAX_ENTRY,
    .uses_sys_area = false,
    .setup = boot_setup,
};
