/* spawn.h - running the real simple-kvm binary, without Criterion.
 *
 * What run tests share whether they are Criterion tests (through
 * helpers.h) or print TAP themselves (bad_inputs.c): one run of
 * $SIMPLE_KVM with its exit code, stdout and stderr captured, and the
 * few ways tests read that stderr.
 */
#ifndef SKVM_TEST_SPAWN_H
#define SKVM_TEST_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

#define SKVM_RUN_LIMIT_S 60 /* a hung binary fails the test, not the suite */

struct skvm_result {
    int code; /* exit code, or 128 + signal */
    char out[65536];
    char err[65536]; /* room for a crash report or a --trace */
};

/* Run $SIMPLE_KVM with argv (NULL-terminated, without the program name).
 * 0 when it ran; -1 with a reason in why when it could not be started
 * (SIMPLE_KVM not set, no temporary file, fork failed). */
int skvm_spawn(struct skvm_result *r, const char *const *argv, char *why,
               size_t why_len);

/* True when the run ended in "this host's KVM cannot run <mode> mode"
 * (exit 3): the mode is not this host's to test. */
bool host_cannot_run(const struct skvm_result *r, const char *mode);

/* Count lines in s. */
size_t count_lines(const char *s);

/* stderr after the crash report a guest fault prints (src/diag/crash.h),
 * i.e. the one-line error; s itself when there is no report. */
const char *skip_crash_report(const char *s);

/* The last line of s (without its newline) in a static buffer. */
const char *last_line(const char *s);

#endif
