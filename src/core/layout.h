/* layout.h - the guest-physical memory layout, one truth for host and guests.
 *
 * The values live in meson.build's `layout` dictionary, which generates
 * both layout_gen.h (C) and layout.inc (NASM), so guests and host cannot
 * disagree. This header adds the derived values and their sanity checks.
 *
 *   0x00000000  image (default load address)    guest code, data
 *   0x00000400  RESULT: built-in guests store 42 here
 *   0x000F0000  SYS area, 64 KiB, where a PC's BIOS would be:
 *     0x000F0000  GDT
 *     0x000F1000  PML4 (long) or page directory (paged32)
 *     0x000F2000  PDPT (long)
 *     0x000F3000  page directory for the first GiB (long)
 *   0x00200000  initial stack top (protected, paged32, long)
 *   top of low RAM: long mode's page directories for GiBs past the
 *               first, when there are no 1 GiB pages (one 4K page each)
 *   0xC0000000  end of low RAM: the hole holds KVM's TSS pages
 *   0x100000000 high RAM: whatever --mem has beyond 3 GiB
 */
#ifndef SKVM_LAYOUT_H
#define SKVM_LAYOUT_H

#include "layout_gen.h"

#define LAYOUT_SYS_END       (LAYOUT_SYS_BASE + LAYOUT_SYS_SIZE)
#define LAYOUT_HOLE_SIZE     (LAYOUT_HIGH_RAM_BASE - LAYOUT_LOW_RAM_END)

_Static_assert(LAYOUT_GDT_BASE >= LAYOUT_SYS_BASE, "GDT inside SYS");
_Static_assert(LAYOUT_PD_BASE < LAYOUT_SYS_END, "room for a PD");
_Static_assert(LAYOUT_TSS_ADDR >= LAYOUT_LOW_RAM_END &&
                   LAYOUT_TSS_ADDR + 3 * 0x1000 <= LAYOUT_HIGH_RAM_BASE,
               "KVM's three TSS pages sit in the hole");
_Static_assert(LAYOUT_IDENTITY_MAP_ADDR >= LAYOUT_LOW_RAM_END &&
                   LAYOUT_IDENTITY_MAP_ADDR + 0x1000 <= LAYOUT_TSS_ADDR,
               "KVM's identity-map page sits in the hole");

#endif
