/* cli.c - option parsing and --help: one table of options, one row and
 * one handler each. */
#include "app/cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/layout.h"
#include "core/portmap.h"
#include "modes/boot.h"

int cli_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_size(const char *s, uint64_t *out)
{
    static const char suffixes[] = "KMGT";
    char digits[32];
    size_t len = s ? strlen(s) : 0;
    unsigned shift = 0;
    uint64_t v;

    if (len == 0 || len >= sizeof(digits))
        return -1;
    memcpy(digits, s, len + 1);
    const char *suf = strchr(suffixes, toupper((unsigned char)s[len - 1]));
    if (suf) {
        shift = 10 * (unsigned)(suf - suffixes + 1);
        digits[len - 1] = '\0';
    }
    if (cli_parse_u64(digits, &v) < 0)
        return -1;
    if (shift && v > (UINT64_MAX >> shift))
        return -1;
    *out = v << shift;
    return 0;
}

static int set_mem(struct options *o, const char *v, struct skvm_err *err)
{
    if (cli_parse_size(v, &o->mem_size) < 0)
        return skvm_fail(err, SKVM_USAGE,
                         "--mem '%s' is not a size (e.g. 2M, 64G)", v);
    if (o->mem_size == 0)
        return skvm_fail(err, SKVM_USAGE, "--mem must not be zero");
    if (o->mem_size % 4096)
        return skvm_fail(err, SKVM_USAGE,
                         "--mem %s is not a multiple of the 4K page size", v);
    if (o->mem_size > LAYOUT_MEM_MAX)
        return skvm_fail(err, SKVM_USAGE,
                         "--mem %s exceeds the maximum of %lluG", v,
                         (unsigned long long)(LAYOUT_MEM_MAX >> 30));
    return 0;
}

static int set_addr(uint64_t *dst, const char *flag, const char *v,
                    struct skvm_err *err)
{
    if (cli_parse_u64(v, dst) < 0)
        return skvm_fail(err, SKVM_USAGE, "%s '%s' is not an address", flag,
                         v);
    return 0;
}

static int set_load(struct options *o, const char *v, struct skvm_err *err)
{
    o->load_set = true;
    return set_addr(&o->load_addr, "--load", v, err);
}

static int set_entry(struct options *o, const char *v, struct skvm_err *err)
{
    o->entry_set = true;
    return set_addr(&o->entry, "--entry", v, err);
}

static int set_guest(struct options *o, const char *v, struct skvm_err *err)
{
    if (o->guest_path)
        return skvm_fail(err, SKVM_USAGE, "more than one guest image given "
                                          "('%s' and '%s')",
                         o->guest_path, v);
    if (!*v)
        return skvm_fail(err, SKVM_USAGE, "guest image path is empty");
    o->guest_path = v;
    return 0;
}

static int set_guest_name(struct options *o, const char *v,
                          struct skvm_err *err)
{
    (void)err;
    o->guest_name = v;
    return 0;
}

static int set_expect_rax(struct options *o, const char *v,
                          struct skvm_err *err)
{
    if (cli_parse_u64(v, &o->expect_rax) < 0)
        return skvm_fail(err, SKVM_USAGE, "--expect-rax '%s' is not a number",
                         v);
    o->expect_rax_set = true;
    return 0;
}

static int set_expect_mem(struct options *o, const char *v,
                          struct skvm_err *err)
{
    char addr[64];
    const char *eq = strchr(v, '=');
    struct expect_mem m;

    if (o->n_expect_mem == CLI_MAX_EXPECT_MEM)
        return skvm_fail(err, SKVM_USAGE, "at most %d --expect-mem checks",
                         CLI_MAX_EXPECT_MEM);
    if (!eq || (size_t)(eq - v) >= sizeof(addr))
        return skvm_fail(err, SKVM_USAGE,
                         "--expect-mem '%s' is not ADDR=VALUE", v);
    memcpy(addr, v, (size_t)(eq - v));
    addr[eq - v] = '\0';
    if (cli_parse_u64(addr, &m.addr) < 0 || cli_parse_u64(eq + 1, &m.value) < 0)
        return skvm_fail(err, SKVM_USAGE,
                         "--expect-mem '%s' is not ADDR=VALUE", v);
    o->expect_mem[o->n_expect_mem++] = m;
    return 0;
}

