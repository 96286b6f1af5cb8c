/* test_explain.c - --explain against the setup unit tests' expectations.
 *
 * Every mode runs `--explain --json` on the real vCPU and the answer is
 * held to tests/common/mode_expect.h, the table test_setup.c holds each
 * setup to on a plain buffer: control registers, CR3, CS.L/D, the code
 * descriptor, the IDT's gates, the paging form and its page size. So
 * what --explain shows is what the setup built and what the unit tests
 * expect, for every mode. A mode the host cannot run is skipped with
 * the reason. The text form is checked for each part a learner reads.
 */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/mode_expect.h"
#include "helpers.h"

static struct json_object *get(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;

    cr_assert(json_object_object_get_ex(o, key, &v), "JSON has '%s'", key);
    return v;
}

static uint64_t hexval(struct json_object *o, const char *key)
{
    return strtoull(json_object_get_string(get(o, key)), NULL, 16);
}

static void test_json(const char *mode)
{
    const struct mode_expect *x = mode_expect_find(mode);
    struct skvm_result r;
    char flag[32];
    uint64_t low = 2 << 20; /* the default --mem */

    cr_assert(x, "expectations for %s", mode);
    snprintf(flag, sizeof(flag), "--%s", mode);
    RUN(&r, flag, "--explain", "--json");
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_empty(r.err, "the guest did not run: %s", r.err);
    struct json_object *j = json_tokener_parse(r.out);
    cr_assert(j, "one JSON object: %s", r.out);
    cr_assert_str_eq(json_object_get_string(get(j, "mode")), mode);

    struct json_object *cr = get(j, "control_registers");
    cr_assert_eq(hexval(cr, "cr0"), x->cr0, "%s CR0 %s", mode,
                 json_object_get_string(get(cr, "cr0")));
    cr_assert_eq(hexval(cr, "cr4") & ~X86_CR4_SSE_BITS, x->cr4, "%s CR4",
                 mode);
    cr_assert_eq(hexval(cr, "efer"), x->efer, "%s EFER", mode);
    cr_assert_eq(hexval(cr, "cr3"), mode_expect_cr3(x, low), "%s CR3", mode);

    struct json_object *cs = get(j, "cs");
    cr_assert_eq(json_object_get_boolean(get(cs, "l")), x->cs_l);
    cr_assert_eq(json_object_get_boolean(get(cs, "db")), x->cs_db);

    struct json_object *gdt = get(j, "gdt"), *e = get(gdt, "entries");
    if (x->code_desc) {
        cr_assert_eq(hexval(gdt, "limit"), x->gdt_limit, "%s GDTR", mode);
        cr_assert(json_object_array_length(e) >= 3);
        cr_assert_eq(hexval(json_object_array_get_idx(e, 1), "raw"),
                     x->code_desc, "%s code descriptor", mode);
        cr_assert_eq(hexval(json_object_array_get_idx(e, 2), "raw"),
                     EXPECT_DESC_DATA);
    } else {
        cr_assert_eq(json_object_array_length(e), 0, "real mode: no GDT");
    }

    struct json_object *idt = get(j, "idt");
    cr_assert_eq(json_object_get_int(get(idt, "entry_size")),
                 (int)x->gate_size);
    cr_assert_eq(json_object_get_int(get(idt, "to_loader_stubs")), 256,
                 "every vector to the loader's stubs");
    if (x->handler_cs)
        cr_assert_eq(hexval(idt, "gate_selector"), x->handler_cs);

    struct json_object *pg = get(j, "paging");
    cr_assert_eq(json_object_get_int(get(pg, "levels")),
                 (int)x->paging_levels, "%s levels", mode);
    struct json_object *runs = get(pg, "runs");
    if (x->paging_levels) {
        /* The last run maps the RAM: low (2 MiB) identity-mapped. */
        size_t n = json_object_array_length(runs);
        cr_assert(n >= 1);
        struct json_object *leaf = json_object_array_get_idx(runs, n - 1);
        cr_assert_eq(hexval(leaf, "page_size"),
                     (uint64_t)x->leaf_size_kib << 10, "%s page size", mode);
        cr_assert_eq(hexval(leaf, "linear"), 0);
        cr_assert_eq(hexval(leaf, "physical"), 0, "identity map");
        cr_assert_eq(json_object_get_int(get(leaf, "depth")),
                     (int)x->paging_levels - 2,
                     "%s leaf depth", mode);
    } else {
        cr_assert_eq(json_object_array_length(runs), 0);
    }
    json_object_put(j);
}

