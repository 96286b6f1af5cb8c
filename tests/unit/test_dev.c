/* test_dev.c - the devices by convention (src/dev/) without KVM.
 *
 * Suite dev (meson test dev): each device's state machine (port92 and
 * the i8042: A20 always on, their reset lines, --repeat's reset), the
 * port table against the hypercall map, devices_dispatch() on a
 * synthetic kvm_run page (as test_hypercall.c does), and the VGA
 * renderer on a plain guest-memory buffer, its whole output compared.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/guestmem.h"
#include "core/layout.h"
#include "core/portmap.h"
#include "dev/devices.h"

#define RUN_SIZE 8192 /* two pages, like KVM_GET_VCPU_MMAP_SIZE here */
#define DATA_OFF 4096 /* KVM_PIO_PAGE_OFFSET */
#define MEM_SIZE (UINT64_C(2) << 20)
#define COM1 LAYOUT_PORT_COM1

static _Alignas(8) uint8_t run_buf[RUN_SIZE];
static struct kvm_run *run = (struct kvm_run *)run_buf;
static struct devices devs;
static struct skvm_err err;
static int out_pipe[2], in_pipe[2];

static void setup(void)
{
    cr_assert(pipe(out_pipe) == 0 && pipe(in_pipe) == 0);
    fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
    devices_init(&devs, &(struct dev_config){.out_fd = out_pipe[1],
                                             .serial_in_fd = in_pipe[0],
                                             .ram_size = MEM_SIZE});
    memset(run_buf, 0, sizeof(run_buf));
    memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
    close(out_pipe[0]);
    close(out_pipe[1]);
    close(in_pipe[0]);
    if (in_pipe[1] >= 0)
        close(in_pipe[1]);
}

TestSuite(dev, .init = setup, .fini = teardown);

/* What COM1 wrote so far. */
static const char *console(void)
{
    static char buf[256];
    ssize_t n = read(out_pipe[0], buf, sizeof(buf) - 1);

    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static int io(uint16_t port, uint8_t dir, uint8_t size, uint32_t count,
              const void *data)
{
    run->exit_reason = KVM_EXIT_IO;
    run->io.port = port;
    run->io.direction = dir;
    run->io.size = size;
    run->io.count = count;
    run->io.data_offset = DATA_OFF;
    if (data)
        memcpy(run_buf + DATA_OFF, data, (size_t)size * count);
    else
        memset(run_buf + DATA_OFF, 0xEE, (size_t)size * count);
    return devices_dispatch(&devs, run, RUN_SIZE, &err);
}

static void outb(uint16_t port, uint8_t v)
{
    cr_assert_eq(io(port, KVM_EXIT_IO_OUT, 1, 1, &v), DEV_CONTINUE, "%s",
                 err.msg);
}

static uint8_t inb(uint16_t port)
{
    cr_assert_eq(io(port, KVM_EXIT_IO_IN, 1, 1, NULL), DEV_CONTINUE, "%s",
                 err.msg);
    return run_buf[DATA_OFF];
}

Test(dev, ports_do_not_overlap_the_hypercalls)
{
    const struct dev_ports *p;

    for (size_t i = 0; (p = dev_ports(i)); i++)
        for (unsigned port = p->first; port <= p->last; port++)
            for (uint8_t d = DEV_OUT; d <= DEV_IN; d <<= 1) {
                cr_assert_lt(portmap_lookup(NULL, (uint16_t)port, d), 0,
                             "device %s's port 0x%x is a hypercall's",
                             dev_name(p->dev), port);
                cr_assert_eq(devices_claim((uint16_t)port, d),
                             (p->dirs & d) ? (int)p->dev : -1);
            }
    cr_assert_eq(devices_claim(0x80, DEV_OUT), -1);
    cr_assert_eq(devices_claim(LAYOUT_PORT_DEBUG_EXIT, DEV_IN), -1,
                 "isa-debug-exit is write-only");
    cr_assert_eq(devices_claim(COM1 + 7, DEV_IN), DEV_COM1);
    cr_assert_eq(devices_claim(COM1 + 8, DEV_IN), -1);
}

Test(dev, com1_init_sequence_reads_back)
{
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x80); /* DLAB */
    outb(COM1 + 0, 0x03);
    outb(COM1 + 1, 0x00);
    cr_assert_eq(inb(COM1 + 0), 0x03, "DLL");
    cr_assert_eq(inb(COM1 + 1), 0x00, "DLM");
    outb(COM1 + 3, 0x03);
    cr_assert_eq(inb(COM1 + 2), 0x01, "IIR: FIFOs off, no interrupt");
    outb(COM1 + 2, 0xC7);
    outb(COM1 + 4, 0x0B);
    outb(COM1 + 7, 0x5A);
    outb(COM1 + 1, 0xFF);
    cr_assert_eq(inb(COM1 + 3), 0x03, "LCR");
    cr_assert_eq(inb(COM1 + 2), 0xC1, "IIR: FIFOs on");
    cr_assert_eq(inb(COM1 + 4), 0x0B, "MCR");
    cr_assert_eq(inb(COM1 + 7), 0x5A, "SCR");
    cr_assert_eq(inb(COM1 + 1), 0x0F, "IER keeps its 4 bits");
    cr_assert_eq(inb(COM1 + 6), 0xB0, "MSR: DCD, DSR, CTS");
    cr_assert_eq(inb(COM1 + 5), 0x60, "LSR: THRE|TEMT, no data");
    /* DLL is not THR: nothing was printed by the divisor writes. */
    outb(COM1, 'h');
    outb(COM1, 'i');
    cr_assert_str_eq(console(), "hi");
    cr_assert_eq(devs.com1.tx_bytes, 2);
}

