/* stub.c - the gdb stub's socket and stop/resume logic (protocol:
 * gdb/proto.c, registers/memory/breakpoints: gdb/target.c). */
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
#include <sys/socket.h>
#include <unistd.h>

#include "core/x86.h"
#include "gdb/probe.h"
#include "gdb/proto.h"
#include "gdb/target.h"

#define RX_CHUNK       1024
#define FINAL_ACK_MS   2000 /* how long the last reports wait for gdb's '+' */

struct gdbstub {
    int listen_fd, conn_fd;
    struct gdbtarget t; /* the vCPU: registers, memory, breakpoints */
    uint64_t step_rip; /* linear RIP where the current step began */
    bool step_done;    /* the step ended in a port I/O exit (see below) */
    bool stopped, report_stop, stepping, detached, killed, sigio_armed;
    int last_signal;
    int exception_signal; /* the run ends in an exception: its signal */
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
    gdbtarget_init(&gs->t, vm, mode, notes);
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
    gs->t.swbp = gdbprobe_int3(mode);
    gs->t.watch_ok = gdbprobe_watch(mode);
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
    sigio_run = gs->t.vm->run;
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

static int resume(struct gdbstub *gs, bool step, struct skvm_err *err)
{
    uint64_t rip = gdbtarget_linear_rip(&gs->t);

    /* KVM completes a single-step over HLT by skipping it (the #DB
     * exit comes instead of the halt), so the guest would run on past
     * its end. Stepping into a halt ends the run: just let it halt. */
    if (step && gdbtarget_at_hlt(&gs->t, rip))
        step = false;
    gs->step_rip = rip;
    gs->step_done = false;
    if (gdbtarget_set_debug(&gs->t, step, err) < 0)
        return -1;
    gs->stepping = step;
    gs->stopped = false;
    return GDBSTUB_RUN;
}

/* Serve gdb while the guest is stopped. */
static int serve(struct gdbstub *gs, struct skvm_err *err)
{
    static char reply[GDB_PACKET_MAX + 1];
    const struct gdb_target t = gdbtarget_ops(&gs->t);

    if (gs->report_stop) {
        if (gs->watch_hit >= 0)
            gdb_watch_reply(gs->t.hw[gs->watch_hit].type,
                            gs->t.hw[gs->watch_hit].addr, reply,
                            sizeof(reply));
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
            gdbtarget_drop_breakpoints(&gs->t);
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
            gdbtarget_drop_breakpoints(&gs->t);
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
        gs->t.vm->run->immediate_exit = 0;
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

bool gdbstub_after_exit(struct gdbstub *gs)
{
    const struct kvm_run *run = gs->t.vm->run;

    if (gs->detached || gs->conn_fd < 0)
        return false;
    /* A stepped OUT/IN exits to us for the port. kvm-pvm has already
     * moved RIP past it and then loses the step's #DB (the next trap
     * comes one instruction later); hardware KVM leaves RIP on the
     * instruction and traps after we re-enter. So: RIP moved means the
     * step is over; the run loop handles the port, then gdb hears. */
    if (run->exit_reason == KVM_EXIT_IO && gs->stepping &&
        gdbtarget_linear_rip(&gs->t) != gs->step_rip) {
        gs->step_done = true;
        return false;
    }
    /* Single-step and hardware breakpoints raise #DB, int3 #BP: both
     * are KVM_EXIT_DEBUG. On kvm-pvm an int3 of ours comes back as an
     * emulation failure at the int3 instead (see gdb/probe.h). */
    if (run->exit_reason != KVM_EXIT_DEBUG &&
        !(run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
          run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
          gs->t.swbp == GDBPROBE_SWBP_EMULATION_EXIT &&
          gdbtarget_at_own_int3(&gs->t)))
        return false;
    gs->stopped = gs->report_stop = true;
    gs->stepping = false;
    gs->last_signal = GDB_SIGTRAP;
    gs->watch_hit = -1;
    /* DR6 names the debug register whose condition fired. */
    if (run->exit_reason == KVM_EXIT_DEBUG &&
        run->debug.arch.exception == DB_VECTOR)
        gs->watch_hit = gdbtarget_watch_hit(&gs->t, run->debug.arch.dr6);
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
    int sig = gs->exception_signal ? gs->exception_signal : GDB_SIGSEGV;

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

/* The signal a gdb user expects for an exception (as Linux raises for
 * the same fault in a process). */
static int exception_signal(const struct exception_info *e)
{
    if (!exception_is_cpu(e))
        return GDB_SIGSEGV; /* no handler for an interrupt */
    switch (e->vector) {
    case X86_EXC_DE:
    case X86_EXC_MF:
    case X86_EXC_XM:
        return GDB_SIGFPE;
    case X86_EXC_UD:
        return GDB_SIGILL;
    case X86_EXC_DB:
    case X86_EXC_BP:
        return GDB_SIGTRAP;
    default:
        return GDB_SIGSEGV;
    }
}

/* The guest raised an exception (the vCPU is at the faulting
 * instruction): stop there with its signal; whatever gdb does next
 * (continue, step, detach) the run then ends as it would without gdb. */
static bool obs_exception(void *ctx, const struct vm *vm)
{
    struct gdbstub *gs = ctx;

    if (gs->detached || gs->conn_fd < 0)
        return false;
    gs->exception_signal = exception_signal(&vm->exception);
    gs->stopped = gs->report_stop = true;
    gs->stepping = false;
    gs->last_signal = gs->exception_signal;
    gs->watch_hit = -1;
    return true;
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
                                 .on_exception = obs_exception,
                                 .on_end = obs_end};
}
