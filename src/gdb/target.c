/* target.c - registers, memory and breakpoints of the one vCPU for gdb. */
#include "gdb/target.h"

#include <string.h>

#include "core/guestmem.h"
#include "core/paging.h"
#include "core/x86.h"
#include "kvm/vcpu.h"

void gdbtarget_init(struct gdbtarget *t, struct vm *vm,
                    const struct mode *mode, FILE *notes)
{
    *t = (struct gdbtarget){
        .vm = vm,
        .mode = mode,
        .notes = notes,
        .arch = mode->word_size == 8   ? GDB_ARCH_AMD64
                : mode->word_size == 2 ? GDB_ARCH_I8086
                                       : GDB_ARCH_I386,
    };
}

static int get_sregs(struct gdbtarget *t, struct kvm_sregs *sregs)
{
    struct skvm_err ignored;

    return vcpu_get_sregs(t->vm, sregs, &ignored);
}

static int t_get_cpu(void *ctx, struct gdb_cpu *cpu)
{
    struct gdbtarget *t = ctx;
    struct kvm_regs r;
    struct kvm_sregs s;
    struct skvm_err ignored;

    if (vcpu_get_regs(t->vm, &r, &ignored) < 0 || get_sregs(t, &s) < 0)
        return -1;
    *cpu = (struct gdb_cpu){.reg = {
        [GDB_RAX] = r.rax, [GDB_RBX] = r.rbx, [GDB_RCX] = r.rcx,
        [GDB_RDX] = r.rdx, [GDB_RSI] = r.rsi, [GDB_RDI] = r.rdi,
        [GDB_RBP] = r.rbp, [GDB_RSP] = r.rsp, [GDB_R8] = r.r8,
        [GDB_R9] = r.r9, [GDB_R10] = r.r10, [GDB_R11] = r.r11,
        [GDB_R12] = r.r12, [GDB_R13] = r.r13, [GDB_R14] = r.r14,
        [GDB_R15] = r.r15, [GDB_RIP] = r.rip, [GDB_RFLAGS] = r.rflags,
        [GDB_CS] = s.cs.selector, [GDB_SS] = s.ss.selector,
        [GDB_DS] = s.ds.selector, [GDB_ES] = s.es.selector,
        [GDB_FS] = s.fs.selector, [GDB_GS] = s.gs.selector,
    }};
    /* gdb has no segments: in real mode its pc is the linear address
     * CS*16 + IP, so breakpoints and x/i $pc name the right bytes. */
    if (t->arch == GDB_ARCH_I8086)
        cpu->reg[GDB_RIP] += s.cs.base;
    return 0;
}

/* General registers, RIP and RFLAGS are written; segment registers are
 * read-only here (loading one needs a descriptor, not just a number). */
static int t_set_cpu(void *ctx, const struct gdb_cpu *cpu)
{
    struct gdbtarget *t = ctx;
    struct kvm_regs r;
    struct kvm_sregs s;
    struct skvm_err ignored;
    const uint64_t *v = cpu->reg;

    if (vcpu_get_regs(t->vm, &r, &ignored) < 0 || get_sregs(t, &s) < 0)
        return -1;
    r.rax = v[GDB_RAX], r.rbx = v[GDB_RBX], r.rcx = v[GDB_RCX];
    r.rdx = v[GDB_RDX], r.rsi = v[GDB_RSI], r.rdi = v[GDB_RDI];
    r.rbp = v[GDB_RBP], r.rsp = v[GDB_RSP], r.r8 = v[GDB_R8];
    r.r9 = v[GDB_R9], r.r10 = v[GDB_R10], r.r11 = v[GDB_R11];
    r.r12 = v[GDB_R12], r.r13 = v[GDB_R13], r.r14 = v[GDB_R14];
    r.r15 = v[GDB_R15], r.rip = v[GDB_RIP];
    /* Bit 1 of RFLAGS is reserved-one: keep it so KVM takes the value. */
    r.rflags = v[GDB_RFLAGS] | X86_RFLAGS_RESERVED;
    if (t->arch == GDB_ARCH_I8086)
        r.rip -= s.cs.base;
    return vcpu_set_regs(t->vm, &r, &ignored);
}

/* Host pointer for up to `want` bytes at linear `la`, within one 4 KiB
 * page, through the guest's paging and guestmem (to write through, when
 * `write`: the pointer comes from guestmem_ptr_rw). */
static uint8_t *map_linear(struct gdbtarget *t, const struct kvm_sregs *s,
                           uint64_t la, size_t want, size_t *got,
                           uint64_t *gpa, bool write)
{
    struct paging_walk walk;
    uint64_t in_page = X86_PAGE_4K - (la & (X86_PAGE_4K - 1));

    *got = want < in_page ? want : (size_t)in_page;
    if (paging_translate(&t->vm->mem, s, la, &walk) != PAGING_OK)
        return NULL;
    if (gpa)
        *gpa = walk.gpa;
    if (write)
        return guestmem_ptr_rw(&t->vm->mem, walk.gpa, *got);
    return (uint8_t *)guestmem_ptr(&t->vm->mem, walk.gpa, *got);
}

