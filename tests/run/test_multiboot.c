/* test_multiboot.c - Multiboot 1 kernels (issue 15), run as GRUB or
 * QEMU's -kernel would boot them.
 *
 * Suite protected_multiboot (meson test multiboot-protected): the two
 * test kernels, tests/guests/mb_kernel.asm (a flat file loaded through
 * its header's address fields) and mb_kernel_c.c (an ELF32 file), check
 * EAX, the information structure, the memory map against --mem, the
 * cmdline and their modules, print all of it on COM1 and end through
 * isa-debug-exit. The whole stdout is asserted, and the exit code: 0
 * when the kernel's checks pass, 1 with "guest reported failure V
 * (isa-debug-exit)" when one fails (no module given); and mb_long.asm,
 * which switches to long mode itself. All run in the nested suite too
 * (tests/nested/matrix.txt).
 * Suite cli_multiboot (multiboot-cli): the options around a kernel.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* Longer than the information area (LAYOUT_MB_INFO_SIZE, 20 KiB). */
#define LONG_CMDLINE 21000

static char module_path[2][64], expected[8192];

/* The kernels: mb_kernel.bin (a.out kludge) or mb_kernel_c.elf. */
static const char *kernel(const char *file)
{
    return test_guest_file(file);
}

/* A module file holding `text`; removed at the end of the test. */
static const char *module(int i, const char *text)
{
    snprintf(module_path[i], sizeof(module_path[i]), "/tmp/skvm-mbmod-XXXXXX");
    int fd = mkstemp(module_path[i]);
    cr_assert(fd >= 0, "mkstemp failed");
    cr_assert(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    return module_path[i];
}

static void remove_modules(void)
{
    for (int i = 0; i < 2; i++)
        if (module_path[i][0])
            unlink(module_path[i]);
}

/* Info flags: mem (0), cmdline (2), mods (3), mmap (6), loader (9). */
#define MB_OUT_HEAD                                                            \
    "magic 2badb002 flags 0000024d\n"                                          \
    "loader simple-kvm\n"

/* The map of --mem SIZE: RAM below the PC hole, the hole reserved, RAM
 * from 1 MiB to the end; mem_lower and mem_upper agree with it. */
static const char *memory_lines(unsigned mib)
{
    static char buf[256];

    snprintf(buf, sizeof(buf),
             "mem 640 %u\n"
             "mmap 00000000 000a0000 1\n"
             "mmap 000a0000 00060000 2\n"
             "mmap 00100000 %08x 1\n",
             (mib - 1) * 1024, (mib - 1) << 20);
    return buf;
}

static void assert_passed(const struct skvm_result *r)
{
    skip_if_host_cannot(r, "protected");
    cr_assert_eq(r->code, 0, "exit %d; stdout: %s; stderr: %s", r->code,
                 r->out, r->err);
    cr_assert_str_eq(r->out, expected);
}

TestSuite(protected_multiboot, .fini = remove_modules);

Test(protected_multiboot, flat_kernel_with_address_fields)
{
    struct skvm_result r;
    const char *k = kernel("mb_kernel.bin");
    const char *m = module(0, "MBMOD one\nsecond line\n");
    char arg[128];

    snprintf(arg, sizeof(arg), "%s=first module", m);
    snprintf(expected, sizeof(expected),
             MB_OUT_HEAD "cmdline %s hello world\n%s"
                         "module 0 22 aligned %s first module\n"
                         "data MBMOD one\n"
                         "all checks passed\n",
             k, memory_lines(4), m);
    RUN(&r, "--mem", "4M", "--cmdline", "hello world", "--module", arg, k);
    assert_passed(&r);
}

Test(protected_multiboot, elf_kernel_two_modules)
{
    struct skvm_result r;
    const char *k = kernel("mb_kernel_c.elf");
    const char *m0 = module(0, "MBMOD zero");
    const char *m1 = module(1, "MBMOD one\n");

    snprintf(expected, sizeof(expected),
             MB_OUT_HEAD "cmdline %s\n%s"
                         "module 0 10 aligned %s\n"
                         "data MBMOD zero\n"
                         "module 1 10 aligned %s\n"
                         "data MBMOD one\n"
                         "all checks passed\n",
             k, memory_lines(8), m0, m1);
    RUN(&r, "--mem", "8M", "--module", m0, "--module", m1, k);
    assert_passed(&r);
}

/* A check the kernel fails (no module) ends through isa-debug-exit with
 * its number: exit 1, named. */
Test(protected_multiboot, kernel_reports_failure)
{
    static const char *const files[] = {"mb_kernel.bin", "mb_kernel_c.elf"};

    for (int i = 0; i < 2; i++) {
        struct skvm_result r;
        const char *k = kernel(files[i]);
        snprintf(expected, sizeof(expected),
                 MB_OUT_HEAD "cmdline %s\n%sFAIL no module\n", k,
                 memory_lines(2));
        RUN(&r, k);
        skip_if_host_cannot(&r, "protected");
        cr_assert_eq(r.code, 1, "%s: exit %d; stderr: %s", files[i], r.code,
                     r.err);
        cr_assert_str_eq(r.out, expected);
        cr_assert_str_eq(last_line(r.err),
                         "simple-kvm: guest reported failure 6 "
                         "(isa-debug-exit)");
    }
}

/* A kernel that enters long mode itself (PAE, EFER.LME, CR0.PG from the
 * protected mode the loader gives), as kvm-unit-tests' cstart64.S and
 * 64-bit hobby kernels do: it checks EFER.LMA in 64-bit code. */
Test(protected_multiboot, kernel_enters_long_mode)
{
    struct skvm_result r;

    RUN(&r, kernel("mb_long.bin"));
    skip_if_host_cannot(&r, "protected");
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "long mode entered by the kernel itself\n");
}