static int set_timeout(struct options *o, const char *v, struct skvm_err *err)
{
    char *end;
    double t;

    errno = 0;
    t = strtod(v, &end);
    if (!*v || *end || errno || !isfinite(t) || t <= 0 || t > 1e6)
        return skvm_fail(err, SKVM_USAGE,
                         "--timeout '%s' is not a number of seconds in "
                         "(0, 1000000]",
                         v);
    o->timeout_s = t;
    return 0;
}

static int set_sandbox(struct options *o, const char *v,
                       struct skvm_err *err)
{
    (void)v, (void)err;
    o->sandbox = true;
    return 0;
}

static int set_irqchip_switch(struct options *o, enum cli_switch want,
                              struct skvm_err *err)
{
    if (o->irqchip != CLI_SWITCH_AUTO && o->irqchip != want)
        return skvm_fail(err, SKVM_USAGE,
                         "--irqchip and --no-irqchip both given; pick one");
    o->irqchip = want;
    return 0;
}

static int set_irqchip(struct options *o, const char *v, struct skvm_err *err)
{
    (void)v;
    return set_irqchip_switch(o, CLI_SWITCH_ON, err);
}

static int set_no_irqchip(struct options *o, const char *v,
                          struct skvm_err *err)
{
    (void)v;
    return set_irqchip_switch(o, CLI_SWITCH_OFF, err);
}

bool cli_irqchip(const struct options *o, bool format_wants)
{
    if (o->irqchip != CLI_SWITCH_AUTO)
        return o->irqchip == CLI_SWITCH_ON;
    return format_wants;
}

static int set_gdb(struct options *o, const char *v, struct skvm_err *err)
{
    uint64_t port;

    if (cli_parse_u64(v, &port) < 0 || port > UINT16_MAX)
        return skvm_fail(err, SKVM_USAGE,
                         "--gdb '%s' is not a TCP port (0-65535; 0 = any "
                         "free port)",
                         v);
    o->gdb_set = true;
    o->gdb_port = (uint16_t)port;
    return 0;
}

static int set_no_coalesce(struct options *o, const char *v,
                           struct skvm_err *err)
{
    (void)v, (void)err;
    o->no_coalesce = true;
    return 0;
}

static int set_eager_mem(struct options *o, const char *v,
                         struct skvm_err *err)
{
    (void)v, (void)err;
    o->eager_mem = true;
    return 0;
}

static int set_no_sse(struct options *o, const char *v, struct skvm_err *err)
{
    (void)v, (void)err;
    o->no_sse = true;
    return 0;
}

static int set_repeat(struct options *o, const char *v, struct skvm_err *err)
{
    if (cli_parse_u64(v, &o->repeat) < 0 || o->repeat == 0 ||
        o->repeat > CLI_MAX_REPEAT)
        return skvm_fail(err, SKVM_USAGE,
                         "--repeat '%s' is not a count in [1, %d]", v,
                         CLI_MAX_REPEAT);
    return 0;
}

static int set_probe(struct options *o, const char *v, struct skvm_err *err)
{
    (void)v, (void)err;
    o->probe = true;
    return 0;
}

static int set_help(struct options *o, const char *v, struct skvm_err *err)
{
    (void)v, (void)err;
    o->help = true;
    return 0;
}

static int set_version(struct options *o, const char *v, struct skvm_err *err)
{
    (void)v, (void)err;
    o->version = true;
    return 0;
}

static int set_stats(struct options *o, const char *v, struct skvm_err *err)
{
    (void)v, (void)err;
    o->stats = true;
    return 0;
}

static int set_trace(struct options *o, const char *v, struct skvm_err *err)
{
    (void)v, (void)err;
    o->trace = true;
    return 0;
}

static int set_json(struct options *o, const char *v, struct skvm_err *err)
{
    (void)v, (void)err;
    o->json = true;
    return 0;
}

static int set_dump(struct options *o, const char *v, struct skvm_err *err)
{
    (void)v, (void)err;
    o->dump = true;
    return 0;
}

static int set_explain(struct options *o, const char *v, struct skvm_err *err)
{
    (void)v, (void)err;
    o->explain = true;
    return 0;
}

static int set_console(struct options *o, const char *v, struct skvm_err *err)
{
    if (!*v)
        return skvm_fail(err, SKVM_USAGE, "--console file name is empty");
    o->console_path = v;
    return 0;
}

