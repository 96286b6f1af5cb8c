/* fdwrite.h - writing all of a buffer to a file descriptor, and
 * remembering when that failed.
 *
 * Every guest-output path (the console ring, putchar, print_*) writes
 * through fdwrite_all(): it retries short writes and EINTR, until a stop
 * is requested (core/stop.h: a signal or the timeout), so a reader that
 * never comes (a FIFO, a full pipe) cannot hold the process past
 * --timeout or Ctrl-C. Output that cannot be written (a full disk,
 * EPIPE, EIO) is recorded once: the run loop ends the run with it
 * (fdwrite_failed), because a run whose output was lost is not a pass.
 *
 * It also remembers the last byte written per descriptor, so the final
 * error line can start a line of its own (fdwrite_ends_line).
 */
#ifndef SKVM_CORE_FDWRITE_H
#define SKVM_CORE_FDWRITE_H

#include <stdbool.h>
#include <stddef.h>

/* 0 when all of buf was written; -1 when the write failed (recorded,
 * see fdwrite_failed) or a stop was requested first (not recorded). */
int fdwrite_all(int fd, const void *buf, size_t len);

/* The first failed write since start: its fd and errno; false if none. */
bool fdwrite_failed(int *fd, int *errnum);

/* False when the last byte written to fd by fdwrite_all was not '\n'
 * (true when nothing was written to it). */
bool fdwrite_ends_line(int fd);

#endif
