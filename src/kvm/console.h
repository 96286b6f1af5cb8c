/* console.h - guest console output on LAYOUT_PORT_CONSOLE, batched.
 *
 * Without batching every 1-byte OUT to the console port is one VM exit
 * to user space and one write(2). Batching asks KVM to coalesce those
 * OUTs (KVM_CAP_COALESCED_PIO: KVM_REGISTER_COALESCED_MMIO with pio=1),
 * so the kernel appends each byte to a ring in the vCPU mapping (page
 * KVM_COALESCED_MMIO_PAGE_OFFSET) and the guest keeps running.
 * console_drain() empties the ring to stdout in one write; the run loop
 * calls it after every KVM_RUN, before it handles the exit, so ring bytes
 * always come out before anything that exit prints, and again when the
 * run ends (halt, fault, timeout, signal). Output bytes and their order
 * are the same with and without batching.
 *
 * The zone is registered only once the guest has sent
 * CONSOLE_COALESCE_AFTER bytes through exits (console_note_exit): on
 * kvm-pvm registering costs nothing but the VM then takes 6-20 ms longer
 * to tear down (an SRCU grace period), far more than a short greeting's
 * exits cost. A guest that prints a lot pays that once and then ~0.5 us
 * per byte instead of ~7 us.
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

/* Console bytes sent through exits before batching is turned on. */
#define CONSOLE_COALESCE_AFTER 1024

struct console {
    struct kvm_coalesced_mmio_ring *ring; /* NULL: one exit per byte */
    uint32_t ring_max;                    /* entries in the ring */
    bool wanted;   /* batching allowed and the host can do it */
    uint64_t exit_bytes; /* console bytes that came through exits */
    int out_fd;          /* where drained bytes go: stdout unless
                            console_set_output() says otherwise */
    int vm_fd;           /* the VM the zone is registered with */
    struct kvm_run *run; /* the vCPU mapping that holds the ring */
};

/* Allow batching for the VM at vm_fd, whose vCPU mapping is run
 * (run_size bytes), when enable and the host can (host_can:
 * KVM_CAP_COALESCED_PIO) and has room for the ring; never fails (the
 * slow path always works). */
int console_setup(struct console *c, int vm_fd, struct kvm_run *run,
                  size_t run_size, bool enable, bool host_can,
                  struct skvm_err *err);

/* The run loop saw `bytes` console bytes in one exit; past the threshold
 * this registers the zone (a refusal just keeps the slow path). */
void console_note_exit(struct console *c, uint32_t bytes);

/* Unregister the zone; vm_close() calls it before destroying the VM. */
void console_close(struct console *c);

/* Send drained bytes to fd (--console FILE, or stderr with --json). */
void console_set_output(struct console *c, int fd);

/* Write whatever the ring holds to the output fd, oldest first.
 * Returns the entries taken: each is a console OUT that would have been
 * an exit without batching. */
uint32_t console_drain(struct console *c);

#endif
