/* vga.c - VGA text: CRTC cursor registers, reading the text buffer out
 * of guest memory, and rendering it as UTF-8 text (CP437 glyphs). */
#include "dev/vga.h"

#include <string.h>

/* CP437 to Unicode. 0x00 (RAM's zero) shows as a space. */
static const uint16_t cp437[256] = {
    0x0020, 0x263A, 0x263B, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022,
    0x25D8, 0x25CB, 0x25D9, 0x2642, 0x2640, 0x266A, 0x266B, 0x263C,
    0x25BA, 0x25C4, 0x2195, 0x203C, 0x00B6, 0x00A7, 0x25AC, 0x21A8,
    0x2191, 0x2193, 0x2192, 0x2190, 0x221F, 0x2194, 0x25B2, 0x25BC,
#define A(c) (c), (c) + 1, (c) + 2, (c) + 3, (c) + 4, (c) + 5, (c) + 6, (c) + 7
    A(0x20), A(0x28), A(0x30), A(0x38), A(0x40), A(0x48), A(0x50), A(0x58),
    A(0x60), A(0x68), A(0x70), 0x78, 0x79, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E,
    0x2302,
#undef A
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7,
    0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
    0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
    0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192,
    0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA,
    0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
    0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
    0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,
    0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B,
    0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
    0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4,
    0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
    0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248,
    0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
};
_Static_assert(sizeof(cp437) / sizeof(cp437[0]) == 256, "one per byte");

/* VGA colour numbers (blue is bit 0) to ANSI's (red is bit 0). */
static const uint8_t ansi_colour[8] = {0, 4, 2, 6, 1, 5, 3, 7};
#define SGR_FG        30
#define SGR_FG_BRIGHT 90
#define SGR_BG        40

#define CP437_NUL  0x00 /* RAM's zero: shown as a space */
#define CP437_NBSP 0xFF /* a no-break space */

#define CURSOR_SCAN_START 0x0D /* a BIOS's underline cursor, mode 3 */
#define CURSOR_SCAN_END   0x0E

void vga_crtc_init(struct vga_crtc *c)
{
    memset(c, 0, sizeof(*c));
    c->regs[VGA_CRTC_CURSOR_START] = CURSOR_SCAN_START;
    c->regs[VGA_CRTC_CURSOR_END] = CURSOR_SCAN_END;
}

void vga_crtc_write(struct vga_crtc *c, unsigned port, uint8_t value)
{
    if (port == 0)
        c->index = value;
    else
        c->regs[c->index] = value;
}

uint8_t vga_crtc_read(const struct vga_crtc *c, unsigned port)
{
    return port == 0 ? c->index : c->regs[c->index];
}

int vga_screen_read(struct vga_screen *s, const struct guestmem *mem,
                    const struct vga_crtc *crtc)
{
    unsigned pos = 0;

    memset(s, 0, sizeof(*s));
    if (guestmem_read(mem, LAYOUT_VGA_TEXT_BASE, s->cells, VGA_TEXT_SIZE) < 0)
        return -1;
    s->cursor_on = true;
    if (crtc) {
        pos = (unsigned)crtc->regs[VGA_CRTC_CURSOR_HIGH] << 8 |
              crtc->regs[VGA_CRTC_CURSOR_LOW];
        s->cursor_on =
            !(crtc->regs[VGA_CRTC_CURSOR_START] & VGA_CURSOR_DISABLE);
    }
    /* As the CRTC holds it: a location past the screen (row 25 and
     * on) is reported as it is, not clamped. */
    s->cursor_row = pos / VGA_COLS;
    s->cursor_col = pos % VGA_COLS;
    return 0;
}

bool vga_screen_changed(const struct vga_screen *before,
                        const struct vga_screen *after)
{
    static const uint8_t zeros[VGA_TEXT_SIZE];

    return memcmp(before->untouched ? zeros : before->cells, after->cells,
                  VGA_TEXT_SIZE) != 0;
}