Test(dev, com1_input_from_fd)
{
    cr_assert_eq(write(in_pipe[1], "ab", 2), 2);
    cr_assert_eq(inb(COM1 + 5), 0x61, "LSR: DR with input");
    cr_assert_eq(inb(COM1), 'a');
    cr_assert_eq(inb(COM1 + 5), 0x61);
    cr_assert_eq(inb(COM1), 'b');
    cr_assert_eq(inb(COM1 + 5), 0x60, "drained");
    cr_assert_eq(inb(COM1), 0, "no data reads 0");
    cr_assert_eq(write(in_pipe[1], "c", 1), 1);
    outb(COM1 + 2, 0x03); /* FCR: clear RX drops only what was read in */
    cr_assert_eq(inb(COM1 + 5), 0x61);
    close(in_pipe[1]);
    in_pipe[1] = -1;
    cr_assert_eq(inb(COM1), 'c');
    cr_assert_eq(inb(COM1 + 5), 0x60, "end of file: no data");
    cr_assert(devs.com1.in_eof);
    cr_assert_eq(devs.com1.rx_bytes, 3);
}

Test(dev, com1_without_input_never_has_data)
{
    struct serial s;

    serial_init(&s, out_pipe[1], -1);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(serial_read(&s, SERIAL_LSR),
                     SERIAL_LSR_THRE | SERIAL_LSR_TEMT);
    cr_assert_eq(serial_read(&s, SERIAL_RBR), 0);
}

Test(dev, com1_loopback)
{
    outb(COM1 + 4, SERIAL_MCR_LOOP | SERIAL_MCR_RTS | SERIAL_MCR_OUT2);
    cr_assert_eq(inb(COM1 + 6), SERIAL_MSR_CTS | SERIAL_MSR_DCD);
    outb(COM1, 'x');
    cr_assert_eq(inb(COM1 + 5), 0x61, "the byte came back");
    cr_assert_eq(inb(COM1), 'x');
    cr_assert_str_eq(console(), "", "nothing printed in loopback");
}

Test(dev, com1_wide_access_splits_into_bytes)
{
    uint16_t w = 0xEB03; /* LCR=0x03 at 0x3FB, MCR=0xEB&0x1F at 0x3FC */
    uint32_t v;

    cr_assert_eq(io(COM1 + 3, KVM_EXIT_IO_OUT, 2, 1, &w), DEV_CONTINUE);
    cr_assert_eq(inb(COM1 + 3), 0x03);
    cr_assert_eq(inb(COM1 + 4), 0x0B);
    cr_assert_eq(io(COM1 + 6, KVM_EXIT_IO_IN, 4, 1, NULL), DEV_CONTINUE);
    memcpy(&v, run_buf + DATA_OFF, 4);
    cr_assert_eq(v, 0xFFFF00B0u, "MSR, SCR, then two bytes past COM1");
    /* rep outsb to THR: every byte printed. */
    cr_assert_eq(io(COM1, KVM_EXIT_IO_OUT, 1, 3, "abc"), DEV_CONTINUE);
    cr_assert_str_eq(console(), "abc");
}

