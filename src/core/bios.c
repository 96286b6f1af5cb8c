/* bios.c - the host side of --boot's BIOS (see bios.h): the disk, the
 * PC's low memory, and the services of int 0x10, 0x13, 0x15, 0x16, 0x1A
 * and 0x19. */
#include "core/bios.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/filein.h"
#include "core/le.h"
#include "core/exception.h"
#include "core/fdwrite.h"
#include "core/hypercall.h"
#include "core/stop.h"
#include "core/x86.h"

#define REAL_MEM_TOP   0x100000u /* 1 MiB: what real mode addresses */
#define SEG_SIZE       0x10000u  /* a real-mode segment's 64 KiB */
#define IVT_ENTRIES    256
#define IVT_ENTRY_SIZE 4
#define KIB            1024u
/* Vectors below 0x10 are the CPU's exceptions in real mode (a PC's
 * IRQs 0-7 too, which nothing raises here); 0x10 up are services. */
#define FIRST_SERVICE  0x10

/* Video: text modes only, 80x25 (BDA holds the truth for the guest). */
#define TEXT_COLS       80
#define TEXT_ROWS       25
#define TEXT_PAGE_SIZE  0x1000 /* 4000 bytes rounded, as a PC BIOS does */
#define TEXT_PAGES      8
#define TEXT_ATTR       0x07   /* light grey on black */
#define TEXT_MODE_DEFAULT 0x03
#define CURSOR_SHAPE_DEFAULT 0x0607
#define CRTC_COLOUR_PORT 0x3D4
#define CH_BEL 0x07
#define CH_BS  0x08
#define CH_LF  0x0A
#define CH_CR  0x0D

/* Equipment word: bits 4-5 = 10b (80x25 colour); bit 0 and bits 6-7 for
 * floppies; bits 9-11 serial ports. */
#define EQUIP_FLOPPY        0x0001
#define EQUIP_VIDEO_80X25   0x0020
#define EQUIP_SERIAL_SHIFT  9

/* int 0x15 */
#define E820_SMAP       0x534D4150u /* 'SMAP' */
#define E820_ENTRY      20
#define E820_ENTRY_ACPI 24
#define E820_RAM        1
#define E820_RESERVED   2
#define E820_ACPI_VALID 1
#define BIOS_UNSUPPORTED 0x86 /* AH: function not supported */
#define MEM_16M         0x1000000u
#define E801_MAX_KB     0x3C00u    /* 15 MiB: 1-16 MiB in KiB */
#define A20_ON          1

/* int 0x1A: 1193182 / 65536 Hz, the PIT's tick */
#define TICKS_PER_S_NUM 1193182u
#define TICKS_PER_S_DEN 65536u

/* int 0x13 */
#define EDD_CHECK_IN   0x55AA
#define EDD_CHECK_OUT  0xAA55
#define EDD_VERSION    0x21   /* EDD 1.1 */
#define EDD_FIXED_ACCESS 0x0001 /* functions 0x42-0x44, 0x47, 0x48 */
#define EDD_MAX_COUNT  127
#define DAP_MIN        0x10
#define DAP_FLAT       0x18   /* with the 64-bit flat buffer address */
#define DAP_FLAT_SEG   0xFFFF
#define EDD_PARAMS_MIN 0x1A
#define EDD_INFO_CHS_VALID 0x0002
#define HDD_HEADS 16
#define HDD_SPT   63
#define CHS_MAX_CYLS 1024
#define DISK_TYPE_HDD 0x03
#define DISK_TYPE_FLOPPY_NO_CHANGELINE 0x01
#define FLOPPY_TYPE_144 0x04

/* Scan codes for the ASCII keys of a US keyboard (0: none). */
static const uint8_t scan_of[128] = {
    [CH_BS] = 0x0E, ['\t'] = 0x0F, [CH_CR] = 0x1C, [CH_LF] = 0x1C,
    [0x1B] = 0x01, [' '] = 0x39,
    ['1'] = 0x02, ['2'] = 0x03, ['3'] = 0x04, ['4'] = 0x05, ['5'] = 0x06,
    ['6'] = 0x07, ['7'] = 0x08, ['8'] = 0x09, ['9'] = 0x0A, ['0'] = 0x0B,
    ['-'] = 0x0C, ['='] = 0x0D, ['['] = 0x1A, [']'] = 0x1B, [';'] = 0x27,
    ['\''] = 0x28, ['`'] = 0x29, ['\\'] = 0x2B, [','] = 0x33, ['.'] = 0x34,
    ['/'] = 0x35,
    ['q'] = 0x10, ['w'] = 0x11, ['e'] = 0x12, ['r'] = 0x13, ['t'] = 0x14,
    ['y'] = 0x15, ['u'] = 0x16, ['i'] = 0x17, ['o'] = 0x18, ['p'] = 0x19,
    ['a'] = 0x1E, ['s'] = 0x1F, ['d'] = 0x20, ['f'] = 0x21, ['g'] = 0x22,
    ['h'] = 0x23, ['j'] = 0x24, ['k'] = 0x25, ['l'] = 0x26, ['z'] = 0x2C,
    ['x'] = 0x2D, ['c'] = 0x2E, ['v'] = 0x2F, ['b'] = 0x30, ['n'] = 0x31,
    ['m'] = 0x32,
};

/* ---- the disk ---------------------------------------------------------- */

/* A disk image: at least one sector, at most BIOS_DISK_MAX; read into
 * whole sectors (a last partial sector reads as if zero-padded). */
static int disk_size_rule(void *ctx, int fd, uint64_t size, uint64_t *alloc,
                          struct skvm_err *err)
{
    const char *path = ctx;

