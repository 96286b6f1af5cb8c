/* image.c - loading a guest image: reading it, telling its format,
 * placing it (flat here, ELF in elf.c). */
#include "core/image.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/filein.h"
#include "core/layout.h"

/* A guest image: not empty, and no larger than guest memory, unless it
 * is an ELF file, which carries symbols and debug information it does
 * not load: only its segments must fit (elf_place checks them). */
struct image_limit {
    const char *path;
    uint64_t max_len; /* guest memory */
};

static int image_size_rule(void *ctx, int fd, uint64_t size, uint64_t *alloc,
                           struct skvm_err *err)
{
    const struct image_limit *lim = ctx;
    const char *path = lim->path;
    uint64_t max_len = lim->max_len;
    uint8_t magic[SELFMAG];

    if (size == 0)
        return skvm_fail(err, SKVM_USAGE, "guest image '%s' is empty", path);
    if (size > max_len &&
        pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
        elf_is_elf(magic, sizeof(magic)))
        max_len = IMAGE_ELF_FILE_MAX;
    if (size > max_len)
        return skvm_fail(err, SKVM_USAGE,
                         "guest image '%s' (%lld bytes) is larger than %s "
                         "(%llu bytes)",
                         path, (long long)size,
                         max_len == IMAGE_ELF_FILE_MAX ? "an ELF file may be"
                                                       : "guest memory",
                         (unsigned long long)max_len);
    *alloc = size;
    return 0;
}

int image_read_file(const char *path, uint64_t max_len, struct image *img,
                    struct skvm_err *err)
{
    struct image_limit lim = {.path = path, .max_len = max_len};
    uint8_t *buf;
    size_t len, alloc;

    *img = (struct image){0};
    if (filein_read(path, "guest image", image_size_rule, &lim, &buf, &len,
                    &alloc, err) < 0)
        return -1;
    *img = (struct image){.data = buf, .len = len, .owned = buf,
                          .name = path};
    return 0;
}

void image_from_blob(const struct guest_blob *blob, struct image *img)
{
    *img = (struct image){.data = blob->start,
                          .len = (size_t)(blob->end - blob->start),
                          .name = blob->name};
}

void image_free(struct image *img)
{
    free(img->owned);
    *img = (struct image){0};
}

/* True when [a, a + alen) and [b, b + blen) share a byte; no wrapping
 * (callers pass ranges inside RAM). */
static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

/* A Multiboot kernel: the header checked, then where it loads: the
 * header's address fields (a.out kludge) when flag bit 16 is set, as
 * GRUB and QEMU do, else its ELF program headers. */
static int multiboot_identify(struct image *img, struct skvm_err *err)
{
    const char *name = img->name ? img->name : "guest";

    if (multiboot_find(img->data, img->len, name, &img->mb, err) < 0)
        return -1;
    if (img->mb.flags & MB_HF_ADDRS)
        return multiboot_aout_layout(&img->mb, img->len, name, &img->mb_aout,
                                     err);
    if (!elf_is_elf(img->data, img->len))
        return skvm_fail(err, SKVM_USAGE,
                         "Multiboot kernel '%s' is not ELF and its header "
                         "has no address fields (flag bit 16): nothing says "
                         "where it loads",
                         name);
    return elf_parse(img->data, img->len, &img->elf, err);
}

uint64_t image_mb_kernel_end(const struct image *img)
{
    uint64_t end = 0;

    if (img->mb.flags & MB_HF_ADDRS)
        return img->mb_aout.bss_end;
    for (unsigned i = 0; i < img->elf.n_seg; i++)
        if (img->elf.seg[i].paddr + img->elf.seg[i].memsz > end)
            end = img->elf.seg[i].paddr + img->elf.seg[i].memsz;
    return end;
}

/* The kernel, then its modules and information structure. Every byte
 * goes where the loader's tables and the PC hole are not. */
static int multiboot_place(const struct mode_env *env, const struct mode *mode,
                           const struct image *img_in,
                           struct skvm_err *err)
{
    const char *name = img_in->name ? img_in->name : "guest";
    struct mb_boot boot = img_in->mb_boot;
    char what[320];
    uint32_t info;

    if (img_in->mb.flags & MB_HF_ADDRS) {
        if (multiboot_aout_load(env->mem, img_in->data, &img_in->mb_aout,
                                name, err) < 0)
            return -1;
    } else {
        const struct elf_image *e = &img_in->elf;
        for (unsigned i = 0; i < e->n_seg; i++) {
            const struct elf_segment *s = &e->seg[i];
            snprintf(what, sizeof(what), "Multiboot kernel '%s' segment %u",
                     name, s->index);
            if (multiboot_check_range(env->mem, s->paddr, s->memsz, what,
                                      err) < 0)
                return -1;
        }
        if (elf_place(e, img_in->data, env, mode, err) < 0)
            return -1;
    }
    boot.kernel_end = image_mb_kernel_end(img_in);
    return multiboot_write_info(env->mem, &boot, &info, err);
}

enum image_format image_format_of(const uint8_t *data, size_t len)
{
    struct mb_header mb;
    struct skvm_err ignored;