Test(dev, debug_exit_verdicts)
{
    uint32_t v = 0;
    uint16_t w = 3;

    cr_assert_eq(io(LAYOUT_PORT_DEBUG_EXIT, KVM_EXIT_IO_OUT, 4, 1, &v),
                 DEV_EXITED);
    cr_assert(devs.debug_exit.written);
    cr_assert_eq(debug_exit_result(&devs.debug_exit, &err), 0);
    cr_assert_eq(io(LAYOUT_PORT_DEBUG_EXIT, KVM_EXIT_IO_OUT, 2, 1, &w),
                 DEV_EXITED);
    cr_assert_eq(devs.debug_exit.value, 3);
    cr_assert_eq(debug_exit_result(&devs.debug_exit, &err), -1);
    cr_assert_eq(err.status, SKVM_CHECK_FAILED);
    cr_assert_str_eq(err.msg, "guest reported failure 3 (isa-debug-exit)");

    struct debug_exit d;
    debug_exit_init(&d, 3);
    debug_exit_write(&d, 3);
    cr_assert_eq(debug_exit_result(&d, &err), 0);
    debug_exit_write(&d, 0);
    cr_assert_eq(debug_exit_result(&d, &err), -1);
    cr_assert_str_eq(err.msg, "guest reported failure 0 (isa-debug-exit; "
                              "--debug-exit-success is 3)");
    debug_exit_reset(&d);
    cr_assert(!d.written);
    cr_assert_eq(d.success, 3);
}

Test(dev, debug_exit_ends_a_string_at_its_first_item)
{
    uint8_t v[2] = {7, 9};

    cr_assert_eq(io(LAYOUT_PORT_DEBUG_EXIT, KVM_EXIT_IO_OUT, 1, 2, v),
                 DEV_EXITED);
    cr_assert_eq(devs.debug_exit.value, 7);
}

#define P92 LAYOUT_PORT_SYSCTL_A
#define KBD_DATA LAYOUT_PORT_I8042_DATA
#define KBD_CMD LAYOUT_PORT_I8042_CMD

static int outb_rc(uint16_t port, uint8_t v)
{
    return io(port, KVM_EXIT_IO_OUT, 1, 1, &v);
}

/* A20 always reads on; bits 2-7 read back; bit 0 never reads 1. */
Test(dev, port92_a20_always_on)
{
    char note[256];

    cr_assert_eq(devices_claim(P92, DEV_IN), DEV_PORT92);
    cr_assert_eq(devices_claim(P92, DEV_OUT), DEV_PORT92);
    cr_assert_eq(devices_claim(P92 + 1, DEV_IN), -1);
    cr_assert_eq(inb(P92), PORT92_A20, "power-on: A20 on");
    outb(P92, 0xF2);
    cr_assert_eq(inb(P92), 0xF2);
    cr_assert(!devices_a20_note(&devs, note, sizeof(note)));
    outb(P92, 0x08); /* A20 off: cannot; counted */
    cr_assert_eq(inb(P92), 0x0A, "A20 still reads on");
    cr_assert(devices_a20_note(&devs, note, sizeof(note)));
    cr_assert_str_eq(note, "the guest tried to turn A20 off 1 time (port "
                           "0x92 or the 8042): A20 is always on in this VM");
    cr_assert(!devices_reset_note(&devs, note, sizeof(note)));
    uint16_t w = 0;
    cr_assert_eq(io(P92, KVM_EXIT_IO_IN, 2, 1, &w), DEV_CONTINUE);
    cr_assert_eq(run_buf[DATA_OFF], 0x0A);
    cr_assert_eq(run_buf[DATA_OFF + 1], 0xFF, "0x93 is not the device's");
    cr_assert_eq(devs.accesses[DEV_PORT92], 6);
}