    (void)fd;
    if (size < BIOS_SECTOR)
        return skvm_fail(err, SKVM_USAGE,
                         "disk image '%s' is %lld bytes, shorter than one "
                         "%d-byte boot sector",
                         path, (long long)size, BIOS_SECTOR);
    if (size > BIOS_DISK_MAX)
        return skvm_fail(err, SKVM_USAGE,
                         "disk image '%s' (%lld bytes) is larger than %llu "
                         "bytes",
                         path, (long long)size,
                         (unsigned long long)BIOS_DISK_MAX);
    *alloc = (size + BIOS_SECTOR - 1) / BIOS_SECTOR * BIOS_SECTOR;
    return 0;
}

int bios_disk_read(struct bios *b, const char *path, bool check_signature,
                   struct skvm_err *err)
{
    size_t size, len;

    *b = (struct bios){.in_fd = -1, .key = -1};
    if (filein_read(path, "disk image", disk_size_rule, (void *)path,
                    &b->disk, &size, &len, err) < 0)
        return -1;
    b->disk_len = len;
    b->sectors = len / BIOS_SECTOR;
    if (check_signature && (b->disk[BIOS_SIGNATURE_OFF] != BIOS_SIGNATURE_0 ||
                            b->disk[BIOS_SIGNATURE_OFF + 1] !=
                                BIOS_SIGNATURE_1)) {
        uint8_t s0 = b->disk[BIOS_SIGNATURE_OFF];
        uint8_t s1 = b->disk[BIOS_SIGNATURE_OFF + 1];
        bios_free(b);
        return skvm_fail(err, SKVM_USAGE,
                         "disk image '%s' is not a boot sector: bytes 510-511 "
                         "are 0x%02x 0x%02x, not the signature 0x55 0xAA "
                         "(--no-signature-check boots it anyway)",
                         path, s0, s1);
    }
    return 0;
}

/* Standard floppy formats by size; anything else gets 1.44 MB's. */
static void floppy_geometry(struct bios *b)
{
    static const struct {
        uint64_t bytes;
        unsigned cyls, heads, spt;
    } formats[] = {
        {368640, 40, 2, 9},    {737280, 80, 2, 9}, {1228800, 80, 2, 15},
        {1474560, 80, 2, 18},  {2949120, 80, 2, 36},
    };

    b->cyls = 80, b->heads = 2, b->spt = 18;
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (b->disk_len <= formats[i].bytes) {
            b->cyls = formats[i].cyls;
            b->heads = formats[i].heads;
            b->spt = formats[i].spt;
            return;
        }
}

void bios_init(struct bios *b, bool floppy, uint64_t mem_size, int in_fd)
{
    b->drive = floppy ? BIOS_DRIVE_FLOPPY : BIOS_DRIVE_HDD;
    if (floppy) {
        floppy_geometry(b);
    } else {
        uint64_t per_cyl = HDD_HEADS * HDD_SPT;
        uint64_t cyls = (b->sectors + per_cyl - 1) / per_cyl;
        b->heads = HDD_HEADS;
        b->spt = HDD_SPT;
        b->cyls = cyls == 0 ? 1 : cyls > CHS_MAX_CYLS ? CHS_MAX_CYLS
                                                      : (unsigned)cyls;
    }
    b->mem_size = mem_size;
    b->in_fd = in_fd;
    b->key = -1;
    b->start_ns = hypercall_clock_ns();
}

void bios_free(struct bios *b)
{
    free(b->disk);
    b->disk = NULL;
}

int bios_disk_write_back(const struct bios *b, const char *path,
                         struct skvm_err *err)
{
    struct stat st;
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    size_t done = 0, len;

    if (fd < 0 || fstat(fd, &st) < 0)
        return skvm_fail(err, SKVM_HOST, "cannot write disk image '%s': %s",
                         path, strerror(errno));
    /* The file's own length: the padding of a last partial sector stays
     * out of it. */
    len = (uint64_t)st.st_size < b->disk_len ? (size_t)st.st_size
                                             : (size_t)b->disk_len;
    while (done < len) {
        ssize_t n = pwrite(fd, b->disk + done, len - done, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = errno;
            close(fd);
            return skvm_fail(err, SKVM_HOST,
                             "cannot write disk image '%s': %s", path,
                             strerror(e));
        }
        done += (size_t)n;
    }
    if (close(fd) < 0)
        return skvm_fail(err, SKVM_HOST, "cannot write disk image '%s': %s",
                         path, strerror(errno));
    return 0;
}

/* ---- guest memory helpers ---------------------------------------------- */

/* The BDA (always in RAM: bios_install checked RAM reaches 1 MiB). */
static uint8_t *bda(const struct guestmem *mem)
{
    return guestmem_ptr_rw(mem, LAYOUT_BDA_BASE, BDA_SIZE);
}

/* seg:off .. +len, when it stays inside its segment and in RAM: a host
 * pointer for writing (the host announces the write, guestmem.h). */
static uint8_t *seg_ptr(const struct guestmem *mem, uint16_t seg,
                        uint32_t off, uint32_t len)
{
    if (off + (uint64_t)len > SEG_SIZE)
        return NULL;
    return guestmem_ptr_rw(mem, ((uint64_t)seg << 4) + off, len);
}

/* ---- the call's registers ---------------------------------------------- */

struct regs {
    uint32_t eax, ebx, ecx, edx, esi, edi, ebp;
    uint16_t ds, es, ip, cs, flags;
    uint8_t vector;
};

static uint8_t ah(const struct regs *r) { return (uint8_t)(r->eax >> 8); }
static uint8_t al(const struct regs *r) { return (uint8_t)r->eax; }
static uint8_t bh(const struct regs *r) { return (uint8_t)(r->ebx >> 8); }
static uint8_t bl(const struct regs *r) { return (uint8_t)r->ebx; }
static uint8_t ch(const struct regs *r) { return (uint8_t)(r->ecx >> 8); }
static uint8_t cl(const struct regs *r) { return (uint8_t)r->ecx; }
static uint8_t dh(const struct regs *r) { return (uint8_t)(r->edx >> 8); }
static uint8_t dl(const struct regs *r) { return (uint8_t)r->edx; }
static uint16_t lo16(uint32_t v) { return (uint16_t)v; }

