/* i8042.c - the 8042's commands, answered at once. */
#include "dev/i8042.h"

void i8042_init(struct i8042 *k)
{
    *k = (struct i8042){.cmd_byte = I8042_CB_POWER_ON,
                        .out_port = I8042_OUT_POWER_ON};
}

static void answer(struct i8042 *k, uint8_t v)
{
    k->answer = v;
    k->obf = true;
}

uint8_t i8042_read(struct i8042 *k, unsigned reg)
{
    if (reg == I8042_REG_DATA) {
        k->obf = false;
        return k->answer;
    }
    return (uint8_t)((k->obf ? I8042_STATUS_OBF : 0) |
                     (k->cmd_byte & I8042_CB_SYS ? I8042_STATUS_SYS : 0) |
                     (k->last_cmd ? I8042_STATUS_CMD : 0) |
                     I8042_STATUS_UNLOCKED);
}

/* A new output port value: A20 stays on; reset line low resets. */
static bool write_out_port(struct i8042 *k, uint8_t v)
{
    if (!(v & I8042_OUT_RESET))
        return k->reset = true;
    if (!(v & I8042_OUT_A20))
        k->a20_off++;
    k->out_port = v | I8042_OUT_A20;
    return false;
}

static bool command(struct i8042 *k, uint8_t c)
{
    k->pending = 0;
    switch (c) {
    case I8042_CMD_READ_CB:
        answer(k, k->cmd_byte);
        break;
    case I8042_CMD_WRITE_CB:
    case I8042_CMD_WRITE_OUT:
        k->pending = c;
        break;
    case I8042_CMD_SELF_TEST:
        answer(k, I8042_SELF_TEST_OK);
        break;
    case I8042_CMD_KBD_TEST:
        answer(k, I8042_KBD_TEST_OK);
        break;
    case I8042_CMD_KBD_OFF:
        k->cmd_byte |= I8042_CB_KBD_OFF;
        break;
    case I8042_CMD_KBD_ON:
        k->cmd_byte &= (uint8_t)~I8042_CB_KBD_OFF;
        break;
    case I8042_CMD_READ_OUT:
        answer(k, k->out_port);
        break;
    case I8042_CMD_A20_OFF:
        k->a20_off++;
        break;
    case I8042_CMD_A20_ON:
        break;
    default:
        /* Pulse: a 0 in the low nibble pulses that line; bit 0 is reset. */
        if (c >= I8042_CMD_PULSE && !(c & I8042_OUT_RESET))
            return k->reset = true;
        break; /* anything else: accepted, ignored */
    }
    return false;
}

bool i8042_write(struct i8042 *k, unsigned reg, uint8_t value)
{
    uint8_t p = k->pending;

    k->last_cmd = reg == I8042_REG_CMD;
    if (reg == I8042_REG_CMD)
        return command(k, value);
    k->pending = 0;
    if (p == I8042_CMD_WRITE_CB)
        k->cmd_byte = value;
    else if (p == I8042_CMD_WRITE_OUT)
        return write_out_port(k, value);
    return false; /* a byte for the keyboard: none there */
}
