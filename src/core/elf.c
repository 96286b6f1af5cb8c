/* elf.c - ELF32/ELF64 executables: every header field checked before use
 * (see elf.h for what is refused). */
#include "core/elf.h"

#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "core/image.h"

bool elf_is_elf(const uint8_t *data, size_t len)
{
    return len >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

const char *elf_class_name(unsigned elf_class)
{
    return elf_class == ELFCLASS64 ? "ELF64" : "ELF32";
}

/* a + b into *sum; false when it wraps. */
static bool add_ok(uint64_t a, uint64_t b, uint64_t *sum)
{
    return !__builtin_add_overflow(a, b, sum);
}

bool elf_in_file(uint64_t off, uint64_t len, size_t file_len)
{
    uint64_t end;

    return add_ok(off, len, &end) && end <= file_len;
}

/* The ELF header fields both classes have, widened. */
struct ehdr {
    uint16_t type, machine;
    uint64_t entry, phoff;
    uint16_t phentsize, phnum;
};

static void read_ehdr(const uint8_t *data, unsigned cls, struct ehdr *h)
{
    if (cls == ELFCLASS64) {
        Elf64_Ehdr e;
        memcpy(&e, data, sizeof(e));
        *h = (struct ehdr){e.e_type, e.e_machine, e.e_entry, e.e_phoff,
                           e.e_phentsize, e.e_phnum};
    } else {
        Elf32_Ehdr e;
        memcpy(&e, data, sizeof(e));
        *h = (struct ehdr){e.e_type, e.e_machine, e.e_entry, e.e_phoff,
                           e.e_phentsize, e.e_phnum};
    }
}

/* Both classes' program headers name their fields alike; only the
 * widths and the order differ. */
#define PHDR_TO_SEGMENT(Phdr)                                                  \
    do {                                                                       \
        Phdr ph;                                                               \
        memcpy(&ph, p, sizeof(ph));                                            \
        *type = ph.p_type;                                                     \
        s->paddr = ph.p_paddr;                                                 \
        s->vaddr = ph.p_vaddr;                                                 \
        s->offset = ph.p_offset;                                               \
        s->filesz = ph.p_filesz;                                               \
        s->memsz = ph.p_memsz;                                                 \
        s->flags = ph.p_flags;                                                 \
    } while (0)

static void read_phdr(const uint8_t *p, unsigned cls, uint32_t *type,
                      struct elf_segment *s)
{
    if (cls == ELFCLASS64)
        PHDR_TO_SEGMENT(Elf64_Phdr);
    else
        PHDR_TO_SEGMENT(Elf32_Phdr);
}
#undef PHDR_TO_SEGMENT

#define SEG_FMT "ELF segment %u (PT_LOAD at 0x%llx, 0x%llx bytes)"
#define SEG_ARGS(s)                                                            \
    (s)->index, (unsigned long long)(s)->paddr, (unsigned long long)(s)->memsz

/* One PT_LOAD's own consistency: file bytes in the file, no wrap (and,
 * for ELF32, nothing past 4 GiB, where its addresses cannot reach). */
static int check_segment(const struct elf_segment *s, unsigned cls,
                         size_t len, struct skvm_err *err)
{
    uint64_t end;

    if (s->filesz > s->memsz)
        return skvm_fail(err, SKVM_USAGE,
                         SEG_FMT " has more file bytes (p_filesz 0x%llx) than "
                                 "memory bytes (p_memsz)",
                         SEG_ARGS(s), (unsigned long long)s->filesz);
    if (!elf_in_file(s->offset, s->filesz, len))
        return skvm_fail(err, SKVM_USAGE,
                         SEG_FMT " runs past the end of the file: p_offset "
                                 "0x%llx + p_filesz 0x%llx > %zu bytes",
                         SEG_ARGS(s), (unsigned long long)s->offset,
                         (unsigned long long)s->filesz, len);
    if (!add_ok(s->paddr, s->memsz, &end) ||
        !add_ok(s->vaddr, s->memsz, &end) ||
        (cls == ELFCLASS32 && (s->paddr + s->memsz > UINT64_C(1) << 32 ||
                               s->vaddr + s->memsz > UINT64_C(1) << 32)))
        return skvm_fail(err, SKVM_USAGE,
                         SEG_FMT " wraps around the end of the address space",
                         SEG_ARGS(s));
    return 0;
}

int elf_parse(const uint8_t *data, size_t len, struct elf_image *out,
              struct skvm_err *err)
{
    struct ehdr h;
    unsigned cls;
    size_t ehsize, phsize;

    memset(out, 0, sizeof(*out));
    if (!elf_is_elf(data, len))
        return skvm_fail(err, SKVM_USAGE, "not an ELF file (no \\x7fELF "
                                          "magic)");
    if (len < EI_NIDENT)
        return skvm_fail(err, SKVM_USAGE,
                         "ELF header truncated: the file has %zu bytes", len);
    cls = data[EI_CLASS];
    if (cls != ELFCLASS32 && cls != ELFCLASS64)
        return skvm_fail(err, SKVM_USAGE,
                         "ELF class %u is neither ELFCLASS32 nor ELFCLASS64",
                         cls);
    if (data[EI_DATA] != ELFDATA2LSB)
        return skvm_fail(err, SKVM_USAGE,
                         "ELF byte order %u is not little-endian "
                         "(ELFDATA2LSB), as x86 needs",
                         data[EI_DATA]);
    if (data[EI_VERSION] != EV_CURRENT)
        return skvm_fail(err, SKVM_USAGE, "ELF version %u is not EV_CURRENT",
                         data[EI_VERSION]);
    ehsize = cls == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    phsize = cls == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    if (len < ehsize)
        return skvm_fail(err, SKVM_USAGE,
                         "%s header truncated: %zu of its %zu bytes in the "
                         "file",
                         elf_class_name(cls), len, ehsize);
    read_ehdr(data, cls, &h);
    out->elf_class = cls;
    out->machine = h.machine;
    out->entry = h.entry;
    if (h.machine != EM_386 && h.machine != EM_X86_64)
        return skvm_fail(err, SKVM_USAGE,
                         "ELF machine %u is not x86 (EM_386 = 3) or x86-64 "
                         "(EM_X86_64 = 62)",
                         h.machine);
    if (h.type != ET_EXEC)
        return skvm_fail(err, SKVM_USAGE,
                         "ELF type %u is not an executable (ET_EXEC = 2)%s",
                         h.type,
                         h.type == ET_DYN ? ": a position-independent or "
                                            "shared object (link with "
                                            "-static -no-pie)"
                                          : "");
    if (h.phnum == 0)
        return skvm_fail(err, SKVM_USAGE,
                         "ELF file has no program headers (e_phnum 0): "
                         "nothing to load");
    if (h.phentsize != phsize)
        return skvm_fail(err, SKVM_USAGE,
                         "ELF program header size e_phentsize %u is not "
                         "%zu for %s",
                         h.phentsize, phsize, elf_class_name(cls));
    if (!elf_in_file(h.phoff, (uint64_t)h.phnum * h.phentsize, len))
        return skvm_fail(err, SKVM_USAGE,
                         "ELF program headers (e_phoff 0x%llx, %u of %u "
                         "bytes each) run past the end of the file (%zu "
                         "bytes)",
                         (unsigned long long)h.phoff, h.phnum, h.phentsize,
                         len);
    for (unsigned i = 0; i < h.phnum; i++) {
        struct elf_segment s = {.index = i};
        uint32_t type;
        read_phdr(data + h.phoff + (uint64_t)i * h.phentsize, cls, &type,
                  &s);
        if (type != PT_LOAD || s.memsz == 0)
            continue;
        if (check_segment(&s, cls, len, err) < 0)
            return -1;
        if (out->n_seg == ELF_MAX_SEGMENTS)
            return skvm_fail(err, SKVM_USAGE,
                             "ELF file has more than %d PT_LOAD segments",
                             ELF_MAX_SEGMENTS);
        for (unsigned j = 0; j < out->n_seg; j++) {
            const struct elf_segment *o = &out->seg[j];
            if (s.paddr < o->paddr + o->memsz && o->paddr < s.paddr + s.memsz)
                return skvm_fail(err, SKVM_USAGE,
                                 SEG_FMT " overlaps ELF segment %u (0x%llx-"
                                         "0x%llx)",
                                 SEG_ARGS(&s), o->index,
                                 (unsigned long long)o->paddr,
                                 (unsigned long long)(o->paddr + o->memsz -
                                                      1));
        }
        out->seg[out->n_seg++] = s;
    }
    if (out->n_seg == 0)
        return skvm_fail(err, SKVM_USAGE,
                         "ELF file has no PT_LOAD segment with bytes to "
                         "load");
    if (h.entry == 0)
        return skvm_fail(err, SKVM_USAGE,
                         "ELF entry point e_entry is 0 (not set: is the "
                         "entry symbol _start missing?)");
    for (unsigned i = 0; i < out->n_seg; i++) {
        const struct elf_segment *s = &out->seg[i];
        if (h.entry >= s->vaddr && h.entry - s->vaddr < s->memsz) {
            out->entry_phys = s->paddr + (h.entry - s->vaddr);
            return 0;
        }
    }
    return skvm_fail(err, SKVM_USAGE,
                     "ELF entry point 0x%llx is in no PT_LOAD segment",
                     (unsigned long long)h.entry);
}

int elf_place(const struct elf_image *elf, const uint8_t *data,
              const struct mode_env *env, const struct mode *mode,
              struct skvm_err *err)
{
    char what[96];

    /* Check all before writing any: a refusal leaves RAM as it was. */
    for (unsigned i = 0; i < elf->n_seg; i++) {
        const struct elf_segment *s = &elf->seg[i];
        snprintf(what, sizeof(what), SEG_FMT, SEG_ARGS(s));
        if (image_check_range(env, mode, s->paddr, s->memsz, what, NULL,
                              err) < 0)
            return -1;
    }
    for (unsigned i = 0; i < elf->n_seg; i++) {
        const struct elf_segment *s = &elf->seg[i];
        uint8_t *dst = guestmem_ptr_rw(env->mem, s->paddr, s->memsz);
        if (!dst) /* image_check_range proved it is RAM */
            return skvm_fail(err, SKVM_USAGE, SEG_FMT " is not in RAM",
                             SEG_ARGS(s));
        if (s->filesz)
            memcpy(dst, data + s->offset, s->filesz);
        memset(dst + s->filesz, 0, s->memsz - s->filesz);
    }
    return 0;
}
