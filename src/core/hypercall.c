/* hypercall.c - the console port and the hypercall ABI, dispatched from
 * one KVM_EXIT_IO without touching KVM. */
#include "core/hypercall.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/bios.h"
#include "core/fdwrite.h"
#include "core/layout.h"
#include "core/paging.h"

#define SKVM_HYPERCALL_PORTS_ONLY
#include "skvm_hypercall.h"

/* The committed guest header must match meson.build's `hypercalls` table
 * (scripts/build/check-hypercall-abi compares the rest of it, test
 * hypercall-abi): every port in the table, under its name, and the limits. */
#define HC_CHECK_PORT(port, name, NAME, bytes, out, in, many, pointer) \
    _Static_assert(SKVM_HC_PORT_##NAME == (port),                       \
                   "skvm_hypercall.h: port of " #name);
LAYOUT_HYPERCALLS(HC_CHECK_PORT)
#undef HC_CHECK_PORT
_Static_assert(SKVM_HC_STR_MAX == HC_STR_MAX, "string limit");
_Static_assert(SKVM_HC_STATS_SIZE == HC_STATS_SIZE, "stats buffer");
_Static_assert(SKVM_HC_UNMAPPED == HC_UNMAPPED, "unmapped marker");
_Static_assert(HC_UNMAPPED == UINT32_MAX, "unmapped is the largest u32");
_Static_assert(HC_STATS_SIZE <= PAGING_WRITE_MAX, "exit_stats in one write");
_Static_assert(LAYOUT_HC_PAGE + HC_STATS_SIZE <= LAYOUT_REAL_MAX_ENTRY,
               "exit_stats_ptr's page is below 1 MiB: real mode reaches it");

#define HC_WIDTH 4      /* bytes: the headers' hypercalls are 32-bit */
#define BITS_PER_BYTE 8u
#define NS_PER_US 1000u
#define ALL_ONES 0xFFu  /* what an unknown IN reads, every byte */

/* One port I/O exit, read out of the run page after bounds checks. */
struct io {
    uint16_t port;
    uint8_t dir, size;
    uint32_t count;
    uint8_t *data;  /* inside the run page: size * count bytes */
    uint32_t value; /* OUT: the first item, little-endian, zero-extended */
};

typedef int (*hc_fn)(struct hc_ctx *ctx, const struct hc_call_info *def,
                     struct io *io, const struct kvm_sregs *sregs,
                     struct skvm_err *err);

static int hc_fault(const struct hc_call_info *def, const struct io *io,
                    struct skvm_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "hypercall print_str (port 0x502, OUT 0x40000000): <reason>" */
static int hc_fault(const struct hc_call_info *def, const struct io *io,
                    struct skvm_err *err, const char *fmt, ...)
{
    char reason[sizeof(err->msg)], what[64];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    if (io->dir == KVM_EXIT_IO_OUT)
        snprintf(what, sizeof(what), "%u-bit OUT 0x%" PRIx32,
                 io->size * BITS_PER_BYTE, io->value);
    else
        snprintf(what, sizeof(what), "%u-bit IN", io->size * BITS_PER_BYTE);
    return skvm_fail(err, SKVM_GUEST_FAULT, "hypercall %s (port 0x%x, %s): %s",
                     def->name, io->port, what, reason);
}

/* All of buf to the output; a closed stdout does not stop the guest. */
static void hc_write(const struct hc_ctx *ctx, const void *buf, size_t len)
{
    fdwrite_all(ctx->out_fd, buf, len);
}

/* An IN's answer: the low io->size bytes of value. */
static void io_set_in(struct io *io, uint32_t value)
{
    for (unsigned i = 0; i < io->size; i++)
        io->data[i] = (uint8_t)(value >> (BITS_PER_BYTE * i));
}

uint64_t hypercall_clock_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One line for a pointer that could not be used. */
static int pointer_fault(const struct hc_call_info *def, const struct io *io,
                         const struct paging_fault *f, struct skvm_err *err)
{
    const char *why = paging_status_text(f->status);

    switch (f->status) {
    case PAGING_WRAPS:
        return hc_fault(def, io, err,
                        "the range at 0x%" PRIx32 " wraps past 4 GiB",
                        io->value);
    case PAGING_UNTERMINATED:
        return hc_fault(def, io, err,
                        "unterminated string (no NUL in %u bytes)",
                        HC_STR_MAX + 1);
    default:
        break;
    }
    if (f->linear != io->value && strcmp(def->name, "print_str") == 0)
        return hc_fault(def, io, err,
                        "unterminated string: no NUL before 0x%llx, which "
                        "is %s",
                        (unsigned long long)f->linear, why);
    if (f->status == PAGING_NOT_RAM && f->gpa != f->linear)
        return hc_fault(def, io, err,
                        "address 0x%llx maps to 0x%llx, which is outside "
                        "guest RAM",
                        (unsigned long long)f->linear,
                        (unsigned long long)f->gpa);
    return hc_fault(def, io, err, "address 0x%llx is %s",
                    (unsigned long long)f->linear, why);
}

static int hc_putchar(struct hc_ctx *ctx, const struct hc_call_info *def,
                      struct io *io, const struct kvm_sregs *sregs,
                      struct skvm_err *err)
{
    uint8_t low[256];
    uint32_t done = 0;

    (void)def, (void)sregs, (void)err;
    if (io->size == 1) { /* rep outsb: count bytes at once */
        if (ctx->opt.hold)
            fdwrite_held(ctx->out_fd, io->data, io->count);
        else
            hc_write(ctx, io->data, io->count);
        return HC_CONTINUE;
    }
    /* A wider OUT writes its low byte, item by item (rep outsw/outsd). */
    while (done < io->count) {
        uint32_t n = 0;
        for (; n < sizeof(low) && done < io->count; n++, done++)
            low[n] = io->data[(size_t)done * io->size];
        hc_write(ctx, low, n);
    }
    return HC_CONTINUE;
}

static int hc_exit(struct hc_ctx *ctx, const struct hc_call_info *def,
                   struct io *io, const struct kvm_sregs *sregs,
                   struct skvm_err *err)
{
    (void)def, (void)sregs, (void)err;
    ctx->exit_status = io->value;
    return HC_EXITED;
}

static int hc_print_u32(struct hc_ctx *ctx, const struct hc_call_info *def,
                        struct io *io, const struct kvm_sregs *sregs,
                        struct skvm_err *err)
{
    char line[sizeof("4294967295\n")];
    int n = snprintf(line, sizeof(line), "%" PRIu32 "\n", io->value);

    (void)def, (void)sregs, (void)err;
    hc_write(ctx, line, (size_t)n);
    return HC_CONTINUE;
}

static int hc_print_str(struct hc_ctx *ctx, const struct hc_call_info *def,
                        struct io *io, const struct kvm_sregs *sregs,
                        struct skvm_err *err)
{
    char buf[HC_STR_MAX + 1];
    struct paging_fault f;
    size_t len;

    if (paging_read_str(ctx->mem, sregs, io->value, buf, HC_STR_MAX, &len,
                        &f) < 0)
        return pointer_fault(def, io, &f, err);
    hc_write(ctx, buf, len);
    return HC_CONTINUE;
}

static int hc_exit_count(struct hc_ctx *ctx, const struct hc_call_info *def,
                         struct io *io, const struct kvm_sregs *sregs,
                         struct skvm_err *err)
{
    (void)def, (void)sregs, (void)err;
    io_set_in(io, ctx->exits > UINT32_MAX ? UINT32_MAX : (uint32_t)ctx->exits);
    return HC_CONTINUE;
}

/* exit_stats' text, for both of its calls; the unused tail stays NUL
 * (text is zeroed by the caller) and is written too. */
static void stats_text(const struct hc_ctx *ctx, char text[HC_STATS_SIZE])
{
    snprintf(text, HC_STATS_SIZE, "IO in: %llu\nIO out: %llu\n",
             (unsigned long long)ctx->io_in, (unsigned long long)ctx->io_out);
}

static int hc_exit_stats(struct hc_ctx *ctx, const struct hc_call_info *def,
                         struct io *io, const struct kvm_sregs *sregs,
                         struct skvm_err *err)
{
    char text[HC_STATS_SIZE] = {0};
    struct paging_fault f;

    stats_text(ctx, text);
    if (paging_write(ctx->mem, sregs, io->value, text, sizeof(text), &f) < 0)
        return pointer_fault(def, io, &f, err);
    return HC_CONTINUE;
}

/* OUT: translate now (the paging of this moment); IN: hand it over. */
static int hc_translate(struct hc_ctx *ctx, const struct hc_call_info *def,
                        struct io *io, const struct kvm_sregs *sregs,
                        struct skvm_err *err)
{
    struct paging_walk walk;

    if (io->dir == KVM_EXIT_IO_IN) {
        if (!ctx->translate_ready)
            return hc_fault(def, io, err,
                            "IN without a preceding OUT of an address");
        io_set_in(io, ctx->translate_result);
        ctx->translate_ready = false;
        return HC_CONTINUE;
    }
    ctx->translate_result = HC_UNMAPPED;
    /* Only RAM below 4 GiB has an answer the 32-bit ABI can carry. */
    if (paging_translate(ctx->mem, sregs, io->value, &walk) == PAGING_OK &&
        guestmem_contains(ctx->mem, walk.gpa, 1) && walk.gpa < HC_UNMAPPED)
        ctx->translate_result = (uint32_t)walk.gpa;
    ctx->translate_ready = true;
    return HC_CONTINUE;
}

/* IN: the answer of QEMU's and Bochs' debug console on its port, which
 * guests read to detect it. */
static int hc_console_detect(struct hc_ctx *ctx,
                             const struct hc_call_info *def, struct io *io,
                             const struct kvm_sregs *sregs,
                             struct skvm_err *err)
{
    (void)ctx, (void)def, (void)sregs, (void)err;
    io_set_in(io, LAYOUT_PORT_CONSOLE);
    return HC_CONTINUE;
}

/* IN: the counts as text in the host's page (LAYOUT_HC_PAGE), its
 * guest-physical address returned as the pointer: the loader's paging
 * maps it there (identity) in every mode. */
static int hc_exit_stats_ptr(struct hc_ctx *ctx,
                             const struct hc_call_info *def, struct io *io,
                             const struct kvm_sregs *sregs,
                             struct skvm_err *err)
{
    char text[HC_STATS_SIZE] = {0};

    (void)sregs;
    stats_text(ctx, text);
    if (guestmem_write(ctx->mem, LAYOUT_HC_PAGE, text, sizeof(text)) < 0)
        return hc_fault(def, io, err,
                        "the host's page at 0x%x is outside guest RAM (%llu "
                        "bytes)",
                        LAYOUT_HC_PAGE, (unsigned long long)ctx->mem->size);
    io_set_in(io, LAYOUT_HC_PAGE);
    return HC_CONTINUE;
}

/* OUT: a linear address; IN: the low 32 bits of a host address for it:
 * the real one with --reveal-hva, else HC_HVA_STANDIN + guest-physical.
 * An address with no RAM prints "Invalid GVA" and answers 0. */
static int hc_gva_to_hva(struct hc_ctx *ctx, const struct hc_call_info *def,
                         struct io *io, const struct kvm_sregs *sregs,
                         struct skvm_err *err)
{
    struct paging_walk walk;
    const void *host;

    if (io->dir == KVM_EXIT_IO_IN) {
        if (!ctx->hva_ready)
            return hc_fault(def, io, err,
                            "IN without a preceding OUT of an address");
        io_set_in(io, ctx->hva_result);
        ctx->hva_ready = false;
        return HC_CONTINUE;
    }
    ctx->hva_result = 0;
    ctx->hva_ready = true;
    if (paging_translate(ctx->mem, sregs, io->value, &walk) != PAGING_OK ||
        !(host = guestmem_ptr(ctx->mem, walk.gpa, 1))) {
        hc_write(ctx, HC_INVALID_GVA, strlen(HC_INVALID_GVA));
        return HC_CONTINUE;
    }
    ctx->hva_result = ctx->opt.reveal_hva
                          ? (uint32_t)(uintptr_t)host
                          : (uint32_t)(HC_HVA_STANDIN + walk.gpa);
    return HC_CONTINUE;
}

/* IN: microseconds since hypercall_init (the run's start), low 32 bits. */
static int hc_timestamp(struct hc_ctx *ctx, const struct hc_call_info *def,
                        struct io *io, const struct kvm_sregs *sregs,
                        struct skvm_err *err)
{
    uint64_t now = ctx->now_ns ? ctx->now_ns() : hypercall_clock_ns();

    (void)def, (void)sregs, (void)err;
    io_set_in(io, (uint32_t)((now - ctx->start_ns) / NS_PER_US));
    return HC_CONTINUE;
}

/* OUT: the --boot BIOS's handlers pass the linear address of the frame
 * they pushed (core/bios.h); the service's end of the run (int 0x19, no
 * more keys) is an exit with status 0. */
static int hc_bios(struct hc_ctx *ctx, const struct hc_call_info *def,
                   struct io *io, const struct kvm_sregs *sregs,
                   struct skvm_err *err)
{
    struct paging_walk walk;
    int rc;

    if (!ctx->opt.bios)
        return hc_fault(def, io, err, "there is no BIOS: the call is for "
                                      "--boot's own handlers");
    if (paging_translate(ctx->mem, sregs, io->value, &walk) != PAGING_OK ||
        walk.gpa > UINT32_MAX)
        return hc_fault(def, io, err, "the frame's address is not mapped");
    rc = bios_call(ctx->opt.bios, ctx->mem, (uint32_t)walk.gpa, ctx->out_fd,
                   err);
    if (rc < 0) {
        ctx->fault_placed = err->status == SKVM_GUEST_FAULT;
        return -1;
    }
    if (rc == BIOS_ENDED) {
        ctx->exit_status = 0;
        return HC_EXITED;
    }
    return HC_CONTINUE;
}

/* One handler per row of meson.build's `hypercalls` table: call `name`
 * is handled by hc_<name> (the build fails without one). */
static const hc_fn handlers[HC_N_CALLS] = {
#define HC_HANDLER(port, name, NAME, bytes, out, in, many, pointer) \
    [HC_CALL_##NAME] = hc_##name,
    LAYOUT_HYPERCALLS(HC_HANDLER)
#undef HC_HANDLER
};

/* Read the exit out of the run page; every field is checked before use. */
static int io_load(struct kvm_run *run, size_t run_size, struct io *io,
                   struct skvm_err *err)
{
    uint64_t off;

    if (run_size < sizeof(*run) || run->exit_reason != KVM_EXIT_IO)
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "hypercall dispatch without a KVM_EXIT_IO");
    off = run->io.data_offset;
    *io = (struct io){.port = run->io.port, .dir = run->io.direction,
                      .size = run->io.size, .count = run->io.count};
    if ((io->dir != KVM_EXIT_IO_IN && io->dir != KVM_EXIT_IO_OUT) ||
        (io->size != 1 && io->size != 2 && io->size != 4) || io->count == 0)
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "KVM_EXIT_IO with direction %u, size %u, count %u "
                         "on port 0x%x",
                         io->dir, io->size, io->count, io->port);
    /* KVM fills these, but never index the shared page unchecked. */
    if (off > run_size || (uint64_t)io->size * io->count > run_size - off)
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "KVM_EXIT_IO data outside the kvm_run page");
    io->data = (uint8_t *)run + off;
    if (io->dir == KVM_EXIT_IO_OUT)
        for (unsigned i = io->size; i-- > 0;)
            io->value = io->value << BITS_PER_BYTE | io->data[i];
    return 0;
}

