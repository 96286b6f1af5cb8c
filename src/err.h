/* err.h - how library code reports failure to main.
 *
 * Functions below main never exit or print: they fill a struct skvm_err
 * (an exit status class and one line of text) and return -1. Only main
 * turns it into a stderr line and an exit code (see README, "Exit codes").
 */
#ifndef SKVM_ERR_H
#define SKVM_ERR_H

enum skvm_status {
    SKVM_PASS = 0,         /* guest ran and every check held */
    SKVM_CHECK_FAILED = 1, /* guest ran; a check failed or it reported failure */
    SKVM_USAGE = 2,        /* bad command line or bad input file */
    SKVM_HOST = 3,         /* this host cannot run it */
    SKVM_GUEST_FAULT = 4,  /* guest crashed or broke the hypercall rules */
    SKVM_TIMEOUT = 124,    /* --timeout expired */
    SKVM_SIGNAL = 128,     /* killed by signal N: exit 128 + N */
};

struct skvm_err {
    enum skvm_status status;
    int signo;      /* with SKVM_SIGNAL */
    char msg[512];  /* one line, no trailing newline */
};

/* Record a failure; returns -1 so callers can `return skvm_fail(...)`.
 * Control characters in the result become '?', so it stays one line. */
int skvm_fail(struct skvm_err *err, enum skvm_status status, const char *fmt,
              ...) __attribute__((format(printf, 3, 4)));

/* SKVM_SIGNAL for signo: "stopped by Terminated"; returns -1. */
int skvm_fail_signal(struct skvm_err *err, int signo);

/* The process exit code for an error (128 + signo for signals). */
int skvm_exit_code(const struct skvm_err *err);

#endif
