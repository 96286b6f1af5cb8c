/* gdbstub.c - the gdb stub's socket and KVM glue (protocol: gdb_proto.c). */
#define _GNU_SOURCE /* accept4 */
#include "gdb/stub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdb/proto.h"
#include "core/paging.h"
#include "kvm/vcpu.h"
#include "core/x86.h"

#define MAX_SW_BPS     64
#define MAX_HW_BPS     4   /* DR0..DR3 */
#define DR7_INDEX      7
#define DR7_GE         X86_BIT(9)  /* exact breakpoint detection (SDM 17.2.4) */
#define DR7_FIXED1     X86_BIT(10) /* reserved, reads as 1 */
#define DR7_L(i)       X86_BIT(2 * (i)) /* local enable of DRi */
#define DR7_RW_SHIFT(i)  (16 + 4 * (i)) /* condition: 00 exec, 01 write, 11 rw */
#define DR7_LEN_SHIFT(i) (18 + 4 * (i)) /* bytes: 00 1, 01 2, 11 4, 10 8 */
#define DR7_RW_EXEC    0u
#define DR7_RW_WRITE   1u
#define DR7_RW_ACCESS  3u
#define DR6_B(i)       X86_BIT(i) /* DRi's condition was met */
#define DB_VECTOR      1
#define INT3_OPCODE    0xCC
#define HLT_OPCODE     0xF4
#define STOSB_OPCODE   0xAA /* store AL at ES:(E/R)DI */
#define PROBE_DATA     0x100 /* the byte the watch probe writes */
#define BP_VECTOR      3
#define REAL_IVT_BP    (4 * BP_VECTOR) /* real-mode IVT entry of #BP */
#define PROBE_MEM      (UINT64_C(2) << 20)
#define RX_CHUNK       1024
#define FINAL_ACK_MS   2000 /* how long the last reports wait for gdb's '+' */

struct sw_bp {
    uint64_t addr; /* linear, as gdb gave it */
    uint64_t gpa;
    uint8_t orig;
};

/* One debug register: an execute breakpoint or a data watchpoint. */
struct hw_bp {
    bool used;
    enum gdb_bp_type type; /* GDB_BP_HW, _WRITE or _ACCESS */
    uint64_t addr, len;
};

struct gdbstub {
    int listen_fd, conn_fd;
    struct vm *vm;
    const struct mode *mode;
    FILE *notes;
    enum gdb_arch arch;
    enum gdbstub_swbp swbp;
    bool watch_ok; /* data breakpoints fire on this host (probed) */
    uint64_t step_rip; /* linear RIP where the current step began */
    bool step_done;    /* the step ended in a port I/O exit (see below) */
    bool stopped, report_stop, stepping, detached, killed, sigio_armed;
    int last_signal;
    struct sw_bp sw[MAX_SW_BPS];
    unsigned n_sw;
    struct hw_bp hw[MAX_HW_BPS];
    int watch_hit; /* hw slot of the watchpoint behind the stop, or -1 */
    struct gdb_rx rx;
    uint8_t in[RX_CHUNK];
    size_t in_pos, in_len;
    char last_sent[2 * GDB_PACKET_MAX + 8]; /* for a '-' resend */
    size_t last_len;
    struct sigaction saved_sigio;
};

/* SIGIO: bytes from gdb while the guest runs (Ctrl-C is 0x03). Like the
 * run loop's own handler, it only kicks the vCPU out of KVM_RUN. */
static struct kvm_run *volatile sigio_run;
static volatile sig_atomic_t sigio_pending;

static void on_sigio(int signo)
{
    (void)signo;
    sigio_pending = 1;
    if (sigio_run)
        sigio_run->immediate_exit = 1;
}

const char *gdbstub_swbp_name(enum gdbstub_swbp how)
{
    switch (how) {
    case GDBSTUB_SWBP_DEBUG_EXIT:
        return "KVM_EXIT_DEBUG";
    case GDBSTUB_SWBP_EMULATION_EXIT:
        return "KVM_EXIT_INTERNAL_ERROR (emulation) at the int3";
    case GDBSTUB_SWBP_NONE:
        break;
    }
    return "not intercepted";
}

