/* fdwrite.c - write(2) until done or stopped (see fdwrite.h). */
#include "core/fdwrite.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "core/stop.h"

/* Descriptors whose last byte is remembered; others always "end a
 * line". Guest output goes to stdout, stderr or one --console file. */
#define FDWRITE_TRACKED 64

static bool open_line[FDWRITE_TRACKED]; /* last byte was not '\n' */
static int failed_fd = -1, failed_errno;
static struct {
    int fd;
    size_t len;
    uint8_t bytes[FDWRITE_HOLD_MAX];
} held;

static int write_all(int fd, const uint8_t *buf, size_t len);

int fdwrite_release(void)
{
    size_t len = held.len;

    if (len == 0)
        return 0;
    held.len = 0;
    return write_all(held.fd, held.bytes, len);
}

int fdwrite_held(int fd, const void *data, size_t len)
{
    const uint8_t *buf = data;

    if (len == 0)
        return 0;
    if ((held.len && held.fd != fd) || len > sizeof(held.bytes) - held.len) {
        int rc = fdwrite_release();
        if (len > sizeof(held.bytes))
            return rc < 0 ? rc : fdwrite_all(fd, buf, len);
    }
    memcpy(held.bytes + held.len, buf, len);
    held.len += len;
    held.fd = fd;
    if (fd >= 0 && fd < FDWRITE_TRACKED)
        open_line[fd] = buf[len - 1] != '\n';
    return buf[len - 1] == '\n' ? fdwrite_release() : 0;
}

int fdwrite_all(int fd, const void *data, size_t len)
{
    if (len == 0)
        return 0;
    if (fdwrite_release() < 0 && failed_fd == fd)
        return -1;
    return write_all(fd, data, len);
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
    if (fd >= 0 && fd < FDWRITE_TRACKED)
        open_line[fd] = buf[len - 1] != '\n';
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) {
            if (stop_requested())
                return -1; /* the caller's stop check says why */
            continue;
        }
        if (n <= 0) {
            if (failed_fd < 0) {
                failed_fd = fd;
                failed_errno = n < 0 ? errno : EIO;
            }
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

bool fdwrite_failed(int *fd, int *errnum)
{
    if (failed_fd < 0)
        return false;
    *fd = failed_fd;
    *errnum = failed_errno;
    return true;
}

bool fdwrite_ends_line(int fd)
{
    return fd < 0 || fd >= FDWRITE_TRACKED || !open_line[fd];
}
