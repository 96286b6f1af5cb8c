/* json.c - every --json rendering: the run's outcome, its stats and the
 * crash report. The only user of json-c. */
#include "app/json.h"

#include <stdio.h>

#include "core/x86.h"
#include "diag/disasm.h"
#include "kvm/exit_reasons.h"

static const char *result_name(const struct skvm_err *err)
{
    if (!err)
        return "pass";
    switch (err->status) {
    case SKVM_PASS: return "pass";
    case SKVM_CHECK_FAILED: return "check_failed";
    case SKVM_USAGE: return "usage_error";
    case SKVM_HOST: return "host_cannot_run";
    case SKVM_GUEST_FAULT: return "guest_fault";
    case SKVM_TIMEOUT: return "timeout";
    case SKVM_SIGNAL: return "signal";
    }
    return "unknown";
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
            bad |= add_u64(reasons, stats_reason_label(r, buf, sizeof(buf)),
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
    bad |= add_u64(o, "unknown_port_accesses", s->unknown_ports);
    struct json_object *devs = json_object_new_object();
    for (unsigned d = 0; devs && d < DEV_N; d++)
        if (s->devices[d])
            bad |= add_u64(devs, dev_name((enum dev_id)d), s->devices[d]);
    bad |= devs ? json_object_object_add(o, "devices", devs) : 1;
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

struct json_object *json_hex(uint64_t v)
{
    char buf[24];

    snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
    return json_object_new_string(buf);
}

static struct json_object *flags_json(uint64_t v, const struct crash_flags *fl)
{
    struct json_object *o = json_object_new_object();
    struct json_object *names = json_object_new_array();

    for (size_t i = 0; names && i < fl->n; i++)
        if (v & X86_BIT(fl->f[i].bit))
            json_object_array_add(names,
                                  json_object_new_string(fl->f[i].name));
    json_object_object_add(o, "value", json_hex(v));
    json_object_object_add(o, "flags", names);
    return o;
}

static struct json_object *seg_json(const struct kvm_segment *s)
{
    struct json_object *o = json_object_new_object();
    char type[64];

    json_object_object_add(o, "selector", json_hex(s->selector));
    json_object_object_add(o, "base", json_hex(s->base));
    json_object_object_add(o, "limit", json_hex(s->limit));
    json_object_object_add(o, "type", json_object_new_int(s->type));
    json_object_object_add(
        o, "type_name",
        json_object_new_string(crash_seg_type(s, type, sizeof(type))));
    json_object_object_add(o, "dpl", json_object_new_int(s->dpl));
    json_object_object_add(o, "present", json_object_new_boolean(s->present));
    json_object_object_add(o, "db", json_object_new_boolean(s->db));
    json_object_object_add(o, "l", json_object_new_boolean(s->l));
    json_object_object_add(o, "g", json_object_new_boolean(s->g));
    json_object_object_add(o, "unusable",
                           json_object_new_boolean(s->unusable));
    return o;
}

static struct json_object *regs_json(const struct kvm_regs *r)
{
    struct json_object *o = json_object_new_object();
    const struct {
        const char *name;
        uint64_t v;
    } regs[] = {
        {"rax", r->rax}, {"rbx", r->rbx}, {"rcx", r->rcx}, {"rdx", r->rdx},
        {"rsi", r->rsi}, {"rdi", r->rdi}, {"rbp", r->rbp}, {"rsp", r->rsp},
        {"r8", r->r8},   {"r9", r->r9},   {"r10", r->r10}, {"r11", r->r11},
        {"r12", r->r12}, {"r13", r->r13}, {"r14", r->r14}, {"r15", r->r15},
        {"rip", r->rip}, {"rflags", r->rflags},
    };

    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
        json_object_object_add(o, regs[i].name, json_hex(regs[i].v));
    return o;
}

static struct json_object *code_json(const struct crash_state *c)
{
    struct json_object *a = json_object_new_array();
    struct disasm d;
    char why[128];

    if (!c->rip_mapped ||
        disasm_around(c->code, c->code_len, c->code_base, c->rip_linear,
                      c->bits, CRASH_INSNS_AFTER, &d, why, sizeof(why)) < 0)
        return a;
    int culprit = crash_culprit_line(c, &d);
    for (unsigned i = 0; i < d.n; i++) {
        const struct disasm_line *l = &d.lines[i];
        struct json_object *o = json_object_new_object();
        char bytes[3 * DISASM_MAX_INSN_BYTES + 1] = "";
        for (unsigned b = 0; b < l->len; b++)
            snprintf(bytes + 3 * b, sizeof(bytes) - 3 * b, "%s%02x",
                     b ? " " : "", l->bytes[b]);
        json_object_object_add(o, "address", json_hex(l->addr));
        json_object_object_add(o, "bytes", json_object_new_string(bytes));
        json_object_object_add(o, "text", json_object_new_string(l->text));
        json_object_object_add(o, "at_rip", json_object_new_boolean(l->at_rip));
        json_object_object_add(o, "caused_exit",
                               json_object_new_boolean((int)i == culprit));
        json_object_array_add(a, o);
    }
    return a;
}

/* The exception that ended the run: vector, name ("#PF", "int 0x10"),
 * error code (null when the CPU pushes none), CR2 (#PF only), the
 * faulting RIP (null when the frame could not be read), its symbol (an
 * ELF image's function+offset, else null) and the cause of
 * an #UD/#NM from an SSE/x87 instruction (null otherwise). */
static struct json_object *exception_json(const struct exception_info *e)
{
    struct json_object *o = json_object_new_object();
    char label[16];

    json_object_object_add(o, "vector", json_object_new_int((int)e->vector));
    json_object_object_add(o, "name", json_object_new_string(
                                          exception_label(e, label,
                                                          sizeof(label))));
    json_object_object_add(o, "description",
                           json_object_new_string(
                               exception_is_cpu(e) ? exception_name(e->vector)
                                                   : "software interrupt"));
    json_object_object_add(o, "error_code",
                           e->has_error_code
                               ? json_object_new_int64(e->error_code)
                               : NULL);
    json_object_object_add(o, "cr2", e->vector == X86_EXC_PF && e->frame_ok
                                         ? json_hex(e->cr2)
                                         : NULL);
    json_object_object_add(o, "rip", e->frame_ok ? json_hex(e->rip) : NULL);
    /* "fault_here+0x7" from an ELF image's symbols, else null. */
    json_object_object_add(o, "symbol",
                           e->rip_symbol[0]
                               ? json_object_new_string(e->rip_symbol)
                               : NULL);
    /* An #UD/#NM from a unit the control registers turned off. */
    json_object_object_add(o, "cause",
                           exception_fpu_text(e)
                               ? json_object_new_string(exception_fpu_text(e))
                               : NULL);
    return o;
}

/* With an ELF image's symbols: RIP's symbol and the frame-pointer
 * backtrace, innermost first (#0 is RIP, the rest return addresses). */
static struct json_object *backtrace_json(const struct crash_state *c)
{
    struct json_object *a = json_object_new_array();
    char sym[SYMBOLS_NAME_MAX + 24];

    for (unsigned i = 0; i <= c->n_frames; i++) {
        uint64_t at = i ? c->frames[i - 1] : c->rip_linear;
        struct json_object *f = json_object_new_object();
        json_object_object_add(f, "address", json_hex(at));
        json_object_object_add(f, "symbol",
                               symbols_name(c->syms, at, sym, sizeof(sym))
                                   ? json_object_new_string(sym)
                                   : NULL);
        json_object_array_add(a, f);
    }
    return a;
}

struct json_object *crash_to_json(const struct crash_state *c)
{
    struct json_object *o = json_object_new_object();
    const char *name = exit_reason_name(c->exit_reason);

    if (!o)
        return NULL;
    json_object_object_add(o, "exit_reason",
                           name ? json_object_new_string(name)
                                : json_object_new_int64(c->exit_reason));
    json_object_object_add(
        o, "meaning", json_object_new_string(exit_reason_meaning(c->exit_reason)));
    if (!c->have_regs)
        return o;
    json_object_object_add(o, "registers_are_reset_state",
                           json_object_new_boolean(c->reset_state));
    json_object_object_add(o, "bits", json_object_new_int((int)c->bits));
    json_object_object_add(o, "registers", regs_json(&c->regs));
    json_object_object_add(o, "rflags", flags_json(c->regs.rflags,
                                                   &crash_rflags_flags));
    struct json_object *segs = json_object_new_object();
    json_object_object_add(segs, "cs", seg_json(&c->sregs.cs));
    json_object_object_add(segs, "ds", seg_json(&c->sregs.ds));
    json_object_object_add(segs, "es", seg_json(&c->sregs.es));
    json_object_object_add(segs, "fs", seg_json(&c->sregs.fs));
    json_object_object_add(segs, "gs", seg_json(&c->sregs.gs));
    json_object_object_add(segs, "ss", seg_json(&c->sregs.ss));
    json_object_object_add(segs, "tr", seg_json(&c->sregs.tr));
    json_object_object_add(segs, "ldt", seg_json(&c->sregs.ldt));
    json_object_object_add(o, "segments", segs);
    json_object_object_add(o, "cr0", flags_json(c->sregs.cr0, &crash_cr0_flags));
    json_object_object_add(o, "cr2", json_hex(c->sregs.cr2));
    json_object_object_add(o, "cr3", json_hex(c->sregs.cr3));
    json_object_object_add(o, "cr4", flags_json(c->sregs.cr4, &crash_cr4_flags));
    json_object_object_add(o, "efer",
                           flags_json(c->sregs.efer, &crash_efer_flags));
    struct json_object *gdtr = json_object_new_object(),
                       *idtr = json_object_new_object();
    json_object_object_add(gdtr, "base", json_hex(c->sregs.gdt.base));
    json_object_object_add(gdtr, "limit", json_hex(c->sregs.gdt.limit));
    json_object_object_add(idtr, "base", json_hex(c->sregs.idt.base));
    json_object_object_add(idtr, "limit", json_hex(c->sregs.idt.limit));
    json_object_object_add(o, "gdtr", gdtr);
    json_object_object_add(o, "idtr", idtr);
    json_object_object_add(o, "rip_linear", json_hex(c->rip_linear));
    json_object_object_add(o, "rip_physical",
                           c->rip_mapped ? json_hex(c->rip_phys) : NULL);
    if (!c->rip_mapped)
        json_object_object_add(o, "rip_unreadable",
                               json_object_new_string(c->unmapped_why));
    json_object_object_add(o, "disassembly", code_json(c));
    if (c->have_backtrace) {
        json_object_object_add(o, "backtrace", backtrace_json(c));
        json_object_object_add(o, "backtrace_end",
                               json_object_new_string(c->backtrace_end));
    }
    return o;
}


/* The screen as dev/vga.h renders it: rows trimmed, UTF-8. */
static struct json_object *vga_json(const struct vga_screen *v)
{
    struct json_object *o = json_object_new_object();
    struct json_object *rows = json_object_new_array();
    struct json_object *cursor = json_object_new_object();
    char text[VGA_ROW_TEXT_MAX];

    if (!o || !rows || !cursor) {
        json_object_put(o);
        json_object_put(rows);
        json_object_put(cursor);
        return NULL;
    }
    for (unsigned r = 0; r < vga_screen_rows(v); r++) {
        size_t len = vga_row_text(v, r, text);
        json_object_array_add(rows, json_object_new_string_len(text,
                                                               (int)len));
    }
    json_object_object_add(o, "rows", rows);
    json_object_object_add(cursor, "row", json_object_new_int((int)v->cursor_row));
    json_object_object_add(cursor, "col", json_object_new_int((int)v->cursor_col));
    json_object_object_add(cursor, "visible",
                           json_object_new_boolean(v->cursor_on));
    json_object_object_add(o, "cursor", cursor);
    return o;
}

static struct json_object *checks_json(const struct outcome *out)
{
    struct json_object *a = json_object_new_array();

    for (unsigned i = 0; a && i < out->checks.n; i++) {
        const struct check_item *c = &out->checks.items[i];
        struct json_object *o = json_object_new_object();
        char what[sizeof(c->what)];
        json_object_object_add(
            o, "what",
            json_object_new_string(check_item_what(c, what, sizeof(what))));
        json_object_object_add(o, "expected",
                               json_object_new_uint64(c->expected));
        json_object_object_add(o, "got", c->readable
                                             ? json_object_new_uint64(c->got)
                                             : NULL);
        json_object_object_add(o, "pass", json_object_new_boolean(c->ok));
        json_object_array_add(a, o);
    }
    return a;
}

struct json_object *outcome_to_json(const struct options *opts,
                                    const struct outcome *out,
                                    const struct skvm_err *err)
{
    struct json_object *o = json_object_new_object();
    const char *guest = opts->boot_path    ? opts->boot_path
                        : opts->guest_path ? opts->guest_path
                        : opts->guest_name ? opts->guest_name
                                           : "hello";

    if (!o)
        return NULL;
    json_object_object_add(o, "mode", json_object_new_string(
                                          opts->mode ? opts->mode->name : ""));
    json_object_object_add(o, "guest", json_object_new_string(guest));
    json_object_object_add(o, "format",
                           out->format[0]
                               ? json_object_new_string(out->format)
                               : NULL);
    json_object_object_add(o, "builtin_guest",
                           json_object_new_boolean(!opts->guest_path &&
                                                   !opts->boot_path));
    json_object_object_add(o, "result",
                           json_object_new_string(result_name(err)));
    json_object_object_add(o, "exit_code",
                           json_object_new_int(err ? skvm_exit_code(err) : 0));
    json_object_object_add(o, "error",
                           err ? json_object_new_string(err->msg) : NULL);
    json_object_object_add(o, "checks", out->checked ? checks_json(out) : NULL);
    json_object_object_add(o, "stats",
                           out->ran ? stats_to_json(&out->stats) : NULL);
    json_object_object_add(o, "fault",
                           out->have_crash && outcome_is_fault(err)
                               ? crash_to_json(&out->crash)
                               : NULL);
    json_object_object_add(o, "exception",
                           out->have_crash && out->crash.have_exception
                               ? exception_json(&out->crash.exception)
                               : NULL);
    if (out->have_crash && !outcome_is_fault(err))
        json_object_object_add(o, "dump", crash_to_json(&out->crash));
    json_object_object_add(o, "debug_exit",
                           out->debug_exit_written
                               ? json_object_new_uint64(out->debug_exit_value)
                               : NULL);
    if (out->have_vga)
        json_object_object_add(o, "vga", vga_json(&out->vga));
    if (out->explain_json) /* --explain --dump: what the guest left */
        json_object_object_add(o, "explain",
                               json_tokener_parse(out->explain_json));
    return o;
}

void json_print_outcome(const struct options *opts, const struct outcome *out,
                        const struct skvm_err *err, FILE *f)
{
    struct json_object *o = outcome_to_json(opts, out, err);

    if (o)
        fprintf(f, "%s\n",
                json_object_to_json_string_ext(
                    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                           JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}
