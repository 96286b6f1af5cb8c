/* multiboot.c - Multiboot 1: finding the header, the a.out kludge, the
 * modules and the information structure (Multiboot Specification 0.6.96,
 * sections 3.1 to 3.3). */
#include "core/multiboot.h"

#include <stdio.h>
#include <string.h>

#include "core/le.h"
#include "core/layout.h"

static const char *flag_name(unsigned bit)
{
    switch (bit) {
    case MB_HF_VIDEO_BIT:
        return "video mode";
    default:
        return "unknown";
    }
}

int multiboot_find(const uint8_t *data, size_t len, const char *name,
                   struct mb_header *h, struct skvm_err *err)
{
    size_t end = len < MB_SEARCH_LEN ? len : MB_SEARCH_LEN;
    size_t bad_off = 0;
    uint32_t bad_sum = 0;
    bool bad = false;

    for (size_t off = 0; off + MB_HEADER_LEN <= end; off += MB_HEADER_ALIGN) {
        if (le_get32(data + off) != MB_HEADER_MAGIC)
            continue;
        uint32_t flags = le_get32(data + off + 4);
        uint32_t sum = le_get32(data + off + 8);
        /* magic + flags + checksum is 0 modulo 2^32 (spec 3.1.2). */
        if ((uint32_t)(MB_HEADER_MAGIC + flags + sum) != 0) {
            if (!bad) {
                bad = true;
                bad_off = off;
                bad_sum = sum;
            }
            continue;
        }
        uint32_t unknown =
            flags & MB_HF_REQUIRED_MASK & ~(uint32_t)MB_HF_SUPPORTED;
        if (unknown) {
            unsigned bit = (unsigned)__builtin_ctz(unknown);
            return skvm_fail(err, SKVM_USAGE,
                             "Multiboot kernel '%s' requires header flag bit "
                             "%u (%s), which simple-kvm cannot honour",
                             name, bit, flag_name(bit));
        }
        *h = (struct mb_header){.offset = off, .flags = flags};
        if (!(flags & MB_HF_ADDRS))
            return 1;
        if (len - off < MB_HEADER_ADDRS_LEN)
            return skvm_fail(err, SKVM_USAGE,
                             "Multiboot header in '%s' at offset 0x%zx is "
                             "cut off: flag bit 16 needs its address fields "
                             "(%d bytes), the file ends first",
                             name, off, MB_HEADER_ADDRS_LEN);
        h->header_addr = le_get32(data + off + 12);
        h->load_addr = le_get32(data + off + 16);
        h->load_end_addr = le_get32(data + off + 20);
        h->bss_end_addr = le_get32(data + off + 24);
        h->entry_addr = le_get32(data + off + 28);
        return 1;
    }
    if (bad)
        return skvm_fail(err, SKVM_USAGE,
                         "Multiboot header in '%s' at offset 0x%zx has a bad "
                         "checksum 0x%08x (magic + flags + checksum must be "
                         "0 modulo 2^32)",
                         name, bad_off, bad_sum);
    return 0;
}

int multiboot_aout_layout(const struct mb_header *h, size_t file_len,
                          const char *name, struct mb_aout *out,
                          struct skvm_err *err)
{
    uint64_t before = (uint64_t)h->header_addr - h->load_addr;

    if (h->load_addr > h->header_addr)
        return skvm_fail(err, SKVM_USAGE,
                         "Multiboot kernel '%s': load_addr 0x%x is above "
                         "header_addr 0x%x",
                         name, h->load_addr, h->header_addr);
    if (before > h->offset)
        return skvm_fail(err, SKVM_USAGE,
                         "Multiboot kernel '%s': header_addr 0x%x - "
                         "load_addr 0x%x is more than the header's offset "
                         "0x%zx: the load would start before the file",
                         name, h->header_addr, h->load_addr, h->offset);
    out->file_off = h->offset - (size_t)before;
    out->load_addr = h->load_addr;
    if (h->load_end_addr == 0) {
        out->file_len = file_len - out->file_off;
    } else {
        if (h->load_end_addr <= h->header_addr)
            return skvm_fail(err, SKVM_USAGE,
                             "Multiboot kernel '%s': load_end_addr 0x%x is "
                             "not past the header at 0x%x",
                             name, h->load_end_addr, h->header_addr);
        uint64_t want = (uint64_t)h->load_end_addr - h->load_addr;
        if (want > file_len - out->file_off)
            return skvm_fail(err, SKVM_USAGE,
                             "Multiboot kernel '%s': load_end_addr 0x%x is "
                             "past the end of the file (%zu bytes from "
                             "offset 0x%zx)",
                             name, h->load_end_addr,
                             file_len - out->file_off, out->file_off);
        out->file_len = (size_t)want;
    }
    out->load_end = (uint64_t)out->load_addr + out->file_len;
    if (h->bss_end_addr == 0) {
        out->bss_end = out->load_end;
    } else if (h->bss_end_addr < out->load_end) {
        return skvm_fail(err, SKVM_USAGE,
                         "Multiboot kernel '%s': bss_end_addr 0x%x is below "
                         "the end of the loaded data 0x%llx",
                         name, h->bss_end_addr,
                         (unsigned long long)out->load_end);
    } else {
        out->bss_end = h->bss_end_addr;
    }
    if (h->entry_addr < out->load_addr || h->entry_addr >= out->load_end)
        return skvm_fail(err, SKVM_USAGE,
                         "Multiboot kernel '%s': entry_addr 0x%x is outside "
                         "the loaded image 0x%x-0x%llx",
                         name, h->entry_addr, out->load_addr,
                         (unsigned long long)(out->load_end - 1));
    out->entry = h->entry_addr;
    return 0;
}

