/* serial.c - COM1: the 16550 registers kernels touch, output to the
 * console stream, input polled from --serial-input. */
#include "dev/serial.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "core/fdwrite.h"

#define SERIAL_FLOATING 0xFF /* what a read nothing drives returns */

void serial_init(struct serial *s, int out_fd, int in_fd)
{
    *s = (struct serial){.out_fd = out_fd, .in_fd = in_fd};
    serial_reset(s);
}

void serial_reset(struct serial *s)
{
    struct serial keep = {.out_fd = s->out_fd, .in_fd = s->in_fd,
                          .in_eof = s->in_eof};
    *s = keep;
    s->dll = 1; /* a divisor of 0 means nothing; 115200 baud */
}

/* Fill the receive FIFO from the input fd if it has bytes right now:
 * poll with no wait, so the guest never blocks the host. */
static void rx_poll(struct serial *s)
{
    struct pollfd p = {.fd = s->in_fd, .events = POLLIN};
    uint8_t buf[SERIAL_RX_MAX];
    ssize_t n;

    if (s->rx_len || s->in_fd < 0 || s->in_eof)
        return;
    if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR)))
        return;
    n = read(s->in_fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) { /* end of file, or an error: no more input */
        s->in_eof = true;
        return;
    }
    for (ssize_t i = 0; i < n; i++)
        s->rx[i] = buf[i];
    s->rx_head = 0;
    s->rx_len = (unsigned)n;
    s->rx_bytes += (uint64_t)n;
}

/* Loopback: a transmitted byte is received (one FIFO's worth). */
static void rx_push(struct serial *s, uint8_t b)
{
    if (s->rx_len == SERIAL_RX_MAX)
        return;
    if (s->rx_head + s->rx_len == SERIAL_RX_MAX) { /* compact */
        for (unsigned i = 0; i < s->rx_len; i++)
            s->rx[i] = s->rx[s->rx_head + i];
        s->rx_head = 0;
    }
    s->rx[s->rx_head + s->rx_len++] = b;
}

void serial_write(struct serial *s, unsigned reg, uint8_t value)
{
    bool dlab = s->lcr & SERIAL_LCR_DLAB;

    switch (reg) {
    case SERIAL_RBR:
        if (dlab)
            s->dll = value;
        else if (s->mcr & SERIAL_MCR_LOOP)
            rx_push(s, value);
        else {
            fdwrite_all(s->out_fd, &value, 1);
            s->tx_bytes++;
        }
        break;
    case SERIAL_IER:
        if (dlab)
            s->dlm = value;
        else
            s->ier = value & SERIAL_IER_MASK;
        break;
    case SERIAL_IIR:
        s->fcr = value & SERIAL_FCR_ENABLE;
        if (value & SERIAL_FCR_CLR_RX)
            s->rx_len = 0;
        break;
    case SERIAL_LCR:
        s->lcr = value;
        break;
    case SERIAL_MCR:
        s->mcr = value & SERIAL_MCR_MASK;
        break;
    case SERIAL_SCR:
        s->scr = value;
        break;
    default: /* LSR, MSR: read-only */
        break;
    }
}

uint8_t serial_read(struct serial *s, unsigned reg)
{
    bool dlab = s->lcr & SERIAL_LCR_DLAB;
    uint8_t b;

    switch (reg) {
    case SERIAL_RBR:
        if (dlab)
            return s->dll;
        if (!(s->mcr & SERIAL_MCR_LOOP))
            rx_poll(s);
        if (!s->rx_len)
            return 0;
        b = s->rx[s->rx_head++];
        if (--s->rx_len == 0)
            s->rx_head = 0;
        return b;
    case SERIAL_IER:
        return dlab ? s->dlm : s->ier;
    case SERIAL_IIR:
        return SERIAL_IIR_NO_INT | (s->fcr ? SERIAL_IIR_FIFO : 0);
    case SERIAL_LCR:
        return s->lcr;
    case SERIAL_MCR:
        return s->mcr;
    case SERIAL_LSR:
        if (!(s->mcr & SERIAL_MCR_LOOP))
            rx_poll(s);
        return SERIAL_LSR_THRE | SERIAL_LSR_TEMT |
               (s->rx_len ? SERIAL_LSR_DR : 0);
    case SERIAL_MSR:
        if (s->mcr & SERIAL_MCR_LOOP) /* the outputs wired to the inputs */
            return (uint8_t)((s->mcr & SERIAL_MCR_RTS ? SERIAL_MSR_CTS : 0) |
                             (s->mcr & SERIAL_MCR_DTR ? SERIAL_MSR_DSR : 0) |
                             (s->mcr & SERIAL_MCR_OUT1 ? SERIAL_MSR_RI : 0) |
                             (s->mcr & SERIAL_MCR_OUT2 ? SERIAL_MSR_DCD : 0));
        return SERIAL_MSR_IDLE;
    case SERIAL_SCR:
        return s->scr;
    default: /* not a register (callers pass 0-7): a floating bus */
        return SERIAL_FLOATING;
    }
}
