/* explain.c - decode what the loader built (see explain.h). */
#include "diag/explain.h"

#include <string.h>

#include "core/le.h"
#include "core/layout.h"
#include "core/paging.h"
#include "core/x86.h"

static const char *seg_what(const struct explain_seg *g)
{
    if (!g->raw)
        return "null (required first entry)";
    if (!g->s) {
        switch (g->type) {
        case X86_SEG_TYPE_TSS64_AVAIL:
            return "64-bit TSS (available): RSP0, IST1 for #DF, I/O map";
        case X86_SEG_TYPE_TSS32_BUSY:
            return "64-bit TSS (busy)";
        case X86_SEG_TYPE_LDT:
            return "LDT";
        }
        return "system segment";
    }
    if (g->type & X86_BIT(X86_SEG_TYPE_CODE_BIT))
        return g->l    ? "code, 64-bit (L=1): long mode"
               : g->db ? "code, 32-bit (D=1)"
                       : "code, 16-bit";
    return "data, read/write: DS ES FS GS SS";
}

bool explain_gdt(const struct guestmem *mem, const struct kvm_sregs *s,
                 void (*fn)(void *ctx, const struct explain_seg *seg),
                 void *ctx)
{
    bool long_mode = s->efer & X86_EFER_LMA;

    for (unsigned off = 0; off + 7 <= s->gdt.limit; off += 8) {
        uint8_t raw[16];
        if (paging_read_linear(mem, s, s->gdt.base + off, raw, 8))
            return false;
        uint64_t d = le_get64(raw);
        struct explain_seg g = {
            .selector = off,
            .raw = d,
            .present = (d >> X86_DESC_P_BIT) & 1,
            .s = (d >> X86_DESC_S_BIT) & 1,
            .l = (d >> X86_DESC_L_BIT) & 1,
            .db = (d >> X86_DESC_DB_BIT) & 1,
            .g = (d >> X86_DESC_G_BIT) & 1,
            .type = (d >> X86_DESC_TYPE_SHIFT) & 0xF,
            .dpl = (d >> X86_DESC_DPL_SHIFT) & 3,
            .base = X86_DESC_BASE(d),
        };
        uint32_t limit = (uint32_t)((d & 0xFFFF) | ((d >> 32) & 0xF0000));
        g.limit = g.g ? (limit << 12) | 0xFFF : limit;
        /* Long mode's system descriptors are 16 bytes (SDM 8.2.3). */
        if (d && !g.s && long_mode && off + 15 <= s->gdt.limit &&
            paging_read_linear(mem, s, s->gdt.base + off + 8, raw + 8,
                               8) == 0) {
            g.wide = true;
            g.base |= (le_get64(raw + 8) & UINT32_MAX) << 32;
        }
        g.what = seg_what(&g);
        fn(ctx, &g);
        if (g.wide)
            off += 8;
    }
    return true;
}

/* ---- paging ---- */

struct level {
    const char *name;
    unsigned shift, entries, width;
    bool large; /* PS may map a page here */
};

static const struct level levels32[] = {
    {"PD", X86_PD32_SHIFT, X86_PT_ENTRIES32, 4, true},
    {"PT", X86_PAGE_SHIFT, X86_PT_ENTRIES32, 4, false},
};
static const struct level levels_pae[] = {
    {"PDPT", X86_PAE_PDPT_SHIFT, X86_PAE_PDPT_ENTRIES, 8, false},
    {"PD", X86_PD64_SHIFT, X86_PT_ENTRIES64, 8, true},
    {"PT", X86_PT64_SHIFT, X86_PT_ENTRIES64, 8, false},
};
static const struct level levels64[] = {
    {"PML5", X86_PML5_SHIFT, X86_PT_ENTRIES64, 8, false},
    {"PML4", X86_PML4_SHIFT, X86_PT_ENTRIES64, 8, false},
    {"PDPT", X86_PDPT_SHIFT, X86_PT_ENTRIES64, 8, true},
    {"PD", X86_PD64_SHIFT, X86_PT_ENTRIES64, 8, true},
    {"PT", X86_PT64_SHIFT, X86_PT_ENTRIES64, 8, false},
};

const char *explain_paging_form(const struct kvm_sregs *s, unsigned *n)
{
    if (!(s->cr0 & X86_CR0_PG))
        return *n = 0, "none";
    if (s->efer & X86_EFER_LMA)
        return (s->cr4 & X86_CR4_LA57) ? (*n = 5, "5-level")
                                       : (*n = 4, "4-level");
    if (s->cr4 & X86_CR4_PAE)
        return *n = 3, "PAE";
    return *n = 2, "32-bit";
}

