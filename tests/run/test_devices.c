/* test_devices.c - the devices by convention through the real binary.
 *
 * Suites <mode>_devices (meson tests devices-<mode>): the device guests
 * of tests/guests/dev_*.asm in every mode, whole stdout and exit code
 * asserted: COM1 (init, read-backs, polled output; input through
 * --serial-input from a pipe on stdin), isa-debug-exit (a failure value,
 * and the same value passing with --debug-exit-success), fw_cfg, VGA
 * text (the 16-bit build is the real-mode writer), port 0x92 (A20 on,
 * fast reset) under --repeat. Suite cli_devices
 * (devices-cli): --json fields, the --vga variants, --stats, a port map
 * entry overriding a device port, --serial-input under --sandbox. The
 * device state machines and the renderer alone: tests/unit/test_dev.c.
 * paged32 also runs in the nested suite (tests/nested/matrix.txt).
 */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

#define VGA_SCREEN                                                             \
    "=== VGA text screen (80x25, cursor at row 6, column 3) ===\n"            \
    "Hello VGA\n\n\n\n\n"                                                      \
    "┌──────────┐\n"                                                         \
    "=== end of VGA text screen ===\n"
#define VGA_SCREEN_ANSI                                                        \
    "=== VGA text screen (80x25, cursor at row 6, column 3) ===\n"            \
    "\033[0;97;44mHello VGA\033[0m\n\n\n\n\n"                                  \
    "\033[0;93;40m┌──────────┐\033[0m\n"                                      \
    "=== end of VGA text screen ===\n"
#define FW_CFG_OUT                                                             \
    "fw_cfg signature: QEMU\n"                                                 \
    "1\n"       /* FW_CFG_ID: no DMA */                                        \
    "1\n"       /* FW_CFG_NB_CPUS */                                           \
    "2097152\n" /* FW_CFG_RAM_SIZE, low half: --mem 2M */                      \
    "0\n"       /* high half */                                                \
    "0\n"       /* FW_CFG_FILE_DIR: no files */

static char flag[32], path[4096];

static const char *mode_flag(const char *mode)
{
    snprintf(flag, sizeof(flag), "--%s", mode);
    return flag;
}

static const char *guest(const char *name, const char *mode)
{
    const char *bits = mode_bits(mode);
    char base[64];

    snprintf(base, sizeof(base), "%s%s", name, bits);
    snprintf(path, sizeof(path), "%s", test_guest(base));
    return path;
}

static void assert_run(const struct skvm_result *r, const char *mode,
                       int code, const char *out)
{
    skip_if_host_cannot(r, mode);
    cr_assert_eq(r->code, code, "%s: exit %d; stderr: %s", mode, r->code,
                 r->err);
    cr_assert_str_eq(r->out, out, "%s: stdout", mode);
}

static void test_com1(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode), guest("dev_com1", mode));
    assert_run(&r, mode, 0, "Hello from COM1\nno input\n");
    cr_assert_str_eq(r.err, "");
}

static void test_com1_input(const char *mode)
{
    struct skvm_result r;

    run_with_stdin(&r, "hello, com1\nnot read",
                   (const char *const[]){mode_flag(mode), "--serial-input",
                                         "-", guest("dev_com1", mode), NULL});
    assert_run(&r, mode, 0, "Hello from COM1\nHELLO, COM1\n");
}

static void test_debug_exit(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode), guest("dev_exit", mode));
    assert_run(&r, mode, 1, "!\n");
    cr_assert_str_eq(r.err, "simple-kvm: guest reported failure 3 "
                            "(isa-debug-exit)\n");
    RUN(&r, mode_flag(mode), "--debug-exit-success", "3",
        guest("dev_exit", mode));
    assert_run(&r, mode, 0, "!\n");
    cr_assert_str_eq(r.err, "");
    /* Then 0, which passes by default, fails. */
    RUN(&r, mode_flag(mode), "--debug-exit-success", "0x3",
        guest("dev_com1", mode));
    assert_run(&r, mode, 1, "Hello from COM1\nno input\n");
    cr_assert_str_eq(r.err, "simple-kvm: guest reported failure 0 "
                            "(isa-debug-exit; --debug-exit-success is 3)\n");
}

