/* hypercall.h - port I/O from the guest: the console and the hypercall
 * ABI (docs/hypercalls.md, include/skvm_hypercall.h).
 *
 * The ABI (ports, directions, sizes, limits) is defined once, in
 * meson.build's `hypercalls` table; layout_gen.h carries it here as
 * LAYOUT_PORT_*, LAYOUT_HC_* and the row list LAYOUT_HYPERCALLS(X), from
 * which hypercall.c builds its dispatch table.
 *
 * hypercall_dispatch() handles one KVM_EXIT_IO from a kvm_run page and
 * never touches KVM itself: the run loop reads the vCPU's sregs (only
 * when hypercall_needs_sregs() says a pointer will be translated) and
 * passes them in, so the dispatcher runs on a synthetic kvm_run buffer,
 * guest memory buffer and kvm_sregs in tests. Every field of the run page
 * is treated as untrusted. Calls are found through a port map
 * (core/portmap.h); every call works at every access width (an OUT's
 * value is zero-extended, an IN gets the low bits of the answer). Any
 * misuse (an unknown port with --unknown-ports=fail, string I/O on a
 * hypercall port, a pointer that is unmapped, not RAM, wraps past 4 GiB,
 * or an unterminated string) is SKVM_GUEST_FAULT with one line naming
 * the port, the value and the reason.
 */
#ifndef SKVM_HYPERCALL_H_HOST
#define SKVM_HYPERCALL_H_HOST

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "core/guestmem.h"
#include "core/layout.h"
#include "core/portmap.h"

#define HC_STR_MAX    LAYOUT_HC_STR_MAX    /* print_str: bytes before NUL */
#define HC_STATS_SIZE LAYOUT_HC_STATS_SIZE /* exit_stats: the guest buffer */
#define HC_UNMAPPED   LAYOUT_HC_UNMAPPED   /* translate: not RAM */

#define HC_HVA_STANDIN LAYOUT_HC_HVA_STANDIN /* gva_to_hva: fake base */
#define HC_INVALID_GVA "Invalid GVA\n"      /* gva_to_hva: unmapped */

/* An access the port map does not bind (--unknown-ports). */
enum hc_unknown {
    HC_UNKNOWN_FAIL = 0, /* a guest fault naming the port (the default) */
    HC_UNKNOWN_LOG,      /* one stderr line, then go on */
    HC_UNKNOWN_IGNORE,   /* go on silently */
};

struct bios; /* core/bios.h */

/* How the run wants port I/O answered (app/session.c fills it). */
struct hc_options {
    const struct portmap *map; /* NULL: the default map */
    enum hc_unknown unknown;
    bool reveal_hva; /* gva_to_hva: the real host address (--reveal-hva) */
    struct bios *bios; /* --boot: the BIOS the `bios` call serves, or NULL */
    bool hold; /* putchar's bytes may wait for a line's end
                  (fdwrite_held); the run loop releases them */
};

enum hc_result {
    HC_CONTINUE = 0, /* handled; resume the guest */
    HC_EXITED = 1,   /* the guest called exit; see ctx->exit_status */
};

struct hc_ctx {
    const struct guestmem *mem;
    int out_fd;        /* where the guest's output goes (stdout) */
    int log_fd;        /* --unknown-ports=log lines (stderr) */
    struct hc_options opt;
    uint64_t exits;    /* set by the caller: VM exits so far, this one too */
    uint64_t io_in, io_out; /* KVM_EXIT_IO exits seen by the dispatcher */
    uint64_t unknown;  /* accesses the map does not bind */
    bool translate_ready;   /* an OUT to translate awaits its IN */
    uint32_t translate_result;
    bool hva_ready;         /* an OUT to gva_to_hva awaits its IN */
    uint32_t hva_result;
    uint64_t start_ns;      /* timestamp's zero: hypercall_init */
    uint64_t (*now_ns)(void); /* the clock (tests); CLOCK_MONOTONIC */
    uint32_t exit_status; /* with HC_EXITED */
    /* The failure's line already says where (a BIOS call names its
     * caller's CS:IP): the run loop adds no RIP. */
    bool fault_placed;
};

/* Default options (the default map, unknown ports fail); the timestamp
 * starts counting here. */
void hypercall_init(struct hc_ctx *ctx, const struct guestmem *mem,
                    int out_fd);

/* CLOCK_MONOTONIC in nanoseconds: timestamp's clock. */
uint64_t hypercall_clock_ns(void);

/* True when dispatching this exit translates a guest pointer, so the
 * caller must pass the vCPU's current sregs. */
bool hypercall_needs_sregs(const struct hc_ctx *ctx, const struct kvm_run *run,
                           size_t run_size);

/* Handle the KVM_EXIT_IO in `run` (run_size bytes, the mmap'd size).
 * Returns HC_CONTINUE, HC_EXITED or -1 with err filled. */
int hypercall_dispatch(struct hc_ctx *ctx, struct kvm_run *run,
                       size_t run_size, const struct kvm_sregs *sregs,
                       struct skvm_err *err);

/* After HC_EXITED: 0 for status 0, else -1 with SKVM_CHECK_FAILED
 * "guest reported failure: status N". */
int hypercall_exit_result(const struct hc_ctx *ctx, struct skvm_err *err);

/* The hypercall `map` (NULL: the default map) binds to `port` in
 * direction `out` ("exit", "translate"), or NULL when that access is not
 * a hypercall: putchar is plain output, and the IN of an OUT-then-IN
 * call (reading the result) belongs to the OUT's call. The name is a
 * static string. */
const char *hypercall_name(const struct portmap *map, uint16_t port, bool out);

#endif
