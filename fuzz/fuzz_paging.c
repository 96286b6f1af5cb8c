/* fuzz_paging.c - libFuzzer target: the host's walk of guest page tables.
 *
 * The input is a header (RAM size, CR0/CR3/CR4/EFER, a linear address, a
 * length, an operation) followed by the guest RAM bytes, which hold
 * whatever page tables the input makes. The operation is one of
 * paging_translate (32-bit or 4-level walk, per the control registers),
 * paging_write and paging_read_str. RAM is a heap buffer of exactly its
 * size, so ASan reports any read or write outside it. Beyond not
 * crashing, each result must be self-consistent:
 *   translate OK   page size is 4K/2M/4M/1G (or 4K without paging) and
 *                  the offset within the page is the linear one's
 *   write          all or nothing: a failed write leaves RAM unchanged
 *   read_str OK    len <= max, buf[len] is the NUL, no NUL before it
 * and a failure always names a status other than PAGING_OK.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/paging.h"
#include "core/x86.h"

#define RAM_MAX    (1u << 20)
#define LEN_MAX    (3 * 4096u) /* crosses up to four pages */

enum op { OP_TRANSLATE, OP_WRITE, OP_READ_STR, OP_COUNT };

struct header {
    uint32_t ram_size; /* modulo RAM_MAX, + 1: need not be page-aligned */
    uint8_t op;
    uint8_t pad;
    uint16_t len;
    uint64_t linear;
    uint64_t cr0, cr3, cr4, efer;
};

static void check_translate(const struct guestmem *mem,
                            const struct kvm_sregs *sregs, uint64_t linear)
{
    struct paging_walk walk;
    enum paging_status st = paging_translate(mem, sregs, linear, &walk);

    if (st != PAGING_OK)
        return;
    if (walk.page_size != X86_PAGE_4K && walk.page_size != X86_PAGE_2M &&
        walk.page_size != X86_PAGE_4M && walk.page_size != X86_PAGE_1G)
        abort();
    if ((walk.gpa ^ linear) & (walk.page_size - 1))
        abort();
}

static void check_write(const struct guestmem *mem,
                        const struct kvm_sregs *sregs, uint32_t linear,
                        size_t len)
{
    uint8_t *before = malloc(mem->size), *src = malloc(len ? len : 1);
    struct paging_fault f;

    if (!before || !src)
        abort();
    memcpy(before, mem->host, mem->size);
    memset(src, 0xA5, len);
    if (paging_write(mem, sregs, linear, src, len, &f) < 0) {
        if (f.status == PAGING_OK || memcmp(before, mem->host, mem->size))
            abort();
    }
    free(src);
    free(before);
}

static void check_read_str(const struct guestmem *mem,
                           const struct kvm_sregs *sregs, uint32_t linear,
                           size_t max)
{
    char *buf = malloc(max + 1);
    struct paging_fault f;
    size_t len = SIZE_MAX;

    if (!buf)
        abort();
    if (paging_read_str(mem, sregs, linear, buf, max, &len, &f) == 0) {
        if (len > max || buf[len] != '\0' || memchr(buf, '\0', len))
            abort();
    } else if (f.status == PAGING_OK) {
        abort();
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
    mem = (struct guestmem){.host = ram, .size = ram_len};
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
