/* main.c - simple-kvm's entry: parse, run, and turn the outcome into one
 * stderr line and an exit code. The only place that exits. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "err.h"
#include "runner.h"

#ifndef SKVM_VERSION
#define SKVM_VERSION "unknown"
#endif

int main(int argc, char **argv)
{
    struct options opts;
    struct skvm_err err = {0};

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
    if (cli_validate(&opts, &err) < 0 || runner_run(&opts, &err) < 0)
        goto fail;
    return 0;
fail:
    fflush(stdout);
    fprintf(stderr, "simple-kvm: %s\n", err.msg);
    return skvm_exit_code(&err);
}