/* Bit 0 resets: the run ends, passing, with the note. */
Test(dev, port92_fast_reset_ends_the_run)
{
    char note[256];

    cr_assert_eq(outb_rc(P92, 0x01), DEV_EXITED);
    cr_assert(devs.port92.reset);
    cr_assert_eq(devs.port92.a20_off, 0, "a reset is no A20 try");
    cr_assert_eq(devices_exit_result(&devs, &err), 0);
    cr_assert(devices_reset_note(&devs, note, sizeof(note)));
    cr_assert_str_eq(note, "the guest reset the machine through port 0x92 "
                           "bit 0 (fast reset): run ended");
    devices_reset(&devs);
    cr_assert(!devs.port92.reset);
    cr_assert(!devices_reset_note(&devs, note, sizeof(note)));
    cr_assert_eq(inb(P92), PORT92_A20);
}

/* The tutorial sequence: status polled, 0xAD, 0xD0, 0xD1 + byte, 0xAE. */
Test(dev, i8042_a20_sequence)
{
    uint8_t st = inb(KBD_CMD);

    cr_assert_eq(st & (I8042_STATUS_IBF | I8042_STATUS_OBF), 0);
    cr_assert(st & I8042_STATUS_SYS, "system flag set after POST");
    outb(KBD_CMD, I8042_CMD_KBD_OFF);
    cr_assert(devs.i8042.cmd_byte & I8042_CB_KBD_OFF);
    cr_assert(inb(KBD_CMD) & I8042_STATUS_CMD);
    outb(KBD_CMD, I8042_CMD_READ_OUT);
    cr_assert(inb(KBD_CMD) & I8042_STATUS_OBF, "an answer pending");
    cr_assert_eq(inb(KBD_DATA), I8042_OUT_POWER_ON);
    cr_assert_eq(inb(KBD_CMD) & I8042_STATUS_OBF, 0, "taken");
    cr_assert_eq(inb(KBD_DATA), I8042_OUT_POWER_ON, "the last value again");
    outb(KBD_CMD, I8042_CMD_WRITE_OUT);
    outb(KBD_DATA, 0xDF);
    cr_assert_eq(devs.i8042.out_port, 0xDF);
    cr_assert_eq(inb(KBD_CMD) & I8042_STATUS_CMD, 0, "last write was data");
    outb(KBD_CMD, I8042_CMD_KBD_ON);
    cr_assert_eq(devs.i8042.cmd_byte & I8042_CB_KBD_OFF, 0);
    outb(KBD_CMD, I8042_CMD_A20_ON);
    outb(KBD_DATA, 0x12); /* for the keyboard: dropped */
    cr_assert_eq(devs.i8042.out_port, 0xDF);
    cr_assert_eq(devs.i8042.a20_off, 0);
    cr_assert_eq(devs.accesses[DEV_I8042], 14);
}

/* Command byte, tests, unknown commands, A20 off tries. */
Test(dev, i8042_commands)
{
    outb(KBD_CMD, I8042_CMD_READ_CB);
    cr_assert_eq(inb(KBD_DATA), I8042_CB_POWER_ON);
    outb(KBD_CMD, I8042_CMD_WRITE_CB);
    outb(KBD_DATA, 0x00);
    cr_assert_eq(inb(KBD_CMD) & I8042_STATUS_SYS, 0, "system flag cleared");
    outb(KBD_CMD, I8042_CMD_SELF_TEST);
    cr_assert_eq(inb(KBD_DATA), I8042_SELF_TEST_OK);
    outb(KBD_CMD, I8042_CMD_KBD_TEST);
    cr_assert_eq(inb(KBD_DATA), I8042_KBD_TEST_OK);
    outb(KBD_CMD, 0xA7); /* unknown here: accepted, ignored */
    cr_assert_eq(inb(KBD_CMD) & I8042_STATUS_OBF, 0);
    outb(KBD_CMD, 0xFF); /* pulse no line */
    outb(KBD_CMD, I8042_CMD_A20_OFF);
    outb(KBD_CMD, I8042_CMD_WRITE_OUT);
    outb(KBD_DATA, 0x01); /* A20 off, reset line high */
    cr_assert_eq(devs.i8042.a20_off, 2);
    outb(KBD_CMD, I8042_CMD_READ_OUT);
    cr_assert_eq(inb(KBD_DATA), 0x03, "A20 still on");
    /* A command drops a pending one: the byte goes to the keyboard. */
    outb(KBD_CMD, I8042_CMD_WRITE_OUT);
    outb(KBD_CMD, I8042_CMD_KBD_ON);
    cr_assert_eq(outb_rc(KBD_DATA, 0x00), DEV_CONTINUE, "no reset");
    devices_reset(&devs);
    cr_assert_eq(devs.i8042.a20_off, 0);
    cr_assert_eq(devs.i8042.cmd_byte, I8042_CB_POWER_ON);
}

