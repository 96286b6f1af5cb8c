/* test_boot.c - --boot: boot sectors and the BIOS they call (issue 16).
 *
 * Each test boots one of tests/guests/boot_*.asm (whole disk images) and
 * asserts the console stream, the VGA screen printed after it, the exit
 * code and the note on stderr; the A20 gate devices (port 0x92, the
 * 8042) are driven as tutorials drive them, and their reset lines end
 * the run. The bad inputs (short image, no signature, an unknown BIOS
 * function, reading past the end, a directory or FIFO as the disk) are
 * rows of tests/bad_inputs.txt. A
 * host that cannot run what a guest switched to (exit 3) skips with the
 * reason; the nested suite runs them all on hardware-style KVM.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

#define SCREEN_HEAD(row, col)                                                  \
    "=== VGA text screen (80x25, cursor at row " #row ", column " #col ") ===\n"
#define SCREEN_TAIL "=== end of VGA text screen ===\n"
#define PARKED "simple-kvm: note: the guest is parked in a jump to itself"
/* A guest that says `said` through the BIOS, then writes `vga` on row 2
 * of the screen itself (from protected or long mode). */
#define SAID_THEN_VGA(said, vga)                                               \
    said SCREEN_HEAD(1, 0) said "\n" vga "\n" SCREEN_TAIL

static char disk_buf[4][256];
static const char *disk(const char *name, int slot)
{
    snprintf(disk_buf[slot], sizeof(disk_buf[slot]), "%s", test_guest(name));
    return disk_buf[slot];
}

static void assert_pass(const struct skvm_result *r, const char *out,
                        const char *note)
{
    if (r->code == 3)
        skip_if_host_cannot(r, "real");
    cr_assert_eq(r->code, 0, "exit %d; stderr: %s", r->code, r->err);
    cr_assert_str_eq(r->out, out);
    cr_assert(strncmp(r->err, note, strlen(note)) == 0 &&
                  count_lines(r->err) == 1,
              "one note on stderr, '%s...': %s", note, r->err);
}

#define HELLO "Hello from a boot sector!\n"

/* int 0x10 teletype, then `jmp $`: parked, a halt. */
Test(real_boot, hello)
{
    struct skvm_result r;

    RUN(&r, "--boot", disk("boot_hello", 0));
    assert_pass(&r, HELLO SCREEN_HEAD(1, 0) HELLO SCREEN_TAIL,
                PARKED " at 0000:7c15 with nothing to interrupt it: run "
                       "ended as a halt\n");
}

/* The same from drive 0x00; --vga never leaves the console alone. */
Test(real_boot, floppy_no_screen)
{
    struct skvm_result r;

    RUN(&r, "--boot", disk("boot_hello", 0), "--floppy", "--vga", "never");
    assert_pass(&r, HELLO, PARKED);
}

#define STAGES                                                                 \
    "stage 1: boot sector\n"                                                   \
    "stage 2: loaded by int 0x13 AH=0x02 (CHS)\n"                              \
    "stage 3: loaded by int 0x13 AH=0x42 (LBA), in two sectors\n"              \
    "read past the end: CF=1, AH=0x04\n"

/* CHS and extended reads, and a read past the end the guest sees as
 * CF=1 AH=0x04; ends in `cli; hlt`, an ordinary halt. */
static void stage2(const char *drive_flag)
{
    struct skvm_result r;

    RUN(&r, "--boot", disk("boot_stage2", 0), drive_flag);
    if (r.code == 3)
        skip_if_host_cannot(&r, "real");
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, STAGES SCREEN_HEAD(4, 0) STAGES SCREEN_TAIL);
    cr_assert_str_empty(r.err);
}

Test(real_boot, two_stages_hdd) { stage2("--vga=auto"); }
Test(real_boot, two_stages_floppy) { stage2("--floppy"); }

#define E820_2M                                                                \
    "E820 memory map:\n"                                                       \
    "0000000000000000 000000000009FC00 00000001\n"                             \
    "000000000009FC00 0000000000060400 00000002\n"                             \
    "0000000000100000 0000000000100000 00000001\n"                             \
    "0000027F 00000400\n"