static void test_text(const char *mode)
{
    struct skvm_result r;
    char flag[32], head[64];

    snprintf(flag, sizeof(flag), "--%s", mode);
    RUN(&r, flag, "--explain");
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    snprintf(head, sizeof(head), "=== simple-kvm --explain: %s mode ===\n",
             mode);
    cr_assert(strncmp(r.out, head, strlen(head)) == 0, "%s", r.out);
    cr_assert(!strstr(r.out, "Hello from"), "the guest does not run");
    cr_assert(strstr(r.out, "control registers:\n"), "%s", r.out);
    cr_assert(strstr(r.out, "paging: "), "%s", r.out);
    cr_assert(strstr(r.out, "loader's area (core/layout.h):"), "%s", r.out);
    cr_assert(strstr(r.out, "256 entries") && strstr(r.out, "256 lead to "),
              "%s", r.out);
}

/* --dump: the guest runs, then what it left is explained. */
static void test_after_run(const char *mode)
{
    struct skvm_result r;
    char flag[32];

    snprintf(flag, sizeof(flag), "--%s", mode);
    RUN(&r, flag, "--explain", "--dump");
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert(strncmp(r.out, hello_greeting(mode), strlen(hello_greeting(mode))) == 0,
              "the guest ran first: %s", r.out);
    cr_assert(strstr(r.out, "=== simple-kvm --explain: "), "%s", r.out);
    cr_assert(strstr(r.err, "=== simple-kvm crash report (--dump) ==="));
}

#define MODE_EXPLAIN_TESTS(mode)                                               \
    Test(mode##_explain, json_matches_setup) { test_json(#mode); }             \
    Test(mode##_explain, text) { test_text(#mode); }                           \
    Test(mode##_explain, after_run) { test_after_run(#mode); }

MODE_EXPLAIN_TESTS(long)
MODE_EXPLAIN_TESTS(protected)
MODE_EXPLAIN_TESTS(paged32)
MODE_EXPLAIN_TESTS(real)
MODE_EXPLAIN_TESTS(pae)
MODE_EXPLAIN_TESTS(compat)
MODE_EXPLAIN_TESTS(la57)

/* Details a learner reads in the text: decoded descriptors, named bits. */
Test(cli_explain, compat_text_names_its_parts)
{
    struct skvm_result r;

    RUN(&r, "--compat", "--explain");
    skip_if_host_cannot(&r, "compat");
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.out, "32-bit code in compatibility mode"), "%s", r.out);
    cr_assert(strstr(r.out, "EFER.LMA        (bit 10)"), "%s", r.out);
    cr_assert(strstr(r.out, "0x28  00af9b000000ffff  "), "%s", r.out);
    cr_assert(strstr(r.out, "code, 64-bit (L=1)"), "%s", r.out);
    cr_assert(strstr(r.out, "gates: interrupt gates to selector 0x28"), "%s",
              r.out);
    cr_assert(strstr(r.out, "paging: 4-level (4 levels), CR3 -> 0xf1000"),
              "%s", r.out);
    cr_assert(strstr(r.out, "PD at 0xf3000 [0]: linear 0x0-0x1fffff -> "
                            "physical 0x0, 2 MiB pages [P RW PS]"),
              "%s", r.out);
}

/* --explain --dump --json: the run's one object carries the state the
 * guest left as "explain"; here the hypercalls guest's alias (PDPT entry
 * 3, made by the guest itself) is in it. */
Test(cli_explain, dump_json_after_run)
{
    struct skvm_result r;

    RUN(&r, "--compat", "--guest-name", "hypercalls", "--explain", "--dump",
        "--json");
    skip_if_host_cannot(&r, "compat");
    cr_assert_eq(r.code, 0, "%s", r.err);
    struct json_object *j = json_tokener_parse(r.out);
    cr_assert(j, "one JSON object: %s", r.out);
    cr_assert_str_eq(json_object_get_string(get(j, "result")), "pass");
    struct json_object *runs = get(get(get(j, "explain"), "paging"), "runs");
    bool alias = false;
    for (size_t i = 0; i < json_object_array_length(runs); i++) {
        struct json_object *run = json_object_array_get_idx(runs, i);
        if (strcmp(json_object_get_string(get(run, "table")), "PDPT") == 0 &&
            json_object_get_int(get(run, "first")) == 3)
            alias = hexval(run, "next_table") == LAYOUT_PD_BASE &&
                    hexval(run, "linear") == UINT64_C(0xC0000000);
    }
    cr_assert(alias, "the guest's alias is explained: %s", r.out);
    json_object_put(j);
}

Test(cli_explain, no_gdb_without_a_run)
{
    struct skvm_result r;

    RUN(&r, "--explain", "--gdb", "0");
    cr_assert_eq(r.code, 2, "%s", r.err);
    cr_assert(strstr(r.err, "--explain does not run the guest"), "%s", r.err);
}
