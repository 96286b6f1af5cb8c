/* session.h - one whole run: image, VM, mode setup, run loop, checks.
 *
 * session_run() is everything main does for a normal invocation, returning
 * 0 on pass or -1 with err filled. session_probe() tries every mode's
 * built-in guest in its own VM and prints one line per mode.
 */
#ifndef SKVM_APP_SESSION_H
#define SKVM_APP_SESSION_H

#include <stdio.h>

#include "app/cli.h"
#include "err.h"
#include "app/output.h"

int session_run(const struct options *opts, struct skvm_err *err);
/* The same, filling `out` (stats, checks, the vCPU state at a fault or
 * with --dump) for outcome_print(); `out` may be NULL. */
int session_run_outcome(const struct options *opts, struct outcome *out,
                       struct skvm_err *err);
void session_probe(FILE *out);

/* Before cli_validate: what the image file itself decides. An ELF
 * image's class picks the mode when no mode flag did (ELF64: long,
 * ELF32: protected); a mode flag that cannot run it, --load or --entry
 * is a usage error. Reads only the file's first bytes; problems opening
 * it are left to the run, which tells them. */
int session_image_defaults(struct options *opts, struct skvm_err *err);

#endif
