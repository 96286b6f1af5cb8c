/* symbols.c - an ELF .symtab as a sorted table, checked before use. */
#include "core/symbols.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/elf.h"

enum { RANK_FUNC, RANK_SIZED, RANK_LABEL };

struct shdr {
    uint32_t type, link;
    uint64_t offset, size, entsize;
};

/* Section header i, both classes widened; false when outside the file. */
static bool read_shdr(const uint8_t *data, size_t len, unsigned cls,
                      uint64_t shoff, unsigned i, struct shdr *sh)
{
    if (cls == ELFCLASS64) {
        Elf64_Shdr h;
        if (!elf_in_file(shoff + (uint64_t)i * sizeof(h), sizeof(h), len))
            return false;
        memcpy(&h, data + shoff + (uint64_t)i * sizeof(h), sizeof(h));
        *sh = (struct shdr){h.sh_type, h.sh_link, h.sh_offset, h.sh_size,
                            h.sh_entsize};
    } else {
        Elf32_Shdr h;
        if (!elf_in_file(shoff + (uint64_t)i * sizeof(h), sizeof(h), len))
            return false;
        memcpy(&h, data + shoff + (uint64_t)i * sizeof(h), sizeof(h));
        *sh = (struct shdr){h.sh_type, h.sh_link, h.sh_offset, h.sh_size,
                            h.sh_entsize};
    }
    return true;
}

struct raw_sym {
    uint32_t name;
    uint8_t info;
    uint16_t shndx;
    uint64_t value, size;
};

static void read_sym(const uint8_t *p, unsigned cls, struct raw_sym *r)
{
    if (cls == ELFCLASS64) {
        Elf64_Sym s;
        memcpy(&s, p, sizeof(s));
        *r = (struct raw_sym){s.st_name, s.st_info, s.st_shndx, s.st_value,
                              s.st_size};
    } else {
        Elf32_Sym s;
        memcpy(&s, p, sizeof(s));
        *r = (struct raw_sym){s.st_name, s.st_info, s.st_shndx, s.st_value,
                              s.st_size};
    }
}

static int by_addr(const void *a, const void *b)
{
    const struct symbol *x = a, *y = b;

    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return (int)x->rank - (int)y->rank;
}

/* The table from a checked symtab (n entries at sym, names in str). */
static int build(const uint8_t *sym, uint64_t n, size_t entsize,
                 unsigned cls, const char *str, uint64_t str_len,
                 struct symbols *s)
{
    if (n > SYMBOLS_MAX)
        n = SYMBOLS_MAX;
    s->v = calloc(n ? n : 1, sizeof(*s->v));
    s->names = malloc(n * (SYMBOLS_NAME_MAX + 1) + 1);
    if (!s->v || !s->names)
        return -1;
    size_t used = 0;
    for (uint64_t i = 0; i < n; i++) {
        struct raw_sym r;
        read_sym(sym + i * entsize, cls, &r);
        unsigned type = ELF64_ST_TYPE(r.info);
        if (r.shndx == SHN_UNDEF || r.shndx == SHN_ABS || r.name == 0 ||
            r.name >= str_len ||
            (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE))
            continue;
        /* Copy the name, cut and made printable: it ends up on a
         * terminal and in JSON. */
        const char *nm = str + r.name;
        size_t max = (size_t)(str_len - r.name), k = 0;
        uint32_t at = (uint32_t)used;
        for (; k < max && k < SYMBOLS_NAME_MAX && nm[k]; k++)
            s->names[used++] =
                nm[k] > ' ' && nm[k] < 0x7f ? nm[k] : '?';
        if (k == 0)
            continue;
        s->names[used++] = '\0';
        s->v[s->n++] = (struct symbol){
            .addr = r.value,
            .size = r.size,
            .name = at,
            .rank = type == STT_FUNC && r.size ? RANK_FUNC
                    : r.size                   ? RANK_SIZED
                                               : RANK_LABEL,
        };
    }
    qsort(s->v, s->n, sizeof(*s->v), by_addr);
    /* A label reaches the next symbol at a higher address. */
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].rank != RANK_LABEL)
            continue;
        uint64_t span = SYMBOLS_LABEL_SPAN;
        for (size_t j = i + 1; j < s->n; j++)
            if (s->v[j].addr > s->v[i].addr) {
                if (s->v[j].addr - s->v[i].addr < span)
                    span = s->v[j].addr - s->v[i].addr;
                break;
            }
        s->v[i].size = span;
    }
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].size > s->max_size)
            s->max_size = s->v[i].size;
    return 0;
}