struct walker {
    const struct guestmem *mem;
    const struct level *lv;
    unsigned n;
    bool pse; /* 32-bit paging: PS honoured only with CR4.PSE */
    void (*fn)(void *ctx, const struct explain_run *run);
    void *ctx;
};

static uint64_t entry_addr(const struct walker *w, uint64_t e, bool leaf,
                           uint64_t size)
{
    if (w->lv[0].width == 4)
        return leaf && size == X86_PAGE_4M ? e & X86_PDE32_4M_ADDR
                                           : e & X86_PDE32_TABLE_ADDR;
    return e & X86_PTE64_ADDR & ~(leaf ? size - 1 : X86_PAGE_4K - 1);
}

static uint64_t sign_extend(uint64_t lin, unsigned n)
{
    unsigned top = n == 5 ? X86_VA57_BITS : X86_VA48_BITS;

    if (n < 4 || !(lin >> (top - 1) & 1))
        return lin;
    return lin | ~((UINT64_C(1) << top) - 1);
}

static void walk_table(const struct walker *w, unsigned depth, uint64_t gpa,
                       uint64_t lin_base)
{
    const struct level *l = &w->lv[depth];
    uint64_t span = UINT64_C(1) << l->shift;
    struct explain_run run = {0};
    bool open = false;

    for (unsigned i = 0; i <= l->entries; i++) {
        uint64_t e = 0;
        bool have = i < l->entries &&
                    guestmem_read_uint(w->mem, gpa + (uint64_t)i * l->width,
                                       l->width, &e) == 0 &&
                    (e & X86_PTE_P);
        bool leaf = have && (depth == w->n - 1 ||
                             (l->large && (e & X86_PTE_PS) &&
                              (l->width == 8 || w->pse)));
        uint64_t size = leaf ? span : 0;
        uint64_t addr = have ? entry_addr(w, e, leaf, span) : 0;
        uint64_t flags = e & ~entry_addr(w, e, leaf, span);
        if (l->width == 4 && leaf && span == X86_PAGE_4M)
            flags &= ~X86_PDE32_4M_ADDR;
        uint64_t lin = sign_extend(lin_base + i * span, w->n);

        /* Extend the open run: adjacent pages, same flags. */
        if (open && have && leaf && run.page_size == size &&
            run.flags == flags &&
            addr == run.target + (uint64_t)(i - run.first) * span) {
            run.last = i;
            run.linear_end = lin + span - 1;
            continue;
        }
        if (open) {
            w->fn(w->ctx, &run);
            open = false;
        }
        if (!have)
            continue;
        run = (struct explain_run){
            .depth = depth, .table = l->name, .table_gpa = gpa,
            .first = i, .last = i, .width = l->width,
            .linear = lin, .linear_end = lin + span - 1,
            .target = addr, .page_size = size, .flags = flags,
        };
        if (leaf) {
            open = true;
            continue;
        }
        w->fn(w->ctx, &run);
        walk_table(w, depth + 1, addr, lin_base + i * span);
    }
}

void explain_paging(const struct guestmem *mem, const struct kvm_sregs *s,
                    void (*fn)(void *ctx, const struct explain_run *run),
                    void *ctx)
{
    unsigned n;
    struct walker w = {.mem = mem, .fn = fn, .ctx = ctx,
                       .pse = s->cr4 & X86_CR4_PSE};
    uint64_t root;

    explain_paging_form(s, &n);
    switch (n) {
    case 2:
        w.lv = levels32, w.n = 2, root = s->cr3 & X86_PDE32_TABLE_ADDR;
        break;
    case 3:
        w.lv = levels_pae, w.n = 3, root = s->cr3 & X86_PAE_CR3_ADDR;
        break;
    case 4:
        w.lv = levels64 + 1, w.n = 4, root = s->cr3 & X86_PTE64_ADDR;
        break;
    case 5:
        w.lv = levels64, w.n = 5, root = s->cr3 & X86_PTE64_ADDR;
        break;
    default:
        return;
    }
    walk_table(&w, 0, root, 0);
}

