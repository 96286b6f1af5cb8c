/* test_exception.c - naming an exception from the frame the CPU pushed
 * (core/exception.h), on a plain buffer: the frame layouts of 64-bit,
 * 32-bit and real mode, unwinding to the faulting instruction, and the
 * one-line descriptions with their decoded error codes.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "core/exception.h"
#include "core/x86.h"

#define RAM 0x10000
#define STACK 0x8000

static uint8_t ram[RAM];

struct frame_test {
    struct guestmem mem;
    struct kvm_sregs sregs;
    struct kvm_regs regs;
};

/* The handler's state: CS as the mode has it, the stack at STACK (no
 * paging: linear = physical). */
static void init(struct frame_test *t, unsigned bits)
{
    memset(ram, 0, sizeof(ram));
    memset(t, 0, sizeof(*t));
    t->mem = (struct guestmem){.host = ram, .size = RAM};
    t->sregs.cr0 = bits == 16 ? 0 : X86_CR0_PE;
    t->sregs.cs.l = bits == 64;
    t->sregs.cs.db = bits == 32;
    t->sregs.cs.selector = bits == 16 ? 0 : 0x08;
    t->sregs.gdt.limit = 0x17;
    t->regs.rsp = STACK;
}

static void put(uint64_t at, uint64_t v, unsigned width)
{
    for (unsigned i = 0; i < width; i++)
        ram[at + i] = (uint8_t)(v >> (8 * i));
}

Test(exception, long_mode_page_fault_frame_and_line)
{
    struct frame_test t;
    struct exception_info e;
    char line[512];

    init(&t, 64);
    t.sregs.cr2 = 0x40000000008;
    /* error code, RIP, CS, RFLAGS, RSP, SS */
    put(STACK, X86_PF_W, 8);
    put(STACK + 8, 0x10000a, 8);
    put(STACK + 16, 0x08, 8);
    put(STACK + 24, 0x246, 8);
    put(STACK + 32, 0x1ff000, 8);
    put(STACK + 40, 0x10, 8);
    exception_from_stub(&t.mem, &t.sregs, &t.regs, X86_EXC_PF, &e);
    cr_assert(e.frame_ok && e.has_error_code);
    cr_assert_eq(e.error_code, X86_PF_W);
    cr_assert_eq(e.rip, 0x10000a);
    cr_assert_eq(e.rsp, 0x1ff000);
    cr_assert_eq(e.rflags, 0x246);
    exception_describe(&e, &t.sregs, line, sizeof(line));
    cr_assert_str_eq(line, "guest raised #PF (vector 14, page fault) at RIP "
                           "0x10000a: write to a not-present page, CR2 = "
                           "0x40000000008, error code 0x2");
    exception_unwind(&e, &t.regs, &t.sregs);
    cr_assert_eq(t.regs.rip, 0x10000a);
    cr_assert_eq(t.regs.rsp, 0x1ff000);
    cr_assert_eq(t.regs.rflags, 0x246);
}

/* Compatibility mode: the 64-bit handler (CS 0x28) finds a frame whose
 * CS (0x08) is a 32-bit code segment in the GDT; the code that faulted
 * was 32-bit, and unwinding puts that CS back. */
