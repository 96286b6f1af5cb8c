/* test_elf_image.c - ELF parsing and placement (src/core/elf.h) and symbol
 * lookup (src/core/symbols.h) on hand-built byte buffers, no /dev/kvm:
 * every refusal names its header or segment, bss is zeroed, a refused
 * image writes nothing, symbols name addresses by rank and size, and
 * the crash report's frame-pointer walk stops at the first bad link.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/elf.h"
#include "core/image.h"
#include "core/layout.h"
#include "core/symbols.h"
#include "diag/crash.h"
#include "kvm/vm.h"
#include "modes/mode.h"

#define LOAD 0x100000u
#define MAX_FILE 4096

/* hlt; hlt; ... the body every test image carries. */
static const uint8_t code[16] = {0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4,
                                 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4,
                                 0xf4, 0xf4, 0xf4, 0xf4};

struct seg {
    uint64_t paddr, vaddr, filesz, memsz, offset;
};

struct file {
    uint8_t b[MAX_FILE];
    size_t len;
};

/* An ELF64 file: header, nseg program headers, then `code` at body_off.
 * A seg's 0 offset means the body. */
static void build64(struct file *f, uint64_t entry, const struct seg *segs,
                    unsigned nseg)
{
    Elf64_Ehdr e = {.e_type = ET_EXEC, .e_machine = EM_X86_64,
                    .e_version = EV_CURRENT, .e_entry = entry,
                    .e_phoff = sizeof(Elf64_Ehdr),
                    .e_ehsize = sizeof(Elf64_Ehdr),
                    .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = nseg};
    size_t body = sizeof(e) + nseg * sizeof(Elf64_Phdr);

    memcpy(e.e_ident, ELFMAG, SELFMAG);
    e.e_ident[EI_CLASS] = ELFCLASS64;
    e.e_ident[EI_DATA] = ELFDATA2LSB;
    e.e_ident[EI_VERSION] = EV_CURRENT;
    memset(f, 0, sizeof(*f));
    memcpy(f->b, &e, sizeof(e));
    for (unsigned i = 0; i < nseg; i++) {
        Elf64_Phdr p = {.p_type = PT_LOAD, .p_flags = PF_R | PF_X,
                        .p_offset = segs[i].offset ? segs[i].offset : body,
                        .p_vaddr = segs[i].vaddr ? segs[i].vaddr
                                                 : segs[i].paddr,
                        .p_paddr = segs[i].paddr,
                        .p_filesz = segs[i].filesz,
                        .p_memsz = segs[i].memsz, .p_align = 0x1000};
        memcpy(f->b + sizeof(e) + i * sizeof(p), &p, sizeof(p));
    }
    memcpy(f->b + body, code, sizeof(code));
    f->len = body + sizeof(code);
}

static void build32(struct file *f, uint32_t entry, uint32_t paddr,
                    uint32_t filesz, uint32_t memsz)
{
    Elf32_Ehdr e = {.e_type = ET_EXEC, .e_machine = EM_386,
                    .e_version = EV_CURRENT, .e_entry = entry,
                    .e_phoff = sizeof(Elf32_Ehdr),
                    .e_ehsize = sizeof(Elf32_Ehdr),
                    .e_phentsize = sizeof(Elf32_Phdr), .e_phnum = 1};
    Elf32_Phdr p = {.p_type = PT_LOAD, .p_flags = PF_R | PF_X,
                    .p_offset = sizeof(e) + sizeof(p), .p_vaddr = paddr,
                    .p_paddr = paddr, .p_filesz = filesz, .p_memsz = memsz};

    memcpy(e.e_ident, ELFMAG, SELFMAG);
    e.e_ident[EI_CLASS] = ELFCLASS32;
    e.e_ident[EI_DATA] = ELFDATA2LSB;
    e.e_ident[EI_VERSION] = EV_CURRENT;
    memset(f, 0, sizeof(*f));
    memcpy(f->b, &e, sizeof(e));
    memcpy(f->b + sizeof(e), &p, sizeof(p));
    memcpy(f->b + sizeof(e) + sizeof(p), code, sizeof(code));
    f->len = sizeof(e) + sizeof(p) + sizeof(code);
}