static void set_ax(struct regs *r, uint16_t v)
{
    r->eax = (r->eax & 0xFFFF0000u) | v;
}
static void set_ah(struct regs *r, uint8_t v)
{
    r->eax = (r->eax & 0xFFFF00FFu) | (uint32_t)v << 8;
}
static void set_al(struct regs *r, uint8_t v)
{
    r->eax = (r->eax & 0xFFFFFF00u) | v;
}
static void set_bx(struct regs *r, uint16_t v)
{
    r->ebx = (r->ebx & 0xFFFF0000u) | v;
}
static void set_cx(struct regs *r, uint16_t v)
{
    r->ecx = (r->ecx & 0xFFFF0000u) | v;
}
static void set_dx(struct regs *r, uint16_t v)
{
    r->edx = (r->edx & 0xFFFF0000u) | v;
}
static void set_cf(struct regs *r, bool on)
{
    r->flags = on ? r->flags | X86_RFLAGS_CF : r->flags & ~X86_RFLAGS_CF;
}
static void set_zf(struct regs *r, bool on)
{
    r->flags = on ? r->flags | X86_RFLAGS_ZF : r->flags & ~X86_RFLAGS_ZF;
}

static void frame_load(const uint8_t *f, struct regs *r)
{
    *r = (struct regs){
        .eax = le_get32(f + BIOS_F_EAX), .ebx = le_get32(f + BIOS_F_EBX),
        .ecx = le_get32(f + BIOS_F_ECX), .edx = le_get32(f + BIOS_F_EDX),
        .esi = le_get32(f + BIOS_F_ESI), .edi = le_get32(f + BIOS_F_EDI),
        .ebp = le_get32(f + BIOS_F_EBP), .ds = le_get16(f + BIOS_F_DS),
        .es = le_get16(f + BIOS_F_ES), .ip = le_get16(f + BIOS_F_IP),
        .cs = le_get16(f + BIOS_F_CS), .flags = le_get16(f + BIOS_F_FLAGS),
        .vector = (uint8_t)le_get16(f + BIOS_F_VECTOR),
    };
}

static void frame_store(uint8_t *f, const struct regs *r)
{
    le_put32(f + BIOS_F_EAX, r->eax);
    le_put32(f + BIOS_F_EBX, r->ebx);
    le_put32(f + BIOS_F_ECX, r->ecx);
    le_put32(f + BIOS_F_EDX, r->edx);
    le_put32(f + BIOS_F_ESI, r->esi);
    le_put32(f + BIOS_F_EDI, r->edi);
    le_put32(f + BIOS_F_EBP, r->ebp);
    le_put16(f + BIOS_F_DS, r->ds);
    le_put16(f + BIOS_F_ES, r->es);
    le_put16(f + BIOS_F_FLAGS, r->flags);
}

/* The address of the INT instruction (2 bytes, CD nn) that made the
 * call, when that is what precedes the return address. */
static uint16_t caller_ip(const struct guestmem *mem, const struct regs *r)
{
    uint8_t insn[2];
    uint64_t at = ((uint64_t)r->cs << 4) + (uint16_t)(r->ip - 2);

    if (r->ip >= 2 && guestmem_read(mem, at, insn, 2) == 0 &&
        insn[0] == X86_OPCODE_INT && insn[1] == r->vector)
        return (uint16_t)(r->ip - 2);
    return r->ip;
}

static int unsupported(const struct guestmem *mem, const struct regs *r,
                       const char *detail, struct skvm_err *err)
{
    return skvm_fail(err, SKVM_GUEST_FAULT,
                     "guest called int 0x%02x AH=0x%02x%s, which "
                     "simple-kvm's BIOS does not provide, at %04x:%04x "
                     "(README, \"Boot sectors\")",
                     r->vector, ah(r), detail ? detail : "", r->cs,
                     caller_ip(mem, r));
}

/* ---- int 0x10: video --------------------------------------------------- */

struct screen {
    uint8_t *bda;
    uint8_t *cells; /* the active page's 80x25 cells */
    unsigned cols, rows, page;
};

static bool screen_open(const struct guestmem *mem, unsigned page,
                        struct screen *s)
{
    s->bda = bda(mem);
    s->cols = TEXT_COLS;
    s->rows = TEXT_ROWS;
    s->page = page % TEXT_PAGES;
    s->cells = guestmem_ptr_rw(mem, LAYOUT_VGA_TEXT_BASE +
                                        (uint64_t)s->page * TEXT_PAGE_SIZE,
                               TEXT_COLS * TEXT_ROWS * 2);
    return s->bda && s->cells;
}

static void cursor_get(const struct screen *s, unsigned *row, unsigned *col)
{
    uint16_t pos = le_get16(s->bda + BDA_CURSOR_POS + 2 * s->page);

    *col = pos & 0xFF;
    *row = pos >> 8;
}

static void cursor_set(const struct bios *b, const struct screen *s,
                       unsigned row, unsigned col)
{
    le_put16(s->bda + BDA_CURSOR_POS + 2 * s->page,
         (uint16_t)((row & 0xFF) << 8 | (col & 0xFF)));
    if (s->page == 0 && b->cursor_moved)
        b->cursor_moved(b->cursor_ctx, row, col);
}

static void cell_put(const struct screen *s, unsigned row, unsigned col,
                     uint8_t c, int attr)
{
    if (row >= s->rows || col >= s->cols)
        return;
    uint8_t *cell = s->cells + 2 * (row * s->cols + col);
    cell[0] = c;
    if (attr >= 0)
        cell[1] = (uint8_t)attr;
}

/* Scroll the window rows top..bottom, columns left..right by n lines
 * (up when up, else down); n == 0 or n > height clears it. */
