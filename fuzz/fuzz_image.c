/* fuzz_image.c - libFuzzer target: placing an image and setting up a mode.
 *
 * The first bytes choose the mode, RAM size, load address, entry point and
 * whether 1 GiB pages exist; the rest is the image. image_place must
 * refuse anything that does not fit or overlaps the loader's tables, and
 * the mode's setup must only write inside RAM (ASan checks both).
 */
#include <stdint.h>
#include <string.h>

#include "core/image.h"
#include "core/layout.h"
#include "fuzz_ram.h"
#include "modes/mode.h"

struct header {
    uint8_t mode;
    uint8_t flags;
    uint16_t mem_pages; /* RAM = (mem_pages + 1) * 4 KiB: up to 256 MiB */
    uint32_t load;
    uint32_t entry;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct header h;
    struct skvm_err err;
    struct kvm_sregs sregs = {0};
    struct kvm_regs regs;
    struct guestmem mem;

    if (size < sizeof(h))
        return 0;
    memcpy(&h, data, sizeof(h));
    if (!fuzz_guestmem(h.mem_pages, &mem))
        return 0;
    const struct mode *m = mode_table[h.mode % mode_count];
    struct mode_env env = {.mem = &mem, .gbpages = h.flags & 1,
                           .entry = h.entry};
    struct image img = {.data = data + sizeof(h), .len = size - sizeof(h)};

    if (image_place(&env, m, h.load, &img, &err) < 0 &&
        err.status != SKVM_USAGE)
        __builtin_trap();
    (void)m->setup(&env, &sregs, &regs);
    return 0;
}