void hypercall_init(struct hc_ctx *ctx, const struct guestmem *mem,
                    int out_fd)
{
    *ctx = (struct hc_ctx){.mem = mem, .out_fd = out_fd,
                           .log_fd = STDERR_FILENO};
    ctx->start_ns = hypercall_clock_ns();
}

bool hypercall_needs_sregs(const struct hc_ctx *ctx, const struct kvm_run *run,
                           size_t run_size)
{
    int call;

    if (run_size < sizeof(*run) || run->exit_reason != KVM_EXIT_IO ||
        run->io.direction != KVM_EXIT_IO_OUT)
        return false;
    call = portmap_lookup(ctx->opt.map, run->io.port, PORTMAP_OUT);
    return call >= 0 && hc_call_info((unsigned)call)->pointer;
}

/* An access the map does not bind: the run's end (fail), or one line
 * (log) and on, IN reading all ones (log, ignore). */
static int unknown_access(struct hc_ctx *ctx, struct io *io,
                          struct skvm_err *err)
{
    const char *str = io->count > 1 ? ", string" : "";
    int other = portmap_other_dir(ctx->opt.map, io->port,
                                  io->dir == KVM_EXIT_IO_OUT ? PORTMAP_OUT
                                                             : PORTMAP_IN);
    char line[160];
    int n;