Test(exception, compat_mode_frame_restores_32bit_cs)
{
    struct frame_test t;
    struct exception_info e;
    char line[512];

    init(&t, 64);
    t.sregs.cs.selector = 0x28;
    t.sregs.efer = X86_EFER_LME | X86_EFER_LMA;
    t.sregs.gdt.base = 0x1000;
    t.sregs.gdt.limit = 0x2F;
    put(0x1000 + 0x08, UINT64_C(0x00CF9B000000FFFF), 8); /* 32-bit code */
    put(0x1000 + 0x28, UINT64_C(0x00AF9B000000FFFF), 8); /* 64-bit code */
    /* #UD: no error code. RIP, CS, RFLAGS, RSP, SS, 8 bytes each. */
    put(STACK, 0x10, 8);
    put(STACK + 8, 0x08, 8);
    put(STACK + 16, 0x10002, 8);
    put(STACK + 24, 0x200000, 8);
    put(STACK + 32, 0x10, 8);
    exception_from_stub(&t.mem, &t.sregs, &t.regs, X86_EXC_UD, &e);
    cr_assert(e.frame_ok && e.restore_cs);
    cr_assert_eq(e.bits, 32, "the faulting code was 32-bit");
    cr_assert_eq(e.rip, 0x10);
    cr_assert_eq(e.rsp, 0x200000);
    exception_describe(&e, &t.sregs, line, sizeof(line));
    cr_assert_str_eq(line, "guest raised #UD (vector 6, invalid opcode) at "
                           "RIP 0x10");
    exception_unwind(&e, &t.regs, &t.sregs);
    cr_assert_eq(t.sregs.cs.selector, 0x08);
    cr_assert(!t.sregs.cs.l && t.sregs.cs.db);
    cr_assert_eq(t.regs.rip, 0x10);
    cr_assert_eq(t.regs.rsp, 0x200000);

    /* A frame CS that is no code segment (here: null) is left alone. */
    init(&t, 64);
    t.sregs.cs.selector = 0x28;
    put(STACK + 8, 0x10, 8);
    exception_from_stub(&t.mem, &t.sregs, &t.regs, X86_EXC_UD, &e);
    cr_assert(!e.restore_cs);
    cr_assert_eq(e.bits, 64);
}

Test(exception, page_fault_bits_decoded)
{
    static const struct {
        uint32_t ec;
        const char *text;
    } cases[] = {
        {0, "read from a not-present page"},
        {X86_PF_P | X86_PF_W, "write to a page that does not allow it"},
        {X86_PF_U | X86_PF_I, "user-mode instruction fetch from a not-present"},
        {X86_PF_P | X86_PF_RSVD, "reserved bit set"},
        {X86_PF_P | X86_PF_PK, "protection key"},
        {X86_PF_P | X86_PF_I, "instruction fetch from a no-execute page"},
    };
    struct frame_test t;
    struct exception_info e;
    char line[512];

    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        init(&t, 64);
        put(STACK, cases[i].ec, 8);
        exception_from_stub(&t.mem, &t.sregs, &t.regs, X86_EXC_PF, &e);
        exception_describe(&e, &t.sregs, line, sizeof(line));
        cr_assert(strstr(line, cases[i].text), "%#x: %s", cases[i].ec, line);
    }
}

Test(exception, selector_error_codes_decoded)
{
    struct frame_test t;
    struct exception_info e;
    char line[512];

    init(&t, 32);
    put(STACK, 0x1238, 4); /* index 0x247, GDT, not external */
    put(STACK + 4, 0x4, 4);
    put(STACK + 8, 0x08, 4);
    put(STACK + 12, 0x2, 4);
    exception_from_stub(&t.mem, &t.sregs, &t.regs, X86_EXC_GP, &e);
    exception_describe(&e, &t.sregs, line, sizeof(line));
    cr_assert_str_eq(line, "guest raised #GP(0x1238) (vector 13, general "
                           "protection) at RIP 0x4: selector 0x1238 is past "
                           "the GDT limit (0x17)");
    /* Same privilege: ESP pops back over the four words. */
    cr_assert_eq(e.rsp, STACK + 16);

    put(STACK, 0x10 | X86_SELERR_EXT, 4); /* GDT entry 2, external */
    exception_from_stub(&t.mem, &t.sregs, &t.regs, X86_EXC_NP, &e);
    exception_describe(&e, &t.sregs, line, sizeof(line));
    cr_assert(strstr(line, "#NP(0x11)") && strstr(line, "GDT entry 2") &&
                  strstr(line, "is not present") &&
                  strstr(line, "external event"),
              "%s", line);

    put(STACK, (0x80 << 3) | X86_SELERR_IDT, 4); /* IDT vector 0x80 */
    t.sregs.idt.limit = 0xFF;
    exception_from_stub(&t.mem, &t.sregs, &t.regs, X86_EXC_GP, &e);
    exception_describe(&e, &t.sregs, line, sizeof(line));
    cr_assert(strstr(line, "IDT entry 128 (vector 0x80) is past the IDT "
                           "limit"),
              "%s", line);
}

