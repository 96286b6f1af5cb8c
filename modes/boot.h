/* boot.h - --boot: real mode as a PC BIOS hands it to a boot sector.
 *
 * mode_boot is the real mode entry of the mode table in all but its
 * setup (it is not in the table: --boot picks it): CS:IP = 0000:7C00,
 * DS = ES = SS = 0 and SP = 0x7C00, DL = the boot drive, interrupts on,
 * and the IVT at 0 (IDTR 0/0x3FF), whose vectors lead into the BIOS that
 * core/bios.c installed (bios_install() before vcpu_configure()): the
 * BIOS owns every vector, the loader's own IVT (modes/idt.h) is not used.
 * The drive comes from the BIOS header, where bios_install() put it.
 */
#ifndef SKVM_MODES_BOOT_H
#define SKVM_MODES_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "modes/mode.h"

extern const struct mode mode_boot;

/* The built-in BIOS image (guests/bios.asm). */
const uint8_t *boot_bios_image(size_t *len);

#endif
