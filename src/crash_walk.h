/* crash_walk.h - linear to guest-physical, through the guest's own page
 * tables, for the crash report (finding the bytes at RIP).
 *
 * TODO: switch to src/paging.c (the hypercalls work adds a shared page
 * walk) once it is on main; this file is the minimal read-only walk the
 * crash report needs until then.
 *
 * Reads every table entry through guestmem (checked); a table outside
 * RAM or a non-present entry ends the walk with a reason. Never writes
 * (no accessed/dirty bits), so reporting cannot change the guest.
 */
#ifndef SKVM_CRASH_WALK_H
#define SKVM_CRASH_WALK_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "guestmem.h"

/* Physical address of `linear` under the paging mode sregs describe
 * (none, 32-bit, PAE, 4-level). 0 on success; -1 with `why` filled
 * ("PDE 0x... not present") when the address is not mapped. */
int crash_walk(const struct guestmem *mem, const struct kvm_sregs *sregs,
               uint64_t linear, uint64_t *phys, char *why, size_t why_len);

#endif
