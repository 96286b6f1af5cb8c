/* helpers.h - running the real simple-kvm binary from Criterion run tests.
 *
 * run_skvm() executes $SIMPLE_KVM with the given arguments and captures
 * exit code, stdout and stderr (spawn.h, which bad_inputs.c shares).
 * skip_if_host_cannot() turns the one "this host's KVM cannot run X
 * mode" exit into a Criterion skip that prints the reason, so an
 * unsupported mode shows as SKIP, never OK.
 */
#ifndef SKVM_TEST_HELPERS_H
#define SKVM_TEST_HELPERS_H

#include <stddef.h>

#include "spawn.h"

/* argv is NULL-terminated and excludes the program name. */
void run_skvm(struct skvm_result *r, const char *const *argv);
#define RUN(r, ...) run_skvm((r), (const char *const[]){__VA_ARGS__, NULL})
/* run_skvm with `input` on simple-kvm's stdin (a pipe, closed after it). */
void run_with_stdin(struct skvm_result *r, const char *input,
                    const char *const *argv);

/* Path of a test guest binary built by guests/meson.build (the NASM and
 * C test guests listed in tests/guests/meson.build). */
const char *test_guest(const char *name);
/* The same for a file named in full (mb_kernel_c.elf, elf_hello64.elf);
 * the last four paths stay valid. */
const char *test_guest_file(const char *file);

/* Skip (with the reason and where the mode is covered) when the run
 * ended in "this host's KVM cannot run <mode> mode". */
void skip_if_host_cannot(const struct skvm_result *r, const char *mode);

/* The bitness of a mode's code, for test guests built per bitness
 * (<name><bits>.bin): "16" real, "64" long and la57, else "32" (pae and
 * compat run the 32-bit images unchanged). */
const char *mode_bits(const char *mode);
int mode_is64(const char *mode);

/* CLOCK_MONOTONIC in seconds: deadlines of tests that wait. */
double now_s(void);

/* What the built-in hello guest of `mode` prints. */
const char *hello_greeting(const char *mode);

#endif
