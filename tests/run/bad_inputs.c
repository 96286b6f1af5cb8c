/* bad_inputs.c - every row of tests/bad_inputs.txt through the binary,
 * one TAP result per row.
 *
 *   bad-inputs MODE     MODE: '-' for the mode-independent rows, else a
 *                       mode (its hostile-guest rows)
 *
 * Environment (set by tests/meson.build): SIMPLE_KVM, the binary;
 * SKVM_TEST_GUESTS, where <guests>/NAME.bin are; SKVM_BAD_INPUTS, the
 * data file.
 *
 * The data file is the one list of bad inputs: this program checks each
 * row's exit code and its whole stderr line, and
 * scripts/build/bad-inputs-table turns the same file into
 * docs/bad-inputs.md. It prints TAP itself (no Criterion), so every row
 * is its own result and one failure hides none of the others:
 *
 *   1..N
 *   ok K - SECTION MODE ARGS
 *   not ok K - SECTION MODE ARGS # the first check that failed
 *   # ... every check that failed, and the run's stderr
 *   ok K - SECTION MODE ARGS # SKIP why
 *
 * A mode is probed once (the built-in guest, `simple-kvm --MODE`): when
 * this host's KVM cannot run it, each of its rows is a SKIP with the
 * reason. A row that meets "cannot run MODE mode" or has no /dev/kvm is
 * skipped the same way. A malformed data file, or a mode without rows, is
 * "Bail out!".
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "spawn.h"

#define ROW_MAX      1024
#define ARGS_MAX     16
#define FIELDS       5
#define ALT_SEP      " || "
#define LINE_PREFIX  "simple-kvm: "
#define BIG_IMAGE    (3u << 20) /* larger than the default 2M of RAM */
#define NOTES_MAX    8192

struct row {
    int line; /* in the data file */
    char section[16], mode[16];
    int exit_code;
    char args[ROW_MAX], message[ROW_MAX];
};

/* Placeholders of the data file and the paths they stand for here. */
static char guests_dir[4096], empty_path[64], big_path[64];
static char fifo_dir[64], fifo_path[96]; /* <fifo>: a FIFO nobody reads */

