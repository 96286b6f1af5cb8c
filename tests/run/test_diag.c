/* test_diag.c - diagnostics: crash reports, --stats, --trace, --json,
 * --dump, --console, and --help/man page against the option table.
 *
 * Per-mode suites (<mode>_diag, MODE_DIAG_TESTS) run real guests, so a
 * mode the host cannot run is skipped, never passed. Known numbers come
 * from the guests: the built-in hello guests do one OUT per greeting byte
 * and one HLT, so their exit counts follow from the greeting. Suite
 * cli_diag: the binary with no mode flag (usage errors, --console, --help
 * against the man page). The --stats counters alone are unit-tested in
 * tests/unit/test_stats.c.
 */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli.h"
#include "helpers.h"
#include "modes/mode.h"

#define REPORT_HEADER "=== simple-kvm crash report (guest fault) ==="

static char flag_buf[2][32];
static const char *mode_flag(const char *mode, int slot)
{
    snprintf(flag_buf[slot], sizeof(flag_buf[slot]), "--%s", mode);
    return flag_buf[slot];
}

static unsigned code_bits(const char *mode)
{
    return (unsigned)atoi(mode_bits(mode));
}

static char guest_buf[256];
static const char *guest_for(const char *name, const char *mode)
{
    char n[64];

    snprintf(n, sizeof(n), "%s%u", name, code_bits(mode));
    snprintf(guest_buf, sizeof(guest_buf), "%s", test_guest(n));
    return guest_buf;
}

/* The report line marked "=>" (the instruction that caused the exit). */
static const char *marked_line(const char *err)
{
    static char line[256];
    const char *p = strstr(err, "\n  => ");

    cr_assert(p, "a line is marked '=>': %s", err);
    p += 1;
    snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
    return line;
}

/* A fault: exit 4, the report before the one-line error, naming the
 * exit, decoding in the mode's bitness, marking `insn`. */
static void expect_report(const struct skvm_result *r, const char *mode,
                          const char *exit_name, const char *insn)
{
    char bits[32];

    skip_if_host_cannot(r, mode);
    cr_assert_eq(r->code, 4, "exit %d; stderr: %s", r->code, r->err);
    const char *report = strstr(r->err, REPORT_HEADER);
    const char *last = last_line(r->err);
    cr_assert(report, "crash report on stderr: %s", r->err);
    cr_assert(strncmp(last, "simple-kvm: ", 12) == 0,
              "the one-line error is last: %s", r->err);
    cr_assert(strstr(r->err, "=== end of crash report ===\nsimple-kvm: "),
              "report ends right before the error line: %s", r->err);
    char want[64];
    snprintf(want, sizeof(want), "exit:    %s\n", exit_name);
    cr_assert(strstr(report, want), "names %s: %s", exit_name, report);
    cr_assert(strstr(report, "meaning: "), "explains the exit");
    cr_assert(strstr(report, "cr0 ") && strstr(report, "efer ") &&
                  strstr(report, "idtr base") && strstr(report, "cs   sel"),
              "registers: %s", report);
    snprintf(bits, sizeof(bits), "code (%u-bit)", code_bits(mode));
    cr_assert(strstr(report, bits), "disassembles as %s: %s", bits, report);
    if (insn) {
        const char *m = marked_line(report);
        cr_assert(strstr(m, insn), "marked line '%s' is '%s'", m, insn);
    }
}

/* The divide-by-zero guest faults in every 32/64-bit mode; the same
 * bytes F7 F1 decode as "div ecx" only in 32-bit code, and REX.W makes
 * "div rcx" in 64-bit. Real mode on kvm-pvm delivers #DE through the IVT
 * despite the empty IDTR, so real mode uses a store past RAM instead:
 * C6 06 20 00 01 is "mov byte ptr [0x20], 1" only in 16-bit code. */
static void test_fault_report(const char *mode)
{
    struct skvm_result r;

    if (strcmp(mode, "real") == 0) {
        RUN(&r, "--real", "--mem", "64K", guest_for("mmio", mode));
        expect_report(&r, mode, "KVM_EXIT_MMIO", "mov byte ptr [0x20], 1");
        return;
    }
    RUN(&r, mode_flag(mode, 0), guest_for("div0", mode));
    expect_report(&r, mode, "KVM_EXIT_SHUTDOWN",
                  code_bits(mode) == 64 ? "div rcx    " : "div ecx    ");
    cr_assert(strstr(marked_line(r.err), "<-- RIP, faulting instruction"));
    cr_assert(strstr(r.err, "triple fault"), "explains SHUTDOWN");
}

