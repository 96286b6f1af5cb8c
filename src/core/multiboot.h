/* multiboot.h - Multiboot 1 kernels: the header, the a.out kludge, the
 * modules and the information structure (Multiboot Specification 0.6.96).
 *
 * Pure: it reads a file's bytes and writes into a struct guestmem, so the
 * unit tests and fuzz/fuzz_multiboot.c drive it without /dev/kvm. The
 * session (app/) decides the mode (protected, paging off) and sets
 * EAX = MB_BOOT_MAGIC and EBX = the info address.
 *
 * A file is a Multiboot kernel when a 4-byte aligned MB_HEADER_MAGIC lies
 * in its first MB_SEARCH_LEN bytes. Found with a wrong checksum, or
 * asking (in the low, "required" half of its flags) for something this
 * loader cannot give, it is refused, naming the checksum or the bit:
 * booting it anyway would hand the kernel a machine it did not ask for.
 *
 * Guest memory the loader gives out: the kernel where its header or ELF
 * segments say (never inside the PC hole, 0xA0000-0xFFFFF, which holds
 * the loader's own tables), modules one after the other from the first
 * page past the kernel (and past 1 MiB), and the information structure in
 * its own area, LAYOUT_MB_INFO_BASE (in the hole, marked reserved).
 */
#ifndef SKVM_MULTIBOOT_H
#define SKVM_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "core/guestmem.h"

#define MB_SEARCH_LEN    8192       /* the header lies in the first 8 KiB */
#define MB_HEADER_ALIGN  4
#define MB_HEADER_MAGIC  0x1BADB002u
#define MB_BOOT_MAGIC    0x2BADB002u /* in EAX at the kernel's entry */
#define MB_HEADER_LEN    12         /* magic, flags, checksum */
#define MB_HEADER_ADDRS_LEN 32      /* ... and the five address fields */

/* Header flags (spec 3.1.2). Bits 0-15 are required: a loader that does
 * not know one that is set must refuse the kernel. */
#define MB_HF_PAGE_ALIGN_BIT 0  /* modules on 4 KiB boundaries */
#define MB_HF_MEMINFO_BIT    1  /* mem_* and mmap_* wanted (always given) */
#define MB_HF_VIDEO_BIT      2  /* a video mode: not supported */
#define MB_HF_ADDRS_BIT      16 /* header_addr..entry_addr valid (a.out kludge) */
#define MB_HF_PAGE_ALIGN     (1u << MB_HF_PAGE_ALIGN_BIT)
#define MB_HF_MEMINFO        (1u << MB_HF_MEMINFO_BIT)
#define MB_HF_VIDEO          (1u << MB_HF_VIDEO_BIT)
#define MB_HF_ADDRS          (1u << MB_HF_ADDRS_BIT)
#define MB_HF_REQUIRED_MASK  0x0000FFFFu
#define MB_HF_SUPPORTED      (MB_HF_PAGE_ALIGN | MB_HF_MEMINFO)

/* Information structure flags (spec 3.3): which fields are valid. */
#define MB_INFO_MEM_BIT     0 /* mem_lower, mem_upper */
#define MB_INFO_CMDLINE_BIT 2
#define MB_INFO_MODS_BIT    3 /* mods_count, mods_addr */
#define MB_INFO_MMAP_BIT    6 /* mmap_length, mmap_addr */
#define MB_INFO_LOADER_BIT  9 /* boot_loader_name */
#define MB_INFO_MEM         (1u << MB_INFO_MEM_BIT)
#define MB_INFO_CMDLINE     (1u << MB_INFO_CMDLINE_BIT)
#define MB_INFO_MODS        (1u << MB_INFO_MODS_BIT)
#define MB_INFO_MMAP        (1u << MB_INFO_MMAP_BIT)
#define MB_INFO_LOADER      (1u << MB_INFO_LOADER_BIT)

