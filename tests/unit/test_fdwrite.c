/* test_fdwrite.c - the console's line buffer (src/core/fdwrite.h) on
 * pipes, no /dev/kvm: held bytes wait for a newline, a full buffer, a
 * write elsewhere or a release, and never change order.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "core/fdwrite.h"

/* What the pipe holds now (non-blocking read), NUL-terminated. */
static const char *drain(int fd)
{
    static char buf[3 * FDWRITE_HOLD_MAX];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);

    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static void pipe_nb(int p[2])
{
    cr_assert_eq(pipe(p), 0);
    cr_assert_eq(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
}

Test(fdwrite, held_until_newline_or_release)
{
    int p[2];

    pipe_nb(p);
    cr_assert_eq(fdwrite_held(p[1], "ab", 2), 0);
    cr_assert_eq(fdwrite_held(p[1], "c", 1), 0);
    cr_assert_str_eq(drain(p[0]), "", "a partial line waits");
    cr_assert(!fdwrite_ends_line(p[1]), "it counts as written");
    cr_assert_eq(fdwrite_held(p[1], "d\n", 2), 0);
    cr_assert_str_eq(drain(p[0]), "abcd\n", "a newline lets it out");
    cr_assert(fdwrite_ends_line(p[1]));
    cr_assert_eq(fdwrite_held(p[1], "xy", 2), 0);
    cr_assert_eq(fdwrite_release(), 0);
    cr_assert_str_eq(drain(p[0]), "xy", "and so does a release");
    cr_assert_eq(fdwrite_release(), 0, "nothing held: nothing to do");
}

Test(fdwrite, other_writes_never_overtake)
{
    int a[2], b[2];

    pipe_nb(a);
    pipe_nb(b);
    fdwrite_held(a[1], "held", 4);
    cr_assert_eq(fdwrite_all(a[1], "+all", 4), 0);
    cr_assert_str_eq(drain(a[0]), "held+all", "same fd: in order");
    fdwrite_held(a[1], "one", 3);
    fdwrite_held(b[1], "two", 3);
    cr_assert_str_eq(drain(a[0]), "one", "another fd releases first");
    fdwrite_all(b[1], "!", 1);
    cr_assert_str_eq(drain(b[0]), "two!");
}

Test(fdwrite, full_buffer_goes_out)
{
    static char big[FDWRITE_HOLD_MAX + 10];
    int p[2];

    pipe_nb(p);
    memset(big, 'x', sizeof(big));
    fdwrite_held(p[1], big, 10);
    fdwrite_held(p[1], big, FDWRITE_HOLD_MAX - 5); /* would not fit */
    cr_assert_eq(strlen(drain(p[0])), 10, "what was held went first");
    fdwrite_release();
    cr_assert_eq(strlen(drain(p[0])), FDWRITE_HOLD_MAX - 5);
    fdwrite_held(p[1], big, sizeof(big)); /* larger than the buffer */
    cr_assert_eq(strlen(drain(p[0])), sizeof(big), "written at once");
}
