/* stats.c - exit, port and hypercall counters, and the --stats table. */
#include "diag/stats.h"

#include <string.h>
#include <time.h>

#include "kvm/exit_reasons.h"
#include "core/hypercall.h"

#define NS_PER_S UINT64_C(1000000000)
#define NS_PER_MS 1e6

uint64_t stats_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

void stats_init(struct skvm_stats *s, bool timing)
{
    memset(s, 0, sizeof(*s));
    s->timing = timing;
    s->t_wall_start = stats_now_ns();
}

void stats_use_map(struct skvm_stats *s, const struct portmap *map)
{
    s->map = map;
    s->memo.key = 0; /* the same address may now hold another map */
}

void stats_loop_begin(struct skvm_stats *s)
{
    if (s->timing)
        s->t_loop_start = stats_now_ns();
}

void stats_loop_end(struct skvm_stats *s)
{
    if (s->timing)
        s->loop_ns += stats_now_ns() - s->t_loop_start;
}

void stats_run_end(struct skvm_stats *s)
{
    if (s->timing)
        s->kvm_run_ns += stats_now_ns() - s->t_run_start;
}

void stats_count_exit(struct skvm_stats *s, uint32_t reason)
{
    s->exits++;
    if (reason < STATS_MAX_REASON)
        s->by_reason[reason]++;
    else
        s->other_reason++;
}

/* Count one exit of (port, out); returns the port's slot in ports[], or
 * -1 when the table is full and it went to the other ports. */
static int count_io(struct skvm_stats *s, uint16_t port, bool out,
                    uint64_t bytes)
{
    /* Linear search: a guest uses a handful of ports, the console first. */
    for (unsigned i = 0; i < s->n_ports; i++) {
        struct stats_port *p = &s->ports[i];
        if (p->port == port && p->out == out) {
            p->exits++;
            p->bytes += bytes;
            return (int)i;
        }
    }
    if (s->n_ports == STATS_MAX_PORTS) {
        s->other_port_exits++;
        return -1;
    }
    s->ports[s->n_ports] = (struct stats_port){.port = port, .out = out,
                                               .exits = 1, .bytes = bytes};
    return (int)s->n_ports++;
}

/* Count one call of `name`; its slot in hypercalls[], or -1 (others). */
static int count_hypercall(struct skvm_stats *s, const char *name)
{
    if (!name)
        name = "unknown";
    for (unsigned i = 0; i < s->n_hypercalls; i++)
        if (s->hypercalls[i].name == name ||
            strcmp(s->hypercalls[i].name, name) == 0) {
            s->hypercalls[i].calls++;
            return (int)i;
        }
    if (s->n_hypercalls == STATS_MAX_HYPERCALLS) {
        s->other_hypercalls++;
        return -1;
    }
    s->hypercalls[s->n_hypercalls] =
        (struct stats_hypercall){.name = name, .calls = 1};
    return (int)s->n_hypercalls++;
}

void stats_count_io(struct skvm_stats *s, uint16_t port, bool out,
                    uint64_t bytes)
{
    (void)count_io(s, port, out, bytes);
}

void stats_count_hypercall(struct skvm_stats *s, const char *name)
{
    (void)count_hypercall(s, name);
}

/* The dispatcher's own table names the calls (core/hypercall). */
const char *stats_hypercall_name(const struct skvm_stats *s, uint16_t port,
                                 bool out)
{
    return hypercall_name(s->map, port, out);
}

void stats_count_port_io(struct skvm_stats *s, const struct kvm_run *run)
{
    bool out = run->io.direction == KVM_EXIT_IO_OUT;
    uint64_t bytes = (uint64_t)run->io.size * run->io.count;
    uint32_t key = run->io.port | (uint32_t)out << 16 | 1u << 17;

    if (s->memo.key == key && s->memo.map == s->map) {
        s->ports[s->memo.port_index].exits++;
        s->ports[s->memo.port_index].bytes += bytes;
        if (s->memo.hypercall_index >= 0)
            s->hypercalls[s->memo.hypercall_index].calls++;
        if (s->memo.dev >= 0)
            s->devices[s->memo.dev]++;
        else if (s->memo.dev == -1)
            s->unknown_ports++;
        return;
    }
    const char *hc = stats_hypercall_name(s, run->io.port, out);
    int dev = -2;
    int pi = count_io(s, run->io.port, out, bytes);
    int hi = hc ? count_hypercall(s, hc) : -1;

    if (portmap_lookup(s->map, run->io.port,
                       out ? PORTMAP_OUT : PORTMAP_IN) < 0) {
        /* The run loop gives what the map leaves to the devices. */
        dev = devices_claim(run->io.port, out ? DEV_OUT : DEV_IN);
        if (dev >= 0)
            s->devices[dev]++;
        else
            s->unknown_ports++, dev = -1;
    }
    /* Remembered only where every count above has its own slot. */
    s->memo.key = pi >= 0 && (!hc || hi >= 0) ? key : 0;
    s->memo.map = s->map;
    s->memo.port_index = pi >= 0 ? (unsigned)pi : 0;
    s->memo.hypercall_index = hi;
    s->memo.dev = dev;
}

