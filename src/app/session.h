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

#endif
