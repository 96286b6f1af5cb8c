/* stats.c - exit, port and hypercall counters, and their two renderings. */
#include "stats.h"

#include <string.h>
#include <time.h>

#include "exits.h"
#include "layout.h"

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

void stats_count_io(struct skvm_stats *s, uint16_t port, bool out,
                    uint64_t bytes)
{
    /* Linear search: a guest uses a handful of ports, the console first. */
    for (unsigned i = 0; i < s->n_ports; i++) {
        struct stats_port *p = &s->ports[i];
        if (p->port == port && p->out == out) {
            p->exits++;
            p->bytes += bytes;
            return;
        }
    }
    if (s->n_ports == STATS_MAX_PORTS) {
        s->other_port_exits++;
        return;
    }
    s->ports[s->n_ports++] =
        (struct stats_port){.port = port, .out = out, .exits = 1,
                            .bytes = bytes};
}

void stats_count_hypercall(struct skvm_stats *s, const char *name)
{
    if (!name)
        name = "unknown";
    for (unsigned i = 0; i < s->n_hypercalls; i++)
        if (s->hypercalls[i].name == name ||
            strcmp(s->hypercalls[i].name, name) == 0) {
            s->hypercalls[i].calls++;
            return;
        }
    if (s->n_hypercalls == STATS_MAX_HYPERCALLS) {
        s->other_hypercalls++;
        return;
    }
    s->hypercalls[s->n_hypercalls++] =
        (struct stats_hypercall){.name = name, .calls = 1};
}

/* The hypercall ABI's ports (docs/hypercalls.md), by the direction that
 * makes the call. */
static const struct {
    uint16_t port;
    bool out;
    const char *name;
} hypercall_ports[] = {
    {LAYOUT_PORT_HC_EXIT, true, "exit"},
    {LAYOUT_PORT_HC_PRINT_U32, true, "print_u32"},
    {LAYOUT_PORT_HC_PRINT_STR, true, "print_str"},
    {LAYOUT_PORT_HC_EXIT_COUNT, false, "exit_count"},
    {LAYOUT_PORT_HC_EXIT_STATS, true, "exit_stats"},
    {LAYOUT_PORT_HC_TRANSLATE, true, "translate"},
};

const char *stats_hypercall_name(uint16_t port, bool out)
{
    for (size_t i = 0; i < sizeof(hypercall_ports) / sizeof(hypercall_ports[0]);
         i++)
        if (hypercall_ports[i].port == port && hypercall_ports[i].out == out)
            return hypercall_ports[i].name;
    return NULL;
}

void stats_count_port_io(struct skvm_stats *s, const struct kvm_run *run)
{
    bool out = run->io.direction == KVM_EXIT_IO_OUT;
    const char *hc = stats_hypercall_name(run->io.port, out);

    stats_count_io(s, run->io.port, out, (uint64_t)run->io.size * run->io.count);
    if (hc)
        stats_count_hypercall(s, hc);
}

void stats_finish(struct skvm_stats *s)
{
    s->wall_ns = stats_now_ns() - s->t_wall_start;
}

uint64_t stats_host_ns(const struct skvm_stats *s)
{
    return s->loop_ns > s->kvm_run_ns ? s->loop_ns - s->kvm_run_ns : 0;
}

static const char *reason_label(uint32_t reason, char *buf, size_t len)
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
                    reason_label(r, buf, sizeof(buf)),
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

static int add_u64(struct json_object *o, const char *key, uint64_t v)
{
    struct json_object *n = json_object_new_uint64(v);

    return n ? json_object_object_add(o, key, n) : -1;
}

struct json_object *stats_to_json(const struct skvm_stats *s)
{
    struct json_object *o = json_object_new_object();
    struct json_object *reasons = json_object_new_object();
    struct json_object *ports = json_object_new_array();
    struct json_object *hcalls = json_object_new_object();
    struct json_object *time = json_object_new_object();
    char buf[32];
    int bad = 0;

    if (!o || !reasons || !ports || !hcalls || !time)
        goto fail;
    for (uint32_t r = 0; r < STATS_MAX_REASON; r++)
        if (s->by_reason[r])
            bad |= add_u64(reasons, reason_label(r, buf, sizeof(buf)),
                           s->by_reason[r]);
    if (s->other_reason)
        bad |= add_u64(reasons, "other", s->other_reason);
    for (unsigned i = 0; i < s->n_ports; i++) {
        struct json_object *p = json_object_new_object();
        if (!p)
            goto fail;
        json_object_array_add(ports, p);
        bad |= add_u64(p, "port", s->ports[i].port);
        bad |= json_object_object_add(
            p, "direction",
            json_object_new_string(s->ports[i].out ? "out" : "in"));
        bad |= add_u64(p, "exits", s->ports[i].exits);
        bad |= add_u64(p, "bytes", s->ports[i].bytes);
    }
    for (unsigned i = 0; i < s->n_hypercalls; i++)
        bad |= add_u64(hcalls, s->hypercalls[i].name, s->hypercalls[i].calls);
    if (s->other_hypercalls)
        bad |= add_u64(hcalls, "other", s->other_hypercalls);
    bad |= add_u64(time, "kvm_run_ns", s->kvm_run_ns);
    bad |= add_u64(time, "host_ns", stats_host_ns(s));
    bad |= add_u64(time, "wall_ns", s->wall_ns);
    bad |= add_u64(o, "exits", s->exits);
    bad |= json_object_object_add(o, "exits_by_reason", reasons);
    reasons = NULL;
    bad |= add_u64(o, "other_port_exits", s->other_port_exits);
    bad |= add_u64(o, "lazy_ram_exits", s->lazy_ram_exits);
    bad |= json_object_object_add(o, "io_ports", ports);
    ports = NULL;
    bad |= json_object_object_add(o, "hypercalls", hcalls);
    hcalls = NULL;
    bad |= json_object_object_add(o, "time", time);
    time = NULL;
    if (bad)
        goto fail;
    return o;
fail:
    json_object_put(reasons);
    json_object_put(ports);
    json_object_put(hcalls);
    json_object_put(time);
    json_object_put(o);
    return NULL;
}
