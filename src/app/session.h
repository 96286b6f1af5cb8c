/* runner.h - one whole run: image, VM, mode setup, run loop, checks.
 *
 * runner_run() is everything main does for a normal invocation, returning
 * 0 on pass or -1 with err filled. runner_probe() tries every mode's
 * built-in guest in its own VM and prints one line per mode.
 */
#ifndef SKVM_RUNNER_H
#define SKVM_RUNNER_H

#include <stdio.h>

#include "app/cli.h"
#include "err.h"
#include "app/output.h"

int runner_run(const struct options *opts, struct skvm_err *err);
/* The same, filling `out` (stats, checks, the vCPU state at a fault or
 * with --dump) for outcome_print(); `out` may be NULL. */
int runner_run_outcome(const struct options *opts, struct outcome *out,
                       struct skvm_err *err);
void runner_probe(FILE *out);

#endif
