/* filein.h - reading a whole input file (a guest image, a disk image)
 * the one careful way: never waiting on a FIFO or a terminal (O_NONBLOCK,
 * O_NOCTTY), regular files only, every size decided by the caller before
 * a byte is allocated, short reads and EINTR retried, a file that shrinks
 * meanwhile refused. Errors are SKVM_USAGE and name the file as `what`
 * ("guest image", "disk image").
 */
#ifndef SKVM_CORE_FILEIN_H
#define SKVM_CORE_FILEIN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Given the file's size (and its open fd, e.g. to pread a magic), refuse
 * it (-1 with err set) or set *alloc to the buffer size to read it into
 * (>= size; the bytes past the file are zero). */
typedef int (*filein_size_rule)(void *ctx, int fd, uint64_t size,
                                uint64_t *alloc, struct skvm_err *err);

/* The whole file at path, in a malloc'd buffer the caller frees: *data,
 * with *size the file's bytes and *alloc the buffer's. */
int filein_read(const char *path, const char *what, filein_size_rule rule,
                void *ctx, uint8_t **data, size_t *size, size_t *alloc,
                struct skvm_err *err);

#endif
