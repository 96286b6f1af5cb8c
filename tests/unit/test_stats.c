/* test_stats.c - the --stats counters (src/diag/stats.h) on a plain
 * struct, no /dev/kvm: hypercalls counted by name, ports up to the
 * table's size and the rest together, exit reasons beyond the table.
 */
#include <criterion/criterion.h>
#include <linux/kvm.h>

#include "diag/stats.h"

Test(stats, stats_counters)
{
    struct skvm_stats s;
    char dynamic[] = "console_write";

    stats_init(&s, false);
    stats_count_hypercall(&s, "console_write");
    stats_count_hypercall(&s, dynamic); /* same name, other pointer */
    stats_count_hypercall(&s, "exit");
    cr_assert_eq(s.n_hypercalls, 2);
    cr_assert_eq(s.hypercalls[0].calls, 2);
    cr_assert_eq(s.hypercalls[1].calls, 1);
    for (unsigned i = 0; i < STATS_MAX_PORTS + 3; i++)
        stats_count_io(&s, (uint16_t)(0x100 + i), true, 1);
    stats_count_io(&s, 0x100, true, 4);
    stats_count_io(&s, 0x100, false, 1);
    cr_assert_eq(s.n_ports, STATS_MAX_PORTS);
    cr_assert_eq(s.ports[0].exits, 2);
    cr_assert_eq(s.ports[0].bytes, 5);
    cr_assert_eq(s.other_port_exits, 4, "3 new ports + IN on a full table");
    stats_count_exit(&s, KVM_EXIT_IO);
    stats_count_exit(&s, STATS_MAX_REASON + 5);
    cr_assert_eq(s.exits, 2);
    cr_assert_eq(s.by_reason[KVM_EXIT_IO], 1);
    cr_assert_eq(s.other_reason, 1);
}
