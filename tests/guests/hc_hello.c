/* hc_hello.c - a freestanding C guest using include/skvm_hypercall.h.
 *
 * Built for 32- and 64-bit like hello.c (flat.ld, -ffreestanding
 * -fno-pic). Uses every hypercall; checks translate itself and exits
 * with a distinct status per failed check, 0 when all held.
 */
#include "skvm_hypercall.h"

#define UNMAPPED_ADDR 0x80000000u /* far beyond the test's 2 MiB of RAM */

static char stats[SKVM_HC_STATS_SIZE];

void __attribute__((noreturn, section(".start"))) _start(void)
{
    skvm_u32 first = skvm_exit_count();

    skvm_print_str("Hello from C through hypercalls\n");
    skvm_print_u32(first);
    skvm_exit_stats(stats);
    skvm_print_str(stats);
    if (skvm_translate(skvm_ptr(stats)) != skvm_ptr(stats))
        skvm_exit(2); /* the loader maps RAM at virtual = physical */
    if (skvm_translate(UNMAPPED_ADDR) != SKVM_HC_UNMAPPED)
        skvm_exit(3);
    skvm_putchar('!');
    skvm_putchar('\n');
    skvm_exit(0);
}
