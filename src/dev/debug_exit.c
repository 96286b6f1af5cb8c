/* debug_exit.c - the isa-debug-exit verdict. */
#include "dev/debug_exit.h"

#include <inttypes.h>

void debug_exit_init(struct debug_exit *d, uint32_t success)
{
    *d = (struct debug_exit){.success = success};
}

void debug_exit_reset(struct debug_exit *d)
{
    debug_exit_init(d, d->success);
}

void debug_exit_write(struct debug_exit *d, uint32_t value)
{
    d->written = true;
    d->value = value;
}

int debug_exit_result(const struct debug_exit *d, struct skvm_err *err)
{
    if (d->value == d->success)
        return 0;
    if (d->success != 0)
        return skvm_fail(err, SKVM_CHECK_FAILED,
                         "guest reported failure %" PRIu32
                         " (isa-debug-exit; --debug-exit-success is %" PRIu32
                         ")",
                         d->value, d->success);
    return skvm_fail(err, SKVM_CHECK_FAILED,
                     "guest reported failure %" PRIu32 " (isa-debug-exit)",
                     d->value);
}
