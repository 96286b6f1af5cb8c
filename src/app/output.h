/* output.h - everything a run leaves for the end of main: counters,
 * checks, the vCPU state at a fault, and how they are told.
 *
 * session_run_outcome() fills a struct outcome as it goes; main then calls
 * outcome_print() once, before its final one-line "simple-kvm: ..." error
 * (which stays the last stderr line). Without --json that is the crash
 * report (on a guest fault, or always with --dump) and the --stats table,
 * on stderr; with --json it is one JSON object on stdout instead, printed
 * on success and on every failure, the exit code unchanged.
 */
#ifndef SKVM_APP_OUTPUT_H
#define SKVM_APP_OUTPUT_H

#include <stdbool.h>

#include "app/cli.h"
#include "diag/crash.h"
#include "dev/vga.h"
#include "err.h"
#include "app/checks.h"
#include "diag/stats.h"
#include "core/symbols.h"

struct outcome {
    struct skvm_stats stats;
    struct check_list checks;
    bool ran;        /* the guest was started (stats are about it) */
    bool checked;    /* the post-HLT checks ran */
    bool have_crash; /* `crash` was captured */
    struct crash_state crash;
    char format[32]; /* the image's format (image_format_name), "" before */
    struct symbols syms; /* an ELF image's names, for crash.syms */
    /* Devices (dev/devices.h): */
    bool debug_exit_written;   /* the run ended through isa-debug-exit */
    uint32_t debug_exit_value; /* with the value written */
    bool have_vga;             /* the screen is told (--vga) */
    struct vga_screen vga;
    /* --explain --dump --json: the state the guest left, as JSON text
     * (app/explain_json.h), the object's "explain"; NULL otherwise. */
    char *explain_json;
};

/* Start the wall clock; call first thing in main. `out` must be zeroed
 * storage (main's is static). */
void outcome_init(struct outcome *out);

/* After parsing: time KVM_RUN only when someone will read it. */
void outcome_configure(struct outcome *out, const struct options *opts);

/* `err` is NULL when the run passed. */
void outcome_print(const struct options *opts, struct outcome *out,
                   const struct skvm_err *err);

/* True when err is a guest fault (its crash report is "fault", not
 * "dump"). */
static inline bool outcome_is_fault(const struct skvm_err *err)
{
    return err && err->status == SKVM_GUEST_FAULT;
}

#endif