const char *explain_flags(uint64_t flags, bool leaf, char *buf, size_t len)
{
    static const struct {
        uint64_t bit;
        const char *name;
    } names[] = {
        {X86_PTE_P, "P"},   {X86_PTE_RW, "RW"}, {X86_PTE_US, "US"},
        {X86_BIT(X86_PTE_PWT_BIT), "PWT"},      {X86_BIT(X86_PTE_PCD_BIT), "PCD"},
        {X86_PTE_A, "A"},   {X86_PTE_D, "D"},   {X86_PTE_PS, "PS"},
        {X86_PTE_G, "G"},   {X86_PTE_XD, "XD"},
    };
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(flags & names[i].bit) || (!leaf && names[i].bit == X86_PTE_G))
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? " " : "",
                         names[i].name);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

/* ---- control registers ---- */

static const struct {
    const char *reg;
    unsigned bit;
    const char *name, *why;
} cr_bits[] = {
    {"CR0", X86_CR0_PE_BIT, "PE", "protected mode: segments come from the "
                                  "GDT (every mode but real)"},
    {"CR0", X86_CR0_MP_BIT, "MP", "WAIT honours TS, as an OS sets it for "
                                  "x87/SSE"},
    {"CR0", X86_CR0_ET_BIT, "ET", "x87 present (always 1 on modern CPUs)"},
    {"CR0", X86_CR0_NE_BIT, "NE", "x87 errors raise #MF, not IRQ 13"},
    {"CR0", X86_CR0_WP_BIT, "WP", "read-only pages bind the kernel too, "
                                  "as Linux sets it"},
    {"CR0", X86_CR0_AM_BIT, "AM", "alignment checks possible (with "
                                  "RFLAGS.AC at CPL 3)"},
    {"CR0", X86_CR0_NW_BIT, "NW", "not write-through (reset value)"},
    {"CR0", X86_CR0_CD_BIT, "CD", "cache disable (reset value)"},
    {"CR0", X86_CR0_PG_BIT, "PG", "paging: linear addresses go through "
                                  "the tables at CR3"},
    {"CR4", X86_CR4_PSE_BIT, "PSE", "4 MiB pages in 32-bit paging "
                                    "(PDE.PS)"},
    {"CR4", X86_CR4_PAE_BIT, "PAE", "8-byte entries: PAE paging, and "
                                    "required for long mode"},
    {"CR4", X86_CR4_OSFXSR_BIT, "OSFXSR", "the OS saves SSE state: SSE "
                                          "instructions run"},
    {"CR4", X86_CR4_OSXMMEXCPT_BIT, "OSXMMEXCPT", "SIMD exceptions raise "
                                                  "#XM"},
    {"CR4", X86_CR4_LA57_BIT, "LA57", "5-level paging: a PML5 above the "
                                      "PML4, 57-bit linear addresses"},
    {"CR4", X86_CR4_OSXSAVE_BIT, "OSXSAVE", "XSAVE and XCR0 (AVX where "
                                            "offered)"},
    {"EFER", X86_EFER_SCE_BIT, "SCE", "SYSCALL/SYSRET"},
    {"EFER", X86_EFER_LME_BIT, "LME", "long mode enable: with PG and PAE "
                                      "the CPU enters long mode"},
    {"EFER", X86_EFER_LMA_BIT, "LMA", "long mode active (the CPU's "
                                      "answer to LME + PG)"},
    {"EFER", X86_EFER_NXE_BIT, "NXE", "no-execute: bit 63 (XD) of an "
                                      "entry forbids fetches"},
};

void explain_cr_bits(const struct kvm_sregs *s,
                     void (*fn)(void *ctx, const struct explain_bit *b),
                     void *ctx)
{
    for (size_t i = 0; i < sizeof(cr_bits) / sizeof(cr_bits[0]); i++) {
        uint64_t v = strcmp(cr_bits[i].reg, "CR0") == 0   ? s->cr0
                     : strcmp(cr_bits[i].reg, "CR4") == 0 ? s->cr4
                                                          : s->efer;
        if (!(v & X86_BIT(cr_bits[i].bit)))
            continue;
        struct explain_bit b = {cr_bits[i].reg, cr_bits[i].name,
                                cr_bits[i].bit, cr_bits[i].why};
        fn(ctx, &b);
    }
}

/* ---- IDT ---- */

void explain_idt(const struct guestmem *mem, const struct kvm_sregs *s,
                 struct explain_idt *out)
{
    bool real = !(s->cr0 & X86_CR0_PE);
    bool wide = s->efer & X86_EFER_LMA;