int multiboot_check_range(const struct guestmem *mem, uint64_t base,
                          uint64_t len, const char *what,
                          struct skvm_err *err)
{
    if (!guestmem_contains(mem, base, len))
        return skvm_fail(err, SKVM_USAGE,
                         "%s (0x%llx-0x%llx) is outside guest memory (%llu "
                         "bytes; see --mem)",
                         what, (unsigned long long)base,
                         (unsigned long long)(base + len - 1),
                         (unsigned long long)mem->size);
    if (base < MB_UPPER_MEM_BASE && base + len > LAYOUT_PC_HOLE_BASE)
        return skvm_fail(err, SKVM_USAGE,
                         "%s (0x%llx-0x%llx) overlaps the PC hole "
                         "0x%x-0x%x, where the loader keeps its tables",
                         what, (unsigned long long)base,
                         (unsigned long long)(base + len - 1),
                         LAYOUT_PC_HOLE_BASE, MB_UPPER_MEM_BASE - 1);
    return 0;
}

int multiboot_aout_load(const struct guestmem *mem, const uint8_t *file,
                        const struct mb_aout *a, const char *name,
                        struct skvm_err *err)
{
    char what[300];
    uint8_t *dst;

    snprintf(what, sizeof(what), "Multiboot kernel '%s'", name);
    if (a->file_len == 0)
        return skvm_fail(err, SKVM_USAGE, "%s loads no bytes", what);
    if (multiboot_check_range(mem, a->load_addr, a->bss_end - a->load_addr,
                              what, err) < 0)
        return -1;
    dst = guestmem_ptr_rw(mem, a->load_addr, a->bss_end - a->load_addr);
    memcpy(dst, file + a->file_off, a->file_len);
    memset(dst + a->file_len, 0, (size_t)(a->bss_end - a->load_end));
    return 0;
}

/* The information area, filled front to back. */
struct area {
    uint8_t *p;
    size_t used, cap;
    bool full;
};

static size_t area_take(struct area *a, size_t len, size_t align)
{
    size_t off = (a->used + align - 1) & ~(align - 1);

    if (off > a->cap || len > a->cap - off) {
        a->full = true;
        return 0;
    }
    a->used = off + len;
    return off;
}

/* A NUL-terminated copy in the area; its guest address. */
static uint32_t area_string(struct area *a, const char *s)
{
    size_t len = strlen(s) + 1;
    size_t off = area_take(a, len, 1);

    if (a->full)
        return 0;
    memcpy(a->p + off, s, len);
    return (uint32_t)(LAYOUT_MB_INFO_BASE + off);
}

static void mmap_entry(struct area *a, uint64_t base, uint64_t len,
                       uint32_t type)
{
    size_t off = area_take(a, MB_MMAP_ENTRY_LEN, 4);

    if (a->full)
        return;
    /* `size` counts the bytes after itself. */
    le_put32(a->p + off, MB_MMAP_ENTRY_LEN - 4);
    le_put64(a->p + off + 4, base);
    le_put64(a->p + off + 12, len);
    le_put32(a->p + off + 20, type);
}

static uint64_t align_up(uint64_t v, uint64_t align)
{
    return (v + align - 1) & ~(align - 1);
}