/* 0xFE pulses reset; so does an output port with bit 0 clear. */
Test(dev, i8042_reset_ends_the_run)
{
    char note[256];

    cr_assert_eq(outb_rc(KBD_CMD, 0xFE), DEV_EXITED);
    cr_assert_eq(devices_exit_result(&devs, &err), 0);
    cr_assert(devices_reset_note(&devs, note, sizeof(note)));
    cr_assert_str_eq(note, "the guest reset the machine through the 8042 "
                           "keyboard controller's reset line: run ended");
    devices_reset(&devs);
    cr_assert(!devs.i8042.reset);
    outb(KBD_CMD, I8042_CMD_WRITE_OUT);
    cr_assert_eq(outb_rc(KBD_DATA, 0x02), DEV_EXITED);
    cr_assert(devs.i8042.reset);
    cr_assert_eq(devs.i8042.a20_off, 0);
    devices_reset(&devs);
    cr_assert_eq(outb_rc(KBD_CMD, 0xF0), DEV_EXITED, "0xF0 pulses all");
}

static void fw_select(uint16_t key)
{
    cr_assert_eq(io(LAYOUT_PORT_FW_CFG_SEL, KVM_EXIT_IO_OUT, 2, 1, &key),
                 DEV_CONTINUE);
}

static uint64_t fw_read(unsigned bytes)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)inb(LAYOUT_PORT_FW_CFG_DATA) << (8 * i);
    return v;
}

Test(dev, fw_cfg_items)
{
    char sig[5] = {0};

    fw_select(FW_CFG_SIGNATURE);
    /* rep insb, as SeaBIOS reads */
    cr_assert_eq(io(LAYOUT_PORT_FW_CFG_DATA, KVM_EXIT_IO_IN, 1, 4, NULL),
                 DEV_CONTINUE);
    memcpy(sig, run_buf + DATA_OFF, 4);
    cr_assert_str_eq(sig, "QEMU");
    cr_assert_eq(fw_read(2), 0, "past the item's end: zeros");
    fw_select(FW_CFG_ID);
    cr_assert_eq(fw_read(4), 1, "traditional interface, no DMA");
    fw_select(FW_CFG_NB_CPUS);
    cr_assert_eq(fw_read(2), 1);
    fw_select(FW_CFG_MAX_CPUS);
    cr_assert_eq(fw_read(2), 1, "max CPUs as QEMU's default");
    fw_select(FW_CFG_RAM_SIZE);
    cr_assert_eq(fw_read(8), MEM_SIZE);
    fw_select(FW_CFG_RAM_SIZE); /* selecting again rewinds */
    cr_assert_eq(fw_read(4), MEM_SIZE);
    fw_select(FW_CFG_FILE_DIR);
    cr_assert_eq(fw_read(8), 0, "no files");
    fw_select(0x8000); /* an arch item: zeros */
    cr_assert_eq(fw_read(4), 0);
    uint8_t key = FW_CFG_NB_CPUS; /* an 8-bit selector write */
    cr_assert_eq(io(LAYOUT_PORT_FW_CFG_SEL, KVM_EXIT_IO_OUT, 1, 1, &key),
                 DEV_CONTINUE);
    cr_assert_eq(fw_read(2), 1);
    uint8_t junk = 0x42; /* data writes are ignored */
    cr_assert_eq(io(LAYOUT_PORT_FW_CFG_DATA, KVM_EXIT_IO_OUT, 1, 1, &junk),
                 DEV_CONTINUE);

    struct fw_cfg big;
    fw_cfg_init(&big, UINT64_C(5) << 30); /* a size past 32 bits */
    fw_cfg_select(&big, FW_CFG_RAM_SIZE);
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)fw_cfg_read(&big) << (8 * i);
    cr_assert_eq(v, UINT64_C(5) << 30);
}

