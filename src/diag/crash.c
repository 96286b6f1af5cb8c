/* crash.c - capturing the vCPU's state at a fault and telling it. */
#include "diag/crash.h"

#include <stdio.h>
#include <string.h>

#include "diag/disasm.h"
#include "kvm/exit_reasons.h"
#include "core/paging.h"
#include "kvm/vcpu.h"
#include "core/x86.h"

/* Segment descriptor type field (SDM 3.4.5.1): S=1 bits. */
#define SEG_TYPE_CODE 0x8     /* code (else data) */
#define SEG_TYPE_CONFORM 0x4  /* code: conforming; data: expand-down */
#define SEG_TYPE_READ 0x2     /* code: readable; data: writable */
#define SEG_TYPE_ACCESSED 0x1

static const struct crash_flag cr0_names[] = {
    {X86_CR0_PE_BIT, "PE"}, {X86_CR0_MP_BIT, "MP"}, {X86_CR0_EM_BIT, "EM"},
    {X86_CR0_TS_BIT, "TS"}, {X86_CR0_ET_BIT, "ET"}, {X86_CR0_NE_BIT, "NE"},
    {X86_CR0_WP_BIT, "WP"}, {X86_CR0_AM_BIT, "AM"}, {X86_CR0_NW_BIT, "NW"},
    {X86_CR0_CD_BIT, "CD"}, {X86_CR0_PG_BIT, "PG"},
};
static const struct crash_flag cr4_names[] = {
    {X86_CR4_VME_BIT, "VME"},         {X86_CR4_PVI_BIT, "PVI"},
    {X86_CR4_TSD_BIT, "TSD"},         {X86_CR4_DE_BIT, "DE"},
    {X86_CR4_PSE_BIT, "PSE"},         {X86_CR4_PAE_BIT, "PAE"},
    {X86_CR4_MCE_BIT, "MCE"},         {X86_CR4_PGE_BIT, "PGE"},
    {X86_CR4_PCE_BIT, "PCE"},         {X86_CR4_OSFXSR_BIT, "OSFXSR"},
    {X86_CR4_OSXMMEXCPT_BIT, "OSXMMEXCPT"}, {X86_CR4_UMIP_BIT, "UMIP"},
    {X86_CR4_LA57_BIT, "LA57"},       {X86_CR4_VMXE_BIT, "VMXE"},
    {X86_CR4_SMXE_BIT, "SMXE"},       {X86_CR4_FSGSBASE_BIT, "FSGSBASE"},
    {X86_CR4_PCIDE_BIT, "PCIDE"},     {X86_CR4_OSXSAVE_BIT, "OSXSAVE"},
    {X86_CR4_SMEP_BIT, "SMEP"},       {X86_CR4_SMAP_BIT, "SMAP"},
    {X86_CR4_PKE_BIT, "PKE"},
};
static const struct crash_flag efer_names[] = {
    {X86_EFER_SCE_BIT, "SCE"},   {X86_EFER_LME_BIT, "LME"},
    {X86_EFER_LMA_BIT, "LMA"},   {X86_EFER_NXE_BIT, "NXE"},
    {X86_EFER_SVME_BIT, "SVME"}, {X86_EFER_LMSLE_BIT, "LMSLE"},
    {X86_EFER_FFXSR_BIT, "FFXSR"},
};
static const struct crash_flag rflags_names[] = {
    {X86_RFLAGS_CF_BIT, "CF"}, {X86_RFLAGS_PF_BIT, "PF"},
    {X86_RFLAGS_AF_BIT, "AF"}, {X86_RFLAGS_ZF_BIT, "ZF"},
    {X86_RFLAGS_SF_BIT, "SF"}, {X86_RFLAGS_TF_BIT, "TF"},
    {X86_RFLAGS_IF_BIT, "IF"}, {X86_RFLAGS_DF_BIT, "DF"},
    {X86_RFLAGS_OF_BIT, "OF"}, {X86_RFLAGS_RF_BIT, "RF"},
    {X86_RFLAGS_VM_BIT, "VM"},
    {X86_RFLAGS_AC_BIT, "AC"},
};
#define FLAGS(t) {t, sizeof(t) / sizeof(t[0])}
const struct crash_flags crash_cr0_flags = FLAGS(cr0_names);
const struct crash_flags crash_cr4_flags = FLAGS(cr4_names);
const struct crash_flags crash_efer_flags = FLAGS(efer_names);
const struct crash_flags crash_rflags_flags = FLAGS(rflags_names);