int multiboot_write_info(const struct guestmem *mem, const struct mb_boot *b,
                         uint32_t *info_addr, struct skvm_err *err)
{
    uint64_t low = guestmem_low_size(mem), high = guestmem_high_size(mem);
    uint64_t align = (b->header_flags & MB_HF_PAGE_ALIGN) ? MB_PAGE_SIZE
                                                          : MB_MOD_ALIGN;
    uint64_t next = b->kernel_end > MB_UPPER_MEM_BASE ? b->kernel_end
                                                      : MB_UPPER_MEM_BASE;
    struct area a = {.cap = LAYOUT_MB_INFO_SIZE};
    char what[300];

    a.p = guestmem_ptr_rw(mem, LAYOUT_MB_INFO_BASE, LAYOUT_MB_INFO_SIZE);
    if (!a.p)
        return skvm_fail(err, SKVM_USAGE,
                         "guest memory (%llu bytes) does not reach the "
                         "Multiboot information area at 0x%x",
                         (unsigned long long)mem->size, LAYOUT_MB_INFO_BASE);
    memset(a.p, 0, a.cap);
    uint8_t *info = a.p + area_take(&a, MB_INFO_LEN, 8);

    /* The memory map: exactly the RAM this VM has. RAM below the hole and
     * from 1 MiB is usable; the hole's RAM holds the loader's tables and
     * this structure, so it is reserved. */
    size_t mmap_off = area_take(&a, 0, 8);
    uint64_t lower = low < MB_LOWER_MEM_END ? low : MB_LOWER_MEM_END;
    mmap_entry(&a, 0, lower, MB_MMAP_RAM);
    if (low > MB_LOWER_MEM_END)
        mmap_entry(&a, MB_LOWER_MEM_END,
                   (low < MB_UPPER_MEM_BASE ? low : MB_UPPER_MEM_BASE) -
                       MB_LOWER_MEM_END,
                   MB_MMAP_RESERVED);
    if (low > MB_UPPER_MEM_BASE)
        mmap_entry(&a, MB_UPPER_MEM_BASE, low - MB_UPPER_MEM_BASE,
                   MB_MMAP_RAM);
    if (high)
        mmap_entry(&a, LAYOUT_HIGH_RAM_BASE, high, MB_MMAP_RAM);
    size_t mmap_len = a.used - mmap_off;

    /* Modules: one after the other past the kernel, each checked. */
    size_t mods_off = area_take(&a, b->n_mods * MB_MOD_ENTRY_LEN, 4);
    for (size_t i = 0; i < b->n_mods && !a.full; i++) {
        const struct mb_module *m = &b->mods[i];
        uint8_t *e = a.p + mods_off + i * MB_MOD_ENTRY_LEN;
        next = align_up(next, align);
        snprintf(what, sizeof(what), "module '%s'", m->path);
        /* Multiboot addresses are 32-bit: the module must end below 4 GiB. */
        if (m->len == 0 || next + m->len > UINT32_MAX)
            return skvm_fail(err, SKVM_USAGE,
                             "%s (%zu bytes) cannot be placed at 0x%llx: "
                             "Multiboot modules are non-empty and end "
                             "below 4 GiB",
                             what, m->len, (unsigned long long)next);
        if (multiboot_check_range(mem, next, m->len, what, err) < 0)
            return -1;
        memcpy(guestmem_ptr_rw(mem, next, m->len), m->data, m->len);
        le_put32(e, (uint32_t)next);
        le_put32(e + 4, (uint32_t)(next + m->len));
        le_put32(e + 8, area_string(&a, m->string));
        next += m->len;
    }

    uint32_t loader = area_string(&a, MB_LOADER_NAME);
    uint32_t cmdline = area_string(&a, b->cmdline);
    if (a.full)
        return skvm_fail(err, SKVM_USAGE,
                         "the Multiboot information (command line, %zu "
                         "modules and their strings) does not fit in the "
                         "loader's %u bytes at 0x%x",
                         b->n_mods, LAYOUT_MB_INFO_SIZE, LAYOUT_MB_INFO_BASE);

    le_put32(info + MB_INFO_OFF_FLAGS, MB_INFO_MEM | MB_INFO_CMDLINE |
                                        MB_INFO_MODS | MB_INFO_MMAP |
                                        MB_INFO_LOADER);
    le_put32(info + MB_INFO_OFF_MEM_LOWER, (uint32_t)(lower / 1024));
    le_put32(info + MB_INFO_OFF_MEM_UPPER,
          low > MB_UPPER_MEM_BASE
              ? (uint32_t)((low - MB_UPPER_MEM_BASE) / 1024)
              : 0);
    le_put32(info + MB_INFO_OFF_CMDLINE, cmdline);
    le_put32(info + MB_INFO_OFF_MODS_COUNT, (uint32_t)b->n_mods);
    le_put32(info + MB_INFO_OFF_MODS_ADDR,
          (uint32_t)(LAYOUT_MB_INFO_BASE + mods_off));
    le_put32(info + MB_INFO_OFF_MMAP_LENGTH, (uint32_t)mmap_len);
    le_put32(info + MB_INFO_OFF_MMAP_ADDR,
          (uint32_t)(LAYOUT_MB_INFO_BASE + mmap_off));
    le_put32(info + MB_INFO_OFF_LOADER_NAME, loader);
    *info_addr = LAYOUT_MB_INFO_BASE;
    return 0;
}
