/* main.c - simple-kvm's entry: parse, run, and turn the outcome into one
 * stderr line and an exit code. The only place that exits. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "app/output.h"
#include "app/session.h"
#include "core/stop.h"
#include "err.h"

#ifndef SKVM_VERSION
#define SKVM_VERSION "unknown"
#endif

/* A SIGINT/SIGTERM at any moment outranks whatever else happened: the
 * user asked to stop (128+N). */
static bool stopped(struct skvm_err *err)
{
    if (!stop_signal() || err->status == SKVM_SIGNAL)
        return err->status == SKVM_SIGNAL;
    skvm_fail_signal(err, stop_signal());
    return true;
}

/* stdout could not take what we printed (a full disk, a closed pipe). */
static int stdout_failed(const char *what, struct skvm_err *err)
{
    int e;

    if (fflush(stdout) == 0 && !ferror(stdout))
        return 0;
    e = errno;
    if (e == EPIPE) {
        skvm_fail(err, SKVM_SIGNAL, "stopped: standard output was closed "
                                    "(SIGPIPE) while writing %s", what);
        err->signo = SIGPIPE;
        return -1;
    }
    return skvm_fail(err, SKVM_HOST, "cannot write %s to standard output: %s",
                     what, e == EINTR ? "interrupted" : strerror(e));
}

int main(int argc, char **argv)
{
    struct options opts = {0};
    struct skvm_err err = {0};
    static struct outcome out; /* large: not on the stack */

    stop_install(); /* first: a signal from here on gets its one line */
    outcome_init(&out);
    if (cli_parse(argc, argv, &opts, &err) < 0)
        goto fail;
    if (opts.help || opts.version || opts.probe) {
        if (opts.help)
            cli_usage(stdout);
        else if (opts.version)
            printf("simple-kvm %s\n", SKVM_VERSION);
        else
            session_probe(stdout);
        if (stopped(&err) || stdout_failed("the answer", &err) < 0)
            goto fail_quiet;
        return 0;
    }
    outcome_configure(&out, &opts);
    if (session_image_defaults(&opts, &err) < 0 ||
        cli_validate(&opts, &err) < 0 ||
        session_run_outcome(&opts, &out, &err) < 0)
        goto fail;
    if (stopped(&err))
        goto fail;
    if (opts.explain && !opts.dump) { /* the explanation was the answer */
        if (stdout_failed("the explanation", &err) < 0)
            goto fail_quiet;
        return 0;
    }
    outcome_print(&opts, &out, NULL);
    if (stdout_failed(opts.json ? "the --json report" : "the report", &err) < 0)
        goto fail_quiet;
    if (stopped(&err))
        goto fail_quiet;
    return 0;
fail:
    stopped(&err);
    opts.json = opts.json || cli_wants_json(argc, argv);
    /* Diagnostics first; the one-line error stays the last stderr line. */
    outcome_print(&opts, &out, &err);
    fflush(stdout); /* already failing: that error is the one told */
fail_quiet:
    stopped(&err);
    fprintf(stderr, "simple-kvm: %s\n", err.msg);
    return skvm_exit_code(&err);
}