void stats_finish(struct skvm_stats *s)
{
    s->wall_ns = stats_now_ns() - s->t_wall_start;
}

uint64_t stats_host_ns(const struct skvm_stats *s)
{
    return s->loop_ns > s->kvm_run_ns ? s->loop_ns - s->kvm_run_ns : 0;
}

const char *stats_reason_label(uint32_t reason, char *buf, size_t len)
{
    const char *name = exit_reason_name(reason);

    if (name)
        return name;
    snprintf(buf, len, "exit reason %u", reason);
    return buf;
}

void stats_print(const struct skvm_stats *s, FILE *out)
{
    char buf[32];

    fprintf(out, "simple-kvm stats:\n");
    fprintf(out, "  VM exits: %llu\n", (unsigned long long)s->exits);
    for (uint32_t r = 0; r < STATS_MAX_REASON; r++)
        if (s->by_reason[r])
            fprintf(out, "    %-24s %10llu\n",
                    stats_reason_label(r, buf, sizeof(buf)),
                    (unsigned long long)s->by_reason[r]);
    if (s->other_reason)
        fprintf(out, "    %-24s %10llu\n", "other reasons",
                (unsigned long long)s->other_reason);
    fprintf(out, "  port I/O exits:%s\n", s->n_ports ? "" : " none");
    for (unsigned i = 0; i < s->n_ports; i++)
        fprintf(out, "    port 0x%04x %-3s          %10llu exits, %llu bytes\n",
                s->ports[i].port, s->ports[i].out ? "OUT" : "IN",
                (unsigned long long)s->ports[i].exits,
                (unsigned long long)s->ports[i].bytes);
    if (s->other_port_exits)
        fprintf(out, "    %-24s %10llu exits\n", "other ports",
                (unsigned long long)s->other_port_exits);
    fprintf(out, "  hypercalls:%s\n", s->n_hypercalls ? "" : " none");
    for (unsigned i = 0; i < s->n_hypercalls; i++)
        fprintf(out, "    %-24s %10llu\n", s->hypercalls[i].name,
                (unsigned long long)s->hypercalls[i].calls);
    if (s->other_hypercalls)
        fprintf(out, "    %-24s %10llu\n", "other hypercalls",
                (unsigned long long)s->other_hypercalls);
    for (unsigned d = 0; d < DEV_N; d++)
        if (s->devices[d])
            fprintf(out, "  device %-17s %10llu accesses\n",
                    dev_name((enum dev_id)d),
                    (unsigned long long)s->devices[d]);
    if (s->unknown_ports)
        fprintf(out, "  unknown port accesses: %llu (--unknown-ports)\n",
                (unsigned long long)s->unknown_ports);
    if (s->lazy_ram_exits)
        fprintf(out, "  lazy RAM: %llu exits were first touches of RAM "
                     "registered with KVM on demand\n",
                (unsigned long long)s->lazy_ram_exits);
    fprintf(out,
            "  time: %.3f ms in KVM_RUN (guest), %.3f ms in the host's exit "
            "handling, %.3f ms wall\n",
            (double)s->kvm_run_ns / NS_PER_MS,
            (double)stats_host_ns(s) / NS_PER_MS,
            (double)s->wall_ns / NS_PER_MS);
}

static void obs_start(void *ctx)
{
    stats_loop_begin(ctx);
}

static void obs_end(void *ctx, int rc, const struct skvm_err *err)
{
    (void)rc;
    (void)err;
    stats_loop_end(ctx);
}

static void obs_run_begin(void *ctx)
{
    stats_run_begin(ctx);
}

static void obs_run_end(void *ctx)
{
    stats_run_end(ctx);
}

static bool obs_exit(void *ctx, const struct vm *vm)
{
    struct skvm_stats *s = ctx;

    stats_count_exit(s, vm->run->exit_reason);
    if (vm->run->exit_reason == KVM_EXIT_IO)
        stats_count_port_io(s, vm->run);
    return false;
}

static void obs_lazy_ram(void *ctx)
{
    stats_count_lazy_ram(ctx);
}

struct run_observer stats_observer(struct skvm_stats *s)
{
    struct run_observer o = {
        .ctx = s,
        .on_start = obs_start,
        .on_end = obs_end,
        .on_exit = obs_exit,
        .on_lazy_ram = obs_lazy_ram,
    };
    if (s->timing) { /* the clock costs nothing when nobody reads it */
        o.run_begin = obs_run_begin;
        o.run_end = obs_run_end;
    }
    return o;
}