#define E820_64M                                                               \
    "E820 memory map:\n"                                                       \
    "0000000000000000 000000000009FC00 00000001\n"                             \
    "000000000009FC00 0000000000060400 00000002\n"                             \
    "0000000000100000 0000000003F00000 00000001\n"                             \
    "0000027F 0000FC00\n"

/* int 0x15 E820 (and int 0x12, AH=0x88): the RAM --mem gives, the EBDA,
 * VGA and BIOS areas reserved. */
Test(real_boot, e820)
{
    struct skvm_result r;

    RUN(&r, "--boot", disk("boot_e820", 0));
    assert_pass(&r, E820_2M SCREEN_HEAD(5, 0) E820_2M SCREEN_TAIL, PARKED);
    RUN(&r, "--boot", disk("boot_e820", 0), "--mem", "64M", "--vga=never");
    assert_pass(&r, E820_64M, PARKED);
}

#define PM_SAID "boot sector: switching to protected mode\n"

/* The guest's own GDT and CR0.PE; VGA text written in 32-bit code. */
Test(real_boot, protected_mode)
{
    struct skvm_result r;

    RUN(&r, "--boot", disk("boot_pm", 0));
    assert_pass(&r,
                SAID_THEN_VGA(PM_SAID,
                              "32-bit protected mode: written to 0xB8000"),
                PARKED " at RIP 0x7c52 (32-bit code)");
}

#define LM_SAID "boot sector: switching to long mode\n"

/* The guest's own page tables, PAE, EFER.LME and CR0.PG. */
Test(real_boot, long_mode)
{
    struct skvm_result r;

    RUN(&r, "--boot", disk("boot_lm", 0));
    assert_pass(&r,
                SAID_THEN_VGA(LM_SAID, "64-bit long mode: written to 0xB8000"),
                PARKED " at RIP 0x7c9f (64-bit code)");
}

#define TYPED "type: hi\nthere\n"

/* int 0x16 keys from stdin, echoed; the wait after the last one ends the
 * run, said on stderr. */
Test(real_boot, keyboard_echo)
{
    struct skvm_result r;

    run_with_stdin(&r, "hi\nthere\n",
                   (const char *const[]){"--boot", disk("boot_keys", 0),
                                         NULL});
    assert_pass(&r, TYPED SCREEN_HEAD(2, 0) TYPED SCREEN_TAIL,
                "simple-kvm: note: the guest waited for a key (int 0x16 "
                "AH=0x00) at 0000:7c10 after the end of standard input: run "
                "ended\n");
}

/* An unknown function: exit 4, the line names it and the caller, and
 * the crash report shows the boot sector's int, not the BIOS. */
Test(real_boot, unknown_function_report)
{
    struct skvm_result r;

    RUN(&r, "--boot", disk("boot_unknown", 0));
    cr_assert_eq(r.code, 4, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(last_line(r.err),
                     "simple-kvm: guest called int 0x10 AH=0x0b, which "
                     "simple-kvm's BIOS does not provide, at 0000:7c05 "
                     "(README, \"Boot sectors\")");
    cr_assert(strstr(r.err, "-> 0x00007c05: cd 10") &&
                  strstr(r.err, "int 0x10"),
              "the report is at the guest's int: %s", r.err);
}

/* Disk writes stay in memory unless --disk-writable. */
Test(real_boot, disk_writable)
{
    char path[] = "/tmp/skvm-disk-XXXXXX";
    char sector2[9] = {0};
    struct skvm_result r;
    int fd = mkstemp(path);
    FILE *src = fopen(disk("boot_write", 0), "rb");
    char buf[4096];
    size_t n;

    cr_assert(fd >= 0 && src);
    while ((n = fread(buf, 1, sizeof(buf), src)) > 0)
        cr_assert_eq(write(fd, buf, n), (ssize_t)n);
    fclose(src);
    RUN(&r, "--boot", path, "--vga=never");
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "written and read back\n");
    cr_assert_eq(pread(fd, sector2, 8, 512), 8);
    cr_assert_str_eq(sector2, "original", "the file is unchanged");
    RUN(&r, "--boot", path, "--vga=never", "--disk-writable");
    cr_assert_eq(r.code, 0, "exit %d; stderr: %s", r.code, r.err);
    cr_assert_eq(pread(fd, sector2, 8, 512), 8);
    cr_assert_str_eq(sector2, "WRITTEN!", "--disk-writable wrote it back");
    cr_assert_eq(pread(fd, sector2, 8, 1024), 8);
    cr_assert_str_eq(sector2, "WRITTEN!", "the CHS write too");
    close(fd);
    unlink(path);
}