static int access_mem(struct gdbtarget *t, uint64_t addr, uint8_t *buf,
                      size_t len, bool write)
{
    struct kvm_sregs s;

    if (get_sregs(t, &s) < 0)
        return -1;
    /* Translate every piece first: a write is all or nothing. */
    for (int pass = write ? 0 : 1; pass < 2; pass++) {
        uint64_t la = addr;
        size_t left = len, done = 0, n;
        while (left > 0) {
            if (la < addr) /* wrapped past the top of the address space */
                return -1;
            uint8_t *p = map_linear(t, &s, la, left, &n, NULL, write);
            if (!p)
                return -1;
            if (pass == 1) {
                if (write)
                    memcpy(p, buf + done, n);
                else
                    memcpy(buf + done, p, n);
            }
            la += n, done += n, left -= n;
        }
    }
    return 0;
}

static int t_read_mem(void *ctx, uint64_t addr, void *buf, size_t len)
{
    return access_mem(ctx, addr, buf, len, false);
}

static int t_write_mem(void *ctx, uint64_t addr, const void *buf, size_t len)
{
    return access_mem(ctx, addr, (uint8_t *)buf, len, true);
}

static struct gdbtarget_sw_bp *find_sw(struct gdbtarget *t, uint64_t addr)
{
    for (unsigned i = 0; i < t->n_sw; i++)
        if (t->sw[i].addr == addr)
            return &t->sw[i];
    return NULL;
}

/* A breakpoint this host's KVM cannot deliver in the mode: say so on
 * notes ("does not <what> in <mode> mode<advice>") and fail. */
static int refuse(const struct gdbtarget *t, const char *what,
                  const char *advice)
{
    fprintf(t->notes,
            "simple-kvm: gdb: this host's KVM does not %s in %s mode%s\n",
            what, t->mode->name, advice);
    fflush(t->notes);
    return -1;
}

static int insert_sw(struct gdbtarget *t, uint64_t addr)
{
    struct kvm_sregs s;
    struct gdbtarget_sw_bp bp = {.addr = addr};
    size_t n;
    uint8_t *p;

    if (t->swbp == GDBPROBE_SWBP_NONE)
        return refuse(t, "stop at int3",
                      " (the guest would take the #BP itself); use hbreak "
                      "(debug registers) instead");
    if (find_sw(t, addr))
        return 0; /* gdb may insert twice; one int3 serves both */
    if (t->n_sw == GDBTARGET_MAX_SW_BPS || get_sregs(t, &s) < 0 ||
        !(p = map_linear(t, &s, addr, 1, &n, &bp.gpa, true)))
        return -1;
    bp.orig = *p;
    *p = INT3_OPCODE;
    t->sw[t->n_sw++] = bp;
    return 0;
}

static void restore_sw(struct gdbtarget *t, const struct gdbtarget_sw_bp *bp)
{
    /* By gpa: the guest may have changed its page tables since. */
    uint8_t *p = guestmem_ptr_rw(&t->vm->mem, bp->gpa, 1);

    if (p && *p == INT3_OPCODE) /* the guest may have rewritten it */
        *p = bp->orig;
}

static int remove_sw(struct gdbtarget *t, uint64_t addr)
{
    struct gdbtarget_sw_bp *bp = find_sw(t, addr);

    if (!bp)
        return -1;
    restore_sw(t, bp);
    *bp = t->sw[--t->n_sw];
    return 0;
}

/* DR7's LEN field for a watched length (SDM 17.2.5); 8 only in 64-bit. */
static int dr7_len(const struct gdbtarget *t, uint64_t len, unsigned *enc)
{
    switch (len) {
    case 1:
        *enc = 0;
        return 0;
    case 2:
        *enc = 1;
        return 0;
    case 4:
        *enc = 3;
        return 0;
    case 8:
        *enc = 2;
        return t->arch == GDB_ARCH_AMD64 ? 0 : -1;
    }
    return -1;
}

static struct gdbtarget_hw_bp *find_hw(struct gdbtarget *t,
                                       enum gdb_bp_type type, uint64_t addr,
                                       uint64_t len)
{
    for (unsigned i = 0; i < MAX_HW_BPS; i++)
        if (t->hw[i].used && t->hw[i].type == type &&
            t->hw[i].addr == addr && t->hw[i].len == len)
            return &t->hw[i];
    return NULL;
}

