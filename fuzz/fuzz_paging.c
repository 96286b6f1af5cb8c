/* fuzz_paging.c - libFuzzer target: the host's walk of guest page tables.
 *
 * The input is a header (RAM size, the CPU's paging facts, CR0/CR3/CR4/
 * EFER, a linear address, a length, an operation) followed by the guest
 * RAM bytes, which hold whatever page tables the input makes. The
 * operation is one of paging_translate (32-bit or 4-level walk, per the
 * control registers), paging_write and paging_read_str. RAM is a heap
 * buffer of exactly its size, so ASan reports any read or write outside
 * it.
 *
 * Differential: ref_translate() below is a second walk, written apart
 * from paging.c straight from the SDM (vol. 3A 4.3, 4.5 and 4.7, tables
 * 4-4 and 4-15 to 4-20; AMD's PML4E bit 8) one bit at a time, for the CPU
 * the header names (guestmem.h's struct paging_cpu, with its documented
 * default and clamping). The walk must agree with it exactly:
 *   translate      same status; with OK the same address and page size,
 *                  with a failing entry the same entry address; and the
 *                  offset within the page is the linear one's
 *   write          all or nothing: a failed write leaves RAM unchanged
 *                  and fails where the reference first fails; a
 *                  successful one changed exactly the bytes the reference
 *                  maps the range to
 *   read_str OK    len <= max, buf[len] is the NUL, no NUL before it, and
 *                  every byte is the one the reference maps it to
 *   failures       a status other than PAGING_OK, and a walk failure is
 *                  the reference's at the failing address
 * Everything is bounded: RAM_MAX bytes, LEN_MAX bytes of range.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/paging.h"
#include "core/x86.h"

#define RAM_MAX    (1u << 20)
#define LEN_MAX    (3 * 4096u) /* crosses up to four pages */

enum op { OP_TRANSLATE, OP_WRITE, OP_READ_STR, OP_COUNT };

/* The `cpu` byte: struct paging_cpu, packed. */
#define CPU_NO_GBPAGES 0x01u
#define CPU_NO_PSE36   0x02u
#define CPU_AMD        0x04u
#define CPU_MAXPHY_SHIFT 3 /* bits 7:3: 0 = default, else 28 + value */
#define CPU_MAXPHY_BASE  28 /* so 29..59: below 32 and above 52 too */

struct header {
    uint32_t ram_size; /* modulo RAM_MAX, + 1: need not be page-aligned */
    uint8_t op;
    uint8_t cpu; /* CPU_*: 0 is guestmem.h's default CPU */
    uint16_t len;
    uint64_t linear;
    uint64_t cr0, cr3, cr4, efer;
};

static struct paging_cpu cpu_from_byte(uint8_t b)
{
    unsigned code = b >> CPU_MAXPHY_SHIFT;

    return (struct paging_cpu){
        .maxphyaddr = (uint8_t)(code ? CPU_MAXPHY_BASE + code : 0),
        .no_gbpages = b & CPU_NO_GBPAGES,
        .no_pse36 = b & CPU_NO_PSE36,
        .amd = b & CPU_AMD,
    };
}

/* ---- The reference walk, from the SDM, sharing nothing with paging.c
 * but the status names and the paging_cpu contract. ---- */

struct ref {
    const uint8_t *ram; /* RAM_MAX at most: all of it is low RAM */
    uint64_t ram_len;
    unsigned m;   /* MAXPHYADDR */
    bool gbpages, pse36, amd, nxe;
};

struct ref_result {
    enum paging_status st;
    uint64_t gpa, size, entry;
};

static uint64_t bit(uint64_t v, unsigned n) { return (v >> n) & 1; }

/* Bits hi..lo of v, shifted down to bit 0. */
static uint64_t field(uint64_t v, unsigned hi, unsigned lo)
{
    uint64_t r = 0;

    for (unsigned n = hi + 1; n-- > lo;)
        r = r << 1 | bit(v, n);
    return r;
}

