/* fdwrite.c - write(2) until done (see fdwrite.h). */
#include "core/fdwrite.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

void fdwrite_all(int fd, const void *data, size_t len)
{
    const uint8_t *buf = data;

    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* output gone: the guest's run is unaffected */
        buf += n;
        len -= (size_t)n;
    }
}
