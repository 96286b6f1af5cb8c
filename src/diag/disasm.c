/* disasm.c - Capstone over a window of guest code bytes. */
#include "diag/disasm.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

static int cs_mode_for(unsigned bits, cs_mode *mode)
{
    switch (bits) {
    case 16: *mode = CS_MODE_16; return 0;
    case 32: *mode = CS_MODE_32; return 0;
    case 64: *mode = CS_MODE_64; return 0;
    default: return -1;
    }
}

/* Does a linear decode from `start` hit `rip` exactly? */
static bool lands_on(csh h, cs_insn *insn, const uint8_t *code, size_t len,
                     uint64_t base, uint64_t start, uint64_t rip)
{
    const uint8_t *p = code + (start - base);
    size_t left = len - (size_t)(start - base);
    uint64_t addr = start;

    while (addr < rip && cs_disasm_iter(h, &p, &left, &addr, insn))
        ;
    return addr == rip;
}

/* IN/OUT and their string forms, with or without a REP prefix. */
static bool is_port_io(const char *mnemonic)
{
    static const char *const io[] = {"in",    "insb",  "insw",  "insd",
                                     "out",   "outsb", "outsw", "outsd"};
    static const char rep[] = "rep ";

    if (strncmp(mnemonic, rep, sizeof(rep) - 1) == 0)
        mnemonic += sizeof(rep) - 1;
    for (size_t i = 0; i < sizeof(io) / sizeof(io[0]); i++)
        if (strcmp(mnemonic, io[i]) == 0)
            return true;
    return false;
}

/* The instruction family a host's instruction emulator may lack, from
 * Capstone's groups (needs CS_OPT_DETAIL). */
static const char *simd_family(csh h, const cs_insn *insn)
{
    static const struct {
        int group;
        const char *name;
    } families[] = {
        {X86_GRP_AVX, "AVX"},       {X86_GRP_AVX2, "AVX"},
        {X86_GRP_AVX512, "AVX"},    {X86_GRP_FMA, "AVX"},
        {X86_GRP_F16C, "AVX"},      {X86_GRP_SSE1, "SSE"},
        {X86_GRP_SSE2, "SSE"},      {X86_GRP_SSE3, "SSE"},
        {X86_GRP_SSSE3, "SSE"},     {X86_GRP_SSE41, "SSE"},
        {X86_GRP_SSE42, "SSE"},     {X86_GRP_SSE4A, "SSE"},
        {X86_GRP_AES, "SSE"},       {X86_GRP_PCLMUL, "SSE"},
        {X86_GRP_SHA, "SSE"},       {X86_GRP_MMX, "MMX"},
        {X86_GRP_3DNOW, "MMX"},     {X86_GRP_FPU, "x87"},
    };

    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
        if (cs_insn_group(h, insn, (unsigned)families[i].group))
            return families[i].name;
    return NULL;
}

static void add_line(struct disasm *out, csh h, const cs_insn *insn,
                     uint64_t rip)
{
    struct disasm_line *l = &out->lines[out->n++];

    l->addr = insn->address;
    l->len = insn->size < DISASM_MAX_INSN_BYTES ? insn->size
                                                : DISASM_MAX_INSN_BYTES;
    memcpy(l->bytes, insn->bytes, l->len);
    snprintf(l->text, sizeof(l->text), "%s%s%s", insn->mnemonic,
             insn->op_str[0] ? " " : "", insn->op_str);
    l->at_rip = insn->address == rip;
    l->port_io = is_port_io(insn->mnemonic);
    l->halt = strcmp(insn->mnemonic, "hlt") == 0;
    l->mem_access = strchr(insn->op_str, '[') != NULL;
    l->simd = simd_family(h, insn);
    if (l->at_rip) {
        out->rip_found = true;
        out->rip_index = out->n - 1;
    }
}

int disasm_around(const uint8_t *code, size_t len, uint64_t base,
                  uint64_t rip, unsigned bits, unsigned after,
                  struct disasm *out, char *why, size_t why_len)
{
    cs_mode mode;
    csh h;
    cs_insn *insn;
    uint64_t start = rip;

    memset(out, 0, sizeof(*out));
    if (cs_mode_for(bits, &mode) < 0) {
        snprintf(why, why_len, "no disassembler for %u-bit code", bits);
        return -1;
    }
    if (rip < base || rip - base >= len) {
        snprintf(why, why_len, "RIP is outside the code bytes read");
        return -1;
    }
    if (cs_open(CS_ARCH_X86, mode, &h) != CS_ERR_OK) {
        snprintf(why, why_len, "Capstone cannot open x86 %u-bit", bits);
        return -1;
    }
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON); /* groups, for simd */
    insn = cs_malloc(h);
    if (!insn) {
        cs_close(&h);
        snprintf(why, why_len, "Capstone is out of memory");
        return -1;
    }
    for (uint64_t s = base; s < rip; s++)
        if (lands_on(h, insn, code, len, base, s, rip)) {
            start = s;
            break;
        }

    const uint8_t *p = code + (start - base);
    size_t left = len - (size_t)(start - base);
    uint64_t addr = start;
    unsigned past_rip = 0;
    while (out->n < DISASM_MAX_LINES && past_rip < after &&
           cs_disasm_iter(h, &p, &left, &addr, insn)) {
        /* Keep the tail of the lead-in if it is long: RIP must fit. */
        if (insn->address < rip && out->n == DISASM_MAX_LINES - after) {
            memmove(out->lines, out->lines + 1,
                    (out->n - 1) * sizeof(out->lines[0]));
            out->n--; /* before RIP, so rip_index is not yet set */
        }
        add_line(out, h, insn, rip);
        if (insn->address >= rip)
            past_rip++;
    }
    cs_free(insn, 1);
    cs_close(&h);
    return 0;
}
