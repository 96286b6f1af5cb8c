/* console.h - guest console output on LAYOUT_PORT_CONSOLE, batched.
 *
 * Without batching every 1-byte OUT to the console port is one VM exit
 * to user space and one write(2). console_setup() asks KVM to coalesce
 * those OUTs instead (KVM_CAP_COALESCED_PIO: KVM_REGISTER_COALESCED_MMIO
 * with pio=1), so the kernel appends each byte to a ring in the vCPU
 * mapping (page KVM_COALESCED_MMIO_PAGE_OFFSET) and the guest keeps
 * running. console_drain() empties the ring to stdout in one write; the
 * run loop calls it after every KVM_RUN, before it handles the exit, so
 * ring bytes always come out before anything that exit prints, and again
 * when the run ends (halt, fault, timeout, signal). Output bytes and their
 * order are the same with and without batching.
 *
 * Ring indices are kernel-written shared memory: console_drain() checks
 * them against the ring size and stops (dropping nothing it can prove
 * valid) rather than index outside the page. A host without the
 * capability keeps the one-exit-per-byte path; that is not an error.
 */
#ifndef SKVM_CONSOLE_H
#define SKVM_CONSOLE_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct vm;

struct console {
    struct kvm_coalesced_mmio_ring *ring; /* NULL: one exit per byte */
    uint32_t ring_max;                    /* entries in the ring */
};

/* Turn batching on for vm when enable and the host can; 0 either way
 * unless a KVM call that should work fails (SKVM_HOST). */
int console_setup(struct vm *vm, bool enable, struct skvm_err *err);

/* Write whatever the ring holds to stdout, oldest first. */
void console_drain(struct vm *vm);

/* write(2) all of buf to stdout, retrying short writes and EINTR; a
 * closed stdout is ignored (the guest's run does not depend on it). */
void console_write(const uint8_t *buf, size_t len);

#endif
