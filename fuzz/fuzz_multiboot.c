/* fuzz_multiboot.c - libFuzzer target: Multiboot 1 kernels end to end, as
 * far as they go without KVM.
 *
 * A header (RAM size, module count and size, command line length) and
 * the kernel's bytes: image_identify finds and checks the Multiboot
 * header (and, for an ELF kernel, its program headers), image_place
 * loads the kernel (a.out kludge or ELF), the modules (slices of the
 * same bytes) and writes the information structure. Any refusal must be
 * SKVM_USAGE; after a success the structure must hold what a kernel
 * trusts: every pointer and range inside RAM, the strings terminated
 * inside the information area, the modules inside RAM and past the
 * kernel, page-aligned when the header asked, the memory map covering
 * exactly the RAM. ASan checks that nothing is written outside RAM.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/image.h"
#include "core/layout.h"
#include "core/multiboot.h"
#include "fuzz_ram.h"
#include "modes/mode.h"

struct header {
    uint16_t mem_pages;   /* RAM = (mem_pages + 1) * 4 KiB, up to 256 MiB */
    uint8_t n_mods;       /* modulo MAX_MODS + 1 */
    uint8_t unused;
    uint16_t mod_len;     /* each module: this many bytes of the kernel */
    uint16_t cmdline_len; /* the command line: so many bytes of it */
};

#define MAX_MODS 4

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* A NUL-terminated string at addr inside the information area. */
static void check_string(const uint8_t *ram, uint32_t addr)
{
    if (addr < LAYOUT_MB_INFO_BASE ||
        addr >= LAYOUT_MB_INFO_BASE + LAYOUT_MB_INFO_SIZE ||
        !memchr(ram + addr, 0, LAYOUT_MB_INFO_BASE + LAYOUT_MB_INFO_SIZE - addr))
        __builtin_trap();
}

static void check_info(const struct guestmem *mem, const struct mb_boot *b)
{
    const uint8_t *ram = mem->host;
    const uint8_t *info = ram + LAYOUT_MB_INFO_BASE;
    uint32_t mmap = get32(info + MB_INFO_OFF_MMAP_ADDR);
    uint32_t mmap_len = get32(info + MB_INFO_OFF_MMAP_LENGTH);
    uint32_t mods = get32(info + MB_INFO_OFF_MODS_ADDR);
    uint64_t covered = 0, usable = 0;

    check_string(ram, get32(info + MB_INFO_OFF_CMDLINE));
    check_string(ram, get32(info + MB_INFO_OFF_LOADER_NAME));
    if (mmap < LAYOUT_MB_INFO_BASE || mmap_len % MB_MMAP_ENTRY_LEN ||
        mmap + mmap_len > LAYOUT_MB_INFO_BASE + LAYOUT_MB_INFO_SIZE)
        __builtin_trap();
    for (uint32_t p = mmap; p < mmap + mmap_len; p += MB_MMAP_ENTRY_LEN) {
        uint64_t base = get64(ram + p + 4), len = get64(ram + p + 12);
        if (base != covered && base != LAYOUT_HIGH_RAM_BASE)
            __builtin_trap(); /* entries in order, no gaps below the hole */
        if (get32(ram + p + 20) == MB_MMAP_RAM) {
            usable += len;
            if (!guestmem_contains(mem, base, len))
                __builtin_trap();
        }
        covered = base + len;
    }
    if (covered != guestmem_low_size(mem) &&
        covered != LAYOUT_HIGH_RAM_BASE + guestmem_high_size(mem))
        __builtin_trap();
    if (usable > mem->size)
        __builtin_trap();
    if (get32(info + MB_INFO_OFF_MODS_COUNT) != b->n_mods)
        __builtin_trap();
    for (size_t i = 0; i < b->n_mods; i++) {
        const uint8_t *e = ram + mods + i * MB_MOD_ENTRY_LEN;
        uint32_t start = get32(e), end = get32(e + 4);
        if (start < b->kernel_end || end - start != b->mods[i].len ||
            !guestmem_contains(mem, start, end - start) ||
            memcmp(ram + start, b->mods[i].data, b->mods[i].len) != 0 ||
            ((b->header_flags & MB_HF_PAGE_ALIGN) &&
             (start & (MB_PAGE_SIZE - 1))))
            __builtin_trap();
        check_string(ram, get32(e + 8));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char cmdline[UINT16_MAX + 1];
    struct mb_module mods[MAX_MODS];
    struct skvm_err err;
    struct header h;
    struct guestmem mem;

    if (size < sizeof(h))
        return 0;
    memcpy(&h, data, sizeof(h));
    if (!fuzz_guestmem(h.mem_pages, &mem))
        return 0;
    struct mode_env env = {.mem = &mem, .entry = 0};
    struct image img = {.data = data + sizeof(h), .len = size - sizeof(h),
                        .name = "fuzz"};

    if (image_identify(&img, &err) < 0) {
        if (err.status != SKVM_USAGE)
            __builtin_trap();
        return 0;
    }
    if (img.format != IMAGE_MULTIBOOT)
        return 0;
    size_t cl = h.cmdline_len < img.len ? h.cmdline_len : img.len;
    memcpy(cmdline, img.data, cl);
    cmdline[cl] = '\0';
    size_t n = h.n_mods % (MAX_MODS + 1);
    size_t ml = h.mod_len < img.len ? h.mod_len : img.len;
    for (size_t i = 0; i < n; i++)
        mods[i] = (struct mb_module){.data = img.data, .len = ml,
                                     .path = "m", .string = cmdline};
    img.mb_boot = (struct mb_boot){.header_flags = img.mb.flags,
                                   .cmdline = cmdline, .mods = mods,
                                   .n_mods = n};
    if (image_place(&env, mode_find("protected"), 0, &img, &err) < 0) {
        if (err.status != SKVM_USAGE)
            __builtin_trap();
        return 0;
    }
    /* The kernel's end, as image_place works it out, for the checks. */
    img.mb_boot.kernel_end = image_mb_kernel_end(&img);
    check_info(&mem, &img.mb_boot);
    return 0;
}
