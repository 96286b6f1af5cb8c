/* image.h - guest images: reading a file, placing bytes in guest RAM.
 *
 * image_read_file() accepts only a non-empty regular file no larger than
 * guest RAM (an ELF file: IMAGE_ELF_FILE_MAX, its segments must fit);
 * image_identify() tells its format by its first bytes (a Multiboot
 * header, core/multiboot.h; an ELF executable by its magic, core/elf.h;
 * anything else is flat);
 * image_place() refuses an image that does not fit in RAM or would
 * overlap the loader's own tables (LAYOUT_SYS_*). All fail with
 * SKVM_USAGE and a line naming the file, segment or range, before
 * anything runs.
 */
#ifndef SKVM_IMAGE_H
#define SKVM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "core/elf.h"
#include "core/guestmem.h"
#include "core/multiboot.h"
#include "modes/mode.h"

enum image_format {
    IMAGE_FLAT, /* bytes loaded at --load, entered at --entry */
    IMAGE_ELF,  /* PT_LOAD segments where they say, entered at e_entry */
    /* A Multiboot 1 kernel (core/multiboot.h): the a.out kludge or ELF
     * segments, then its modules and information structure. */
    IMAGE_MULTIBOOT,
};

struct image {
    const uint8_t *data;
    size_t len;
    void *owned; /* freed by image_free; NULL for built-in blobs */
    const char *name; /* the file's path or the built-in guest's name */
    enum image_format format; /* set by image_identify; FLAT before */
    struct elf_image elf;     /* with IMAGE_ELF, and IMAGE_MULTIBOOT
                                 without the header's address fields */
    struct mb_header mb;      /* with IMAGE_MULTIBOOT */
    struct mb_aout mb_aout;   /* ... when the header has MB_HF_ADDRS */
    /* With IMAGE_MULTIBOOT, set by the caller before image_place:
     * the command line and modules (image_place works out kernel_end,
     * image_mb_kernel_end, in its own copy). */
    struct mb_boot mb_boot;
};

#define IMAGE_ELF_FILE_MAX (UINT64_C(1) << 30) /* symbols, debug info */

int image_read_file(const char *path, uint64_t max_len, struct image *img,
                    struct skvm_err *err);
void image_from_blob(const struct guest_blob *blob, struct image *img);
void image_free(struct image *img);

/* The format of data[0..len) by its first bytes; len may be a prefix
 * of the file (IMAGE_SNIFF_LEN is enough to tell). */
#define IMAGE_SNIFF_LEN 8192 /* multiboot: its header is in the first 8 KiB */
enum image_format image_format_of(const uint8_t *data, size_t len);
/* "flat", "ELF32", "ELF64", "Multiboot", "Multiboot ELF", for messages
 * and --json. */
const char *image_format_name(const struct image *img);

/* Tell the format and, for ELF and Multiboot, parse and check the
 * headers (elf_parse, multiboot_find). */
int image_identify(struct image *img, struct skvm_err *err);

/* Where the vCPU starts: e_entry (through its segment) for ELF, the
 * Multiboot header's or ELF entry for Multiboot, else `entry` (the
 * command line's). */
uint64_t image_entry(const struct image *img, uint64_t entry);

/* A Multiboot kernel's end (first byte past it and its bss), where its
 * modules may start: bss_end of the a.out kludge, else the end of its
 * highest ELF segment. */
uint64_t image_mb_kernel_end(const struct image *img);

/* Place the image: a flat one at load_addr, an ELF one segment by
 * segment (elf_place), a Multiboot one with its modules and information
 * structure. */
int image_place(const struct mode_env *env, const struct mode *mode,
                uint64_t load_addr, const struct image *img,
                struct skvm_err *err);

/* Check that guest-physical [base, base + len) is RAM and overlaps none
 * of the regions the loader keeps for itself in `mode` (its tables in
 * SYS, the exception handlers, the hypercall page, page directories at
 * the top of low RAM): the one table every loader of guest bytes uses.
 * `what` names the range in the message ("guest image (0x0-0x1f)"),
 * `advice` is appended to an overlap message ("; use --load") or NULL. */
int image_check_range(const struct mode_env *env, const struct mode *mode,
                      uint64_t base, uint64_t len, const char *what,
                      const char *advice, struct skvm_err *err);

#endif