static void scroll(const struct screen *s, unsigned top, unsigned left,
                   unsigned bottom, unsigned right, unsigned n, bool up,
                   uint8_t attr)
{
    if (bottom >= s->rows)
        bottom = s->rows - 1;
    if (right >= s->cols)
        right = s->cols - 1;
    if (top > bottom || left > right)
        return;
    unsigned height = bottom - top + 1, width = right - left + 1;
    if (n == 0 || n > height)
        n = height;
    for (unsigned i = 0; i < height; i++) {
        unsigned row = up ? top + i : bottom - i;
        uint8_t *dst = s->cells + 2 * (row * s->cols + left);
        if (i + n < height) {
            unsigned from = up ? row + n : row - n;
            memmove(dst, s->cells + 2 * (from * s->cols + left), 2 * width);
        } else {
            for (unsigned c = 0; c < width; c++) {
                dst[2 * c] = ' ';
                dst[2 * c + 1] = attr;
            }
        }
    }
}

/* Teletype one character at the cursor, as a PC BIOS does: BEL, BS, CR
 * and LF move the cursor, the rest is written (attribute kept unless
 * attr >= 0) and advances it; past the last row the page scrolls. */
static void teletype(const struct bios *b, const struct screen *s, uint8_t c,
                     int attr)
{
    unsigned row, col;

    cursor_get(s, &row, &col);
    switch (c) {
    case CH_BEL:
        break;
    case CH_BS:
        if (col > 0)
            col--;
        break;
    case CH_CR:
        col = 0;
        break;
    case CH_LF:
        row++;
        break;
    default:
        cell_put(s, row, col, c, attr);
        if (++col >= s->cols) {
            col = 0;
            row++;
        }
    }
    if (row >= s->rows) {
        scroll(s, 0, 0, s->rows - 1, s->cols - 1, 1, true, TEXT_ATTR);
        row = s->rows - 1;
    }
    cursor_set(b, s, row, col);
}

/* The console stream gets what a terminal shows for the same bytes: CR
 * only moves a cursor the screen dump shows anyway, so it is left out. */
static void console_out(int out_fd, uint8_t c)
{
    if (c != CH_CR)
        fdwrite_all(out_fd, &c, 1);
}

static void clear_page(const struct screen *s)
{
    scroll(s, 0, 0, s->rows - 1, s->cols - 1, 0, true, TEXT_ATTR);
}

static int video(struct bios *b, const struct guestmem *mem, struct regs *r,
                 int out_fd, struct skvm_err *err)
{
    struct screen s;
    unsigned row, col;
    uint8_t *d = bda(mem);
    /* The page: BH where the function takes one; teletype writes on the
     * active page whatever BH holds, as SeaBIOS does (tutorials often
     * leave BH unset). */
    uint8_t fn = ah(r);
    unsigned page = fn == 0x02 || fn == 0x03 || fn == 0x09 || fn == 0x0A ||
                            fn == 0x13
                        ? bh(r)
                    : fn == 0x0E && d ? d[BDA_VIDEO_PAGE]
                                      : 0;

    if (!d || !screen_open(mem, page, &s))
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "int 0x10: the BIOS data area or the text buffer is "
                         "outside guest RAM");
    switch (ah(r)) {
    case 0x00: { /* set mode: the text modes, cleared */
        uint8_t mode = al(r) & 0x7F;
        if (mode > 0x03 && mode != 0x07) {
            char d[64];
            snprintf(d, sizeof(d), " (set video mode 0x%02x: only text modes "
                     "0-3 and 7)", mode);
            return unsupported(mem, r, d, err);
        }
        s.bda[BDA_VIDEO_MODE] = mode;
        s.bda[BDA_VIDEO_PAGE] = 0;
        if (!(al(r) & 0x80))
            for (unsigned p = 0; p < TEXT_PAGES; p++) {
                struct screen sp;
                if (screen_open(mem, p, &sp))
                    clear_page(&sp);
            }
        for (unsigned p = 0; p < TEXT_PAGES; p++)
            le_put16(s.bda + BDA_CURSOR_POS + 2 * p, 0);
        cursor_set(b, &s, 0, 0);
        return 0;
    }
    case 0x01: /* cursor shape */
        le_put16(s.bda + BDA_CURSOR_SHAPE, lo16(r->ecx));
        return 0;
    case 0x02: /* set cursor position */
        cursor_set(b, &s, dh(r), dl(r));
        return 0;
    case 0x03: /* get cursor position and shape */
        cursor_get(&s, &row, &col);
        set_dx(r, (uint16_t)(row << 8 | col));
        set_cx(r, le_get16(s.bda + BDA_CURSOR_SHAPE));
        set_ax(r, 0);
        return 0;
    case 0x06: /* scroll up */
    case 0x07: /* scroll down */
        scroll(&s, ch(r), cl(r), dh(r), dl(r), al(r), ah(r) == 0x06, bh(r));
        return 0;
    case 0x09: /* character and attribute at the cursor, CX times */
    case 0x0A: /* character only */
        cursor_get(&s, &row, &col);
        for (uint32_t i = 0, n = lo16(r->ecx); i < n; i++) {
            unsigned at = row * s.cols + col + i;
            if (at >= s.cols * s.rows)
                break;
            cell_put(&s, at / s.cols, at % s.cols, al(r),
                     ah(r) == 0x09 ? bl(r) : -1);
        }
        return 0;
    case 0x0E: { /* teletype */
        uint8_t c = al(r);
        teletype(b, &s, c, -1);
        console_out(out_fd, c);
        return 0;
    }
    case 0x0F: /* get mode */
        set_al(r, s.bda[BDA_VIDEO_MODE]);
        set_ah(r, (uint8_t)le_get16(s.bda + BDA_VIDEO_COLS));
        r->ebx = (r->ebx & 0xFFFF00FFu) | (uint32_t)s.bda[BDA_VIDEO_PAGE] << 8;
        return 0;
    case 0x13: { /* write string ES:BP, CX chars, at DH,DL */
        bool attrs = al(r) & 0x02, move = al(r) & 0x01;
        uint32_t n = lo16(r->ecx), bytes = attrs ? 2 * n : n;
        const uint8_t *str = seg_ptr(mem, r->es, lo16(r->ebp), bytes);
        unsigned save_row, save_col;
        if (!str)
            return skvm_fail(err, SKVM_GUEST_FAULT,
                             "int 0x10 AH=0x13: the string at %04x:%04x "
                             "(%u bytes) wraps its segment or is outside "
                             "guest RAM, called from %04x:%04x",
                             r->es, lo16(r->ebp), bytes, r->cs,
                             caller_ip(mem, r));
        cursor_get(&s, &save_row, &save_col);
        cursor_set(b, &s, dh(r), dl(r));
        for (uint32_t i = 0; i < n; i++) {
            uint8_t c = attrs ? str[2 * i] : str[i];
            teletype(b, &s, c, attrs ? str[2 * i + 1] : bl(r));
            console_out(out_fd, c);
        }
        if (!move)
            cursor_set(b, &s, save_row, save_col);
        return 0;
    }
    default:
        return unsupported(mem, r, NULL, err);
    }
}

