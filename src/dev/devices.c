/* devices.c - the port table and the dispatch of one port I/O exit to
 * the device that claims it. */
#include "dev/devices.h"

#include <inttypes.h>
#include <stdio.h>

#include "core/layout.h"

#define BITS_PER_BYTE 8u
#define ALL_ONES 0xFFu /* a byte no register answers */

static const struct dev_ports ports[] = {
    {LAYOUT_PORT_COM1, LAYOUT_PORT_COM1 + SERIAL_PORTS - 1, DEV_OUT | DEV_IN,
     DEV_COM1},
    {LAYOUT_PORT_DEBUG_EXIT, LAYOUT_PORT_DEBUG_EXIT, DEV_OUT, DEV_DEBUG_EXIT},
    {LAYOUT_PORT_FW_CFG_SEL, LAYOUT_PORT_FW_CFG_SEL, DEV_OUT, DEV_FW_CFG},
    {LAYOUT_PORT_FW_CFG_DATA, LAYOUT_PORT_FW_CFG_DATA, DEV_OUT | DEV_IN,
     DEV_FW_CFG},
    {LAYOUT_PORT_CRTC_INDEX, LAYOUT_PORT_CRTC_INDEX + VGA_CRTC_PORTS - 1,
     DEV_OUT | DEV_IN, DEV_VGA},
    {LAYOUT_PORT_SYSCTL_A, LAYOUT_PORT_SYSCTL_A, DEV_OUT | DEV_IN, DEV_PORT92},
    {LAYOUT_PORT_I8042_DATA, LAYOUT_PORT_I8042_DATA, DEV_OUT | DEV_IN,
     DEV_I8042},
    {LAYOUT_PORT_I8042_CMD, LAYOUT_PORT_I8042_CMD, DEV_OUT | DEV_IN,
     DEV_I8042},
};
#define N_PORTS (sizeof(ports) / sizeof(ports[0]))

static const char *const names[DEV_N] = {
    [DEV_COM1] = "com1",
    [DEV_DEBUG_EXIT] = "isa-debug-exit",
    [DEV_FW_CFG] = "fw_cfg",
    [DEV_VGA] = "vga",
    [DEV_PORT92] = "port92",
    [DEV_I8042] = "i8042",
};

const struct dev_ports *dev_ports(size_t i)
{
    return i < N_PORTS ? &ports[i] : NULL;
}

const char *dev_name(enum dev_id dev)
{
    return (unsigned)dev < DEV_N ? names[dev] : NULL;
}

int devices_claim(uint16_t port, uint8_t dir)
{
    for (size_t i = 0; i < N_PORTS; i++)
        if (port >= ports[i].first && port <= ports[i].last &&
            (ports[i].dirs & dir))
            return (int)ports[i].dev;
    return -1;
}

void devices_init(struct devices *d, const struct dev_config *cfg)
{
    *d = (struct devices){0};
    serial_init(&d->com1, cfg->out_fd, cfg->serial_in_fd);
    debug_exit_init(&d->debug_exit, cfg->debug_exit_success);
    fw_cfg_init(&d->fw_cfg, cfg->ram_size);
    vga_crtc_init(&d->crtc);
    port92_init(&d->port92);
    i8042_init(&d->i8042);
}

void devices_reset(struct devices *d)
{
    serial_reset(&d->com1);
    debug_exit_reset(&d->debug_exit);
    fw_cfg_reset(&d->fw_cfg);
    vga_crtc_init(&d->crtc);
    port92_init(&d->port92);
    i8042_init(&d->i8042);
    for (unsigned i = 0; i < DEV_N; i++)
        d->accesses[i] = 0;
}

/* One byte on an 8-bit register port; `port` may be past the device's
 * last port (the top bytes of a wide access): reads all ones, writes
 * vanish. *reset is set when the byte resets the machine. */
static uint8_t byte_io(struct devices *d, enum dev_id dev, uint16_t port,
                       bool out, uint8_t value, bool *reset)
{
    switch (dev) {
    case DEV_COM1:
        if ((unsigned)(port - LAYOUT_PORT_COM1) >= SERIAL_PORTS)
            break;
        if (out)
            serial_write(&d->com1, port - LAYOUT_PORT_COM1, value);
        else
            return serial_read(&d->com1, port - LAYOUT_PORT_COM1);
        return 0;
    case DEV_VGA:
        if ((unsigned)(port - LAYOUT_PORT_CRTC_INDEX) >= VGA_CRTC_PORTS)
            break;
        if (out)
            vga_crtc_write(&d->crtc, port - LAYOUT_PORT_CRTC_INDEX, value);
        else
            return vga_crtc_read(&d->crtc, port - LAYOUT_PORT_CRTC_INDEX);
        return 0;
    case DEV_PORT92:
        if (port != LAYOUT_PORT_SYSCTL_A)
            break;
        if (out)
            *reset = port92_write(&d->port92, value);
        else
            return port92_read(&d->port92);
        return 0;
    case DEV_I8042:
        if (port != LAYOUT_PORT_I8042_DATA && port != LAYOUT_PORT_I8042_CMD)
            break;
        if (out)
            *reset = i8042_write(&d->i8042, port - LAYOUT_PORT_I8042_DATA,
                                 value);
        else
            return i8042_read(&d->i8042, port - LAYOUT_PORT_I8042_DATA);
        return 0;
    default:
        break;
    }
    return ALL_ONES;
}