Test(dev, crtc_stores_and_reads_back)
{
    uint16_t w = 0x010E; /* out dx, ax: index 0x0E, data 0x01 */

    cr_assert_eq(io(LAYOUT_PORT_CRTC_INDEX, KVM_EXIT_IO_OUT, 2, 1, &w),
                 DEV_CONTINUE);
    cr_assert_eq(inb(LAYOUT_PORT_CRTC_INDEX), 0x0E);
    cr_assert_eq(inb(LAYOUT_PORT_CRTC_INDEX + 1), 0x01);
    outb(LAYOUT_PORT_CRTC_INDEX, 0x0F);
    outb(LAYOUT_PORT_CRTC_INDEX + 1, 0xE3);
    cr_assert_eq(inb(LAYOUT_PORT_CRTC_INDEX + 1), 0xE3);
    outb(LAYOUT_PORT_CRTC_INDEX, 0x0A);
    cr_assert_eq(inb(LAYOUT_PORT_CRTC_INDEX + 1), 0x0D, "BIOS's cursor");
    devices_reset(&devs);
    outb(LAYOUT_PORT_CRTC_INDEX, 0x0F);
    cr_assert_eq(inb(LAYOUT_PORT_CRTC_INDEX + 1), 0, "reset");
}

Test(dev, dispatch_refuses_a_bad_page)
{
    uint8_t v[4] = {1};

    cr_assert_eq(io(COM1, KVM_EXIT_IO_OUT, 3, 1, v), -1);
    cr_assert_eq(err.status, SKVM_GUEST_FAULT);
    io(COM1, KVM_EXIT_IO_OUT, 1, 1, v);
    run->io.data_offset = RUN_SIZE - 1;
    run->io.count = 2;
    cr_assert_eq(devices_dispatch(&devs, run, RUN_SIZE, &err), -1);
    cr_assert_str_eq(err.msg, "KVM_EXIT_IO data outside the kvm_run page");
    cr_assert_eq(io(0x80, KVM_EXIT_IO_OUT, 1, 1, v), -1);
    cr_assert_str_eq(err.msg, "no device claims port 0x80");
}

/* A screen in a plain RAM buffer: row 0 "Hello VGA" white on blue,
 * row 5 a box line in yellow, cursor at row 6 column 3. */
static struct guestmem screen_mem(struct vga_crtc *crtc)
{
    struct guestmem m = {.host = calloc(1, MEM_SIZE), .size = MEM_SIZE};
    uint8_t *t;
    const char *hello = "Hello VGA";

    cr_assert(m.host);
    t = m.host + LAYOUT_VGA_TEXT_BASE;
    for (size_t i = 0; hello[i]; i++) {
        t[i * 2] = (uint8_t)hello[i];
        t[i * 2 + 1] = 0x1F;
    }
    t += 5 * VGA_COLS * VGA_CELL;
    t[0] = 0xDA;
    for (int i = 1; i <= 10; i++)
        t[i * 2] = 0xC4;
    t[22] = 0xBF;
    for (int i = 0; i < 12; i++)
        t[i * 2 + 1] = 0x0E;
    vga_crtc_init(crtc);
    crtc->regs[VGA_CRTC_CURSOR_HIGH] = (6 * 80 + 3) >> 8;
    crtc->regs[VGA_CRTC_CURSOR_LOW] = (6 * 80 + 3) & 0xFF;
    return m;
}

static const char *render(const struct vga_screen *s, bool ansi)
{
    static char *text;
    size_t len;
    FILE *f;

    free(text);
    text = NULL;
    f = open_memstream(&text, &len);
    cr_assert(f);
    vga_render(s, ansi, f);
    fclose(f);
    return text;
}

