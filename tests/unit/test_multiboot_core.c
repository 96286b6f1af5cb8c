/* test_multiboot_core.c - the Multiboot 1 header, the a.out kludge and the
 * information structure (src/core/multiboot.h) on plain buffers, no
 * /dev/kvm: where a header is found and where not, every refusal, and
 * every field the loader writes, read back as a kernel reads them.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/layout.h"
#include "core/le.h"
#include "core/multiboot.h"


/* A header at `off` in buf: magic, flags, checksum (+ sum_err), then the
 * five address fields. */
static void header(uint8_t *buf, size_t off, uint32_t flags, uint32_t sum_err,
                   const uint32_t addrs[5])
{
    le_put32(buf + off, MB_HEADER_MAGIC);
    le_put32(buf + off + 4, flags);
    le_put32(buf + off + 8, -(MB_HEADER_MAGIC + flags) + sum_err);
    for (int i = 0; addrs && i < 5; i++)
        le_put32(buf + off + 12 + 4 * i, addrs[i]);
}

Test(multiboot_core, header_found_only_aligned_in_first_8k)
{
    static uint8_t buf[3 * MB_SEARCH_LEN];
    struct mb_header h;
    struct skvm_err err;

    cr_assert_eq(multiboot_find(buf, sizeof(buf), "k", &h, &err), 0);
    header(buf, 8, MB_HF_PAGE_ALIGN, 0, NULL);
    cr_assert_eq(multiboot_find(buf, sizeof(buf), "k", &h, &err), 1);
    cr_assert_eq(h.offset, 8);
    cr_assert_eq(h.flags, MB_HF_PAGE_ALIGN);

    memset(buf, 0, sizeof(buf));
    header(buf, 6, 0, 0, NULL); /* not 4-byte aligned */
    cr_assert_eq(multiboot_find(buf, sizeof(buf), "k", &h, &err), 0);
    memset(buf, 0, sizeof(buf));
    header(buf, MB_SEARCH_LEN - MB_HEADER_LEN, 0, 0, NULL); /* last fit */
    cr_assert_eq(multiboot_find(buf, sizeof(buf), "k", &h, &err), 1);
    memset(buf, 0, sizeof(buf));
    header(buf, MB_SEARCH_LEN - 8, 0, 0, NULL); /* straddles 8 KiB */
    cr_assert_eq(multiboot_find(buf, sizeof(buf), "k", &h, &err), 0);
    /* A file shorter than a header. */
    cr_assert_eq(multiboot_find(buf, 11, "k", &h, &err), 0);
}

Test(multiboot_core, bad_checksum_refused_unless_a_good_header_follows)
{
    uint8_t buf[256] = {0};
    struct mb_header h;
    struct skvm_err err;

    header(buf, 0, 0, 1, NULL);
    cr_assert_eq(multiboot_find(buf, sizeof(buf), "k.bin", &h, &err), -1);
    cr_assert_eq(err.status, SKVM_USAGE);
    cr_assert_str_eq(err.msg,
                     "Multiboot header in 'k.bin' at offset 0x0 has a bad "
                     "checksum 0xe4524fff (magic + flags + checksum must be "
                     "0 modulo 2^32)");
    header(buf, 64, 0, 0, NULL); /* the magic as data, then the header */
    cr_assert_eq(multiboot_find(buf, sizeof(buf), "k.bin", &h, &err), 1);
    cr_assert_eq(h.offset, 64);
}

Test(multiboot_core, required_flags_named_optional_ignored)
{
    uint8_t buf[64] = {0};
    struct mb_header h;
    struct skvm_err err;

    header(buf, 0, MB_HF_VIDEO, 0, NULL);
    cr_assert_eq(multiboot_find(buf, sizeof(buf), "k", &h, &err), -1);
    cr_assert_str_eq(err.msg, "Multiboot kernel 'k' requires header flag bit "
                              "2 (video mode), which simple-kvm cannot "
                              "honour");
    header(buf, 0, 1u << 15, 0, NULL);
    cr_assert_eq(multiboot_find(buf, sizeof(buf), "k", &h, &err), -1);
    cr_assert(strstr(err.msg, "flag bit 15 (unknown)"), "%s", err.msg);
    /* Bits 16-31 are optional: unknown ones are ignored. */
    header(buf, 0, MB_HF_MEMINFO | (1u << 20), 0, NULL);
    cr_assert_eq(multiboot_find(buf, sizeof(buf), "k", &h, &err), 1);
}

