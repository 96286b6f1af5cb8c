/* mode_expect.h - what each mode's setup must build, as data.
 *
 * One table shared by the setup unit tests (tests/unit/test_setup.c,
 * against a plain buffer) and the --explain run tests
 * (tests/run/test_explain.c, against what the real vCPU got), so the two
 * can never disagree about a mode. CR4 here is the mode's own bits,
 * without the SSE bits mode_fpu_setup adds.
 */
#ifndef SKVM_TEST_MODE_EXPECT_H
#define SKVM_TEST_MODE_EXPECT_H

#include <stdint.h>
#include <string.h>

#include "core/layout.h"
#include "core/x86.h"

/* Where CR3 points. */
enum expect_root {
    ROOT_NONE,     /* no paging: CR3 unused (0) */
    ROOT_SYS,      /* LAYOUT_PAGING_BASE */
    ROOT_TOP_LOW,  /* the last page of low RAM (la57's PML5) */
};

struct mode_expect {
    const char *mode;
    uint64_t cr0, cr4, efer;
    enum expect_root root;
    unsigned paging_levels; /* 0, 2 (32-bit), 3 (PAE), 4, 5 */
    uint64_t code_desc;     /* the GDT's 0x08 entry; 0 in real mode */
    uint8_t cs_l, cs_db;
    uint16_t gdt_limit;     /* GDTR.limit; 0 in real mode (untouched) */
    uint16_t handler_cs;    /* selector of the loader's IDT gates */
    unsigned gate_size;     /* IDT entry bytes: 4 (IVT), 8, 16 */
    unsigned leaf_size_kib; /* the loader's page size: 4096, 2048 */
};

#define EXPECT_DESC_CODE32 UINT64_C(0x00CF9B000000FFFF)
#define EXPECT_DESC_CODE64 UINT64_C(0x00AF9B000000FFFF)
#define EXPECT_DESC_DATA   UINT64_C(0x00CF93000000FFFF)

static const struct mode_expect mode_expect_table[] = {
    {"long", X86_CR0_PAGED, X86_CR4_PAE, X86_EFER_LME | X86_EFER_LMA,
     ROOT_SYS, 4, EXPECT_DESC_CODE64, 1, 0, 0x27, 0x08, 16, 2048},
    {"protected", X86_CR0_PROTECTED, 0, 0, ROOT_NONE, 0, EXPECT_DESC_CODE32,
     0, 1, 0x17, 0x08, 8, 0},
    {"paged32", X86_CR0_PAGED, X86_CR4_PSE, 0, ROOT_SYS, 2,
     EXPECT_DESC_CODE32, 0, 1, 0x17, 0x08, 8, 4096},
    {"real", X86_CR0_ET, 0, 0, ROOT_NONE, 0, 0, 0, 0, 0, 0, 4, 0},
    {"pae", X86_CR0_PAGED, X86_CR4_PAE, X86_EFER_NXE, ROOT_SYS, 3,
     EXPECT_DESC_CODE32, 0, 1, 0x17, 0x08, 8, 2048},
    {"compat", X86_CR0_PAGED, X86_CR4_PAE, X86_EFER_LME | X86_EFER_LMA,
     ROOT_SYS, 4, EXPECT_DESC_CODE32, 0, 1, 0x2F, 0x28, 16, 2048},
    {"la57", X86_CR0_PAGED, X86_CR4_PAE | X86_CR4_LA57,
     X86_EFER_LME | X86_EFER_LMA, ROOT_TOP_LOW, 5, EXPECT_DESC_CODE64, 1, 0,
     0x27, 0x08, 16, 2048},
};

static inline const struct mode_expect *mode_expect_find(const char *mode)
{
    for (size_t i = 0;
         i < sizeof(mode_expect_table) / sizeof(mode_expect_table[0]); i++)
        if (strcmp(mode_expect_table[i].mode, mode) == 0)
            return &mode_expect_table[i];
    return NULL;
}

/* CR3 the setup gives with `low` bytes of low RAM. */
static inline uint64_t mode_expect_cr3(const struct mode_expect *e,
                                       uint64_t low)
{
    return e->root == ROOT_SYS       ? LAYOUT_PAGING_BASE
           : e->root == ROOT_TOP_LOW ? low - X86_PAGE_4K
                                     : 0;
}

#endif