static void test_fw_cfg(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode), "--mem", "2M", guest("dev_fw_cfg", mode));
    assert_run(&r, mode, 0, FW_CFG_OUT);
}

static void test_vga(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode), guest("dev_vga", mode));
    assert_run(&r, mode, 0, "vga\n" VGA_SCREEN);
    cr_assert_str_eq(r.err, "");
}

/* Port 0x92: A20 reads on, cannot be turned off (a note), bit 0 resets:
 * the run ends passing. --repeat starts each run from power-on: one
 * try counted, not two. */
static void test_a20(const char *mode)
{
    struct skvm_result r;

    RUN(&r, mode_flag(mode), "--repeat", "2", guest("dev_a20", mode));
    assert_run(&r, mode, 0, "a20 1 1\na20 1 1\n");
    cr_assert_str_eq(r.err,
                     "simple-kvm: note: the guest reset the machine through "
                     "port 0x92 bit 0 (fast reset): run ended\n"
                     "simple-kvm: note: the guest tried to turn A20 off 1 "
                     "time (port 0x92 or the 8042): A20 is always on in this "
                     "VM\n");
}

#define MODE_TESTS(mode)                                                       \
    Test(mode##_devices, com1) { test_com1(#mode); }                           \
    Test(mode##_devices, com1_input) { test_com1_input(#mode); }               \
    Test(mode##_devices, debug_exit) { test_debug_exit(#mode); }               \
    Test(mode##_devices, fw_cfg) { test_fw_cfg(#mode); }                       \
    Test(mode##_devices, vga) { test_vga(#mode); }                             \
    Test(mode##_devices, a20) { test_a20(#mode); }

MODE_TESTS(long)
MODE_TESTS(protected)
MODE_TESTS(paged32)
MODE_TESTS(real)

/* The --json object, parsed. */
static struct json_object *parse(const struct skvm_result *r)
{
    struct json_object *o = json_tokener_parse(r->out);

    cr_assert(o, "stdout is not JSON: %s", r->out);
    return o;
}

static struct json_object *field(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;

    cr_assert(json_object_object_get_ex(o, key, &v), "no '%s'", key);
    return v;
}

Test(cli_devices, json_carries_the_exit_value_and_the_screen)
{
    struct skvm_result r;
    struct json_object *o, *vga, *rows, *cursor;

    RUN(&r, "--json", guest("dev_exit", "long"));
    assert_run(&r, "long", 1, r.out);
    o = parse(&r);
    cr_assert_eq(json_object_get_int64(field(o, "debug_exit")), 3);
    cr_assert_str_eq(json_object_get_string(field(o, "error")),
                     "guest reported failure 3 (isa-debug-exit)");
    cr_assert_eq(json_object_get_int64(
                     field(field(field(o, "stats"), "devices"), "com1")),
                 2);
    cr_assert(!json_object_object_get_ex(o, "vga", NULL),
              "no screen: the guest did not write one");
    json_object_put(o);

    RUN(&r, "--json", guest("dev_vga", "long"));
    assert_run(&r, "long", 0, r.out);
    cr_assert_str_eq(r.err, "vga\n", "the console on stderr, no screen");
    o = parse(&r);
    cr_assert(json_object_is_type(field(o, "debug_exit"), json_type_null));
    vga = field(o, "vga");
    rows = field(vga, "rows");
    cr_assert_eq(json_object_array_length(rows), 6);
    cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(rows, 0)),
                     "Hello VGA");
    cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(rows, 1)),
                     "");
    cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(rows, 5)),
                     "┌──────────┐");
    cursor = field(vga, "cursor");
    cr_assert_eq(json_object_get_int(field(cursor, "row")), 6);
    cr_assert_eq(json_object_get_int(field(cursor, "col")), 3);
    json_object_put(o);
}