    ctx->unknown++;
    if (ctx->opt.unknown == HC_UNKNOWN_FAIL) {
        if (other >= 0) {
            const struct hc_call_info *def = hc_call_info((unsigned)other);
            return hc_fault(def, io, err, "%s is %s-only", def->name,
                            def->out ? "OUT" : "IN");
        }
        if (io->dir == KVM_EXIT_IO_OUT)
            return skvm_fail(err, SKVM_GUEST_FAULT,
                             "guest used undefined port 0x%x (%u-bit OUT%s), "
                             "value 0x%" PRIx32,
                             io->port, io->size * BITS_PER_BYTE, str,
                             io->value);
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "guest used undefined port 0x%x (%u-bit IN%s)",
                         io->port, io->size * BITS_PER_BYTE, str);
    }
    if (io->dir == KVM_EXIT_IO_IN)
        memset(io->data, ALL_ONES, (size_t)io->size * io->count);
    if (ctx->opt.unknown != HC_UNKNOWN_LOG)
        return HC_CONTINUE;
    if (io->dir == KVM_EXIT_IO_OUT)
        n = snprintf(line, sizeof(line),
                     "unknown-ports: %u-bit OUT%s to port 0x%x, value 0x%" PRIx32
                     ", ignored\n",
                     io->size * BITS_PER_BYTE, str, io->port, io->value);
    else
        n = snprintf(line, sizeof(line),
                     "unknown-ports: %u-bit IN%s from port 0x%x, read as all "
                     "ones\n",
                     io->size * BITS_PER_BYTE, str, io->port);
    fdwrite_all(ctx->log_fd, line, (size_t)n);
    return HC_CONTINUE;
}