Test(exception, real_mode_frame_and_software_interrupts)
{
    struct frame_test t;
    struct exception_info e;
    char line[512];

    init(&t, 16);
    t.sregs.ss.base = 0;
    t.regs.rsp = 0xFFFA; /* IP, CS, FLAGS: the last wraps to SS:0 */
    put(0xFFFA, 0x0010, 2);
    put(0xFFFC, 0x0020, 2);
    put(0xFFFE, 0x0202, 2);
    exception_from_stub(&t.mem, &t.sregs, &t.regs, X86_EXC_DE, &e);
    cr_assert(e.frame_ok && !e.has_error_code, "no error codes in real mode");
    cr_assert_eq(e.rip, 0x10);
    cr_assert_eq(e.cs, 0x20);
    cr_assert_eq(e.rsp, 0, "SP 0xFFFA + 6 wraps to 0");
    exception_describe(&e, &t.sregs, line, sizeof(line));
    cr_assert_str_eq(line,
                     "guest raised #DE (vector 0, divide error) at RIP 0x10");
    exception_unwind(&e, &t.regs, &t.sregs);
    cr_assert_eq(t.sregs.cs.selector, 0x20);
    cr_assert_eq(t.sregs.cs.base, 0x200);

    /* int 0x10 in real mode is a BIOS call, not #MF. */
    exception_from_stub(&t.mem, &t.sregs, &t.regs, 0x10, &e);
    cr_assert(!exception_is_cpu(&e) && exception_is_trap(&e));
    exception_describe(&e, &t.sregs, line, sizeof(line));
    cr_assert(strstr(line, "int 0x10 with no handler installed"), "%s",
              line);
    /* In protected mode vector 16 is #MF. */
    init(&t, 32);
    exception_from_stub(&t.mem, &t.sregs, &t.regs, X86_EXC_MF, &e);
    exception_describe(&e, &t.sregs, line, sizeof(line));
    cr_assert(strstr(line, "#MF (vector 16"), "%s", line);
}

Test(exception, unreadable_stack_says_where_it_was)
{
    struct frame_test t;
    struct exception_info e;
    char line[512];

    init(&t, 64);
    t.regs.rsp = 0x40000000000; /* outside RAM */
    exception_from_stub(&t.mem, &t.sregs, &t.regs, X86_EXC_UD, &e);
    cr_assert(!e.frame_ok);
    exception_describe(&e, &t.sregs, line, sizeof(line));
    cr_assert(strstr(line, "#UD") && strstr(line, "0x40000000000") &&
                  strstr(line, "not readable"),
              "%s", line);
    struct kvm_regs before = t.regs;
    exception_unwind(&e, &t.regs, &t.sregs);
    cr_assert(memcmp(&before, &t.regs, sizeof(before)) == 0,
              "nothing to unwind to");
}

Test(exception, names_and_error_code_vectors)
{
    char buf[16];

    cr_assert_str_eq(exception_mnemonic(X86_EXC_UD, buf, sizeof(buf)), "#UD");
    cr_assert_str_eq(exception_mnemonic(15, buf, sizeof(buf)), "#15");
    cr_assert_str_eq(exception_mnemonic(0x80, buf, sizeof(buf)), "int 0x80");
    cr_assert_str_eq(exception_name(X86_EXC_DF), "double fault");
    unsigned with[] = {8, 10, 11, 12, 13, 14, 17, 21, 29, 30};
    for (unsigned v = 0; v < 32; v++) {
        bool want = false;
        for (unsigned i = 0; i < sizeof(with) / sizeof(with[0]); i++)
            want |= with[i] == v;
        cr_assert_eq(exception_has_error_code(v), want, "vector %u", v);
    }
}