/* ---- int 0x13: disk ---------------------------------------------------- */

static int disk_done(struct bios *b, const struct guestmem *mem,
                     struct regs *r, uint8_t status)
{
    uint8_t *d = bda(mem);

    b->status = status;
    if (d)
        d[b->drive & BIOS_DRIVE_HDD ? BDA_HDD_STATUS : BDA_FLOPPY_STATUS] =
            status;
    set_ah(r, status);
    set_cf(r, status != BIOS_DISK_OK);
    return 0;
}

/* Copy count sectors from lba between the disk and buf (a checked host
 * view of guest memory). Returns the sectors done; fewer when the disk
 * ends first. */
static uint32_t transfer(struct bios *b, uint64_t lba, uint32_t count,
                         uint8_t *buf, bool write)
{
    uint32_t n = 0;

    if (lba < b->sectors)
        n = b->sectors - lba < count ? (uint32_t)(b->sectors - lba) : count;
    if (n == 0)
        return 0;
    if (write) {
        memcpy(b->disk + lba * BIOS_SECTOR, buf, (size_t)n * BIOS_SECTOR);
        b->dirty = true;
    } else {
        memcpy(buf, b->disk + lba * BIOS_SECTOR, (size_t)n * BIOS_SECTOR);
    }
    return n;
}

static int disk_chs(struct bios *b, const struct guestmem *mem,
                    struct regs *r, bool write)
{
    unsigned count = al(r), sector = cl(r) & 0x3F, head = dh(r);
    unsigned cyl = ch(r) | (unsigned)(cl(r) & 0xC0) << 2;

    set_al(r, 0);
    if (count == 0 || sector == 0 || sector > b->spt || head >= b->heads ||
        cyl >= b->cyls)
        return disk_done(b, mem, r, sector > b->spt || cyl >= b->cyls
                                        ? BIOS_DISK_NOT_FOUND
                                        : BIOS_DISK_BAD_PARAM);
    uint8_t *buf = seg_ptr(mem, r->es, lo16(r->ebx), count * BIOS_SECTOR);
    if (!buf)
        return disk_done(b, mem, r, BIOS_DISK_BOUNDARY);
    uint64_t lba = ((uint64_t)cyl * b->heads + head) * b->spt + sector - 1;
    uint32_t done = transfer(b, lba, count, buf, write);
    set_al(r, (uint8_t)done);
    return disk_done(b, mem, r,
                     done == count ? BIOS_DISK_OK : BIOS_DISK_NOT_FOUND);
}

/* AH=0x42/0x43: the disk address packet at DS:SI. */
static int disk_ext(struct bios *b, const struct guestmem *mem,
                    struct regs *r, bool write)
{
    uint8_t *dap = seg_ptr(mem, r->ds, lo16(r->esi), DAP_MIN);
    uint8_t *buf;

    if (!dap || dap[0] < DAP_MIN)
        return disk_done(b, mem, r, BIOS_DISK_BAD_PARAM);
    uint16_t count = le_get16(dap + 2), off = le_get16(dap + 4), seg = le_get16(dap + 6);
    uint64_t lba = (uint64_t)le_get32(dap + 8) | (uint64_t)le_get32(dap + 12) << 32;
    uint32_t bytes = (uint32_t)count * BIOS_SECTOR;
    if (count > EDD_MAX_COUNT) {
        le_put16(dap + 2, 0);
        return disk_done(b, mem, r, BIOS_DISK_BAD_PARAM);
    }
    if (seg == DAP_FLAT_SEG && off == DAP_FLAT_SEG && dap[0] >= DAP_FLAT) {
        uint8_t *big = seg_ptr(mem, r->ds, lo16(r->esi), DAP_FLAT);
        uint64_t flat = big ? (uint64_t)le_get32(big + 16) |
                                  (uint64_t)le_get32(big + 20) << 32
                            : UINT64_MAX;
        buf = big ? guestmem_ptr_rw(mem, flat, bytes) : NULL;
    } else {
        buf = seg_ptr(mem, seg, off, bytes);
    }
    if (!buf && count) {
        le_put16(dap + 2, 0);
        return disk_done(b, mem, r, BIOS_DISK_BOUNDARY);
    }
    uint32_t done = count ? transfer(b, lba, count, buf, write) : 0;
    le_put16(dap + 2, (uint16_t)done);
    return disk_done(b, mem, r,
                     done == count ? BIOS_DISK_OK : BIOS_DISK_NOT_FOUND);
}