static const char *const system_types[16] = {
    [1] = "16-bit TSS (available)", [2] = "LDT",
    [3] = "16-bit TSS (busy)",      [4] = "16-bit call gate",
    [5] = "task gate",              [6] = "16-bit interrupt gate",
    [7] = "16-bit trap gate",       [9] = "32/64-bit TSS (available)",
    [11] = "32/64-bit TSS (busy)",  [12] = "32/64-bit call gate",
    [14] = "32/64-bit interrupt gate", [15] = "32/64-bit trap gate",
};

/* One byte at a linear address, through the guest's paging. */
static int read_linear(const struct vm *vm, const struct kvm_sregs *s,
                       uint64_t lin, uint8_t *byte, uint64_t *phys,
                       char *why, size_t why_len)
{
    struct paging_walk w = {0};
    enum paging_status st = paging_translate(&vm->mem, s, lin, &w);
    uint64_t pa = w.gpa;

    if (st != PAGING_OK) {
        if (st == PAGING_NOT_PRESENT || st == PAGING_TABLE_NOT_RAM)
            snprintf(why, why_len, "%s (entry at 0x%llx)",
                     paging_status_text(st), (unsigned long long)w.entry_gpa);
        else
            snprintf(why, why_len, "%s", paging_status_text(st));
        return -1;
    }
    if (guestmem_read(&vm->mem, pa, byte, 1) < 0) {
        snprintf(why, why_len, "physical 0x%llx is not RAM",
                 (unsigned long long)pa);
        return -1;
    }
    if (phys)
        *phys = pa;
    return 0;
}

static void capture_code(const struct vm *vm, struct crash_state *c)
{
    const struct kvm_sregs *s = &c->sregs;
    uint8_t after[CRASH_CODE_AFTER], before[CRASH_CODE_BEFORE];
    unsigned n_after = 0, n_before = 0;
    char ignored[128];
    uint64_t lin = c->rip_linear;

    if (read_linear(vm, s, lin, &after[0], &c->rip_phys, c->unmapped_why,
                    sizeof(c->unmapped_why)) < 0)
        return;
    c->rip_mapped = true;
    for (n_after = 1; n_after < CRASH_CODE_AFTER; n_after++)
        if (lin + n_after < lin ||
            read_linear(vm, s, lin + n_after, &after[n_after], NULL, ignored,
                        sizeof(ignored)) < 0)
            break;
    while (n_before < CRASH_CODE_BEFORE && lin > n_before &&
           read_linear(vm, s, lin - n_before - 1,
                       &before[CRASH_CODE_BEFORE - n_before - 1], NULL,
                       ignored, sizeof(ignored)) == 0)
        n_before++;
    memcpy(c->code, before + CRASH_CODE_BEFORE - n_before, n_before);
    memcpy(c->code + n_before, after, n_after);
    c->code_base = lin - n_before;
    c->code_len = n_before + n_after;
}

