/* cli.h - the command line, parsed into struct options without side effects.
 *
 * cli_parse() never prints or exits: a bad argument is SKVM_USAGE with a
 * one-line message naming it. Values are range-checked here (sizes,
 * addresses, the timeout); checks that need the chosen mode (its memory
 * limits, word size) happen in cli_validate() after all flags are read.
 */
#ifndef SKVM_CLI_H
#define SKVM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "core/hypercall.h"
#include "dev/vga.h"
#include "modes/mode.h"

#define CLI_MAX_EXPECT_MEM 16
#define CLI_DEFAULT_MEM (UINT64_C(2) << 20)
#define CLI_MAX_REPEAT 1000000
#define CLI_MAX_PORT_ARGS 64
#define CLI_MAX_MODULES 16 /* --module, Multiboot kernels only */

struct expect_mem {
    uint64_t addr, value;
};

/* An on/off option whose default the guest may decide. */
enum cli_switch { CLI_SWITCH_AUTO = 0, CLI_SWITCH_ON, CLI_SWITCH_OFF };

struct options {
    const struct mode *mode; /* chosen mode; default long */
    bool mode_set;
    uint64_t mem_size;
    const char *guest_path; /* custom image, or NULL */
    const char *guest_name; /* built-in guest; NULL = "hello" */
    uint64_t load_addr, entry;
    bool load_set;  /* --load given (an ELF image says where instead) */
    bool entry_set;
    bool expect_rax_set;
    uint64_t expect_rax;
    struct expect_mem expect_mem[CLI_MAX_EXPECT_MEM];
    unsigned n_expect_mem;
    double timeout_s;
    bool gdb_set;      /* --gdb PORT: wait for gdb before the first insn */
    uint16_t gdb_port; /* 0 = any free port (printed on stderr) */
    bool no_coalesce;    /* one VM exit per console byte (console.h) */
    bool eager_mem;      /* all RAM registered with KVM up front */
    bool no_sse;         /* --no-sse: CR4's SSE bits stay clear */
    bool sandbox;        /* --sandbox: seccomp filter for the run (sandbox.h) */
    /* --irqchip / --no-irqchip: in-kernel PIC, APICs and PIT
     * (kvm/irqchip.h). AUTO lets the guest format decide: resolve it
     * with cli_irqchip(). */
    enum cli_switch irqchip;
    uint64_t repeat;     /* runs of the guest in one VM; 1 = default */
    bool probe, help, version;
    /* Diagnostics (outcome.h): */
    bool stats;           /* --stats: exit/port/time table at the end */
    bool trace;           /* --trace: one stderr line per VM exit */
    bool json;            /* --json: one JSON object on stdout at the end */
    bool dump;            /* --dump: crash report even when the run passes */
    bool explain;         /* --explain: what the loader built (diag/explain.h) */
    const char *console_path; /* --console FILE: guest console output */
    /* Port maps (core/portmap.h; the session builds the map): */
    const char *port_args[CLI_MAX_PORT_ARGS]; /* --port values, in order */
    unsigned n_port_args;
    const char *ports_path;   /* --ports FILE */
    enum hc_unknown unknown_ports; /* --unknown-ports=fail|log|ignore */
    bool reveal_hva;          /* --reveal-hva: gva_to_hva's real address */
    /* --boot: a disk image booted by the BIOS (core/bios.h, app/boot.h) */
    const char *boot_path;    /* --boot DISK.img */
    bool floppy;              /* --floppy: drive 0x00, not 0x80 */
    bool no_signature_check;  /* --no-signature-check */
    bool disk_writable;       /* --disk-writable: writes reach the file */
    /* Multiboot kernels (core/multiboot.h, app/mbargs.h): */
    const char *cmdline;      /* --cmdline: after the kernel's path */
    const char *modules[CLI_MAX_MODULES]; /* --module FILE[=STRING] */
    unsigned n_modules;
    /* Devices (dev/devices.h): */
    enum vga_mode vga;             /* --vga: the screen at the end */
    uint32_t debug_exit_success;   /* --debug-exit-success: passes */
    const char *serial_input_path; /* --serial-input FILE ('-': stdin) */
};

int cli_parse(int argc, char *const argv[], struct options *opts,
              struct skvm_err *err);
int cli_validate(struct options *opts, struct skvm_err *err);

/* Whether the run gets the in-kernel irqchip: --irqchip or --no-irqchip
 * as given; otherwise the guest format's default (format_wants: true for
 * Multiboot kernels). */
bool cli_irqchip(const struct options *o, bool format_wants);

/* "2M", "64G", "4096": binary suffixes K/M/G/T. -1 on bad or overflow. */
int cli_parse_size(const char *s, uint64_t *out);
/* Decimal or 0x hex, whole string, no overflow. */
int cli_parse_u64(const char *s, uint64_t *out);

/* The --help text: a short header (synopsis, the modes from mode_table),
 * then the option table row by row under its group's heading, then the
 * exit codes. Help lines are wrapped to CLI_HELP_WIDTH columns. */
void cli_usage(FILE *out);
#define CLI_HELP_WIDTH 79

/* --help puts options under these headings, in this order. */
enum cli_group {
    CLI_GROUP_OPTIONS,
    CLI_GROUP_DIAGNOSTICS,
    CLI_N_GROUPS,
};

/* One row of the option table: the parser, --help and the tests (which
 * hold the man page to it) all read it, so an option is one row. */
struct cli_option {
    const char *name; /* long name without "--" */
    char short_flag;  /* 0 = none; only flags (no value) have one */
    const char *arg;  /* value name (SIZE, ADDR, FILE...), NULL = a flag */
    const char *def;  /* shown as "(default: DEF)" in --help, or NULL */
    const char *help; /* one line; --help wraps it */
    enum cli_group group;
    int (*apply)(struct options *o, const char *value, struct skvm_err *err);
};

/* Row i of the option table, or NULL past the end. */
const struct cli_option *cli_option(size_t i);
/* The long name of option i (without "--"), or NULL past the end. */
const char *cli_option_name(size_t i);

/* True when argv asks for --json (before any "--"), even if parsing
 * stops earlier at a bad argument: the failure is then told in JSON. */
bool cli_wants_json(int argc, char *const argv[]);

#endif
