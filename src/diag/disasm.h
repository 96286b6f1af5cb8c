/* disasm.h - guest instructions around RIP, disassembled with Capstone in
 * the bitness the vCPU was in (16, 32 or 64).
 *
 * x86 cannot be disassembled backwards reliably, so disasm_around() tries
 * each start point in the bytes before RIP, earliest first, and keeps the
 * first whose instruction stream lands exactly on RIP; then it continues
 * past RIP. The instruction at RIP is marked. If no start point lines up,
 * disassembly starts at RIP itself.
 */
#ifndef SKVM_DISASM_H
#define SKVM_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISASM_MAX_LINES 16
#define DISASM_MAX_INSN_BYTES 15 /* longest x86 instruction */

struct disasm_line {
    uint64_t addr; /* linear address of the instruction */
    uint8_t bytes[DISASM_MAX_INSN_BYTES];
    unsigned len;
    char text[200]; /* "div rcx": Capstone mnemonic + operands */
    bool at_rip;
    bool port_io;    /* IN/OUT/INS/OUTS */
    bool halt;       /* HLT */
    bool mem_access; /* has a memory operand (Intel syntax "[...]") */
    const char *simd; /* "x87", "MMX", "SSE" or "AVX" (Capstone's groups)
                         for a floating-point or vector instruction; NULL */
};

struct disasm {
    unsigned n;
    struct disasm_line lines[DISASM_MAX_LINES];
    bool rip_found; /* a line is marked at_rip */
    unsigned rip_index; /* lines[rip_index].at_rip, when rip_found */
};

/* code[0..len) holds the bytes at linear address `base`; rip is in
 * [base, base + len). `after` instructions are shown from RIP on.
 * 0, or -1 (with `why`) when Capstone cannot be opened or the bitness is
 * not 16/32/64. */
int disasm_around(const uint8_t *code, size_t len, uint64_t base,
                  uint64_t rip, unsigned bits, unsigned after,
                  struct disasm *out, char *why, size_t why_len);

#endif
