/* test_hypercalls.c - the hypercall ABI through the real binary, per mode.
 *
 * Suites are <mode>_run, so these join the run-<mode> rows of the meson
 * matrix. The `hypercalls` built-in guest must print exactly the expected
 * text and pass by exit(0); each hostile guest must end as a guest fault
 * (exit 4) with one line naming the port, the value and the reason.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

#define COMMON_HEAD(mode)                                                      \
    "hypercalls guest: " mode " mode\n"                                        \
    "exit_count at start: 1\n"                                                 \
    "IO in: 1\n"                                                               \
    "IO out: 1\n"                                                              \
    "print_u32 max: 4294967295\n"                                              \
    "exit_count delta: 1\n"                                                    \
    "translate(0x400): 1024\n"                                                 \
    "translate(0x80000000): 4294967295\n"
/* With paging the guest maps 3 GiB onto physical 0 itself. */
#define PAGED_TAIL                                                             \
    "translate(0xC0000400): 1024\n"                                            \
    "print_str through 0xC0000000: ok\n"                                       \
    "putchar: ok\n"
/* Without paging, 3 GiB is linear = physical, and no RAM. */
#define FLAT_TAIL                                                              \
    "translate(0xC0000400): 4294967295\n"                                      \
    "putchar: ok\n"

static const char *const expected_out[][2] = {
    {"long", COMMON_HEAD("long") PAGED_TAIL},
    {"paged32", COMMON_HEAD("paged32") PAGED_TAIL},
    {"protected", COMMON_HEAD("protected") FLAT_TAIL},
    {"real", COMMON_HEAD("real") FLAT_TAIL},
};

static const char *expected(const char *mode)
{
    for (size_t i = 0; i < sizeof(expected_out) / sizeof(expected_out[0]); i++)
        if (strcmp(expected_out[i][0], mode) == 0)
            return expected_out[i][1];
    cr_assert_fail("no expected output for %s", mode);
    return NULL;
}

static bool is_paged(const char *mode)
{
    return strcmp(mode, "long") == 0 || strcmp(mode, "paged32") == 0;
}

static char flag[32];
static const char *mode_flag(const char *mode)
{
    snprintf(flag, sizeof(flag), "--%s", mode);
    return flag;
}

static char guest_path[4096];
static const char *guest(const char *name, const char *mode)
{
    char n[64];
    const char *bits = strcmp(mode, "real") == 0   ? "16"
                       : strcmp(mode, "long") == 0 ? "64"
                                                   : "32";

    snprintf(n, sizeof(n), "%s%s", name, bits);
    snprintf(guest_path, sizeof(guest_path), "%s", test_guest(n));
    return guest_path;
}

static void expect_exit(const struct skvm_result *r, const char *mode,
                        int code, const char *text)
{
    skip_if_host_cannot(r, mode);
    cr_assert_eq(r->code, code, "exit %d, want %d; stderr: %s", r->code, code,
                 r->err);
    cr_assert(strstr(r->err, text), "stderr names '%s': %s", text, r->err);
    cr_assert_eq(count_lines(skip_crash_report(r->err)), 1,
                 "exactly one stderr line after any crash report: %s", r->err);
    cr_assert(strncmp(skip_crash_report(r->err), "simple-kvm: ", 12) == 0,
              "%s", r->err);
}

static void test_guest_passes(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode), "--guest-name", "hypercalls");
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, expected(mode));
    cr_assert_str_empty(r.err);
}

static void test_bad_ptr(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode), guest("hc_bad_ptr", mode));
    expect_exit(&r, mode, 4,
                is_paged(mode)
                    ? "hypercall print_str (port 0x502, 32-bit OUT "
                      "0x40000000): address 0x40000000 is not mapped (page "
                      "not present)"
                    : "hypercall print_str (port 0x502, 32-bit OUT "
                      "0x40000000): address 0x40000000 is outside guest RAM");
}

