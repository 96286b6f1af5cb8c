/* test_exceptions.c - exceptions by name in every mode, beyond the
 * one-line messages tests/bad_inputs.txt checks row by row: the crash
 * report shows the faulting instruction, --json carries the exception,
 * a guest's own IDT (IVT in real mode) wins, software interrupts and
 * this host's limits, and a real-mode fault is never a silent pass.
 */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

static const char *bits_of(const char *mode)
{
    return mode_bits(mode);
}

static const char *guest(const char *name, const char *mode, char *buf,
                         size_t len)
{
    char n[64];

    snprintf(n, sizeof(n), "%s%s", name, bits_of(mode));
    snprintf(buf, len, "%s", test_guest(n));
    return buf;
}

static const char *flag(const char *mode, char *buf, size_t len)
{
    snprintf(buf, len, "--%s", mode);
    return buf;
}

/* The crash report names the exception and marks the faulting
 * instruction at RIP 0x10 (from the frame, not the stub's HLT). */
static void test_report_marks_faulting_insn(const char *mode)
{
    struct skvm_result r;
    char g[256], f[32];

    RUN(&r, flag(mode, f, sizeof(f)), guest("exc_ud", mode, g, sizeof(g)));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 4, "%s", r.err);
    cr_assert(strstr(r.err, "exception: #UD (vector 6, invalid opcode)"),
              "%s", r.err);
    cr_assert(strstr(r.err, "=> 0x00000010: 0f 0b"), "ud2 marked: %s", r.err);
    cr_assert(strstr(r.err, "<-- RIP, faulting instruction"), "%s", r.err);
    cr_assert(!strstr(r.err, "exit:    KVM_EXIT_HLT"), "not the stub's HLT");
}

/* --json: exception {vector, name, error_code, cr2, rip}. */
static void test_json(const char *mode)
{
    struct skvm_result r;
    char g[256], f[32];
    struct json_object *o, *e, *v;

    RUN(&r, flag(mode, f, sizeof(f)), "--json",
        guest("exc_gp", mode, g, sizeof(g)));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 4, "%s", r.err);
    o = json_tokener_parse(r.out);
    cr_assert(o, "stdout is JSON: %s", r.out);
    cr_assert(json_object_object_get_ex(o, "exception", &e) && e, "%s", r.out);
    cr_assert(json_object_object_get_ex(e, "vector", &v));
    cr_assert_eq(json_object_get_int(v), 13);
    cr_assert(json_object_object_get_ex(e, "name", &v));
    cr_assert_str_eq(json_object_get_string(v), "#GP");
    cr_assert(json_object_object_get_ex(e, "rip", &v));
    cr_assert_str_eq(json_object_get_string(v), "0x10");
    cr_assert(json_object_object_get_ex(e, "error_code", &v));
    if (strcmp(mode, "real") == 0)
        cr_assert_null(v, "no error codes in real mode");
    else
        cr_assert_eq(json_object_get_int(v), 0x1238);
    json_object_put(o);
}

/* A guest's own IDT (IVT) runs its #UD handler: a pass. */
static void test_own_idt(const char *mode)
{
    struct skvm_result r;
    char g[256], f[32];
    RUN(&r, flag(mode, f, sizeof(f)), "--expect-mem", "0x400=42",
        guest("own_idt", mode, g, sizeof(g)));
    skip_if_host_cannot(&r, mode);
    if (strcmp(mode, "compat") == 0) {
        /* Under long mode the CPU reads IDT entries as 16-byte 64-bit
         * gates (SDM 6.14.1): a 32-bit guest's own IDT cannot deliver
         * there, exactly as on hardware. */
        cr_assert_eq(r.code, 4, "exit %d: %s", r.code, r.err);
        cr_assert(strstr(last_line(r.err), "triple fault"), "%s", r.err);
        return;
    }
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "own #UD handler\n");
}

/* A divide error in real mode used to jump through the guest's own
 * bytes at address 0 (the IVT's place) and could end at a stray HLT:
 * exit 0 for a crash. Now it is exit 4, named, whatever --load says. */
