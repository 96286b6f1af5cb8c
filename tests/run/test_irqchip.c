/* test_irqchip.c - the in-kernel interrupt controllers and PIT,
 * --irqchip (issue 15, kvm/irqchip.h).
 *
 * Per mode: tests/guests/pit_ticks.asm takes ten PIT timer interrupts
 * through the remapped 8259 PIC and prints "ticks: 10"; irq_cli_hlt
 * halts with interrupts off, which must still end the run as a halt
 * (KVM no longer exits on HLT) and promptly, far inside --timeout, and
 * so must irq_masked_hlt, halted with IF set but the PIT's line masked
 * at the PICs (nothing else unmasked); irq_sti_hlt halts with
 * interrupts on and no timer, which waits for an interrupt until
 * --timeout (exit 124); --repeat starts every run with
 * the PIC as KVM reset it (and, from the inside, with the chips, the PIT
 * and the vCPU's local APIC as loaded: long_irqchip). A host whose KVM cannot create the chips
 * says so (exit 3) and the tests skip with that line; where this host
 * cannot run a mode they skip as every run test does (the nested suite
 * runs them there). Suite cli_irqchip: the mode-independent parts.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/image.h"
#include "helpers.h"
#include "kvm/irqchip.h"
#include "kvm/rerun.h"
#include "kvm/run.h"
#include "kvm/vcpu.h"
#include "kvm/vcpu_state.h"
#include "kvm/vm.h"
#include "modes/mode.h"
#include "rerun_fixture.h"

#define TICKS_OUT "pic mask: 0\nticks: 10\n"
/* irq_cli_hlt must end long before this: it is only the safety net. */
#define HALT_TIMEOUT "10"
#define HALT_PROMPT_S 1.0
#define WAIT_TIMEOUT "0.3"
#define WAIT_TIMEOUT_S 0.3

static const char *flag(const char *mode)
{
    static char buf[32];

    snprintf(buf, sizeof(buf), "--%s", mode);
    return buf;
}

static const char *bits(const char *mode)
{
    return mode_bits(mode);
}

static const char *guest(const char *name, const char *mode)
{
    static char buf[4][64];
    static unsigned next;
    char *b = buf[next++ % 4];

    snprintf(b, sizeof(buf[0]), "%s%s", name, bits(mode));
    return test_guest(b);
}

/* A mode this host cannot run, or a KVM without the chips: skip, with
 * the line that says so. */
static void skip_if_no_irqchip(const struct skvm_result *r, const char *mode)
{
    skip_if_host_cannot(r, mode);
    if (r->code == 3 && strstr(r->err, "this host's KVM cannot"))
        cr_skip_test("%s", last_line(r->err));
}

/* The count after "    NAME " in --stats' exits-by-reason table. */
static long stats_count(const char *err, const char *name)
{
    char key[64];
    long n = -1;

    snprintf(key, sizeof(key), "    %s ", name);
    const char *p = strstr(err, key);
    if (p)
        sscanf(p + strlen(key), "%ld", &n);
    return n;
}

static void test_pit_ticks(const char *mode)
{
    static struct skvm_result r;

    RUN(&r, flag(mode), "--irqchip", "--timeout", HALT_TIMEOUT,
        guest("pit_ticks", mode));
    skip_if_no_irqchip(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, TICKS_OUT);
}

/* Run test guest `name` with --irqchip and --timeout `timeout` (and
 * --stats if asked), skipping where the chips are missing: the seconds
 * the run took. */
static double run_timed(struct skvm_result *r, const char *mode,
                        const char *name, const char *timeout, bool stats)
{
    const char *argv[7] = {flag(mode), "--irqchip", "--timeout", timeout};
    size_t n = 4;

    if (stats)
        argv[n++] = "--stats";
    argv[n] = guest(name, mode);
    double t0 = now_s();
    run_skvm(r, argv);
    double took = now_s() - t0;
    skip_if_no_irqchip(r, mode);
    return took;
}

/* Halted with IF clear: a halt (exit 0, counted as one HLT exit), well
 * before the timeout. */
static void test_cli_hlt_ends(const char *mode)
{
    static struct skvm_result r;

    double took = run_timed(&r, mode, "irq_cli_hlt", HALT_TIMEOUT, true);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_lt(took, HALT_PROMPT_S, "took %.3f s", took);
    cr_assert_eq(stats_count(r.err, "KVM_EXIT_HLT"), 1, "%s", r.err);
}

/* Halted with IF set but every source masked (the PIT runs, the PICs
 * mask it): a halt too, as promptly. */
static void test_masked_hlt_ends(const char *mode)
{
    static struct skvm_result r;

    double took = run_timed(&r, mode, "irq_masked_hlt", HALT_TIMEOUT, false);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_lt(took, HALT_PROMPT_S, "took %.3f s", took);
}

/* Halted with IF set and nothing programmed: waits for an interrupt
 * until --timeout. Without --irqchip the same guest's HLT exits. */