int hypercall_dispatch(struct hc_ctx *ctx, struct kvm_run *run,
                       size_t run_size, const struct kvm_sregs *sregs,
                       struct skvm_err *err)
{
    const struct hc_call_info *def;
    struct io io;
    int call;

    if (io_load(run, run_size, &io, err) < 0)
        return -1;
    if (io.dir == KVM_EXIT_IO_IN)
        ctx->io_in++;
    else
        ctx->io_out++;
    call = portmap_lookup(ctx->opt.map, io.port,
                          io.dir == KVM_EXIT_IO_OUT ? PORTMAP_OUT
                                                    : PORTMAP_IN);
    if (call < 0)
        return unknown_access(ctx, &io, err);
    def = hc_call_info((unsigned)call);
    if (io.count > 1 && !def->many)
        return hc_fault(def, &io, err,
                        "string I/O (rep outs/ins, count %" PRIu32
                        ") is refused on hypercall ports",
                        io.count);
    if (def->pointer && io.dir == KVM_EXIT_IO_OUT && !sregs)
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "hypercall %s needs the vCPU's sregs", def->name);
    return handlers[call](ctx, def, &io, sregs, err);
}

int hypercall_exit_result(const struct hc_ctx *ctx, struct skvm_err *err)
{
    if (ctx->exit_status == 0)
        return 0;
    return skvm_fail(err, SKVM_CHECK_FAILED,
                     "guest reported failure: status %" PRIu32,
                     ctx->exit_status);
}

const char *hypercall_name(const struct portmap *map, uint16_t port, bool out)
{
    int call = portmap_lookup(map, port, out ? PORTMAP_OUT : PORTMAP_IN);
    const struct hc_call_info *def;

    if (call < 0 || call == HC_CALL_PUTCHAR)
        return NULL;
    def = hc_call_info((unsigned)call);
    /* A call is made by its first direction: OUT, or IN for IN-only. */
    if (!out && def->out)
        return NULL;
    return def->name;
}