static int disk(struct bios *b, const struct guestmem *mem, struct regs *r)
{
    uint8_t fn = ah(r);

    /* A drive this BIOS does not have: as a PC BIOS answers. */
    if (dl(r) != b->drive && fn != 0x00 && fn != 0x01) {
        if (fn == 0x15) { /* type: no such drive */
            set_ah(r, 0);
            set_cf(r, false);
            return 0;
        }
        return disk_done(b, mem, r, BIOS_DISK_NO_MEDIA);
    }
    switch (fn) {
    case 0x00: /* reset */
        return disk_done(b, mem, r, BIOS_DISK_OK);
    case 0x01: { /* status of the last operation */
        uint8_t last = b->status;
        disk_done(b, mem, r, last);
        b->status = BIOS_DISK_OK;
        return 0;
    }
    case 0x02:
    case 0x03:
        return disk_chs(b, mem, r, fn == 0x03);
    case 0x08: { /* parameters */
        unsigned max_cyl = b->cyls - 1;
        set_ax(r, 0);
        set_cx(r, (uint16_t)((max_cyl & 0xFF) << 8 |
                             (max_cyl >> 2 & 0xC0) | b->spt));
        set_dx(r, (uint16_t)((b->heads - 1) << 8 | 1));
        if (b->drive == BIOS_DRIVE_FLOPPY) {
            set_bx(r, FLOPPY_TYPE_144);
            r->es = 0;
            r->edi &= 0xFFFF0000u;
        }
        return disk_done(b, mem, r, BIOS_DISK_OK);
    }
    case 0x15: /* type */
        set_cf(r, false);
        if (b->drive == BIOS_DRIVE_FLOPPY) {
            set_ah(r, DISK_TYPE_FLOPPY_NO_CHANGELINE);
        } else {
            set_ah(r, DISK_TYPE_HDD);
            set_cx(r, (uint16_t)(b->sectors >> 16));
            set_dx(r, (uint16_t)b->sectors);
        }
        return 0;
    case 0x41: /* extensions present? */
        if (lo16(r->ebx) != EDD_CHECK_IN)
            return disk_done(b, mem, r, BIOS_DISK_BAD_PARAM);
        set_bx(r, EDD_CHECK_OUT);
        set_cx(r, EDD_FIXED_ACCESS);
        set_cf(r, false);
        set_ah(r, EDD_VERSION);
        return 0;
    case 0x42:
    case 0x43:
        return disk_ext(b, mem, r, fn == 0x43);
    case 0x48: { /* extended parameters into DS:SI */
        uint8_t *p = seg_ptr(mem, r->ds, lo16(r->esi), EDD_PARAMS_MIN);
        if (!p || le_get16(p) < EDD_PARAMS_MIN)
            return disk_done(b, mem, r, BIOS_DISK_BAD_PARAM);
        le_put16(p, EDD_PARAMS_MIN);
        le_put16(p + 2, EDD_INFO_CHS_VALID);
        le_put32(p + 4, b->cyls);
        le_put32(p + 8, b->heads);
        le_put32(p + 12, b->spt);
        le_put64(p + 16, b->sectors);
        le_put16(p + 24, BIOS_SECTOR);
        return disk_done(b, mem, r, BIOS_DISK_OK);
    }
    default:
        return -1; /* the caller names it */
    }
}

/* ---- int 0x15: system -------------------------------------------------- */

struct e820 {
    uint64_t base, len;
    uint32_t type;
};

/* RAM below the EBDA, the EBDA/VGA/BIOS area reserved, RAM above 1 MiB
 * (real mode's --mem stops below the 3 GiB hole). */
static size_t e820_map(const struct bios *b, struct e820 *m)
{
    size_t n = 0;

    m[n++] = (struct e820){0, LAYOUT_EBDA_BASE, E820_RAM};
    m[n++] = (struct e820){LAYOUT_EBDA_BASE, REAL_MEM_TOP - LAYOUT_EBDA_BASE,
                           E820_RESERVED};
    if (b->mem_size > REAL_MEM_TOP)
        m[n++] = (struct e820){REAL_MEM_TOP, b->mem_size - REAL_MEM_TOP,
                               E820_RAM};
    return n;
}

static int system_call(struct bios *b, const struct guestmem *mem,
                       struct regs *r, struct skvm_err *err)
{
    uint64_t above = b->mem_size > REAL_MEM_TOP ? b->mem_size - REAL_MEM_TOP
                                                : 0;

    if (r->eax == 0xE820) {
        struct e820 map[3];
        size_t n = e820_map(b, map);
        uint32_t want = r->ecx >= E820_ENTRY_ACPI ? E820_ENTRY_ACPI
                                                  : E820_ENTRY;
        uint8_t *buf = seg_ptr(mem, r->es, lo16(r->edi), want);
        if (r->edx != E820_SMAP || r->ecx < E820_ENTRY || r->ebx >= n ||
            !buf) {
            set_ah(r, BIOS_UNSUPPORTED);
            set_cf(r, true);
            return 0;
        }
        const struct e820 *e = &map[r->ebx];
        le_put64(buf, e->base);
        le_put64(buf + 8, e->len);
        le_put32(buf + 16, e->type);
        if (want == E820_ENTRY_ACPI)
            le_put32(buf + 20, E820_ACPI_VALID);
        r->eax = E820_SMAP;
        r->ecx = want;
        r->ebx = r->ebx + 1 < n ? r->ebx + 1 : 0;
        set_cf(r, false);
        return 0;
    }
    switch (lo16(r->eax)) {
    case 0xE801: {
        uint64_t low_kb = above / KIB, high = 0;
        if (low_kb > E801_MAX_KB)
            low_kb = E801_MAX_KB;
        if (b->mem_size > MEM_16M)
            high = (b->mem_size - MEM_16M) >> 16;
        if (high > 0xFFFF)
            high = 0xFFFF;
        set_ax(r, (uint16_t)low_kb);
        set_cx(r, (uint16_t)low_kb);
        set_bx(r, (uint16_t)high);
        set_dx(r, (uint16_t)high);
        set_cf(r, false);
        return 0;
    }
    case 0x2401: /* A20 on: it always is here */
    case 0x2403: /* A20 support: none needed */
        if (lo16(r->eax) == 0x2403)
            set_bx(r, 0);
        set_ah(r, 0);
        set_cf(r, false);
        return 0;
    case 0x2402: /* A20 status */
        set_ax(r, A20_ON);
        set_cf(r, false);
        return 0;
    default:
        break;
    }
    if (ah(r) == 0x88) {
        set_ax(r, above / KIB > 0xFFFF ? 0xFFFF : (uint16_t)(above / KIB));
        set_cf(r, false);
        return 0;
    }
    char d[32];
    snprintf(d, sizeof(d), " (AX=0x%04x)", lo16(r->eax));
    return unsupported(mem, r, d, err);
}