/* ---- the target: registers and memory of the one vCPU ---- */

static int get_sregs(struct gdbstub *gs, struct kvm_sregs *sregs)
{
    struct skvm_err ignored;

    return vcpu_get_sregs(gs->vm, sregs, &ignored);
}

static int t_get_cpu(void *ctx, struct gdb_cpu *cpu)
{
    struct gdbstub *gs = ctx;
    struct kvm_regs r;
    struct kvm_sregs s;
    struct skvm_err ignored;

    if (vcpu_get_regs(gs->vm, &r, &ignored) < 0 || get_sregs(gs, &s) < 0)
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
    if (gs->arch == GDB_ARCH_I8086)
        cpu->reg[GDB_RIP] += s.cs.base;
    return 0;
}

/* General registers, RIP and RFLAGS are written; segment registers are
 * read-only here (loading one needs a descriptor, not just a number). */
static int t_set_cpu(void *ctx, const struct gdb_cpu *cpu)
{
    struct gdbstub *gs = ctx;
    struct kvm_regs r;
    struct kvm_sregs s;
    struct skvm_err ignored;
    const uint64_t *v = cpu->reg;

    if (vcpu_get_regs(gs->vm, &r, &ignored) < 0 || get_sregs(gs, &s) < 0)
        return -1;
    r.rax = v[GDB_RAX], r.rbx = v[GDB_RBX], r.rcx = v[GDB_RCX];
    r.rdx = v[GDB_RDX], r.rsi = v[GDB_RSI], r.rdi = v[GDB_RDI];
    r.rbp = v[GDB_RBP], r.rsp = v[GDB_RSP], r.r8 = v[GDB_R8];
    r.r9 = v[GDB_R9], r.r10 = v[GDB_R10], r.r11 = v[GDB_R11];
    r.r12 = v[GDB_R12], r.r13 = v[GDB_R13], r.r14 = v[GDB_R14];
    r.r15 = v[GDB_R15], r.rip = v[GDB_RIP];
    /* Bit 1 of RFLAGS is reserved-one: keep it so KVM takes the value. */
    r.rflags = v[GDB_RFLAGS] | X86_RFLAGS_RESERVED;
    if (gs->arch == GDB_ARCH_I8086)
        r.rip -= s.cs.base;
    return ioctl(gs->vm->vcpu_fd, KVM_SET_REGS, &r) < 0 ? -1 : 0;
}

/* Host pointer for up to `want` bytes at linear `la`, within one 4 KiB
 * page, through the guest's paging and guestmem (to write through, when
 * `write`: the pointer comes from guestmem_ptr_rw). */
static uint8_t *map_linear(struct gdbstub *gs, const struct kvm_sregs *s,
                           uint64_t la, size_t want, size_t *got,
                           uint64_t *gpa, bool write)
{
    struct paging_walk walk;
    uint64_t in_page = X86_PAGE_4K - (la & (X86_PAGE_4K - 1));

    *got = want < in_page ? want : (size_t)in_page;
    if (paging_translate(&gs->vm->mem, s, la, &walk) != PAGING_OK)
        return NULL;
    if (gpa)
        *gpa = walk.gpa;
    if (write)
        return guestmem_ptr_rw(&gs->vm->mem, walk.gpa, *got);
    return (uint8_t *)guestmem_ptr(&gs->vm->mem, walk.gpa, *got);
}