static void test_bad_segment(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode, 0), guest_for("badseg", mode));
    expect_report(&r, mode, "KVM_EXIT_SHUTDOWN", "mov ds, eax");
}

static void test_unmapped_jump(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode, 0), guest_for("jmp_unmapped", mode));
    expect_report(&r, mode, "KVM_EXIT_SHUTDOWN", NULL);
    cr_assert(strstr(r.err, "linear 0x40000000, which cannot be read: "
                            "not mapped"),
              "RIP's bytes are not mapped: %s", r.err);
    cr_assert(strstr(r.err, "cr2  0x40000000"), "CR2 has the address");
}

static void test_bad_port_report(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode, 0), guest_for("bad_port", mode));
    expect_report(&r, mode, "KVM_EXIT_IO", "out 0x80, al");
    cr_assert(strstr(r.err, "detail:  8-bit OUT on port 0x80"), "%s", r.err);
}

/* The number after `label` in a --stats table (column widths vary). */
static size_t count_after(const char *text, const char *label)
{
    const char *p = strstr(text, label);
    size_t n = 0;

    cr_assert(p && sscanf(p + strlen(label), "%zu", &n) == 1,
              "'%s' with a count in %s", label, text);
    return n;
}

static void test_stats_hello(const char *mode)
{
    struct skvm_result r;
    size_t n = strlen(hello_greeting(mode));
    char want[128];

    RUN(&r, mode_flag(mode, 0), "--stats");
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, hello_greeting(mode));
    /* The greeting is one REP OUTSB: one exit per byte on kvm-pvm, one
     * per string where KVM gathers string I/O. Either way every exit is
     * counted once and every byte is accounted for. */
    size_t io = count_after(r.err, "    KVM_EXIT_IO ");
    cr_assert(io >= 1 && io <= n, "%zu IO exits for %zu bytes: %s", io, n,
              r.err);
    snprintf(want, sizeof(want), "  VM exits: %zu\n", io + 1);
    cr_assert(strstr(r.err, want), "'%s' in %s", want, r.err);
    cr_assert_eq(count_after(r.err, "    KVM_EXIT_HLT "), 1, "%s", r.err);
    const char *port = strstr(r.err, "port 0x00e9 OUT ");
    size_t exits = 0, bytes = 0;
    cr_assert(port && sscanf(port + strlen("port 0x00e9 OUT "),
                             "%zu exits, %zu bytes", &exits, &bytes) == 2,
              "console port line: %s", r.err);
    cr_assert_eq(exits, io, "every IO exit is the console's");
    cr_assert_eq(bytes, n, "every greeting byte counted");
    cr_assert(strstr(r.err, "ms in KVM_RUN"), "times: %s", r.err);
}

static struct json_object *get(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;

    cr_assert(json_object_object_get_ex(o, key, &v), "JSON has '%s'", key);
    return v;
}

static struct json_object *parse_json(const char *text)
{
    struct json_object *o = json_tokener_parse(text);

    cr_assert(o && json_object_is_type(o, json_type_object),
              "stdout is one JSON object: %s", text);
    return o;
}

