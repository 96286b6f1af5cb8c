/* test_bios.c - the host side of --boot's BIOS (core/bios.h) on a plain
 * 2 MiB buffer: each service called through a frame as guests/bios.asm
 * pushes it, results read back from the frame and guest memory. No KVM.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bios.h"
#include "core/layout.h"
#include "core/x86.h"
#include "modes/boot.h"

#define RAM (2u << 20)
#define FRAME 0x7B00u /* where the frame sits: SS:SP = 0:0x7B00 */
#define SECTORS 4

static uint8_t *ram;
static struct guestmem mem;
static struct bios b;

static void setup(void)
{
    size_t len;
    const uint8_t *image = boot_bios_image(&len);
    struct skvm_err err;

    ram = calloc(1, RAM);
    cr_assert(ram);
    mem = (struct guestmem){.host = ram, .size = RAM};
    b = (struct bios){0};
    b.disk = calloc(SECTORS, BIOS_SECTOR);
    cr_assert(b.disk);
    for (unsigned s = 0; s < SECTORS; s++)
        memset(b.disk + s * BIOS_SECTOR, 'A' + s, BIOS_SECTOR);
    b.disk_len = SECTORS * BIOS_SECTOR;
    b.sectors = SECTORS;
    bios_init(&b, false, RAM, -1);
    cr_assert_eq(bios_install(&b, &mem, image, len, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
    bios_free(&b);
    free(ram);
}

TestSuite(bios, .init = setup, .fini = teardown);

static void put16(uint32_t at, uint16_t v)
{
    ram[at] = (uint8_t)v;
    ram[at + 1] = (uint8_t)(v >> 8);
}

static void put32(uint32_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        ram[at + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(uint32_t at)
{
    return ram[at] | ram[at + 1] << 8 | ram[at + 2] << 16 |
           (uint32_t)ram[at + 3] << 24;
}

static uint16_t get16(uint32_t at)
{
    return (uint16_t)(ram[at] | ram[at + 1] << 8);
}

/* A frame for `int vector` from 0000:7C10 (an int instruction there). */
static void frame(uint8_t vector, uint32_t eax, uint32_t ebx, uint32_t ecx,
                  uint32_t edx)
{
    memset(ram + FRAME, 0, BIOS_FRAME_SIZE);
    put32(FRAME + BIOS_F_EAX, eax);
    put32(FRAME + BIOS_F_EBX, ebx);
    put32(FRAME + BIOS_F_ECX, ecx);
    put32(FRAME + BIOS_F_EDX, edx);
    put16(FRAME + BIOS_F_VECTOR, vector);
    put16(FRAME + BIOS_F_IP, 0x7C12);
    put16(FRAME + BIOS_F_FLAGS, 0x0202 | X86_RFLAGS_CF);
    ram[0x7C10] = X86_OPCODE_INT;
    ram[0x7C11] = vector;
}

static int call(struct skvm_err *err)
{
    int fds[2];
    cr_assert(pipe(fds) == 0);
    int rc = bios_call(&b, &mem, FRAME, fds[1], err);
    close(fds[0]);
    close(fds[1]);
    return rc;
}

static bool cf(void)
{
    return get16(FRAME + BIOS_F_FLAGS) & X86_RFLAGS_CF;
}

Test(bios, install_fills_ivt_and_bda)
{
    size_t len;
    const uint8_t *image = boot_bios_image(&len);
    uint16_t vectors = image[BIOS_HDR_VECTORS] | image[BIOS_HDR_VECTORS + 1]
                                                     << 8;

    for (unsigned v = 0; v < 256; v++) {
        cr_assert_eq(get16(4 * v + 2), BIOS_SEGMENT, "vector %u", v);
        cr_assert_eq(get16(4 * v), get16(LAYOUT_BIOS_BASE + vectors + 2 * v));
    }
    cr_assert_eq(get16(LAYOUT_BDA_BASE + BDA_MEM_KB), 639);
    cr_assert_eq(ram[LAYOUT_BDA_BASE + BDA_HDD_COUNT], 1);
    cr_assert_eq(ram[LAYOUT_BIOS_BASE + BIOS_HDR_DRIVE], BIOS_DRIVE_HDD);
    cr_assert_eq(ram[LAYOUT_BOOT_SECTOR], 'A');
}

Test(bios, install_needs_1m)
{
    size_t len;
    const uint8_t *image = boot_bios_image(&len);
    struct guestmem small = {.host = ram, .size = 0x80000};
    struct skvm_err err;

    cr_assert_eq(bios_install(&b, &small, image, len, &err), -1);
    cr_assert_eq(err.status, SKVM_USAGE);
}

Test(bios, teletype_scrolls_at_the_bottom)
{
    struct skvm_err err;
    uint32_t vga = LAYOUT_VGA_TEXT_BASE;

    put16(LAYOUT_BDA_BASE + BDA_CURSOR_POS, 24 << 8 | 79); /* last cell */
    ram[vga] = 'x';
    frame(0x10, 0x0E41, 0, 0, 0); /* 'A' */
    cr_assert_eq(call(&err), 0, "%s", err.msg);
    /* Written at 24,79, then the page scrolled one line up. */
    cr_assert_eq(ram[vga + 2 * (23 * 80 + 79)], 'A');
    cr_assert_eq(ram[vga + 2 * (24 * 80)], ' ');
    cr_assert_eq(get16(LAYOUT_BDA_BASE + BDA_CURSOR_POS), 24 << 8);
}

Test(bios, chs_read_and_past_the_end)
{
    struct skvm_err err;

    /* AH=2 AL=2: sectors 2-3 to 0000:8000 */
    frame(0x13, 0x0202, 0x8000, 0x0002, 0x0080);
    cr_assert_eq(call(&err), 0, "%s", err.msg);
    cr_assert(!cf());
    cr_assert_eq(ram[0x8000], 'B');
    cr_assert_eq(ram[0x8000 + BIOS_SECTOR], 'C');
    /* sectors 4-5 of 4: one done, CF=1, AH=0x04, AL=1 */
    frame(0x13, 0x0202, 0x9000, 0x0004, 0x0080);
    cr_assert_eq(call(&err), 0, "%s", err.msg);
    cr_assert(cf());
    cr_assert_eq(get16(FRAME + BIOS_F_EAX), BIOS_DISK_NOT_FOUND << 8 | 1);
    cr_assert_eq(ram[0x9000], 'D');
    /* a buffer that wraps its segment: AH=0x09, nothing written */
    frame(0x13, 0x0202, 0xFF00, 0x0001, 0x0080);
    cr_assert_eq(call(&err), 0, "%s", err.msg);
    cr_assert(cf());
    cr_assert_eq(ram[FRAME + BIOS_F_EAX + 1], BIOS_DISK_BOUNDARY);
    cr_assert_eq(ram[0xFF00], 0);
    /* another drive */
    frame(0x13, 0x0201, 0x8000, 0x0001, 0x0081);
    cr_assert_eq(call(&err), 0);
    cr_assert(cf());
}

Test(bios, extended_read_checks_the_packet)
{
    struct skvm_err err;
    uint32_t dap = 0x6000;

    ram[dap] = 0x10;
    put16(dap + 2, 2);      /* count */
    put16(dap + 4, 0x0000); /* offset */
    put16(dap + 6, 0x0900); /* segment: 0x9000 */
    put32(dap + 8, 3);      /* LBA 3: the last sector, then the end */
    frame(0x13, 0x4200, 0, 0, 0x0080);
    put32(FRAME + BIOS_F_ESI, dap);
    cr_assert_eq(call(&err), 0, "%s", err.msg);
    cr_assert(cf());
    cr_assert_eq(get16(dap + 2), 1, "the count says what was done");
    cr_assert_eq(ram[0x9000], 'D');
    /* 128 sectors: more than a packet may ask for */
    put16(dap + 2, 128);
    frame(0x13, 0x4200, 0, 0, 0x0080);
    put32(FRAME + BIOS_F_ESI, dap);
    cr_assert_eq(call(&err), 0);
    cr_assert_eq(ram[FRAME + BIOS_F_EAX + 1], BIOS_DISK_BAD_PARAM);
    /* a flat 64-bit buffer past RAM */
    ram[dap] = 0x18;
    put16(dap + 2, 1);
    put16(dap + 4, 0xFFFF);
    put16(dap + 6, 0xFFFF);
    put32(dap + 16, 0xFFFFF000u);
    frame(0x13, 0x4200, 0, 0, 0x0080);
    put32(FRAME + BIOS_F_ESI, dap);
    cr_assert_eq(call(&err), 0);
    cr_assert(cf());
}

Test(bios, e820_walks_the_map)
{
    struct skvm_err err;
    uint32_t ebx = 0, n = 0;
    uint64_t ram_total = 0;

    do {
        frame(0x15, 0xE820, ebx, 24, 0x534D4150);
        put32(FRAME + BIOS_F_EDI, 0x5000);
        cr_assert_eq(call(&err), 0, "%s", err.msg);
        cr_assert(!cf());
        cr_assert_eq(get32(FRAME + BIOS_F_EAX), 0x534D4150);
        cr_assert_eq(get32(FRAME + BIOS_F_ECX), 24);
        if (get32(0x5000 + 16) == 1)
            ram_total += get32(0x5000 + 8);
        ebx = get32(FRAME + BIOS_F_EBX);
        n++;
    } while (ebx && n < 10);
    cr_assert_eq(n, 3);
    cr_assert_eq(ram_total, RAM - (0x100000 - LAYOUT_EBDA_BASE));
    /* a bad signature */
    frame(0x15, 0xE820, 0, 20, 0);
    cr_assert_eq(call(&err), 0);
    cr_assert(cf());
}

Test(bios, unknown_function_names_the_caller)
{
    struct skvm_err err;
    struct kvm_regs regs = {0};
    struct kvm_sregs sregs = {0};

    frame(0x10, 0x0B00, 0, 0, 0);
    cr_assert_eq(call(&err), -1);
    cr_assert_eq(err.status, SKVM_GUEST_FAULT);
    cr_assert(strstr(err.msg, "int 0x10 AH=0x0b") &&
                  strstr(err.msg, "at 0000:7c10"),
              "%s", err.msg);
    cr_assert(bios_unwind(&b, &regs, &sregs));
    cr_assert_eq(regs.rip, 0x7C10);
    cr_assert_eq(regs.rsp, FRAME + BIOS_FRAME_SIZE);
    cr_assert_eq(regs.rax, 0x0B00);
}

Test(bios, frame_outside_ram)
{
    struct skvm_err err;
    int fds[2];

    cr_assert(pipe(fds) == 0);
    cr_assert_eq(bios_call(&b, &mem, RAM - 8, fds[1], &err), -1);
    cr_assert_eq(err.status, SKVM_GUEST_FAULT);
    close(fds[0]);
    close(fds[1]);
}

/* Teletype writes on the active page whatever BH holds (SeaBIOS does;
 * tutorials often leave BH unset); the cursor moves on. */
Test(bios, teletype_ignores_bh)
{
    struct skvm_err err;

    frame(0x10, 0x0E42, 0x0500, 0, 0); /* 'B', BH = 5 */
    cr_assert_eq(call(&err), 0, "%s", err.msg);
    cr_assert_eq(ram[LAYOUT_VGA_TEXT_BASE], 'B');
    cr_assert_eq(get16(LAYOUT_BDA_BASE + BDA_CURSOR_POS), 1);
}

/* int 0x1A AH=0x00: ticks since the run started (CX:DX, AL = 0), also in
 * the BIOS data area; int 0x19 ends the run without a fault. */
Test(bios, ticks_and_reboot)
{
    struct skvm_err err;

    frame(0x1A, 0x00FF, 0, 0xFFFF, 0xFFFF);
    cr_assert_eq(call(&err), 0, "%s", err.msg);
    cr_assert_eq(get16(FRAME + BIOS_F_ECX), 0, "far below an hour");
    cr_assert_eq(ram[FRAME + BIOS_F_EAX], 0, "AL: not past midnight");
    cr_assert_eq(get32(LAYOUT_BDA_BASE + BDA_TICKS),
                 get16(FRAME + BIOS_F_EDX));
    frame(0x19, 0, 0, 0, 0);
    cr_assert_eq(call(&err), BIOS_ENDED);
    cr_assert_eq(b.end, BIOS_END_REBOOT);
}
