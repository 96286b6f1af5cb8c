/* bios.h - the host side of --boot's BIOS: a disk held in memory, the
 * PC's low memory as a boot sector expects it, and the BIOS services.
 *
 * The BIOS itself (guests/bios.asm) lives at LAYOUT_BIOS_BASE (F000:0).
 * Its image starts with a header (below) naming the handler of every
 * vector; bios_install() copies it there, points the IVT at 0 at those
 * handlers, fills the BIOS data area (LAYOUT_BDA_BASE) and the EBDA and
 * loads the disk's first sector at LAYOUT_BOOT_SECTOR.
 *
 * A service handler pushes the caller's registers (the frame below) on
 * the caller's stack and passes the frame's linear address to the host
 * with the `bios` hypercall; bios_call() does the service on guest
 * memory (the VGA text buffer, the BDA, the caller's buffers, all
 * through core/guestmem.h) and writes the results back into the frame,
 * which the handler pops before its IRET. Doing the work here costs one
 * exit per call; in guest code kvm-pvm's instruction emulator would
 * spend ~0.4 us an instruction (a scroll is 2000 word moves), and output
 * needs the exit anyway. int 0x11 and 0x12 are answered by guest code
 * from the BDA.
 *
 * Every guest-supplied address and length is checked: the frame, ES:BX
 * and DS:SI buffers and disk address packets must lie in RAM and not
 * wrap their 64 KiB segment; sector counts and LBAs against the disk.
 * A request the disk cannot satisfy is the guest's to see (CF=1 and the
 * BIOS's status code in AH), never a host error. A function the BIOS
 * does not provide ends the run (SKVM_GUEST_FAULT) naming `int 0xNN
 * AH=0xMM` and the caller's CS:IP.
 */
#ifndef SKVM_CORE_BIOS_H
#define SKVM_CORE_BIOS_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "core/guestmem.h"
#include "core/layout.h"

#define BIOS_SECTOR 512
#define BIOS_SIGNATURE_OFF 510 /* 0x55 0xAA end the boot sector */
#define BIOS_SIGNATURE_0 0x55
#define BIOS_SIGNATURE_1 0xAA
#define BIOS_DRIVE_FLOPPY 0x00
#define BIOS_DRIVE_HDD 0x80
/* Largest disk held in memory (a 32-bit sector count of 512 bytes). */
#define BIOS_DISK_MAX (UINT64_C(1) << 32)

/* The BIOS image header (guests/bios.asm, offset 0). */
#define BIOS_MAGIC "SKVMBIOS"
#define BIOS_HDR_MAGIC 0     /* 8 bytes */
#define BIOS_HDR_VECTORS 8   /* u16: offset of 256 u16 handler offsets */
#define BIOS_HDR_DRIVE 10    /* u8: the boot drive, written by the host */
#define BIOS_HDR_SIZE 16
#define BIOS_SEGMENT (LAYOUT_BIOS_BASE >> 4) /* 0xF000 */

/* The frame a handler pushes (PUSH ES, PUSH DS, PUSHAD over the vector
 * number and the CPU's IP, CS, FLAGS), at its linear address: */
enum {
    BIOS_F_EDI = 0, BIOS_F_ESI = 4, BIOS_F_EBP = 8, BIOS_F_ESP = 12,
    BIOS_F_EBX = 16, BIOS_F_EDX = 20, BIOS_F_ECX = 24, BIOS_F_EAX = 28,
    BIOS_F_DS = 32, BIOS_F_ES = 34, BIOS_F_VECTOR = 36, BIOS_F_IP = 38,
    BIOS_F_CS = 40, BIOS_F_FLAGS = 42, BIOS_FRAME_SIZE = 44,
};

/* BIOS data area offsets from LAYOUT_BDA_BASE (IBM PC/AT layout). */
enum {
    BDA_COM1 = 0x00,        /* u16 x4: serial port bases */
    BDA_EBDA_SEG = 0x0E,    /* u16: EBDA segment */
    BDA_EQUIPMENT = 0x10,   /* u16: equipment word (int 0x11) */
    BDA_MEM_KB = 0x13,      /* u16: conventional memory in KiB (int 0x12) */
    BDA_KBD_HEAD = 0x1A,    /* u16: keyboard buffer head, tail at 0x1C */
    BDA_KBD_TAIL = 0x1C,
    BDA_KBD_BUF = 0x1E,     /* 32 bytes */
    BDA_FLOPPY_STATUS = 0x41,
    BDA_VIDEO_MODE = 0x49,  /* u8 */
    BDA_VIDEO_COLS = 0x4A,  /* u16 */
    BDA_VIDEO_PAGE_SIZE = 0x4C, /* u16 */
    BDA_VIDEO_PAGE_OFF = 0x4E,  /* u16 */
    BDA_CURSOR_POS = 0x50,  /* u16 x8: column low byte, row high byte */
    BDA_CURSOR_SHAPE = 0x60, /* u16: end scan line low, start high */
    BDA_VIDEO_PAGE = 0x62,  /* u8: active page */
    BDA_CRTC_PORT = 0x63,   /* u16 */
    BDA_TICKS = 0x6C,       /* u32: timer ticks since midnight */
    BDA_HDD_STATUS = 0x74,  /* u8: last hard disk status */
    BDA_HDD_COUNT = 0x75,   /* u8: hard disks */
    BDA_KBD_START = 0x80,   /* u16: keyboard buffer start, end at 0x82 */
    BDA_KBD_END = 0x82,
    BDA_VIDEO_ROWS = 0x84,  /* u8: rows - 1 */
    BDA_SIZE = 0x100,
};

