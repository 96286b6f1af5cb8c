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

/* What the guest's CPUID says about paging: it decides which bits of a
 * page-table entry are reserved, and an entry with a reserved bit set
 * stops the walk as it stops the vCPU (#PF with RSVD; see paging.h). The
 * VM fills it from the CPUID it gives the vCPU (kvm/vm.c). Each field
 * says how the CPU differs from the default, so a zero-initialised struct
 * (plain buffers in tests and fuzzers) is a typical current x86-64 CPU:
 * MAXPHYADDR PAGING_CPU_DEFAULT_MAXPHYADDR, 1 GiB pages, PSE-36 and the
 * Intel rules (the SDM's). Tests about a rule set the field they need. */
struct paging_cpu {
    /* CPUID 0x80000008 EAX[7:0]: physical-address bits. 0 means
     * PAGING_CPU_DEFAULT_MAXPHYADDR; values outside 32..52 are taken as
     * the nearer end. Entry bits MAXPHYADDR..51 are reserved. */
    uint8_t maxphyaddr;
    bool no_gbpages; /* CPUID 0x80000001 EDX[26] clear: no 1 GiB pages,
                        so PS in a PDPTE is reserved */
    bool no_pse36;   /* CPUID 0x1 EDX[17] clear: a 4 MiB page's PDE bits
                        21:13 are all reserved (no address bits 39:32) */
    bool amd;        /* vendor AuthenticAMD or HygonGenuine: bit 8 of a
                        PML4E is reserved too (AMD APM vol. 2, 5.3.3) */
};

#define PAGING_CPU_DEFAULT_MAXPHYADDR 48 /* AMD Zen; Intel: 39 to 52 */

struct guestmem {
    uint8_t *host; /* host view of all of RAM, `size` bytes */
    uint64_t size; /* bytes of guest RAM */
    struct paging_cpu cpu; /* for paging.h's walk; zero: the default */
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

/* True when no host page under [gpa, gpa + len) is resident (mincore):
 * on RAM mapped moments ago, one nobody has touched, by the host or
 * through KVM by the guest, so it reads as zeros without a page being
 * faulted in. Not proof later on: a page written and then swapped out is
 * not resident either. False when any page is, or when that cannot be
 * told (not RAM, or not an mmap'd region). */
bool guestmem_untouched(const struct guestmem *mem, uint64_t gpa,
                        uint64_t len);

/* Zero [gpa, gpa + len) as guestmem_write would, leaving pages that are
 * not resident alone, so none is faulted in; for RAM that cannot hold a
 * swapped-out write (fresh, or whose guest-dirtied pages the caller
 * zeroes anyway, as --repeat's restore does). -1 when the range is not
 * all RAM. */
int guestmem_zero(const struct guestmem *mem, uint64_t gpa, uint64_t len);

/* About to write all of [gpa, gpa + len): have the host pages made in
 * one go (MADV_POPULATE_WRITE) rather than one page fault each (~3 us on
 * kvm-pvm); the write hook is called as for a write. Only an
 * optimisation: nothing happens where the kernel cannot (before 5.14) or
 * the range is not RAM. */
void guestmem_prefault(const struct guestmem *mem, uint64_t gpa,
                       uint64_t len);

/* Little-endian integer of `width` bytes (1, 2, 4 or 8) at gpa. */
int guestmem_read_uint(const struct guestmem *mem, uint64_t gpa,
                       unsigned width, uint64_t *value);

#endif
