/* boot.h - --boot's steps in a session: the disk in, the BIOS placed,
 * and the run's end told (README, "Boot sectors").
 *
 * boot_open() reads the disk (core/bios.h: a regular file, at least one
 * sector, the 0x55 0xAA signature unless --no-signature-check) and gives
 * the session an image of its first sector (for hints); boot_place()
 * writes the BIOS, its tables and the boot sector into the VM and ties
 * the BIOS's cursor to the VGA CRTC; boot_finish() tells why the run
 * ended when the BIOS or a parked guest ended it (int 0x19, no more
 * keys, `jmp $` with nothing to interrupt it) and writes the
 * disk back under --disk-writable.
 */
#ifndef SKVM_APP_BOOT_H
#define SKVM_APP_BOOT_H

#include "err.h"
#include "app/cli.h"
#include "core/bios.h"
#include "core/image.h"
#include "dev/vga.h"
#include "kvm/vm.h"

struct boot {
    struct bios bios;
    struct vga_crtc *crtc; /* where the cursor goes (dev/vga.h) */
    bool open;
};

int boot_open(const struct options *o, struct boot *b, struct image *img,
              struct skvm_err *err);
int boot_place(const struct options *o, struct boot *b, struct vm *vm,
               struct vga_crtc *crtc, struct skvm_err *err);
/* After the run (rc its result): the note on stderr, the write-back.
 * Returns rc, or -1 with err when the write-back failed. */
int boot_finish(const struct options *o, struct boot *b,
                const struct vm *vm, int rc, struct skvm_err *err);
void boot_free(struct boot *b);

#endif
