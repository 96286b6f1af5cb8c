/* fuzz_elf.c - libFuzzer target: ELF images (core/elf.h, core/symbols.h).
 *
 * The first bytes choose the mode, the RAM size and an address to name;
 * the rest is the file. elf_parse must refuse with SKVM_USAGE or accept
 * an image whose every segment lies in the file and whose entry lies in
 * a segment; elf_place must then write only inside RAM, refusing
 * anything outside it or over the loader's regions; symbols_load must
 * read only inside the file, and symbols_name must stay in its buffer
 * (ASan checks the bounds). */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/elf.h"
#include "core/symbols.h"
#include "fuzz_ram.h"
#include "modes/mode.h"

struct header {
    uint8_t mode;
    uint8_t pad;
    uint16_t mem_pages; /* RAM = (mem_pages + 1) * 4 KiB: up to 256 MiB */
    uint32_t name_at;   /* an address to name, beside RIP-like ones */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct header h;
    struct skvm_err err;
    struct elf_image elf;
    struct symbols syms;
    char name[SYMBOLS_NAME_MAX + 24];
    struct guestmem mem;

    if (size < sizeof(h))
        return 0;
    memcpy(&h, data, sizeof(h));
    data += sizeof(h);
    size -= sizeof(h);
    if (!fuzz_guestmem(h.mem_pages, &mem))
        return 0;
    if (symbols_load(data, size, &syms) == 0) {
        symbols_name(&syms, h.name_at, name, sizeof(name));
        for (size_t i = 0; i < syms.n && i < 64; i++)
            symbols_name(&syms, syms.v[i].addr + h.pad, name, sizeof(name));
        symbols_free(&syms);
    }
    if (elf_parse(data, size, &elf, &err) < 0) {
        if (err.status != SKVM_USAGE)
            __builtin_trap();
        return 0;
    }
    for (unsigned i = 0; i < elf.n_seg; i++) {
        const struct elf_segment *s = &elf.seg[i];
        if (s->filesz > s->memsz || s->offset + s->filesz > size ||
            s->offset + s->filesz < s->offset)
            __builtin_trap();
    }
    const struct mode *m = mode_table[h.mode % mode_count];
    struct mode_env env = {.mem = &mem, .entry = elf.entry_phys};
    if (elf_place(&elf, data, &env, m, &err) < 0 && err.status != SKVM_USAGE)
        __builtin_trap();
    return 0;
}
