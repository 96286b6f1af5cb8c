/* test_cli.c - option parsing, --help, --probe and odd arguments.
 *
 * The table of bad inputs lives in tests/bad_inputs.txt (run by
 * test_bad_inputs.c); what cannot be written there (a newline inside an
 * argument) stays here.
 */
#include <criterion/criterion.h>
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

Test(cli_run, help_lists_every_option_and_exit_code)
{
    struct skvm_result r;
    static const char *const must[] = {
        "--long", "--protected", "--paged32", "--real", "--mem", "--guest",
        "--guest-name", "--load", "--entry", "--expect-rax", "--expect-mem",
        "--timeout", "--probe", "default 2M", "124", "128+N",
    };

    RUN(&r, "--help");
    cr_assert_eq(r.code, 0);
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
        cr_expect(strstr(r.out, must[i]), "--help mentions %s", must[i]);
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
