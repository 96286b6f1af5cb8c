/* test_cli.c - option parsing and the option table, without running the
 * binary: cli_parse() and the table behind --help, on plain arguments.
 *
 * The binary's own --help, --probe and odd arguments are run tests
 * (tests/run/test_cli_run.c); every bad input and its exact message is a
 * row of tests/bad_inputs.txt (run by tests/run/bad_inputs.c, rendered as
 * docs/bad-inputs.md).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "app/cli.h"

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

/* --no-sse (issue 14): off by default, a flag without a value. */
Test(cli, no_sse_flag)
{
    struct options o;
    struct skvm_err e;

    cr_assert_eq(PARSE(&o, &e, "--protected"), 0);
    cr_assert(!o.no_sse, "SSE on by default");
    cr_assert_eq(PARSE(&o, &e, "--protected", "--no-sse"), 0);
    cr_assert(o.no_sse);
    cr_assert_eq(PARSE(&o, &e, "--no-sse=1"), -1, "takes no value");
    cr_assert_eq(e.status, SKVM_USAGE);
}

/* --irqchip / --no-irqchip (issue 15): a switch whose default the guest
 * format decides (on for Multiboot kernels). */
Test(cli, irqchip_switch)
{
    struct options o;
    struct skvm_err e;

    cr_assert_eq(PARSE(&o, &e, "--long"), 0);
    cr_assert_eq(o.irqchip, CLI_SWITCH_AUTO);
    cr_assert(!cli_irqchip(&o, false), "off by default");
    cr_assert(cli_irqchip(&o, true), "on where the format wants it");
    cr_assert_eq(PARSE(&o, &e, "--irqchip"), 0);
    cr_assert(cli_irqchip(&o, false));
    cr_assert_eq(PARSE(&o, &e, "--no-irqchip"), 0);
    cr_assert(!cli_irqchip(&o, true), "--no-irqchip wins over the format");
    cr_assert_eq(PARSE(&o, &e, "--gdb", "0"), 0);
    cr_assert(cli_irqchip(&o, true), "under gdb too");
    cr_assert_eq(PARSE(&o, &e, "--irqchip", "--no-irqchip"), -1);
    cr_assert_eq(e.status, SKVM_USAGE);
    cr_assert_eq(PARSE(&o, &e, "--irqchip", "--gdb", "0"), 0);
    cr_assert_eq(cli_validate(&o, &e), 0, "%s", e.msg);
    cr_assert_eq(PARSE(&o, &e, "--irqchip=1"), -1, "takes no value");
}