/* One item (size bytes at data) of an access to `port`. */
static int item_io(struct devices *d, enum dev_id dev, uint16_t port,
                   bool out, uint8_t size, uint8_t *data)
{
    uint32_t value = 0;

    switch (dev) {
    case DEV_DEBUG_EXIT: /* OUT only (the table says) */
        for (unsigned i = size; i-- > 0;)
            value = value << BITS_PER_BYTE | data[i];
        debug_exit_write(&d->debug_exit, value);
        return DEV_EXITED;
    case DEV_FW_CFG:
        if (port == LAYOUT_PORT_FW_CFG_SEL) {
            fw_cfg_select(&d->fw_cfg,
                          (uint16_t)(data[0] |
                                     (size > 1 ? data[1] << BITS_PER_BYTE
                                               : 0)));
        } else if (!out) {
            for (unsigned i = 0; i < size; i++)
                data[i] = fw_cfg_read(&d->fw_cfg);
        } /* data-port writes: ignored */
        return DEV_CONTINUE;
    default:
        for (unsigned i = 0; i < size; i++) {
            bool reset = false;
            uint8_t b = byte_io(d, dev, (uint16_t)(port + i), out, data[i],
                                &reset);
            if (!out)
                data[i] = b;
            if (reset)
                return DEV_EXITED;
        }
        return DEV_CONTINUE;
    }
}

int devices_dispatch(struct devices *d, struct kvm_run *run, size_t run_size,
                     struct skvm_err *err)
{
    uint64_t off;
    uint8_t dir, size;
    uint32_t count;
    int dev;

    if (run_size < sizeof(*run) || run->exit_reason != KVM_EXIT_IO)
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "device dispatch without a KVM_EXIT_IO");
    dir = run->io.direction;
    size = run->io.size;
    count = run->io.count;
    off = run->io.data_offset;
    if ((dir != KVM_EXIT_IO_IN && dir != KVM_EXIT_IO_OUT) ||
        (size != 1 && size != 2 && size != 4) || count == 0)
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "KVM_EXIT_IO with direction %u, size %u, count %u "
                         "on port 0x%x",
                         dir, size, count, run->io.port);
    /* KVM fills these, but never index the shared page unchecked. */
    if (off > run_size || (uint64_t)size * count > run_size - off)
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "KVM_EXIT_IO data outside the kvm_run page");
    dev = devices_claim(run->io.port,
                        dir == KVM_EXIT_IO_OUT ? DEV_OUT : DEV_IN);
    if (dev < 0)
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "no device claims port 0x%x", run->io.port);
    d->accesses[dev]++;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *item = (uint8_t *)run + off + (size_t)i * size;
        if (item_io(d, (enum dev_id)dev, run->io.port,
                    dir == KVM_EXIT_IO_OUT, size, item) == DEV_EXITED)
            return DEV_EXITED; /* the rest of a string is not sent */
    }
    return DEV_CONTINUE;
}

int devices_exit_result(const struct devices *d, struct skvm_err *err)
{
    if (d->port92.reset || d->i8042.reset)
        return 0;
    return debug_exit_result(&d->debug_exit, err);
}

bool devices_reset_note(const struct devices *d, char *buf, size_t len)
{
    if (!d->port92.reset && !d->i8042.reset)
        return false;
    snprintf(buf, len, "the guest reset the machine through %s: run ended",
             d->port92.reset ? "port 0x92 bit 0 (fast reset)"
                             : "the 8042 keyboard controller's reset line");
    return true;
}

bool devices_a20_note(const struct devices *d, char *buf, size_t len)
{
    uint64_t n = (uint64_t)d->port92.a20_off + d->i8042.a20_off;

    if (!n)
        return false;
    snprintf(buf, len,
             "the guest tried to turn A20 off %" PRIu64
             " time%s (port 0x92 or the 8042): A20 is always on in this VM",
             n, n == 1 ? "" : "s");
    return true;
}
