/* test_course.c - course assignments' guests through port maps (issue 14).
 *
 * Suites <mode>_course (meson tests course-<mode>): tests/guests/
 * hc_course.c, a guest written like a kvm-hello-world course assignment
 * (its own ports, its own port I/O), run through the port map of
 * tests/guests/course.ports, once given as that file (--ports) and once
 * as the same entries in --port flags. The whole stdout is asserted: the
 * grading section (2048, 4294967295, exit counts around a string, the
 * exit stats twice, translate and gva_to_hva of a mapped and an unmapped
 * address, the timestamp). paged32 runs in the nested suite too
 * (tests/nested/matrix.txt). cli_course: --unknown-ports and
 * --reveal-hva with the same guest and the hostile bad_port guest.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* The guest's own checks are in hc_course.c; what it must print: */
#define COURSE_OUT                                                             \
    "g\n"                                                                      \
    "2048\n"                                                                   \
    "4294967295\n"                                                             \
    "Hello from the course guest\n"                                            \
    "5\n"  /* exits before the string: 4 OUTs and this IN */                  \
    "7\n"  /* after: print_str and this IN */                                 \
    "IO in: 2\nIO out: 8\n" /* exit_stats: into the guest's buffer */         \
    "IO in: 3\nIO out: 9\n" /* exit_stats_ptr: the host's page */             \
    "1024\n"       /* translate(0x400) */                                      \
    "4294967295\n" /* translate(0x80000000): no RAM there */                   \
    "268436480\n"  /* gva_to_hva(0x400): the stand-in 0x10000000 + 0x400 */    \
    "Invalid GVA\n"                                                            \
    "0\n"          /* gva_to_hva(0x80000000) */                                \
    "timestamp ok\n"

/* The entries of course.ports, as flags. */
#define COURSE_FLAGS                                                           \
    "--port", "0xe9/in=exit_count", "--port", "0xea=print_u32", "--port",     \
        "0xeb=print_str", "--port", "0xec=exit_stats", "--port",              \
        "0xed=exit_stats_ptr", "--port", "0xee=gva_to_hva", "--port",         \
        "0xef=timestamp", "--port", "0x10/out=translate", "--port",           \
        "0x11/in=translate", "--port", "69=exit"

static char flag[32], guest_path[4096], ports_path[4096];

static const char *mode_flag(const char *mode)
{
    snprintf(flag, sizeof(flag), "--%s", mode);
    return flag;
}

static const char *course_guest(const char *mode)
{
    snprintf(guest_path, sizeof(guest_path), "%s",
             test_guest(mode_is64(mode) ? "hc_course_c64"
                                                  : "hc_course_c32"));
    return guest_path;
}

/* tests/guests/course.ports, found beside tests/bad_inputs.txt. */
static const char *course_ports(void)
{
    const char *bad = getenv("SKVM_BAD_INPUTS");
    const char *slash;

    cr_assert(bad, "SKVM_BAD_INPUTS is not set (run through meson test)");
    slash = strrchr(bad, '/');
    cr_assert(slash);
    snprintf(ports_path, sizeof(ports_path), "%.*s/guests/course.ports",
             (int)(slash - bad), bad);
    return ports_path;
}

/* The guest through its map, as a file or as flags: all of stdout. */
static void assert_course_run(const char *mode, struct skvm_result *r)
{
    skip_if_host_cannot(r, mode);
    cr_assert_eq(r->code, 0, "exit %d; stderr: %s", r->code, r->err);
    cr_assert_str_eq(r->out, COURSE_OUT);
    cr_assert_str_empty(r->err);
}

static void test_by_file(const char *mode)
{
    static struct skvm_result r;

    RUN(&r, mode_flag(mode), "--ports", course_ports(), course_guest(mode));
    assert_course_run(mode, &r);
}

