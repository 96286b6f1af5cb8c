/* vga.h - VGA text mode: the 80x25 buffer at LAYOUT_VGA_TEXT_BASE and
 * the CRTC's cursor registers (index at LAYOUT_PORT_CRTC_INDEX, data
 * one port up), and the one renderer of a text screen (simple-kvm's
 * end-of-run screen; a boot sector's BIOS output too).
 *
 * The text buffer is plain guest RAM: the guest writes it without an
 * exit, and the host reads it at the end of the run through the checked
 * guest-memory view (core/guestmem.h). "The guest wrote to the screen"
 * means its 4000 bytes differ from what they held when the guest
 * started (a copy taken then: RAM starts zeroed, but an image may cover
 * the buffer). Each cell is a CP437 character and an attribute
 * (foreground bits 0-3, background bits 4-6, bit 7 blink).
 *
 * CRTC: every index (0-255) stores and reads back, including the cursor
 * start/end (0x0A/0x0B; bit 5 of 0x0A hides the cursor) and location
 * (0x0E high, 0x0F low byte: row * 80 + column). A 16-bit OUT to the
 * index port writes the index (low byte) then the data (high byte), as
 * on the ISA bus: the `out dx, ax` idiom.
 *
 * Rendering: blank cells (NUL, space, 0xFF) at the end of a row and
 * blank rows at the bottom are trimmed; rows above the last text stay,
 * as empty lines. Characters go out as UTF-8 (CP437's glyphs for the
 * control range, box drawing and the rest); VGA_ANSI adds SGR colours
 * from the attributes and keeps trailing blanks with a coloured
 * background. The screen comes between two delimiter lines:
 *     === VGA text screen (80x25, cursor at row R, column C) ===
 *     === end of VGA text screen ===
 */
#ifndef SKVM_DEV_VGA_H
#define SKVM_DEV_VGA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/guestmem.h"
#include "core/layout.h"

#define VGA_COLS      80
#define VGA_ROWS      25
#define VGA_CELL      2 /* character, attribute */
#define VGA_TEXT_SIZE (VGA_COLS * VGA_ROWS * VGA_CELL)
#define VGA_CRTC_PORTS 2 /* index, data */

#define VGA_CRTC_CURSOR_START 0x0A
#define VGA_CRTC_CURSOR_END   0x0B
#define VGA_CRTC_CURSOR_HIGH  0x0E
#define VGA_CRTC_CURSOR_LOW   0x0F
#define VGA_CURSOR_DISABLE    0x20 /* in CURSOR_START */
#define VGA_CRTC_REGS         256

#define VGA_ATTR_FG     0x0F
#define VGA_ATTR_BRIGHT 0x08
#define VGA_ATTR_BG     0x70
#define VGA_ATTR_BG_SHIFT 4

#define VGA_UTF8_MAX 3 /* bytes of one CP437 glyph in UTF-8 */
/* One row as UTF-8, NUL-terminated. */
#define VGA_ROW_TEXT_MAX (VGA_COLS * VGA_UTF8_MAX + 1)

struct vga_crtc {
    uint8_t index;
    uint8_t regs[VGA_CRTC_REGS];
};

struct vga_screen {
    uint8_t cells[VGA_TEXT_SIZE]; /* as in guest memory */
    unsigned cursor_row, cursor_col;
    bool cursor_on;
    bool untouched; /* the host pages were never touched: cells unread,
                       all zeros (core/guestmem.h, guestmem_untouched) */
};

enum vga_mode {
    VGA_AUTO = 0, /* print the screen when the guest wrote to it */
    VGA_ALWAYS,   /* print it even when blank or unchanged */
    VGA_NEVER,    /* never (not in --json either) */
    VGA_ANSI,     /* as auto, with colours */
};

/* The state after a BIOS's mode 3 set: cursor at 0,0, scan lines 13-14. */
void vga_crtc_init(struct vga_crtc *c);
/* Port offset 0 (index) or 1 (data). */
void vga_crtc_write(struct vga_crtc *c, unsigned port, uint8_t value);
uint8_t vga_crtc_read(const struct vga_crtc *c, unsigned port);

/* The text buffer out of guest memory and the cursor out of the CRTC
 * (crtc NULL: cursor at 0,0). -1 when RAM does not cover the buffer. */
int vga_screen_read(struct vga_screen *s, const struct guestmem *mem,
                    const struct vga_crtc *crtc);
/* True when the two screens' buffers differ. */
bool vga_screen_changed(const struct vga_screen *before,
                        const struct vga_screen *after);
/* Rows to print: up to the last with text (0 for a blank screen). */
unsigned vga_screen_rows(const struct vga_screen *s);
/* Row `row` as UTF-8 without trailing blanks into buf
 * (VGA_ROW_TEXT_MAX bytes); returns its length. */
size_t vga_row_text(const struct vga_screen *s, unsigned row, char *buf);
/* The screen between its delimiter lines; ansi adds colours. */
void vga_render(const struct vga_screen *s, bool ansi, FILE *out);

#endif
