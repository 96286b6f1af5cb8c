/* hints.c - likely causes of a crash, from its evidence (see hints.h). */
#include "app/hints.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define BOOT_SECTOR_SIZE 512
#define BOOT_SIGNATURE_0 0x55
#define BOOT_SIGNATURE_1 0xAA
#define BOOT_LOAD_ADDR 0x7C00
#define ZERO_RUN 2 /* "00 00": add [rax], al / add [bx+si], al */

static bool boot_sector(const struct hint_image *img)
{
    return img->len == BOOT_SECTOR_SIZE &&
           img->data[BOOT_SECTOR_SIZE - 2] == BOOT_SIGNATURE_0 &&
           img->data[BOOT_SECTOR_SIZE - 1] == BOOT_SIGNATURE_1;
}

/* The bytes at RIP are zeros (the capture holds them when mapped). */
static bool at_zeros(const struct crash_state *c)
{
    if (!c->rip_mapped || c->rip_linear < c->code_base ||
        c->rip_linear - c->code_base + ZERO_RUN > c->code_len)
        return false;
    const uint8_t *p = c->code + (c->rip_linear - c->code_base);
    return p[0] == 0 && p[1] == 0;
}

const char *hints_for(const struct crash_state *c, const struct mode *mode,
                      const struct hint_image *img, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    if (!c->have_regs || c->reset_state || !img->data)
        return buf;
#define ADD(...)                                                              \
    do {                                                                      \
        if (n < len)                                                          \
            n += (size_t)snprintf(buf + n, len - n, "%s", n ? "; " : "");     \
        if (n < len)                                                          \
            n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__);             \
    } while (0)
    if (boot_sector(img) &&
        (mode->word_size != 2 || img->load_addr != BOOT_LOAD_ADDR))
        ADD("the image is 512 bytes ending in 55 AA, a boot sector: run "
            "it with --real --load 0x7c00 --entry 0x7c00");
    uint64_t end = img->load_addr + img->len;
    bool outside = c->rip_linear < img->load_addr || c->rip_linear >= end;
    if (outside && at_zeros(c))
        ADD("the CPU was at linear address 0x%llx, outside the image "
            "(0x%llx-0x%llx), executing zeros: the guest ran past its last "
            "byte or jumped into empty memory (missing hlt?)",
            (unsigned long long)c->rip_linear,
            (unsigned long long)img->load_addr,
            (unsigned long long)(end - 1));
    else if (outside)
        ADD("the CPU was at linear address 0x%llx, outside the image "
            "(0x%llx-0x%llx): the guest left its code (missing hlt, or a "
            "jump to an absolute address assembled for another load "
            "address: see --load)",
            (unsigned long long)c->rip_linear,
            (unsigned long long)img->load_addr,
            (unsigned long long)(end - 1));
    else if (at_zeros(c))
        ADD("the CPU was executing zeros at linear address 0x%llx (00 00 "
            "decodes as an add): data or padding inside the image, "
            "reached by a jump or by running past the code",
            (unsigned long long)c->rip_linear);
#undef ADD
    return buf;
}
