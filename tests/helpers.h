/* helpers.h - running the real simple-kvm binary from tests.
 *
 * run_skvm() executes $SIMPLE_KVM with the given arguments and captures
 * exit code, stdout and stderr. skip_if_host_cannot() turns the one
 * "this host's KVM cannot run X mode" exit into a Criterion skip that
 * prints the reason, so an unsupported mode shows as SKIP, never OK.
 */
#ifndef SKVM_TEST_HELPERS_H
#define SKVM_TEST_HELPERS_H

#include <stddef.h>

struct skvm_result {
    int code; /* exit code, or 128 + signal */
    char out[65536];
    char err[65536]; /* room for a crash report or a --trace */
};

/* argv is NULL-terminated and excludes the program name. */
void run_skvm(struct skvm_result *r, const char *const *argv);
#define RUN(r, ...) run_skvm((r), (const char *const[]){__VA_ARGS__, NULL})

/* Path of a test guest binary built by tests/meson.build. */
const char *test_guest(const char *name);

/* Skip (with the reason and where the mode is covered) when the run
 * ended in "this host's KVM cannot run <mode> mode". */
void skip_if_host_cannot(const struct skvm_result *r, const char *mode);

/* Count lines in s. */
size_t count_lines(const char *s);

/* stderr after the crash report a guest fault prints (src/crash.h), i.e.
 * the one-line error; s itself when there is no report. */
const char *skip_crash_report(const char *s);

/* The last line of s (without its newline) in a static buffer. */
const char *last_line(const char *s);

/* What the built-in hello guest of `mode` prints. */
const char *hello_greeting(const char *mode);

#endif