    *out = (struct explain_idt){
        .base = s->idt.base, .limit = s->idt.limit,
        .entry_size = real ? X86_IVT_ENTRY_SIZE
                      : wide ? X86_GATE64_SIZE : X86_GATE32_SIZE,
    };
    out->vectors = (out->limit + 1) / out->entry_size;
    out->ours = s->idt.base == LAYOUT_IDT_BASE;
    for (unsigned v = 0; v < out->vectors; v++) {
        uint8_t g[16];
        if (paging_read_linear(mem, s,
                               out->base + (uint64_t)v * out->entry_size, g,
                               out->entry_size))
            break;
        uint64_t target;
        if (real) {
            target = ((uint64_t)(g[2] | g[3] << 8) << 4) + (g[0] | g[1] << 8);
        } else {
            target = (uint64_t)(g[0] | g[1] << 8) |
                     (uint64_t)(g[6] | g[7] << 8) << 16;
            if (wide)
                target |= (uint64_t)(g[8] | g[9] << 8 | g[10] << 16 |
                                     (uint32_t)g[11] << 24) << 32;
            if (v == 0)
                out->selector = g[2] | g[3] << 8;
            if (v == X86_EXC_DF && wide)
                out->df_ist = g[4] & 7;
        }
        if (target == LAYOUT_EXC_STUBS + v)
            out->to_stubs++;
    }
}

/* ---- layout ---- */

const struct explain_area explain_layout[] = {
    {0, "image: loaded at --load (default 0), entered at --entry"},
    {LAYOUT_RESULT_ADDR, "RESULT: built-in guests store 42 here"},
    {LAYOUT_GDT_BASE, "GDT (start of the loader's SYS area)"},
    {LAYOUT_PAGING_BASE, "CR3's table: PML4 (long, compat), PD (paged32), "
                         "PDPT (pae)"},
    {LAYOUT_PDPT_BASE, "PDPT (long, compat, la57)"},
    {LAYOUT_PD_BASE, "page directory for the first GiB"},
    {LAYOUT_IDT_BASE, "IDT (IVT in real mode): 256 vectors"},
    {LAYOUT_EXC_STUBS, "256 one-byte HLT handlers, one per vector"},
    {LAYOUT_EXC_TSS, "64-bit TSS: RSP0, IST1, I/O bitmap (64-bit IDTs)"},
    {LAYOUT_EXC_STACK_TOP, "top of the exception stacks"},
    {LAYOUT_HC_PAGE, "the host's hypercall page (exit_stats_ptr)"},
    {LAYOUT_SYS_END, "end of the SYS area"},
    {LAYOUT_STACK_TOP, "initial stack top (RSP), or RAM's end if lower"},
    {LAYOUT_LOW_RAM_END, "end of low RAM; the hole up to 4 GiB"},
};
const size_t explain_layout_count =
    sizeof(explain_layout) / sizeof(explain_layout[0]);

/* ---- text ---- */

static void print_seg(void *ctx, const struct explain_seg *g)
{
    FILE *out = ctx;

    if (!g->raw) {
        fprintf(out, "  0x%02x  %016llx  %s\n", g->selector, 0ULL, g->what);
        return;
    }
    fprintf(out,
            "  0x%02x  %016llx  base 0x%llx limit 0x%x type 0x%x DPL %u%s%s%s"
            "%s  %s\n",
            g->selector, (unsigned long long)g->raw,
            (unsigned long long)g->base, g->limit, g->type, g->dpl,
            g->present ? " P" : " not-present", g->l ? " L" : "",
            g->db ? " D/B" : "", g->g ? " G" : "", g->what);
}

static void size_text(uint64_t size, char *buf, size_t len)
{
    if (size >= X86_PAGE_1G)
        snprintf(buf, len, "%llu GiB", (unsigned long long)(size >> 30));
    else if (size >= X86_PAGE_2M)
        snprintf(buf, len, "%llu MiB", (unsigned long long)(size >> 20));
    else
        snprintf(buf, len, "%llu KiB", (unsigned long long)(size >> 10));
}

