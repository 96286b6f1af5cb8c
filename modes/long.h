/* long.h - long mode's page tables, shared by the modes built on them
 * (long, compat, la57): PML4 -> PDPT -> PD identity-mapping all RAM. */
#ifndef SKVM_MODES_LONG_H
#define SKVM_MODES_LONG_H

#include <linux/kvm.h>
#include <stdint.h>

#include "modes/mode.h"

/* Bytes of page directories past the first GiB's, at the top of low RAM
 * (mode.high_tables). */
uint64_t long_high_tables(const struct mode_env *env);

/* Write the PML4 (LAYOUT_PAGING_BASE), PDPT and directories, the extra
 * ones from extra_pd_base up, and set CR3, CR4.PAE, CR0.PG and
 * EFER.LME|LMA: long mode's paging, whatever the code segment. */
int long_paging_setup(const struct mode_env *env, uint64_t extra_pd_base,
                      struct kvm_sregs *sregs);

#endif