/* The guest turns on 32-bit paging itself: kvm-pvm cannot run it and
 * says so (exit 3, naming the MOV to CR0); hardware KVM runs it (the
 * nested suite's boot-pg32 row). */
Test(real_boot, own_32bit_paging)
{
    struct skvm_result r;

    RUN(&r, "--boot", disk("boot_pg32", 0));
    if (r.code == 3) {
        cr_assert_str_eq(last_line(r.err),
                         "simple-kvm: this host's KVM cannot run the 32-bit "
                         "paging the guest turned on: 'mov cr0, eax' "
                         "(0x80000011, CR0.PG) at RIP 0x7c5b ended in a "
                         "shutdown (KVM_EXIT_SHUTDOWN); hardware KVM runs "
                         "it");
        cr_assert_eq(count_lines(r.err), 1, "no crash report: %s", r.err);
        return;
    }
    assert_pass(&r,
                SCREEN_HEAD(0, 0) "32-bit paging: on\n" SCREEN_TAIL, PARKED);
}

#define BYE "time and equipment read; rebooting\n"

/* int 0x1A and int 0x11 answer; int 0x19 ends the run, said on stderr. */
Test(real_boot, reboot_ends_the_run)
{
    struct skvm_result r;

    RUN(&r, "--boot", disk("boot_reboot", 0), "--vga", "never");
    assert_pass(&r, BYE,
                "simple-kvm: note: the guest called int 0x19 (reboot) at "
                "0000:7c2e: run ended\n");
}

#define A20_SAID "A20 on\n"

/* Fast A20 (port 0x92), then the 8042 sequence with its status polling;
 * no 1 MiB wraparound; protected mode writes VGA text above it. */
Test(real_boot, a20_both_ways)
{
    struct skvm_result r;

    RUN(&r, "--boot", disk("boot_a20", 0));
    assert_pass(&r, SAID_THEN_VGA(A20_SAID, "protected mode with A20 on"),
                PARKED " at RIP 0x7cd7 (32-bit code) with nothing to "
                       "interrupt it: run ended as a halt\n");
}

/* Port 0x92 bit 0 (fast reset) ends the run as int 0x19 does. */
Test(real_boot, port92_reset_ends_the_run)
{
    struct skvm_result r;

    RUN(&r, "--boot", disk("boot_reset92", 0), "--vga", "never");
    assert_pass(&r, "resetting through port 0x92\n",
                "simple-kvm: note: the guest reset the machine through port "
                "0x92 bit 0 (fast reset): run ended\n");
}

/* The 8042's 0xFE (pulse the reset line), after polling its status. */
Test(real_boot, i8042_reset_ends_the_run)
{
    struct skvm_result r;

    RUN(&r, "--boot", disk("boot_reset8042", 0), "--vga", "never");
    assert_pass(&r, "rebooting through the 8042\n",
                "simple-kvm: note: the guest reset the machine through the "
                "8042 keyboard controller's reset line: run ended\n");
}

/* Without the signature: exit 2 (a row of tests/bad_inputs.txt), or
 * booted anyway with --no-signature-check. */
Test(real_boot, no_signature_check)
{
    char path[] = "/tmp/skvm-nosig-XXXXXX";
    struct skvm_result r;
    int fd = mkstemp(path);
    FILE *src = fopen(disk("boot_hello", 0), "rb");
    uint8_t sector[512];

    cr_assert(fd >= 0 && src);
    cr_assert_eq(fread(sector, 1, sizeof(sector), src), sizeof(sector));
    fclose(src);
    sector[510] = sector[511] = 0;
    cr_assert_eq(write(fd, sector, sizeof(sector)), (ssize_t)sizeof(sector));
    close(fd);
    RUN(&r, "--boot", path);
    cr_assert_eq(r.code, 2, "exit %d; stderr: %s", r.code, r.err);
    cr_assert(strstr(r.err, "bytes 510-511 are 0x00 0x00"), "%s", r.err);
    RUN(&r, "--boot", path, "--no-signature-check", "--vga=never");
    unlink(path);
    assert_pass(&r, HELLO, PARKED);
}