int symbols_load(const uint8_t *data, size_t len, struct symbols *s)
{
    struct shdr symtab = {0}, strtab;
    uint64_t shoff;
    unsigned shnum, shentsize, cls;
    bool found = false;

    *s = (struct symbols){0};
    if (len < EI_NIDENT || !elf_is_elf(data, len))
        return 0;
    cls = data[EI_CLASS];
    if (cls == ELFCLASS64 && len >= sizeof(Elf64_Ehdr)) {
        Elf64_Ehdr e;
        memcpy(&e, data, sizeof(e));
        shoff = e.e_shoff, shnum = e.e_shnum, shentsize = e.e_shentsize;
        if (shentsize != sizeof(Elf64_Shdr))
            return 0;
    } else if (cls == ELFCLASS32 && len >= sizeof(Elf32_Ehdr)) {
        Elf32_Ehdr e;
        memcpy(&e, data, sizeof(e));
        shoff = e.e_shoff, shnum = e.e_shnum, shentsize = e.e_shentsize;
        if (shentsize != sizeof(Elf32_Shdr))
            return 0;
    } else {
        return 0;
    }
    if (shoff == 0 || !elf_in_file(shoff, (uint64_t)shnum * shentsize, len))
        return 0;
    for (unsigned i = 0; i < shnum && !found; i++)
        found = read_shdr(data, len, cls, shoff, i, &symtab) &&
                symtab.type == SHT_SYMTAB;
    size_t entsize = cls == ELFCLASS64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
    if (!found || symtab.entsize != entsize || symtab.link >= shnum ||
        !elf_in_file(symtab.offset, symtab.size, len) ||
        !read_shdr(data, len, cls, shoff, symtab.link, &strtab) ||
        strtab.type != SHT_STRTAB ||
        !elf_in_file(strtab.offset, strtab.size, len))
        return 0;
    if (build(data + symtab.offset, symtab.size / entsize, entsize, cls,
              (const char *)data + strtab.offset, strtab.size, s) < 0) {
        symbols_free(s);
        return -1;
    }
    return 0;
}

void symbols_free(struct symbols *s)
{
    free(s->v);
    free(s->names);
    *s = (struct symbols){0};
}

bool symbols_name(const struct symbols *s, uint64_t addr, char *buf,
                  size_t len)
{
    const struct symbol *best = NULL;

    if (len)
        buf[0] = '\0';
    if (!s || !s->n)
        return false;
    /* The last symbol at or below addr, by binary search ... */
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* ... then back through those that may still cover it (none starts
     * more than max_size below): the best rank, then the nearest start. */
    for (size_t i = lo; i-- > 0;) {
        const struct symbol *c = &s->v[i];
        if (addr - c->addr >= s->max_size)
            break;
        if (addr - c->addr >= c->size)
            continue;
        if (!best || c->rank < best->rank ||
            (c->rank == best->rank && c->addr > best->addr))
            best = c;
    }
    if (!best)
        return false;
    if (addr == best->addr)
        snprintf(buf, len, "%s", s->names + best->name);
    else
        snprintf(buf, len, "%s+0x%llx", s->names + best->name,
                 (unsigned long long)(addr - best->addr));
    return true;
}
