/* memslots.c - guest RAM as KVM memory slots, registered lazily
 * (see memslots.h). */
#include "kvm/memslots.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/layout.h"
#include "core/x86.h"

#define BITS_PER_WORD 64
#define HOST_DIRTY_FIRST_CAP 64

/* How many pieces of `chunk` bytes cover `size` (chunk may be
 * UINT64_MAX: eager, one piece per range). */
static size_t pieces(uint64_t size, uint64_t chunk)
{
    return (size_t)(size / chunk + (size % chunk != 0));
}

/* Fill out[] with the pieces of one RAM range [gpa, gpa + size) at host
 * offset ram_off; returns how many. */
static size_t cut(struct memchunk *out, uint64_t gpa, uint64_t size,
                  uint64_t ram_off, uint64_t chunk)
{
    size_t n = 0;

    for (uint64_t done = 0; done < size; done += chunk, n++) {
        uint64_t len = size - done < chunk ? size - done : chunk;
        out[n] = (struct memchunk){.gpa = gpa + done, .size = len,
                                   .ram_off = ram_off + done};
    }
    return n;
}

static size_t count_chunks(const struct guestmem *mem, uint64_t chunk)
{
    return pieces(guestmem_low_size(mem), chunk) +
           pieces(guestmem_high_size(mem), chunk);
}