static int set_port(struct options *o, const char *v, struct skvm_err *err)
{
    struct portmap_spec spec;
    char why[sizeof(err->msg) / 2];

    if (o->n_port_args == CLI_MAX_PORT_ARGS)
        return skvm_fail(err, SKVM_USAGE, "at most %d --port entries",
                         CLI_MAX_PORT_ARGS);
    if (portmap_parse_entry(v, strlen(v), &spec, why, sizeof(why)) < 0)
        return skvm_fail(err, SKVM_USAGE, "--port '%.64s': %s", v, why);
    o->port_args[o->n_port_args++] = v;
    return 0;
}

static int set_ports(struct options *o, const char *v, struct skvm_err *err)
{
    if (o->ports_path)
        return skvm_fail(err, SKVM_USAGE,
                         "more than one --ports file ('%s' and '%s')",
                         o->ports_path, v);
    if (!*v)
        return skvm_fail(err, SKVM_USAGE, "--ports file name is empty");
    o->ports_path = v;
    return 0;
}

static int set_unknown_ports(struct options *o, const char *v,
                             struct skvm_err *err)
{
    static const char *const names[] = {[HC_UNKNOWN_FAIL] = "fail",
                                        [HC_UNKNOWN_LOG] = "log",
                                        [HC_UNKNOWN_IGNORE] = "ignore"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(v, names[i]) == 0) {
            o->unknown_ports = (enum hc_unknown)i;
            return 0;
        }
    return skvm_fail(err, SKVM_USAGE,
                     "--unknown-ports '%s' is not fail, log or ignore", v);
}

static int set_reveal_hva(struct options *o, const char *v,
                          struct skvm_err *err)
{
    (void)v, (void)err;
    o->reveal_hva = true;
    return 0;
}

static int set_vga(struct options *o, const char *v, struct skvm_err *err)
{
    static const char *const names[] = {[VGA_AUTO] = "auto",
                                        [VGA_ALWAYS] = "always",
                                        [VGA_NEVER] = "never",
                                        [VGA_ANSI] = "ansi"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(v, names[i]) == 0) {
            o->vga = (enum vga_mode)i;
            return 0;
        }
    return skvm_fail(err, SKVM_USAGE,
                     "--vga '%s' is not auto, always, never or ansi", v);
}

static int set_debug_exit_success(struct options *o, const char *v,
                                  struct skvm_err *err)
{
    uint64_t n;

    if (cli_parse_u64(v, &n) < 0 || n > UINT32_MAX)
        return skvm_fail(err, SKVM_USAGE,
                         "--debug-exit-success '%s' is not a 32-bit value "
                         "(0x hex or decimal)",
                         v);
    o->debug_exit_success = (uint32_t)n;
    return 0;
}

static int set_serial_input(struct options *o, const char *v,
                            struct skvm_err *err)
{
    if (!*v)
        return skvm_fail(err, SKVM_USAGE, "--serial-input file name is "
                                          "empty");
    o->serial_input_path = v;
    return 0;
}

static int set_cmdline(struct options *o, const char *v, struct skvm_err *err)
{
    if (o->cmdline)
        return skvm_fail(err, SKVM_USAGE,
                         "more than one --cmdline ('%s' and '%s')",
                         o->cmdline, v);
    o->cmdline = v;
    return 0;
}

static int set_module(struct options *o, const char *v, struct skvm_err *err)
{
    if (o->n_modules == CLI_MAX_MODULES)
        return skvm_fail(err, SKVM_USAGE, "at most %d --module files",
                         CLI_MAX_MODULES);
    if (!*v || *v == '=')
        return skvm_fail(err, SKVM_USAGE,
                         "--module '%s' names no file (FILE[=STRING])", v);
    o->modules[o->n_modules++] = v;
    return 0;
}

static int set_boot(struct options *o, const char *v, struct skvm_err *err)
{
    if (o->boot_path)
        return skvm_fail(err, SKVM_USAGE,
                         "more than one --boot disk ('%s' and '%s')",
                         o->boot_path, v);
    if (!*v)
        return skvm_fail(err, SKVM_USAGE, "--boot disk image path is empty");
    o->boot_path = v;
    return 0;
}

static int set_floppy(struct options *o, const char *v, struct skvm_err *err)
{
    (void)v, (void)err;
    o->floppy = true;
    return 0;
}

