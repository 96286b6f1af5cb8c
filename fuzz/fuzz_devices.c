/* fuzz_devices.c - libFuzzer target: the devices by convention (src/dev/),
 * no KVM.
 *
 * The input is a list of port I/O exits, each written into a synthetic
 * kvm_run page as KVM would not be trusted to (random direction, size,
 * count, data_offset) and given to devices_dispatch() the way the run
 * loop does (only ports devices_claim() names; a few unclaimed ones too,
 * which must be refused), then the rest is the VGA text buffer, read and
 * rendered with and without colours. Dispatch must return DEV_CONTINUE,
 * DEV_EXITED (a reset through port92 or the i8042 passes; an exit value
 * is judged) or -1 with a one-line guest fault and touch nothing outside
 * the run page (a heap block of its exact size: ASan sees a stray byte).
 * COM1 writes to /dev/null and reads /dev/null (end of file).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/layout.h"
#include "dev/devices.h"

#define MAX_EXITS     32
#define RUN_EXTRA_MAX 8192u /* the run mapping is larger than kvm_run */
#define EXIT_DATA     8     /* payload bytes copied per exit */
#define RAM_SIZE      (LAYOUT_VGA_TEXT_BASE + VGA_TEXT_SIZE)

struct exit_rec {
    uint8_t port_pick; /* a device port (index into the table) or random */
    uint8_t port_low;  /* offset within the row, or the low byte */
    uint8_t direction, size;
    uint16_t count;
    uint16_t data_offset;
    uint8_t data[EXIT_DATA];
};

/* A port the table claims (most of the time), or any port. */
static uint16_t pick_port(const struct exit_rec *r)
{
    size_t rows = 0;
    const struct dev_ports *p;

    while (dev_ports(rows))
        rows++;
    if (r->port_pick >= 0xF0) /* anything: the dispatcher must refuse */
        return (uint16_t)(r->port_pick << 8 | r->port_low);
    p = dev_ports(r->port_pick % rows);
    return (uint16_t)(p->first + r->port_low % (p->last - p->first + 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int out_fd = -1, in_fd = -1;
    static FILE *sink;
    static uint8_t *ram; /* guest RAM up to the end of the text buffer */
    static struct devices devs;
    struct exit_rec recs[MAX_EXITS];
    struct skvm_err err;
    struct kvm_run *run;
    size_t run_size, n;
    struct guestmem mem;
    struct vga_screen screen;

    if (out_fd < 0) {
        out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        sink = fopen("/dev/null", "w");
        ram = calloc(1, RAM_SIZE);
        if (out_fd < 0 || in_fd < 0 || !sink || !ram)
            abort();
    }
    if (size < 2)
        return 0;
    run_size = sizeof(*run) + (data[0] | data[1] << 8) % RUN_EXTRA_MAX;
    data += 2;
    size -= 2;
    n = size / sizeof(recs[0]);
    if (n > MAX_EXITS)
        n = MAX_EXITS;
    memcpy(recs, data, n * sizeof(recs[0]));
    data += n * sizeof(recs[0]);
    size -= n * sizeof(recs[0]);

    run = calloc(1, run_size);
    if (!run)
        abort();
    devices_init(&devs, &(struct dev_config){.out_fd = out_fd,
                                             .serial_in_fd = in_fd,
                                             .ram_size = RAM_SIZE,
                                             .debug_exit_success = 0});
    for (size_t i = 0; i < n; i++) {
        const struct exit_rec *r = &recs[i];
        memset(run, 0, run_size);
        run->exit_reason = KVM_EXIT_IO;
        run->io.port = pick_port(r);
        run->io.direction = r->direction % 3; /* 2: neither IN nor OUT */
        run->io.size = r->size % 5;
        run->io.count = r->count % 17; /* up to a FIFO and one */
        run->io.data_offset = r->data_offset;
        if ((uint64_t)run->io.data_offset + EXIT_DATA <= run_size)
            memcpy((uint8_t *)run + run->io.data_offset, r->data, EXIT_DATA);
        int rc = devices_dispatch(&devs, run, run_size, &err);
        if (rc != DEV_CONTINUE && rc != DEV_EXITED &&
            !(rc == -1 && err.status == SKVM_GUEST_FAULT))
            abort();
        if (rc == DEV_EXITED) { /* a reset passes, else the exit value */
            int v = devices_exit_result(&devs, &err);
            if ((v == 0) != (devs.port92.reset || devs.i8042.reset ||
                             devs.debug_exit.value == 0))
                abort();
        }
    }
    free(run);

    /* The screen: the rest of the input over the text buffer. */
    mem = (struct guestmem){.host = ram, .size = RAM_SIZE};
    memset(ram + LAYOUT_VGA_TEXT_BASE, 0, VGA_TEXT_SIZE);
    memcpy(ram + LAYOUT_VGA_TEXT_BASE, data,
           size < VGA_TEXT_SIZE ? size : VGA_TEXT_SIZE);
    if (vga_screen_read(&screen, &mem, &devs.crtc) < 0)
        abort();
    vga_render(&screen, false, sink);
    vga_render(&screen, true, sink);
    char row[VGA_ROW_TEXT_MAX];
    for (unsigned r = 0; r < VGA_ROWS; r++)
        if (vga_row_text(&screen, r, row) >= sizeof(row))
            abort();
    return 0;
}