static void good64(struct file *f)
{
    const struct seg s = {.paddr = LOAD, .filesz = 16, .memsz = 16};

    build64(f, LOAD, &s, 1);
}

static Elf64_Ehdr *ehdr64(struct file *f)
{
    return (Elf64_Ehdr *)f->b;
}

static Elf64_Phdr *phdr64(struct file *f, unsigned i)
{
    return (Elf64_Phdr *)(f->b + sizeof(Elf64_Ehdr)) + i;
}

/* elf_parse refuses f with a message containing `want`. */
static void refused(struct file *f, const char *want)
{
    struct elf_image img;
    struct skvm_err err = {0};

    cr_assert_eq(elf_parse(f->b, f->len, &img, &err), -1, "accepted: %s",
                 want);
    cr_assert_eq(err.status, SKVM_USAGE);
    cr_assert(strstr(err.msg, want), "'%s' lacks '%s'", err.msg, want);
}

Test(elf_image, parses_elf64_and_elf32)
{
    struct file f;
    struct elf_image img;
    struct skvm_err err = {0};

    good64(&f);
    cr_assert(elf_is_elf(f.b, f.len));
    cr_assert_eq(elf_parse(f.b, f.len, &img, &err), 0, "%s", err.msg);
    cr_assert_eq(img.elf_class, ELFCLASS64);
    cr_assert_eq(img.machine, EM_X86_64);
    cr_assert_eq(img.n_seg, 1);
    cr_assert_eq(img.seg[0].paddr, LOAD);
    cr_assert_eq(img.entry_phys, LOAD);

    build32(&f, LOAD + 4, LOAD, 16, 32);
    cr_assert_eq(elf_parse(f.b, f.len, &img, &err), 0, "%s", err.msg);
    cr_assert_eq(img.elf_class, ELFCLASS32);
    cr_assert_eq(img.seg[0].memsz, 32);
    cr_assert_eq(img.entry_phys, LOAD + 4);
    cr_assert_not(elf_is_elf((const uint8_t *)"\x7f" "EL", 3));
}

Test(elf_image, refuses_bad_headers)
{
    struct file f;

    good64(&f);
    f.len = 40;
    refused(&f, "ELF64 header truncated: 40 of its 64 bytes");
    good64(&f);
    f.len = 10;
    refused(&f, "ELF header truncated");
    good64(&f);
    f.b[EI_CLASS] = 7;
    refused(&f, "ELF class 7");
    good64(&f);
    f.b[EI_DATA] = ELFDATA2MSB;
    refused(&f, "not little-endian");
    good64(&f);
    ehdr64(&f)->e_machine = EM_ARM;
    refused(&f, "ELF machine 40 is not x86");
    good64(&f);
    ehdr64(&f)->e_type = ET_DYN;
    refused(&f, "-static -no-pie");
    good64(&f);
    ehdr64(&f)->e_phnum = 0;
    refused(&f, "no program headers");
    good64(&f);
    ehdr64(&f)->e_phentsize = 32;
    refused(&f, "e_phentsize 32");
    good64(&f);
    ehdr64(&f)->e_phoff = UINT64_MAX - 8; /* offset + size wraps */
    refused(&f, "ELF program headers (e_phoff 0xfffffffffffffff7");
    good64(&f);
    ehdr64(&f)->e_phnum = 60; /* the table runs past the file */
    refused(&f, "run past the end of the file");
}

Test(elf_image, refuses_bad_segments)
{
    struct file f;

    good64(&f);
    phdr64(&f, 0)->p_filesz = 0x1000;
    phdr64(&f, 0)->p_memsz = 0x1000;
    refused(&f, "ELF segment 0 (PT_LOAD at 0x100000, 0x1000 bytes) runs past "
                "the end of the file");
    good64(&f);
    phdr64(&f, 0)->p_offset = UINT64_MAX; /* offset + filesz wraps */
    refused(&f, "runs past the end of the file");
    good64(&f);
    phdr64(&f, 0)->p_memsz = 8;
    refused(&f, "more file bytes (p_filesz 0x10) than memory bytes");
    good64(&f);
    phdr64(&f, 0)->p_paddr = UINT64_MAX - 4;
    refused(&f, "wraps around the end of the address space");
    good64(&f);
    phdr64(&f, 0)->p_memsz = 0; /* skipped: nothing left */
    phdr64(&f, 0)->p_filesz = 0;
    refused(&f, "no PT_LOAD segment");

    const struct seg two[] = {{.paddr = LOAD, .filesz = 16, .memsz = 0x2000},
                              {.paddr = LOAD + 0x1000, .filesz = 16,
                               .memsz = 16}};
    build64(&f, LOAD, two, 2);
    refused(&f, "ELF segment 1 (PT_LOAD at 0x101000, 0x10 bytes) overlaps "
                "ELF segment 0 (0x100000-0x101fff)");

    /* ELF32 addresses stop at 4 GiB. */
    build32(&f, 0xFFFFFF00u, 0xFFFFFF00u, 16, 0x200);
    refused(&f, "wraps around the end of the address space");
}

