/* guestmem.c - bounds-checked translation of guest-physical ranges. */
#include "core/guestmem.h"

#include <string.h>
#include <sys/mman.h>

#include "core/layout.h"

uint64_t guestmem_low_size(const struct guestmem *mem)
{
    return mem->size < LAYOUT_LOW_RAM_END ? mem->size : LAYOUT_LOW_RAM_END;
}

uint64_t guestmem_high_size(const struct guestmem *mem)
{
    return mem->size - guestmem_low_size(mem);
}

/* Offset into the host mapping, or -1 (as UINT64_MAX) if not all RAM. */
static uint64_t ram_offset(const struct guestmem *mem, uint64_t gpa,
                           uint64_t len)
{
    uint64_t low = guestmem_low_size(mem), high = guestmem_high_size(mem);

    if (len == 0)
        return UINT64_MAX;
    /* Written as subtractions so gpa + len can never wrap. */
    if (gpa < low)
        return len <= low - gpa ? gpa : UINT64_MAX;
    if (gpa >= LAYOUT_HIGH_RAM_BASE && gpa - LAYOUT_HIGH_RAM_BASE < high &&
        len <= high - (gpa - LAYOUT_HIGH_RAM_BASE))
        return low + (gpa - LAYOUT_HIGH_RAM_BASE);
    return UINT64_MAX;
}

bool guestmem_contains(const struct guestmem *mem, uint64_t gpa, uint64_t len)
{
    return ram_offset(mem, gpa, len) != UINT64_MAX;
}

const void *guestmem_ptr(const struct guestmem *mem, uint64_t gpa,
                         uint64_t len)
{
    uint64_t off = ram_offset(mem, gpa, len);

    return off == UINT64_MAX ? NULL : mem->host + off;
}

void *guestmem_ptr_rw(const struct guestmem *mem, uint64_t gpa, uint64_t len)
{
    uint64_t off = ram_offset(mem, gpa, len);

    if (off == UINT64_MAX)
        return NULL;
    if (mem->will_write)
        mem->will_write(mem->will_write_ctx, gpa, len);
    return mem->host + off;
}

int guestmem_read(const struct guestmem *mem, uint64_t gpa, void *buf,
                  size_t len)
{
    const void *p = guestmem_ptr(mem, gpa, len);

    if (!p)
        return -1;
    memcpy(buf, p, len);
    return 0;
}

int guestmem_write(const struct guestmem *mem, uint64_t gpa, const void *buf,
                   size_t len)
{
    void *p = guestmem_ptr_rw(mem, gpa, len);

    if (!p)
        return -1;
    memcpy(p, buf, len);
    return 0;
}

int guestmem_read_uint(const struct guestmem *mem, uint64_t gpa,
                       unsigned width, uint64_t *value)
{
    uint8_t bytes[8];
    uint64_t v = 0;

    if (width == 0 || width > sizeof(bytes) ||
        guestmem_read(mem, gpa, bytes, width) < 0)
        return -1;
    for (unsigned i = width; i-- > 0;)
        v = v << 8 | bytes[i];
    *value = v;
    return 0;
}

#define PAGE 4096u

/* The whole host pages under [p, p + len): [*start, *end). */
static void page_span(const uint8_t *p, uint64_t len, uintptr_t *start,
                      uintptr_t *end)
{
    *start = (uintptr_t)p & ~(uintptr_t)(PAGE - 1);
    *end = ((uintptr_t)p + len + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
}

/* Whether each host page under [gpa, gpa + len) is resident, one byte per
 * page in vec (cap pages), the first page's host address in *first.
 * Returns the pages looked at, or 0 when the range is not RAM or mincore
 * cannot tell. */
static size_t residency(const struct guestmem *mem, uint64_t gpa,
                        uint64_t len, unsigned char *vec, size_t cap,
                        uintptr_t *first)
{
    uint64_t off = ram_offset(mem, gpa, len);
    uintptr_t start, end;

    if (off == UINT64_MAX)
        return 0;
    page_span(mem->host + off, len, &start, &end);
    if ((end - start) / PAGE > cap ||
        mincore((void *)start, end - start, vec) < 0)
        return 0;
    *first = start;
    return (end - start) / PAGE;
}

/* Pages guestmem_untouched/guestmem_zero look at per call. */
#define RESIDENCY_PAGES 8

bool guestmem_untouched(const struct guestmem *mem, uint64_t gpa,
                        uint64_t len)
{
    unsigned char vec[RESIDENCY_PAGES];
    uintptr_t first;
    size_t n = residency(mem, gpa, len, vec, RESIDENCY_PAGES, &first);

    for (size_t i = 0; i < n; i++)
        if (vec[i] & 1)
            return false;
    return n > 0;
}

int guestmem_zero(const struct guestmem *mem, uint64_t gpa, uint64_t len)
{
    unsigned char vec[RESIDENCY_PAGES];
    uintptr_t first = 0;
    uint8_t *p = guestmem_ptr_rw(mem, gpa, len);

    if (!p)
        return -1;
    if (!residency(mem, gpa, len, vec, RESIDENCY_PAGES, &first)) {
        memset(p, 0, len);
        return 0;
    }
    /* Page by page: only a resident page can hold anything but zeros. */
    for (uint64_t done = 0; done < len;) {
        uintptr_t at = (uintptr_t)(p + done);
        uint64_t n = PAGE - (at & (PAGE - 1));
        if (n > len - done)
            n = len - done;
        if (vec[(at - first) / PAGE] & 1)
            memset(p + done, 0, n);
        done += n;
    }
    return 0;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

void guestmem_prefault(const struct guestmem *mem, uint64_t gpa,
                       uint64_t len)
{
    uint8_t *p = guestmem_ptr_rw(mem, gpa, len);
    uintptr_t start, end;

    if (!p)
        return;
    page_span(p, len, &start, &end);
    (void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}