    /* A Multiboot header in the first 8 KiB wins over ELF and flat (even
     * a broken one: image_identify then says what is wrong with it). */
    if (multiboot_find(data, len, "", &mb, &ignored) != 0)
        return IMAGE_MULTIBOOT;
    if (elf_is_elf(data, len))
        return IMAGE_ELF;
    return IMAGE_FLAT;
}

const char *image_format_name(const struct image *img)
{
    if (img->format == IMAGE_ELF)
        return elf_class_name(img->elf.elf_class);
    if (img->format == IMAGE_MULTIBOOT)
        return (img->mb.flags & MB_HF_ADDRS) ? "Multiboot"
                                             : "Multiboot ELF";
    return "flat";
}

int image_identify(struct image *img, struct skvm_err *err)
{
    img->format = image_format_of(img->data, img->len);
    if (img->format == IMAGE_MULTIBOOT)
        return multiboot_identify(img, err);
    if (img->format == IMAGE_ELF)
        return elf_parse(img->data, img->len, &img->elf, err);
    return 0;
}

uint64_t image_entry(const struct image *img, uint64_t entry)
{
    if (img->format == IMAGE_MULTIBOOT)
        return (img->mb.flags & MB_HF_ADDRS) ? img->mb_aout.entry
                                             : img->elf.entry_phys;
    return img->format == IMAGE_ELF ? img->elf.entry_phys : entry;
}

int image_check_range(const struct mode_env *env, const struct mode *mode,
                      uint64_t base, uint64_t len, const char *what,
                      const char *advice, struct skvm_err *err)
{
    const struct guestmem *mem = env->mem;
    uint64_t high = mode->high_tables ? mode->high_tables(env) : 0;
    uint64_t low_end = guestmem_low_size(mem);

    if (!guestmem_contains(mem, base, len))
        return skvm_fail(err, SKVM_USAGE,
                         "%s does not fit in guest memory (%llu bytes)", what,
                         (unsigned long long)mem->size);
    /* What the loader keeps for itself, by mode: its tables in SYS, the
     * exception handlers every mode has (modes/idt.h; real mode uses no
     * other part of SYS), page directories at the top of low RAM. Names
     * are only formatted into a message (no printf on passing runs). */
    const struct {
        bool applies;
        uint64_t base, size;
        const char *mode, *what; /* mode: "<mode> mode's <what>" */
    } reserved[] = {
        {mode->uses_sys_area, LAYOUT_SYS_BASE, LAYOUT_SYS_SIZE, NULL,
         "the loader's GDT and page tables"},
        {true, LAYOUT_IDT_BASE, LAYOUT_EXC_END - LAYOUT_IDT_BASE, NULL,
         "the loader's exception handlers"},
        {true, LAYOUT_HC_PAGE, LAYOUT_HC_PAGE_SIZE, NULL,
         "the host's hypercall page (exit_stats_ptr)"},
        {high > 0, low_end - high, high, mode->name, "page directories"},
    };
    /* guestmem_contains proved base + len does not wrap. */
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (reserved[i].applies &&
            overlaps(base, len, reserved[i].base, reserved[i].size))
            return skvm_fail(err, SKVM_USAGE,
                             "%s overlaps %s%s%s at 0x%llx-0x%llx%s", what,
                             reserved[i].mode ? reserved[i].mode : "",
                             reserved[i].mode ? " mode's " : "",
                             reserved[i].what,
                             (unsigned long long)reserved[i].base,
                             (unsigned long long)(reserved[i].base +
                                                  reserved[i].size - 1),
                             advice ? advice : "");
    return 0;
}

/* The flat image as messages name it: by its range, or its size when it
 * does not fit. */
static const char *image_name(const struct mode_env *env, uint64_t load_addr,
                              const struct image *img, char *what, size_t n)
{
    if (!guestmem_contains(env->mem, load_addr, img->len))
        snprintf(what, n, "guest image (%zu bytes at 0x%llx)", img->len,
                 (unsigned long long)load_addr);
    else
        snprintf(what, n, "guest image (0x%llx-0x%llx)",
                 (unsigned long long)load_addr,
                 (unsigned long long)(load_addr + img->len - 1));
    return what;
}

int image_place(const struct mode_env *env, const struct mode *mode,
                uint64_t load_addr, const struct image *img,
                struct skvm_err *err)
{
    char what[96];
    struct skvm_err unnamed;
    uint8_t *dst;

    if (img->format == IMAGE_ELF)
        return elf_place(&img->elf, img->data, env, mode, err);
    if (img->format == IMAGE_MULTIBOOT)
        return multiboot_place(env, mode, img, err);
    if (img->len == 0)
        return skvm_fail(err, SKVM_USAGE, "guest image is empty");
    /* Checked unnamed first: the name is formatted only for a message,
     * so a passing run never pages in printf (README, "Performance"). */
    if (image_check_range(env, mode, load_addr, img->len, "", NULL,
                          &unnamed) < 0)
        return image_check_range(
            env, mode, load_addr, img->len,
            image_name(env, load_addr, img, what, sizeof(what)),
            "; use --load", err);
    dst = guestmem_ptr_rw(env->mem, load_addr, img->len);
    if (!dst) /* image_check_range proved it is RAM */
        return skvm_fail(err, SKVM_USAGE, "%s is not in RAM",
                         image_name(env, load_addr, img, what, sizeof(what)));
    memcpy(dst, img->data, img->len);
    return 0;
}