static void print_run(void *ctx, const struct explain_run *r)
{
    FILE *out = ctx;
    char flags[64], size[16], idx[32];

    explain_flags(r->flags, r->page_size != 0, flags, sizeof(flags));
    if (r->first == r->last)
        snprintf(idx, sizeof(idx), "[%u]", r->first);
    else
        snprintf(idx, sizeof(idx), "[%u-%u]", r->first, r->last);
    fprintf(out, "  %*s%s at 0x%llx %s: linear 0x%llx-0x%llx", (int)r->depth * 2,
            "", r->table, (unsigned long long)r->table_gpa, idx,
            (unsigned long long)r->linear, (unsigned long long)r->linear_end);
    if (r->page_size) {
        size_text(r->page_size, size, sizeof(size));
        fprintf(out, " -> physical 0x%llx, %s pages [%s]\n",
                (unsigned long long)r->target, size, flags);
    } else {
        fprintf(out, " -> next table at 0x%llx [%s]\n",
                (unsigned long long)r->target, flags);
    }
}

static void print_bit(void *ctx, const struct explain_bit *b)
{
    char name[24];

    snprintf(name, sizeof(name), "%s.%s", b->reg, b->name);
    fprintf(ctx, "  %-15s (bit %2u)  %s\n", name, b->bit, b->why);
}

void explain_print(FILE *out, const struct mode *mode,
                   const struct guestmem *mem, const struct kvm_sregs *s,
                   const struct kvm_regs *r)
{
    unsigned levels;
    const char *form = explain_paging_form(s, &levels);
    struct explain_idt idt;

    fprintf(out, "=== simple-kvm --explain: %s mode ===\n", mode->name);
    fprintf(out, "mode: %s\n", mode->summary);
    fprintf(out, "code: CS selector 0x%x, L=%u D=%u: %s\n", s->cs.selector,
            s->cs.l, s->cs.db,
            !(s->cr0 & X86_CR0_PE) ? "16-bit real-mode code"
            : s->cs.l              ? "64-bit code"
            : (s->efer & X86_EFER_LMA)
                ? (s->cs.db ? "32-bit code in compatibility mode"
                            : "16-bit code in compatibility mode")
            : s->cs.db ? "32-bit code" : "16-bit protected-mode code");
    /* Before a run: the entry point and the stack top. */
    fprintf(out, "RIP 0x%llx  RSP 0x%llx  RFLAGS 0x%llx\n",
            (unsigned long long)r->rip, (unsigned long long)r->rsp,
            (unsigned long long)r->rflags);

    fprintf(out, "control registers:\n  CR0 0x%llx  CR3 0x%llx  CR4 0x%llx  "
                 "EFER 0x%llx\n",
            (unsigned long long)s->cr0, (unsigned long long)s->cr3,
            (unsigned long long)s->cr4, (unsigned long long)s->efer);
    explain_cr_bits(s, print_bit, out);

    if (s->cr0 & X86_CR0_PE) {
        fprintf(out, "GDT at 0x%llx, limit 0x%x (%u entries):\n",
                (unsigned long long)s->gdt.base, s->gdt.limit,
                (s->gdt.limit + 1) / 8);
        if (!explain_gdt(mem, s, print_seg, out))
            fprintf(out, "  (not readable: outside RAM or unmapped)\n");
    } else {
        fprintf(out, "GDT: none (real mode: segment = selector * 16)\n");
    }

    explain_idt(mem, s, &idt);
    fprintf(out, "%s at 0x%llx, limit 0x%x: %u entries of %u bytes, %u lead "
                 "to the loader's HLT stubs at 0x%x + vector%s\n",
            idt.entry_size == X86_IVT_ENTRY_SIZE ? "IVT" : "IDT",
            (unsigned long long)idt.base, idt.limit, idt.vectors,
            idt.entry_size, idt.to_stubs, LAYOUT_EXC_STUBS,
            idt.ours ? "" : " (not the loader's IDT)");
    if (idt.entry_size != X86_IVT_ENTRY_SIZE)
        fprintf(out, "  gates: interrupt gates to selector 0x%x%s\n",
                idt.selector,
                idt.df_ist ? "; #DF on IST1, a stack of its own" : "");

    fprintf(out, "paging: %s", form);
    if (levels)
        fprintf(out, " (%u levels), CR3 -> 0x%llx\n", levels,
                (unsigned long long)s->cr3);
    else
        fprintf(out, " (CR0.PG clear: linear = physical)\n");
    explain_paging(mem, s, print_run, out);

    fprintf(out, "loader's area (core/layout.h):\n");
    for (size_t i = 0; i < explain_layout_count; i++)
        fprintf(out, "  0x%08llx  %s\n",
                (unsigned long long)explain_layout[i].gpa,
                explain_layout[i].what);
}
