/* exception.c - names and frames of guest exceptions (see exception.h). */
#include "core/exception.h"

#include <stdio.h>
#include <string.h>

#include "core/paging.h"
#include "core/x86.h"

static const struct {
    const char *mnemonic, *name;
    bool error_code;
} vectors[X86_EXC_COUNT] = {
    [X86_EXC_DE] = {"#DE", "divide error", false},
    [X86_EXC_DB] = {"#DB", "debug", false},
    [X86_EXC_NMI] = {"NMI", "non-maskable interrupt", false},
    [X86_EXC_BP] = {"#BP", "breakpoint", false},
    [X86_EXC_OF] = {"#OF", "overflow", false},
    [X86_EXC_BR] = {"#BR", "bound range exceeded", false},
    [X86_EXC_UD] = {"#UD", "invalid opcode", false},
    [X86_EXC_NM] = {"#NM", "device not available", false},
    [X86_EXC_DF] = {"#DF", "double fault", true},
    [X86_EXC_TS] = {"#TS", "invalid TSS", true},
    [X86_EXC_NP] = {"#NP", "segment not present", true},
    [X86_EXC_SS] = {"#SS", "stack-segment fault", true},
    [X86_EXC_GP] = {"#GP", "general protection", true},
    [X86_EXC_PF] = {"#PF", "page fault", true},
    [X86_EXC_MF] = {"#MF", "x87 floating-point error", false},
    [X86_EXC_AC] = {"#AC", "alignment check", true},
    [X86_EXC_MC] = {"#MC", "machine check", false},
    [X86_EXC_XM] = {"#XM", "SIMD floating-point exception", false},
    [X86_EXC_VE] = {"#VE", "virtualization exception", false},
    [X86_EXC_CP] = {"#CP", "control protection", true},
    [X86_EXC_HV] = {"#HV", "hypervisor injection", false},
    [X86_EXC_VC] = {"#VC", "VMM communication", true},
    [X86_EXC_SX] = {"#SX", "security exception", true},
};

const char *exception_mnemonic(unsigned vector, char *buf, size_t len)
{
    if (vector < X86_EXC_COUNT && vectors[vector].mnemonic)
        return vectors[vector].mnemonic;
    snprintf(buf, len, vector < X86_EXC_COUNT ? "#%u" : "int 0x%x", vector);
    return buf;
}

const char *exception_name(unsigned vector)
{
    if (vector >= X86_EXC_COUNT)
        return "interrupt";
    return vectors[vector].name ? vectors[vector].name : "reserved";
}

bool exception_has_error_code(unsigned vector)
{
    return vector < X86_EXC_COUNT && vectors[vector].error_code;
}

/* The bitness of the code running now (the handler's). */
static unsigned code_bits(const struct kvm_sregs *s)
{
    if (!(s->cr0 & X86_CR0_PE))
        return 16;
    return s->cs.l ? 64 : 32;
}