static int set_no_signature_check(struct options *o, const char *v,
                                  struct skvm_err *err)
{
    (void)v, (void)err;
    o->no_signature_check = true;
    return 0;
}

static int set_disk_writable(struct options *o, const char *v,
                             struct skvm_err *err)
{
    (void)v, (void)err;
    o->disk_writable = true;
    return 0;
}

/* --boot: its companions need it, and it needs real mode, one run and
 * the RAM a PC's BIOS lives in; the boot sector runs at 0000:7C00. */
static int boot_validate(struct options *o, struct skvm_err *err)
{
    const char *lone = o->floppy               ? "--floppy"
                       : o->no_signature_check ? "--no-signature-check"
                       : o->disk_writable      ? "--disk-writable"
                                               : NULL;

    if (!o->boot_path) {
        if (lone)
            return skvm_fail(err, SKVM_USAGE, "%s needs --boot DISK.img",
                             lone);
        return 0;
    }
    if (o->guest_path || o->guest_name)
        return skvm_fail(err, SKVM_USAGE,
                         "--boot boots a disk image: give no guest image or "
                         "--guest-name as well");
    if (o->mode_set && strcmp(o->mode->name, "real") != 0)
        return skvm_fail(err, SKVM_USAGE,
                         "--boot starts in real mode, as a PC does: it cannot "
                         "be combined with --%s",
                         o->mode->name);
    if (o->repeat > 1)
        return skvm_fail(err, SKVM_USAGE,
                         "--boot runs the disk once: it cannot be combined "
                         "with --repeat");
    if (o->load_set || o->entry_set)
        return skvm_fail(err, SKVM_USAGE,
                         "--boot loads the boot sector at 0x7c00 and starts "
                         "there: --load and --entry do not apply");
    /* The write-back opens the file after the run, under the filter. */
    if (o->disk_writable && o->sandbox)
        return skvm_fail(err, SKVM_USAGE,
                         "--disk-writable writes the disk file after the "
                         "run, which --sandbox forbids: use one or the other");
    if (o->mem_size < mode_boot.min_mem)
        return skvm_fail(err, SKVM_USAGE,
                         "--boot needs at least 1M of guest RAM (--mem): the "
                         "BIOS lives below 1 MiB");
    o->mode = &mode_boot;
    o->mode_set = true;
    o->load_addr = o->entry = LAYOUT_BOOT_SECTOR;
    o->load_set = o->entry_set = true;
    return 0;
}

/* The one option table: parsing, --help and the man page test all walk
 * it, in this order (--help prints each group's rows under its heading). */
