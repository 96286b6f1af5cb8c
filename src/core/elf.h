/* elf.h - ELF32/ELF64 executables: checked parsing and placement.
 *
 * elf_parse() reads only the file bytes it is given (no KVM, no RAM) and
 * refuses, with SKVM_USAGE and one line naming the header or segment,
 * everything the loader cannot honour exactly: a truncated or
 * inconsistent ELF header or program header table, a class or byte order
 * other than ELFCLASS32/64 little-endian, a machine other than EM_386 or
 * EM_X86_64, a type other than ET_EXEC, a PT_LOAD segment whose file
 * bytes run past the end of the file or whose p_filesz exceeds p_memsz,
 * any range that wraps, two PT_LOAD segments sharing a physical byte, and
 * a zero entry or one in no PT_LOAD segment. Every sum of file-supplied
 * values is overflow-checked. PT_LOAD segments with p_memsz 0 are
 * skipped; other program header types are ignored.
 *
 * elf_place() then checks each segment against guest RAM and the loader's
 * reserved regions (image_check_range, core/image.h) and copies it to
 * p_paddr, zeroing p_memsz beyond p_filesz. Segments are placed where
 * p_paddr says; the CPU starts at entry_phys (e_entry moved through the
 * segment that holds it, as GRUB does, so a higher-half kernel whose
 * p_vaddr differs from p_paddr still starts at the right byte).
 *
 * Multiboot (core/multiboot.h) uses the same two calls for an ELF kernel
 * without the header's address fields.
 */
#ifndef SKVM_ELF_H
#define SKVM_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "modes/mode.h"

#define ELF_MAX_SEGMENTS 32 /* PT_LOAD segments; more is refused */

struct elf_segment {
    unsigned index; /* its program header's number, for messages */
    uint64_t paddr, vaddr, offset, filesz, memsz;
    uint32_t flags; /* PF_R, PF_W, PF_X */
};

struct elf_image {
    unsigned elf_class;  /* ELFCLASS32 or ELFCLASS64 */
    uint16_t machine;    /* EM_386 or EM_X86_64 */
    uint64_t entry;      /* e_entry, a virtual address */
    uint64_t entry_phys; /* e_entry through its segment: p_paddr + off */
    struct elf_segment seg[ELF_MAX_SEGMENTS]; /* PT_LOAD, memsz > 0 */
    unsigned n_seg;
};

/* True when data starts with the ELF magic (\x7fELF). */
bool elf_is_elf(const uint8_t *data, size_t len);

/* Parse and check; 0, or -1 with err (SKVM_USAGE) naming the problem. */
int elf_parse(const uint8_t *data, size_t len, struct elf_image *out,
              struct skvm_err *err);

/* Place every segment of a parsed image (data, len as given to
 * elf_parse) into env->mem; 0, or -1 with err (SKVM_USAGE) naming the
 * segment outside RAM or overlapping a reserved region of `mode`. */
int elf_place(const struct elf_image *elf, const uint8_t *data,
              const struct mode_env *env, const struct mode *mode,
              struct skvm_err *err);

/* [off, off + len) lies inside a file of file_len bytes, without
 * wrapping: every file-supplied range is checked so. */
bool elf_in_file(uint64_t off, uint64_t len, size_t file_len);

/* "ELF64" / "ELF32", for messages. */
const char *elf_class_name(unsigned elf_class);

#endif
