/* i8042.h - the 8042 keyboard controller's A20 and reset lines, at
 * LAYOUT_PORT_I8042_DATA (0x60) and LAYOUT_PORT_I8042_CMD (0x64), as
 * boot sectors drive it to enable A20.
 *
 * The controller works instantly: the input buffer is never full (status
 * bit 1 always 0, so IBF polling loops end at once), and a command's
 * answer is at 0x60 at once with status bit 0 (OBF) set until read.
 *
 *   IN 0x64   status: OBF (answer pending), system flag (command byte
 *             bit 2), CMD/DATA (the last write was to 0x64), unlocked
 *   OUT 0x64  command:
 *     0x20    read the command byte        0x60  write it (next 0x60 byte)
 *     0xAA    self test: answers 0x55      0xAB  keyboard test: 0x00
 *     0xAD    disable the keyboard         0xAE  enable it (command byte
 *                                                bit 4)
 *     0xD0    read the output port         0xD1  write it (next 0x60 byte)
 *     0xDD    A20 off (cannot: see below)  0xDF  A20 on
 *     0xF0-0xFF  pulse output lines for those with bit clear: 0xFE (bit 0
 *             clear) pulses reset
 *     others  accepted and ignored
 *   IN 0x60   the pending answer (OBF cleared), else the last value read
 *   OUT 0x60  the byte a 0x60/0xD1 command waits for; otherwise a byte
 *             for the keyboard, which is not there: dropped. Keys reach a
 *             boot sector through int 0x16 (the BIOS asks the host), never
 *             through this port.
 *
 * Output port: bit 0 is the reset line (0 = reset: ends the run as int
 * 0x19 does, exit 0, a note on stderr), bit 1 the A20 gate. A20 is
 * always on in this VM (dev/port92.h says why): bit 1 reads 1, and a
 * try to turn it off is counted for a note at the end. No interrupts.
 */
#ifndef SKVM_DEV_I8042_H
#define SKVM_DEV_I8042_H

#include <stdbool.h>
#include <stdint.h>

#define I8042_STATUS_OBF 0x01u      /* output buffer full: answer at 0x60 */
#define I8042_STATUS_IBF 0x02u      /* input buffer full: never, here */
#define I8042_STATUS_SYS 0x04u      /* system flag (command byte bit 2) */
#define I8042_STATUS_CMD 0x08u      /* last write was a command (0x64) */
#define I8042_STATUS_UNLOCKED 0x10u /* keyboard not inhibited */

#define I8042_CB_SYS 0x04u        /* command byte: system flag */
#define I8042_CB_KBD_OFF 0x10u    /* command byte: keyboard clock off */
#define I8042_CB_POWER_ON 0x44u   /* translation, system flag; no IRQs */

#define I8042_OUT_RESET 0x01u     /* output port: reset line (0 resets) */
#define I8042_OUT_A20 0x02u       /* output port: A20 gate */
#define I8042_OUT_POWER_ON 0x03u

enum {
    I8042_CMD_READ_CB = 0x20,
    I8042_CMD_WRITE_CB = 0x60,
    I8042_CMD_SELF_TEST = 0xAA,
    I8042_CMD_KBD_TEST = 0xAB,
    I8042_CMD_KBD_OFF = 0xAD,
    I8042_CMD_KBD_ON = 0xAE,
    I8042_CMD_READ_OUT = 0xD0,
    I8042_CMD_WRITE_OUT = 0xD1,
    I8042_CMD_A20_OFF = 0xDD,
    I8042_CMD_A20_ON = 0xDF,
    I8042_CMD_PULSE = 0xF0, /* 0xF0-0xFF: low nibble, 0 bits pulse */
};

#define I8042_SELF_TEST_OK 0x55u
#define I8042_KBD_TEST_OK 0x00u

struct i8042 {
    uint8_t cmd_byte;
    uint8_t out_port;   /* as written; reads with A20 and reset high */
    uint8_t pending;    /* the command waiting for its 0x60 byte, or 0 */
    uint8_t answer;     /* the last value for 0x60 */
    bool obf;           /* answer not read yet */
    bool last_cmd;      /* the last write was to 0x64 */
    bool reset;         /* the guest reset the machine here */
    uint32_t a20_off;   /* tries to turn A20 off */
};

void i8042_init(struct i8042 *k);
/* reg 0 = data (0x60), 4 = status/command (0x64). */
uint8_t i8042_read(struct i8042 *k, unsigned reg);
/* Returns true when the write resets the machine. */
bool i8042_write(struct i8042 *k, unsigned reg, uint8_t value);

#define I8042_REG_DATA 0u
#define I8042_REG_CMD 4u

#endif