/* Is any of bits hi..lo set? (None to test when lo > hi.) */
static bool any_set(uint64_t v, unsigned hi, unsigned lo)
{
    for (unsigned n = lo; n <= hi; n++)
        if (bit(v, n))
            return true;
    return false;
}

/* Little-endian entry of `width` bytes; false when not all in RAM. */
static bool ref_read(const struct ref *r, uint64_t gpa, unsigned width,
                     uint64_t *v)
{
    *v = 0;
    if (gpa >= r->ram_len || r->ram_len - gpa < width)
        return false;
    for (unsigned i = 0; i < width; i++)
        *v |= (uint64_t)r->ram[gpa + i] << (8 * i);
    return true;
}

static struct ref_result fail_at(enum paging_status st, uint64_t entry)
{
    return (struct ref_result){.st = st, .entry = entry};
}

static struct ref_result page(uint64_t gpa, uint64_t size)
{
    return (struct ref_result){.st = PAGING_OK, .gpa = gpa, .size = size};
}

/* 32-bit paging, SDM 4.3: PDE at CR3[31:12] + lin[31:22] * 4. */
static struct ref_result ref_walk32(const struct ref *r, uint64_t cr3,
                                    uint64_t cr4, uint32_t lin)
{
    uint64_t pde_at = field(cr3, 31, 12) << 12 | field(lin, 31, 22) << 2;
    uint64_t pde, pte_at, pte;

    if (!ref_read(r, pde_at, 4, &pde))
        return fail_at(PAGING_TABLE_NOT_RAM, pde_at);
    if (!bit(pde, 0))
        return fail_at(PAGING_NOT_PRESENT, pde_at);
    if (bit(cr4, 4) && bit(pde, 7)) { /* CR4.PSE and PS: a 4 MiB page */
        /* Table 4-4: M = min(MAXPHYADDR, 40) with PSE-36, else 32. */
        unsigned m = r->pse36 ? (r->m < 40 ? r->m : 40) : 32;
        uint64_t gpa = field(pde, 31, 22) << 22 | field(lin, 21, 0);

        if (any_set(pde, 21, m - 19))
            return fail_at(PAGING_RESERVED_PDE, pde_at);
        if (m > 32) /* bits (M-20):13 are address bits (M-1):32 */
            gpa |= field(pde, m - 20, 13) << 32;
        return page(gpa, 4u << 20);
    }
    /* PS ignored without CR4.PSE: the PDE names a page table. */
    pte_at = field(pde, 31, 12) << 12 | field(lin, 21, 12) << 2;
    if (!ref_read(r, pte_at, 4, &pte))
        return fail_at(PAGING_TABLE_NOT_RAM, pte_at);
    if (!bit(pte, 0))
        return fail_at(PAGING_NOT_PRESENT, pte_at);
    return page(field(pte, 31, 12) << 12 | field(lin, 11, 0), 4096);
}

/* PAE paging, SDM 4.4: a 4-entry PDPT at CR3 bits 31:5, then 8-byte PD
 * and PT entries. PDPTE reserved: 63:MAXPHYADDR, and on Intel 8:5, 2:1
 * (AMD sets the accessed bit 5 there). */
