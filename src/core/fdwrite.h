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
 *
 * fdwrite_held() is the console's line buffer: bytes that do not end a
 * line may wait (one buffer, FDWRITE_HOLD_MAX bytes) until a newline,
 * a full buffer, the next fdwrite_all() or fdwrite_held() to another
 * descriptor, or fdwrite_release(), which the run loop calls at every
 * exit that is not a console byte and when a run ends. A guest printing
 * a line one OUT at a time thus costs one write(2), not one per byte;
 * a partial line waits at most until the guest's next exit of another
 * kind (as bytes KVM batches do, kvm/console.h).
 */
#ifndef SKVM_CORE_FDWRITE_H
#define SKVM_CORE_FDWRITE_H

#include <stdbool.h>
#include <stddef.h>

/* 0 when all of buf was written; -1 when the write failed (recorded,
 * see fdwrite_failed) or a stop was requested first (not recorded). */
int fdwrite_all(int fd, const void *buf, size_t len);

/* As fdwrite_all, possibly later (see above); 0 when written or held. */
int fdwrite_held(int fd, const void *buf, size_t len);

/* Write what fdwrite_held() holds; -1 as fdwrite_all. */
int fdwrite_release(void);

#define FDWRITE_HOLD_MAX 4096

/* The first failed write since start: its fd and errno; false if none. */
bool fdwrite_failed(int *fd, int *errnum);

/* False when the last byte written to fd by fdwrite_all was not '\n'
 * (true when nothing was written to it). */
bool fdwrite_ends_line(int fd);

#endif