static void test_real_fault_never_passes(const char *mode)
{
    struct skvm_result r;
    char g[256], f[32];
    const char *loads[] = {"0", "0x1000", "0x7c00"};

    for (unsigned i = 0; i < 3; i++) {
        RUN(&r, flag(mode, f, sizeof(f)), "--load", loads[i],
            guest("exc_de", mode, g, sizeof(g)));
        skip_if_host_cannot(&r, mode);
        cr_assert_eq(r.code, 4, "--load %s: exit %d: %s", loads[i], r.code,
                     r.err);
        cr_assert(strstr(last_line(r.err), "#DE (vector 0, divide error)"),
                  "%s", r.err);
    }
}

/* int 0x40 with no handler: named (exit 4), or where this host's KVM
 * cannot deliver it (kvm-pvm, protected and long mode) exit 3 saying
 * so; real mode always delivers it. */
static void test_software_interrupt(const char *mode)
{
    struct skvm_result r;
    char g[256], f[32];

    RUN(&r, flag(mode, f, sizeof(f)), guest("exc_int", mode, g, sizeof(g)));
    skip_if_host_cannot(&r, mode);
    if (r.code == 3) {
        char want[256];
        cr_assert(strcmp(mode, "real") != 0, "real mode delivers: %s", r.err);
        snprintf(want, sizeof(want),
                 "simple-kvm: this host's KVM cannot deliver software "
                 "interrupts in %s-bit %s mode: 'int 0x40' at RIP 0x10 "
                 "ended in an emulation failure (KVM_EXIT_INTERNAL_ERROR); "
                 "hardware KVM delivers it",
                 bits_of(mode),
                 mode_is64(mode)                    ? "long"
                 : strcmp(mode, "compat") == 0      ? "compatibility"
                                                    : "protected");
        cr_assert_str_eq(last_line(r.err), want);
        return;
    }
    cr_assert_eq(r.code, 4, "%s", r.err);
    cr_assert(strstr(last_line(r.err),
                     "guest raised int 0x40 with no handler installed"),
              "%s", r.err);
    cr_assert(strstr(r.err, "=> 0x00000010: cd 40"), "int marked: %s", r.err);
}

/* The hint: a guest that runs past its last byte. */
static void test_hint_missing_hlt(const char *mode)
{
    struct skvm_result r;
    char f[32], path[] = "/tmp/skvm-nohlt-XXXXXX";
    int fd = mkstemp(path);

    cr_assert(fd >= 0 && write(fd, "\x90\x90", 2) == 2);
    close(fd);
    /* It runs through ~2 MiB of zeros in the host's emulator on
     * kvm-pvm (about 1 s, several on a loaded machine): the timeout
     * only bounds a failure. */
    RUN(&r, flag(mode, f, sizeof(f)), "--timeout", "30", path);
    unlink(path);
    skip_if_host_cannot(&r, mode);
    if (strcmp(mode, "real") == 0) {
        /* 16-bit code wraps at 64 KiB and faults inside the image */
        cr_assert_eq(r.code, 4, "%s", r.err);
        return;
    }
    cr_assert_eq(r.code, 4, "%s", r.err);
    cr_assert(strstr(last_line(r.err), "; hint: the CPU was at linear "
                                       "address") &&
                  strstr(last_line(r.err), "outside the image (0x0-0x1)"),
              "%s", r.err);
    cr_assert(strstr(r.err, "\nhint:    the CPU was at linear address"),
              "the crash report has it too: %s", r.err);
}

#define MODE_EXCEPTION_TESTS(mode)                                             \
    Test(mode##_exceptions, report_marks_faulting_insn)                        \
    {                                                                          \
        test_report_marks_faulting_insn(#mode);                                \
    }                                                                          \
    Test(mode##_exceptions, json) { test_json(#mode); }                        \
    Test(mode##_exceptions, own_idt) { test_own_idt(#mode); }                  \
    Test(mode##_exceptions, software_interrupt)                                \
    {                                                                          \
        test_software_interrupt(#mode);                                        \
    }                                                                          \
    Test(mode##_exceptions, hint_missing_hlt) { test_hint_missing_hlt(#mode); }

MODE_EXCEPTION_TESTS(long)
MODE_EXCEPTION_TESTS(protected)
MODE_EXCEPTION_TESTS(paged32)
MODE_EXCEPTION_TESTS(real)
MODE_EXCEPTION_TESTS(pae)
MODE_EXCEPTION_TESTS(compat)
MODE_EXCEPTION_TESTS(la57)

Test(real_exceptions, fault_never_passes)
{
    test_real_fault_never_passes("real");
}