static int access_mem(struct gdbstub *gs, uint64_t addr, uint8_t *buf,
                      size_t len, bool write)
{
    struct kvm_sregs s;

    if (get_sregs(gs, &s) < 0)
        return -1;
    /* Translate every piece first: a write is all or nothing. */
    for (int pass = write ? 0 : 1; pass < 2; pass++) {
        uint64_t la = addr;
        size_t left = len, done = 0, n;
        while (left > 0) {
            if (la < addr) /* wrapped past the top of the address space */
                return -1;
            uint8_t *p = map_linear(gs, &s, la, left, &n, NULL, write);
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

static struct sw_bp *find_sw(struct gdbstub *gs, uint64_t addr)
{
    for (unsigned i = 0; i < gs->n_sw; i++)
        if (gs->sw[i].addr == addr)
            return &gs->sw[i];
    return NULL;
}

static int insert_sw(struct gdbstub *gs, uint64_t addr)
{
    struct kvm_sregs s;
    struct sw_bp bp = {.addr = addr};
    size_t n;
    uint8_t *p;

    if (gs->swbp == GDBSTUB_SWBP_NONE) {
        fprintf(gs->notes,
                "simple-kvm: gdb: this host's KVM does not stop at int3 in "
                "%s mode (the guest would take the #BP itself); use hbreak "
                "(debug registers) instead\n",
                gs->mode->name);
        fflush(gs->notes);
        return -1;
    }
    if (find_sw(gs, addr))
        return 0; /* gdb may insert twice; one int3 serves both */
    if (gs->n_sw == MAX_SW_BPS || get_sregs(gs, &s) < 0 ||
        !(p = map_linear(gs, &s, addr, 1, &n, &bp.gpa, true)))
        return -1;
    bp.orig = *p;
    *p = INT3_OPCODE;
    gs->sw[gs->n_sw++] = bp;
    return 0;
}

static void restore_sw(struct gdbstub *gs, const struct sw_bp *bp)
{
    /* By gpa: the guest may have changed its page tables since. */
    uint8_t *p = guestmem_ptr_rw(&gs->vm->mem, bp->gpa, 1);

    if (p && *p == INT3_OPCODE) /* the guest may have rewritten it */
        *p = bp->orig;
}

static int remove_sw(struct gdbstub *gs, uint64_t addr)
{
    struct sw_bp *bp = find_sw(gs, addr);

    if (!bp)
        return -1;
    restore_sw(gs, bp);
    *bp = gs->sw[--gs->n_sw];
    return 0;
}

/* DR7's LEN field for a watched length (SDM 17.2.5); 8 only in 64-bit. */
static int dr7_len(const struct gdbstub *gs, uint64_t len, unsigned *enc)
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
        return gs->arch == GDB_ARCH_AMD64 ? 0 : -1;
    }
    return -1;
}

static struct hw_bp *find_hw(struct gdbstub *gs, enum gdb_bp_type type,
                             uint64_t addr, uint64_t len)
{
    for (unsigned i = 0; i < MAX_HW_BPS; i++)
        if (gs->hw[i].used && gs->hw[i].type == type &&
            gs->hw[i].addr == addr && gs->hw[i].len == len)
            return &gs->hw[i];
    return NULL;
}

static int t_insert_bp(void *ctx, enum gdb_bp_type type, uint64_t addr,
                       uint64_t kind)
{
    struct gdbstub *gs = ctx;
    uint64_t len = type == GDB_BP_HW ? 1 : kind; /* exec: LEN must be 00 */
    unsigned enc;

    if (type == GDB_BP_SW)
        return insert_sw(gs, addr);
    if (type != GDB_BP_HW && !gs->watch_ok) {
        fprintf(gs->notes,
                "simple-kvm: gdb: this host's KVM does not report data "
                "breakpoints in %s mode; 'set can-use-hw-watchpoints 0' "
                "makes gdb watch by single-stepping\n",
                gs->mode->name);
        fflush(gs->notes);
        return -1;
    }
    /* A watched range must be aligned to its length (SDM 17.2.5). */
    if (dr7_len(gs, len, &enc) < 0 || addr % len)
        return -1;
    if (find_hw(gs, type, addr, len))
        return 0;
    for (unsigned i = 0; i < MAX_HW_BPS; i++)
        if (!gs->hw[i].used) {
            gs->hw[i] = (struct hw_bp){.used = true, .type = type,
                                       .addr = addr, .len = len};
            return 0;
        }
    return -1; /* all four debug registers taken */
}

static int t_remove_bp(void *ctx, enum gdb_bp_type type, uint64_t addr,
                       uint64_t kind)
{
    struct gdbstub *gs = ctx;
    struct hw_bp *bp;

    if (type == GDB_BP_SW)
        return remove_sw(gs, addr);
    bp = find_hw(gs, type, addr, type == GDB_BP_HW ? 1 : kind);
    if (!bp)
        return -1;
    bp->used = false;
    return 0;
}

/* KVM_SET_GUEST_DEBUG for how the guest resumes. */
static int set_debug(struct gdbstub *gs, bool step)
{
    struct kvm_guest_debug dbg = {0};
    bool any_hw = false;

    for (unsigned i = 0; i < MAX_HW_BPS; i++) {
        const struct hw_bp *bp = &gs->hw[i];
        unsigned len = 0;
        uint64_t rw = bp->type == GDB_BP_WRITE    ? DR7_RW_WRITE
                      : bp->type == GDB_BP_ACCESS ? DR7_RW_ACCESS
                                                  : DR7_RW_EXEC;
        if (!bp->used)
            continue;
        dr7_len(gs, bp->len, &len); /* checked at insertion */
        dbg.arch.debugreg[i] = bp->addr;
        dbg.arch.debugreg[DR7_INDEX] |= DR7_L(i) | rw << DR7_RW_SHIFT(i) |
                                        (uint64_t)len << DR7_LEN_SHIFT(i);
        any_hw = true;
    }
    if (any_hw)
        dbg.arch.debugreg[DR7_INDEX] |= DR7_GE | DR7_FIXED1;
    if (step || gs->n_sw || any_hw)
        dbg.control = KVM_GUESTDBG_ENABLE;
    if (step)
        dbg.control |= KVM_GUESTDBG_SINGLESTEP;
    if (gs->n_sw)
        dbg.control |= KVM_GUESTDBG_USE_SW_BP;
    if (any_hw)
        dbg.control |= KVM_GUESTDBG_USE_HW_BP;
    return ioctl(gs->vm->vcpu_fd, KVM_SET_GUEST_DEBUG, &dbg);
}

/* ---- probing what this host's KVM reports ---- */

/* Run `code` at guest address 0 in a scratch VM of `mode` under `dbg`,
 * with RDI = PROBE_DATA, and copy out its first exit and RIP. The
 * programs end in hlt, and real mode's #BP vector points at the hlt at
 * 0:1 (the other modes have no IDT: a triple fault), so a probe always
 * ends; it never loops. */
static int probe_run(const struct mode *mode, const uint8_t *code, size_t len,
                     const struct kvm_guest_debug *dbg, struct kvm_run *exit,
                     uint64_t *rip)
{
    struct vm vm;
    struct skvm_err err;
    struct kvm_regs r;
    uint64_t mem = mode->min_mem > PROBE_MEM ? mode->min_mem : PROBE_MEM;
    int rc = -1;

    if (vm_open(&vm, mem, false, &err) < 0)
        return -1;
    uint8_t *p = guestmem_ptr_rw(&vm.mem, 0, PROBE_DATA + 1);
    if (!p || len > REAL_IVT_BP || vcpu_configure(&vm, mode, 0, &err) < 0 ||
        vcpu_get_regs(&vm, &r, &err) < 0)
        goto out;
    memcpy(p, code, len);
    p[REAL_IVT_BP] = 1; /* offset 1, segment 0 */
    r.rdi = PROBE_DATA;
    if (ioctl(vm.vcpu_fd, KVM_SET_REGS, &r) < 0 ||
        ioctl(vm.vcpu_fd, KVM_SET_GUEST_DEBUG, dbg) < 0 ||
        ioctl(vm.vcpu_fd, KVM_RUN, 0) < 0 ||
        vcpu_get_regs(&vm, &r, &err) < 0)
        goto out;
    *exit = *vm.run;
    *rip = r.rip;
    rc = 0;
out:
    vm_close(&vm);
    return rc;
}

/* How an int3 comes back: int3; hlt. */
static enum gdbstub_swbp probe_swbp(const struct mode *mode)
{
    static const uint8_t code[] = {INT3_OPCODE, HLT_OPCODE};
    const struct kvm_guest_debug dbg = {
        .control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP};
    struct kvm_run exit;
    uint64_t rip;

    if (probe_run(mode, code, sizeof(code), &dbg, &exit, &rip) < 0)
        return GDBSTUB_SWBP_NONE;
    if (exit.exit_reason == KVM_EXIT_DEBUG &&
        exit.debug.arch.exception == BP_VECTOR)
        return GDBSTUB_SWBP_DEBUG_EXIT;
    if (exit.exit_reason == KVM_EXIT_INTERNAL_ERROR &&
        exit.internal.suberror == KVM_INTERNAL_ERROR_EMULATION && rip == 0)
        return GDBSTUB_SWBP_EMULATION_EXIT;
    return GDBSTUB_SWBP_NONE;
}

/* Whether a data breakpoint fires: DR0 watches writes to PROBE_DATA,
 * and stosb (the same byte in every mode) writes AL there. */
static bool probe_watch(const struct mode *mode)
{
    static const uint8_t code[] = {STOSB_OPCODE, HLT_OPCODE};
    struct kvm_guest_debug dbg = {
        .control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP};
    struct kvm_run exit;
    uint64_t rip;

    dbg.arch.debugreg[0] = PROBE_DATA;
    dbg.arch.debugreg[DR7_INDEX] = DR7_L(0) |
                                   (uint64_t)DR7_RW_WRITE << DR7_RW_SHIFT(0) |
                                   DR7_GE | DR7_FIXED1;
    return probe_run(mode, code, sizeof(code), &dbg, &exit, &rip) == 0 &&
           exit.exit_reason == KVM_EXIT_DEBUG &&
           exit.debug.arch.exception == DB_VECTOR &&
           (exit.debug.arch.dr6 & DR6_B(0));
}

/* ---- socket ---- */

int gdbstub_open(struct gdbstub **out, uint16_t port, const struct mode *mode,
                 struct vm *vm, FILE *notes, struct skvm_err *err)
{
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons(port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(addr);
    int one = 1;
    struct gdbstub *gs = calloc(1, sizeof(*gs));

    if (!gs)
        return skvm_fail(err, SKVM_HOST, "gdb stub: out of memory");
    gs->conn_fd = -1;
    gs->vm = vm;
    gs->mode = mode;
    gs->notes = notes;
    gs->arch = mode->word_size == 8   ? GDB_ARCH_AMD64
               : mode->word_size == 2 ? GDB_ARCH_I8086
                                      : GDB_ARCH_I386;
    /* Stopped before the first instruction; gdb asks why with '?'. */
    gs->stopped = true;
    gs->last_signal = GDB_SIGTRAP;
    gs->watch_hit = -1;
    gdb_rx_init(&gs->rx);
    gs->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (gs->listen_fd < 0) {
        free(gs);
        return skvm_fail(err, SKVM_HOST, "gdb stub: socket: %s",
                         strerror(errno));
    }
    setsockopt(gs->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(gs->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(gs->listen_fd, 1) < 0 ||
        getsockname(gs->listen_fd, (struct sockaddr *)&addr, &alen) < 0) {
        int e = errno;
        gdbstub_close(gs);
        return skvm_fail(err, e == EADDRINUSE ? SKVM_USAGE : SKVM_HOST,
                         "--gdb %u: cannot listen on 127.0.0.1: %s", port,
                         strerror(e));
    }
    gs->swbp = probe_swbp(mode);
    gs->watch_ok = probe_watch(mode);
    fprintf(notes, "simple-kvm: gdb: waiting for gdb on 127.0.0.1:%u\n",
            ntohs(addr.sin_port));
    fflush(notes);
    *out = gs;
    return 0;
}

/* Send a framed packet, keeping it for a resend on '-'. A failed send
 * is noticed by the next recv (the client is gone). */
static void send_packet(struct gdbstub *gs, const char *payload)
{
    size_t n = gdb_frame(payload, strlen(payload), gs->last_sent,
                         sizeof(gs->last_sent));
    size_t off = 0;

    gs->last_len = n;
    while (off < n) {
        ssize_t w = send(gs->conn_fd, gs->last_sent + off, n - off,
                         MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

static void send_raw(struct gdbstub *gs, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = send(gs->conn_fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w, n -= (size_t)w;
    }
}

static void hangup(struct gdbstub *gs)
{
    if (gs->conn_fd >= 0)
        close(gs->conn_fd);
    gs->conn_fd = -1;
    sigio_run = NULL;
}

/* Accept the one client and arm SIGIO for its Ctrl-C. */
static int accept_client(struct gdbstub *gs, struct skvm_err *err)
{
    struct sigaction sa = {0};
    int fd = accept4(gs->listen_fd, NULL, NULL, SOCK_CLOEXEC);

    if (fd < 0) {
        if (errno == EINTR)
            return GDBSTUB_RECHECK;
        return skvm_fail(err, SKVM_HOST, "gdb stub: accept: %s",
                         strerror(errno));
    }
    gs->conn_fd = fd;
    /* Small packets back and forth: without this, Nagle's algorithm and
     * gdb's delayed ACKs add ~40 ms to every single-step. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sa.sa_handler = on_sigio;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* a wait for gdb just goes on */
    sigaction(SIGIO, &sa, &gs->saved_sigio);
    gs->sigio_armed = true;
    sigio_run = gs->vm->run;
    if (fcntl(fd, F_SETOWN, getpid()) < 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC) < 0)
        return skvm_fail(err, SKVM_HOST, "gdb stub: O_ASYNC: %s",
                         strerror(errno));
    return GDBSTUB_RUN;
}

/* Next byte from gdb: 1, 0 = would block (nonblocking only), -1 = gone,
 * -2 = interrupted by a signal. */
static int next_byte(struct gdbstub *gs, uint8_t *b, bool block)
{
    if (gs->in_pos == gs->in_len) {
        ssize_t n = recv(gs->conn_fd, gs->in, sizeof(gs->in),
                         block ? 0 : MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            return -2;
        if (n < 0 && !block && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n <= 0)
            return -1;
        gs->in_pos = 0;
        gs->in_len = (size_t)n;
    }
    *b = gs->in[gs->in_pos++];
    return 1;
}

static void drop_breakpoints(struct gdbstub *gs)
{
    while (gs->n_sw)
        remove_sw(gs, gs->sw[gs->n_sw - 1].addr);
    memset(gs->hw, 0, sizeof(gs->hw));
}

/* Linear RIP, or UINT64_MAX when it cannot be read. */
static uint64_t linear_rip(struct gdbstub *gs)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    struct skvm_err ignored;

    if (vcpu_get_regs(gs->vm, &r, &ignored) < 0 || get_sregs(gs, &s) < 0)
        return UINT64_MAX;
    return vcpu_linear_rip(&s, &r);
}

static bool at_hlt(struct gdbstub *gs, uint64_t rip)
{
    uint8_t op;

    return rip != UINT64_MAX && access_mem(gs, rip, &op, 1, false) == 0 &&
           op == HLT_OPCODE;
}

static int resume(struct gdbstub *gs, bool step, struct skvm_err *err)
{
    uint64_t rip = linear_rip(gs);

    /* KVM completes a single-step over HLT by skipping it (the #DB
     * exit comes instead of the halt), so the guest would run on past
     * its end. Stepping into a halt ends the run: just let it halt. */
    if (step && at_hlt(gs, rip))
        step = false;
    gs->step_rip = rip;
    gs->step_done = false;
    if (set_debug(gs, step) < 0)
        return skvm_fail(err, SKVM_HOST, "KVM_SET_GUEST_DEBUG failed: %s",
                         strerror(errno));
    gs->stepping = step;
    gs->stopped = false;
    return GDBSTUB_RUN;
}

/* Serve gdb while the guest is stopped. */
static int serve(struct gdbstub *gs, struct skvm_err *err)
{
    static char reply[GDB_PACKET_MAX + 1];
    const struct gdb_target t = {
        .ctx = gs, .arch = gs->arch, .get_cpu = t_get_cpu,
        .set_cpu = t_set_cpu, .read_mem = t_read_mem,
        .write_mem = t_write_mem, .insert_bp = t_insert_bp,
        .remove_bp = t_remove_bp};

    if (gs->report_stop) {
        if (gs->watch_hit >= 0)
            gdb_watch_reply(gs->hw[gs->watch_hit].type,
                            gs->hw[gs->watch_hit].addr, reply, sizeof(reply));
        else
            gdb_stop_reply(gs->last_signal, reply, sizeof(reply));
        send_packet(gs, reply);
        gs->report_stop = false;
    }
    for (;;) {
        uint8_t b;
        int got = next_byte(gs, &b, true);
        if (got == -2)
            return GDBSTUB_RECHECK;
        if (got < 0) {
            hangup(gs);
            drop_breakpoints(gs);
            return skvm_fail(err, SKVM_USAGE,
                             "gdb client disconnected without detaching "
                             "(use 'detach' or 'kill' to end a session)");
        }
        switch (gdb_rx_feed(&gs->rx, b)) {
        case GDB_RX_BAD_SUM:
        case GDB_RX_TOO_LONG:
            send_raw(gs, "-", 1); /* the protocol's "send that again" */
            continue;
        case GDB_RX_NACK:
            send_raw(gs, gs->last_sent, gs->last_len);
            continue;
        case GDB_RX_PACKET:
            break;
        default:
            continue; /* acks, noise, 0x03 while already stopped */
        }
        send_raw(gs, "+", 1);
        switch (gdb_handle(&t, gs->rx.packet, reply, gs->last_signal)) {
        case GDB_ACT_REPLY:
            send_packet(gs, reply);
            continue;
        case GDB_ACT_CONTINUE:
            return resume(gs, false, err);
        case GDB_ACT_STEP:
            return resume(gs, true, err);
        case GDB_ACT_KILL:
            if (gs->rx.packet[0] == 'v')
                send_packet(gs, reply);
            hangup(gs);
            gs->killed = true;
            skvm_fail(err, SKVM_SIGNAL, "guest killed from gdb");
            err->signo = SIGKILL;
            return -1;
        case GDB_ACT_DETACH:
            send_packet(gs, reply);
            drop_breakpoints(gs);
            hangup(gs);
            gs->detached = true;
            return resume(gs, false, err);
        }
    }
}

/* Bytes arrived while the guest ran: a 0x03 among them stops it. */
static void check_interrupt(struct gdbstub *gs)
{
    uint8_t b;
    int got;

    while (!gs->stopped && (got = next_byte(gs, &b, false)) != 0) {
        if (got == -2)
            continue;
        if (got < 0) {
            gs->stopped = true; /* gone: serve() reports it */
            break;
        }
        if (gdb_rx_feed(&gs->rx, b) == GDB_RX_INTERRUPT) {
            gs->stopped = gs->report_stop = true;
            gs->last_signal = GDB_SIGINT;
            gs->watch_hit = -1;
        }
    }
}

int gdbstub_before_run(struct gdbstub *gs, struct skvm_err *err)
{
    /* SIGIO kicked the vCPU out (or would the next KVM_RUN): undo that
     * here, before the run loop's own signal check, so a timeout or
     * SIGTERM landing now still stops the guest. */
    if (sigio_pending) {
        sigio_pending = 0;
        gs->vm->run->immediate_exit = 0;
        if (!gs->detached && gs->conn_fd >= 0)
            check_interrupt(gs);
    }
    if (gs->detached)
        return GDBSTUB_RUN;
    if (gs->conn_fd < 0) {
        int rc = accept_client(gs, err);
        if (rc != GDBSTUB_RUN)
            return rc;
    }
    if (gs->step_done) {
        gs->step_done = gs->stepping = false;
        gs->stopped = gs->report_stop = true;
        gs->last_signal = GDB_SIGTRAP;
        gs->watch_hit = -1;
    }
    if (!gs->stopped)
        return GDBSTUB_RUN;
    return serve(gs, err);
}

static bool at_our_int3(struct gdbstub *gs)
{
    uint64_t rip = linear_rip(gs);

    return rip != UINT64_MAX && find_sw(gs, rip) != NULL;
}

bool gdbstub_after_exit(struct gdbstub *gs)
{
    const struct kvm_run *run = gs->vm->run;

    if (gs->detached || gs->conn_fd < 0)
        return false;
    /* A stepped OUT/IN exits to us for the port. kvm-pvm has already
     * moved RIP past it and then loses the step's #DB (the next trap
     * comes one instruction later); hardware KVM leaves RIP on the
     * instruction and traps after we re-enter. So: RIP moved means the
     * step is over; the run loop handles the port, then gdb hears. */
    if (run->exit_reason == KVM_EXIT_IO && gs->stepping &&
        linear_rip(gs) != gs->step_rip) {
        gs->step_done = true;
        return false;
    }
    /* Single-step and hardware breakpoints raise #DB, int3 #BP: both
     * are KVM_EXIT_DEBUG. On kvm-pvm an int3 of ours comes back as an
     * emulation failure at the int3 instead (see gdbstub.h). */
    if (run->exit_reason != KVM_EXIT_DEBUG &&
        !(run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
          run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
          gs->swbp == GDBSTUB_SWBP_EMULATION_EXIT && at_our_int3(gs)))
        return false;
    gs->stopped = gs->report_stop = true;
    gs->stepping = false;
    gs->last_signal = GDB_SIGTRAP;
    gs->watch_hit = -1;
    /* DR6 names the debug register whose condition fired; B bits may be
     * set for disabled ones too, so look only at our watchpoints. */
    if (run->exit_reason == KVM_EXIT_DEBUG &&
        run->debug.arch.exception == DB_VECTOR)
        for (int i = 0; i < MAX_HW_BPS; i++)
            if (gs->hw[i].used && gs->hw[i].type != GDB_BP_HW &&
                (run->debug.arch.dr6 & DR6_B(i)))
                gs->watch_hit = i;
    return true;
}

/* The run is over: send a report and wait (bounded) for gdb's ack, so
 * closing with the ack unread cannot reset the connection under it. */
static void send_final(struct gdbstub *gs, const char *payload)
{
    struct pollfd pfd = {.fd = gs->conn_fd, .events = POLLIN};
    uint8_t b;

    send_packet(gs, payload);
    while (poll(&pfd, 1, FINAL_ACK_MS) > 0 && next_byte(gs, &b, false) > 0) {
        if (b == '+')
            return;
        if (b == '-')
            send_raw(gs, gs->last_sent, gs->last_len);
    }
}

void gdbstub_end(struct gdbstub *gs, int rc, const struct skvm_err *err)
{
    char reply[GDB_PACKET_MAX + 1];
    char msg[sizeof(err->msg) + 2];
    int sig = GDB_SIGSEGV;

    if (gs->conn_fd < 0 || gs->detached || gs->killed)
        return;
    if (rc == 0) {
        gdb_console_reply("simple-kvm: guest halted\n", reply, sizeof(reply));
        send_final(gs, reply);
        send_final(gs, "W00");
    } else {
        if (err->status == SKVM_TIMEOUT)
            sig = GDB_SIGALRM;
        else if (err->status == SKVM_SIGNAL)
            sig = err->signo;
        snprintf(msg, sizeof(msg), "%s\n", err->msg);
        gdb_console_reply(msg, reply, sizeof(reply));
        send_final(gs, reply);
        snprintf(reply, sizeof(reply), "X%02x", (unsigned)sig & 0xFF);
        send_final(gs, reply);
    }
    hangup(gs);
}

void gdbstub_close(struct gdbstub *gs)
{
    if (!gs)
        return;
    hangup(gs);
    if (gs->sigio_armed)
        sigaction(SIGIO, &gs->saved_sigio, NULL);
    if (gs->listen_fd >= 0)
        close(gs->listen_fd);
    free(gs);
}

static int obs_before_run(void *ctx, struct skvm_err *err)
{
    return gdbstub_before_run(ctx, err);
}

static bool obs_exit(void *ctx, const struct vm *vm)
{
    (void)vm; /* the stub holds its VM */
    return gdbstub_after_exit(ctx);
}

static void obs_end(void *ctx, int rc, const struct skvm_err *err)
{
    gdbstub_end(ctx, rc, err);
}

struct run_observer gdbstub_observer(struct gdbstub *gs)
{
    return (struct run_observer){.ctx = gs,
                                 .before_run = obs_before_run,
                                 .on_exit = obs_exit,
                                 .on_end = obs_end};
}
