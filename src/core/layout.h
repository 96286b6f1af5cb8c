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
 *     0x000F1000  PML4 (long, compat, la57), page directory (paged32)
 *                 or the 4-entry PDPT (pae)
 *     0x000F2000  PDPT (long, compat, la57)
 *     0x000F3000  page directory for the first GiB (long, compat, la57,
 *                 pae)
 *     0x000F4000  IDT (IVT in real mode): every vector to a stub
 *     0x000F5000  256 HLT stubs, one per vector: the host names the
 *                 exception from the stub's address (core/exception.h)
 *     0x000F6000  long mode TSS: RSP0 and IST1 (#DF) stacks, and an
 *                 I/O bitmap that allows every port, as the reset
 *                 state's TSS did
 *     0x000F9000  the two exception stacks (top 0x000FA000)
 *     0x000FA000  the host's hypercall page: exit_stats_ptr's text, in
 *                 every mode (images may not overlap it)
 *     0x000FB000  Multiboot information (core/multiboot.h): the info
 *                 struct, memory map, module list and strings, up to
 *                 the end of SYS; inside the PC hole the memory map
 *                 calls reserved (0x000A0000-0x000FFFFF)
 *   0x00200000  initial stack top (protected, paged32, long)
 *   top of low RAM: long mode's page directories for GiBs past the
 *               first, when there are no 1 GiB pages (one 4K page each);
 *               pae's for GiBs 1 and 2; la57's PML5 in the last page
 *   0xC0000000  end of low RAM: the hole holds KVM's TSS pages
 *   0x100000000 high RAM: whatever --mem has beyond 3 GiB
 */
#ifndef SKVM_LAYOUT_H
#define SKVM_LAYOUT_H

#include "layout_gen.h"

#define LAYOUT_SYS_END       (LAYOUT_SYS_BASE + LAYOUT_SYS_SIZE)
#define LAYOUT_HOLE_SIZE     (LAYOUT_HIGH_RAM_BASE - LAYOUT_LOW_RAM_END)
#define LAYOUT_HC_PAGE_SIZE  0x1000 /* exit_stats_ptr's page */

_Static_assert(LAYOUT_GDT_BASE >= LAYOUT_SYS_BASE, "GDT inside SYS");
_Static_assert(LAYOUT_PD_BASE < LAYOUT_SYS_END, "room for a PD");
_Static_assert(LAYOUT_IDT_BASE >= LAYOUT_PD_BASE + 0x1000 &&
                   LAYOUT_IDT_BASE + 256 * 16 <= LAYOUT_EXC_STUBS &&
                   LAYOUT_EXC_STUBS + 256 <= LAYOUT_EXC_TSS &&
                   LAYOUT_EXC_TSS + 0x68 + 0x2001 <=
                       LAYOUT_EXC_STACK_TOP - 0x1000 &&
                   LAYOUT_EXC_END <= LAYOUT_SYS_END,
               "IDT, stubs, TSS and #DF stack fit in SYS, in that order");
_Static_assert(LAYOUT_HC_PAGE >= LAYOUT_EXC_END &&
                   LAYOUT_HC_PAGE + LAYOUT_HC_PAGE_SIZE <= LAYOUT_SYS_END,
               "the hypercall page sits in SYS, past the exception area");
_Static_assert(LAYOUT_MB_INFO_BASE >= LAYOUT_HC_PAGE + LAYOUT_HC_PAGE_SIZE &&
                   LAYOUT_MB_INFO_BASE + LAYOUT_MB_INFO_SIZE <= LAYOUT_SYS_END &&
                   LAYOUT_PC_HOLE_BASE <= LAYOUT_SYS_BASE,
               "the Multiboot information sits in SYS, inside the PC hole");
_Static_assert((LAYOUT_EXC_STUBS & 0xFFFF) + 256 <= 0x10000,
               "real mode reaches the stubs from segment F000");
_Static_assert(LAYOUT_TSS_ADDR >= LAYOUT_LOW_RAM_END &&
                   LAYOUT_TSS_ADDR + 3 * 0x1000 <= LAYOUT_HIGH_RAM_BASE,
               "KVM's three TSS pages sit in the hole");
_Static_assert(LAYOUT_IDENTITY_MAP_ADDR >= LAYOUT_LOW_RAM_END &&
                   LAYOUT_IDENTITY_MAP_ADDR + 0x1000 <= LAYOUT_TSS_ADDR,
               "KVM's identity-map page sits in the hole");

#endif
