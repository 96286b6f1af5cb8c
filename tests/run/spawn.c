/* spawn.c - fork/exec of the binary under test with captured output. */
#include "spawn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void slurp(FILE *f, char *buf, size_t len)
{
    size_t n;

    rewind(f);
    n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

int skvm_spawn(struct skvm_result *r, const char *const *argv, char *why,
               size_t why_len)
{
    const char *exe = getenv("SIMPLE_KVM");
    FILE *out, *err;
    const char *args[64];
    size_t n = 0;
    int status;
    pid_t pid;

    if (!exe) {
        snprintf(why, why_len, "SIMPLE_KVM is not set (run through meson "
                               "test)");
        return -1;
    }
    out = tmpfile();
    err = tmpfile();
    if (!out || !err) {
        snprintf(why, why_len, "tmpfile: %s", strerror(errno));
        if (out)
            fclose(out);
        if (err)
            fclose(err);
        return -1;
    }
    args[n++] = exe;
    while (*argv && n < 63)
        args[n++] = *argv++;
    args[n] = NULL;

    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        snprintf(why, why_len, "fork: %s", strerror(errno));
        fclose(out);
        fclose(err);
        return -1;
    }
    if (pid == 0) {
        dup2(fileno(out), STDOUT_FILENO);
        dup2(fileno(err), STDERR_FILENO);
        alarm(SKVM_RUN_LIMIT_S);
        execv(exe, (char *const *)args);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) != pid) {
        snprintf(why, why_len, "waitpid: %s", strerror(errno));
        fclose(out);
        fclose(err);
        return -1;
    }
    r->code = WIFEXITED(status) ? WEXITSTATUS(status)
                                : 128 + WTERMSIG(status);
    slurp(out, r->out, sizeof(r->out));
    slurp(err, r->err, sizeof(r->err));
    return 0;
}

bool host_cannot_run(const struct skvm_result *r, const char *mode)
{
    char needle[64];

    snprintf(needle, sizeof(needle), "cannot run %s mode", mode);
    return r->code == 3 && strstr(r->err, needle);
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

const char *skip_crash_report(const char *s)
{
    static const char end[] = "=== end of crash report ===\n";
    const char *p = strstr(s, end);

    return p ? p + sizeof(end) - 1 : s;
}
