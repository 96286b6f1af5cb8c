/* helpers.c - spawn.c's runs as Criterion asserts and skips. */
#include "helpers.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void run_skvm(struct skvm_result *r, const char *const *argv)
{
    char why[256];

    if (skvm_spawn(r, argv, why, sizeof(why)) != 0)
        cr_assert_fail("%s", why);
}

const char *test_guest_file(const char *file)
{
    /* A few at once: one argv may name several guests. */
    static char paths[4][4096];
    static unsigned next;
    char *path = paths[next++ % 4];
    const char *dir = getenv("SKVM_TEST_GUESTS");

    cr_assert(dir, "SKVM_TEST_GUESTS is not set (run through meson test)");
    snprintf(path, sizeof(paths[0]), "%s/%s", dir, file);
    cr_assert(access(path, R_OK) == 0, "test guest %s not built", path);
    return path;
}

const char *test_guest(const char *name)
{
    char file[256];

    snprintf(file, sizeof(file), "%s.bin", name);
    return test_guest_file(file);
}

void skip_if_host_cannot(const struct skvm_result *r, const char *mode)
{
    if (host_cannot_run(r, mode))
        cr_skip_test("%.*s; the nested suite (meson test --suite nested) "
                     "runs %s mode on hardware-style KVM",
                     (int)strcspn(r->err, "\n"), r->err, mode);
}

const char *mode_bits(const char *mode)
{
    return strcmp(mode, "real") == 0 ? "16" : mode_is64(mode) ? "64" : "32";
}

int mode_is64(const char *mode)
{
    return strcmp(mode, "long") == 0 || strcmp(mode, "la57") == 0;
}

/* Kept in step with guests/<mode>.asm. */
static const char *const greetings[][2] = {
    {"long", "Hello from long mode: 64-bit code, 4-level paging.\n"},
    {"protected",
     "Hello from protected mode: 32-bit code, flat segments, no paging.\n"},
    {"paged32", "Hello from paged32 mode: 32-bit code, 32-bit paging with "
                "4 MiB pages.\n"},
    {"real", "Hello from real mode: 16-bit code, segment:offset "
             "addressing.\n"},
    {"pae", "Hello from pae mode: 32-bit code, PAE paging with 2 MiB pages "
            "and NX.\n"},
    {"compat", "Hello from compat mode: 32-bit code under long mode, "
               "4-level paging.\n"},
    {"la57", "Hello from la57 mode: 64-bit code, 5-level paging.\n"},
};

const char *hello_greeting(const char *mode)
{
    for (size_t i = 0; i < sizeof(greetings) / sizeof(greetings[0]); i++)
        if (strcmp(greetings[i][0], mode) == 0)
            return greetings[i][1];
    cr_assert_fail("no greeting for %s", mode);
    return NULL;
}

void run_with_stdin(struct skvm_result *r, const char *input,
                    const char *const *argv)
{
    int p[2], saved = dup(STDIN_FILENO);

    cr_assert(saved >= 0 && pipe(p) == 0);
    cr_assert_eq(write(p[1], input, strlen(input)), (ssize_t)strlen(input));
    close(p[1]);
    dup2(p[0], STDIN_FILENO);
    close(p[0]);
    run_skvm(r, argv);
    dup2(saved, STDIN_FILENO);
    close(saved);
}

double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