/* Information structure offsets (spec 3.3). */
#define MB_INFO_OFF_FLAGS       0
#define MB_INFO_OFF_MEM_LOWER   4
#define MB_INFO_OFF_MEM_UPPER   8
#define MB_INFO_OFF_CMDLINE     16
#define MB_INFO_OFF_MODS_COUNT  20
#define MB_INFO_OFF_MODS_ADDR   24
#define MB_INFO_OFF_MMAP_LENGTH 44
#define MB_INFO_OFF_MMAP_ADDR   48
#define MB_INFO_OFF_LOADER_NAME 64
#define MB_INFO_LEN             120 /* through the framebuffer fields */

#define MB_MOD_ENTRY_LEN  16 /* mod_start, mod_end, string, reserved */
#define MB_MMAP_ENTRY_LEN 24 /* size (= 20, not counting itself), base, length, type */
#define MB_MMAP_RAM       1  /* usable RAM */
#define MB_MMAP_RESERVED  2

#define MB_LOADER_NAME    "simple-kvm"
#define MB_PAGE_SIZE      0x1000
#define MB_MOD_ALIGN      8    /* without MB_HF_PAGE_ALIGN */
#define MB_LOWER_MEM_END  0xA0000u   /* mem_lower: RAM below the PC hole */
#define MB_UPPER_MEM_BASE 0x100000u  /* mem_upper: RAM from 1 MiB */

struct mb_header {
    size_t offset;  /* of the magic in the file */
    uint32_t flags;
    /* With MB_HF_ADDRS only: */
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

/* Look for the header. 1 = found (*h filled), 0 = not a Multiboot file,
 * -1 = a header that cannot be booted (SKVM_USAGE naming the checksum,
 * the flag bit, or the truncated address fields). `name` is the file's
 * name for messages. */
int multiboot_find(const uint8_t *data, size_t len, const char *name,
                   struct mb_header *h, struct skvm_err *err);

/* The a.out kludge (MB_HF_ADDRS): bytes [file_off, file_off + file_len)
 * of the file go to load_addr, then zeros up to bss_end; entry as said. */
struct mb_aout {
    size_t file_off, file_len;
    uint32_t load_addr;
    uint64_t load_end, bss_end; /* first byte past the data / past bss */
    uint32_t entry;
};

/* Derive and check the a.out layout: header_addr/load_addr consistent
 * with where the header is in the file, load_end and bss_end not below
 * their start, the data inside the file, entry inside [load_addr,
 * bss_end). -1 with SKVM_USAGE naming the field. */
int multiboot_aout_layout(const struct mb_header *h, size_t file_len,
                          const char *name, struct mb_aout *out,
                          struct skvm_err *err);

/* Copy the a.out image into guest memory and zero its bss, after
 * multiboot_check_range() on [load_addr, bss_end). */
int multiboot_aout_load(const struct guestmem *mem, const uint8_t *file,
                        const struct mb_aout *a, const char *name,
                        struct skvm_err *err);

/* Refuse [base, base + len) when it is not all RAM or overlaps the PC
 * hole (0xA0000-0xFFFFF: the loader's tables and the Multiboot
 * information live there). `what` names it: "kernel 'k.elf'". */
int multiboot_check_range(const struct guestmem *mem, uint64_t base,
                          uint64_t len, const char *what,
                          struct skvm_err *err);

struct mb_module {
    const uint8_t *data;
    size_t len;
    const char *path;   /* the file, for messages */
    const char *string; /* the module's string: "path" or "path args" */
};

struct mb_boot {
    uint32_t header_flags; /* MB_HF_PAGE_ALIGN places modules on pages */
    uint64_t kernel_end;   /* first byte past the kernel and its bss */
    const char *cmdline;   /* the whole command line: "path [args]" */
    const struct mb_module *mods;
    size_t n_mods;
};

/* Place the modules after the kernel and write the information structure
 * (memory map from `mem`, cmdline, boot_loader_name, modules) into
 * LAYOUT_MB_INFO_*. *info_addr gets its address, for EBX. -1 with
 * SKVM_USAGE naming the module that does not fit in RAM, or the total
 * that does not fit in the information area. */
int multiboot_write_info(const struct guestmem *mem, const struct mb_boot *b,
                         uint32_t *info_addr, struct skvm_err *err);

#endif
