/* fdwrite.h - writing all of a buffer to a file descriptor.
 *
 * Every guest-output path (the console ring, putchar, print_*) writes
 * through fdwrite_all(): it retries short writes and EINTR, and ignores
 * an output that is gone (the guest's run does not depend on it).
 */
#ifndef SKVM_CORE_FDWRITE_H
#define SKVM_CORE_FDWRITE_H

#include <stddef.h>

void fdwrite_all(int fd, const void *buf, size_t len);

#endif
