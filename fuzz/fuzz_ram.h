/* fuzz_ram.h - the guest RAM the image-placing fuzz targets share: up to
 * 256 MiB + 4 KiB, mapped once with MAP_NORESERVE (only the pages an
 * input writes cost memory) and sized per input. */
#ifndef SKVM_FUZZ_RAM_H
#define SKVM_FUZZ_RAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include "core/guestmem.h"

/* *mem: RAM of (pages + 1) * 4 KiB; false when it cannot be mapped. */
static inline bool fuzz_guestmem(uint16_t pages, struct guestmem *mem)
{
    static uint8_t *ram;
    static const size_t ram_max = (size_t)UINT16_MAX * 4096 + 4096;

    if (!ram) {
        void *p = mmap(NULL, ram_max, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            return false;
        ram = p;
    }
    *mem = (struct guestmem){.host = ram,
                             .size = ((uint64_t)pages + 1) * 4096};
    return true;
}

#endif