/* ---- #UD/#NM from x87/MMX/SSE/AVX under CR0/CR4 (issue 14) ---- */

#define CAUSE(vec, bits, cr0, cr4, ...)                                        \
    exception_fpu_cause((vec), (const uint8_t[]){__VA_ARGS__},                 \
                        sizeof((const uint8_t[]){__VA_ARGS__}), (bits), (cr0), \
                        (cr4))
#define OSFXSR X86_CR4_OSFXSR
#define OSXSAVE X86_CR4_OSXSAVE

Test(exception, fpu_cause_from_the_instruction)
{
    /* movdqa xmm1, [rip+0x2b7]: SSE, with CR4.OSFXSR clear or set */
    cr_assert_eq(CAUSE(X86_EXC_UD, 64, 0, 0, 0x66, 0x0f, 0x6f, 0x0d, 0xb7,
                       0x02, 0, 0),
                 EXC_FPU_SSE_NO_OSFXSR);
    cr_assert_eq(CAUSE(X86_EXC_UD, 64, 0, OSFXSR, 0x66, 0x0f, 0x6f, 0x0d),
                 EXC_FPU_NONE, "SSE was on: another reason");
    cr_assert_eq(CAUSE(X86_EXC_UD, 32, X86_CR0_EM, OSFXSR, 0x0f, 0x28, 0xc1),
                 EXC_FPU_SSE_EM, "movaps with CR0.EM");
    /* prefixes: paddd xmm8, xmm0 behind 66 REX; movss behind F3 and a
     * segment override; REX is no prefix outside 64-bit code */
    cr_assert_eq(CAUSE(X86_EXC_UD, 64, 0, 0, 0x66, 0x44, 0x0f, 0xfe, 0xc0),
                 EXC_FPU_SSE_NO_OSFXSR);
    cr_assert_eq(CAUSE(X86_EXC_UD, 32, 0, 0, 0x2e, 0xf3, 0x0f, 0x10, 0x00),
                 EXC_FPU_SSE_NO_OSFXSR);
    cr_assert_eq(CAUSE(X86_EXC_UD, 16, 0, 0, 0x66, 0x0f, 0xef, 0xc0),
                 EXC_FPU_SSE_NO_OSFXSR, "pxor xmm0 in real mode");
    /* MMX needs no OSFXSR, only EM clear; ldmxcsr is SSE */
    cr_assert_eq(CAUSE(X86_EXC_UD, 32, 0, 0, 0x0f, 0xfe, 0xc1), EXC_FPU_NONE);
    cr_assert_eq(CAUSE(X86_EXC_UD, 32, X86_CR0_EM, 0, 0x0f, 0xfe, 0xc1),
                 EXC_FPU_MMX_EM);
    cr_assert_eq(CAUSE(X86_EXC_UD, 64, 0, 0, 0x0f, 0xae, 0x10),
                 EXC_FPU_SSE_NO_OSFXSR);
    /* not SSE: ud2, lfence, movbe, an empty read */
    cr_assert_eq(CAUSE(X86_EXC_UD, 64, 0, 0, 0x0f, 0x0b), EXC_FPU_NONE);
    cr_assert_eq(CAUSE(X86_EXC_UD, 64, 0, 0, 0x0f, 0xae, 0xe8), EXC_FPU_NONE);
    cr_assert_eq(CAUSE(X86_EXC_UD, 64, 0, 0, 0x0f, 0x38, 0xf0, 0x00),
                 EXC_FPU_NONE);
    cr_assert_eq(exception_fpu_cause(X86_EXC_UD, NULL, 0, 64, 0, 0),
                 EXC_FPU_NONE);
    /* x87 and #NM: EM for x87, TS for all of them */
    cr_assert_eq(CAUSE(X86_EXC_NM, 32, X86_CR0_EM, 0, 0xd9, 0xe8),
                 EXC_FPU_X87_EM, "fld1 with EM");
    cr_assert_eq(CAUSE(X86_EXC_NM, 64, X86_CR0_TS, OSFXSR, 0x66, 0x0f, 0x6f,
                       0xc1),
                 EXC_FPU_TS);
    cr_assert_eq(CAUSE(X86_EXC_NM, 64, X86_CR0_TS, 0, 0x90), EXC_FPU_NONE);
    /* VEX (vaddps) and XGETBV need CR4.OSXSAVE; C5 in 32-bit code with a
     * memory operand is LDS */
    cr_assert_eq(CAUSE(X86_EXC_UD, 64, 0, OSFXSR, 0xc5, 0xf8, 0x58, 0xc1),
                 EXC_FPU_AVX_NO_OSXSAVE);
    cr_assert_eq(CAUSE(X86_EXC_UD, 32, 0, OSFXSR, 0xc5, 0xf8, 0x58, 0xc1),
                 EXC_FPU_AVX_NO_OSXSAVE);
    cr_assert_eq(CAUSE(X86_EXC_UD, 32, 0, 0, 0xc5, 0x06, 0, 0), EXC_FPU_NONE);
    cr_assert_eq(CAUSE(X86_EXC_UD, 64, 0, OSFXSR | OSXSAVE, 0xc5, 0xf8, 0x58,
                       0xc1),
                 EXC_FPU_NONE);
    cr_assert_eq(CAUSE(X86_EXC_UD, 64, 0, OSFXSR, 0x0f, 0x01, 0xd0),
                 EXC_FPU_XSAVE_NO_OSXSAVE);
    /* only #UD and #NM */
    cr_assert_eq(CAUSE(X86_EXC_GP, 64, 0, 0, 0x66, 0x0f, 0x6f, 0xc1),
                 EXC_FPU_NONE);
}

