/* test_lazy.c - RAM registered with KVM on first touch (memslots.h)
 * behaves exactly like RAM registered up front (--eager-mem).
 *
 * tests/guests/lazy_mem.asm reads, writes, string-copies across a piece
 * boundary, has the host write into an untouched piece and runs code
 * from never-written RAM; each check that fails exits with its own
 * status. Under --repeat every run must start from the loaded state
 * again, the host's writes included.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define LAZY_OK "lazy ok\n"
#define LAZY_LABEL "  lazy RAM: "

struct lazy_mode {
    const char *flag, *mem, *guest;
};

/* Memory big enough for the guest's addresses, in the mode's reach. */
static struct lazy_mode lazy_mode(const char *mode)
{
    static char flag[32];
    bool wide = mode_is64(mode);

    snprintf(flag, sizeof(flag), "--%s", mode);
    return (struct lazy_mode){flag, wide ? "8G" : "1G",
                              test_guest(wide ? "lazy_mem64" : "lazy_mem32")};
}

/* First touches --stats counted, 0 when it printed no lazy line. */
static unsigned long lazy_exits(const char *err)
{
    const char *p = strstr(err, LAZY_LABEL);

    return p ? strtoul(p + strlen(LAZY_LABEL), NULL, 10) : 0;
}

static void test_repeat_undoes_writes(const char *mode)
{
    static struct skvm_result r;
    struct lazy_mode m = lazy_mode(mode);

    RUN(&r, m.flag, "--mem", m.mem, "--repeat", "3", m.guest);
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, LAZY_OK LAZY_OK LAZY_OK,
                     "a run saw an earlier run's writes");
}

/* The largest RAM the mode maps starts as the default does and the
 * greeting touches nothing lazily. */
static void test_big_hello(const char *mode)
{
    static struct skvm_result r;
    struct lazy_mode m = lazy_mode(mode);
    const char *mem = mode_is64(mode) ? "256G" : "3G";

    RUN(&r, m.flag, "--mem", mem, "--stats");
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, hello_greeting(mode));
    cr_assert_eq(lazy_exits(r.err), 0, "%s", r.err);
}

/* The sandbox allows memory-slot ioctls (a slot maps only the process's
 * own memory), so RAM stays lazy under it and the guest sees the same. */
static void test_sandbox_lazy(const char *mode)
{
    static struct skvm_result r;
    struct lazy_mode m = lazy_mode(mode);

    RUN(&r, m.flag, "--mem", m.mem, "--sandbox", "--stats", m.guest);
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, LAZY_OK);
    cr_assert_geq(lazy_exits(r.err), 1, "%s", r.err);
}

/* Run lazy_<name>32/64 lazily and with --eager-mem: both must exit 0
 * with stdout `want`; the lazy run must count at least `min_lazy` first
 * touches and the eager one none. `needs` names what only some hosts'
 * KVM can run ("SSE": kvm-pvm's instruction emulator has none): when
 * even --eager-mem fails on it, the test skips; otherwise NULL. */
static void test_edge(const char *mode, const char *name, const char *mem,
                      const char *want, unsigned long min_lazy,
                      const char *needs)
{
    static struct skvm_result lazy, eager;
    struct lazy_mode m = lazy_mode(mode);
    char guest[64];

    snprintf(guest, sizeof(guest), "%s%s", name,
             mode_is64(mode) ? "64" : "32");
    RUN(&eager, m.flag, "--mem", mem, "--stats", "--eager-mem",
        test_guest(guest));
    skip_if_host_cannot(&eager, mode);
    if (needs && eager.code == 3 &&
        strstr(eager.err, "this host's KVM cannot emulate"))
        cr_skip_test("this host's KVM cannot run %s (%s) even with all RAM "
                     "registered (%s); the nested suite runs it",
                     guest, needs, last_line(eager.err));
    RUN(&lazy, m.flag, "--mem", mem, "--stats", test_guest(guest));
    cr_assert_eq(eager.code, 0, "eager: exit %d: %s", eager.code, eager.err);
    cr_assert_eq(lazy.code, 0, "lazy: exit %d: %s", lazy.code, lazy.err);
    cr_assert_str_eq(eager.out, want);
    cr_assert_str_eq(lazy.out, want);
    cr_assert_geq(lazy_exits(lazy.err), min_lazy, "%s", lazy.err);
    cr_assert_eq(lazy_exits(eager.err), 0, "%s", eager.err);
}

#define LAZY_TESTS(mode)                                                       \
    /* Far word, both sides of the edge, the RET's piece, the fetch. */       \
    Test(mode##_lazy, same_as_eager)                                           \
    {                                                                          \
        test_edge(#mode, "lazy_mem", lazy_mode(#mode).mem, LAZY_OK, 5, NULL);  \
    }                                                                          \
    Test(mode##_lazy, repeat_undoes_writes)                                    \
    {                                                                          \
        test_repeat_undoes_writes(#mode);                                      \
    }                                                                          \
    Test(mode##_lazy, big_hello) { test_big_hello(#mode); }                    \
    Test(mode##_lazy, sandbox_lazy) { test_sandbox_lazy(#mode); }           \
    Test(mode##_lazy, access_split_in_two)                                     \
    {                                                                          \
        test_edge(#mode, "lazy_split", "128M", "split ok\n", 1, NULL);                  \
    }                                                                          \
    Test(mode##_lazy, sse_operand)                                             \
    {                                                                          \
        test_edge(#mode, "lazy_sse", "128M", "sse ok\n", 1, "SSE");                      \
    }

/* User code fetched from never-written RAM (CPL 3: KVM would give the
 * guest a #UD where it cannot emulate, unless asked to exit). */
Test(long_lazy, user_code_from_untouched_ram)
{
    test_edge("long", "lazy_cpl3", "192M", "12\n", 1, NULL);
}

LAZY_TESTS(long)
LAZY_TESTS(protected)
LAZY_TESTS(paged32)
LAZY_TESTS(pae)
LAZY_TESTS(compat)
LAZY_TESTS(la57)