static uint64_t le(const uint8_t *p, unsigned width)
{
    uint64_t v = 0;

    for (unsigned i = width; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

/* What kind of instruction the bytes start, as far as CR0.EM/TS and
 * CR4.OSFXSR/OSXSAVE care (SDM vol. 2 opcode maps ). */
enum insn_class {
    INSN_OTHER,
    INSN_X87,   /* D8-DF escapes, WAIT, FXSAVE/FXRSTOR */
    INSN_MMX,   /* 0F opcodes on MM registers (no 66/F2/F3 prefix) */
    INSN_SSE,   /* 0F opcodes on XMM registers, LDMXCSR/STMXCSR */
    INSN_AVX,   /* VEX-encoded */
    INSN_XSAVE, /* XGETBV, XSETBV, XSAVE*, XRSTOR* */
};

#define INSN_MAX 15 /* the longest x86 instruction */
#define MODRM_REG(m) (((m) >> 3) & 7)
#define MODRM_IS_MEM(m) (((m) >> 6) != 3)

/* b: the bytes after 0F (n >= 1; a missing ModRM byte reads as 0). */
static enum insn_class classify_0f(const uint8_t *b, size_t n, bool simd)
{
    uint8_t op = b[0], m = n > 1 ? b[1] : 0;
    unsigned reg = MODRM_REG(m);

    if ((op >= 0x10 && op <= 0x17) || (op >= 0x28 && op <= 0x2F) ||
        (op >= 0x50 && op <= 0x5F) || op == 0xC2 || op == 0xC6)
        return INSN_SSE;
    if (op == 0x38 && m >= 0xF0)
        return INSN_OTHER; /* MOVBE, CRC32, ADCX... on general registers */
    if ((op == 0x38 && m >= 0xC8 && m <= 0xCD) || (op == 0x3A && m == 0xCC))
        return INSN_SSE; /* SHA: XMM without a prefix */
    if (op == 0x38 || op == 0x3A || (op >= 0x60 && op <= 0x77) ||
        (op >= 0x7C && op <= 0x7F) || op == 0xC4 || op == 0xC5 ||
        (op >= 0xD0 && op <= 0xFE))
        return simd ? INSN_SSE : INSN_MMX;
    if (op == 0xAE && MODRM_IS_MEM(m)) {
        if (reg <= 1)
            return INSN_X87; /* FXSAVE/FXRSTOR: #NM with EM or TS */
        if (reg <= 3)
            return INSN_SSE; /* LDMXCSR/STMXCSR */
        if (reg <= 5 || (reg == 6 && !simd))
            return INSN_XSAVE; /* XSAVE, XRSTOR, XSAVEOPT */
    }
    if (op == 0x01 && (m == 0xD0 || m == 0xD1))
        return INSN_XSAVE; /* XGETBV, XSETBV */
    if (op == 0xC7 && MODRM_IS_MEM(m) && reg >= 3 && reg <= 5)
        return INSN_XSAVE; /* XRSTORS, XSAVEC, XSAVES */
    return INSN_OTHER;
}

static enum insn_class classify(const uint8_t *b, size_t n, unsigned bits)
{
    bool simd = false; /* 66, F2 or F3: the SSE forms of 0F opcodes */
    size_t i = 0;

    for (; i < n; i++) {
        uint8_t p = b[i];
        if (p == 0x66 || p == 0xF2 || p == 0xF3)
            simd = true;
        else if (!(p == 0x26 || p == 0x2E || p == 0x36 || p == 0x3E ||
                   p == 0x64 || p == 0x65 || p == 0x67 || p == 0xF0 ||
                   (bits == 64 && (p & 0xF0) == 0x40)))
            break;
    }
    if (i >= n)
        return INSN_OTHER;
    if ((b[i] >= 0xD8 && b[i] <= 0xDF) || b[i] == 0x9B)
        return INSN_X87;
    /* VEX: in 64-bit code always, in 32-bit code where LES/LDS would
     * need a memory operand; never in real mode. */
    if ((b[i] == 0xC4 || b[i] == 0xC5) &&
        (bits == 64 || (bits == 32 && i + 1 < n && !MODRM_IS_MEM(b[i + 1]))))
        return INSN_AVX;
    if (b[i] != 0x0F || i + 1 >= n)
        return INSN_OTHER;
    return classify_0f(b + i + 1, n - i - 1, simd);
}

enum exception_fpu_cause exception_fpu_cause(unsigned vector,
                                             const uint8_t *insn, size_t len,
                                             unsigned bits, uint64_t cr0,
                                             uint64_t cr4)
{
    bool ud = vector == X86_EXC_UD, nm = vector == X86_EXC_NM;
    enum insn_class c = classify(insn, len, bits);

    if (nm && (cr0 & X86_CR0_TS) && c != INSN_OTHER)
        return EXC_FPU_TS;
    switch (c) {
    case INSN_X87:
        return nm && (cr0 & X86_CR0_EM) ? EXC_FPU_X87_EM : EXC_FPU_NONE;
    case INSN_MMX:
        return ud && (cr0 & X86_CR0_EM) ? EXC_FPU_MMX_EM : EXC_FPU_NONE;
    case INSN_SSE:
        if (ud && (cr0 & X86_CR0_EM))
            return EXC_FPU_SSE_EM;
        return ud && !(cr4 & X86_CR4_OSFXSR) ? EXC_FPU_SSE_NO_OSFXSR
                                              : EXC_FPU_NONE;
    case INSN_AVX:
        return ud && !(cr4 & X86_CR4_OSXSAVE) ? EXC_FPU_AVX_NO_OSXSAVE
                                               : EXC_FPU_NONE;
    case INSN_XSAVE:
        return ud && !(cr4 & X86_CR4_OSXSAVE) ? EXC_FPU_XSAVE_NO_OSXSAVE
                                               : EXC_FPU_NONE;
    case INSN_OTHER:
        break;
    }
    return EXC_FPU_NONE;
}

const char *exception_fpu_text(const struct exception_info *e)
{
    switch (e->fpu_cause) {
    case EXC_FPU_SSE_NO_OSFXSR:
        return e->bits == 16 ? "an SSE instruction with CR4.OSFXSR clear "
                               "(real mode runs with SSE off)"
                             : "an SSE instruction with CR4.OSFXSR clear "
                               "(SSE is off: --no-sse, or the guest cleared "
                               "it)";
    case EXC_FPU_SSE_EM:
        return "an SSE instruction with CR0.EM set (x87 emulation, which "
               "the guest set, turns SSE off)";
    case EXC_FPU_MMX_EM:
        return "an MMX instruction with CR0.EM set (x87 emulation, which "
               "the guest set)";
    case EXC_FPU_X87_EM:
        return "an x87 instruction with CR0.EM set (x87 emulation, which "
               "the guest set)";
    case EXC_FPU_TS:
        return "an x87/MMX/SSE instruction with CR0.TS set (task switched: "
               "the guest set it)";
    case EXC_FPU_AVX_NO_OSXSAVE:
        return "an AVX (VEX-encoded) instruction with CR4.OSXSAVE clear "
               "(set only where the guest CPUID offers XSAVE, not with "
               "--no-sse)";
    case EXC_FPU_XSAVE_NO_OSXSAVE:
        return "an XSAVE-family instruction (XGETBV, XSETBV, XSAVE, XRSTOR) "
               "with CR4.OSXSAVE clear (set only where the guest CPUID "
               "offers XSAVE, not with --no-sse)";
    case EXC_FPU_NONE:
        break;
    }
    return NULL;
}

/* e->fpu_cause for an #UD/#NM: the faulting instruction's bytes (as
 * many of the first 15 as are readable) against CR0/CR4. */
static void find_fpu_cause(const struct guestmem *mem,
                           const struct kvm_sregs *sregs,
                           struct exception_info *e)
{
    uint8_t insn[INSN_MAX];
    uint64_t lin;
    size_t n = 0;

    if (e->vector != X86_EXC_UD && e->vector != X86_EXC_NM)
        return;
    if (e->bits == 64)
        lin = e->rip;
    else if (e->bits == 16)
        lin = (e->cs << 4) + (uint16_t)e->rip;
    else if (e->restore_cs) /* compat mode: the frame's CS */
        lin = (uint32_t)(e->cs_base + e->rip);
    else if (e->cs == sregs->cs.selector) /* the loader's flat CS */
        lin = (uint32_t)(sregs->cs.base + e->rip);
    else
        return;
    while (n < sizeof(insn) &&
           paging_read_linear(mem, sregs, lin + n, &insn[n], 1) == 0)
        n++;
    e->fpu_cause = exception_fpu_cause(e->vector, insn, n, e->bits,
                                       sregs->cr0, sregs->cr4);
}

/* A 64-bit handler interrupted code on another CS: read that CS's
 * descriptor from the GDT; with L = 0 the code was compatibility mode
 * (D: 32- or 16-bit), and unwinding puts that CS back (SDM 5.2.1). */
static void compat_cs(const struct guestmem *mem, const struct kvm_sregs *s,
                      struct exception_info *e)
{
    uint64_t index = e->cs & ~UINT64_C(7), d;
    uint8_t raw[8];

    if ((e->cs & X86_SELERR_TI) || index + 7 > s->gdt.limit ||
        paging_read_linear(mem, s, s->gdt.base + index, raw,
                           sizeof(raw)) < 0)
        return;
    d = le(raw, sizeof(raw));
    /* Only a present code segment (S=1, type bit 3) can have been CS. */
    if (!(d & X86_BIT(X86_DESC_P_BIT)) || !(d & X86_BIT(X86_DESC_S_BIT)) ||
        !(d & X86_BIT(X86_DESC_TYPE_SHIFT + X86_SEG_TYPE_CODE_BIT)) ||
        (d & X86_BIT(X86_DESC_L_BIT)))
        return;
    e->restore_cs = true;
    e->cs_base = X86_DESC_BASE(d);
    e->bits = (d & X86_BIT(X86_DESC_DB_BIT)) ? 32 : 16;
}

void exception_from_stub(const struct guestmem *mem,
                         const struct kvm_sregs *sregs,
                         const struct kvm_regs *regs, unsigned vector,
                         struct exception_info *e)
{
    unsigned bits = code_bits(sregs);
    unsigned w = bits / 8; /* bytes per frame slot */
    bool errc = bits != 16 && exception_has_error_code(vector);
    unsigned slots = (errc ? 1 : 0) + (bits == 64 ? 5 : 3);
    uint8_t frame[6 * 8];

    *e = (struct exception_info){.vector = vector, .has_error_code = errc,
                                 .bits = bits, .cr2 = sregs->cr2};
    e->handler_rsp = bits == 64   ? regs->rsp
                     : bits == 32 ? (uint32_t)regs->rsp
                                  : (uint16_t)regs->rsp;
    if (bits == 16) {
        /* Real mode: each word at SS:(SP + k), wrapping in the segment. */
        for (unsigned k = 0; k < slots; k++) {
            uint64_t lin = sregs->ss.base +
                           (uint16_t)(e->handler_rsp + (uint64_t)k * w);
            if (paging_read_linear(mem, sregs, lin, frame + k * w, w) < 0)
                return;
        }
    } else {
        uint64_t lin = bits == 64 ? e->handler_rsp
                                  : (uint32_t)(sregs->ss.base + e->handler_rsp);
        if (paging_read_linear(mem, sregs, lin, frame, (size_t)slots * w) < 0)
            return;
    }
    const uint8_t *p = frame;
    if (errc) {
        e->error_code = (uint32_t)le(p, w);
        p += w;
    }
    e->rip = le(p, w);
    e->cs = le(p + w, w) & 0xFFFF;
    e->rflags = le(p + 2 * w, w);
    if (bits == 64) {
        e->rsp = le(p + 3 * w, w);
        e->ss = le(p + 4 * w, w) & 0xFFFF;
    } else {
        /* Same privilege: the stack simply pops back. */
        e->rsp = (e->handler_rsp + (uint64_t)slots * w) &
                 (bits == 32 ? UINT32_MAX : UINT16_MAX);
        e->ss = sregs->ss.selector;
    }
    e->frame_ok = true;
    if (bits == 64 && e->cs != sregs->cs.selector)
        compat_cs(mem, sregs, e);
    find_fpu_cause(mem, sregs, e);
}

void exception_unwind(const struct exception_info *e, struct kvm_regs *regs,
                      struct kvm_sregs *sregs)
{
    if (!e->frame_ok)
        return;
    regs->rip = e->rip;
    regs->rflags = e->rflags;
    if (e->bits == 64)
        regs->rsp = e->rsp;
    else if (e->bits == 32)
        regs->rsp = (regs->rsp & ~(uint64_t)UINT32_MAX) | e->rsp;
    else
        regs->rsp = (regs->rsp & ~(uint64_t)UINT16_MAX) | e->rsp;
    if (e->restore_cs) {
        sregs->cs.selector = (uint16_t)e->cs;
        sregs->cs.base = e->cs_base;
        sregs->cs.l = 0;
        sregs->cs.db = e->bits == 32;
    } else if (e->bits == 16) {
        sregs->cs.selector = (uint16_t)e->cs;
        sregs->cs.base = e->cs << 4;
    }
}

/* "write to a not-present page" etc. (SDM 4.7). */
static void describe_pf(uint32_t ec, char *buf, size_t len)
{
    const char *who = ec & X86_PF_U ? "user-mode " : "";
    const char *what = ec & X86_PF_I   ? "instruction fetch from"
                       : ec & X86_PF_W ? "write to"
                                       : "read from";
    const char *page = ec & X86_PF_RSVD ? "a page whose paging entry has a "
                                          "reserved bit set"
                       : ec & X86_PF_PK ? "a page its protection key forbids"
                       : (ec & X86_PF_P) && (ec & X86_PF_I)
                           ? "a no-execute page (XD with EFER.NXE, or SMEP)"
                       : ec & X86_PF_P  ? "a page that does not allow it"
                                        : "a not-present page";
    snprintf(buf, len, "%s%s %s", who, what, page);
}

/* "selector 0x1238 is past the GDT limit (0x17)" etc. (SDM 6.13). */
static void describe_selector(uint32_t ec, const struct kvm_sregs *s,
                              unsigned vector, char *buf, size_t len)
{
    unsigned index = ec >> X86_SELERR_INDEX_SHIFT;
    const char *ext = ec & X86_SELERR_EXT ? " (during an external event)" : "";

    if (ec & X86_SELERR_IDT) {
        snprintf(buf, len, "IDT entry %u (vector 0x%x) is %s%s", index, index,
                 (uint64_t)index * 8 + 7 > s->idt.limit ? "past the IDT limit"
                                                         : "not usable",
                 ext);
    } else if (ec & X86_SELERR_TI) {
        snprintf(buf, len, "selector 0x%x names LDT entry %u%s", ec & 0xFFFF,
                 index, ext);
    } else if ((uint64_t)index * 8 + 7 > s->gdt.limit) {
        snprintf(buf, len, "selector 0x%x is past the GDT limit (0x%x)%s",
                 ec & 0xFFFF, s->gdt.limit, ext);
    } else {
        snprintf(buf, len, "selector 0x%x (GDT entry %u) %s%s", ec & 0xFFFF,
                 index,
                 vector == X86_EXC_NP ? "is not present" : "cannot be used here",
                 ext);
    }
}

/* Real mode's CPU exceptions are vectors 0-7, #SS and #GP (a segment
 * offset past 0xFFFF); #MF needs CR0.NE. The rest of 8-31 are the PC's
 * IRQs and BIOS services (int 0x10, 0x13 ...): software interrupts. */
static bool cpu_exception(unsigned vector, unsigned bits)
{
    if (bits == 16)
        return vector < X86_EXC_DF || vector == X86_EXC_SS ||
               vector == X86_EXC_GP;
    return vector < X86_EXC_COUNT;
}

bool exception_is_cpu(const struct exception_info *e)
{
    return cpu_exception(e->vector, e->bits);
}

const char *exception_label(const struct exception_info *e, char *buf,
                            size_t len)
{
    if (exception_is_cpu(e))
        return exception_mnemonic(e->vector, buf, len);
    snprintf(buf, len, "int 0x%x", e->vector);
    return buf;
}

bool exception_is_trap(const struct exception_info *e)
{
    return !exception_is_cpu(e) || e->vector == X86_EXC_BP ||
           e->vector == X86_EXC_OF;
}

void exception_describe(const struct exception_info *e,
                        const struct kvm_sregs *sregs, char *buf, size_t len)
{
    char mn[16], code[24] = "", detail[256] = "";
    const char *m = exception_label(e, mn, sizeof(mn));
    const char *sym_open = e->rip_symbol[0] ? " (" : "";
    const char *sym_close = e->rip_symbol[0] ? ")" : "";
    bool selector_code = e->vector == X86_EXC_TS || e->vector == X86_EXC_NP ||
                         e->vector == X86_EXC_SS || e->vector == X86_EXC_GP;

    if (!cpu_exception(e->vector, e->bits)) {
        if (!e->frame_ok)
            snprintf(buf, len, "guest raised %s with no handler installed "
                               "(simple-kvm provides no BIOS or OS); its "
                               "stack at 0x%llx is not readable",
                     m, (unsigned long long)e->handler_rsp);
        else
            snprintf(buf, len, "guest raised %s with no handler installed "
                               "(simple-kvm provides no BIOS or OS), "
                               "returning to RIP 0x%llx%s%s%s",
                     m, (unsigned long long)e->rip, sym_open, e->rip_symbol,
                     sym_close);
        return;
    }
    if (e->has_error_code && selector_code && e->error_code)
        snprintf(code, sizeof(code), "(0x%x)", e->error_code);
    if (!e->frame_ok) {
        snprintf(buf, len, "guest raised %s%s (vector %u, %s); its stack at "
                           "0x%llx is not readable, so where is unknown",
                 m, code, e->vector, exception_name(e->vector),
                 (unsigned long long)e->handler_rsp);
        return;
    }
    if (e->vector == X86_EXC_PF) {
        char pf[96];
        describe_pf(e->error_code, pf, sizeof(pf));
        snprintf(detail, sizeof(detail), ": %s, CR2 = 0x%llx, error code 0x%x",
                 pf, (unsigned long long)e->cr2, e->error_code);
    } else if (selector_code && e->error_code) {
        char sel[128];
        describe_selector(e->error_code, sregs, e->vector, sel, sizeof(sel));
        snprintf(detail, sizeof(detail), ": %s", sel);
    } else if (e->vector == X86_EXC_DF) {
        snprintf(detail, sizeof(detail),
                 ": another exception could not be delivered (RSP was "
                 "0x%llx: can it take an exception frame?)",
                 (unsigned long long)e->rsp);
    } else if (exception_fpu_text(e)) {
        snprintf(detail, sizeof(detail), ": %s", exception_fpu_text(e));
    }
    snprintf(buf, len, "guest raised %s%s (vector %u, %s) at RIP 0x%llx%s%s%s%s",
             m, code, e->vector, exception_name(e->vector),
             (unsigned long long)e->rip, sym_open, e->rip_symbol, sym_close,
             detail);
}