#define OPT CLI_GROUP_OPTIONS
#define DIAG CLI_GROUP_DIAGNOSTICS
static const struct cli_option option_defs[] = {
    {"mem", 0, "SIZE", "2M", "guest RAM, K/M/G/T suffixes", OPT, set_mem},
    {"guest", 0, "FILE", NULL,
     "flat binary or ELF executable to run instead of the built-in guest; "
     "also given as a plain GUEST.bin argument",
     OPT, set_guest},
    {"guest-name", 0, "NAME", "hello",
     "built-in guest: hello or hypercalls", OPT, set_guest_name},
    {"load", 0, "ADDR", "0",
     "guest-physical load address of a flat image (an ELF one says where)",
     OPT, set_load},
    {"entry", 0, "ADDR", "the load address",
     "entry point of a flat image (an ELF one says where)", OPT, set_entry},
    {"expect-rax", 0, "N", NULL,
     "check RAX (masked to the mode's word) after HLT", OPT, set_expect_rax},
    {"expect-mem", 0, "ADDR=VALUE", NULL,
     "check a word in guest memory after HLT (repeatable)", OPT,
     set_expect_mem},
    {"timeout", 0, "SECONDS", "none", "stop a guest that does not halt", OPT,
     set_timeout},
    {"gdb", 0, "PORT", NULL,
     "wait for gdb on 127.0.0.1:PORT before the first instruction (0 = any "
     "free port, printed on stderr)",
     OPT, set_gdb},
    {"repeat", 0, "N", "1",
     "run the guest N times in one VM, restoring its registers and dirtied "
     "memory between runs; each run is checked; exit code is the worst "
     "run's",
     OPT, set_repeat},
    {"no-coalesce", 0, NULL,
     "KVM batches port 0xE9 output when it can; same output",
     "one VM exit and one write per console byte", OPT, set_no_coalesce},
    {"eager-mem", 0, NULL,
     "each 64 MiB piece when first touched; same results",
     "register all guest RAM with KVM at start", OPT, set_eager_mem},
    {"no-sse", 0, NULL,
     "SSE and x87 on in protected, paged32 and long mode",
     "leave SSE off (CR4.OSFXSR, OSXMMEXCPT and OSXSAVE clear): SSE "
     "instructions raise #UD",
     OPT, set_no_sse},
    {"irqchip", 0, NULL, "off; on for Multiboot kernels",
     "give the guest KVM's in-kernel interrupt controllers (8259 PICs, "
     "IOAPIC, local APIC) and 8254 PIT timer; a HLT with interrupts "
     "disabled (or all masked) still ends the run, any other waits for an "
     "interrupt",
     OPT, set_irqchip},
    {"no-irqchip", 0, NULL, NULL,
     "no in-kernel interrupt controllers or timer, also for Multiboot "
     "kernels",
     OPT, set_no_irqchip},
    {"sandbox", 0, NULL, NULL,
     "run the guest under a seccomp filter: only the system calls running "
     "it needs (others fail with EPERM)",
     OPT, set_sandbox},
    {"port", 0, "PORT[/in|/out]=CALL", NULL,
     "bind a hypercall to a port (0x hex or decimal), both of the call's "
     "directions or one; adds to or overrides the default map "
     "(docs/hypercalls.md; repeatable)",
     OPT, set_port},
    {"ports", 0, "FILE", NULL,
     "read port map entries from FILE, one 'PORT[/dir] CALL' a line, '#' "
     "comments",
     OPT, set_ports},
    {"unknown-ports", 0, "fail|log|ignore", "fail",
     "a port access no call or device answers: end the run (exit 4), or log one "
     "stderr line (log) or nothing (ignore) and go on, IN reading all ones",
     OPT, set_unknown_ports},
    {"reveal-hva", 0, NULL, NULL,
     "gva_to_hva answers the real host address (a deliberate leak for "
     "teaching; refused with --sandbox) instead of a stand-in",
     OPT, set_reveal_hva},
    {"serial-input", 0, "FILE", "none: COM1 never has data",
     "COM1 (port 0x3F8) reads its input from FILE, '-' for stdin, without "
     "waiting: LSR says when a byte is ready",
     OPT, set_serial_input},
    {"debug-exit-success", 0, "V", "0",
     "the isa-debug-exit value (port 0xF4) that passes; any other value "
     "ends the run with exit 1",
     OPT, set_debug_exit_success},
    {"vga", 0, "auto|always|never|ansi", "auto",
     "print the VGA text screen (0xB8000) after the guest's output: when "
     "the guest wrote to it (auto), always, never, or as auto with "
     "colours (ansi)",
     OPT, set_vga},
    {"cmdline", 0, "STRING", "the kernel's path",
     "a Multiboot kernel's command line: it gets 'KERNEL STRING', its path "
     "first, as GRUB and QEMU give it",
     OPT, set_cmdline},
    {"module", 0, "FILE[=STRING]", NULL,
     "load FILE as a Multiboot module after the kernel; its string is "
     "'FILE STRING', or FILE (repeatable, in order)",
     OPT, set_module},
    {"boot", 0, "DISK.img", NULL,
     "boot a PC disk image: its first sector (ending in 0x55 0xAA) runs at "
     "0000:7C00 in real mode with a minimal BIOS (int 0x10, 0x13, 0x15, "
     "0x16, 0x1A); a guest parked in 'jmp $' ends the run as a halt",
     OPT, set_boot},
    {"floppy", 0, NULL, "hard disk 0x80",
     "with --boot: the disk is floppy drive 0x00", OPT, set_floppy},
    {"no-signature-check", 0, NULL, NULL,
     "with --boot: boot a first sector that does not end in 0x55 0xAA", OPT,
     set_no_signature_check},
    {"disk-writable", 0, NULL, "writes stay in memory",
     "with --boot: write the disk back to its file at the end of the run "
     "when the guest wrote to it",
     OPT, set_disk_writable},
    {"probe", 0, NULL, NULL,
     "print which modes this host can run, and whether it has --irqchip",
     OPT, set_probe},
    {"help", 'h', NULL, NULL, "this text", OPT, set_help},
    {"version", 'V', NULL, NULL, "version", OPT, set_version},
    {"stats", 0, NULL, NULL,
     "at the end, VM exits by reason, port I/O by port and direction, "
     "hypercalls, time in KVM_RUN vs the host",
     DIAG, set_stats},
    {"trace", 0, NULL, NULL,
     "one stderr line per VM exit (reason, port/address, value, RIP) as it "
     "happens",
     DIAG, set_trace},
    {"json", 0, NULL, NULL,
     "one JSON object on stdout at the end (mode, result, exit code, "
     "checks, stats, fault); guest output then goes to stderr unless "
     "--console says",
     DIAG, set_json},
    {"dump", 0, NULL, "only on a fault",
     "print the crash report (registers, disassembly) even when the guest "
     "passes",
     DIAG, set_dump},
    {"explain", 0, NULL, NULL,
     "print what the loader built (GDT, IDT, page tables, CR0/CR4/EFER, "
     "layout) and exit without running the guest; with --dump, run it and "
     "explain the state it left",
     DIAG, set_explain},
    {"console", 0, "FILE", "stdout; stderr with --json",
     "write guest console output (port 0xE9, COM1, the VGA screen) to "
     "FILE",
     DIAG, set_console},
};
#undef OPT
#undef DIAG
#define N_OPTION_DEFS (sizeof(option_defs) / sizeof(option_defs[0]))