void crash_capture(const struct vm *vm, struct crash_state *c)
{
    const struct kvm_run *run = vm->run;

    memset(c, 0, sizeof(*c));
    c->exit_reason = run->exit_reason;
    switch (run->exit_reason) {
    case KVM_EXIT_INTERNAL_ERROR:
        c->internal_suberror = run->internal.suberror;
        break;
    case KVM_EXIT_FAIL_ENTRY:
        c->fail_entry_reason = run->fail_entry.hardware_entry_failure_reason;
        break;
    case KVM_EXIT_MMIO:
        c->mmio_addr = run->mmio.phys_addr;
        c->mmio_len = run->mmio.len;
        c->mmio_write = run->mmio.is_write;
        break;
    case KVM_EXIT_IO:
        c->io_port = run->io.port;
        c->io_size = run->io.size;
        c->io_out = run->io.direction == KVM_EXIT_IO_OUT;
        break;
    }
    c->have_exception = vm->have_exception;
    c->exception = vm->exception;
    struct skvm_err ignored; /* no registers: the report says less */
    if (vcpu_get_regs(vm, &c->regs, &ignored) < 0 ||
        vcpu_get_sregs(vm, &c->sregs, &ignored) < 0)
        return;
    c->have_regs = true;
    c->reset_state = c->exit_reason == KVM_EXIT_SHUTDOWN &&
                     vcpu_is_reset_state(&c->regs, &c->sregs);
    c->bits = vcpu_code_bits(&c->sregs, c->regs.rflags);
    c->rip_linear = vcpu_linear_rip(&c->sregs, &c->regs);
    capture_code(vm, c);
}

/* A little-endian word of `width` bytes at a linear address. */
static int read_linear_word(const struct vm *vm, const struct kvm_sregs *s,
                            uint64_t lin, unsigned width, uint64_t *value,
                            char *why, size_t why_len)
{
    uint64_t v = 0;

    for (unsigned i = width; i-- > 0;) {
        uint8_t b;
        if (lin + i < lin ||
            read_linear(vm, s, lin + i, &b, NULL, why, why_len) < 0)
            return -1;
        v = (v << 8) | b;
    }
    *value = v;
    return 0;
}

void crash_backtrace(const struct vm *vm, struct crash_state *c)
{
    unsigned w = c->bits == VCPU_BITS_64 ? 8 : 4;
    uint64_t fp = c->bits == VCPU_BITS_64 ? c->regs.rbp
                                          : (uint32_t)c->regs.rbp;
    char why[128];

    c->n_frames = 0;
    c->have_backtrace = false;
    /* 16-bit code has segmented frames: not followed. */
    if (!c->have_regs || c->reset_state || c->bits == 16)
        return;
    c->have_backtrace = true;
    /* [fp] is the caller's saved frame pointer, [fp + w] the return
     * address (push rbp; mov rbp, rsp). */
    for (;;) {
        uint64_t next, ret;
        if (fp == 0) {
            snprintf(c->backtrace_end, sizeof(c->backtrace_end),
                     "frame pointer 0: the outermost frame");
            return;
        }
        if (c->n_frames == CRASH_MAX_FRAMES) {
            snprintf(c->backtrace_end, sizeof(c->backtrace_end),
                     "stopped after %d frames", CRASH_MAX_FRAMES);
            return;
        }
        if (fp % w) {
            snprintf(c->backtrace_end, sizeof(c->backtrace_end),
                     "frame pointer 0x%llx is not aligned: built without "
                     "frame pointers?",
                     (unsigned long long)fp);
            return;
        }
        if (read_linear_word(vm, &c->sregs, fp, w, &next, why,
                             sizeof(why)) < 0 ||
            read_linear_word(vm, &c->sregs, fp + w, w, &ret, why,
                             sizeof(why)) < 0) {
            snprintf(c->backtrace_end, sizeof(c->backtrace_end),
                     "frame at 0x%llx cannot be read: %.80s",
                     (unsigned long long)fp, why);
            return;
        }
        if (ret == 0) {
            snprintf(c->backtrace_end, sizeof(c->backtrace_end),
                     "return address 0 at 0x%llx: the outermost frame",
                     (unsigned long long)(fp + w));
            return;
        }
        c->frames[c->n_frames++] = ret;
        /* The stack grows down: a caller's frame lies above. */
        if (next != 0 && next <= fp) {
            snprintf(c->backtrace_end, sizeof(c->backtrace_end),
                     "saved frame pointer 0x%llx at 0x%llx is not above it: "
                     "the chain is broken",
                     (unsigned long long)next, (unsigned long long)fp);
            return;
        }
        fp = next;
    }
}