/* int 0x13 status codes (AH), as a PC BIOS returns them. */
enum {
    BIOS_DISK_OK = 0x00,
    BIOS_DISK_BAD_PARAM = 0x01,
    BIOS_DISK_WRITE_PROTECTED = 0x03,
    BIOS_DISK_NOT_FOUND = 0x04, /* sector not found: past the disk's end */
    BIOS_DISK_BOUNDARY = 0x09,  /* the buffer wraps its 64 KiB segment */
    BIOS_DISK_NO_MEDIA = 0xAA,  /* not a drive this BIOS has */
};

/* Why a call ended the run without a fault (bios->end). */
enum bios_end {
    BIOS_RUNNING = 0,
    BIOS_END_REBOOT,  /* int 0x19 */
    BIOS_END_NO_KEY,  /* int 0x16 AH=0x00 after the end of input */
};

enum { BIOS_CONTINUE = 0, BIOS_ENDED = 1 };

struct bios {
    uint8_t *disk;      /* the whole image, in memory (owned) */
    uint64_t disk_len;  /* bytes, a multiple of BIOS_SECTOR (padded) */
    uint64_t sectors;
    bool writable;      /* --disk-writable: written back at the end */
    bool dirty;         /* a write changed the disk */
    uint8_t drive;      /* 0x00 (--floppy) or 0x80 */
    unsigned cyls, heads, spt; /* CHS geometry covering the image */
    uint8_t status;     /* the last int 0x13 status */
    uint64_t mem_size;  /* guest RAM, for the memory map */
    int in_fd;          /* keys (stdin) */
    bool in_eof;
    int key;            /* a key read for AH=0x01 but not taken, or -1 */
    uint64_t start_ns;  /* int 0x1A's ticks count from here */
    double timeout_s;   /* for the line when a key wait times out */
    enum bios_end end;
    uint32_t end_cs, end_ip; /* where the call that ended the run was */
    /* The call that ended the run with a fault: its caller's registers,
     * for the crash report (bios_unwind()). */
    bool have_caller;
    uint32_t caller_frame;
    uint32_t caller_gpr[8]; /* EDI ESI EBP ESP EBX EDX ECX EAX (PUSHAD) */
    uint16_t caller_cs, caller_ip, caller_flags, caller_ds, caller_es;
    /* Told where the cursor of page 0 went (the VGA CRTC; may be NULL). */
    void (*cursor_moved)(void *ctx, unsigned row, unsigned col);
    void *cursor_ctx;
};

/* Read the disk image: a regular file of at least one sector, at most
 * BIOS_DISK_MAX bytes, whose first sector ends in 0x55 0xAA unless
 * !check_signature. SKVM_USAGE naming the file and the problem. */
int bios_disk_read(struct bios *b, const char *path, bool check_signature,
                   struct skvm_err *err);
/* Geometry, drive and the rest; the disk must have been read. */
void bios_init(struct bios *b, bool floppy, uint64_t mem_size, int in_fd);
void bios_free(struct bios *b);

/* Copy the BIOS image (with the header above) to LAYOUT_BIOS_BASE, fill
 * the IVT, BDA and EBDA, clear the text screen and load the boot sector.
 * SKVM_USAGE when RAM is below 1 MiB or the image is not a BIOS. */
int bios_install(const struct bios *b, const struct guestmem *mem,
                 const uint8_t *image, size_t len, struct skvm_err *err);

/* One service for the frame at `frame` (linear = physical in real mode).
 * BIOS_CONTINUE, BIOS_ENDED (b->end says why) or -1 with err. out_fd is
 * the console stream (teletype and write string copy their text there). */
int bios_call(struct bios *b, const struct guestmem *mem, uint32_t frame,
              int out_fd, struct skvm_err *err);

/* After a failed bios_call(): the vCPU's registers put back to the
 * caller's, at its INT instruction (or the faulting one), from the
 * frame, so the crash report shows the boot sector's code. False when
 * there is no such caller. Pure: the run loop loads them. */
bool bios_unwind(const struct bios *b, struct kvm_regs *regs,
                 struct kvm_sregs *sregs);

/* The end-of-run note for b->end ("the guest ...") into buf, or false. */
bool bios_end_note(const struct bios *b, char *buf, size_t len);

/* Write the disk back to `path` (--disk-writable, when dirty). */
int bios_disk_write_back(const struct bios *b, const char *path,
                         struct skvm_err *err);

#endif
