/* test_elf.c - ELF guests (issue 15): loaded by their program headers,
 * the mode taken from their class, and named by their symbols.
 *
 * Suites <mode>_elf (meson tests elf-long, elf-protected, elf-paged32):
 * tests/guests/elf_guest.c as ELF64 (long) or ELF32 (protected, paged32)
 * prints and passes, finds its .bss zeroed (again after --repeat), and
 * the _crash build's #UD in fault_here() is named on the error line, in
 * the crash report (RIP, the disassembly's label) and in its backtrace
 * through level_two, level_one, main and _start; --trace names the
 * function of each exit; the byte-built elf_min samples pass.
 * cli_elf: the mode default from the class, ELF32 under --compat, the
 * symbol in --json, and the refusals that need the command line (a
 * mode of another word size, --load, --entry).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

static const char *elf_guest(const char *name)
{
    char file[256];

    snprintf(file, sizeof(file), "%s.elf", name);
    return test_guest_file(file);
}

/* The guest for a mode: ELF64 for long, ELF32 for the 32-bit modes. */
static const char *guest_for(const char *base, const char *mode)
{
    static char name[64];

    snprintf(name, sizeof(name), "%s%s", base, mode_bits(mode));
    return elf_guest(name);
}

static const char *mode_flag(const char *mode)
{
    static char flag[32];

    snprintf(flag, sizeof(flag), "--%s", mode);
    return flag;
}

static const char *hello_out(const char *mode)
{
    return mode_is64(mode) ? "Hello from an ELF guest\n64\n7\n"
                           : "Hello from an ELF guest\n32\n7\n";
}

static void test_hello(const char *mode)
{
    static struct skvm_result r;

    RUN(&r, mode_flag(mode), guest_for("elf_hello", mode));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, hello_out(mode));
    cr_assert_str_empty(r.err);
}

/* The guest dirties its .bss and fails when it finds it dirty: a
 * second run in the same VM must find p_memsz beyond p_filesz zeroed
 * again. */
static void test_bss_repeat(const char *mode)
{
    static struct skvm_result r;

    RUN(&r, mode_flag(mode), "--repeat", "3", guest_for("elf_hello", mode));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_null(strstr(r.out, "bss is not zero"), "%s", r.out);
}

/* Lines of the report in this order. */
static void assert_in_order(const char *s, const char *const *want)
{
    const char *at = s;

    for (; *want; want++) {
        const char *hit = strstr(at, *want);
        cr_assert(hit, "'%s' missing (in order) from:\n%s", *want, s);
        at = hit + strlen(*want);
    }
}

static void test_crash(const char *mode)
{
    static struct skvm_result r;

    RUN(&r, mode_flag(mode), guest_for("elf_crash", mode));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 4, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, hello_out(mode));
    const char *line = last_line(r.err);
    cr_assert(strstr(line, "simple-kvm: guest raised #UD (vector 6, invalid "
                           "opcode) at RIP 0x") &&
                  strstr(line, " (fault_here+0x"),
              "%s", line);
    assert_in_order(r.err, (const char *const[]){
                               "=== simple-kvm crash report",
                               "  rip is fault_here+0x",
                               "  <fault_here>:\n",
                               "ud2",
                               "backtrace (frame pointers):\n",
                               "  #0  0x",
                               " fault_here+0x",
                               "  #1  0x",
                               " level_two+0x",
                               "  #2  0x",
                               " level_one+0x",
                               "  #3  0x",
                               " main+0x",
                               "  #4  0x",
                               " _start+0x",
                               "  (end: frame pointer 0: the outermost "
                               "frame)\n",
                               "=== end of crash report ===",
                               NULL});
}

/* Every exit's line names the function RIP is in. */
static void test_trace(const char *mode)
{
    static struct skvm_result r;

    RUN(&r, mode_flag(mode), "--trace", guest_for("elf_hello", mode));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.err, "trace: #1 KVM_EXIT_IO OUT port 0x502"), "%s",
              r.err);
    cr_assert(strstr(r.err, " (skvm_out32+0x"), "%s", r.err);
    for (const char *l = r.err; *l; l = strchr(l, '\n') + 1) {
        cr_assert(strncmp(l, "trace: #", 8) == 0, "%s", l);
        const char *nl = strchr(l, '\n');
        cr_assert(nl);
        cr_assert(nl[-1] == ')', "a trace line without a symbol: %.*s",
                  (int)(nl - l), l);
    }
}

