/* boot.c - --boot's steps in a session (see boot.h). */
#include "app/boot.h"

#include <stdio.h>
#include <unistd.h>

#include "modes/boot.h"

int boot_open(const struct options *o, struct boot *b, struct image *img,
              struct skvm_err *err)
{
    *b = (struct boot){0};
    if (bios_disk_read(&b->bios, o->boot_path, !o->no_signature_check,
                       err) < 0)
        return -1;
    b->open = true;
    /* The hints look at what was loaded: the boot sector. */
    *img = (struct image){.data = b->bios.disk, .len = BIOS_SECTOR};
    return 0;
}

/* The BIOS moved the cursor of page 0: the CRTC's location registers,
 * as a PC BIOS programs them. */
static void cursor_to_crtc(void *ctx, unsigned row, unsigned col)
{
    struct vga_crtc *c = ctx;
    unsigned pos = row * VGA_COLS + col;

    vga_crtc_write(c, 0, VGA_CRTC_CURSOR_HIGH);
    vga_crtc_write(c, 1, (uint8_t)(pos >> 8));
    vga_crtc_write(c, 0, VGA_CRTC_CURSOR_LOW);
    vga_crtc_write(c, 1, (uint8_t)pos);
}

int boot_place(const struct options *o, struct boot *b, struct vm *vm,
               struct vga_crtc *crtc, struct skvm_err *err)
{
    size_t len;
    const uint8_t *image = boot_bios_image(&len);

    bios_init(&b->bios, o->floppy, o->mem_size, STDIN_FILENO);
    b->bios.timeout_s = o->timeout_s;
    if (crtc) {
        b->bios.cursor_moved = cursor_to_crtc;
        b->bios.cursor_ctx = crtc;
        cursor_to_crtc(crtc, 0, 0);
    }
    return bios_install(&b->bios, &vm->mem, image, len, err);
}

int boot_finish(const struct options *o, struct boot *b,
                const struct vm *vm, int rc, struct skvm_err *err)
{
    char note[256];
    struct skvm_err werr;

    if (!b->open)
        return rc;
    if (rc == 0 && bios_end_note(&b->bios, note, sizeof(note)))
        fprintf(stderr, "simple-kvm: note: %s\n", note);
    if (rc == 0 && vm->parked.yes) {
        if (vm->parked.bits == 16)
            fprintf(stderr,
                    "simple-kvm: note: the guest is parked in a jump to "
                    "itself at %04x:%04llx with nothing to interrupt it: "
                    "run ended as a halt\n",
                    vm->parked.cs, (unsigned long long)vm->parked.rip);
        else
            fprintf(stderr,
                    "simple-kvm: note: the guest is parked in a jump to "
                    "itself at RIP 0x%llx (%u-bit code) with nothing to "
                    "interrupt it: run ended as a halt\n",
                    (unsigned long long)vm->parked.rip, vm->parked.bits);
    }
    /* The guest's writes reach the file even when the run failed. */
    if (o->disk_writable && b->bios.dirty &&
        bios_disk_write_back(&b->bios, o->boot_path, &werr) < 0 && rc == 0) {
        *err = werr;
        return -1;
    }
    return rc;
}

void boot_free(struct boot *b)
{
    if (b->open)
        bios_free(&b->bios);
    b->open = false;
}