static void test_by_flags(const char *mode)
{
    static struct skvm_result r;

    RUN(&r, mode_flag(mode), COURSE_FLAGS, course_guest(mode));
    assert_course_run(mode, &r);
}

/* Without the map the guest stops at its first call of its own. */
static void test_without_map(const char *mode)
{
    static struct skvm_result r;

    RUN(&r, mode_flag(mode), course_guest(mode));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 4, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "g\n"); /* 0xE9 takes a 32-bit OUT */
    cr_assert(strstr(skip_crash_report(r.err),
                     "simple-kvm: guest used undefined port 0xea (32-bit "
                     "OUT), value 0x800 at RIP"),
              "%s", r.err);
}

/* --stats names the mapped calls. */
static void test_stats(const char *mode)
{
    static struct skvm_result r;

    RUN(&r, mode_flag(mode), "--stats", "--ports", course_ports(),
        course_guest(mode));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.err, "    exit_count                        2\n"),
              "%s", r.err);
    cr_assert(strstr(r.err, "    gva_to_hva                        2\n"),
              "%s", r.err);
    cr_assert(strstr(r.err, "    timestamp                         2\n"),
              "%s", r.err);
    cr_assert_null(strstr(r.err, "unknown port accesses"), "%s", r.err);
}

#define COURSE_TESTS(mode)                                                     \
    Test(mode##_course, port_map_file) { test_by_file(#mode); }                \
    Test(mode##_course, port_map_flags) { test_by_flags(#mode); }              \
    Test(mode##_course, no_map_fails_at_first_call)                            \
    {                                                                          \
        test_without_map(#mode);                                               \
    }                                                                          \
    Test(mode##_course, stats_name_mapped_calls) { test_stats(#mode); }

COURSE_TESTS(long)
COURSE_TESTS(protected)
COURSE_TESTS(paged32)
COURSE_TESTS(pae)
COURSE_TESTS(compat)
COURSE_TESTS(la57)

/* --- cli_course: policies and options, in long mode ------------------ */

Test(cli_course, unknown_ports_log_and_ignore)
{
    static struct skvm_result r;
    const char *guest = test_guest("bad_port64");

    /* bad_port: OUT 0x55 to port 0x80, then HLT. */
    RUN(&r, "--unknown-ports=log", "--stats", guest);
    skip_if_host_cannot(&r, "long");
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.err, "unknown-ports: 8-bit OUT to port 0x80, value "
                            "0x55, ignored\n"),
              "%s", r.err);
    cr_assert(strstr(r.err, "  unknown port accesses: 1 (--unknown-ports)\n"),
              "%s", r.err);
    RUN(&r, "--unknown-ports", "ignore", guest);
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_empty(r.err);
    RUN(&r, "--unknown-ports=fail", guest);
    cr_assert_eq(r.code, 4, "exit %d; stderr: %s", r.code, r.err);
}

Test(cli_course, reveal_hva)
{
    static struct skvm_result r;
    const char *line;

    RUN(&r, "--reveal-hva", "--ports", course_ports(),
        course_guest("long"));
    skip_if_host_cannot(&r, "long");
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    /* The stand-in's line is the real address's now. */
    cr_assert_null(strstr(r.out, "\n268436480\n"), "%s", r.out);
    line = strstr(r.out, "\n1024\n4294967295\n");
    cr_assert(line, "%s", r.out);
    line += strlen("\n1024\n4294967295\n");
    cr_assert(line[0] >= '0' && line[0] <= '9', "%s", r.out);
    cr_assert(strstr(line, "\nInvalid GVA\n0\ntimestamp ok\n"), "%s", r.out);
}

/* --json counts the accesses no call answered. */
Test(cli_course, json_counts_unknown)
{
    static struct skvm_result r;

    RUN(&r, "--unknown-ports=ignore", "--json", test_guest("bad_port64"));
    skip_if_host_cannot(&r, "long");
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.out, "\"unknown_port_accesses\": 1"), "%s", r.out);
}