Test(elf_image, refuses_bad_entry)
{
    struct file f;

    good64(&f);
    ehdr64(&f)->e_entry = 0;
    refused(&f, "e_entry is 0");
    good64(&f);
    ehdr64(&f)->e_entry = LOAD + 16; /* one past the segment */
    refused(&f, "entry point 0x100010 is in no PT_LOAD segment");
}

Test(elf_image, entry_goes_through_its_segment)
{
    /* A higher-half kernel: linked at 0xC0100000, loaded at 1 MiB. */
    const struct seg s = {.paddr = LOAD, .vaddr = 0xC0100000, .filesz = 16,
                          .memsz = 16};
    struct file f;
    struct elf_image img;
    struct skvm_err err = {0};

    build64(&f, 0xC0100008, &s, 1);
    cr_assert_eq(elf_parse(f.b, f.len, &img, &err), 0, "%s", err.msg);
    cr_assert_eq(img.entry, 0xC0100008);
    cr_assert_eq(img.entry_phys, LOAD + 8);
}

/* A long-mode environment on a plain 2 MiB buffer. */
static uint8_t *ram;
static struct guestmem mem;
static struct mode_env env;

static void ram_setup(void)
{
    ram = malloc(2 << 20);
    cr_assert_not_null(ram);
    memset(ram, 0xAA, 2 << 20);
    mem = (struct guestmem){.host = ram, .size = 2 << 20};
    env = (struct mode_env){.mem = &mem, .entry = LOAD};
}

static void ram_teardown(void)
{
    free(ram);
}

TestSuite(place_elf_image, .init = ram_setup, .fini = ram_teardown);

Test(place_elf_image, copies_file_bytes_and_zeroes_bss)
{
    const struct seg s = {.paddr = LOAD, .filesz = 16, .memsz = 0x300};
    struct file f;
    struct elf_image img;
    struct skvm_err err = {0};

    build64(&f, LOAD, &s, 1);
    cr_assert_eq(elf_parse(f.b, f.len, &img, &err), 0, "%s", err.msg);
    cr_assert_eq(elf_place(&img, f.b, &env, mode_find("long"), &err), 0, "%s",
                 err.msg);
    cr_assert_eq(memcmp(ram + LOAD, code, sizeof(code)), 0);
    for (unsigned i = 16; i < 0x300; i++)
        cr_assert_eq(ram[LOAD + i], 0, "bss byte 0x%x not zeroed", i);
    cr_assert_eq(ram[LOAD + 0x300], 0xAA, "wrote past p_memsz");
    cr_assert_eq(ram[LOAD - 1], 0xAA, "wrote before p_paddr");
}

/* A refusal names the segment and writes nothing, not even the good
 * segment before it. */
static void place_refused(const struct seg *segs, unsigned n,
                          const char *want)
{
    struct file f;
    struct elf_image img;
    struct skvm_err err = {0};

    build64(&f, LOAD, segs, n);
    cr_assert_eq(elf_parse(f.b, f.len, &img, &err), 0, "%s", err.msg);
    cr_assert_eq(elf_place(&img, f.b, &env, mode_find("long"), &err), -1);
    cr_assert_eq(err.status, SKVM_USAGE);
    cr_assert(strstr(err.msg, want), "'%s' lacks '%s'", err.msg, want);
    cr_assert_eq(ram[LOAD], 0xAA, "a refused image wrote RAM");
}