/* "PE MP ET" into buf; "" when none. */
static const char *flag_list(uint64_t v, const struct crash_flags *fl,
                             char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < fl->n && used < len; i++)
        if (v & X86_BIT(fl->f[i].bit))
            used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                     used ? " " : "", fl->f[i].name);
    return buf;
}

const char *crash_seg_type(const struct kvm_segment *s, char *buf,
                            size_t len)
{
    if (!s->s) {
        const char *t = system_types[s->type & 0xF];
        snprintf(buf, len, "system: %s", t ? t : "reserved");
    } else if (s->type & SEG_TYPE_CODE) {
        snprintf(buf, len, "code, execute%s%s%s",
                 s->type & SEG_TYPE_READ ? "/read" : "-only",
                 s->type & SEG_TYPE_CONFORM ? ", conforming" : "",
                 s->type & SEG_TYPE_ACCESSED ? ", accessed" : "");
    } else {
        snprintf(buf, len, "data, read%s%s%s",
                 s->type & SEG_TYPE_READ ? "/write" : "-only",
                 s->type & SEG_TYPE_CONFORM ? ", expand-down" : "",
                 s->type & SEG_TYPE_ACCESSED ? ", accessed" : "");
    }
    return buf;
}

static void print_seg(FILE *out, const char *name, const struct kvm_segment *s)
{
    char type[64];

    fprintf(out,
            "  %-4s sel 0x%04x base 0x%016llx limit 0x%08x type 0x%x (%s) "
            "dpl %u%s%s%s%s%s%s\n",
            name, s->selector, (unsigned long long)s->base, s->limit, s->type,
            crash_seg_type(s, type, sizeof(type)), s->dpl, s->present ? " P" : "",
            s->db ? " D/B" : "", s->l ? " L" : "", s->g ? " G" : "",
            s->avl ? " AVL" : "", s->unusable ? " unusable" : "");
}

static void print_regs(const struct crash_state *c, FILE *out)
{
    const struct kvm_regs *r = &c->regs;
    char flags[96], sym[SYMBOLS_NAME_MAX + 24];

    fprintf(out, "registers:\n");
    fprintf(out, "  rax 0x%016llx  rbx 0x%016llx  rcx 0x%016llx\n",
            (unsigned long long)r->rax, (unsigned long long)r->rbx,
            (unsigned long long)r->rcx);
    fprintf(out, "  rdx 0x%016llx  rsi 0x%016llx  rdi 0x%016llx\n",
            (unsigned long long)r->rdx, (unsigned long long)r->rsi,
            (unsigned long long)r->rdi);
    fprintf(out, "  rbp 0x%016llx  rsp 0x%016llx\n",
            (unsigned long long)r->rbp, (unsigned long long)r->rsp);
    if (c->bits == VCPU_BITS_64) {
        fprintf(out, "  r8  0x%016llx  r9  0x%016llx  r10 0x%016llx\n",
                (unsigned long long)r->r8, (unsigned long long)r->r9,
                (unsigned long long)r->r10);
        fprintf(out, "  r11 0x%016llx  r12 0x%016llx  r13 0x%016llx\n",
                (unsigned long long)r->r11, (unsigned long long)r->r12,
                (unsigned long long)r->r13);
        fprintf(out, "  r14 0x%016llx  r15 0x%016llx\n",
                (unsigned long long)r->r14, (unsigned long long)r->r15);
    }
    fprintf(out, "  rip 0x%016llx  rflags 0x%llx [%s]",
            (unsigned long long)r->rip, (unsigned long long)r->rflags,
            flag_list(r->rflags, &crash_rflags_flags, flags, sizeof(flags)));
    if (c->bits != 16 && symbols_name(c->syms, c->rip_linear, sym, sizeof(sym)))
        fprintf(out, "  rip is %s", sym);
    fputc('\n', out);
}

