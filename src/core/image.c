/* image.c - loading a flat binary guest image. */
#include "core/image.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/layout.h"

int image_read_file(const char *path, uint64_t max_len, struct image *img,
                    struct skvm_err *err)
{
    struct stat st;
    uint8_t *buf = NULL;
    size_t got = 0;
    int fd;

    *img = (struct image){0};
    /* O_NONBLOCK: a FIFO must be refused, not waited on. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return skvm_fail(err, SKVM_USAGE, "cannot open guest image '%s': %s",
                         path, strerror(errno));
    if (fstat(fd, &st) < 0) {
        skvm_fail(err, SKVM_USAGE, "cannot stat guest image '%s': %s", path,
                  strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        skvm_fail(err, SKVM_USAGE, "guest image '%s' is not a regular file",
                  path);
        goto fail;
    }
    if (st.st_size == 0) {
        skvm_fail(err, SKVM_USAGE, "guest image '%s' is empty", path);
        goto fail;
    }
    if ((uint64_t)st.st_size > max_len) {
        skvm_fail(err, SKVM_USAGE,
                  "guest image '%s' (%lld bytes) is larger than guest memory "
                  "(%llu bytes)",
                  path, (long long)st.st_size, (unsigned long long)max_len);
        goto fail;
    }
    buf = malloc((size_t)st.st_size);
    if (!buf) {
        skvm_fail(err, SKVM_USAGE, "out of memory reading '%s'", path);
        goto fail;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            skvm_fail(err, SKVM_USAGE, "cannot read guest image '%s': %s",
                      path, n < 0 ? strerror(errno) : "file shrank");
            goto fail;
        }
        got += (size_t)n;
    }
    close(fd);
    *img = (struct image){.data = buf, .len = got, .owned = buf};
    return 0;
fail:
    free(buf);
    close(fd);
    return -1;
}

void image_from_blob(const struct guest_blob *blob, struct image *img)
{
    *img = (struct image){.data = blob->start,
                          .len = (size_t)(blob->end - blob->start)};
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

int image_place(const struct mode_env *env, const struct mode *mode,
                uint64_t load_addr, const struct image *img,
                struct skvm_err *err)
{
    const struct guestmem *mem = env->mem;
    uint64_t high = mode->high_tables ? mode->high_tables(env) : 0;
    uint64_t low_end = guestmem_low_size(mem);
    uint8_t *dst;

    if (img->len == 0)
        return skvm_fail(err, SKVM_USAGE, "guest image is empty");
    dst = guestmem_ptr_rw(mem, load_addr, img->len);
    if (!dst)
        return skvm_fail(err, SKVM_USAGE,
                         "guest image (%zu bytes at 0x%llx) does not fit in "
                         "guest memory (%llu bytes)",
                         img->len, (unsigned long long)load_addr,
                         (unsigned long long)mem->size);
    /* What the loader keeps for itself, by mode: its tables in SYS, the
     * exception handlers every mode has (modes/idt.h; real mode uses no
     * other part of SYS), page directories at the top of low RAM. */
    char dirs[48];
    snprintf(dirs, sizeof(dirs), "%s mode's page directories", mode->name);
    const struct {
        bool applies;
        uint64_t base, size;
        const char *what;
    } reserved[] = {
        {mode->uses_sys_area, LAYOUT_SYS_BASE, LAYOUT_SYS_SIZE,
         "the loader's GDT and page tables"},
        {true, LAYOUT_IDT_BASE, LAYOUT_EXC_END - LAYOUT_IDT_BASE,
         "the loader's exception handlers"},
        {true, LAYOUT_HC_PAGE, LAYOUT_HC_PAGE_SIZE,
         "the host's hypercall page (exit_stats_ptr)"},
        {high > 0, low_end - high, high, dirs},
    };
    /* guestmem_ptr proved load_addr + len does not wrap. */
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (reserved[i].applies && overlaps(load_addr, img->len,
                                            reserved[i].base,
                                            reserved[i].size))
            return skvm_fail(err, SKVM_USAGE,
                             "guest image (0x%llx-0x%llx) overlaps %s at "
                             "0x%llx-0x%llx; use --load",
                             (unsigned long long)load_addr,
                             (unsigned long long)(load_addr + img->len - 1),
                             reserved[i].what,
                             (unsigned long long)reserved[i].base,
                             (unsigned long long)(reserved[i].base +
                                                  reserved[i].size - 1));
    memcpy(dst, img->data, img->len);
    return 0;
}