/* Each A20 device counts its accesses in --json, as the others do. */
Test(cli_devices, json_counts_the_a20_devices)
{
    struct skvm_result r;
    struct json_object *o, *devs;

    RUN(&r, "--json", "--boot", test_guest("boot_a20"));
    skip_if_host_cannot(&r, "real");
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    o = parse(&r);
    devs = field(field(o, "stats"), "devices");
    cr_assert_eq(json_object_get_int64(field(devs, "port92")), 2);
    cr_assert_eq(json_object_get_int64(field(devs, "i8042")), 16);
    json_object_put(o);
}

Test(cli_devices, vga_variants)
{
    struct skvm_result r;

    RUN(&r, "--vga", "never", guest("dev_vga", "long"));
    assert_run(&r, "long", 0, "vga");
    RUN(&r, "--vga=ansi", guest("dev_vga", "long"));
    assert_run(&r, "long", 0, "vga\n" VGA_SCREEN_ANSI);
    RUN(&r, "--vga=auto", guest("dev_vga", "long"));
    assert_run(&r, "long", 0, "vga\n" VGA_SCREEN);
    /* A guest that leaves the screen alone: nothing, unless always. */
    RUN(&r, "--long");
    assert_run(&r, "long", 0, hello_greeting("long"));
    RUN(&r, "--long", "--vga=always");
    char want[512];
    snprintf(want, sizeof(want),
             "%s=== VGA text screen (80x25, cursor at row 0, column 0) ===\n"
             "=== end of VGA text screen ===\n",
             hello_greeting("long"));
    assert_run(&r, "long", 0, want);
}

Test(cli_devices, vga_screen_follows_the_console_file)
{
    struct skvm_result r;
    char file[] = "/tmp/skvm-vga-XXXXXX", text[1024] = {0};
    int fd = mkstemp(file);

    cr_assert(fd >= 0);
    RUN(&r, "--real", "--console", file, guest("dev_vga", "real"));
    assert_run(&r, "real", 0, "");
    cr_assert(read(fd, text, sizeof(text) - 1) > 0);
    close(fd);
    unlink(file);
    cr_assert_str_eq(text, "vga\n" VGA_SCREEN);
}

Test(cli_devices, stats_count_device_accesses)
{
    struct skvm_result r;

    RUN(&r, "--stats", guest("dev_exit", "long"));
    assert_run(&r, "long", 1, "!\n");
    cr_assert(strstr(r.err, "  device com1                       2 "
                            "accesses\n"),
              "%s", r.err);
    cr_assert(strstr(r.err, "  device isa-debug-exit             1 "
                            "accesses\n"),
              "%s", r.err);
    cr_assert(!strstr(r.err, "unknown port"), "%s", r.err);
}

Test(cli_devices, port_map_overrides_a_device_port)
{
    struct skvm_result r;

    /* isa-debug-exit's port bound to print_u32: the guest goes on to
     * its hlt and passes; COM1 is untouched. */
    RUN(&r, "--port", "0xf4=print_u32", guest("dev_exit", "long"));
    assert_run(&r, "long", 0, "!\n3\n");
    /* COM1's data port (OUT) bound to print_u32: each byte printed as a
     * number; isa-debug-exit stays the device's. */
    RUN(&r, "--port", "0x3f8/out=print_u32", guest("dev_exit", "long"));
    assert_run(&r, "long", 1, "33\n10\n");
    cr_assert_str_eq(last_line(r.err),
                     "simple-kvm: guest reported failure 3 (isa-debug-exit)");
}

Test(cli_devices, serial_input_under_sandbox)
{
    struct skvm_result r;

    run_with_stdin(&r, "ok\n",
                   (const char *const[]){"--sandbox", "--serial-input", "-",
                                         guest("dev_com1", "long"), NULL});
    assert_run(&r, "long", 0, "Hello from COM1\nOK\n");
}

Test(cli_devices, serial_input_at_end_of_file)
{
    struct skvm_result r;

    RUN(&r, "--serial-input", "/dev/null", guest("dev_com1", "long"));
    assert_run(&r, "long", 0, "Hello from COM1\nno input\n");
}