static void print_system(const struct crash_state *c, FILE *out)
{
    const struct kvm_sregs *s = &c->sregs;
    char flags[160];

    fprintf(out, "segments:\n");
    print_seg(out, "cs", &s->cs);
    print_seg(out, "ds", &s->ds);
    print_seg(out, "es", &s->es);
    print_seg(out, "fs", &s->fs);
    print_seg(out, "gs", &s->gs);
    print_seg(out, "ss", &s->ss);
    print_seg(out, "tr", &s->tr);
    print_seg(out, "ldt", &s->ldt);
    fprintf(out, "control registers:\n");
    fprintf(out, "  cr0  0x%08llx [%s]\n", (unsigned long long)s->cr0,
            flag_list(s->cr0, &crash_cr0_flags, flags, sizeof(flags)));
    fprintf(out, "  cr2  0x%llx (last page-fault address)\n",
            (unsigned long long)s->cr2);
    fprintf(out, "  cr3  0x%llx (page-table root)\n",
            (unsigned long long)s->cr3);
    fprintf(out, "  cr4  0x%08llx [%s]\n", (unsigned long long)s->cr4,
            flag_list(s->cr4, &crash_cr4_flags, flags, sizeof(flags)));
    fprintf(out, "  efer 0x%08llx [%s]\n", (unsigned long long)s->efer,
            flag_list(s->efer, &crash_efer_flags, flags, sizeof(flags)));
    fprintf(out, "  gdtr base 0x%llx limit 0x%x\n",
            (unsigned long long)s->gdt.base, s->gdt.limit);
    fprintf(out, "  idtr base 0x%llx limit 0x%x%s\n",
            (unsigned long long)s->idt.base, s->idt.limit,
            s->idt.limit == 0 ? " (empty: no exception can be delivered)"
                              : "");
}

/* Exits KVM reports after the instruction ran (or while it completes):
 * RIP may already be past it, depending on the host. */
static bool exit_after_insn(const struct crash_state *c)
{
    if (c->have_exception)
        return exception_is_trap(&c->exception);
    return c->exit_reason == KVM_EXIT_IO || c->exit_reason == KVM_EXIT_MMIO ||
           c->exit_reason == KVM_EXIT_HLT;
}

static bool insn_matches_exit(const struct crash_state *c,
                              const struct disasm_line *l)
{
    if (c->have_exception) /* a trap: the instruction just before */
        return !l->at_rip;
    switch (c->exit_reason) {
    case KVM_EXIT_IO: return l->port_io;
    case KVM_EXIT_MMIO: return l->mem_access;
    case KVM_EXIT_HLT: return l->halt;
    default: return false;
    }
}

/* Which shown instruction caused the exit. A fault leaves RIP on the
 * faulting instruction (SDM 6.5: faults are reported before it runs).
 * Port I/O, MMIO and HLT exits are different: KVM may already have moved
 * RIP past the instruction, so take RIP's own instruction if it does
 * that kind of thing, else the one before it. -1 when none fits. */
int crash_culprit_line(const struct crash_state *c, const struct disasm *d)
{
    unsigned r = d->rip_index;

    if (!d->rip_found)
        return -1;
    if (!exit_after_insn(c))
        return (int)r;
    if (insn_matches_exit(c, &d->lines[r]))
        return (int)r;
    if (r > 0 && insn_matches_exit(c, &d->lines[r - 1]))
        return (int)(r - 1);
    return -1;
}