static struct ref_result ref_walk_pae(const struct ref *r, uint64_t cr3,
                                      uint32_t lin)
{
    uint64_t at = field(cr3, 31, 5) << 5 | (uint64_t)field(lin, 31, 30) * 8;
    uint64_t e;

    if (!ref_read(r, at, 8, &e))
        return fail_at(PAGING_TABLE_NOT_RAM, at);
    if (!bit(e, 0))
        return fail_at(PAGING_NOT_PRESENT, at);
    if (any_set(e, 63, r->m) ||
        (!r->amd && (any_set(e, 8, 5) || any_set(e, 2, 1))))
        return fail_at(PAGING_RESERVED_PDPTE, at);
    at = field(e, r->m - 1, 12) << 12 | field(lin, 29, 21) * 8;
    if (!ref_read(r, at, 8, &e))
        return fail_at(PAGING_TABLE_NOT_RAM, at);
    if (!bit(e, 0))
        return fail_at(PAGING_NOT_PRESENT, at);
    if (any_set(e, 51, r->m) || (!r->nxe && bit(e, 63)) ||
        (bit(e, 7) && any_set(e, 20, 13)))
        return fail_at(PAGING_RESERVED_PDE, at);
    if (bit(e, 7))
        return page(field(e, r->m - 1, 21) << 21 | field(lin, 20, 0),
                    UINT64_C(1) << 21);
    at = field(e, r->m - 1, 12) << 12 | field(lin, 20, 12) * 8;
    if (!ref_read(r, at, 8, &e))
        return fail_at(PAGING_TABLE_NOT_RAM, at);
    if (!bit(e, 0))
        return fail_at(PAGING_NOT_PRESENT, at);
    if (any_set(e, 51, r->m) || (!r->nxe && bit(e, 63)))
        return fail_at(PAGING_RESERVED_PTE, at);
    return page(field(e, r->m - 1, 12) << 12 | field(lin, 11, 0), 4096);
}

/* 4-level paging, SDM 4.5: levels 4 (PML4E) down to 1 (PTE), each
 * indexing 9 bits of the linear address from bit 12 + 9 * (level - 1);
 * with LA57 level 5 (PML5E) on top. */
static struct ref_result ref_walk64(const struct ref *r, uint64_t cr3,
                                    uint64_t lin, bool la57)
{
    static const enum paging_status rsvd[] = {
        [5] = PAGING_RESERVED_PML5E, [4] = PAGING_RESERVED_PML4E,
        [3] = PAGING_RESERVED_PDPTE, [2] = PAGING_RESERVED_PDE,
        [1] = PAGING_RESERVED_PTE};
    uint64_t table = field(cr3, 51, 12) << 12;
    unsigned top = la57 ? 56 : 47;

    for (unsigned b = top + 1; b < 64; b++) /* canonical: copies of `top` */
        if (bit(lin, b) != bit(lin, top))
            return fail_at(PAGING_NONCANONICAL, 0);
    for (unsigned level = la57 ? 5 : 4; level >= 1; level--) {
        unsigned lo = 12 + 9 * (level - 1);
        uint64_t at = table + field(lin, lo + 8, lo) * 8, e;

        if (!ref_read(r, at, 8, &e))
            return fail_at(PAGING_TABLE_NOT_RAM, at);
        if (!bit(e, 0))
            return fail_at(PAGING_NOT_PRESENT, at);
        /* 4.7: bits 51:MAXPHYADDR, and XD when EFER.NXE = 0. */
        if (any_set(e, 51, r->m) || (!r->nxe && bit(e, 63)))
            return fail_at(rsvd[level], at);
        if (level >= 4 && (bit(e, 7) || (r->amd && bit(e, 8))))
            return fail_at(rsvd[level], at);
        if (level == 3 && bit(e, 7)) { /* 1 GiB page, table 4-16 */
            if (!r->gbpages || any_set(e, 29, 13))
                return fail_at(rsvd[level], at);
            return page(field(e, r->m - 1, 30) << 30 | field(lin, 29, 0),
                        UINT64_C(1) << 30);
        }
        if (level == 2 && bit(e, 7)) { /* 2 MiB page, table 4-18 */
            if (any_set(e, 20, 13))
                return fail_at(rsvd[level], at);
            return page(field(e, r->m - 1, 21) << 21 | field(lin, 20, 0),
                        UINT64_C(1) << 21);
        }
        if (level == 1)
            return page(field(e, r->m - 1, 12) << 12 | field(lin, 11, 0),
                        4096);
        table = field(e, r->m - 1, 12) << 12;
    }
    abort(); /* level 1 always returns */
}