/* ---- int 0x16: keyboard ------------------------------------------------ */

/* The next key from the input: >= 0, or -1 at the end of input, -2 when
 * none is there yet (only when !wait), -3 when a stop interrupted the
 * wait. */
static int key_read(struct bios *b, bool wait)
{
    uint8_t c;

    if (b->key >= 0)
        return b->key;
    if (b->in_eof || b->in_fd < 0)
        return -1;
    for (;;) {
        if (!wait) {
            struct pollfd p = {.fd = b->in_fd, .events = POLLIN};
            int n = poll(&p, 1, 0);
            if (n == 0)
                return -2;
            if (n < 0 && errno != EINTR)
                return -1;
        }
        ssize_t n = read(b->in_fd, &c, 1);
        if (n == 1) {
            b->key = c;
            return c;
        }
        if (n < 0 && errno == EINTR) {
            if (stop_requested())
                return -3;
            continue;
        }
        if (n < 0 && errno == EAGAIN && !wait)
            return -2;
        b->in_eof = true;
        return -1;
    }
}

static uint16_t key_code(int c)
{
    uint8_t ascii = c == CH_LF ? CH_CR : (uint8_t)c;

    return (uint16_t)((c < 128 ? scan_of[c] : 0) << 8 | ascii);
}

static int keyboard(struct bios *b, const struct guestmem *mem,
                    struct regs *r, struct skvm_err *err)
{
    int c;

    switch (ah(r)) {
    case 0x00: /* wait for a key */
    case 0x10:
        c = key_read(b, true);
        if (c == -3) {
            if (stop_signal())
                return skvm_fail_signal(err, stop_signal());
            return skvm_fail(err, SKVM_TIMEOUT,
                             "guest did not halt within %g s (--timeout)",
                             b->timeout_s);
        }
        if (c < 0) {
            b->end = BIOS_END_NO_KEY;
            b->end_cs = r->cs;
            b->end_ip = caller_ip(mem, r);
            return BIOS_ENDED;
        }
        b->key = -1;
        set_ax(r, key_code(c));
        return 0;
    case 0x01: /* is a key there? */
    case 0x11:
        c = key_read(b, false);
        if (c == -3)
            c = -2;
        set_zf(r, c < 0);
        if (c >= 0)
            set_ax(r, key_code(c));
        return 0;
    case 0x02: /* shift flags: none held */
    case 0x12:
        set_al(r, 0);
        return 0;
    default:
        return unsupported(mem, r, NULL, err);
    }
}

/* ---- the call ---------------------------------------------------------- */

static int service(struct bios *b, const struct guestmem *mem,
                   struct regs *r, int out_fd, struct skvm_err *err)
{
    int rc = 0;

    switch (r->vector) {
    case 0x10:
        rc = video(b, mem, r, out_fd, err);
        break;
    case 0x13:
        rc = disk(b, mem, r);
        if (rc < 0)
            return unsupported(mem, r, NULL, err);
        break;
    case 0x15:
        rc = system_call(b, mem, r, err);
        break;
    case 0x16:
        rc = keyboard(b, mem, r, err);
        break;
    case 0x1A: {
        uint64_t ns = hypercall_clock_ns() - b->start_ns;
        uint32_t ticks = (uint32_t)((ns / 1000) * TICKS_PER_S_NUM /
                                    TICKS_PER_S_DEN / 1000000u);
        uint8_t *d = bda(mem);
        if (ah(r) != 0x00)
            return unsupported(mem, r, NULL, err);
        if (d)
            le_put32(d + BDA_TICKS, ticks);
        set_cx(r, (uint16_t)(ticks >> 16));
        set_dx(r, (uint16_t)ticks);
        set_al(r, 0);
        break;
    }
    case 0x19:
        b->end = BIOS_END_REBOOT;
        b->end_cs = r->cs;
        b->end_ip = caller_ip(mem, r);
        return BIOS_ENDED;
    default:
        if (r->vector < FIRST_SERVICE) {
            char m[16];
            return skvm_fail(err, SKVM_GUEST_FAULT,
                             "guest raised %s (vector %u, %s) at %04x:%04x",
                             exception_mnemonic(r->vector, m, sizeof(m)),
                             r->vector, exception_name(r->vector), r->cs,
                             r->ip);
        }
        return unsupported(mem, r, NULL, err);
    }
    return rc;
}

int bios_call(struct bios *b, const struct guestmem *mem, uint32_t frame,
              int out_fd, struct skvm_err *err)
{
    uint8_t *f = guestmem_ptr_rw(mem, frame, BIOS_FRAME_SIZE);
    struct regs r;
    int rc = 0;

    if (!f || frame + (uint64_t)BIOS_FRAME_SIZE > REAL_MEM_TOP + SEG_SIZE)
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "BIOS frame at 0x%x is outside guest RAM: the "
                         "caller's stack (SS:SP) cannot hold it",
                         frame);
    frame_load(f, &r);
    /* Kept for bios_unwind() should this call end the run. */
    b->have_caller = false;
    b->caller_frame = frame;
    for (unsigned i = 0; i < 8; i++)
        b->caller_gpr[i] = le_get32(f + 4 * i);
    b->caller_cs = r.cs;
    b->caller_ip = r.vector < FIRST_SERVICE ? r.ip : caller_ip(mem, &r);
    b->caller_flags = r.flags;
    b->caller_ds = r.ds;
    b->caller_es = r.es;
    rc = service(b, mem, &r, out_fd, err);
    if (rc < 0) {
        b->have_caller = err->status == SKVM_GUEST_FAULT;
        return -1;
    }
    if (rc != BIOS_ENDED)
        frame_store(f, &r);
    return rc;
}