static int t_insert_bp(void *ctx, enum gdb_bp_type type, uint64_t addr,
                       uint64_t kind)
{
    struct gdbtarget *t = ctx;
    uint64_t len = type == GDB_BP_HW ? 1 : kind; /* exec: LEN must be 00 */
    unsigned enc;

    if (type == GDB_BP_SW)
        return insert_sw(t, addr);
    if (type != GDB_BP_HW && !t->watch_ok)
        return refuse(t, "report data breakpoints",
                      "; 'set can-use-hw-watchpoints 0' makes gdb watch by "
                      "single-stepping");
    /* A watched range must be aligned to its length (SDM 17.2.5). */
    if (dr7_len(t, len, &enc) < 0 || addr % len)
        return -1;
    if (find_hw(t, type, addr, len))
        return 0;
    for (unsigned i = 0; i < MAX_HW_BPS; i++)
        if (!t->hw[i].used) {
            t->hw[i] = (struct gdbtarget_hw_bp){.used = true, .type = type,
                                                .addr = addr, .len = len};
            return 0;
        }
    return -1; /* all four debug registers taken */
}

static int t_remove_bp(void *ctx, enum gdb_bp_type type, uint64_t addr,
                       uint64_t kind)
{
    struct gdbtarget *t = ctx;
    struct gdbtarget_hw_bp *bp;

    if (type == GDB_BP_SW)
        return remove_sw(t, addr);
    bp = find_hw(t, type, addr, type == GDB_BP_HW ? 1 : kind);
    if (!bp)
        return -1;
    bp->used = false;
    return 0;
}

struct gdb_target gdbtarget_ops(struct gdbtarget *t)
{
    return (struct gdb_target){
        .ctx = t, .arch = t->arch, .get_cpu = t_get_cpu,
        .set_cpu = t_set_cpu, .read_mem = t_read_mem,
        .write_mem = t_write_mem, .insert_bp = t_insert_bp,
        .remove_bp = t_remove_bp};
}

uint64_t gdbtarget_linear_rip(struct gdbtarget *t)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    struct skvm_err ignored;

    if (vcpu_get_regs(t->vm, &r, &ignored) < 0 || get_sregs(t, &s) < 0)
        return UINT64_MAX;
    return vcpu_linear_rip(&s, &r);
}

bool gdbtarget_at_hlt(struct gdbtarget *t, uint64_t rip)
{
    uint8_t op;

    return rip != UINT64_MAX && access_mem(t, rip, &op, 1, false) == 0 &&
           op == HLT_OPCODE;
}

bool gdbtarget_at_own_int3(struct gdbtarget *t)
{
    uint64_t rip = gdbtarget_linear_rip(t);

    return rip != UINT64_MAX && find_sw(t, rip) != NULL;
}

int gdbtarget_watch_hit(const struct gdbtarget *t, uint64_t dr6)
{
    int hit = -1;

    /* B bits may be set for disabled registers too: look only at our
     * watchpoints. */
    for (int i = 0; i < MAX_HW_BPS; i++)
        if (t->hw[i].used && t->hw[i].type != GDB_BP_HW && (dr6 & DR6_B(i)))
            hit = i;
    return hit;
}

void gdbtarget_drop_breakpoints(struct gdbtarget *t)
{
    while (t->n_sw)
        remove_sw(t, t->sw[t->n_sw - 1].addr);
    memset(t->hw, 0, sizeof(t->hw));
}

int gdbtarget_set_debug(struct gdbtarget *t, bool step, struct skvm_err *err)
{
    struct kvm_guest_debug dbg = {0};
    bool any_hw = false;

    for (unsigned i = 0; i < MAX_HW_BPS; i++) {
        const struct gdbtarget_hw_bp *bp = &t->hw[i];
        unsigned len = 0;
        uint64_t rw = bp->type == GDB_BP_WRITE    ? DR7_RW_WRITE
                      : bp->type == GDB_BP_ACCESS ? DR7_RW_ACCESS
                                                  : DR7_RW_EXEC;
        if (!bp->used)
            continue;
        dr7_len(t, bp->len, &len); /* checked at insertion */
        dbg.arch.debugreg[i] = bp->addr;
        dbg.arch.debugreg[DR7_INDEX] |= DR7_L(i) | rw << DR7_RW_SHIFT(i) |
                                        (uint64_t)len << DR7_LEN_SHIFT(i);
        any_hw = true;
    }
    if (any_hw)
        dbg.arch.debugreg[DR7_INDEX] |= DR7_GE | DR7_FIXED1;
    if (step || t->n_sw || any_hw)
        dbg.control = KVM_GUESTDBG_ENABLE;
    if (step)
        dbg.control |= KVM_GUESTDBG_SINGLESTEP;
    if (t->n_sw)
        dbg.control |= KVM_GUESTDBG_USE_SW_BP;
    if (any_hw)
        dbg.control |= KVM_GUESTDBG_USE_HW_BP;
    return vcpu_set_guest_debug(t->vm, &dbg, err);
}