static void bail_out(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void remove_files(void)
{
    if (empty_path[0])
        unlink(empty_path);
    if (big_path[0])
        unlink(big_path);
    if (fifo_path[0]) {
        unlink(fifo_path);
        rmdir(fifo_dir);
    }
}

static void bail_out(const char *fmt, ...)
{
    va_list ap;

    printf("Bail out! ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    remove_files();
    exit(1);
}

static void make_files(void)
{
    char tmp_empty[] = "/tmp/skvm-empty-XXXXXX";
    char tmp_big[] = "/tmp/skvm-big-XXXXXX";
    int fd;

    snprintf(guests_dir, sizeof(guests_dir), "%s",
             getenv("SKVM_TEST_GUESTS") ? getenv("SKVM_TEST_GUESTS") : "");
    if (!guests_dir[0])
        bail_out("SKVM_TEST_GUESTS is not set (run through meson test)");
    fd = mkstemp(tmp_empty);
    if (fd < 0)
        bail_out("cannot make %s", tmp_empty);
    close(fd);
    snprintf(empty_path, sizeof(empty_path), "%s", tmp_empty);
    fd = mkstemp(tmp_big);
    if (fd < 0)
        bail_out("cannot make %s", tmp_big);
    snprintf(big_path, sizeof(big_path), "%s", tmp_big);
    if (ftruncate(fd, BIG_IMAGE) != 0)
        bail_out("cannot grow %s to %u bytes", big_path, BIG_IMAGE);
    close(fd);
    char tmp_dir[] = "/tmp/skvm-fifo-XXXXXX";
    if (!mkdtemp(tmp_dir))
        bail_out("cannot make %s", tmp_dir);
    snprintf(fifo_dir, sizeof(fifo_dir), "%s", tmp_dir);
    snprintf(fifo_path, sizeof(fifo_path), "%s/console", fifo_dir);
    if (mkfifo(fifo_path, 0600) != 0)
        bail_out("cannot make the FIFO %s", fifo_path);
}

/* dst = src with every placeholder replaced by its path; false when it
 * does not fit. */
static bool expand(char *dst, size_t size, const char *src)
{
    static const struct {
        const char *name;
        const char *path;
    } subst[] = {
        {"<guests>", guests_dir},
        {"<empty>", empty_path},
        {"<big>", big_path},
        {"<fifo>", fifo_path},
    };
    size_t n = 0;

    while (*src) {
        size_t i;
        for (i = 0; i < sizeof(subst) / sizeof(subst[0]); i++)
            if (strncmp(src, subst[i].name, strlen(subst[i].name)) == 0)
                break;
        const char *piece = i < sizeof(subst) / sizeof(subst[0])
                                ? subst[i].path
                                : (const char[]){*src, '\0'};
        size_t len = strlen(piece);
        if (n + len >= size)
            return false;
        memcpy(dst + n, piece, len);
        n += len;
        src += i < sizeof(subst) / sizeof(subst[0]) ? strlen(subst[i].name)
                                                    : 1;
    }
    dst[n] = '\0';
    return true;
}

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
        *--end = '\0';
    return s;
}

/* Split one data line into a row; false for comments and blank lines. The
 * message is everything after the fourth '|' (it may hold " || "). */
static bool parse_row(char *line, int line_no, const char *path,
                      struct row *r)
{
    char *f[FIELDS], *p = line;

    if (*trim(line) == '\0' || *trim(line) == '#')
        return false;
    for (int i = 0; i < FIELDS - 1; i++) {
        char *bar = strchr(p, '|');
        if (!bar)
            bail_out("%s:%d: fewer than %d fields: %s", path, line_no, FIELDS,
                     line);
        *bar = '\0';
        f[i] = trim(p);
        p = bar + 1;
    }
    f[FIELDS - 1] = trim(p);
    r->line = line_no;
    snprintf(r->section, sizeof(r->section), "%s", f[0]);
    snprintf(r->mode, sizeof(r->mode), "%s", f[1]);
    r->exit_code = atoi(f[2]);
    snprintf(r->args, sizeof(r->args), "%s", f[3]);
    snprintf(r->message, sizeof(r->message), "%s", f[4]);
    return true;
}

/* Glob match where only '*' is special (any text, possibly empty). */
static bool glob_match(const char *pat, const char *s)
{
    if (*pat == '\0')
        return *s == '\0';
    if (*pat == '*') {
        for (const char *t = s;; t++) {
            if (glob_match(pat + 1, t))
                return true;
            if (*t == '\0')
                return false;
        }
    }
    return *s == *pat && glob_match(pat + 1, s + 1);
}

/* True when line (without "simple-kvm: " and newline) matches one of the
 * row's alternatives. */
static bool message_matches(const char *message, const char *line)
{
    char alts[ROW_MAX * 4], *alt = alts;

    snprintf(alts, sizeof(alts), "%s", message);
    for (;;) {
        char *sep = strstr(alt, ALT_SEP);
        if (sep)
            *sep = '\0';
        if (glob_match(alt, line))
            return true;
        if (!sep)
            return false;
        alt = sep + strlen(ALT_SEP);
    }
}

/* What one row came to: pass, skip (with why) or fail (with notes, one
 * line per check that did not hold; the first is the summary). */
struct outcome {
    bool skip;
    char why[512];
    int failed;
    char notes[NOTES_MAX];
    const char *err; /* the run's stderr, once it ran */
};

static void note(struct outcome *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note(struct outcome *o, const char *fmt, ...)
{
    size_t len = strlen(o->notes);
    va_list ap;

    o->failed++;
    va_start(ap, fmt);
    vsnprintf(o->notes + len, sizeof(o->notes) - len, fmt, ap);
    va_end(ap);
    len = strlen(o->notes);
    if (len + 1 < sizeof(o->notes)) {
        o->notes[len] = '\n';
        o->notes[len + 1] = '\0';
    }
}

/* The first line of s, for a TAP line. */
static const char *first_line(const char *s, char *buf, size_t len)
{
    snprintf(buf, len, "%.*s", (int)strcspn(s, "\n"), s);
    return buf;
}

static void skip_reason_host(const struct skvm_result *res, const char *mode,
                             char *why, size_t len)
{
    char line[256];

    snprintf(why, len,
             "%s; the nested suite (meson test --suite nested) runs %s mode "
             "on hardware-style KVM",
             first_line(res->err, line, sizeof(line)), mode);
}

static void run_row(const struct row *r, struct outcome *o)
{
    char args[ROW_MAX * 4], want[ROW_MAX * 4], line[4096], why[256];
    const char *argv[ARGS_MAX + 1];
    static struct skvm_result res; /* large: stderr holds a report */
    const char *err_line;
    size_t argc = 0;

    memset(o, 0, sizeof(*o));
    if (!expand(args, sizeof(args), r->args) ||
        !expand(want, sizeof(want), r->message)) {
        note(o, "row too long after expansion");
        return;
    }
    for (char *tok = strtok(args, " \t"); tok; tok = strtok(NULL, " \t")) {
        if (argc == ARGS_MAX) {
            note(o, "too many arguments (more than %d)", ARGS_MAX);
            return;
        }
        argv[argc++] = tok;
    }
    argv[argc] = NULL;
    if (skvm_spawn(&res, argv, why, sizeof(why)) != 0) {
        note(o, "cannot run simple-kvm: %s", why);
        return;
    }
    if (strcmp(r->mode, "-") != 0 && host_cannot_run(&res, r->mode)) {
        o->skip = true;
        skip_reason_host(&res, r->mode, o->why, sizeof(o->why));
        return;
    }
    if (res.code == 3 && strstr(res.err, "/dev/kvm")) {
        o->skip = true;
        first_line(res.err, o->why, sizeof(o->why));
        return;
    }
    if (res.code != r->exit_code)
        note(o, "exit %d, want %d", res.code, r->exit_code);
    /* A guest fault prints a crash report first (tests/run/test_diag.c);
     * the one-line error always comes last, alone after the report. */
    err_line = skip_crash_report(res.err);
    if (r->exit_code == SKVM_GUEST_FAULT && err_line == res.err)
        note(o, "no crash report before the error line");
    if (r->exit_code != SKVM_GUEST_FAULT && err_line != res.err)
        note(o, "a crash report, want none");
    if (count_lines(err_line) != 1)
        note(o, "%zu lines after the report, want one",
             count_lines(err_line));
    if (strncmp(err_line, LINE_PREFIX, strlen(LINE_PREFIX)) == 0) {
        err_line += strlen(LINE_PREFIX);
    } else {
        note(o, "the error line does not start with '%s'", LINE_PREFIX);
    }
    snprintf(line, sizeof(line), "%.*s", (int)strcspn(err_line, "\n"),
             err_line);
    if (!message_matches(want, line))
        note(o, "message '%s', want '%s'", line, want);
    if (r->exit_code == SKVM_USAGE && res.out[0])
        note(o, "stdout not empty: %s", res.out);
    o->err = res.err;
}

/* "SECTION MODE ARGS" without '#', which would end a TAP description. */
static const char *describe(const struct row *r, char *buf, size_t len)
{
    snprintf(buf, len, "%s %s %s", r->section, r->mode, r->args);
    for (char *p = buf; *p; p++)
        if (*p == '#' || *p == '\n')
            *p = '?';
    return buf;
}

/* Each line of text as a TAP comment. */
static void print_comment(const char *text)
{
    while (*text) {
        int len = (int)strcspn(text, "\n");
        printf("# %.*s\n", len, text);
        text += len + (text[len] == '\n');
    }
}

/* Whether this host can run `mode`; if not, why (the probe's answer). */
static bool probe_mode(const char *mode, char *why, size_t len)
{
    static struct skvm_result res;
    char flag[32], err[256];

    snprintf(flag, sizeof(flag), "--%s", mode);
    if (skvm_spawn(&res, (const char *const[]){flag, NULL}, err,
                   sizeof(err)) != 0)
        bail_out("cannot run simple-kvm %s: %s", flag, err);
    if (host_cannot_run(&res, mode)) {
        skip_reason_host(&res, mode, why, len);
        return false;
    }
    if (res.code == 3 && strstr(res.err, "/dev/kvm")) {
        first_line(res.err, why, len);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    const char *path = getenv("SKVM_BAD_INPUTS");
    static struct row rows[512];
    static struct outcome o;
    char line[ROW_MAX * 2], desc[ROW_MAX + 64], mode_skip[512] = "";
    size_t n = 0, failed = 0;
    int line_no = 0;
    const char *mode;
    FILE *f;

    if (argc != 2)
        bail_out("usage: bad-inputs MODE (- for the mode-independent rows)");
    mode = argv[1];
    if (!path)
        bail_out("SKVM_BAD_INPUTS is not set (run through meson test)");
    f = fopen(path, "r");
    if (!f)
        bail_out("cannot open %s", path);
    while (fgets(line, sizeof(line), f)) {
        struct row r;

        line_no++;
        if (!parse_row(line, line_no, path, &r) || strcmp(r.mode, mode) != 0)
            continue;
        if (n == sizeof(rows) / sizeof(rows[0]))
            bail_out("%s: more than %zu rows for mode '%s'", path, n, mode);
        rows[n++] = r;
    }
    fclose(f);
    if (n == 0)
        bail_out("no rows for mode '%s' in %s", mode, path);

    make_files();
    if (strcmp(mode, "-") != 0 &&
        !probe_mode(mode, mode_skip, sizeof(mode_skip)))
        printf("# this host cannot run %s mode: every row is skipped\n", mode);
    printf("1..%zu\n", n);
    for (size_t i = 0; i < n; i++) {
        describe(&rows[i], desc, sizeof(desc));
        if (mode_skip[0]) {
            printf("ok %zu - %s # SKIP %s\n", i + 1, desc, mode_skip);
            continue;
        }
        run_row(&rows[i], &o);
        if (o.skip) {
            printf("ok %zu - %s # SKIP %s\n", i + 1, desc, o.why);
        } else if (o.failed) {
            failed++;
            printf("not ok %zu - %s # %.*s\n", i + 1, desc,
                   (int)strcspn(o.notes, "\n"), o.notes);
            printf("# %s:%d\n", path, rows[i].line);
            print_comment(o.notes);
            if (o.err) {
                printf("# stderr:\n");
                print_comment(o.err);
            }
        } else {
            printf("ok %zu - %s\n", i + 1, desc);
        }
        fflush(stdout);
    }
    remove_files();
    return failed ? 1 : 0;
}
