/* explain_json.c - the --explain JSON object (see explain_json.h). */
#include "app/explain_json.h"

#include <stdio.h>

#include "app/json.h"
#include "core/x86.h"
#include "diag/explain.h"

static void add(struct json_object *o, const char *k, struct json_object *v)
{
    json_object_object_add(o, k, v);
}

static void seg_cb(void *ctx, const struct explain_seg *g)
{
    struct json_object *o = json_object_new_object();

    add(o, "selector", json_hex(g->selector));
    add(o, "raw", json_hex(g->raw));
    add(o, "what", json_object_new_string(g->what));
    if (g->raw) {
        add(o, "base", json_hex(g->base));
        add(o, "limit", json_hex(g->limit));
        add(o, "type", json_object_new_int((int)g->type));
        add(o, "s", json_object_new_boolean(g->s));
        add(o, "dpl", json_object_new_int((int)g->dpl));
        add(o, "present", json_object_new_boolean(g->present));
        add(o, "l", json_object_new_boolean(g->l));
        add(o, "db", json_object_new_boolean(g->db));
        add(o, "g", json_object_new_boolean(g->g));
    }
    json_object_array_add(ctx, o);
}

static void run_cb(void *ctx, const struct explain_run *r)
{
    struct json_object *o = json_object_new_object();
    char flags[64];

    add(o, "depth", json_object_new_int((int)r->depth));
    add(o, "table", json_object_new_string(r->table));
    add(o, "table_address", json_hex(r->table_gpa));
    add(o, "first", json_object_new_int((int)r->first));
    add(o, "last", json_object_new_int((int)r->last));
    add(o, "linear", json_hex(r->linear));
    add(o, "linear_end", json_hex(r->linear_end));
    add(o, r->page_size ? "physical" : "next_table", json_hex(r->target));
    if (r->page_size)
        add(o, "page_size", json_hex(r->page_size));
    add(o, "flags", json_object_new_string(
                        explain_flags(r->flags, r->page_size != 0, flags,
                                      sizeof(flags))));
    json_object_array_add(ctx, o);
}

static void bit_cb(void *ctx, const struct explain_bit *b)
{
    struct json_object *o = json_object_new_object();

    add(o, "register", json_object_new_string(b->reg));
    add(o, "name", json_object_new_string(b->name));
    add(o, "bit", json_object_new_int((int)b->bit));
    add(o, "why", json_object_new_string(b->why));
    json_object_array_add(ctx, o);
}

struct json_object *explain_to_json(const struct mode *mode,
                                    const struct guestmem *mem,
                                    const struct kvm_sregs *s,
                                    const struct kvm_regs *r)
{
    struct json_object *o = json_object_new_object();
    struct json_object *cs = json_object_new_object();
    struct json_object *cr = json_object_new_object();
    struct json_object *bits = json_object_new_array();
    struct json_object *gdt = json_object_new_object();
    struct json_object *entries = json_object_new_array();
    struct json_object *idt = json_object_new_object();
    struct json_object *paging = json_object_new_object();
    struct json_object *runs = json_object_new_array();
    struct json_object *layout = json_object_new_array();
    struct explain_idt i;
    unsigned levels;

    if (!o || !cs || !cr || !bits || !gdt || !entries || !idt || !paging ||
        !runs || !layout) {
        json_object_put(o), json_object_put(cs), json_object_put(cr);
        json_object_put(bits), json_object_put(gdt), json_object_put(entries);
        json_object_put(idt), json_object_put(paging), json_object_put(runs);
        json_object_put(layout);
        return NULL;
    }
    add(o, "mode", json_object_new_string(mode->name));
    add(o, "summary", json_object_new_string(mode->summary));
    add(cs, "selector", json_hex(s->cs.selector));
    add(cs, "l", json_object_new_boolean(s->cs.l));
    add(cs, "db", json_object_new_boolean(s->cs.db));
    add(o, "cs", cs);
    add(o, "rip", json_hex(r->rip));
    add(o, "rsp", json_hex(r->rsp));
    add(o, "rflags", json_hex(r->rflags));
    add(cr, "cr0", json_hex(s->cr0));
    add(cr, "cr3", json_hex(s->cr3));
    add(cr, "cr4", json_hex(s->cr4));
    add(cr, "efer", json_hex(s->efer));
    explain_cr_bits(s, bit_cb, bits);
    add(cr, "bits", bits);
    add(o, "control_registers", cr);
    add(gdt, "base", json_hex(s->gdt.base));
    add(gdt, "limit", json_hex(s->gdt.limit));
    if (s->cr0 & X86_CR0_PE)
        explain_gdt(mem, s, seg_cb, entries);
    add(gdt, "entries", entries);
    add(o, "gdt", gdt);
    explain_idt(mem, s, &i);
    add(idt, "base", json_hex(i.base));
    add(idt, "limit", json_hex(i.limit));
    add(idt, "kind", json_object_new_string(
                         i.entry_size == X86_IVT_ENTRY_SIZE ? "IVT" : "IDT"));
    add(idt, "entry_size", json_object_new_int((int)i.entry_size));
    add(idt, "vectors", json_object_new_int((int)i.vectors));
    add(idt, "to_loader_stubs", json_object_new_int((int)i.to_stubs));
    add(idt, "loaders", json_object_new_boolean(i.ours));
    if (i.entry_size != X86_IVT_ENTRY_SIZE)
        add(idt, "gate_selector", json_hex(i.selector));
    add(idt, "df_ist", json_object_new_int((int)i.df_ist));
    add(o, "idt", idt);
    add(paging, "form", json_object_new_string(explain_paging_form(s, &levels)));
    add(paging, "levels", json_object_new_int((int)levels));
    add(paging, "cr3", json_hex(s->cr3));
    explain_paging(mem, s, run_cb, runs);
    add(paging, "runs", runs);
    add(o, "paging", paging);
    for (size_t k = 0; k < explain_layout_count; k++) {
        struct json_object *a = json_object_new_object();
        add(a, "address", json_hex(explain_layout[k].gpa));
        add(a, "what", json_object_new_string(explain_layout[k].what));
        json_object_array_add(layout, a);
    }
    add(o, "layout", layout);
    return o;
}