static struct ref_result ref_translate(const struct ref *r,
                                       const struct kvm_sregs *s,
                                       uint64_t lin)
{
    if (!bit(s->cr0, 31)) /* CR0.PG clear: no paging */
        return page(lin, 4096);
    if (bit(s->efer, 10)) /* EFER.LMA: 4-level, or 5-level with LA57 */
        return ref_walk64(r, s->cr3, lin, bit(s->cr4, 12));
    if (lin >> 32)
        return fail_at(PAGING_NONCANONICAL, 0);
    if (bit(s->cr4, 5)) /* PAE paging */
        return ref_walk_pae(r, s->cr3, (uint32_t)lin);
    return ref_walk32(r, s->cr3, s->cr4, (uint32_t)lin);
}

static struct ref ref_for(const struct guestmem *mem, const uint8_t *ram,
                          const struct kvm_sregs *s)
{
    unsigned m = mem->cpu.maxphyaddr ? mem->cpu.maxphyaddr
                                     : PAGING_CPU_DEFAULT_MAXPHYADDR;

    return (struct ref){
        .ram = ram,
        .ram_len = mem->size,
        .m = m < 32 ? 32 : m > 52 ? 52 : m,
        .gbpages = !mem->cpu.no_gbpages,
        .pse36 = !mem->cpu.no_pse36,
        .amd = mem->cpu.amd,
        .nxe = bit(s->efer, 11),
    };
}

/* ---- The checks ---- */

static bool names_entry(enum paging_status st)
{
    return st == PAGING_NOT_PRESENT || st == PAGING_TABLE_NOT_RAM ||
           st == PAGING_RESERVED_PML5E || st == PAGING_RESERVED_PML4E ||
           st == PAGING_RESERVED_PDPTE ||
           st == PAGING_RESERVED_PDE || st == PAGING_RESERVED_PTE;
}

static void check_translate(const struct guestmem *mem,
                            const struct kvm_sregs *sregs, uint64_t linear)
{
    struct ref r = ref_for(mem, mem->host, sregs);
    struct ref_result want = ref_translate(&r, sregs, linear);
    struct paging_walk walk;
    enum paging_status st = paging_translate(mem, sregs, linear, &walk);

    if (st != want.st)
        abort();
    if (st != PAGING_OK) {
        if (names_entry(st) && walk.entry_gpa != want.entry)
            abort();
        return;
    }
    if (walk.gpa != want.gpa || walk.page_size != want.size)
        abort();
    if (walk.page_size != X86_PAGE_4K && walk.page_size != X86_PAGE_2M &&
        walk.page_size != X86_PAGE_4M && walk.page_size != X86_PAGE_1G)
        abort();
    if ((walk.gpa ^ linear) & (walk.page_size - 1))
        abort();
}

/* A failed range operation: its walk status, if it is one, is the
 * reference's at the failing address; NOT_RAM names where it maps. */
static void check_range_fault(const struct ref *r,
                              const struct kvm_sregs *sregs,
                              const struct paging_fault *f)
{
    struct ref_result want;

    switch (f->status) {
    case PAGING_OK:
        abort();
    case PAGING_WRAPS:
    case PAGING_UNTERMINATED:
    case PAGING_TOO_LONG:
        return;
    case PAGING_NOT_RAM:
        want = ref_translate(r, sregs, f->linear);
        if (want.st != PAGING_OK || want.gpa != f->gpa)
            abort();
        return;
    default:
        want = ref_translate(r, sregs, f->linear);
        if (want.st != f->status)
            abort();
        return;
    }
}

/* Where the reference puts the bytes of a linear range, one 4 KiB page
 * walked at a time (the range operations translate page by page). */
struct ref_cursor {
    const struct ref *r;
    const struct kvm_sregs *sregs;
    uint64_t page_la; /* UINT64_MAX: none walked yet */
    struct ref_result page;
};

