/* test_stats.c - the --stats counters (src/diag/stats.h) on a plain
 * struct, no /dev/kvm: hypercalls counted by name, ports up to the
 * table's size and the rest together, exit reasons beyond the table.
 */
#include <criterion/criterion.h>
#include <linux/kvm.h>

#include "core/layout.h"
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

/* A port exit counted through the last-port memo counts exactly as the
 * first one did: port, bytes, hypercall name, unknown ports; a new map
 * forgets it. */
Test(stats, repeated_port_exits)
{
    struct skvm_stats s;
    struct kvm_run run = {.exit_reason = KVM_EXIT_IO};

    stats_init(&s, false);
    run.io.direction = KVM_EXIT_IO_OUT;
    for (unsigned i = 0; i < 5; i++) {
        run.io.port = LAYOUT_PORT_HC_PRINT_U32;
        run.io.size = 4;
        run.io.count = 1;
        stats_count_port_io(&s, &run);
        run.io.port = 0x3333; /* nobody's */
        run.io.size = 1;
        run.io.count = 2;
        stats_count_port_io(&s, &run);
        stats_count_port_io(&s, &run);
    }
    cr_assert_eq(s.n_ports, 2);
    cr_assert_eq(s.ports[0].port, LAYOUT_PORT_HC_PRINT_U32);
    cr_assert_eq(s.ports[0].exits, 5);
    cr_assert_eq(s.ports[0].bytes, 20);
    cr_assert_eq(s.ports[1].exits, 10);
    cr_assert_eq(s.ports[1].bytes, 20);
    cr_assert_eq(s.n_hypercalls, 1);
    cr_assert_str_eq(s.hypercalls[0].name, "print_u32");
    cr_assert_eq(s.hypercalls[0].calls, 5);
    cr_assert_eq(s.unknown_ports, 10);
    stats_use_map(&s, NULL);
    cr_assert_eq(s.memo.key, 0, "a new map: nothing remembered");
}