static void test_json_hello(const char *mode)
{
    struct skvm_result r;
    size_t n = strlen(hello_greeting(mode));

    RUN(&r, mode_flag(mode, 0), "--json");
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.err, hello_greeting(mode), "console on stderr");
    struct json_object *o = parse_json(r.out);
    cr_assert_str_eq(json_object_get_string(get(o, "mode")), mode);
    cr_assert_str_eq(json_object_get_string(get(o, "result")), "pass");
    cr_assert_eq(json_object_get_int(get(o, "exit_code")), 0);
    cr_assert(json_object_is_type(get(o, "error"), json_type_null));
    struct json_object *checks = get(o, "checks");
    cr_assert_eq(json_object_array_length(checks), 2, "RAX and the word");
    for (size_t i = 0; i < 2; i++) {
        struct json_object *c = json_object_array_get_idx(checks, i);
        cr_assert(json_object_get_boolean(get(c, "pass")));
        cr_assert_eq(json_object_get_uint64(get(c, "got")), 42);
    }
    struct json_object *stats = get(o, "stats");
    struct json_object *by = get(stats, "exits_by_reason");
    uint64_t io = json_object_get_uint64(get(by, "KVM_EXIT_IO"));
    cr_assert(io >= 1 && io <= n, "one REP OUTSB: 1..%zu exits", n);
    cr_assert_eq(json_object_get_uint64(get(stats, "exits")), io + 1);
    cr_assert_eq(json_object_get_uint64(get(by, "KVM_EXIT_HLT")), 1);
    struct json_object *port = json_object_array_get_idx(get(stats, "io_ports"), 0);
    cr_assert_eq(json_object_get_int(get(port, "port")), 0xE9);
    cr_assert_str_eq(json_object_get_string(get(port, "direction")), "out");
    cr_assert_eq(json_object_get_uint64(get(port, "bytes")), n);
    cr_assert_eq(json_object_get_uint64(get(port, "exits")), io);
    cr_assert(json_object_is_type(get(o, "fault"), json_type_null));
    json_object_put(o);
}

static void test_json_fault(const char *mode)
{
    struct skvm_result r;
    const bool real = strcmp(mode, "real") == 0;

    if (real)
        RUN(&r, "--real", "--json", "--mem", "64K", guest_for("mmio", mode));
    else
        RUN(&r, mode_flag(mode, 0), "--json", guest_for("div0", mode));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 4, "exit %d: %s", r.code, r.err);
    cr_assert_eq(count_lines(r.err), 1, "only the error line: %s", r.err);
    struct json_object *o = parse_json(r.out);
    cr_assert_str_eq(json_object_get_string(get(o, "result")), "guest_fault");
    cr_assert_eq(json_object_get_int(get(o, "exit_code")), 4);
    cr_assert(strstr(json_object_get_string(get(o, "error")),
                     last_line(r.err) + strlen("simple-kvm: ")) != NULL,
              "same message as stderr");
    struct json_object *f = get(o, "fault");
    cr_assert_str_eq(json_object_get_string(get(f, "exit_reason")),
                     real ? "KVM_EXIT_MMIO" : "KVM_EXIT_SHUTDOWN");
    cr_assert_eq(json_object_get_int(get(f, "bits")), (int)code_bits(mode));
    struct json_object *dis = get(f, "disassembly");
    const char *caused = NULL;
    for (size_t i = 0; i < json_object_array_length(dis); i++) {
        struct json_object *l = json_object_array_get_idx(dis, i);
        if (json_object_get_boolean(get(l, "caused_exit")))
            caused = json_object_get_string(get(l, "text"));
    }
    cr_assert(caused, "an instruction is marked as the cause");
    cr_assert_str_eq(caused, real ? "mov byte ptr [0x20], 1"
                             : code_bits(mode) == 64 ? "div rcx"
                                                     : "div ecx");
    json_object_put(o);
}

static void test_trace_hello(const char *mode)
{
    struct skvm_result r;
    size_t n = strlen(hello_greeting(mode));
    char want[96];

    RUN(&r, mode_flag(mode, 0), "--trace");
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, hello_greeting(mode));
    cr_assert_eq(count_lines(r.err), n + 1, "one line per exit: %s", r.err);
    snprintf(want, sizeof(want),
             "trace: #1 KVM_EXIT_IO OUT port 0xe9 size 1 value 0x%x '%c' rip "
             "0x",
             hello_greeting(mode)[0], hello_greeting(mode)[0]);
    cr_assert(strncmp(r.err, want, strlen(want)) == 0, "'%s' starts %s", want,
              r.err);
    snprintf(want, sizeof(want), "trace: #%zu KVM_EXIT_HLT rip 0x", n + 1);
    cr_assert(strncmp(last_line(r.err), want, strlen(want)) == 0, "%s",
              last_line(r.err));
}

static void test_dump_on_pass(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode, 0), "--dump");
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert(strstr(r.err, "=== simple-kvm crash report (--dump) ==="));
    cr_assert(strstr(r.err, "exit:    KVM_EXIT_HLT\n"), "%s", r.err);
    cr_assert(strstr(marked_line(r.err), "hlt"), "%s", r.err);
    cr_assert(!strstr(r.err, "simple-kvm: "), "no error line on a pass");
}