Test(place_elf_image, refuses_outside_ram_and_reserved)
{
    const struct seg outside[] = {
        {.paddr = LOAD, .filesz = 16, .memsz = 16},
        {.paddr = 0x10000000, .filesz = 16, .memsz = 16}};
    const struct seg sys[] = {{.paddr = LOAD, .filesz = 16, .memsz = 16},
                              {.paddr = 0xF0000, .filesz = 16, .memsz = 16}};
    const struct seg hc[] = {{.paddr = LOAD, .filesz = 16, .memsz = 16},
                             {.paddr = LAYOUT_HC_PAGE, .filesz = 16,
                              .memsz = 16}};

    place_refused(outside, 2,
                  "ELF segment 1 (PT_LOAD at 0x10000000, 0x10 bytes) does "
                  "not fit in guest memory (2097152 bytes)");
    place_refused(sys, 2,
                  "ELF segment 1 (PT_LOAD at 0xf0000, 0x10 bytes) overlaps "
                  "the loader's GDT and page tables at 0xf0000-0xfffff");
    place_refused(hc, 2, "overlaps the loader's GDT and page tables");
}

Test(place_elf_image, image_dispatches_on_the_magic)
{
    struct file f;
    struct image im = {0};
    struct skvm_err err = {0};

    good64(&f);
    im.data = f.b;
    im.len = f.len;
    cr_assert_eq(image_identify(&im, &err), 0, "%s", err.msg);
    cr_assert_eq(im.format, IMAGE_ELF);
    cr_assert_str_eq(image_format_name(&im), "ELF64");
    cr_assert_eq(image_entry(&im, 0x1234), LOAD, "e_entry, not --entry");
    cr_assert_eq(image_place(&env, mode_find("long"), 0, &im, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(ram[LOAD], 0xf4);
    cr_assert_eq(ram[0], 0xAA, "not placed as a flat image at 0");

    /* Anything else stays flat. */
    im = (struct image){.data = code, .len = sizeof(code)};
    cr_assert_eq(image_identify(&im, &err), 0);
    cr_assert_eq(im.format, IMAGE_FLAT);
    cr_assert_eq(image_entry(&im, 0x1234), 0x1234);
}

/* An ELF64 file whose section table has a .symtab and .strtab with the
 * given symbols (name, value, size, type); returns its length. */
struct sym_def {
    const char *name;
    uint64_t value, size;
    unsigned type;
};

static size_t build_syms(struct file *f, const struct sym_def *defs,
                         unsigned n)
{
    Elf64_Sym syms[16] = {{0}};
    char str[512] = "";
    size_t str_len = 1;

    good64(f);
    for (unsigned i = 0; i < n; i++) {
        syms[i + 1] = (Elf64_Sym){
            .st_name = (uint32_t)str_len,
            .st_info = ELF64_ST_INFO(STB_GLOBAL, defs[i].type),
            .st_shndx = 1,
            .st_value = defs[i].value,
            .st_size = defs[i].size};
        strcpy(str + str_len, defs[i].name);
        str_len += strlen(defs[i].name) + 1;
    }
    size_t sym_off = (f->len + 7) & ~(size_t)7;
    size_t sym_size = (n + 1) * sizeof(Elf64_Sym);
    size_t str_off = sym_off + sym_size;
    size_t sh_off = (str_off + str_len + 7) & ~(size_t)7;
    Elf64_Shdr sh[4] = {
        {0},
        {.sh_type = SHT_PROGBITS, .sh_offset = 0, .sh_size = 16},
        {.sh_type = SHT_SYMTAB, .sh_offset = sym_off, .sh_size = sym_size,
         .sh_link = 3, .sh_entsize = sizeof(Elf64_Sym)},
        {.sh_type = SHT_STRTAB, .sh_offset = str_off, .sh_size = str_len},
    };
    memcpy(f->b + sym_off, syms, sym_size);
    memcpy(f->b + str_off, str, str_len);
    memcpy(f->b + sh_off, sh, sizeof(sh));
    ehdr64(f)->e_shoff = sh_off;
    ehdr64(f)->e_shnum = 4;
    ehdr64(f)->e_shentsize = sizeof(Elf64_Shdr);
    f->len = sh_off + sizeof(sh);
    return f->len;
}

static const struct sym_def defs[] = {
    {"main", 0x1000, 0x40, STT_FUNC},
    {"inner_label", 0x1010, 0, STT_NOTYPE}, /* inside main: main wins */
    {"table", 0x2000, 0x10, STT_OBJECT},
    {"asm_start", 0x3000, 0, STT_NOTYPE}, /* NASM label: reaches next */
    {"asm_next", 0x3020, 0, STT_NOTYPE},
    {"mod.c", 0x5000, 0, STT_FILE}, /* never a name for code */
};

Test(symbols_elf_image, names_addresses)
{
    struct file f;
    struct symbols s;
    char buf[96];

    build_syms(&f, defs, sizeof(defs) / sizeof(defs[0]));
    cr_assert_eq(symbols_load(f.b, f.len, &s), 0);
    cr_assert_eq(s.n, 5, "the STT_FILE symbol is dropped");
    cr_assert(symbols_name(&s, 0x1000, buf, sizeof(buf)));
    cr_assert_str_eq(buf, "main");
    cr_assert(symbols_name(&s, 0x1014, buf, sizeof(buf)));
    cr_assert_str_eq(buf, "main+0x14", "a function outranks a label");
    cr_assert(symbols_name(&s, 0x200f, buf, sizeof(buf)));
    cr_assert_str_eq(buf, "table+0xf");
    cr_assert_not(symbols_name(&s, 0x2010, buf, sizeof(buf)),
                  "past an object's size");
    cr_assert_str_eq(buf, "");
    /* Past main's size, its inner label (no size) still reaches. */
    cr_assert(symbols_name(&s, 0x1040, buf, sizeof(buf)));
    cr_assert_str_eq(buf, "inner_label+0x30");
    cr_assert(symbols_name(&s, 0x301f, buf, sizeof(buf)));
    cr_assert_str_eq(buf, "asm_start+0x1f");
    cr_assert(symbols_name(&s, 0x3021, buf, sizeof(buf)));
    cr_assert_str_eq(buf, "asm_next+0x1");
    cr_assert(symbols_name(&s, 0x3020 + SYMBOLS_LABEL_SPAN - 1, buf,
                           sizeof(buf)));
    cr_assert_not(symbols_name(&s, 0x3020 + SYMBOLS_LABEL_SPAN, buf,
                               sizeof(buf)),
                  "a label reaches at most SYMBOLS_LABEL_SPAN");
    cr_assert_not(symbols_name(&s, 0xfff, buf, sizeof(buf)));
    symbols_free(&s);
    cr_assert_not(symbols_name(NULL, 0x1000, buf, sizeof(buf)));
}

Test(symbols_elf_image, malformed_tables_give_none)
{
    struct file f;
    struct symbols s;

    build_syms(&f, defs, 2);
    ehdr64(&f)->e_shoff = f.len; /* section table past the file */
    cr_assert_eq(symbols_load(f.b, f.len, &s), 0);
    cr_assert_eq(s.n, 0);

    build_syms(&f, defs, 2);
    Elf64_Shdr *sh = (Elf64_Shdr *)(f.b + ehdr64(&f)->e_shoff);
    sh[2].sh_size = UINT64_MAX; /* symtab past the file, wrapping */
    cr_assert_eq(symbols_load(f.b, f.len, &s), 0);
    cr_assert_eq(s.n, 0);

    build_syms(&f, defs, 2);
    sh = (Elf64_Shdr *)(f.b + ehdr64(&f)->e_shoff);
    sh[2].sh_link = 200; /* no such string table */
    cr_assert_eq(symbols_load(f.b, f.len, &s), 0);
    cr_assert_eq(s.n, 0);

    /* A name offset past the string table is dropped, not read. */
    build_syms(&f, defs, 2);
    sh = (Elf64_Shdr *)(f.b + ehdr64(&f)->e_shoff);
    Elf64_Sym *sym = (Elf64_Sym *)(f.b + sh[2].sh_offset);
    sym[1].st_name = 10000;
    cr_assert_eq(symbols_load(f.b, f.len, &s), 0);
    cr_assert_eq(s.n, 1);
    symbols_free(&s);

    /* Flat images have no symbols. */
    cr_assert_eq(symbols_load(code, sizeof(code), &s), 0);
    cr_assert_eq(s.n, 0);
}

/* The frame-pointer walk (diag/crash.h) on a plain buffer, flat 32-bit
 * and 64-bit code without paging: it follows sound links and stops at
 * the first that is not, saying why. */
static struct vm bt_vm;
static struct crash_state bt;

static void bt_setup(unsigned bits, uint64_t rbp)
{
    ram_setup();
    memset(ram, 0, 2 << 20);
    memset(&bt_vm, 0, sizeof(bt_vm));
    bt_vm.mem = mem;
    memset(&bt, 0, sizeof(bt));
    bt.have_regs = true;
    bt.bits = bits;
    bt.regs.rbp = rbp;
    bt.sregs.cr0 = 1; /* PE, no paging: linear = physical */
}

/* A frame at fp: saved frame pointer `next`, return address `ret`. */
static void frame(unsigned w, uint64_t fp, uint64_t next, uint64_t ret)
{
    memcpy(ram + fp, &next, w);
    memcpy(ram + fp + w, &ret, w);
}

TestSuite(backtrace_elf_image, .fini = ram_teardown);

Test(backtrace_elf_image, follows_the_chain_to_its_end)
{
    bt_setup(64, 0x1000);
    frame(8, 0x1000, 0x1100, 0x400010);
    frame(8, 0x1100, 0x1200, 0x400020);
    frame(8, 0x1200, 0, 0x400030);
    crash_backtrace(&bt_vm, &bt);
    cr_assert(bt.have_backtrace);
    cr_assert_eq(bt.n_frames, 3);
    cr_assert_eq(bt.frames[0], 0x400010);
    cr_assert_eq(bt.frames[2], 0x400030);
    cr_assert_str_eq(bt.backtrace_end, "frame pointer 0: the outermost frame");

    bt_setup(32, 0x1000);
    frame(4, 0x1000, 0x1010, 0x400010);
    frame(4, 0x1010, 0, 0); /* return address 0 ends it too */
    crash_backtrace(&bt_vm, &bt);
    cr_assert_eq(bt.n_frames, 1);
    cr_assert(strstr(bt.backtrace_end, "return address 0 at 0x1014"), "%s",
              bt.backtrace_end);
}

Test(backtrace_elf_image, stops_at_the_first_bad_link)
{
    bt_setup(64, 0x1000);
    frame(8, 0x1000, 0x0ff0, 0x400010); /* points down: a loop or junk */
    crash_backtrace(&bt_vm, &bt);
    cr_assert_eq(bt.n_frames, 1);
    cr_assert(strstr(bt.backtrace_end, "is not above it"), "%s",
              bt.backtrace_end);

    bt_setup(64, 0x1000);
    frame(8, 0x1000, 0x1103, 0x400010); /* misaligned */
    crash_backtrace(&bt_vm, &bt);
    cr_assert_eq(bt.n_frames, 1);
    cr_assert(strstr(bt.backtrace_end, "0x1103 is not aligned"), "%s",
              bt.backtrace_end);

    bt_setup(64, 0x1000);
    frame(8, 0x1000, 0x7fff0000, 0x400010); /* past the 2 MiB of RAM */
    crash_backtrace(&bt_vm, &bt);
    cr_assert_eq(bt.n_frames, 1);
    cr_assert(strstr(bt.backtrace_end, "frame at 0x7fff0000 cannot be read"),
              "%s", bt.backtrace_end);

    /* A long sound chain is cut at CRASH_MAX_FRAMES. */
    bt_setup(64, 0x1000);
    for (unsigned i = 0; i < 40; i++)
        frame(8, 0x1000 + 0x10 * i, 0x1010 + 0x10 * i, 0x400000 + i);
    crash_backtrace(&bt_vm, &bt);
    cr_assert_eq(bt.n_frames, CRASH_MAX_FRAMES);
    cr_assert(strstr(bt.backtrace_end, "stopped after"), "%s",
              bt.backtrace_end);

    /* 16-bit code: no walk at all. */
    bt_setup(16, 0x1000);
    crash_backtrace(&bt_vm, &bt);
    cr_assert_not(bt.have_backtrace);
}