/* Guest-physical address of linear byte `la`; false if not RAM. */
static bool ref_byte(struct ref_cursor *c, uint64_t la, uint64_t *gpa)
{
    uint64_t page_la = la & ~UINT64_C(0xFFF);

    if (c->page_la != page_la) {
        c->page_la = page_la;
        c->page = ref_translate(c->r, c->sregs, page_la);
    }
    if (c->page.st != PAGING_OK)
        return false;
    *gpa = c->page.gpa + (la - page_la);
    return *gpa < c->r->ram_len;
}

static void check_write(const struct guestmem *mem,
                        const struct kvm_sregs *sregs, uint32_t linear,
                        size_t len)
{
    uint8_t *before = malloc(mem->size), *want = malloc(mem->size);
    uint8_t *src = malloc(len ? len : 1);
    struct paging_fault f;
    struct ref r;

    if (!before || !want || !src)
        abort();
    memcpy(before, mem->host, mem->size);
    memset(src, 0xA5, len);
    r = ref_for(mem, before, sregs);
    if (paging_write(mem, sregs, linear, src, len, &f) < 0) {
        if (memcmp(before, mem->host, mem->size))
            abort();
        check_range_fault(&r, sregs, &f);
    } else {
        /* Every byte lands where the tables said before the copy. */
        struct ref_cursor c = {.r = &r, .sregs = sregs,
                               .page_la = UINT64_MAX};
        memcpy(want, before, mem->size);
        for (size_t i = 0; i < len; i++) {
            uint64_t gpa;
            if (!ref_byte(&c, (uint64_t)linear + i, &gpa))
                abort();
            want[gpa] = 0xA5;
        }
        if (memcmp(want, mem->host, mem->size))
            abort();
    }
    free(src);
    free(want);
    free(before);
}

static void check_read_str(const struct guestmem *mem,
                           const struct kvm_sregs *sregs, uint32_t linear,
                           size_t max)
{
    char *buf = malloc(max + 1);
    struct paging_fault f;
    size_t len = SIZE_MAX;
    struct ref r = ref_for(mem, mem->host, sregs);

    if (!buf)
        abort();
    if (paging_read_str(mem, sregs, linear, buf, max, &len, &f) == 0) {
        if (len > max || buf[len] != '\0' || memchr(buf, '\0', len))
            abort();
        struct ref_cursor c = {.r = &r, .sregs = sregs,
                               .page_la = UINT64_MAX};
        for (size_t i = 0; i <= len; i++) {
            uint64_t gpa;
            if (!ref_byte(&c, (uint64_t)linear + i, &gpa) ||
                mem->host[gpa] != (uint8_t)buf[i])
                abort();
        }
    } else {
        check_range_fault(&r, sregs, &f);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct header h;
    struct kvm_sregs sregs = {0};
    struct guestmem mem;
    size_t ram_len, len;
    uint8_t *ram;

    if (size < sizeof(h))
        return 0;
    memcpy(&h, data, sizeof(h));
    data += sizeof(h);
    size -= sizeof(h);
    ram_len = h.ram_size % RAM_MAX + 1;
    ram = calloc(1, ram_len);
    if (!ram)
        abort();
    memcpy(ram, data, size < ram_len ? size : ram_len);
    mem = (struct guestmem){.host = ram, .size = ram_len,
                            .cpu = cpu_from_byte(h.cpu)};
    sregs.cr0 = h.cr0;
    sregs.cr3 = h.cr3;
    sregs.cr4 = h.cr4;
    sregs.efer = h.efer;
    len = h.len % (LEN_MAX + 1);

    switch (h.op % OP_COUNT) {
    case OP_TRANSLATE:
        check_translate(&mem, &sregs, h.linear);
        break;
    case OP_WRITE:
        check_write(&mem, &sregs, (uint32_t)h.linear, len);
        break;
    case OP_READ_STR:
        check_read_str(&mem, &sregs, (uint32_t)h.linear, len);
        break;
    }
    free(ram);
    return 0;
}