Test(dev, vga_renders_the_screen)
{
    struct vga_crtc crtc;
    struct guestmem m = screen_mem(&crtc);
    struct vga_screen before, s;
    char row[VGA_ROW_TEXT_MAX];

    memset(&before, 0, sizeof(before));
    cr_assert_eq(vga_screen_read(&s, &m, &crtc), 0);
    cr_assert(vga_screen_changed(&before, &s));
    cr_assert_eq(vga_screen_rows(&s), 6);
    cr_assert_eq(s.cursor_row, 6);
    cr_assert_eq(s.cursor_col, 3);
    cr_assert_eq(vga_row_text(&s, 0, row), 9);
    cr_assert_str_eq(row, "Hello VGA");
    cr_assert_eq(vga_row_text(&s, 1, row), 0);
    vga_row_text(&s, 5, row);
    cr_assert_str_eq(row, "┌──────────┐");
    cr_assert_str_eq(render(&s, false),
                     "=== VGA text screen (80x25, cursor at row 6, column "
                     "3) ===\n"
                     "Hello VGA\n\n\n\n\n"
                     "┌──────────┐\n"
                     "=== end of VGA text screen ===\n");
    cr_assert_str_eq(render(&s, true),
                     "=== VGA text screen (80x25, cursor at row 6, column "
                     "3) ===\n"
                     "\033[0;97;44mHello VGA\033[0m\n\n\n\n\n"
                     "\033[0;93;40m┌──────────┐\033[0m\n"
                     "=== end of VGA text screen ===\n");
    free(m.host);
}

Test(dev, vga_cp437_and_blanks)
{
    struct guestmem m = {.host = calloc(1, MEM_SIZE), .size = MEM_SIZE};
    uint8_t *t = m.host + LAYOUT_VGA_TEXT_BASE;
    struct vga_screen s;
    struct vga_crtc crtc;
    char row[VGA_ROW_TEXT_MAX];

    cr_assert(m.host);
    vga_crtc_init(&crtc);
    crtc.regs[VGA_CRTC_CURSOR_START] |= VGA_CURSOR_DISABLE;
    /* a smiley, NUL (a space), e-acute, a full block, trailing blanks */
    const uint8_t chars[] = {0x01, 0x00, 0x82, 0xDB, ' ', 0xFF, 0x00};
    for (size_t i = 0; i < sizeof(chars); i++)
        t[i * 2] = chars[i];
    t[24 * VGA_COLS * VGA_CELL] = '#'; /* the last row */
    t[24 * VGA_COLS * VGA_CELL + 1] = 0x70; /* black on grey */
    cr_assert_eq(vga_screen_read(&s, &m, &crtc), 0);
    cr_assert(!s.cursor_on);
    vga_row_text(&s, 0, row);
    cr_assert_str_eq(row, "☺ é█");
    cr_assert_eq(vga_screen_rows(&s), 25);
    const char *text = render(&s, false);
    cr_assert(strstr(text, "column 0, hidden) ===\n☺ é█\n"), "%s", text);
    cr_assert(strstr(text, "\n#\n=== end"), "%s", text);
    /* A screen with no RAM under it is not read. */
    struct guestmem small = {.host = m.host, .size = LAYOUT_VGA_TEXT_BASE};
    cr_assert_eq(vga_screen_read(&s, &small, NULL), -1);
    free(m.host);
}

Test(dev, vga_blank_screen)
{
    struct guestmem m = {.host = calloc(1, MEM_SIZE), .size = MEM_SIZE};
    struct vga_screen a, b;

    cr_assert(m.host);
    cr_assert_eq(vga_screen_read(&a, &m, NULL), 0);
    cr_assert_eq(vga_screen_read(&b, &m, NULL), 0);
    cr_assert(!vga_screen_changed(&a, &b));
    cr_assert_eq(vga_screen_rows(&a), 0);
    cr_assert_str_eq(render(&a, false),
                     "=== VGA text screen (80x25, cursor at row 0, column "
                     "0) ===\n"
                     "=== end of VGA text screen ===\n");
    free(m.host);
}
