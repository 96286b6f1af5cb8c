/* memslots.h - which parts of guest RAM KVM knows about, and when.
 *
 * Guest RAM is one host mapping (guestmem.h); KVM sees it through memory
 * slots. Registering a slot makes KVM allocate metadata for all of it up
 * front (under shadow paging, 8 bytes of reverse map per 4 KiB page:
 * 128 MiB and ~25 ms for 64 GiB), whether or not the guest ever touches
 * it. So by default RAM is cut into MEMSLOTS_CHUNK pieces and a piece
 * becomes a slot only when it first matters:
 *   - the host is about to write it (image, tables, hypercall results,
 *     gdb): guestmem's write hook calls memslots_ensure();
 *   - the guest touches it: KVM reports an access to a guest-physical
 *     address with no slot as KVM_EXIT_MMIO; memslots_mmio() registers
 *     the piece and does that one access on the host copy, so the
 *     instruction completes as if it had been RAM all along;
 *   - the guest fetches an instruction there (only possible for memory
 *     nobody wrote, i.e. zeros): KVM cannot emulate that and says
 *     KVM_EXIT_INTERNAL_ERROR; the run loop registers the piece at RIP
 *     and retries (exits.c), and registers all RAM on any other
 *     emulation failure while pieces are missing.
 * The invariant that makes this exact: a piece is registered before any
 * byte of it can differ from zero. An unregistered piece reads as zeros
 * through the host mapping, and the guest cannot observe the difference
 * (a page walk through it finds not-present entries either way).
 *
 * Eager mode (--eager-mem) registers all RAM at once, as two slots
 * (below the hole, above 4 GiB): the old behaviour, kept for comparison.
 *
 * For --repeat, memslots_track_dirty() turns on KVM's dirty log for every
 * slot, now and later, and keeps a list of pages the host wrote (KVM
 * logs only the guest's writes); memslots_take_dirty() hands both over.
 *
 * A registration KVM refuses is remembered (memslots_failed) and turned
 * into one SKVM_HOST error by the run loop: the write hook cannot fail.
 */
#ifndef SKVM_MEMSLOTS_H
#define SKVM_MEMSLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "core/guestmem.h"

/* Lazy pieces: big enough that sweeping 64 GiB costs ~1000 registrations
 * (~60 us each here), small enough that one costs little more than a
 * 2 MiB slot. A power of two, so pieces stay 2 MiB-aligned for large
 * pages. */
#define MEMSLOTS_CHUNK (UINT64_C(64) << 20)

struct memchunk {
    uint64_t gpa, size;
    uint64_t ram_off; /* offset in the host mapping */
    bool registered;
};

struct memslots {
    int vm_fd;
    struct guestmem *mem;
    struct memchunk *chunks; /* slot id = index */
    size_t n_chunks, n_registered;
    uint64_t chunk_size;
    uint32_t flags;          /* KVM_MEM_* for every registration */
    bool tracking;           /* memslots_track_dirty() was called */
    uint64_t *host_dirty;    /* while tracking: RAM offsets of pages the
                                host wrote, each listed once */
    uint64_t *host_dirty_map; /* the same as one bit per page of RAM */
    size_t n_host_dirty, cap_host_dirty;
    uint64_t *bitmap;        /* scratch for KVM_GET_DIRTY_LOG */
    int failed_errno;        /* first refused registration, 0 if none */
    uint64_t failed_gpa, failed_size;
};

/* Cut mem into slots for the VM at vm_fd and hook mem's writes; KVM has
 * max_slots slots (KVM_CAP_NR_MEMSLOTS; <= 0: unknown, the oldest KVM's
 * 32). Eager: register everything now. Fails (SKVM_HOST) only when KVM
 * has too few slots or refuses an eager one. */
int memslots_init(struct memslots *s, int vm_fd, struct guestmem *mem,
                  bool eager, int max_slots, struct skvm_err *err);
void memslots_free(struct memslots *s);

/* Register every piece overlapping guest-physical [gpa, gpa + len).
 * Returns how many were newly registered, or -1 (see memslots_failed). */
int memslots_ensure(struct memslots *s, uint64_t gpa, uint64_t len);

/* True when gpa is RAM whose piece is not registered yet. */
bool memslots_is_lazy(const struct memslots *s, uint64_t gpa);

/* A KVM_EXIT_MMIO at RAM: register its piece and do the access on the
 * host copy (read fills data, write stores it). Returns 1 when handled,
 * 0 when phys/len is not (wholly) RAM, -1 when registration failed. */
int memslots_mmio(struct memslots *s, uint64_t phys, uint8_t *data,
                  uint32_t len, bool is_write);

/* SKVM_HOST error for a refused registration; returns -1. */
int memslots_failed(const struct memslots *s, struct skvm_err *err);

/* Dirty tracking for --repeat: KVM_MEM_LOG_DIRTY_PAGES on every slot,
 * registered now or later, and the host-write list. */
int memslots_track_dirty(struct memslots *s, struct skvm_err *err);

/* Call fn for every 4 KiB page (host pointer) the guest or the host
 * wrote since the last call, and forget them. A page may come twice. */
int memslots_take_dirty(struct memslots *s,
                        void (*fn)(uint8_t *page, void *ctx), void *ctx,
                        struct skvm_err *err);

/* Forget the pages the host wrote so far (after restoring them). */
void memslots_forget_host_dirty(struct memslots *s);

#endif