static void test_wrap(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode), guest("hc_wrap", mode));
    expect_exit(&r, mode, 4,
                "hypercall exit_stats (port 0x504, 32-bit OUT 0xfffffff0): "
                "the range at 0xfffffff0 wraps past 4 GiB");
}

static void test_unterminated(const char *mode)
{
    bool real = strcmp(mode, "real") == 0;
    struct skvm_result r;
    char want[256];

    RUN(&r, mode_flag(mode), "--mem", real ? "1M" : "2M",
        guest("hc_unterminated", mode));
    /* long mode maps RAM only; paged32's 4 MiB page reaches past it. */
    snprintf(want, sizeof(want),
             "hypercall print_str (port 0x502, 32-bit OUT 0x%x): "
             "unterminated string: no NUL before 0x%x, which is %s",
             real ? 0xFFFF0 : 0x1FFFF0, real ? 0x100000 : 0x200000,
             strcmp(mode, "long") == 0 ? "not mapped" : "outside guest RAM");
    expect_exit(&r, mode, 4, want);
}

static void test_in_on_out(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode), guest("hc_in_on_out", mode));
    expect_exit(&r, mode, 4,
                "hypercall print_u32 (port 0x501, 32-bit IN): print_u32 is "
                "OUT-only");
}

static void test_unknown(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode), guest("hc_unknown", mode));
    expect_exit(&r, mode, 4,
                "guest used undefined port 0x50f (32-bit OUT), value 0x1234");
}

static void test_rep(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode), guest("hc_rep", mode));
    expect_exit(&r, mode, 4,
                "hypercall exit_count (port 0x503, 32-bit IN): string I/O "
                "(rep outs/ins, count 2) is refused on hypercall ports");
}

static void test_bad_size(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode), guest("hc_bad_size", mode));
    expect_exit(&r, mode, 4,
                "hypercall exit (port 0x500, 8-bit OUT 0x0): needs 32-bit "
                "port I/O");
}

static void test_translate_in(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode), guest("hc_translate_in", mode));
    expect_exit(&r, mode, 4,
                "hypercall translate (port 0x505, 32-bit IN): IN without a "
                "preceding OUT");
}

static void test_reported_failure(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode), guest("hc_fail", mode));
    expect_exit(&r, mode, 1, "guest reported failure: status 7");
}

static void test_c_guest(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode), guest("hc_hello_c", mode));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "Hello from C through hypercalls\n"
                            "1\n"
                            "IO in: 1\n"
                            "IO out: 3\n"
                            "!\n");
    cr_assert_str_empty(r.err);
}

#define MODE_HYPERCALL_TESTS(mode)                                             \
    Test(mode##_run, hypercalls_guest) { test_guest_passes(#mode); }           \
    Test(mode##_run, hc_bad_ptr) { test_bad_ptr(#mode); }                      \
    Test(mode##_run, hc_wrap) { test_wrap(#mode); }                            \
    Test(mode##_run, hc_unterminated) { test_unterminated(#mode); }            \
    Test(mode##_run, hc_in_on_out_port) { test_in_on_out(#mode); }             \
    Test(mode##_run, hc_unknown_port) { test_unknown(#mode); }                 \
    Test(mode##_run, hc_rep_refused) { test_rep(#mode); }                      \
    Test(mode##_run, hc_bad_size) { test_bad_size(#mode); }                    \
    Test(mode##_run, hc_translate_in_first) { test_translate_in(#mode); }      \
    Test(mode##_run, hc_reported_failure) { test_reported_failure(#mode); }

MODE_HYPERCALL_TESTS(long)
MODE_HYPERCALL_TESTS(protected)
MODE_HYPERCALL_TESTS(paged32)
MODE_HYPERCALL_TESTS(real)

/* Freestanding C guests are 32- or 64-bit. */
#define MODE_HC_C_TESTS(mode)                                                  \
    Test(mode##_run, hc_c_guest) { test_c_guest(#mode); }

MODE_HC_C_TESTS(long)
MODE_HC_C_TESTS(protected)
MODE_HC_C_TESTS(paged32)