/* The byte-built sample (scripts/build/elf-samples): one segment, no
 * symbols, an exit hypercall. */
static void test_min(const char *mode)
{
    static struct skvm_result r;

    RUN(&r, mode_flag(mode), guest_for("elf_min", mode));
    skip_if_host_cannot(&r, mode);
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_empty(r.out);
    cr_assert_str_empty(r.err);
}

#define ELF_TESTS(mode)                                                        \
    Test(mode##_elf, hello) { test_hello(#mode); }                             \
    Test(mode##_elf, bss_zeroed_on_every_run) { test_bss_repeat(#mode); }      \
    Test(mode##_elf, crash_names_function_and_callers)                         \
    {                                                                          \
        test_crash(#mode);                                                     \
    }                                                                          \
    Test(mode##_elf, trace_names_functions) { test_trace(#mode); }             \
    Test(mode##_elf, byte_built_sample) { test_min(#mode); }

ELF_TESTS(long)
ELF_TESTS(protected)
ELF_TESTS(paged32)

/* --- cli_elf: what the class decides --------------------------------- */

Test(cli_elf, mode_defaults_from_class)
{
    static struct skvm_result r;

    RUN(&r, "--json", elf_guest("elf_hello64"));
    skip_if_host_cannot(&r, "long");
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.out, "\"mode\": \"long\""), "%s", r.out);
    RUN(&r, "--json", elf_guest("elf_hello32"));
    skip_if_host_cannot(&r, "protected");
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.out, "\"mode\": \"protected\""), "%s", r.out);
}

/* Only the segments must fit in RAM, not the file (symbols and debug
 * information are not loaded); a flat file larger than RAM is refused
 * (tests/bad_inputs.txt, <big>). */
Test(cli_elf, file_larger_than_ram)
{
    static struct skvm_result r;

    RUN(&r, "--mem", "2M", elf_guest("elf_big64"));
    skip_if_host_cannot(&r, "long");
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_empty(r.err);
}

/* Another mode of the class's word size takes the file too: ELF32 in
 * compatibility mode (32-bit code under long mode's paging). */
Test(cli_elf, elf32_in_compat_mode)
{
    static struct skvm_result r;

    RUN(&r, "--compat", elf_guest("elf_hello32"));
    skip_if_host_cannot(&r, "compat");
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "Hello from an ELF guest\n32\n7\n");
}

/* --json names the symbol too. */
Test(cli_elf, json_names_the_symbol)
{
    static struct skvm_result r;

    RUN(&r, "--json", elf_guest("elf_crash64"));
    skip_if_host_cannot(&r, "long");
    cr_assert_eq(r.code, 4, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.out, "\"symbol\": \"fault_here+0x"), "%s", r.out);
    cr_assert(strstr(r.out, "\"symbol\": \"level_one+0x"), "%s", r.out);
    cr_assert(strstr(r.out, "\"backtrace_end\": \"frame pointer 0: the "
                            "outermost frame\""),
              "%s", r.out);
    cr_assert(strstr(r.out, "\"format\": \"ELF64\""), "%s", r.out);
}

Test(cli_elf, class_and_mode_flag_must_agree)
{
    static struct skvm_result r;

    RUN(&r, "--protected", elf_guest("elf_hello64"));
    cr_assert_eq(r.code, 2, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.err, "holds 64-bit code, which --protected mode "
                            "cannot run: use --long (its default)"),
              "%s", r.err);
    RUN(&r, "--real", elf_guest("elf_hello32"));
    cr_assert_eq(r.code, 2, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.err, "holds 32-bit code, which --real mode cannot "
                            "run"),
              "%s", r.err);
    RUN(&r, "--long", elf_guest("elf_hello32"));
    cr_assert_eq(r.code, 2, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_empty(r.out);
}

Test(cli_elf, load_and_entry_refused)
{
    static struct skvm_result r;

    RUN(&r, "--load", "0x1000", elf_guest("elf_hello64"));
    cr_assert_eq(r.code, 2, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.err, "--load does not apply to ELF64 image"), "%s",
              r.err);
    RUN(&r, "--entry", "0x100000", elf_guest("elf_hello32"));
    cr_assert_eq(r.code, 2, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.err, "--entry does not apply to ELF32 image"), "%s",
              r.err);
}
