/* main.c - simple-kvm's entry: parse, run, and turn the outcome into one
 * stderr line and an exit code. The only place that exits. */
#include <stdio.h>
#include <stdlib.h>

#include "app/cli.h"
#include "err.h"
#include "app/output.h"
#include "app/session.h"

#ifndef SKVM_VERSION
#define SKVM_VERSION "unknown"
#endif

int main(int argc, char **argv)
{
    struct options opts;
    struct skvm_err err = {0};
    static struct outcome out; /* large: not on the stack */

    outcome_init(&out);
    if (cli_parse(argc, argv, &opts, &err) < 0)
        goto fail;
    if (opts.help) {
        cli_usage(stdout);
        return 0;
    }
    if (opts.version) {
        printf("simple-kvm %s\n", SKVM_VERSION);
        return 0;
    }
    if (opts.probe) {
        runner_probe(stdout);
        return 0;
    }
    outcome_configure(&out, &opts);
    if (cli_validate(&opts, &err) < 0 ||
        runner_run_outcome(&opts, &out, &err) < 0)
        goto fail;
    outcome_print(&opts, &out, NULL);
    return 0;
fail:
    opts.json = opts.json || cli_wants_json(argc, argv);
    /* Diagnostics first; the one-line error stays the last stderr line. */
    outcome_print(&opts, &out, &err);
    fflush(stdout);
    fprintf(stderr, "simple-kvm: %s\n", err.msg);
    return skvm_exit_code(&err);
}