/* --repeat puts the kernel, its modules and the information back
 * before every run: each run passes. */
Test(protected_multiboot, repeat)
{
    struct skvm_result r;
    const char *k = kernel("mb_kernel.bin");
    const char *m = module(0, "MBMOD again\n");
    char once[2048];

    snprintf(once, sizeof(once),
             MB_OUT_HEAD "cmdline %s\n%s"
                         "module 0 12 aligned %s\n"
                         "data MBMOD again\n"
                         "all checks passed\n",
             k, memory_lines(2), m);
    snprintf(expected, sizeof(expected), "%s%s%s", once, once, once);
    RUN(&r, "--repeat", "3", "--module", m, k);
    assert_passed(&r);
}

/* --json names the format and the mode the kernel got. */
Test(protected_multiboot, json_format)
{
    static const char *const files[][2] = {
        {"mb_kernel.bin", "\"format\": \"Multiboot\""},
        {"mb_kernel_c.elf", "\"format\": \"Multiboot ELF\""}};

    for (int i = 0; i < 2; i++) {
        struct skvm_result r;
        const char *m = module(i, "MBMOD json\n");
        RUN(&r, "--json", "--module", m, kernel(files[i][0]));
        skip_if_host_cannot(&r, "protected");
        cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
        cr_assert(strstr(r.out, files[i][1]), "no %s in %s", files[i][1],
                  r.out);
        cr_assert(strstr(r.out, "\"mode\": \"protected\""), "%s", r.out);
    }
}

/* Options that do not fit a Multiboot kernel, or need one. */
Test(cli_multiboot, mode_and_addresses_refused)
{
    static const char *const flags[][3] = {
        {"--long", NULL, "starts in protected mode with paging off"},
        {"--paged32", NULL, "starts in protected mode with paging off"},
        {"--load", "0x100000", "--load does not apply to Multiboot kernel"},
        {"--entry", "0x100000", "--entry does not apply to Multiboot kernel"},
    };

    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        struct skvm_result r;
        const char *k = kernel("mb_kernel.bin");
        if (flags[i][1])
            RUN(&r, flags[i][0], flags[i][1], k);
        else
            RUN(&r, flags[i][0], k);
        cr_assert_eq(r.code, 2, "%s: exit %d; stderr: %s", flags[i][0],
                     r.code, r.err);
        cr_assert(strstr(r.err, flags[i][2]), "%s: %s", flags[i][0], r.err);
        cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
    }
}

Test(cli_multiboot, module_needs_multiboot)
{
    struct skvm_result r;

    RUN(&r, "--protected", "--module", "/dev/null");
    cr_assert_eq(r.code, 2, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.err, "--module is for Multiboot kernels"), "%s",
              r.err);
    RUN(&r, "--protected", "--cmdline", "x", test_guest("counter32"));
    cr_assert_eq(r.code, 2, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.err, "--cmdline is for Multiboot kernels"), "%s",
              r.err);
}

/* More modules than the table holds, and a command line longer than the
 * loader's information area: refused, named. */
Test(cli_multiboot, too_many_modules_too_long_cmdline)
{
    static char cmdline[LONG_CMDLINE + 1];
    const char *argv[2 * 17 + 2];
    struct skvm_result r;
    int n = 0;

    for (int i = 0; i < 17; i++) {
        argv[n++] = "--module";
        argv[n++] = "/dev/null";
    }
    argv[n++] = kernel("mb_kernel.bin");
    argv[n] = NULL;
    run_skvm(&r, argv);
    cr_assert_eq(r.code, 2, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.err, "simple-kvm: at most 16 --module files\n");

    memset(cmdline, 'x', LONG_CMDLINE);
    RUN(&r, "--cmdline", cmdline, kernel("mb_kernel.bin"));
    cr_assert_eq(r.code, 2, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.err, "the Multiboot information (command line, 0 "
                            "modules and their strings) does not fit in "
                            "the loader's 20480 bytes at 0xfb000"),
              "%s", r.err);
}
