/* fuzz_hypercall.c - libFuzzer target: the hypercall dispatcher, no KVM.
 *
 * The input is a header (guest RAM size, CR0/CR3/CR4/EFER, kvm_run page
 * size) followed by a few port I/O exits and then the guest RAM bytes.
 * Each exit is written into a synthetic kvm_run page exactly the way KVM
 * would not be trusted to (random direction, size, count, data_offset)
 * and dispatched with the same sregs rule as the run loop. The dispatcher
 * must return HC_CONTINUE, HC_EXITED or -1 with a one-line guest fault,
 * and touch nothing outside the run page and RAM buffers (both heap
 * allocations of their exact size, so ASan sees any stray byte). Guest
 * output goes to /dev/null through the dispatcher's out_fd seam. The
 * first RAM bytes double as a --ports file: the port map parser and the
 * dispatch through whatever map it built are fuzzed too.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/hypercall.h"
#include "core/portmap.h"

#define MAX_EXITS      8
#define RAM_MAX        (1u << 20) /* big enough for paging structures */
#define RUN_EXTRA_MAX  8192u      /* the mmap'd run page is larger than
                                     struct kvm_run; data lives past it */
#define EXIT_DATA      8          /* payload bytes copied per exit */
#define MAP_TEXT_MAX   256        /* RAM bytes also read as a --ports file */

struct header {
    uint32_t ram_size; /* taken modulo RAM_MAX, + 1: need not be aligned */
    uint16_t run_extra;
    uint8_t n_exits;
    uint8_t pad;
    uint64_t cr0, cr3, cr4, efer;
};

struct exit_rec {
    uint32_t exit_reason; /* mostly KVM_EXIT_IO: see below */
    uint16_t port;
    uint8_t direction, size;
    uint32_t count;
    uint32_t data_offset;
    uint8_t data[EXIT_DATA];
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int devnull = -1;
    struct header h;
    struct exit_rec recs[MAX_EXITS];
    struct kvm_sregs sregs = {0};
    struct guestmem mem;
    struct hc_ctx ctx;
    struct kvm_run *run;
    size_t run_size, n_exits, ram_len;
    uint8_t *ram;

    if (devnull < 0)
        devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (size < sizeof(h))
        return 0;
    memcpy(&h, data, sizeof(h));
    data += sizeof(h);
    size -= sizeof(h);
    n_exits = h.n_exits % (MAX_EXITS + 1);
    if (size < n_exits * sizeof(recs[0]))
        return 0;
    memcpy(recs, data, n_exits * sizeof(recs[0]));
    data += n_exits * sizeof(recs[0]);
    size -= n_exits * sizeof(recs[0]);

    /* RAM: the rest of the input, zero-padded to the chosen size. */
    ram_len = h.ram_size % RAM_MAX + 1;
    ram = calloc(1, ram_len);
    run_size = sizeof(*run) + h.run_extra % RUN_EXTRA_MAX;
    run = calloc(1, run_size);
    if (!ram || !run)
        abort();
    memcpy(ram, data, size < ram_len ? size : ram_len);
    mem = (struct guestmem){.host = ram, .size = ram_len};
    sregs.cr0 = h.cr0;
    sregs.cr3 = h.cr3;
    sregs.cr4 = h.cr4;
    sregs.efer = h.efer;

    hypercall_init(&ctx, &mem, devnull);
    /* The port map too: the header's pad byte picks the unknown-port
     * policy and --reveal-hva, and the first RAM bytes are a --ports
     * file (a bad one just leaves the default map). */
    static struct portmap map;
    struct skvm_err map_err;
    portmap_init(&map);
    if (portmap_add_text(&map, (const char *)ram,
                         ram_len < MAP_TEXT_MAX ? ram_len : MAP_TEXT_MAX,
                         "fuzz", &map_err) < 0 &&
        (map_err.status != SKVM_USAGE || strchr(map_err.msg, '\n')))
        abort();
    ctx.opt = (struct hc_options){.map = (h.pad & 4) ? NULL : &map,
                                  .unknown = (enum hc_unknown)(h.pad % 3),
                                  .reveal_hva = (h.pad & 8) != 0};
    ctx.log_fd = devnull;
    for (size_t i = 0; i < n_exits; i++) {
        const struct exit_rec *r = &recs[i];
        struct skvm_err err = {0};
        int rc;

        memset(run, 0, run_size);
        /* Low bit clear: a real IO exit; set: whatever the input says. */
        run->exit_reason = (r->exit_reason & 1) ? r->exit_reason >> 1
                                                : KVM_EXIT_IO;
        run->io.port = r->port;
        run->io.direction = r->direction;
        run->io.size = r->size;
        run->io.count = r->count;
        run->io.data_offset = r->data_offset;
        if (r->data_offset < run_size)
            memcpy((uint8_t *)run + r->data_offset, r->data,
                   run_size - r->data_offset < EXIT_DATA
                       ? run_size - r->data_offset
                       : EXIT_DATA);
        ctx.exits = i + 1;
        rc = hypercall_dispatch(&ctx, run, run_size,
                                hypercall_needs_sregs(&ctx, run, run_size)
                                    ? &sregs
                                    : NULL,
                                &err);
        if (rc == HC_EXITED) {
            /* exit(0) passes; any other status is one check-failed line. */
            int res = hypercall_exit_result(&ctx, &err);
            if ((res == 0) != (ctx.exit_status == 0) ||
                (res < 0 && (err.status != SKVM_CHECK_FAILED ||
                             strchr(err.msg, '\n'))))
                abort();
            break;
        }
        if (rc == -1) {
            if (err.status != SKVM_GUEST_FAULT || strchr(err.msg, '\n') ||
                err.msg[0] == '\0')
                abort();
            break;
        }
        if (rc != HC_CONTINUE)
            abort();
    }
    free(run);
    free(ram);
    return 0;
}
