/* test_memslots.c - how guest RAM is cut into KVM memory slots
 * (src/kvm/memslots.h), without /dev/kvm: with no VM behind the fd, every
 * registration is refused, which shows what would have been asked. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "core/layout.h"
#include "kvm/memslots.h"

/* RAM that is never dereferenced: memslots only passes host addresses
 * on to KVM. */
#define FAKE_HOST ((uint8_t *)0x10000)

Test(memslots, pieces_cover_ram_and_skip_the_hole)
{
    struct guestmem mem = {.host = FAKE_HOST, .size = UINT64_C(5) << 30};
    struct memslots s;
    struct skvm_err err;
    uint64_t covered = 0;

    cr_assert_eq(memslots_init(&s, -1, &mem, false, 0, &err), 0, "%s", err.msg);
    for (size_t i = 0; i < s.n_chunks; i++) {
        const struct memchunk *c = &s.chunks[i];
        cr_assert_eq(c->gpa % (2u << 20), 0, "2 MiB-aligned for large pages");
        cr_assert(c->gpa + c->size <= LAYOUT_LOW_RAM_END ||
                      c->gpa >= LAYOUT_HIGH_RAM_BASE,
                  "piece %zu runs into the hole", i);
        cr_assert_eq(mem.host + c->ram_off,
                     (uint8_t *)guestmem_ptr(&mem, c->gpa, c->size),
                     "piece %zu is where guestmem puts it", i);
        cr_assert(!c->registered, "nothing is registered up front");
        covered += c->size;
    }
    cr_assert_eq(covered, mem.size);
    cr_assert(memslots_is_lazy(&s, 0));
    cr_assert(memslots_is_lazy(&s, LAYOUT_HIGH_RAM_BASE));
    cr_assert(!memslots_is_lazy(&s, LAYOUT_LOW_RAM_END), "the hole is not RAM");
    memslots_free(&s);
}

Test(memslots, host_writes_ask_for_their_pieces)
{
    struct guestmem mem = {.host = FAKE_HOST, .size = UINT64_C(1) << 30};
    struct memslots s;
    struct skvm_err err;

    cr_assert_eq(memslots_init(&s, -1, &mem, false, 0, &err), 0, "%s", err.msg);
    cr_assert(mem.will_write != NULL, "guestmem's writes are hooked");
    /* A range over a piece boundary asks for both pieces; the refusal
     * (no VM) is remembered, named, and classed as the host's. */
    cr_assert_eq(memslots_ensure(&s, MEMSLOTS_CHUNK - 8, 16), -1);
    cr_assert_eq(s.failed_errno, EBADF);
    cr_assert_eq(s.failed_gpa, 0, "the first piece was asked for first");
    cr_assert_eq(memslots_failed(&s, &err), -1);
    cr_assert_eq(err.status, SKVM_HOST);
    cr_assert(strstr(err.msg, "KVM refused a memory slot for guest RAM at 0x0"),
              "%s", err.msg);
    /* Not RAM, or empty: nothing to ask. */
    cr_assert_eq(memslots_ensure(&s, LAYOUT_LOW_RAM_END, 8), 0);
    cr_assert_eq(memslots_ensure(&s, 0, 0), 0);
    cr_assert_eq(memslots_mmio(&s, mem.size, (uint8_t[8]){0}, 8, false), 0,
                 "an access past RAM is not lazy RAM");
    memslots_free(&s);
    cr_assert_null(mem.will_write, "the hook goes with the slots");
}

Test(memslots, eager_refusal_is_a_host_error)
{
    struct guestmem mem = {.host = FAKE_HOST, .size = UINT64_C(2) << 20};
    struct memslots s;
    struct skvm_err err = {0};

    cr_assert_eq(memslots_init(&s, -1, &mem, true, 0, &err), -1);
    cr_assert_eq(err.status, SKVM_HOST, "%s", err.msg);
    memslots_free(&s);
}

Test(memslots, few_slots_make_larger_pieces)
{
    struct guestmem mem = {.host = FAKE_HOST, .size = UINT64_C(5) << 30};
    struct memslots s;
    struct skvm_err err;

    /* KVM's answer (kept in kvm/hostinfo) decides the piece size. */
    cr_assert_eq(memslots_init(&s, -1, &mem, false, 4, &err), 0, "%s",
                 err.msg);
    cr_assert_leq(s.n_chunks, 4, "%zu pieces for 4 slots", s.n_chunks);
    cr_assert_gt(s.chunk_size, MEMSLOTS_CHUNK);
    memslots_free(&s);
    cr_assert_eq(memslots_init(&s, -1, &mem, false, 32764, &err), 0);
    cr_assert_eq(s.chunk_size, MEMSLOTS_CHUNK, "plenty of slots: 64 MiB");
    memslots_free(&s);
}
