/* hypercall.c - the console port and the hypercall ABI, dispatched from
 * one KVM_EXIT_IO without touching KVM. */
#include "core/hypercall.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

#define HC_WIDTH 4      /* bytes: hypercalls are 32-bit port I/O */
#define BITS_PER_BYTE 8u

/* One port I/O exit, read out of the run page after bounds checks. */
struct io {
    uint16_t port;
    uint8_t dir, size;
    uint32_t count;
    uint8_t *data;  /* inside the run page: size * count bytes */
    uint32_t value; /* OUT: the first item, little-endian */
};

struct port_def;
typedef int (*hc_fn)(struct hc_ctx *ctx, const struct port_def *def,
                     struct io *io, const struct kvm_sregs *sregs,
                     struct skvm_err *err);

struct port_def {
    uint16_t port;
    const char *name;
    uint8_t width;   /* required I/O size in bytes */
    bool out, in;    /* directions allowed */
    bool many;       /* string I/O (count > 1) allowed */
    bool pointer;    /* an OUT value is a guest pointer (needs sregs) */
    hc_fn fn;
};

static int hc_fault(const struct port_def *def, const struct io *io,
                    struct skvm_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "hypercall print_str (port 0x502, OUT 0x40000000): <reason>" */
static int hc_fault(const struct port_def *def, const struct io *io,
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

static void io_set_in(struct io *io, uint32_t value)
{
    for (unsigned i = 0; i < io->size; i++)
        io->data[i] = (uint8_t)(value >> (BITS_PER_BYTE * i));
}

/* One line for a pointer that could not be used. */
static int pointer_fault(const struct port_def *def, const struct io *io,
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
    if (f->linear != io->value && def->port == LAYOUT_PORT_HC_PRINT_STR)
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

static int hc_putchar(struct hc_ctx *ctx, const struct port_def *def,
                      struct io *io, const struct kvm_sregs *sregs,
                      struct skvm_err *err)
{
    (void)def, (void)sregs, (void)err;
    hc_write(ctx, io->data, io->count); /* rep outsb: count bytes at once */
    return HC_CONTINUE;
}

static int hc_exit(struct hc_ctx *ctx, const struct port_def *def,
                   struct io *io, const struct kvm_sregs *sregs,
                   struct skvm_err *err)
{
    (void)def, (void)sregs, (void)err;
    ctx->exit_status = io->value;
    return HC_EXITED;
}

static int hc_print_u32(struct hc_ctx *ctx, const struct port_def *def,
                        struct io *io, const struct kvm_sregs *sregs,
                        struct skvm_err *err)
{
    char line[sizeof("4294967295\n")];
    int n = snprintf(line, sizeof(line), "%" PRIu32 "\n", io->value);

    (void)def, (void)sregs, (void)err;
    hc_write(ctx, line, (size_t)n);
    return HC_CONTINUE;
}

static int hc_print_str(struct hc_ctx *ctx, const struct port_def *def,
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

static int hc_exit_count(struct hc_ctx *ctx, const struct port_def *def,
                         struct io *io, const struct kvm_sregs *sregs,
                         struct skvm_err *err)
{
    (void)def, (void)sregs, (void)err;
    io_set_in(io, ctx->exits > UINT32_MAX ? UINT32_MAX : (uint32_t)ctx->exits);
    return HC_CONTINUE;
}

static int hc_exit_stats(struct hc_ctx *ctx, const struct port_def *def,
                         struct io *io, const struct kvm_sregs *sregs,
                         struct skvm_err *err)
{
    char text[HC_STATS_SIZE] = {0}; /* the unused tail is written as NULs */
    struct paging_fault f;

    snprintf(text, sizeof(text), "IO in: %llu\nIO out: %llu\n",
             (unsigned long long)ctx->io_in, (unsigned long long)ctx->io_out);
    if (paging_write(ctx->mem, sregs, io->value, text, sizeof(text), &f) < 0)
        return pointer_fault(def, io, &f, err);
    return HC_CONTINUE;
}

/* OUT: translate now (the paging of this moment); IN: hand it over. */
static int hc_translate(struct hc_ctx *ctx, const struct port_def *def,
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

/* One row per row of meson.build's `hypercalls` table, in its order (the
 * console first: it is the busiest); call `name` is handled by hc_<name>. */
static const struct port_def ports[] = {
#define HC_PORT_DEF(port, name, NAME, bytes, out, in, many, pointer) \
    {(port), #name, (bytes), (out), (in), (many), (pointer), hc_##name},
    LAYOUT_HYPERCALLS(HC_PORT_DEF)
#undef HC_PORT_DEF
};
#define N_PORTS (sizeof(ports) / sizeof(ports[0]))

static const struct port_def *port_find(uint16_t port)
{
    for (size_t i = 0; i < N_PORTS; i++)
        if (ports[i].port == port)
            return &ports[i];
    return NULL;
}

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
    *ctx = (struct hc_ctx){.mem = mem, .out_fd = out_fd};
}

bool hypercall_needs_sregs(const struct kvm_run *run, size_t run_size)
{
    const struct port_def *def;

    if (run_size < sizeof(*run) || run->exit_reason != KVM_EXIT_IO ||
        run->io.direction != KVM_EXIT_IO_OUT)
        return false;
    def = port_find(run->io.port);
    return def && def->pointer;
}

int hypercall_dispatch(struct hc_ctx *ctx, struct kvm_run *run,
                       size_t run_size, const struct kvm_sregs *sregs,
                       struct skvm_err *err)
{
    const struct port_def *def;
    struct io io;

    if (io_load(run, run_size, &io, err) < 0)
        return -1;
    if (io.dir == KVM_EXIT_IO_IN)
        ctx->io_in++;
    else
        ctx->io_out++;
    def = port_find(io.port);
    if (!def) {
        if (io.dir == KVM_EXIT_IO_OUT)
            return skvm_fail(err, SKVM_GUEST_FAULT,
                             "guest used undefined port 0x%x (%u-bit OUT%s), "
                             "value 0x%" PRIx32,
                             io.port, io.size * BITS_PER_BYTE,
                             io.count > 1 ? ", string" : "", io.value);
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "guest used undefined port 0x%x (%u-bit IN%s)",
                         io.port, io.size * BITS_PER_BYTE,
                         io.count > 1 ? ", string" : "");
    }
    if (io.dir == KVM_EXIT_IO_OUT ? !def->out : !def->in)
        return hc_fault(def, &io, err, "%s is %s-only", def->name,
                        def->out ? "OUT" : "IN");
    if (io.size != def->width)
        return hc_fault(def, &io, err, "needs %u-bit port I/O%s",
                        def->width * BITS_PER_BYTE,
                        def->width == HC_WIDTH ? " (out dx, eax / in eax, dx)"
                                               : "");
    if (io.count > 1 && !def->many)
        return hc_fault(def, &io, err,
                        "string I/O (rep outs/ins, count %" PRIu32
                        ") is refused on hypercall ports",
                        io.count);
    if (def->pointer && io.dir == KVM_EXIT_IO_OUT && !sregs)
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "hypercall %s needs the vCPU's sregs", def->name);
    return def->fn(ctx, def, &io, sregs, err);
}

int hypercall_exit_result(const struct hc_ctx *ctx, struct skvm_err *err)
{
    if (ctx->exit_status == 0)
        return 0;
    return skvm_fail(err, SKVM_CHECK_FAILED,
                     "guest reported failure: status %" PRIu32,
                     ctx->exit_status);
}

const char *hypercall_name(uint16_t port, bool out)
{
    const struct port_def *def = port_find(port);

    if (!def || def->port == LAYOUT_PORT_CONSOLE)
        return NULL;
    /* A call is made by its first direction: OUT, or IN for IN-only. */
    if (out ? !def->out : def->out || !def->in)
        return NULL;
    return def->name;
}
