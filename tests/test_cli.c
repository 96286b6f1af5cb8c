/* test_cli.c - option parsing, and every bad input the binary refuses.
 *
 * Each bad input must end in exit 2 with exactly one stderr line naming
 * the problem, before any guest runs.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
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

/* One bad input: its arguments, and the text its one line must carry. */
struct bad_input {
    const char *args[6];
    const char *says;
};

static const struct bad_input bad_inputs[] = {
    {{"--bogus"}, "unknown option '--bogus'"},
    {{"-x"}, "unknown option '-x'"},
    {{"--long", "--real"}, "two modes given (--long and --real)"},
    {{"-lp"}, "two modes given (--long and --paged32)"},
    {{"--mem"}, "--mem needs a value"},
    {{"--mem", "0"}, "--mem must not be zero"},
    {{"--mem", "3K"}, "not a multiple of the 4K page size"},
    {{"--mem", "lots"}, "--mem 'lots' is not a size"},
    {{"--mem", "99999999999999999999"}, "is not a size"},
    {{"--mem", "16777216T"}, "is not a size"},
    {{"--mem", "1T"}, "exceeds the maximum of 256G"},
    {{"--mem", "512K"}, "too small for long mode"},
    {{"--protected", "--mem", "4G"}, "more than protected mode can address"},
    {{"--timeout", "0"}, "--timeout '0' is not a number of seconds"},
    {{"--timeout", "nan"}, "is not a number of seconds"},
    {{"--load", "0x"}, "--load '0x' is not an address"},
    {{"--entry", "-5"}, "--entry '-5' is not an address"},
    {{"--real", "--entry", "0x100000"}, "beyond what real mode can reach"},
    {{"--expect-mem", "0x400"}, "is not ADDR=VALUE"},
    {{"--expect-mem", "0x400=1=2"}, "is not ADDR=VALUE"},
    {{"--expect-mem", "0x40000000=1"}, "outside guest memory"},
    {{"--real", "--expect-rax", "70000"}, "does not fit in real mode's 2-byte"},
    {{"--guest-name", "nope"}, "has no built-in guest 'nope'"},
    {{"--help=yes"}, "--help takes no value"},
    {{"--gdb"}, "--gdb needs a value (PORT)"},
    {{"--gdb", "65536"}, "--gdb '65536' is not a TCP port"},
    {{"--gdb", "http"}, "--gdb 'http' is not a TCP port"},
    {{"--gdb", "0", "--repeat", "2"}, "cannot be combined with --repeat"},
    {{"/nonexistent/guest.bin"}, "cannot open guest image '/nonexistent/guest.bin'"},
    {{"/"}, "is not a regular file"},
    {{"a.bin", "b.bin"}, "more than one guest image"},
};

Test(cli_run, bad_inputs_exit_2_with_one_line)
{
    for (size_t i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
        const struct bad_input *b = &bad_inputs[i];
        struct skvm_result r;

        run_skvm(&r, b->args);
        cr_expect_eq(r.code, 2, "%s: exit %d, want 2 (%s)", b->args[0], r.code,
                     r.err);
        cr_expect(strstr(r.err, b->says), "%s: stderr '%s' lacks '%s'",
                  b->args[0], r.err, b->says);
        cr_expect_eq(count_lines(r.err), 1, "%s: one line: %s", b->args[0],
                     r.err);
        cr_expect_str_empty(r.out, "%s: nothing on stdout", b->args[0]);
    }
}

Test(cli_run, empty_and_oversized_images)
{
    char empty[] = "/tmp/skvm-empty-XXXXXX", big[] = "/tmp/skvm-big-XXXXXX";
    int fe = mkstemp(empty), fb = mkstemp(big);
    struct skvm_result r;

    cr_assert(fe >= 0 && fb >= 0);
    cr_assert(ftruncate(fb, (3 << 20)) == 0);
    RUN(&r, empty);
    cr_expect_eq(r.code, 2);
    cr_expect(strstr(r.err, "is empty"), "%s", r.err);
    RUN(&r, big);
    cr_expect_eq(r.code, 2);
    cr_expect(strstr(r.err, "larger than guest memory"), "%s", r.err);
    RUN(&r, "--load", "0x1FF000", "--mem", "2M", "--real", empty);
    cr_expect_eq(r.code, 2, "empty wins over placement");
    unlink(empty);
    unlink(big);
    close(fe);
    close(fb);
}

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

/* The loader's tables are refused as a load target before the vCPU is
 * set up, so this holds even where the host cannot run the mode. */
Test(cli_run, image_overlapping_loader_tables)
{
    static const char *const modes[] = {"--long", "--protected", "--paged32"};
    const char *img = test_guest("hello_c32");

    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        struct skvm_result r;

        RUN(&r, modes[i], "--load", "0xEFFF0", img);
        if (r.code == 3 && strstr(r.err, "/dev/kvm"))
            cr_skip_test("%s", r.err);
        cr_expect_eq(r.code, 2, "%s: exit %d (%s)", modes[i], r.code, r.err);
        cr_expect(strstr(r.err, "overlaps the loader's GDT and page tables at "
                                "0xf0000-0xfffff"),
                  "%s: %s", modes[i], r.err);
        cr_expect_eq(count_lines(r.err), 1);
    }
}

Test(cli_run, image_beyond_memory)
{
    struct skvm_result r;

    RUN(&r, "--load", "0x1FFFF0", test_guest("hello_c64"));
    if (r.code == 3 && strstr(r.err, "/dev/kvm"))
        cr_skip_test("%s", r.err);
    cr_assert_eq(r.code, 2, "%s", r.err);
    cr_assert(strstr(r.err, "does not fit in guest memory"), "%s", r.err);
}

Test(cli_run, control_characters_in_input_stay_on_one_line)
{
    struct skvm_result r;

    RUN(&r, "bad\nname.bin");
    cr_assert_eq(r.code, 2);
    cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
    cr_assert(strstr(r.err, "'bad?name.bin'"), "%s", r.err);
}
