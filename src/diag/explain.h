/* explain.h - --explain: what the loader built, told for a learner.
 *
 * Reads a vCPU's special registers and guest memory (read-only, nothing
 * kept) and decodes them: every GDT entry (base, limit, type, DPL, L,
 * D/B, G), the IDT or IVT, every paging structure in use (its address,
 * the entries in use and the linear ranges they map, with page size and
 * flags), CR0/CR4/EFER bit by bit with why the mode sets each, RIP/RSP
 * and the loader's area (core/layout.h). explain_print() renders it as
 * text; app/explain_json.c renders the same walks as one JSON object.
 */
#ifndef SKVM_DIAG_EXPLAIN_H
#define SKVM_DIAG_EXPLAIN_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/guestmem.h"
#include "modes/mode.h"

/* One GDT slot, decoded (SDM 3.4.5). A 64-bit system descriptor (TSS)
 * takes two slots: `wide`. */
struct explain_seg {
    unsigned selector;
    uint64_t raw;
    bool present, s, l, db, g, wide;
    unsigned type, dpl;
    uint64_t base;
    uint32_t limit; /* in bytes, G applied */
    const char *what; /* "null", "code", "data", "64-bit TSS", ... */
};

/* Calls fn for each GDT slot; false when the GDT is unreadable. */
bool explain_gdt(const struct guestmem *mem, const struct kvm_sregs *s,
                 void (*fn)(void *ctx, const struct explain_seg *seg),
                 void *ctx);

/* Consecutive entries of one paging structure that do the same thing:
 * map adjacent pages with the same flags, or (each alone) name the next
 * structure, which the walk visits right after (depth + 1). */
struct explain_run {
    unsigned depth;      /* 0: the structure CR3 names */
    const char *table;   /* "PML5", "PML4", "PDPT", "PD", "PT" */
    uint64_t table_gpa;
    unsigned first, last; /* entry indexes */
    unsigned width;      /* entry bytes: 4 or 8 */
    uint64_t linear, linear_end; /* inclusive */
    uint64_t target;     /* the first page, or the next structure */
    uint64_t page_size;  /* 0 when the entries name structures */
    uint64_t flags;      /* the first entry's non-address bits */
};

/* The paging form sregs select: "none", "32-bit", "PAE", "4-level",
 * "5-level"; with their number of levels. */
const char *explain_paging_form(const struct kvm_sregs *s, unsigned *levels);

/* Walks every structure in use from CR3 and calls fn per run. Entries
 * that are not present are skipped; structures outside RAM end the
 * branch. */
void explain_paging(const struct guestmem *mem, const struct kvm_sregs *s,
                    void (*fn)(void *ctx, const struct explain_run *run),
                    void *ctx);

/* "P RW PS XD": the entry's flag bits by name, into buf. */
const char *explain_flags(uint64_t flags, bool leaf, char *buf, size_t len);

/* A control-register bit that is set, with why simple-kvm's modes set it. */
struct explain_bit {
    const char *reg;  /* "CR0", "CR4", "EFER" */
    const char *name; /* "PG" */
    unsigned bit;
    const char *why;
};

/* Calls fn for each set bit of CR0, CR4 and EFER that has a name. */
void explain_cr_bits(const struct kvm_sregs *s,
                     void (*fn)(void *ctx, const struct explain_bit *b),
                     void *ctx);

/* The loader's IDT (or IVT): entry size, how many vectors lead to the
 * loader's own HLT stubs, gate 0's selector and #DF's IST. */
struct explain_idt {
    uint64_t base;
    unsigned limit, entry_size, vectors, to_stubs;
    unsigned selector, df_ist;
    bool ours; /* IDTR is the loader's */
};
void explain_idt(const struct guestmem *mem, const struct kvm_sregs *s,
                 struct explain_idt *out);

/* The loader's area (core/layout.h), one line each. */
struct explain_area {
    uint64_t gpa;
    const char *what;
};
extern const struct explain_area explain_layout[];
extern const size_t explain_layout_count;

/* The whole explanation as text. */
void explain_print(FILE *out, const struct mode *mode,
                   const struct guestmem *mem, const struct kvm_sregs *s,
                   const struct kvm_regs *r);

#endif