static const char *const group_headings[CLI_N_GROUPS] = {
    [CLI_GROUP_OPTIONS] = "Options:",
    [CLI_GROUP_DIAGNOSTICS] = "Diagnostics (all off by default):",
};

const struct cli_option *cli_option(size_t i)
{
    return i < N_OPTION_DEFS ? &option_defs[i] : NULL;
}

const char *cli_option_name(size_t i)
{
    return i < N_OPTION_DEFS ? option_defs[i].name : NULL;
}

bool cli_wants_json(int argc, char *const argv[])
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return false;
        if (strcmp(argv[i], "--json") == 0)
            return true;
    }
    return false;
}

static int set_mode(struct options *o, const struct mode *m,
                    struct skvm_err *err)
{
    if (o->mode_set && o->mode != m)
        return skvm_fail(err, SKVM_USAGE,
                         "two modes given (--%s and --%s); pick one",
                         o->mode->name, m->name);
    o->mode = m;
    o->mode_set = true;
    return 0;
}

static const struct cli_option *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTION_DEFS; i++)
        if (strlen(option_defs[i].name) == len &&
            strncmp(option_defs[i].name, name, len) == 0)
            return &option_defs[i];
    return NULL;
}

static const struct cli_option *find_short(char c)
{
    for (size_t i = 0; i < N_OPTION_DEFS; i++)
        if (option_defs[i].short_flag && option_defs[i].short_flag == c)
            return &option_defs[i];
    return NULL;
}

/* One "--name[=value]" argument; may consume argv[*i + 1]. */
static int parse_long(int argc, char *const argv[], int *i, struct options *o,
                      struct skvm_err *err)
{
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct cli_option *def = find_long(name, len);
    const char *value = eq ? eq + 1 : NULL;

    if (!def) {
        char mode_name[32];
        const struct mode *m = NULL;
        if (!eq && len < sizeof(mode_name)) {
            memcpy(mode_name, name, len);
            mode_name[len] = '\0';
            m = mode_find(mode_name);
        }
        if (m)
            return set_mode(o, m, err);
        return skvm_fail(err, SKVM_USAGE, "unknown option '%.*s' (see --help)",
                         (int)(len + 2), argv[*i]);
    }
    if (!def->arg) {
        if (value)
            return skvm_fail(err, SKVM_USAGE, "--%s takes no value", def->name);
        return def->apply(o, NULL, err);
    }
    if (!value) {
        if (*i + 1 >= argc)
            return skvm_fail(err, SKVM_USAGE, "--%s needs a value (%s)",
                             def->name, def->arg);
        value = argv[++*i];
    }
    return def->apply(o, value, err);
}