static void real_seg(struct kvm_segment *s, uint16_t sel)
{
    s->selector = sel;
    s->base = (uint64_t)sel << 4;
}

bool bios_unwind(const struct bios *b, struct kvm_regs *regs,
                 struct kvm_sregs *sregs)
{
    const uint32_t *g = b->caller_gpr;

    if (!b->have_caller || b->caller_frame < sregs->ss.base)
        return false;
    regs->rdi = g[0], regs->rsi = g[1], regs->rbp = g[2];
    regs->rbx = g[4], regs->rdx = g[5], regs->rcx = g[6], regs->rax = g[7];
    regs->rsp = b->caller_frame - sregs->ss.base + BIOS_FRAME_SIZE;
    regs->rip = b->caller_ip;
    regs->rflags = b->caller_flags | X86_RFLAGS_RESERVED;
    real_seg(&sregs->cs, b->caller_cs);
    real_seg(&sregs->ds, b->caller_ds);
    real_seg(&sregs->es, b->caller_es);
    return true;
}

bool bios_end_note(const struct bios *b, char *buf, size_t len)
{
    switch (b->end) {
    case BIOS_END_REBOOT:
        snprintf(buf, len,
                 "the guest called int 0x19 (reboot) at %04x:%04x: run ended",
                 b->end_cs, b->end_ip);
        return true;
    case BIOS_END_NO_KEY:
        snprintf(buf, len,
                 "the guest waited for a key (int 0x16 AH=0x00) at %04x:%04x "
                 "after the end of standard input: run ended",
                 b->end_cs, b->end_ip);
        return true;
    default:
        return false;
    }
}

/* ---- installing -------------------------------------------------------- */

int bios_install(const struct bios *b, const struct guestmem *mem,
                 const uint8_t *image, size_t len, struct skvm_err *err)
{
    uint8_t ivt[IVT_ENTRIES * IVT_ENTRY_SIZE];
    uint8_t d[BDA_SIZE] = {0};
    uint16_t vec_off;

    if (!guestmem_contains(mem, 0, REAL_MEM_TOP))
        return skvm_fail(err, SKVM_USAGE,
                         "--boot needs at least 1M of guest RAM (--mem): the "
                         "BIOS lives below 1 MiB");
    if (len < BIOS_HDR_SIZE || len > LAYOUT_BIOS_SIZE ||
        memcmp(image + BIOS_HDR_MAGIC, BIOS_MAGIC, strlen(BIOS_MAGIC)) != 0 ||
        (vec_off = le_get16(image + BIOS_HDR_VECTORS)) >
            len - IVT_ENTRIES * sizeof(uint16_t))
        return skvm_fail(err, SKVM_USAGE, "the built-in BIOS image is "
                                          "malformed");
    /* The IVT: every vector to its handler in segment F000. */
    for (unsigned v = 0; v < IVT_ENTRIES; v++) {
        le_put16(ivt + v * IVT_ENTRY_SIZE, le_get16(image + vec_off + 2 * v));
        le_put16(ivt + v * IVT_ENTRY_SIZE + 2, BIOS_SEGMENT);
    }
    /* The BIOS data area. */
    le_put16(d + BDA_COM1, LAYOUT_PORT_COM1);
    le_put16(d + BDA_EBDA_SEG, LAYOUT_EBDA_BASE >> 4);
    le_put16(d + BDA_EQUIPMENT, EQUIP_VIDEO_80X25 | 1 << EQUIP_SERIAL_SHIFT |
                                (b->drive == BIOS_DRIVE_FLOPPY ? EQUIP_FLOPPY
                                                               : 0));
    le_put16(d + BDA_MEM_KB, LAYOUT_EBDA_BASE / KIB);
    le_put16(d + BDA_KBD_HEAD, BDA_KBD_BUF);
    le_put16(d + BDA_KBD_TAIL, BDA_KBD_BUF);
    le_put16(d + BDA_KBD_START, BDA_KBD_BUF);
    le_put16(d + BDA_KBD_END, BDA_KBD_BUF + 32);
    d[BDA_VIDEO_MODE] = TEXT_MODE_DEFAULT;
    le_put16(d + BDA_VIDEO_COLS, TEXT_COLS);
    le_put16(d + BDA_VIDEO_PAGE_SIZE, TEXT_PAGE_SIZE);
    le_put16(d + BDA_CURSOR_SHAPE, CURSOR_SHAPE_DEFAULT);
    le_put16(d + BDA_CRTC_PORT, CRTC_COLOUR_PORT);
    d[BDA_HDD_COUNT] = b->drive == BIOS_DRIVE_HDD ? 1 : 0;
    d[BDA_VIDEO_ROWS] = TEXT_ROWS - 1;
    uint8_t ebda[KIB] = {(uint8_t)((LAYOUT_PC_HOLE_BASE - LAYOUT_EBDA_BASE) /
                                   KIB)}; /* first byte: its size in KiB */
    if (guestmem_write(mem, 0, ivt, sizeof(ivt)) < 0 ||
        guestmem_write(mem, LAYOUT_BDA_BASE, d, sizeof(d)) < 0 ||
        guestmem_write(mem, LAYOUT_EBDA_BASE, ebda, sizeof(ebda)) < 0 ||
        guestmem_write(mem, LAYOUT_BIOS_BASE, image, len) < 0 ||
        guestmem_write(mem, LAYOUT_BIOS_BASE + BIOS_HDR_DRIVE, &b->drive,
                       1) < 0 ||
        guestmem_write(mem, LAYOUT_BOOT_SECTOR, b->disk, BIOS_SECTOR) < 0)
        return skvm_fail(err, SKVM_USAGE,
                         "--boot: guest RAM refused the BIOS's tables");
    /* A blank text screen, as after a BIOS's mode set. */
    struct screen s;
    if (screen_open(mem, 0, &s))
        clear_page(&s);
    return 0;
}
