/* filein.c - a whole input file, read carefully (see filein.h). */
#include "core/filein.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int filein_read(const char *path, const char *what, filein_size_rule rule,
                void *ctx, uint8_t **data, size_t *size, size_t *alloc,
                struct skvm_err *err)
{
    struct stat st;
    uint64_t want = 0;
    uint8_t *buf = NULL;
    size_t got = 0;
    int fd;

    *data = NULL;
    *size = *alloc = 0;
    /* O_NONBLOCK: a FIFO must be refused, not waited on. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return skvm_fail(err, SKVM_USAGE, "cannot open %s '%s': %s", what,
                         path, strerror(errno));
    if (fstat(fd, &st) < 0) {
        skvm_fail(err, SKVM_USAGE, "cannot stat %s '%s': %s", what, path,
                  strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        skvm_fail(err, SKVM_USAGE, "%s '%s' is not a regular file", what,
                  path);
        goto fail;
    }
    if (rule(ctx, fd, (uint64_t)st.st_size, &want, err) < 0)
        goto fail;
    if (want < (uint64_t)st.st_size || want > SIZE_MAX ||
        !(buf = calloc(1, want ? (size_t)want : 1))) {
        skvm_fail(err, SKVM_USAGE, "out of memory reading '%s'", path);
        goto fail;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            skvm_fail(err, SKVM_USAGE, "cannot read %s '%s': %s", what, path,
                      n < 0 ? strerror(errno) : "file shrank");
            goto fail;
        }
        got += (size_t)n;
    }
    close(fd);
    *data = buf;
    *size = got;
    *alloc = (size_t)want;
    return 0;
fail:
    free(buf);
    close(fd);
    return -1;
}
