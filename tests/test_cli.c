/* test_cli.c - option parsing, --help, --probe and odd arguments.
 *
 * The table of bad inputs lives in tests/bad_inputs.txt (run by
 * test_bad_inputs.c); what cannot be written there (a newline inside an
 * argument) stays here.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/cli.h"
#include "helpers.h"

Test(cli, sizes)
{
    uint64_t v;

    cr_assert(cli_parse_size("2M", &v) == 0 && v == 2u << 20);
    cr_assert(cli_parse_size("64g", &v) == 0 && v == UINT64_C(64) << 30);
    cr_assert(cli_parse_size("4096", &v) == 0 && v == 4096);
    cr_assert(cli_parse_size("0x1000", &v) == 0 && v == 4096);
    cr_assert(cli_parse_size("1T", &v) == 0 && v == UINT64_C(1) << 40);
    cr_assert_eq(cli_parse_size("", &v), -1);
    cr_assert_eq(cli_parse_size("M", &v), -1);
    cr_assert_eq(cli_parse_size("-1M", &v), -1);
    cr_assert_eq(cli_parse_size("2MB", &v), -1);
    cr_assert_eq(cli_parse_size("99999999999999999999", &v), -1);
    cr_assert_eq(cli_parse_size("17179869184G", &v), -1, "overflows");
}

static int parse(struct options *o, struct skvm_err *e, const char *const *a)
{
    int argc = 0;
    while (a[argc])
        argc++;
    return cli_parse(argc, (char *const *)a, o, e);
}
#define PARSE(o, e, ...) parse(o, e, (const char *const[]){"x", __VA_ARGS__, NULL})

Test(cli, modes_and_defaults)
{
    struct options o;
    struct skvm_err e;

    cr_assert_eq(parse(&o, &e, (const char *const[]){"x", NULL}), 0);
    cr_assert_str_eq(o.mode->name, "long");
    cr_assert_eq(o.mem_size, CLI_DEFAULT_MEM);
    cr_assert_eq(PARSE(&o, &e, "-r"), 0);
    cr_assert_str_eq(o.mode->name, "real");
    cr_assert_eq(PARSE(&o, &e, "--paged32", "--mem=8M", "g.bin"), 0);
    cr_assert_str_eq(o.mode->name, "paged32");
    cr_assert_eq(o.mem_size, 8u << 20);
    cr_assert_str_eq(o.guest_path, "g.bin");
    cr_assert_eq(PARSE(&o, &e, "-s", "--protected"), 0, "same mode twice");
    cr_assert_eq(PARSE(&o, &e, "-l", "-r"), -1);
    cr_assert_eq(e.status, SKVM_USAGE);
    cr_assert(strstr(e.msg, "two modes given"));
    cr_assert_eq(PARSE(&o, &e, "--expect-mem", "0x400=42", "--expect-mem",
                       "0x408=7"),
                 0);
    cr_assert_eq(o.n_expect_mem, 2);
    cr_assert_eq(o.expect_mem[1].addr, 0x408);
    cr_assert_eq(o.expect_mem[1].value, 7);
}

/* Every bad input and its exact message: tests/bad_inputs.txt, run by
 * test_bad_inputs.c and rendered as docs/bad-inputs.md. */

/* "-h, --help" or "--mem SIZE": how --help names an option, built here
 * from the row rather than by the code under test. */
static const char *label_of(const struct cli_option *d, char *buf, size_t n)
{
    char sh[8] = "";

    if (d->short_flag)
        snprintf(sh, sizeof(sh), "-%c, ", d->short_flag);
    snprintf(buf, n, "%s--%s%s%s", sh, d->name, d->arg ? " " : "",
             d->arg ? d->arg : "");
    return buf;
}

/* s with every run of white space (line breaks too) as one space: --help
 * wraps help text, the test reads it unwrapped. */
static char *squeeze(const char *s)
{
    static char buf[sizeof(((struct skvm_result *)0)->out)];
    size_t j = 0;

    for (; *s && j + 1 < sizeof(buf); s++) {
        if (isspace((unsigned char)*s)) {
            if (j && buf[j - 1] == ' ')
                continue;
            buf[j++] = ' ';
        } else {
            buf[j++] = *s;
        }
    }
    buf[j] = '\0';
    return buf;
}

/* Every row of the option table shows in --help as "LABEL HELP (default:
 * DEF)": its short letter, long name and argument name, its help line and
 * its default, under its group's heading; so does every mode. */
Test(cli_run, help_lists_every_option_and_exit_code)
{
    struct skvm_result r;
    char label[96], want[1024];
    const struct cli_option *d;
    size_t n = 0;

    RUN(&r, "--help");
    cr_assert_eq(r.code, 0);
    cr_assert_str_empty(r.err);
    for (const char *line = r.out; *line;) {
        size_t len = strcspn(line, "\n");
        cr_expect_leq(len, CLI_HELP_WIDTH, "--help line too long: %.*s",
                      (int)len, line);
        line += len + (line[len] == '\n');
    }
    const char *out = squeeze(r.out);
    const char *opts = strstr(out, " Options: ");
    const char *diag = strstr(out, " Diagnostics (all off by default): ");
    cr_assert(opts && diag && opts < diag, "group headings, in order");
    for (; (d = cli_option(n)); n++) {
        snprintf(want, sizeof(want), " %s %s%s%s%s ",
                 label_of(d, label, sizeof(label)), d->help,
                 d->def ? " (default: " : "", d->def ? d->def : "",
                 d->def ? ")" : "");
        const char *at = strstr(out, want);
        cr_expect(at, "--help shows row '%s' as '%s'", d->name, want);
        if (at && d->group == CLI_GROUP_OPTIONS)
            cr_expect(at > opts && at < diag, "%s under Options", d->name);
        if (at && d->group == CLI_GROUP_DIAGNOSTICS)
            cr_expect(at > diag, "%s under Diagnostics", d->name);
    }
    cr_assert_geq(n, 21, "the table has every option (%zu)", n);
    for (size_t i = 0; i < mode_count; i++) {
        snprintf(want, sizeof(want), " -%c, --%s %s ",
                 mode_table[i]->short_flag, mode_table[i]->name,
                 mode_table[i]->summary);
        cr_expect(strstr(out, want), "--help shows mode as '%s'", want);
    }
    cr_expect(strstr(out, "usage: simple-kvm [MODE] [OPTIONS] [GUEST.bin]"));
    cr_expect(strstr(out, " 124 --timeout expired "));
    cr_expect(strstr(out, " 128+N stopped by signal N"));
}

