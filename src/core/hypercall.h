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
 * is treated as untrusted. Any misuse (unknown port, wrong direction or
 * size, string I/O on a hypercall port, a pointer that is unmapped, not
 * RAM, wraps past 4 GiB, or an unterminated string) is SKVM_GUEST_FAULT
 * with one line naming the port, the value and the reason.
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

#define HC_STR_MAX    LAYOUT_HC_STR_MAX    /* print_str: bytes before NUL */
#define HC_STATS_SIZE LAYOUT_HC_STATS_SIZE /* exit_stats: the guest buffer */
#define HC_UNMAPPED   LAYOUT_HC_UNMAPPED   /* translate: not RAM */

enum hc_result {
    HC_CONTINUE = 0, /* handled; resume the guest */
    HC_EXITED = 1,   /* the guest called exit; see ctx->exit_status */
};

struct hc_ctx {
    const struct guestmem *mem;
    int out_fd;        /* where the guest's output goes (stdout) */
    uint64_t exits;    /* set by the caller: VM exits so far, this one too */
    uint64_t io_in, io_out; /* KVM_EXIT_IO exits seen by the dispatcher */
    bool translate_ready;   /* an OUT to translate awaits its IN */
    uint32_t translate_result;
    uint32_t exit_status; /* with HC_EXITED */
};

void hypercall_init(struct hc_ctx *ctx, const struct guestmem *mem,
                    int out_fd);

/* True when dispatching this exit translates a guest pointer, so the
 * caller must pass the vCPU's current sregs. */
bool hypercall_needs_sregs(const struct kvm_run *run, size_t run_size);

/* Handle the KVM_EXIT_IO in `run` (run_size bytes, the mmap'd size).
 * Returns HC_CONTINUE, HC_EXITED or -1 with err filled. */
int hypercall_dispatch(struct hc_ctx *ctx, struct kvm_run *run,
                       size_t run_size, const struct kvm_sregs *sregs,
                       struct skvm_err *err);

/* After HC_EXITED: 0 for status 0, else -1 with SKVM_CHECK_FAILED
 * "guest reported failure: status N". */
int hypercall_exit_result(const struct hc_ctx *ctx, struct skvm_err *err);

/* The hypercall on `port` called in direction `out` ("exit",
 * "translate"), or NULL when that is not a hypercall: the console port
 * is plain output, and translate's IN (reading the result) belongs to
 * the OUT's call. The name is a static string. */
const char *hypercall_name(uint16_t port, bool out);

#endif