int crash_host_limit(const struct crash_state *c, struct skvm_err *err)
{
    struct disasm d;
    char why[128];

    if (c->exit_reason != KVM_EXIT_INTERNAL_ERROR ||
        c->internal_suberror != KVM_INTERNAL_ERROR_EMULATION ||
        c->have_exception || !c->rip_mapped ||
        disasm_around(c->code, c->code_len, c->code_base, c->rip_linear,
                      c->bits, 1, &d, why, sizeof(why)) < 0 ||
        !d.rip_found || !d.lines[d.rip_index].simd)
        return 0;
    const struct disasm_line *l = &d.lines[d.rip_index];
    skvm_fail(err, SKVM_HOST,
              "this host's KVM cannot emulate %s instructions: '%s' at RIP "
              "0x%llx ended in an emulation failure "
              "(KVM_EXIT_INTERNAL_ERROR); hardware KVM runs them natively",
              l->simd, l->text, (unsigned long long)c->regs.rip);
    return 1;
}

static const char *line_note(const struct crash_state *c, bool at_rip,
                             bool culprit)
{
    bool after = exit_after_insn(c);

    if (at_rip && culprit)
        return after ? "<-- RIP, caused this exit"
                     : "<-- RIP, faulting instruction";
    if (culprit)
        return "<-- caused this exit (RIP has moved past it)";
    if (at_rip)
        return after ? "<-- RIP (next instruction)" : "<-- RIP";
    return "";
}

static void print_code(const struct crash_state *c, FILE *out)
{
    struct disasm d;
    char why[128];

    fprintf(out, "code (%u-bit): CS base 0x%llx + RIP 0x%llx = linear 0x%llx",
            c->bits, (unsigned long long)c->sregs.cs.base,
            (unsigned long long)c->regs.rip,
            (unsigned long long)c->rip_linear);
    if (!c->rip_mapped) {
        fprintf(out, ", which cannot be read: %s\n", c->unmapped_why);
        return;
    }
    fprintf(out, ", physical 0x%llx\n", (unsigned long long)c->rip_phys);
    if (disasm_around(c->code, c->code_len, c->code_base, c->rip_linear,
                      c->bits, CRASH_INSNS_AFTER, &d, why, sizeof(why)) < 0) {
        fprintf(out, "  (no disassembly: %s)\n", why);
        return;
    }
    int culprit = crash_culprit_line(c, &d);
    for (unsigned i = 0; i < d.n; i++) {
        const struct disasm_line *l = &d.lines[i];
        bool is_culprit = (int)i == culprit;
        char hex[3 * DISASM_MAX_INSN_BYTES + 1] = "";
        char sym[SYMBOLS_NAME_MAX + 24];
        /* objdump's style: a label where a function starts, and where
         * the listing starts inside one. */
        if (c->bits != 16 &&
            symbols_name(c->syms, l->addr, sym, sizeof(sym)) &&
            (i == 0 || !strchr(sym, '+')))
            fprintf(out, "  <%s>:\n", sym);
        for (unsigned b = 0; b < l->len; b++)
            snprintf(hex + 3 * b, sizeof(hex) - 3 * b, "%02x ", l->bytes[b]);
        fprintf(out, "  %s 0x%08llx: %-24s %-28s %s\n",
                is_culprit ? "=>" : l->at_rip ? "->" : "  ",
                (unsigned long long)l->addr, hex, l->text,
                line_note(c, l->at_rip, is_culprit));
    }
    if (!d.rip_found)
        fprintf(out, "  => 0x%08llx: %02x ... (not a valid %u-bit "
                     "instruction)\n",
                (unsigned long long)c->rip_linear,
                c->code[c->rip_linear - c->code_base], c->bits);
}

static void print_backtrace(const struct crash_state *c, FILE *out)
{
    char sym[SYMBOLS_NAME_MAX + 24];

    int digits = c->bits == VCPU_BITS_64 ? 16 : 8;

    /* #0 is where the CPU is; the rest are return addresses, so they
     * point just past each call. */
    fprintf(out, "backtrace (frame pointers):\n");
    symbols_name(c->syms, c->rip_linear, sym, sizeof(sym));
    fprintf(out, "  #0  0x%0*llx  %s\n", digits,
            (unsigned long long)c->rip_linear, sym[0] ? sym : "?");
    for (unsigned i = 0; i < c->n_frames; i++) {
        symbols_name(c->syms, c->frames[i], sym, sizeof(sym));
        fprintf(out, "  #%-2u 0x%0*llx  %s\n", i + 1, digits,
                (unsigned long long)c->frames[i], sym[0] ? sym : "?");
    }
    fprintf(out, "  (end: %s)\n", c->backtrace_end);
}

