/* test_bad_inputs.c - every row of tests/bad_inputs.txt through the binary.
 *
 * The data file is the one list of bad inputs: this test checks each
 * row's exit code and its whole stderr line, and scripts/bad-inputs-table
 * turns the same file into docs/bad-inputs.md. Mode-independent rows run
 * in cli_run/bad_inputs_table, the hostile guests of each mode in
 * <mode>_run/bad_inputs_table (skipped where the host cannot run it).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "helpers.h"

#define ROW_MAX      1024
#define ARGS_MAX     16
#define FIELDS       5
#define ALT_SEP      " || "
#define LINE_PREFIX  "simple-kvm: "
#define BIG_IMAGE    (3u << 20) /* larger than the default 2M of RAM */

struct row {
    char section[16], mode[16];
    int exit_code;
    char args[ROW_MAX], message[ROW_MAX];
};

/* Placeholders of the data file and the paths they stand for here. */
static char guests_dir[4096], empty_path[64], big_path[64];

static void make_files(void)
{
    int fd;

    snprintf(guests_dir, sizeof(guests_dir), "%s",
             getenv("SKVM_TEST_GUESTS") ? getenv("SKVM_TEST_GUESTS") : "");
    cr_assert(guests_dir[0], "SKVM_TEST_GUESTS is not set");
    snprintf(empty_path, sizeof(empty_path), "/tmp/skvm-empty-XXXXXX");
    snprintf(big_path, sizeof(big_path), "/tmp/skvm-big-XXXXXX");
    fd = mkstemp(empty_path);
    cr_assert(fd >= 0);
    close(fd);
    fd = mkstemp(big_path);
    cr_assert(fd >= 0 && ftruncate(fd, BIG_IMAGE) == 0);
    close(fd);
}

static void remove_files(void)
{
    unlink(empty_path);
    unlink(big_path);
}

/* dst = src with every placeholder replaced by its path. */
static void expand(char *dst, size_t size, const char *src)
{
    static const struct {
        const char *name;
        const char *path;
    } subst[] = {
        {"<guests>", guests_dir},
        {"<empty>", empty_path},
        {"<big>", big_path},
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
        cr_assert(n + len < size, "row too long after expansion: %s", src);
        memcpy(dst + n, piece, len);
        n += len;
        src += i < sizeof(subst) / sizeof(subst[0]) ? strlen(subst[i].name)
                                                    : 1;
    }
    dst[n] = '\0';
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
static bool parse_row(char *line, struct row *r)
{
    char *f[FIELDS], *p = line;

    if (*trim(line) == '\0' || *trim(line) == '#')
        return false;
    for (int i = 0; i < FIELDS - 1; i++) {
        char *bar = strchr(p, '|');
        cr_assert(bar, "bad_inputs.txt: fewer than %d fields: %s", FIELDS,
                  line);
        *bar = '\0';
        f[i] = trim(p);
        p = bar + 1;
    }
    f[FIELDS - 1] = trim(p);
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

static void run_row(const struct row *r)
{
    char args[ROW_MAX * 4], want[ROW_MAX * 4], line[4096];
    const char *argv[ARGS_MAX + 1];
    static struct skvm_result res; /* large: stderr holds a report */
    const char *err_line;
    size_t argc = 0;

    expand(args, sizeof(args), r->args);
    expand(want, sizeof(want), r->message);
    for (char *tok = strtok(args, " \t"); tok; tok = strtok(NULL, " \t")) {
        cr_assert(argc < ARGS_MAX, "too many arguments: %s", r->args);
        argv[argc++] = tok;
    }
    argv[argc] = NULL;
    run_skvm(&res, argv);
    if (strcmp(r->mode, "-") != 0)
        skip_if_host_cannot(&res, r->mode);
    if (res.code == 3 && strstr(res.err, "/dev/kvm"))
        cr_skip_test("%s", res.err);
    cr_expect_eq(res.code, r->exit_code, "%s: exit %d, want %d (%s)", r->args,
                 res.code, r->exit_code, res.err);
    /* A guest fault prints a crash report first (tests/test_diag.c);
     * the one-line error always comes last, alone after the report. */
    err_line = skip_crash_report(res.err);
    if (r->exit_code == SKVM_GUEST_FAULT)
        cr_expect(err_line != res.err, "%s: a crash report first: %s",
                  r->args, res.err);
    else
        cr_expect(err_line == res.err, "%s: no crash report: %s", r->args,
                  res.err);
    cr_expect_eq(count_lines(err_line), 1, "%s: one line after it: %s",
                 r->args, err_line);
    cr_expect(strncmp(err_line, LINE_PREFIX, strlen(LINE_PREFIX)) == 0,
              "%s: %s", r->args, err_line);
    snprintf(line, sizeof(line), "%.*s",
             (int)strcspn(err_line + strlen(LINE_PREFIX), "\n"),
             err_line + strlen(LINE_PREFIX));
    cr_expect(message_matches(want, line), "%s:\n  got  '%s'\n  want '%s'",
              r->args, line, want);
    if (r->exit_code == SKVM_USAGE)
        cr_expect_str_empty(res.out, "%s: nothing on stdout", r->args);
}

/* Run every row whose mode is `mode` ("-" for mode-independent rows). */
static void run_rows(const char *mode)
{
    const char *path = getenv("SKVM_BAD_INPUTS");
    char line[ROW_MAX * 2];
    size_t ran = 0;
    FILE *f;

    cr_assert(path, "SKVM_BAD_INPUTS is not set (run through meson test)");
    f = fopen(path, "r");
    cr_assert(f, "cannot open %s", path);
    make_files();
    while (fgets(line, sizeof(line), f)) {
        struct row r;

        if (!parse_row(line, &r) || strcmp(r.mode, mode) != 0)
            continue;
        run_row(&r);
        ran++;
    }
    fclose(f);
    remove_files();
    cr_assert(ran > 0, "no rows for mode '%s' in %s", mode, path);
}

Test(cli_run, bad_inputs_table) { run_rows("-"); }
Test(long_run, bad_inputs_table) { run_rows("long"); }
Test(protected_run, bad_inputs_table) { run_rows("protected"); }
Test(paged32_run, bad_inputs_table) { run_rows("paged32"); }
Test(real_run, bad_inputs_table) { run_rows("real"); }
