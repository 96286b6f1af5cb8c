/* image.h - guest images: reading a file, placing bytes in guest RAM.
 *
 * image_read_file() accepts only a non-empty regular file no larger than
 * guest RAM; image_place() refuses an image that does not fit in RAM or
 * would overlap the loader's own tables (LAYOUT_SYS_*). Both fail with
 * SKVM_USAGE and a line naming the file or range, before anything runs.
 */
#ifndef SKVM_IMAGE_H
#define SKVM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "core/guestmem.h"
#include "modes/mode.h"

struct image {
    const uint8_t *data;
    size_t len;
    void *owned; /* freed by image_free; NULL for built-in blobs */
};

int image_read_file(const char *path, uint64_t max_len, struct image *img,
                    struct skvm_err *err);
void image_from_blob(const struct guest_blob *blob, struct image *img);
void image_free(struct image *img);

int image_place(const struct mode_env *env, const struct mode *mode,
                uint64_t load_addr, const struct image *img,
                struct skvm_err *err);

#endif
