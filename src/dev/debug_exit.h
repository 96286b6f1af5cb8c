/* debug_exit.h - QEMU's isa-debug-exit at LAYOUT_PORT_DEBUG_EXIT: an OUT
 * of any width ends the run at once with the value written (zero-extended;
 * `rep outs` takes its first item). Test frameworks end this way
 * (kvm-unit-tests writes 0 for pass).
 *
 * The verdict: the value equal to the success value passes (exit 0),
 * every other value fails (exit 1, "guest reported failure V
 * (isa-debug-exit)"). The success value is 0 unless --debug-exit-success
 * V says otherwise; then V alone passes and 0 fails like any other. IN
 * from the port is not the device's (an unknown port, as on QEMU, where
 * the port is write-only).
 */
#ifndef SKVM_DEV_DEBUG_EXIT_H
#define SKVM_DEV_DEBUG_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct debug_exit {
    uint32_t success; /* the value that passes */
    bool written;     /* the guest ended the run here */
    uint32_t value;   /* what it wrote */
};

void debug_exit_init(struct debug_exit *d, uint32_t success);
/* Forget a previous run's value, keep the success value (--repeat). */
void debug_exit_reset(struct debug_exit *d);
void debug_exit_write(struct debug_exit *d, uint32_t value);
/* After a write: 0 when the value passes, else -1 with
 * SKVM_CHECK_FAILED naming the value. */
int debug_exit_result(const struct debug_exit *d, struct skvm_err *err);

#endif
