/* guestmem.h - guest RAM and the one checked way to reach it.
 *
 * RAM is one host mapping presented to the guest as two ranges:
 * [0, low_size) and, when --mem exceeds LAYOUT_LOW_RAM_END,
 * [LAYOUT_HIGH_RAM_BASE, +high_size). Every host access to guest memory
 * goes through guestmem_ptr(), which refuses any range that is not wholly
 * inside one RAM range, with overflow-safe arithmetic. Nothing else
 * computes host pointers from guest addresses.
 *
 * Host writes go through guestmem_ptr_rw() or guestmem_write(), which
 * first tell the owner of the memory through `will_write` (the VM: it
 * registers lazy memory slots and notes dirty pages, see memslots.h).
 * guestmem_ptr() is for reading only. A plain buffer leaves the hook
 * NULL (unit tests, fuzzers).
 */
#ifndef SKVM_GUESTMEM_H
#define SKVM_GUESTMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guestmem {
    uint8_t *host; /* host view of all of RAM, `size` bytes */
    uint64_t size; /* bytes of guest RAM */
    /* Called with the guest-physical range before every host write. */
    void (*will_write)(void *ctx, uint64_t gpa, uint64_t len);
    void *will_write_ctx;
};

/* Bytes of RAM below the hole, and above it. */
uint64_t guestmem_low_size(const struct guestmem *mem);
uint64_t guestmem_high_size(const struct guestmem *mem);

/* Host pointer for guest-physical [gpa, gpa + len), or NULL if any byte
 * of it is outside RAM. len 0 is refused. Read-only: */
const void *guestmem_ptr(const struct guestmem *mem, uint64_t gpa,
                         uint64_t len);
/* The same, to write through: calls the will_write hook first. */
void *guestmem_ptr_rw(const struct guestmem *mem, uint64_t gpa, uint64_t len);

/* True when [gpa, gpa + len) lies wholly inside one RAM range. */
bool guestmem_contains(const struct guestmem *mem, uint64_t gpa, uint64_t len);

/* Copy out of / into guest memory; -1 when the range is not all RAM. */
int guestmem_read(const struct guestmem *mem, uint64_t gpa, void *buf,
                  size_t len);
int guestmem_write(const struct guestmem *mem, uint64_t gpa, const void *buf,
                   size_t len);

/* Little-endian integer of `width` bytes (1, 2, 4 or 8) at gpa. */
int guestmem_read_uint(const struct guestmem *mem, uint64_t gpa,
                       unsigned width, uint64_t *value);

#endif