#define MODE_DIAG_TESTS(mode)                                                  \
    Test(mode##_diag, fault_report) { test_fault_report(#mode); }              \
    Test(mode##_diag, bad_port_report) { test_bad_port_report(#mode); }        \
    Test(mode##_diag, stats_count_exits) { test_stats_hello(#mode); }          \
    Test(mode##_diag, json_pass) { test_json_hello(#mode); }                   \
    Test(mode##_diag, json_fault) { test_json_fault(#mode); }                  \
    Test(mode##_diag, trace_each_exit) { test_trace_hello(#mode); }            \
    Test(mode##_diag, dump_on_pass) { test_dump_on_pass(#mode); }

MODE_DIAG_TESTS(long)
MODE_DIAG_TESTS(protected)
MODE_DIAG_TESTS(paged32)
MODE_DIAG_TESTS(real)
MODE_DIAG_TESTS(pae)
MODE_DIAG_TESTS(compat)
MODE_DIAG_TESTS(la57)

/* Descriptors exist from protected mode on. */
#define MODE_SEGMENT_TESTS(mode)                                               \
    Test(mode##_diag, bad_segment) { test_bad_segment(#mode); }
MODE_SEGMENT_TESTS(long)
MODE_SEGMENT_TESTS(protected)
MODE_SEGMENT_TESTS(paged32)
MODE_SEGMENT_TESTS(pae)
MODE_SEGMENT_TESTS(compat)
MODE_SEGMENT_TESTS(la57)

/* Paging decides what "unmapped" means. */
#define MODE_PAGING_TESTS(mode)                                                \
    Test(mode##_diag, unmapped_jump) { test_unmapped_jump(#mode); }
MODE_PAGING_TESTS(long)
MODE_PAGING_TESTS(paged32)
MODE_PAGING_TESTS(pae)
MODE_PAGING_TESTS(compat)
MODE_PAGING_TESTS(la57)

/* --- cli_diag: no mode flag --------------------------------------------- */

Test(cli_diag, json_on_usage_error)
{
    struct skvm_result r;

    RUN(&r, "--json", "--mem", "bogus");
    cr_assert_eq(r.code, 2);
    cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
    struct json_object *o = parse_json(r.out);
    cr_assert_str_eq(json_object_get_string(get(o, "result")), "usage_error");
    cr_assert_eq(json_object_get_int(get(o, "exit_code")), 2);
    cr_assert(strstr(json_object_get_string(get(o, "error")), "bogus"));
    cr_assert(json_object_is_type(get(o, "stats"), json_type_null),
              "no guest ran");
    json_object_put(o);
    /* A bad argument before --json: still told in JSON. */
    RUN(&r, "--nope", "--json");
    cr_assert_eq(r.code, 2);
    o = parse_json(r.out);
    cr_assert_eq(json_object_get_int(get(o, "exit_code")), 2);
    json_object_put(o);
}

Test(cli_diag, json_console_file)
{
    char path[] = "/tmp/skvm-console-XXXXXX";
    int fd = mkstemp(path);
    struct skvm_result r;
    char buf[256] = "";

    cr_assert(fd >= 0);
    RUN(&r, "--json", "--console", path);
    if (r.code == 3 && strstr(r.err, "/dev/kvm"))
        cr_skip_test("%s", r.err);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_str_empty(r.err);
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    cr_assert_str_eq(buf, hello_greeting("long"));
    json_object_put(parse_json(r.out));
    close(fd);
    unlink(path);
    RUN(&r, "--console", "/nonexistent/dir/out.txt");
    cr_assert_eq(r.code, 2, "%s", r.err);
    cr_assert(strstr(r.err, "cannot open --console file"), "%s", r.err);
    cr_assert_eq(count_lines(r.err), 1);
}

static char *slurp_file(const char *path)
{
    FILE *f = fopen(path, "r");
    static char text[65536];
    size_t n;

    cr_assert(f, "cannot open %s", path);
    n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* s with each '-' spelled "\\-", as roff wants it. */
static const char *roff_dashes(const char *s, char *buf, size_t len)
{
    size_t j = 0;

    for (; *s && j + 3 < len; s++) {
        if (*s == '-')
            buf[j++] = '\\';
        buf[j++] = *s;
    }
    buf[j] = '\0';
    return buf;
}

/* Every option in the table, and every mode, in --help and the man page
 * (where roff spells "--" as "\-\-"). The man page gives each option a
 * .TP entry whose tag is the row's: short letter, long name and argument
 * name (".BI \-\-mem " SIZE"", ".BR \-h ", " \-\-help", ".B \-\-probe"),
 * in the section of the row's group (OPTIONS, DIAGNOSTICS) and in the
 * table's order; and every \-\- entry tag it has is an option of the
 * table or a mode. */
Test(cli_diag, help_and_man_page_list_every_option)
{
    const char *man_path = getenv("SKVM_MAN_PAGE");
    const struct cli_option *d;
    struct skvm_result r;
    char want[64], man_want[192], name_roff[64], arg_roff[64];

    cr_assert(man_path, "SKVM_MAN_PAGE is not set (run through meson test)");
    const char *man = slurp_file(man_path);
    /* --help's groups are the man page's sections. */
    const char *sh_opts = strstr(man, "\n.SH OPTIONS\n");
    const char *sh_diag = strstr(man, "\n.SH DIAGNOSTICS\n");
    cr_assert(sh_opts && sh_diag && sh_opts < sh_diag);
    const char *sh_after = strstr(sh_diag + 1, "\n.SH ");
    cr_assert(sh_after);
    const char *prev_at[CLI_N_GROUPS] = {0};
    RUN(&r, "--help");
    cr_assert_eq(r.code, 0);
    size_t n = 0;
    for (; (d = cli_option(n)); n++) {
        char sh[16] = "";
        if (d->short_flag)
            snprintf(sh, sizeof(sh), "\\-%c \", \" ", d->short_flag);
        snprintf(want, sizeof(want), "--%s", d->name);
        roff_dashes(d->name, name_roff, sizeof(name_roff));
        if (d->arg)
            snprintf(man_want, sizeof(man_want),
                     ".TP\n.BI %s\\-\\-%s \" %s\"\n", sh, name_roff,
                     roff_dashes(d->arg, arg_roff, sizeof(arg_roff)));
        else
            snprintf(man_want, sizeof(man_want), ".TP\n.%s %s\\-\\-%s\n",
                     d->short_flag ? "BR" : "B", sh, name_roff);
        cr_expect(strstr(r.out, want), "--help lists %s", want);
        const char *at = strstr(man, man_want);
        cr_expect(at, "man page has the entry\n%s", man_want);
        cr_expect(!at || at > prev_at[d->group],
                  "man page lists --%s in the table's order", d->name);
        if (at)
            prev_at[d->group] = at;
        if (at && d->group == CLI_GROUP_OPTIONS)
            cr_expect(at > sh_opts && at < sh_diag, "--%s under OPTIONS",
                      d->name);
        if (at && d->group == CLI_GROUP_DIAGNOSTICS)
            cr_expect(at > sh_diag && at < sh_after, "--%s under DIAGNOSTICS",
                      d->name);
    }
    cr_assert_geq(n, 16, "the table has every option (%zu)", n);
    for (size_t i = 0; i < mode_count; i++) {
        snprintf(want, sizeof(want), "--%s", mode_table[i]->name);
        snprintf(man_want, sizeof(man_want),
                 ".TP\n.BR \\-%c \", \" \\-\\-%s\n",
                 mode_table[i]->short_flag, mode_table[i]->name);
        cr_expect(strstr(r.out, want), "--help lists %s", want);
        cr_expect(strstr(man, man_want), "man page has the entry\n%s",
                  man_want);
    }
    /* No entry for an option the table does not have. */
    for (const char *tp = man; (tp = strstr(tp, ".TP\n")); tp++) {
        const char *tag = tp + 4;
        size_t tag_len = strcspn(tag, "\n");
        const char *dd = strstr(tag, "\\-\\-");
        char name[64];
        size_t k = 0;

        if (!dd || dd >= tag + tag_len)
            continue;
        for (const char *c = dd + 4; c < tag + tag_len && k + 1 < sizeof(name);
             c++) {
            if (*c == ' ' || *c == '"')
                break;
            if (*c != '\\')
                name[k++] = *c;
        }
        name[k] = '\0';
        bool known = mode_find(name) != NULL;
        for (size_t i = 0; !known && (d = cli_option(i)); i++)
            known = strcmp(d->name, name) == 0;
        cr_expect(known, "man page documents --%s, which is not an option",
                  name);
    }
}
