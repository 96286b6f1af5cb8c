/* test_guestmem.c - the one checked guest-physical to host translation
 * (src/core/guestmem.h) on plain buffers, no /dev/kvm: bounds and
 * overflow, the write hook lazy RAM hangs on, the hole below 4 GiB.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "core/guestmem.h"
#include "core/layout.h"

Test(guestmem, bounds_and_overflow)
{
    uint8_t buf[8192];
    struct guestmem m = {.host = buf, .size = sizeof(buf)};

    cr_assert_eq(guestmem_ptr(&m, 0, 8192), buf);
    cr_assert_eq(guestmem_ptr(&m, 8191, 1), buf + 8191);
    cr_assert_null(guestmem_ptr(&m, 8191, 2));
    cr_assert_null(guestmem_ptr(&m, 8192, 1));
    cr_assert_null(guestmem_ptr(&m, 0, 0), "empty ranges are refused");
    cr_assert_null(guestmem_ptr(&m, UINT64_MAX, 2), "no wrap-around");
    cr_assert_null(guestmem_ptr(&m, 1, UINT64_MAX));
}

struct write_log {
    unsigned calls;
    uint64_t gpa, len;
};

static void log_write(void *ctx, uint64_t gpa, uint64_t len)
{
    struct write_log *w = ctx;

    w->calls++;
    w->gpa = gpa;
    w->len = len;
}

/* The VM registers lazy RAM from this hook: every write path calls it
 * with the exact range, before the write; reads and refused ranges never
 * do. */
Test(guestmem, writes_announce_themselves)
{
    uint8_t buf[8192] = {0};
    struct write_log w = {0};
    struct guestmem m = {.host = buf, .size = sizeof(buf),
                         .will_write = log_write, .will_write_ctx = &w};
    uint8_t byte = 7;

    cr_assert_not_null(guestmem_ptr(&m, 100, 8));
    cr_assert_eq(guestmem_read(&m, 100, &byte, 1), 0);
    cr_assert_eq(w.calls, 0, "reads are not writes");
    cr_assert_eq(guestmem_ptr_rw(&m, 4000, 200), buf + 4000);
    cr_assert_eq(w.calls, 1);
    cr_assert_eq(w.gpa, 4000);
    cr_assert_eq(w.len, 200);
    byte = 9;
    cr_assert_eq(guestmem_write(&m, 8191, &byte, 1), 0);
    cr_assert_eq(w.calls, 2);
    cr_assert_eq(w.gpa, 8191);
    cr_assert_eq(buf[8191], 9);
    cr_assert_null(guestmem_ptr_rw(&m, 8191, 2));
    cr_assert_eq(guestmem_write(&m, 8192, &byte, 1), -1);
    cr_assert_eq(w.calls, 2, "a refused range announces nothing");
}

Test(guestmem, hole_between_low_and_high_ram)
{
    struct guestmem m = {.host = (uint8_t *)0x10000, .size = UINT64_C(4) << 30};

    cr_assert_eq(guestmem_low_size(&m), LAYOUT_LOW_RAM_END);
    cr_assert_eq(guestmem_high_size(&m), UINT64_C(1) << 30);
    cr_assert(guestmem_contains(&m, LAYOUT_LOW_RAM_END - 4, 4));
    cr_assert(!guestmem_contains(&m, LAYOUT_LOW_RAM_END - 4, 8),
              "a range may not run into the hole");
    cr_assert(!guestmem_contains(&m, LAYOUT_TSS_ADDR, 1));
    cr_assert(guestmem_contains(&m, LAYOUT_HIGH_RAM_BASE, 4096));
    cr_assert_eq((uintptr_t)guestmem_ptr(&m, LAYOUT_HIGH_RAM_BASE, 1),
                 0x10000 + LAYOUT_LOW_RAM_END);
    cr_assert(!guestmem_contains(&m, LAYOUT_HIGH_RAM_BASE + (UINT64_C(1) << 30), 1));
}

/* Fresh RAM (an anonymous mapping, as vm.c makes it) reads as zeros
 * without a page being faulted in: guestmem_untouched tells, and
 * guestmem_zero leaves such pages alone (the loader's TSS bitmap). */
Test(guestmem, untouched_pages_stay_untouched)
{
    const size_t size = 16 * 4096;
    uint8_t *ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct guestmem m = {.host = ram, .size = size};
    unsigned char vec[16];

    cr_assert_neq(ram, MAP_FAILED);
    cr_assert(guestmem_untouched(&m, 0x2000, 0x3000));
    ram[0x3000] = 7;
    cr_assert(!guestmem_untouched(&m, 0x2000, 0x3000), "page 3 written");
    cr_assert(guestmem_untouched(&m, 0x4000, 0x1000), "page 4 is not");
    cr_assert(!guestmem_untouched(&m, size - 8, 16), "not RAM: cannot tell");
    ram[0x5010] = 9;
    cr_assert_eq(guestmem_zero(&m, 0x3001, 0x4000), 0);
    cr_assert_eq(ram[0x3000], 7, "before the range");
    cr_assert_eq(ram[0x5010], 0, "a resident page is zeroed");
    cr_assert_eq(mincore(ram, size, vec), 0);
    cr_assert_eq(vec[4] & 1, 0, "an untouched page is left untouched");
    cr_assert_eq(vec[6] & 1, 0);
    cr_assert_eq(guestmem_zero(&m, size - 8, 16), -1, "not RAM");
    /* Not an mmap'd region (mincore refuses): plain memset. */
    uint8_t buf[64];
    struct guestmem b = {.host = buf, .size = sizeof(buf)};
    memset(buf, 0xAA, sizeof(buf));
    cr_assert(!guestmem_untouched(&b, 0, 8) || buf[0] == 0xAA);
    cr_assert_eq(guestmem_zero(&b, 8, 8), 0);
    cr_assert_eq(buf[8], 0);
    cr_assert_eq(buf[16], 0xAA);
    munmap(ram, size);
}

/* A range about to be written whole is made resident in one go, and the
 * write hook hears of it as of a write. */
Test(guestmem, prefault_makes_pages_resident)
{
    const size_t size = 16 * 4096;
    uint8_t *ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct write_log w = {0};
    struct guestmem m = {.host = ram, .size = size, .will_write = log_write,
                         .will_write_ctx = &w};
    unsigned char vec[16];

    cr_assert_neq(ram, MAP_FAILED);
    guestmem_prefault(&m, 0x3000, 0x3000);
    cr_assert_eq(w.calls, 1);
    cr_assert_eq(w.gpa, 0x3000);
    cr_assert_eq(w.len, 0x3000);
    cr_assert_eq(mincore(ram, size, vec), 0);
    cr_assert_eq(vec[2] & 1, 0, "before the range: untouched");
    cr_assert_eq(vec[6] & 1, 0, "after it: untouched");
    /* Kernels before 5.14 cannot (an optimisation only): ask this one. */
    bool can = madvise(ram + 0xA000, 4096, 23 /* MADV_POPULATE_WRITE */) == 0;
    for (unsigned i = 3; i < 6; i++)
        cr_assert_eq(vec[i] & 1, can ? 1 : 0, "page %u", i);
    guestmem_prefault(&m, size - 8, 16); /* not RAM: nothing, no crash */
    munmap(ram, size);
}
