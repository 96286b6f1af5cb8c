/* fuzz_bios.c - libFuzzer target: the host side of --boot's BIOS
 * (core/bios.h), no KVM.
 *
 * The input is a disk image (its first 2 KiB, at least a sector) and a
 * list of BIOS calls: each writes a 44-byte frame (the registers a
 * handler pushes, any vector) at any address, sometimes near the end of
 * RAM or wrapping, plus a few bytes anywhere below 1 MiB (disk address
 * packets, E820 buffers, strings), then bios_call(). The call must
 * return BIOS_CONTINUE, BIOS_ENDED or -1 with a one-line guest fault,
 * and touch nothing outside guest RAM (a heap block of its exact size:
 * ASan sees a stray byte) or the disk. Keys come from /dev/null; the
 * console goes to /dev/null.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bios.h"
#include "core/layout.h"
#include "modes/boot.h"

#define RAM_SIZE  (LAYOUT_BIOS_BASE + LAYOUT_BIOS_SIZE) /* 1 MiB */
#define DISK_MAX  2048
#define MAX_CALLS 16
#define POKE      16 /* bytes poked into RAM per call */

struct call_rec {
    uint32_t frame;  /* any address; masked below 1 MiB + 64 KiB */
    uint32_t poke_at;
    uint8_t frame_bytes[BIOS_FRAME_SIZE];
    uint8_t poke[POKE];
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int devnull = -1;
    struct bios b;
    struct skvm_err err;
    size_t bios_len;
    const uint8_t *image = boot_bios_image(&bios_len);

    if (devnull < 0)
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (size < 2)
        return 0;
    size_t disk_len = (size_t)data[0] << 8 | data[1];
    data += 2, size -= 2;
    disk_len = disk_len % DISK_MAX + 1;
    if (disk_len > size)
        disk_len = size;
    uint8_t *ram = calloc(1, RAM_SIZE);
    struct guestmem mem = {.host = ram, .size = RAM_SIZE};
    b = (struct bios){0};
    b.sectors = (disk_len + BIOS_SECTOR - 1) / BIOS_SECTOR;
    b.disk_len = b.sectors * BIOS_SECTOR;
    b.disk = calloc(1, b.disk_len ? b.disk_len : 1);
    if (!ram || !b.disk || b.sectors == 0)
        goto out;
    memcpy(b.disk, data, disk_len);
    data += disk_len, size -= disk_len;
    bios_init(&b, size & 1, RAM_SIZE, devnull);
    if (bios_install(&b, &mem, image, bios_len, &err) < 0)
        abort(); /* 1 MiB of RAM and the built-in image: always fits */
    for (unsigned i = 0; i < MAX_CALLS && size >= sizeof(struct call_rec);
         i++) {
        struct call_rec c;
        memcpy(&c, data, sizeof(c));
        data += sizeof(c), size -= sizeof(c);
        uint32_t frame = c.frame % (RAM_SIZE + 0x10000);
        if (frame + (uint64_t)BIOS_FRAME_SIZE <= RAM_SIZE)
            memcpy(ram + frame, c.frame_bytes, BIOS_FRAME_SIZE);
        uint32_t at = c.poke_at % (RAM_SIZE - POKE);
        memcpy(ram + at, c.poke, POKE);
        int rc = bios_call(&b, &mem, frame, devnull, &err);
        if (rc < 0 && (err.status != SKVM_GUEST_FAULT ||
                       strchr(err.msg, '\n')))
            abort();
        if (rc != BIOS_CONTINUE && rc != BIOS_ENDED && rc != -1)
            abort();
    }
out:
    bios_free(&b);
    free(ram);
    return 0;
}