/* "-l", "-ps" (grouped flags). */
static int parse_short(const char *arg, struct options *o,
                       struct skvm_err *err)
{
    for (const char *c = arg + 1; *c; c++) {
        const struct mode *m = mode_find_short(*c);
        const struct cli_option *def = find_short(*c);
        if (m) {
            if (set_mode(o, m, err) < 0)
                return -1;
        } else if (def && !def->arg) {
            def->apply(o, NULL, err);
        } else {
            return skvm_fail(err, SKVM_USAGE, "unknown option '-%c' (see "
                                              "--help)",
                             *c);
        }
    }
    return 0;
}

int cli_parse(int argc, char *const argv[], struct options *o,
              struct skvm_err *err)
{
    bool only_positional = false;

    *o = (struct options){.mode = mode_default(), .mem_size = CLI_DEFAULT_MEM,
                        .repeat = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc;

        if (only_positional || a[0] != '-' || a[1] == '\0')
            rc = set_guest(o, a, err);
        else if (strcmp(a, "--") == 0) {
            only_positional = true;
            rc = 0;
        } else if (a[1] == '-')
            rc = parse_long(argc, argv, &i, o, err);
        else
            rc = parse_short(a, o, err);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static const char *size_str(uint64_t bytes, char *buf, size_t len)
{
    static const char units[] = "KMGT";
    unsigned u = 0;

    while (u < 4 && bytes >= 1024 && bytes % 1024 == 0) {
        bytes /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
    else
        snprintf(buf, len, "%llu%c", (unsigned long long)bytes, units[u - 1]);
    return buf;
}

int cli_validate(struct options *o, struct skvm_err *err)
{
    if (o->explain && !o->dump && o->gdb_set)
        return skvm_fail(err, SKVM_USAGE,
                         "--explain does not run the guest, so --gdb has "
                         "nothing to debug; add --dump to run it first");
    if (boot_validate(o, err) < 0)
        return -1;
    const struct mode *m = o->mode;
    uint64_t word_max =
        m->word_size >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * m->word_size)) - 1;
    char a[32], b[32];

    if (o->mem_size < m->min_mem)
        return skvm_fail(err, SKVM_USAGE,
                         "--mem %s is too small for %s mode: it needs at "
                         "least %s for its tables",
                         size_str(o->mem_size, a, sizeof(a)), m->name,
                         size_str(m->min_mem, b, sizeof(b)));
    if (o->mem_size > m->max_mem)
        return skvm_fail(err, SKVM_USAGE,
                         "--mem %s is more than %s mode can address (max %s)",
                         size_str(o->mem_size, a, sizeof(a)), m->name,
                         size_str(m->max_mem, b, sizeof(b)));
    if (o->guest_path && o->guest_name)
        return skvm_fail(err, SKVM_USAGE,
                         "give a guest image or --guest-name, not both");
    if (o->gdb_set && o->repeat > 1)
        return skvm_fail(err, SKVM_USAGE,
                         "--gdb debugs one run: it cannot be combined with "
                         "--repeat");
    /* The stub talks to gdb over a socket the filter would cut off. */
    if (o->gdb_set && o->sandbox)
        return skvm_fail(err, SKVM_USAGE,
                         "--gdb needs the network, which --sandbox forbids: "
                         "use one or the other");
    /* The sandbox exists to keep the guest from learning about the host. */
    if (o->reveal_hva && o->sandbox)
        return skvm_fail(err, SKVM_USAGE,
                         "--reveal-hva leaks host addresses to the guest, "
                         "which --sandbox forbids: use one or the other");
    if (o->guest_name && !mode_find_guest(m, o->guest_name))
        return skvm_fail(err, SKVM_USAGE, "%s mode has no built-in guest '%s'",
                         m->name, o->guest_name);
    if (!o->entry_set)
        o->entry = o->load_addr;
    if (o->entry > m->max_entry)
        return skvm_fail(err, SKVM_USAGE,
                         "entry point 0x%llx is beyond what %s mode can reach "
                         "(max 0x%llx)",
                         (unsigned long long)o->entry, m->name,
                         (unsigned long long)m->max_entry);
    if (o->expect_rax_set && o->expect_rax > word_max)
        return skvm_fail(err, SKVM_USAGE,
                         "--expect-rax %llu does not fit in %s mode's %u-byte "
                         "registers",
                         (unsigned long long)o->expect_rax, m->name,
                         m->word_size);
    for (unsigned i = 0; i < o->n_expect_mem; i++) {
        const struct expect_mem *e = &o->expect_mem[i];
        if (e->value > word_max)
            return skvm_fail(err, SKVM_USAGE,
                             "--expect-mem value %llu does not fit in %u bytes "
                             "(%s mode's word)",
                             (unsigned long long)e->value, m->word_size,
                             m->name);
        struct guestmem probe = {.host = NULL, .size = o->mem_size};
        if (!guestmem_contains(&probe, e->addr, m->word_size))
            return skvm_fail(err, SKVM_USAGE,
                             "--expect-mem address 0x%llx is outside guest "
                             "memory",
                             (unsigned long long)e->addr);
    }
    return 0;
}

/* "  LABEL  help text (default: DEF)", the text from column HELP_COL,
 * word-wrapped to CLI_HELP_WIDTH; a long label gets a line of its own.
 * "(default: DEF" is not broken after the colon. */
#define HELP_COL 22
#define NBSP '\x01'
static void usage_row(FILE *out, const char *label, const char *help,
                      const char *def)
{
    char text[512];
    int col = fprintf(out, "  %s", label);

    if (col < 0)
        return;
    if (def)
        snprintf(text, sizeof(text), "%s (default:%c%s)", help, NBSP, def);
    else
        snprintf(text, sizeof(text), "%s", help);
    if (col > HELP_COL - 2) {
        fputc('\n', out);
        col = 0;
    }
    fprintf(out, "%*s", HELP_COL - col, "");
    col = HELP_COL;
    for (const char *w = text; *w;) {
        size_t len = strcspn(w, " ");
        if (col > HELP_COL && col + 1 + (int)len > CLI_HELP_WIDTH) {
            fprintf(out, "\n%*s", HELP_COL, "");
            col = HELP_COL;
        } else if (col > HELP_COL) {
            fputc(' ', out);
            col++;
        }
        for (; len; len--, w++, col++)
            fputc(*w == NBSP ? ' ' : *w, out);
        w += strspn(w, " ");
    }
    fputc('\n', out);
}

void cli_usage(FILE *out)
{
    char label[64];

    fprintf(out,
            "usage: simple-kvm [MODE] [OPTIONS] [GUEST.bin]\n"
            "\n"
            "Run a tiny guest in a fresh KVM virtual machine, in one x86 "
            "CPU mode.\n"
            "\n"
            "Modes (one; default --%s):\n",
            mode_default()->name);
    for (size_t i = 0; i < mode_count; i++) {
        snprintf(label, sizeof(label), "-%c, --%s", mode_table[i]->short_flag,
                 mode_table[i]->name);
        usage_row(out, label, mode_table[i]->summary, NULL);
    }
    for (int g = 0; g < CLI_N_GROUPS; g++) {
        fprintf(out, "\n%s\n", group_headings[g]);
        for (size_t i = 0; i < N_OPTION_DEFS; i++) {
            const struct cli_option *d = &option_defs[i];
            int n = 0;
            if (d->group != (enum cli_group)g)
                continue;
            if (d->short_flag)
                n = snprintf(label, sizeof(label), "-%c, ", d->short_flag);
            snprintf(label + n, sizeof(label) - (size_t)n, "--%s%s%s",
                     d->name, d->arg ? " " : "", d->arg ? d->arg : "");
            usage_row(out, label, d->help, d->def);
        }
    }
    fprintf(out,
            "\n"
            "Built-in guests print a greeting on port 0xE9, store 42 at "
            "0x%x and set\n"
            "RAX=42; the host checks both. Custom guests are checked only "
            "as asked.\n"
            "Guests may use hypercalls on ports 0x500-0x508 "
            "(docs/hypercalls.md), or on\n"
            "ports of their own with --port/--ports; exit(0) passes.\n"
            "\n"
            "Exit codes:\n"
            "  0    pass\n"
            "  1    the guest ran but a check failed, or it reported failure\n"
            "  2    usage error or bad input file\n"
            "  3    this host cannot run it (no /dev/kvm, permission, API "
            "version,\n"
            "       missing capability, mode not supported)\n"
            "  4    guest crashed (triple fault, internal error, bad port, "
            "bad hypercall,\n"
            "       unexpected exit); a crash report goes to stderr first\n"
            "  124  --timeout expired\n"
            "  128+N  stopped by signal N\n",
            LAYOUT_RESULT_ADDR);
}