static int register_chunk(struct memslots *s, size_t i)
{
    struct memchunk *c = &s->chunks[i];
    struct kvm_userspace_memory_region r = {
        .slot = (uint32_t)i,
        .flags = s->flags,
        .guest_phys_addr = c->gpa,
        .memory_size = c->size,
        .userspace_addr = (uintptr_t)(s->mem->host + c->ram_off),
    };

    if (ioctl(s->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
        if (!s->failed_errno) {
            s->failed_errno = errno;
            s->failed_gpa = c->gpa;
            s->failed_size = c->size;
        }
        return -1;
    }
    if (!c->registered)
        s->n_registered++;
    c->registered = true;
    return 0;
}

/* Index of the piece holding gpa, or n_chunks when gpa is not RAM. */
static size_t chunk_of(const struct memslots *s, uint64_t gpa)
{
    uint64_t low = guestmem_low_size(s->mem);

    if (!guestmem_contains(s->mem, gpa, 1))
        return s->n_chunks;
    if (gpa < low)
        return (size_t)(gpa / s->chunk_size);
    return pieces(low, s->chunk_size) +
           (size_t)((gpa - LAYOUT_HIGH_RAM_BASE) / s->chunk_size);
}

static void note_host_dirty(struct memslots *s, uint64_t gpa, uint64_t len)
{
    size_t first = chunk_of(s, gpa);
    const struct memchunk *c;

    if (first == s->n_chunks)
        return;
    c = &s->chunks[first];
    /* guestmem proved [gpa, gpa + len) is inside one RAM range, and a
     * range is contiguous in the host view. */
    uint64_t off = c->ram_off + (gpa - c->gpa);
    for (uint64_t page = off / X86_PAGE_4K;
         page <= (off + len - 1) / X86_PAGE_4K; page++) {
        uint64_t bit = UINT64_C(1) << (page % BITS_PER_WORD);
        /* Listed once until the restore: a guest calling exit_stats in a
         * loop must not grow the list without bound. */
        if (s->host_dirty_map[page / BITS_PER_WORD] & bit)
            continue;
        s->host_dirty_map[page / BITS_PER_WORD] |= bit;
        if (s->n_host_dirty == s->cap_host_dirty) {
            size_t cap = s->cap_host_dirty ? 2 * s->cap_host_dirty
                                           : HOST_DIRTY_FIRST_CAP;
            uint64_t *p = realloc(s->host_dirty, cap * sizeof(*p));
            if (!p) {
                s->failed_errno = ENOMEM;
                return;
            }
            s->host_dirty = p;
            s->cap_host_dirty = cap;
        }
        s->host_dirty[s->n_host_dirty++] = page * X86_PAGE_4K;
    }
}

/* guestmem's will_write hook: the host is about to write this range. */
static void will_write(void *ctx, uint64_t gpa, uint64_t len)
{
    struct memslots *s = ctx;

    (void)memslots_ensure(s, gpa, len);
    if (s->tracking)
        note_host_dirty(s, gpa, len);
}

int memslots_init(struct memslots *s, int vm_fd, struct guestmem *mem,
                  bool eager, int max_slots, struct skvm_err *err)
{
    uint64_t chunk = eager ? UINT64_MAX : MEMSLOTS_CHUNK;

    *s = (struct memslots){.vm_fd = vm_fd, .mem = mem};
    if (max_slots <= 0)
        max_slots = 32; /* the oldest KVM's count */
    /* Fewer, larger pieces when KVM has few slots. */
    while (!eager && count_chunks(mem, chunk) > (size_t)max_slots)
        chunk *= 2;
    s->chunk_size = chunk;
    s->n_chunks = count_chunks(mem, chunk);
    if (s->n_chunks > (size_t)max_slots)
        return skvm_fail(err, SKVM_HOST,
                         "this host's KVM has %d memory slots, guest RAM "
                         "needs %zu",
                         max_slots, s->n_chunks);
    s->chunks = calloc(s->n_chunks, sizeof(*s->chunks));
    if (!s->chunks)
        return skvm_fail(err, SKVM_HOST, "out of memory");
    size_t n_low = cut(s->chunks, 0, guestmem_low_size(mem), 0, chunk);
    cut(s->chunks + n_low, LAYOUT_HIGH_RAM_BASE, guestmem_high_size(mem),
        guestmem_low_size(mem), chunk);
    mem->will_write = will_write;
    mem->will_write_ctx = s;
    if (eager && memslots_ensure(s, 0, UINT64_MAX) < 0)
        return memslots_failed(s, err);
    return 0;
}

void memslots_free(struct memslots *s)
{
    if (s->mem && s->mem->will_write_ctx == s) {
        s->mem->will_write = NULL;
        s->mem->will_write_ctx = NULL;
    }
    free(s->chunks);
    free(s->host_dirty);
    free(s->host_dirty_map);
    free(s->bitmap);
    *s = (struct memslots){0};
}

int memslots_ensure(struct memslots *s, uint64_t gpa, uint64_t len)
{
    int added = 0;
    size_t i;

    if (len == 0 || s->n_registered == s->n_chunks)
        return 0;
    /* Pieces are in address order: start at gpa's (or at the first when
     * gpa is not RAM) and stop past the range. */
    i = chunk_of(s, gpa);
    if (i == s->n_chunks)
        i = 0;
    for (; i < s->n_chunks; i++) {
        const struct memchunk *c = &s->chunks[i];
        /* Overlap, written so that gpa + len cannot wrap. */
        if (c->gpa >= gpa && c->gpa - gpa >= len)
            break;
        if (gpa > c->gpa && gpa - c->gpa >= c->size)
            continue;
        if (c->registered)
            continue;
        if (register_chunk(s, i) < 0)
            return -1;
        added++;
    }
    return added;
}

bool memslots_is_lazy(const struct memslots *s, uint64_t gpa)
{
    size_t i = chunk_of(s, gpa);

    return i < s->n_chunks && !s->chunks[i].registered;
}

int memslots_mmio(struct memslots *s, uint64_t phys, uint8_t *data,
                  uint32_t len, bool is_write)
{
    if (len == 0 || len > sizeof(((struct kvm_run *)0)->mmio.data) ||
        !guestmem_contains(s->mem, phys, len))
        return 0;
    if (memslots_ensure(s, phys, len) < 0)
        return -1;
    if (is_write)
        return guestmem_write(s->mem, phys, data, len) < 0 ? 0 : 1;
    return guestmem_read(s->mem, phys, data, len) < 0 ? 0 : 1;
}

int memslots_failed(const struct memslots *s, struct skvm_err *err)
{
    if (s->failed_errno == ENOMEM && s->failed_size == 0)
        return skvm_fail(err, SKVM_HOST, "out of memory tracking dirty "
                                         "pages");
    return skvm_fail(err, SKVM_HOST,
                     "KVM refused a memory slot for guest RAM at 0x%llx "
                     "(%llu bytes): %s",
                     (unsigned long long)s->failed_gpa,
                     (unsigned long long)s->failed_size,
                     strerror(s->failed_errno));
}

static size_t bitmap_words(uint64_t size)
{
    uint64_t pages = (size + X86_PAGE_4K - 1) / X86_PAGE_4K;
    return (size_t)((pages + BITS_PER_WORD - 1) / BITS_PER_WORD);
}

int memslots_track_dirty(struct memslots *s, struct skvm_err *err)
{
    size_t words = 0;

    s->flags |= KVM_MEM_LOG_DIRTY_PAGES;
    s->tracking = true;
    for (size_t i = 0; i < s->n_chunks; i++) {
        if (bitmap_words(s->chunks[i].size) > words)
            words = bitmap_words(s->chunks[i].size);
        /* Same slot again with the new flag: KVM keeps its contents. */
        if (s->chunks[i].registered && register_chunk(s, i) < 0)
            return skvm_fail(err, SKVM_HOST,
                             "--repeat needs dirty-page logging, which this "
                             "host's KVM refused: %s",
                             strerror(s->failed_errno));
    }
    s->bitmap = calloc(words ? words : 1, sizeof(uint64_t));
    /* One bit per page of RAM; calloc'd pages of it stay untouched (and
     * cost nothing) until the host writes that part of RAM. */
    s->host_dirty_map = calloc(bitmap_words(s->mem->size), sizeof(uint64_t));
    if (!s->bitmap || !s->host_dirty_map)
        return skvm_fail(err, SKVM_HOST, "out of memory for the dirty log");
    return 0;
}

int memslots_take_dirty(struct memslots *s,
                        void (*fn)(uint8_t *page, void *ctx), void *ctx,
                        struct skvm_err *err)
{
    for (size_t i = 0; i < s->n_chunks; i++) {
        const struct memchunk *c = &s->chunks[i];
        struct kvm_dirty_log log = {.slot = (uint32_t)i,
                                    .dirty_bitmap = s->bitmap};
        uint64_t pages = (c->size + X86_PAGE_4K - 1) / X86_PAGE_4K;

        if (!c->registered)
            continue;
        if (ioctl(s->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0)
            return skvm_fail(err, SKVM_HOST, "KVM_GET_DIRTY_LOG failed: %s",
                             strerror(errno));
        for (size_t w = 0; w < bitmap_words(c->size); w++) {
            uint64_t bits = s->bitmap[w];
            while (bits) {
                uint64_t page = w * BITS_PER_WORD +
                                (uint64_t)__builtin_ctzll(bits);
                bits &= bits - 1;
                if (page < pages) /* bits past the slot's end: ignore */
                    fn(s->mem->host + c->ram_off + page * X86_PAGE_4K, ctx);
            }
        }
    }
    for (size_t i = 0; i < s->n_host_dirty; i++)
        fn(s->mem->host + s->host_dirty[i], ctx);
    memslots_forget_host_dirty(s);
    return 0;
}

void memslots_forget_host_dirty(struct memslots *s)
{
    for (size_t i = 0; i < s->n_host_dirty; i++) {
        uint64_t page = s->host_dirty[i] / X86_PAGE_4K;
        s->host_dirty_map[page / BITS_PER_WORD] &=
            ~(UINT64_C(1) << (page % BITS_PER_WORD));
    }
    s->n_host_dirty = 0;
}
