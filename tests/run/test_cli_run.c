/* test_cli_run.c - the binary's command line: --help against the option
 * table, --probe, odd arguments, a --gdb port already in use.
 *
 * The parser itself is unit-tested without the binary
 * (tests/unit/test_cli.c); the table of bad inputs lives in
 * tests/bad_inputs.txt (run by tests/run/bad_inputs.c); what cannot be
 * written there (a newline inside an argument) stays here.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/cli.h"
#include "helpers.h"

/* "-h, --help" or "--mem SIZE": how --help names an option, built here
 * from the row rather than by the code under test. */
static const char *label_of(const struct cli_option *d, char *buf, size_t n)
{
    char sh[8] = "";

    if (d->short_flag)
        snprintf(sh, sizeof(sh), "-%c, ", d->short_flag);
    snprintf(buf, n, "%s--%s%s%s", sh, d->name, d->arg ? " " : "",
             d->arg ? d->arg : "");
    return buf;
}

/* s with every run of white space (line breaks too) as one space: --help
 * wraps help text, the test reads it unwrapped. */
static char *squeeze(const char *s)
{
    static char buf[sizeof(((struct skvm_result *)0)->out)];
    size_t j = 0;

    for (; *s && j + 1 < sizeof(buf); s++) {
        if (isspace((unsigned char)*s)) {
            if (j && buf[j - 1] == ' ')
                continue;
            buf[j++] = ' ';
        } else {
            buf[j++] = *s;
        }
    }
    buf[j] = '\0';
    return buf;
}

/* Every row of the option table shows in --help as "LABEL HELP (default:
 * DEF)": its short letter, long name and argument name, its help line and
 * its default, under its group's heading; so does every mode. */
Test(cli_run, help_lists_every_option_and_exit_code)
{
    struct skvm_result r;
    char label[96], want[1024];
    const struct cli_option *d;
    size_t n = 0;

    RUN(&r, "--help");
    cr_assert_eq(r.code, 0);
    cr_assert_str_empty(r.err);
    for (const char *line = r.out; *line;) {
        size_t len = strcspn(line, "\n");
        cr_expect_leq(len, CLI_HELP_WIDTH, "--help line too long: %.*s",
                      (int)len, line);
        line += len + (line[len] == '\n');
    }
    const char *out = squeeze(r.out);
    const char *opts = strstr(out, " Options: ");
    const char *diag = strstr(out, " Diagnostics (all off by default): ");
    cr_assert(opts && diag && opts < diag, "group headings, in order");
    for (; (d = cli_option(n)); n++) {
        snprintf(want, sizeof(want), " %s %s%s%s%s ",
                 label_of(d, label, sizeof(label)), d->help,
                 d->def ? " (default: " : "", d->def ? d->def : "",
                 d->def ? ")" : "");
        const char *at = strstr(out, want);
        cr_expect(at, "--help shows row '%s' as '%s'", d->name, want);
        if (at && d->group == CLI_GROUP_OPTIONS)
            cr_expect(at > opts && at < diag, "%s under Options", d->name);
        if (at && d->group == CLI_GROUP_DIAGNOSTICS)
            cr_expect(at > diag, "%s under Diagnostics", d->name);
    }
    cr_assert_geq(n, 21, "the table has every option (%zu)", n);
    for (size_t i = 0; i < mode_count; i++) {
        snprintf(want, sizeof(want), " -%c, --%s %s ",
                 mode_table[i]->short_flag, mode_table[i]->name,
                 mode_table[i]->summary);
        cr_expect(strstr(out, want), "--help shows mode as '%s'", want);
    }
    cr_expect(strstr(out, "usage: simple-kvm [MODE] [OPTIONS] [GUEST.bin]"));
    cr_expect(strstr(out, " 124 --timeout expired "));
    cr_expect(strstr(out, " 128+N stopped by signal N"));
}

Test(cli_run, probe_names_every_mode)
{
    struct skvm_result r;

    RUN(&r, "--probe");
    if (r.code == 0 && strstr(r.out, "no: ") && strstr(r.out, "/dev/kvm"))
        cr_skip_test("no usable /dev/kvm: %s", r.out);
    cr_assert_eq(r.code, 0, "%s", r.err);
    /* All seven modes, one line each, answered yes or no with a reason. */
    static const char *const modes[] = {"long", "protected", "paged32",
                                        "real", "pae", "compat", "la57"};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        char yes[32], no[32];
        snprintf(yes, sizeof(yes), "%-10s yes\n", modes[i]);
        snprintf(no, sizeof(no), "%-10s no: ", modes[i]);
        cr_assert(strstr(r.out, yes) || strstr(r.out, no), "%s: %s",
                  modes[i], r.out);
    }
    cr_assert(strstr(r.out, "long       yes"), "long mode runs: %s", r.out);
    cr_assert(strstr(r.out, "compat     yes"), "compat runs here: %s", r.out);
}

Test(cli_run, control_characters_in_input_stay_on_one_line)
{
    struct skvm_result r;

    RUN(&r, "bad\nname.bin");
    cr_assert_eq(r.code, 2);
    cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
    cr_assert(strstr(r.err, "'bad?name.bin'"), "%s", r.err);
}

/* A port already taken: exit 2, one line naming it. */
Test(cli_run, gdb_port_in_use)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    char port[16];
    struct skvm_result r;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    cr_assert(listen(fd, 1) == 0);
    cr_assert(getsockname(fd, (struct sockaddr *)&a, &alen) == 0);
    snprintf(port, sizeof(port), "%u", ntohs(a.sin_port));
    RUN(&r, "--gdb", port);
    close(fd);
    cr_assert_eq(r.code, 2, "exit %d: %s", r.code, r.err);
    cr_assert(strstr(r.err, "cannot listen on 127.0.0.1"), "%s", r.err);
    cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
}