/* The table is consistent, and the parser reads it: every row's long name
 * parses, takes a value exactly when the row names one, and answers a
 * missing value with the row's argument name; every short letter works. */
Test(cli, option_table_drives_the_parser)
{
    struct options o;
    struct skvm_err e;
    const struct cli_option *d, *d2;
    char flag[64], with_value[80];

    for (size_t i = 0; (d = cli_option(i)); i++) {
        cr_assert(d->name && *d->name && d->help && *d->help && d->apply,
                  "row %zu is complete", i);
        cr_assert_str_eq(cli_option_name(i), d->name);
        cr_expect_lt((int)d->group, CLI_N_GROUPS, "%s has a group", d->name);
        cr_expect(!mode_find(d->name), "--%s is also a mode", d->name);
        cr_expect(!d->short_flag || !d->arg,
                  "-%c: short letters are for flags only", d->short_flag);
        cr_expect(!d->short_flag || !mode_find_short(d->short_flag),
                  "-%c is also a mode's letter", d->short_flag);
        for (size_t j = i + 1; (d2 = cli_option(j)); j++) {
            cr_expect_str_neq(d->name, d2->name, "--%s twice", d->name);
            cr_expect(!d->short_flag || d->short_flag != d2->short_flag,
                      "-%c twice", d->short_flag);
        }

        snprintf(flag, sizeof(flag), "--%s", d->name);
        snprintf(with_value, sizeof(with_value), "--%s=x", d->name);
        if (d->arg) {
            char msg[128];
            snprintf(msg, sizeof(msg), "--%s needs a value (%s)", d->name,
                     d->arg);
            cr_expect_eq(PARSE(&o, &e, flag), -1, "%s alone", flag);
            cr_expect_str_eq(e.msg, msg);
        } else {
            char msg[128];
            snprintf(msg, sizeof(msg), "--%s takes no value", d->name);
            cr_expect_eq(PARSE(&o, &e, flag), 0, "%s", flag);
            cr_expect_eq(PARSE(&o, &e, with_value), -1, "%s", with_value);
            cr_expect_str_eq(e.msg, msg);
        }
        if (d->short_flag) {
            char sh[3] = {'-', d->short_flag, '\0'};
            cr_expect_eq(PARSE(&o, &e, sh), 0, "%s", sh);
        }
    }
    cr_assert_eq(PARSE(&o, &e, "-h"), 0);
    cr_expect(o.help);
    cr_assert_eq(PARSE(&o, &e, "-V"), 0);
    cr_expect(o.version);
}

static const struct cli_option *row(const char *name)
{
    const struct cli_option *d;

    for (size_t i = 0; (d = cli_option(i)); i++)
        if (strcmp(d->name, name) == 0)
            return d;
    cr_assert_fail("no option --%s", name);
    return NULL;
}

/* The defaults --help shows are the ones the parser uses. */
Test(cli, help_defaults_are_the_parsers)
{
    struct options o;
    struct skvm_err e;
    uint64_t v;

    cr_assert_eq(parse(&o, &e, (const char *const[]){"x", NULL}), 0);
    cr_assert_eq(cli_parse_size(row("mem")->def, &v), 0);
    cr_expect_eq(v, o.mem_size);
    cr_expect_eq(v, CLI_DEFAULT_MEM);
    cr_assert_eq(cli_parse_u64(row("repeat")->def, &v), 0);
    cr_expect_eq(v, o.repeat);
    cr_assert_eq(cli_parse_u64(row("load")->def, &v), 0);
    cr_expect_eq(v, o.load_addr);
    cr_expect_str_eq(row("guest-name")->def,
                     mode_default()->guests[0].name);
    cr_expect_eq(o.timeout_s, 0, "--timeout: none");
}

Test(cli_run, probe_names_every_mode)
{
    struct skvm_result r;

    RUN(&r, "--probe");
    if (r.code == 0 && strstr(r.out, "no: ") && strstr(r.out, "/dev/kvm"))
        cr_skip_test("no usable /dev/kvm: %s", r.out);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_eq(count_lines(r.out), 4, "%s", r.out);
    cr_assert(strstr(r.out, "long ") && strstr(r.out, "protected ") &&
              strstr(r.out, "paged32 ") && strstr(r.out, "real "));
    cr_assert(strstr(r.out, "long       yes"), "long mode runs: %s", r.out);
}

Test(cli_run, control_characters_in_input_stay_on_one_line)
{
    struct skvm_result r;

    RUN(&r, "bad\nname.bin");
    cr_assert_eq(r.code, 2);
    cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
    cr_assert(strstr(r.err, "'bad?name.bin'"), "%s", r.err);
}