Test(multiboot_core, address_fields_read_or_cut_off)
{
    uint8_t buf[64] = {0};
    const uint32_t a[5] = {0x100000, 0x100000, 0x100040, 0x101000, 0x100020};
    struct mb_header h;
    struct skvm_err err;

    header(buf, 0, MB_HF_ADDRS, 0, a);
    cr_assert_eq(multiboot_find(buf, sizeof(buf), "k", &h, &err), 1);
    cr_assert_eq(h.header_addr, 0x100000);
    cr_assert_eq(h.load_end_addr, 0x100040);
    cr_assert_eq(h.bss_end_addr, 0x101000);
    cr_assert_eq(h.entry_addr, 0x100020);
    cr_assert_eq(multiboot_find(buf, 20, "k", &h, &err), -1);
    cr_assert(strstr(err.msg, "is cut off: flag bit 16 needs its address "
                              "fields"),
              "%s", err.msg);
}

/* The a.out layout: header at file offset 0x20, loaded from offset 0x10. */
Test(multiboot_core, aout_layout)
{
    struct mb_header h = {.offset = 0x20, .flags = MB_HF_ADDRS,
                          .header_addr = 0x100010, .load_addr = 0x100000,
                          .load_end_addr = 0, .bss_end_addr = 0x102000,
                          .entry_addr = 0x100040};
    struct mb_aout a;
    struct skvm_err err;

    cr_assert_eq(multiboot_aout_layout(&h, 0x110, "k", &a, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(a.file_off, 0x10);
    cr_assert_eq(a.file_len, 0x100, "the rest of the file");
    cr_assert_eq(a.load_end, 0x100100);
    cr_assert_eq(a.bss_end, 0x102000);
    cr_assert_eq(a.entry, 0x100040);
    h.load_end_addr = 0x100080;
    cr_assert_eq(multiboot_aout_layout(&h, 0x110, "k", &a, &err), 0);
    cr_assert_eq(a.file_len, 0x80);
    h.bss_end_addr = 0;
    cr_assert_eq(multiboot_aout_layout(&h, 0x110, "k", &a, &err), 0);
    cr_assert_eq(a.bss_end, a.load_end, "no bss");
}

Test(multiboot_core, aout_inconsistent_fields_named)
{
    const struct mb_header good = {.offset = 0x20, .flags = MB_HF_ADDRS,
                                   .header_addr = 0x100020,
                                   .load_addr = 0x100000,
                                   .entry_addr = 0x100040};
    const struct {
        const char *field;
        struct mb_header h;
    } bad[] = {
        {"load_addr 0x100030 is above header_addr",
         {.offset = 0x20, .header_addr = 0x100020, .load_addr = 0x100030,
          .entry_addr = 0x100040}},
        {"the load would start before the file",
         {.offset = 0x20, .header_addr = 0x100040, .load_addr = 0x100000,
          .entry_addr = 0x100040}},
        {"load_end_addr 0x100010 is not past the header",
         {.offset = 0x20, .header_addr = 0x100020, .load_addr = 0x100000,
          .load_end_addr = 0x100010, .entry_addr = 0x100040}},
        {"load_end_addr 0x200000 is past the end of the file",
         {.offset = 0x20, .header_addr = 0x100020, .load_addr = 0x100000,
          .load_end_addr = 0x200000, .entry_addr = 0x100040}},
        {"bss_end_addr 0x100010 is below the end of the loaded data",
         {.offset = 0x20, .header_addr = 0x100020, .load_addr = 0x100000,
          .bss_end_addr = 0x100010, .entry_addr = 0x100040}},
        {"entry_addr 0x100100 is outside the loaded image 0x100000-0x1000ff",
         {.offset = 0x20, .header_addr = 0x100020, .load_addr = 0x100000,
          .entry_addr = 0x100100}},
        {"entry_addr 0xfffff is outside",
         {.offset = 0x20, .header_addr = 0x100020, .load_addr = 0x100000,
          .entry_addr = 0xFFFFF}},
    };
    struct mb_aout a;
    struct skvm_err err;

    cr_assert_eq(multiboot_aout_layout(&good, 0x100, "k", &a, &err), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(multiboot_aout_layout(&bad[i].h, 0x100, "k", &a, &err),
                     -1, "%s", bad[i].field);
        cr_assert_eq(err.status, SKVM_USAGE);
        cr_assert(strstr(err.msg, bad[i].field), "want '%s', got '%s'",
                  bad[i].field, err.msg);
    }
}

/* 4 MiB of RAM on a plain buffer. */
#define RAM (4u << 20)

Test(multiboot_core, ranges_outside_ram_or_in_the_hole_refused)
{
    struct guestmem m = {.host = NULL, .size = RAM};
    struct skvm_err err;

    cr_assert_eq(multiboot_check_range(&m, 0x100000, 0x1000, "k", &err), 0);
    cr_assert_eq(multiboot_check_range(&m, 0x10000, 0x1000, "k", &err), 0,
                 "below the hole is RAM");
    cr_assert_eq(multiboot_check_range(&m, RAM - 0x800, 0x1000, "k", &err),
                 -1);
    cr_assert(strstr(err.msg, "is outside guest memory"), "%s", err.msg);
    cr_assert_eq(multiboot_check_range(&m, 0x9F000, 0x1001, "k", &err), -1);
    cr_assert(strstr(err.msg, "overlaps the PC hole 0xa0000-0xfffff"), "%s",
              err.msg);
    cr_assert_eq(multiboot_check_range(&m, 0xFFFFF, 2, "k", &err), -1);
}

Test(multiboot_core, aout_load_copies_and_zeroes_bss)
{
    uint8_t *ram = malloc(RAM);
    uint8_t file[0x40];
    struct guestmem m = {.host = ram, .size = RAM};
    const struct mb_aout a = {.file_off = 0x10, .file_len = 0x30,
                              .load_addr = 0x100000, .load_end = 0x100030,
                              .bss_end = 0x100100, .entry = 0x100000};
    struct skvm_err err;

    cr_assert(ram);
    memset(ram, 0xAA, RAM);
    for (size_t i = 0; i < sizeof(file); i++)
        file[i] = (uint8_t)i;
    cr_assert_eq(multiboot_aout_load(&m, file, &a, "k", &err), 0, "%s",
                 err.msg);
    cr_assert_eq(memcmp(ram + 0x100000, file + 0x10, 0x30), 0);
    for (size_t i = 0x100030; i < 0x100100; i++)
        cr_assert_eq(ram[i], 0, "bss byte 0x%zx", i);
    cr_assert_eq(ram[0x100100], 0xAA, "nothing past bss_end");
    free(ram);
}

struct info_run {
    uint8_t *ram;
    struct guestmem mem;
    uint32_t info;
};

static int write_info(struct info_run *r, uint64_t ram_size,
                      const struct mb_boot *b, struct skvm_err *err)
{
    r->ram = calloc(1, ram_size);
    cr_assert(r->ram);
    r->mem = (struct guestmem){.host = r->ram, .size = ram_size};
    return multiboot_write_info(&r->mem, b, &r->info, err);
}

static const uint8_t *at(const struct info_run *r, uint32_t addr)
{
    return r->ram + addr;
}

Test(multiboot_core, info_structure_as_a_kernel_reads_it)
{
    static const uint8_t a[] = "module a", b[] = "bb";
    const struct mb_module mods[] = {
        {.data = a, .len = sizeof(a) - 1, .path = "a", .string = "a x y"},
        {.data = b, .len = sizeof(b) - 1, .path = "b", .string = "b"},
    };
    const struct mb_boot boot = {.header_flags = MB_HF_PAGE_ALIGN,
                                 .kernel_end = 0x100123,
                                 .cmdline = "/k.elf quiet",
                                 .mods = mods,
                                 .n_mods = 2};
    struct info_run r;
    struct skvm_err err;

    cr_assert_eq(write_info(&r, RAM, &boot, &err), 0, "%s", err.msg);
    cr_assert_eq(r.info, LAYOUT_MB_INFO_BASE);
    const uint8_t *info = at(&r, r.info);
    cr_assert_eq(le_get32(info + MB_INFO_OFF_FLAGS),
                 MB_INFO_MEM | MB_INFO_CMDLINE | MB_INFO_MODS |
                     MB_INFO_MMAP | MB_INFO_LOADER);
    cr_assert_eq(le_get32(info + MB_INFO_OFF_MEM_LOWER), 640);
    cr_assert_eq(le_get32(info + MB_INFO_OFF_MEM_UPPER), 3 * 1024);
    cr_assert_str_eq((const char *)at(&r, le_get32(info + MB_INFO_OFF_CMDLINE)),
                     "/k.elf quiet");
    cr_assert_str_eq(
        (const char *)at(&r, le_get32(info + MB_INFO_OFF_LOADER_NAME)),
        "simple-kvm");

    /* The map: RAM, the hole reserved, RAM from 1 MiB to the end. */
    const uint64_t want[][3] = {{0, 0xA0000, MB_MMAP_RAM},
                                {0xA0000, 0x60000, MB_MMAP_RESERVED},
                                {0x100000, RAM - 0x100000, MB_MMAP_RAM}};
    uint32_t mmap = le_get32(info + MB_INFO_OFF_MMAP_ADDR);
    cr_assert_eq(le_get32(info + MB_INFO_OFF_MMAP_LENGTH),
                 3 * MB_MMAP_ENTRY_LEN);
    for (int i = 0; i < 3; i++) {
        const uint8_t *e = at(&r, mmap + (uint32_t)i * MB_MMAP_ENTRY_LEN);
        cr_assert_eq(le_get32(e), 20, "size does not count itself");
        cr_assert_eq(le_get64(e + 4), want[i][0], "entry %d base", i);
        cr_assert_eq(le_get64(e + 12), want[i][1], "entry %d length", i);
        cr_assert_eq(le_get32(e + 20), want[i][2], "entry %d type", i);
    }

    /* Modules: page-aligned from the first page past the kernel. */
    cr_assert_eq(le_get32(info + MB_INFO_OFF_MODS_COUNT), 2);
    const uint8_t *m = at(&r, le_get32(info + MB_INFO_OFF_MODS_ADDR));
    cr_assert_eq(le_get32(m), 0x101000);
    cr_assert_eq(le_get32(m + 4), 0x101000 + sizeof(a) - 1);
    cr_assert_eq(memcmp(at(&r, 0x101000), a, sizeof(a) - 1), 0);
    cr_assert_str_eq((const char *)at(&r, le_get32(m + 8)), "a x y");
    cr_assert_eq(le_get32(m + 16), 0x102000);
    cr_assert_eq(memcmp(at(&r, 0x102000), b, 2), 0);
    cr_assert_str_eq((const char *)at(&r, le_get32(m + 24)), "b");
    free(r.ram);
}

Test(multiboot_core, modules_packed_without_page_align)
{
    static const uint8_t a[3] = "abc", b[1] = "d";
    const struct mb_module mods[] = {
        {.data = a, .len = 3, .path = "a", .string = "a"},
        {.data = b, .len = 1, .path = "b", .string = "b"},
    };
    const struct mb_boot boot = {.kernel_end = 0x100123, .cmdline = "k",
                                 .mods = mods, .n_mods = 2};
    struct info_run r;
    struct skvm_err err;

    cr_assert_eq(write_info(&r, RAM, &boot, &err), 0, "%s", err.msg);
    const uint8_t *m =
        at(&r, le_get32(at(&r, r.info) + MB_INFO_OFF_MODS_ADDR));
    cr_assert_eq(le_get32(m), 0x100128, "8-byte aligned past the kernel");
    cr_assert_eq(le_get32(m + 16), 0x100130);
    free(r.ram);
}

Test(multiboot_core, module_outside_ram_named)
{
    static uint8_t big[0x2000];
    const struct mb_module mods[] = {
        {.data = big, .len = sizeof(big), .path = "big.img", .string = "x"}};
    const struct mb_boot boot = {.kernel_end = RAM - 0x1000, .cmdline = "k",
                                 .mods = mods, .n_mods = 1};
    struct info_run r;
    struct skvm_err err;

    cr_assert_eq(write_info(&r, RAM, &boot, &err), -1);
    cr_assert_eq(err.status, SKVM_USAGE);
    cr_assert_str_eq(err.msg, "module 'big.img' (0x3ff000-0x400fff) is "
                              "outside guest memory (4194304 bytes; see "
                              "--mem)");
    free(r.ram);
}

Test(multiboot_core, info_area_full_refused)
{
    char *cmdline = malloc(LAYOUT_MB_INFO_SIZE + 1);
    const struct mb_boot boot = {.kernel_end = 0x101000, .cmdline = cmdline};
    struct info_run r;
    struct skvm_err err;

    cr_assert(cmdline);
    memset(cmdline, 'x', LAYOUT_MB_INFO_SIZE);
    cmdline[LAYOUT_MB_INFO_SIZE] = '\0';
    cr_assert_eq(write_info(&r, RAM, &boot, &err), -1);
    cr_assert(strstr(err.msg, "does not fit in the loader's 20480 bytes at "
                              "0xfb000"),
              "%s", err.msg);
    free(r.ram);
    free(cmdline);
}

/* The smallest RAM a Multiboot kernel can have: no RAM past 1 MiB. */
Test(multiboot_core, one_mib_of_ram)
{
    const struct mb_boot boot = {.kernel_end = 0, .cmdline = "k"};
    struct info_run r;
    struct skvm_err err;

    cr_assert_eq(write_info(&r, 0x100000, &boot, &err), 0, "%s", err.msg);
    const uint8_t *info = at(&r, r.info);
    cr_assert_eq(le_get32(info + MB_INFO_OFF_MEM_UPPER), 0);
    cr_assert_eq(le_get32(info + MB_INFO_OFF_MMAP_LENGTH),
                 2 * MB_MMAP_ENTRY_LEN, "no RAM entry past 1 MiB");
    free(r.ram);
}