static uint8_t cell_char(const struct vga_screen *s, unsigned row,
                         unsigned col)
{
    return s->cells[(row * VGA_COLS + col) * VGA_CELL];
}

static uint8_t cell_attr(const struct vga_screen *s, unsigned row,
                         unsigned col)
{
    return s->cells[(row * VGA_COLS + col) * VGA_CELL + 1];
}

static bool blank_char(uint8_t c)
{
    return c == CP437_NUL || c == ' ' || c == CP437_NBSP;
}

/* Columns of `row` worth printing: up to the last non-blank cell (with
 * colours, also the last blank cell with a background). */
static unsigned row_width(const struct vga_screen *s, unsigned row,
                          bool ansi)
{
    unsigned n = VGA_COLS;

    while (n > 0 && blank_char(cell_char(s, row, n - 1)) &&
           (!ansi || !(cell_attr(s, row, n - 1) & VGA_ATTR_BG)))
        n--;
    return n;
}

unsigned vga_screen_rows(const struct vga_screen *s)
{
    unsigned rows = VGA_ROWS;

    while (rows > 0 && row_width(s, rows - 1, false) == 0)
        rows--;
    return rows;
}

/* One CP437 byte as UTF-8 into p; returns the bytes written. */
static size_t put_glyph(uint8_t c, char *p)
{
    uint16_t u = cp437[c];

    if (u < 0x80) {
        p[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        p[0] = (char)(0xC0 | (u >> 6));
        p[1] = (char)(0x80 | (u & 0x3F));
        return 2;
    }
    p[0] = (char)(0xE0 | (u >> 12));
    p[1] = (char)(0x80 | ((u >> 6) & 0x3F));
    p[2] = (char)(0x80 | (u & 0x3F));
    return 3;
}

size_t vga_row_text(const struct vga_screen *s, unsigned row, char *buf)
{
    unsigned width = row < VGA_ROWS ? row_width(s, row, false) : 0;
    size_t len = 0;

    for (unsigned col = 0; col < width; col++)
        len += put_glyph(cell_char(s, row, col), buf + len);
    buf[len] = '\0';
    return len;
}

/* "\e[0;FG;BGm" for an attribute. */
static void put_sgr(uint8_t attr, FILE *out)
{
    unsigned fg = ansi_colour[attr & 7u] +
                  ((attr & VGA_ATTR_BRIGHT) ? SGR_FG_BRIGHT : SGR_FG);
    unsigned bg = ansi_colour[(attr & VGA_ATTR_BG) >> VGA_ATTR_BG_SHIFT] +
                  SGR_BG;

    fprintf(out, "\033[0;%u;%um", fg, bg);
}

void vga_render(const struct vga_screen *s, bool ansi, FILE *out)
{
    unsigned rows = vga_screen_rows(s);
    char glyph[VGA_UTF8_MAX];

    if (ansi) /* a coloured blank row counts too */
        for (unsigned r = rows; r < VGA_ROWS; r++)
            if (row_width(s, r, true))
                rows = r + 1;
    fprintf(out, "=== VGA text screen (%ux%u, cursor at row %u, column %u%s) "
                 "===\n",
            VGA_COLS, VGA_ROWS, s->cursor_row, s->cursor_col,
            s->cursor_on ? "" : ", hidden");
    for (unsigned r = 0; r < rows; r++) {
        unsigned width = row_width(s, r, ansi);
        int attr = -1; /* none set yet on this line */
        for (unsigned c = 0; c < width; c++) {
            if (ansi && cell_attr(s, r, c) != attr) {
                attr = cell_attr(s, r, c);
                put_sgr((uint8_t)attr, out);
            }
            fwrite(glyph, 1, put_glyph(cell_char(s, r, c), glyph), out);
        }
        fputs(attr >= 0 ? "\033[0m\n" : "\n", out);
    }
    fputs("=== end of VGA text screen ===\n", out);
}