/* The whole path: the frame, the bytes at the faulting RIP, the line. */
Test(exception, sse_with_osfxsr_clear_named_in_the_line)
{
    struct frame_test t;
    struct exception_info e;
    char line[512];

    init(&t, 64);
    put(STACK, 0x100, 8); /* RIP */
    put(STACK + 8, 0x08, 8);
    put(STACK + 16, 0x2, 8);
    put(STACK + 24, 0x1ff000, 8);
    put(STACK + 32, 0x10, 8);
    put(0x100, 0xfe0f66, 3); /* paddd xmm0, xmm0 */
    ram[0x103] = 0xc0;
    exception_from_stub(&t.mem, &t.sregs, &t.regs, X86_EXC_UD, &e);
    cr_assert_eq(e.fpu_cause, EXC_FPU_SSE_NO_OSFXSR);
    exception_describe(&e, &t.sregs, line, sizeof(line));
    cr_assert_str_eq(line, "guest raised #UD (vector 6, invalid opcode) at "
                           "RIP 0x100: an SSE instruction with CR4.OSFXSR "
                           "clear (SSE is off: --no-sse, or the guest "
                           "cleared it)");
    /* SSE on: #UD for some other reason, no cause */
    t.sregs.cr4 = X86_CR4_OSFXSR;
    exception_from_stub(&t.mem, &t.sregs, &t.regs, X86_EXC_UD, &e);
    cr_assert_null(exception_fpu_text(&e));
    exception_describe(&e, &t.sregs, line, sizeof(line));
    cr_assert_str_eq(line, "guest raised #UD (vector 6, invalid opcode) at "
                           "RIP 0x100");
    /* Real mode: CS:IP from the frame, and it says real mode has no SSE */
    init(&t, 16);
    put(STACK, 0x0010, 2);  /* IP */
    put(STACK + 2, 0x0010, 2); /* CS: linear 0x110 */
    put(STACK + 4, 0x0002, 2);
    put(0x110, 0x0f66, 2);  /* pxor xmm0, xmm0 */
    put(0x112, 0xc0ef, 2);
    exception_from_stub(&t.mem, &t.sregs, &t.regs, X86_EXC_UD, &e);
    cr_assert_str_eq(exception_fpu_text(&e),
                     "an SSE instruction with CR4.OSFXSR clear (real mode "
                     "runs with SSE off)");
}
