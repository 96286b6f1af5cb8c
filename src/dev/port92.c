/* port92.c - System Control Port A: A20 always on, bit 0 resets. */
#include "dev/port92.h"

void port92_init(struct port92 *p)
{
    *p = (struct port92){0};
}

uint8_t port92_read(const struct port92 *p)
{
    return (uint8_t)((p->value & ~PORT92_RESET) | PORT92_A20);
}

bool port92_write(struct port92 *p, uint8_t value)
{
    p->value = value & (uint8_t)~PORT92_RESET;
    if (value & PORT92_RESET) /* `out 0x92, 1` resets; A20 is moot */
        return p->reset = true;
    if (!(value & PORT92_A20))
        p->a20_off++;
    return false;
}