static void test_sti_hlt_waits(const char *mode)
{
    static struct skvm_result r;

    double took = run_timed(&r, mode, "irq_sti_hlt", WAIT_TIMEOUT, false);
    cr_assert_eq(r.code, 124, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(last_line(r.err),
                     "simple-kvm: guest did not halt within 0.3 s "
                     "(--timeout)");
    cr_assert_geq(took, WAIT_TIMEOUT_S, "took %.3f s", took);
    RUN(&r, flag(mode), "--timeout", WAIT_TIMEOUT,
        guest("irq_sti_hlt", mode));
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
}

/* Every run starts with the chips as KVM reset them: run 2 would find
 * the PIC masks run 1 left (0xfffe) without the restore. */
static void test_repeat(const char *mode)
{
    static struct skvm_result r;

    RUN(&r, flag(mode), "--irqchip", "--repeat", "3", "--timeout",
        HALT_TIMEOUT, guest("pit_ticks", mode));
    skip_if_no_irqchip(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, TICKS_OUT TICKS_OUT TICKS_OUT);
}

/* The built-in guest, entered with IF clear, passes unchanged. */
static void test_hello(const char *mode)
{
    static struct skvm_result r;

    RUN(&r, flag(mode), "--irqchip", "--timeout", HALT_TIMEOUT);
    skip_if_no_irqchip(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, hello_greeting(mode));
}

#define IRQCHIP_TESTS(mode)                                                    \
    Test(mode##_irqchip, pit_ticks) { test_pit_ticks(#mode); }                 \
    Test(mode##_irqchip, cli_hlt_ends) { test_cli_hlt_ends(#mode); }           \
    Test(mode##_irqchip, masked_hlt_ends) { test_masked_hlt_ends(#mode); }     \
    Test(mode##_irqchip, sti_hlt_waits) { test_sti_hlt_waits(#mode); }         \
    Test(mode##_irqchip, repeat) { test_repeat(#mode); }                       \
    Test(mode##_irqchip, hello) { test_hello(#mode); }

IRQCHIP_TESTS(long)
IRQCHIP_TESTS(protected)
IRQCHIP_TESTS(paged32)
IRQCHIP_TESTS(real)

/* --repeat, from the inside: the chips, the PIT and the vCPU (its local
 * APIC and pending events included) at the start of runs 2 and 3 equal
 * what they were at the start of run 1, though each run programmed the
 * PIC and left the PIT ticking into the pause after it. */
Test(long_irqchip, repeat_restores_the_chips)
{
    struct rerun_fixture f;
    struct irqchip_state first_chips, now_chips;
    struct vcpu_state first, now;
    char why[128];

    rerun_fixture_open(&f, "long", "pit_ticks64", true);
    struct vm *const vm = &f.vm;
    struct skvm_err err = {0};

    f.cfg.timeout_s = 10;
    cr_assert_eq(irqchip_save(vm, &first_chips, &err), 0, "%s", err.msg);
    cr_assert(first_chips.have);
    cr_assert_eq(vcpu_state_save(vm, &first, &err), 0, "%s", err.msg);
    cr_assert(first.have_lapic, "the vCPU has its local APIC");
    for (int run = 2; run <= 3; run++) {
        cr_assert_eq(run_guest(vm, &f.cfg, &err), 0, "run %d: %s", run - 1,
                     err.msg);
        cr_assert_eq(irqchip_save(vm, &now_chips, &err), 0, "%s", err.msg);
        cr_assert_not_null(irqchip_state_diff(&first_chips, &now_chips, why,
                                              sizeof(why)),
                           "the run changed the chips");
        usleep(20000); /* the PIT the run started ticks on */
        rerun_fixture_restore(&f);
        cr_assert_eq(irqchip_save(vm, &now_chips, &err), 0, "%s", err.msg);
        const char *diff =
            irqchip_state_diff(&first_chips, &now_chips, why, sizeof(why));
        cr_assert_null(diff, "run %d starts with a different %s", run, diff);
        cr_assert_eq(vcpu_state_save(vm, &now, &err), 0, "%s", err.msg);
        diff = vcpu_state_diff(&first, &now, why, sizeof(why));
        cr_assert_null(diff, "run %d starts with different %s", run, diff);
        vcpu_state_free(&now);
    }
    vcpu_state_free(&first);
    rerun_fixture_close(&f);
}

/* --probe says whether this host's KVM has the chips. */
Test(cli_irqchip, probe)
{
    static struct skvm_result r;

    RUN(&r, "--probe");
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert(strstr(r.out, "\nirqchip    yes\n") ||
                  strstr(r.out, "\nirqchip    no: this host's KVM cannot"),
              "%s", r.out);
}

/* A guest that never halts still ends at --timeout while the loop
 * ticks; --no-irqchip is the default's HLT exit. */
Test(cli_irqchip, timeout_while_ticking)
{
    static struct skvm_result r;

    double t0 = now_s();
    RUN(&r, "--irqchip", "--timeout", WAIT_TIMEOUT, test_guest("spin64"));
    double took = now_s() - t0;
    skip_if_no_irqchip(&r, "long");
    cr_assert_eq(r.code, 124, "exit %d: %s", r.code, r.err);
    cr_assert_geq(took, WAIT_TIMEOUT_S, "took %.3f s", took);
    cr_assert_lt(took, HALT_PROMPT_S, "took %.3f s", took);
    RUN(&r, "--no-irqchip", "--timeout", WAIT_TIMEOUT,
        test_guest("irq_sti_hlt64"));
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
}

/* The sandbox lets the ticks' look and --repeat's restore through. */
Test(cli_irqchip, sandbox)
{
    static struct skvm_result r;

    RUN(&r, "--irqchip", "--sandbox", "--repeat", "2", "--timeout",
        HALT_TIMEOUT, test_guest("pit_ticks64"));
    skip_if_no_irqchip(&r, "long");
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, TICKS_OUT TICKS_OUT);
}
