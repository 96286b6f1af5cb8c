/* serial.h - COM1, a 16550 UART at LAYOUT_PORT_COM1..+7, as far as
 * kernels that print on it and read from it need (README, "Devices").
 *
 * Registers (offset from the base, DLAB = LCR bit 7):
 *   0  THR (OUT): one byte to the console stream (loopback: to RBR)
 *      RBR (IN): the next input byte, 0 when there is none
 *      DLL with DLAB: stores and reads back
 *   1  IER (low 4 bits), DLM with DLAB: store and read back
 *   2  IIR (IN): 0x01, no interrupt pending (0xC1 with the FIFOs on)
 *      FCR (OUT): bit 0 turns the FIFOs on, bit 1 drops pending input
 *   3  LCR, 4 MCR (low 5 bits), 7 SCR: store and read back
 *   5  LSR (IN): THRE|TEMT always (output never waits), DR when an
 *      input byte is ready; OUT ignored
 *   6  MSR (IN): DCD|DSR|CTS (0xB0), as QEMU's; in loopback the MCR bits
 *
 * Input comes from an fd (--serial-input), polled without waiting when
 * the guest reads LSR or RBR: a guest spinning on LSR.DR costs one exit
 * per poll and ends under --timeout like any other loop. End of file
 * means no more data. Without an fd there is never data.
 *
 * The UART's registers are 8 bits wide: a 16- or 32-bit access is split
 * into bytes on consecutive ports, as the ISA bus does; bytes past
 * base+7 read 0xFF and are not written. No interrupts are raised.
 */
#ifndef SKVM_DEV_SERIAL_H
#define SKVM_DEV_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/layout.h"

#define SERIAL_PORTS 8 /* base .. base+7 */

/* Register offsets. */
enum {
    SERIAL_RBR = 0, /* THR, DLL */
    SERIAL_IER = 1, /* DLM */
    SERIAL_IIR = 2, /* FCR */
    SERIAL_LCR = 3,
    SERIAL_MCR = 4,
    SERIAL_LSR = 5,
    SERIAL_MSR = 6,
    SERIAL_SCR = 7,
};

#define SERIAL_LCR_DLAB   0x80 /* DLL/DLM instead of RBR/THR, IER */
#define SERIAL_LSR_DR     0x01 /* data ready */
#define SERIAL_LSR_THRE   0x20 /* transmit holding register empty */
#define SERIAL_LSR_TEMT   0x40 /* transmitter empty */
#define SERIAL_IIR_NO_INT 0x01 /* no interrupt pending */
#define SERIAL_IIR_FIFO   0xC0 /* FIFOs enabled */
#define SERIAL_FCR_ENABLE 0x01
#define SERIAL_FCR_CLR_RX 0x02
#define SERIAL_IER_MASK   0x0F
#define SERIAL_MCR_MASK   0x1F
#define SERIAL_MCR_DTR    0x01
#define SERIAL_MCR_RTS    0x02
#define SERIAL_MCR_OUT1   0x04
#define SERIAL_MCR_OUT2   0x08
#define SERIAL_MCR_LOOP   0x10 /* loopback: THR to RBR, MCR to MSR */
#define SERIAL_MSR_CTS    0x10
#define SERIAL_MSR_DSR    0x20
#define SERIAL_MSR_RI     0x40
#define SERIAL_MSR_DCD    0x80
#define SERIAL_MSR_IDLE   (SERIAL_MSR_DCD | SERIAL_MSR_DSR | SERIAL_MSR_CTS)
#define SERIAL_RX_MAX     16   /* the 16550's receive FIFO */

struct serial {
    /* Configuration, kept by serial_reset(): */
    int out_fd; /* the console stream */
    int in_fd;  /* --serial-input, or -1 */
    bool in_eof;
    /* Registers: */
    uint8_t dll, dlm, ier, lcr, mcr, fcr, scr;
    /* Received bytes not yet read through RBR. */
    uint8_t rx[SERIAL_RX_MAX];
    unsigned rx_head, rx_len;
    uint64_t tx_bytes, rx_bytes; /* counted for --stats */
};

/* Power-on state: output to out_fd, input from in_fd (-1: none). */
void serial_init(struct serial *s, int out_fd, int in_fd);
/* Registers back to power-on, the fds and end-of-file kept (--repeat). */
void serial_reset(struct serial *s);
/* One byte written to register `reg` (0-7). */
void serial_write(struct serial *s, unsigned reg, uint8_t value);
/* One byte read from register `reg` (0-7). */
uint8_t serial_read(struct serial *s, unsigned reg);

#endif
