/* test_hypercalls.c - the hypercall ABI through the real binary, per mode.
 *
 * Suites are <mode>_hypercalls (meson tests hypercalls-<mode>). The
 * `hypercalls` built-in guest must print exactly the expected text and
 * pass by exit(0). The hostile hypercall guests (tests/guests/hc_*.asm)
 * are rows of tests/bad_inputs.txt, run by tests/run/bad_inputs.c, which
 * asserts their whole one-line message in every mode. The dispatcher
 * alone is unit-tested in tests/unit/test_hypercall.c.
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
    {"pae", COMMON_HEAD("pae") PAGED_TAIL},
    {"compat", COMMON_HEAD("compat") PAGED_TAIL},
    {"la57", COMMON_HEAD("la57") PAGED_TAIL},
};

static const char *expected(const char *mode)
{
    for (size_t i = 0; i < sizeof(expected_out) / sizeof(expected_out[0]); i++)
        if (strcmp(expected_out[i][0], mode) == 0)
            return expected_out[i][1];
    cr_assert_fail("no expected output for %s", mode);
    return NULL;
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
    const char *bits = strcmp(mode, "real") == 0 ? "16"
                       : mode_is64(mode)            ? "64"
                                                   : "32";

    snprintf(n, sizeof(n), "%s%s", name, bits);
    snprintf(guest_path, sizeof(guest_path), "%s", test_guest(n));
    return guest_path;
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
    Test(mode##_hypercalls, hypercalls_guest) { test_guest_passes(#mode); }

MODE_HYPERCALL_TESTS(long)
MODE_HYPERCALL_TESTS(protected)
MODE_HYPERCALL_TESTS(paged32)
MODE_HYPERCALL_TESTS(real)
MODE_HYPERCALL_TESTS(pae)
MODE_HYPERCALL_TESTS(compat)
MODE_HYPERCALL_TESTS(la57)

/* Freestanding C guests are 32- or 64-bit. */
#define MODE_HC_C_TESTS(mode)                                                  \
    Test(mode##_hypercalls, hc_c_guest) { test_c_guest(#mode); }

MODE_HC_C_TESTS(long)
MODE_HC_C_TESTS(protected)
MODE_HC_C_TESTS(paged32)
MODE_HC_C_TESTS(pae)
MODE_HC_C_TESTS(compat)
MODE_HC_C_TESTS(la57)
