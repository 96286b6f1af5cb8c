/* helpers.c - fork/exec of the binary under test with captured output. */
#include "helpers.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUN_LIMIT_S 60 /* a hung binary fails the test, not the suite */

static void slurp(FILE *f, char *buf, size_t len)
{
    size_t n;

    rewind(f);
    n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

void run_skvm(struct skvm_result *r, const char *const *argv)
{
    const char *exe = getenv("SIMPLE_KVM");
    FILE *out = tmpfile(), *err = tmpfile();
    const char *args[64];
    size_t n = 0;
    int status;
    pid_t pid;

    cr_assert(exe, "SIMPLE_KVM is not set (run through meson test)");
    cr_assert(out && err);
    args[n++] = exe;
    while (*argv && n < 63)
        args[n++] = *argv++;
    args[n] = NULL;

    fflush(NULL);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        dup2(fileno(out), STDOUT_FILENO);
        dup2(fileno(err), STDERR_FILENO);
        alarm(RUN_LIMIT_S);
        execv(exe, (char *const *)args);
        _exit(127);
    }
    cr_assert(waitpid(pid, &status, 0) == pid);
    r->code = WIFEXITED(status) ? WEXITSTATUS(status)
                                : 128 + WTERMSIG(status);
    slurp(out, r->out, sizeof(r->out));
    slurp(err, r->err, sizeof(r->err));
}

const char *test_guest(const char *name)
{
    static char path[4096];
    const char *dir = getenv("SKVM_TEST_GUESTS");

    cr_assert(dir, "SKVM_TEST_GUESTS is not set (run through meson test)");
    snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
    cr_assert(access(path, R_OK) == 0, "test guest %s not built", path);
    return path;
}

void skip_if_host_cannot(const struct skvm_result *r, const char *mode)
{
    char needle[64];

    snprintf(needle, sizeof(needle), "cannot run %s mode", mode);
    if (r->code == 3 && strstr(r->err, needle))
        cr_skip_test("%.*s; the nested suite (meson test --suite nested) "
                     "runs %s mode on hardware-style KVM",
                     (int)strcspn(r->err, "\n"), r->err, mode);
}

size_t count_lines(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

const char *last_line(const char *s)
{
    static char line[1024];
    size_t len = strlen(s);

    while (len > 0 && s[len - 1] == '\n')
        len--;
    size_t start = len;
    while (start > 0 && s[start - 1] != '\n')
        start--;
    snprintf(line, sizeof(line), "%.*s", (int)(len - start), s + start);
    return line;
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
};

const char *hello_greeting(const char *mode)
{
    for (size_t i = 0; i < sizeof(greetings) / sizeof(greetings[0]); i++)
        if (strcmp(greetings[i][0], mode) == 0)
            return greetings[i][1];
    cr_assert_fail("no greeting for %s", mode);
    return NULL;
}

const char *skip_crash_report(const char *s)
{
    static const char end[] = "=== end of crash report ===\n";
    const char *p = strstr(s, end);

    return p ? p + sizeof(end) - 1 : s;
}
