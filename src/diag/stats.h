/* stats.h - counting what a run did: VM exits by reason, port I/O by port
 * and direction, hypercalls by name, and where the time went.
 *
 * The counters are plain integers bumped by the run loop's observer
 * (stats_observer), so counting is always on (cheap); reading the clock around KVM_RUN happens only when
 * `timing` is set (--stats, --json). Tables are fixed-size: a port or
 * hypercall past the table's room is added to an "other" count, never
 * dropped silently and never allocated for.
 *
 * Hypercalls (docs/hypercalls.md) are counted by name in
 * stats_count_port_io(), through the run's port map (s->map, set by the
 * session; core/hypercall.h's hypercall_name()), and accesses the map
 * does not bind as unknown_ports. Code that knows a call's name can also count it directly:
 *     stats_count_hypercall(stats, "print_str");
 * `name` must outlive the stats (a string literal or a static table
 * entry); names are compared by content.
 */
#ifndef SKVM_DIAG_STATS_H
#define SKVM_DIAG_STATS_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/portmap.h"
#include "dev/devices.h"
#include "kvm/run.h"

#define STATS_MAX_REASON 64   /* exit reasons 0..63; higher go to other */
#define STATS_MAX_PORTS 32    /* distinct (port, direction) pairs */
#define STATS_MAX_HYPERCALLS 32 /* distinct hypercall names */

struct stats_port {
    uint16_t port;
    bool out;        /* OUT (guest to host) or IN */
    uint64_t exits;  /* VM exits for this port and direction */
    uint64_t bytes;  /* data moved: size * count per exit */
};

struct stats_hypercall {
    const char *name;
    uint64_t calls;
};

struct skvm_stats {
    bool timing;        /* read the clock around KVM_RUN */
    uint64_t exits;     /* all VM exits */
    uint64_t by_reason[STATS_MAX_REASON];
    uint64_t other_reason;
    struct stats_port ports[STATS_MAX_PORTS];
    unsigned n_ports;
    uint64_t other_port_exits;
    struct stats_hypercall hypercalls[STATS_MAX_HYPERCALLS];
    unsigned n_hypercalls;
    uint64_t other_hypercalls;
    uint64_t unknown_ports; /* port accesses neither the port map nor a
                               device answers (--unknown-ports) */
    uint64_t devices[DEV_N]; /* accesses each device answered
                                (dev/devices.h), by enum dev_id */
    const struct portmap *map; /* names hypercalls; NULL: the default map */
    uint64_t lazy_ram_exits; /* exits that were the guest's first touch of
                                a piece of lazy RAM (memslots.h) */
    uint64_t kvm_run_ns;  /* inside the KVM_RUN ioctl */
    uint64_t loop_ns;     /* the whole run loop; host = loop - kvm_run */
    uint64_t wall_ns;     /* the whole process, parse to report */
    uint64_t t_wall_start, t_loop_start, t_run_start;
    /* The last port exit's bookkeeping, kept while the map is the same:
     * a guest's exits mostly repeat one port (the console), whose name,
     * counters and owner are then found without a search. */
    struct {
        const struct portmap *map;
        uint32_t key;        /* port | out << 16 | 1 << 17; 0: none */
        unsigned port_index; /* in ports[] */
        int hypercall_index; /* in hypercalls[], -1: not a hypercall */
        int dev;             /* enum dev_id, or -1 unknown, -2 mapped */
    } memo;
};

/* Monotonic nanoseconds. */
uint64_t stats_now_ns(void);

void stats_init(struct skvm_stats *s, bool timing);

/* Name hypercalls after `map` from now on (NULL: the default map). */
void stats_use_map(struct skvm_stats *s, const struct portmap *map);

/* Around the run loop, and around each KVM_RUN (no-ops unless timing). */
void stats_loop_begin(struct skvm_stats *s);
void stats_loop_end(struct skvm_stats *s);
static inline void stats_run_begin(struct skvm_stats *s)
{
    if (s->timing)
        s->t_run_start = stats_now_ns();
}
void stats_run_end(struct skvm_stats *s);

void stats_count_exit(struct skvm_stats *s, uint32_t reason);
void stats_count_io(struct skvm_stats *s, uint16_t port, bool out,
                    uint64_t bytes);
void stats_count_hypercall(struct skvm_stats *s, const char *name);
static inline void stats_count_lazy_ram(struct skvm_stats *s)
{
    s->lazy_ram_exits++;
}

/* One KVM_EXIT_IO: its port and direction, and a hypercall by name when
 * the port is one (only the run page's io header is read). */
void stats_count_port_io(struct skvm_stats *s, const struct kvm_run *run);

/* The hypercall on `port` called in direction `out` ("exit",
 * "translate"), or NULL when that is not a hypercall. Translate's IN
 * (reading the result) is part of the same call, so it is not counted. */
const char *stats_hypercall_name(const struct skvm_stats *s, uint16_t port,
                                 bool out);

/* Set wall_ns from t_wall_start (stats_init records it). */
void stats_finish(struct skvm_stats *s);

/* Host time spent in the run loop outside KVM_RUN. */
uint64_t stats_host_ns(const struct skvm_stats *s);

/* The exit reason's name, or "exit reason N" in buf. */
const char *stats_reason_label(uint32_t reason, char *buf, size_t len);

/* The multi-line table for --stats, on `out`. */
void stats_print(const struct skvm_stats *s, FILE *out);

/* An observer for the run loop (kvm/run.h) that counts into s: every
 * exit, port I/O by port and hypercall, lazy-RAM touches, and the time
 * around KVM_RUN when s->timing. */
struct run_observer stats_observer(struct skvm_stats *s);

#endif