static void print_detail(const struct crash_state *c, FILE *out)
{
    switch (c->exit_reason) {
    case KVM_EXIT_INTERNAL_ERROR:
        fprintf(out, "detail:  suberror %u%s\n", c->internal_suberror,
                c->internal_suberror == KVM_INTERNAL_ERROR_EMULATION
                    ? " (emulation failure)"
                    : "");
        break;
    case KVM_EXIT_FAIL_ENTRY:
        fprintf(out, "detail:  hardware entry failure reason 0x%llx\n",
                (unsigned long long)c->fail_entry_reason);
        break;
    case KVM_EXIT_MMIO:
        fprintf(out, "detail:  %s of %u bytes at guest-physical 0x%llx\n",
                c->mmio_write ? "write" : "read", c->mmio_len,
                (unsigned long long)c->mmio_addr);
        break;
    case KVM_EXIT_IO:
        fprintf(out, "detail:  %u-bit %s on port 0x%x\n", c->io_size * 8u,
                c->io_out ? "OUT" : "IN", c->io_port);
        break;
    }
}

static void print_exception(const struct crash_state *c, FILE *out)
{
    const struct exception_info *e = &c->exception;
    char mn[16];

    fprintf(out, "exception: %s (vector %u, %s)",
            exception_label(e, mn, sizeof(mn)), e->vector,
            exception_is_cpu(e) ? exception_name(e->vector)
                                : "software interrupt");
    if (e->has_error_code)
        fprintf(out, ", error code 0x%x", e->error_code);
    if (e->vector == X86_EXC_PF)
        fprintf(out, ", CR2 0x%llx", (unsigned long long)e->cr2);
    fputc('\n', out);
    if (exception_fpu_text(e))
        fprintf(out, "cause:   %s\n", exception_fpu_text(e));
    if (e->frame_ok)
        fprintf(out, "meaning: the CPU delivered it to the loader's default "
                     "handler (the guest installed no IDT of its own); the "
                     "registers below are taken from the frame it pushed, "
                     "at the instruction that raised it\n");
    else
        fprintf(out, "meaning: the CPU delivered it to the loader's default "
                     "handler, but the frame it pushed at stack pointer "
                     "0x%llx cannot be read: the registers below are the "
                     "handler's\n",
                (unsigned long long)e->handler_rsp);
}

void crash_print(const struct crash_state *c, const char *title, FILE *out)
{
    const char *name = exit_reason_name(c->exit_reason);

    fprintf(out, "=== simple-kvm crash report (%s) ===\n", title);
    if (c->have_exception) {
        print_exception(c, out);
    } else if (name)
        fprintf(out, "exit:    %s\n", name);
    else
        fprintf(out, "exit:    reason %u\n", c->exit_reason);
    if (!c->have_exception) {
        fprintf(out, "meaning: %s\n", exit_reason_meaning(c->exit_reason));
        print_detail(c, out);
    }
    if (c->reset_state)
        fprintf(out, "note:    the host reset the vCPU after the shutdown "
                     "(AMD SVM does), so the registers below are the "
                     "power-on state, not the faulting ones\n");
    if (!c->have_regs) {
        fprintf(out, "(the vCPU's registers could not be read)\n");
    } else {
        print_regs(c, out);
        print_system(c, out);
        print_code(c, out);
        if (c->have_backtrace)
            print_backtrace(c, out);
    }
    if (c->hint[0])
        fprintf(out, "hint:    %s\n", c->hint);
    fprintf(out, "=== end of crash report ===\n");
}
