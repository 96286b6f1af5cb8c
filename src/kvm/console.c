/* console.c - coalesced console port output (see console.h). */
#include "kvm/console.h"

#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/fdwrite.h"
#include "core/layout.h"

/* Bytes gathered per write(2) while draining. */
#define CONSOLE_BUF 4096

static const struct kvm_coalesced_mmio_zone console_zone = {
    .addr = LAYOUT_PORT_CONSOLE, .size = 1, .pio = 1};

void console_set_output(struct console *c, int fd)
{
    c->out_fd = fd;
}

int console_setup(struct console *c, int vm_fd, struct kvm_run *run,
                  size_t run_size, bool enable, bool host_can,
                  struct skvm_err *err)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t ring_off;

    (void)err;
    *c = (struct console){.out_fd = STDOUT_FILENO, .vm_fd = vm_fd, .run = run};
    if (!enable || !host_can || page <= 0)
        return 0;
    ring_off = (size_t)page * KVM_COALESCED_MMIO_PAGE_OFFSET;
    /* The ring must lie wholly inside the vCPU mapping we hold. */
    if (ring_off > run_size || run_size - ring_off < (size_t)page)
        return 0;
    c->wanted = true;
    c->ring_max =
        (uint32_t)(((size_t)page - sizeof(struct kvm_coalesced_mmio_ring)) /
                   sizeof(struct kvm_coalesced_mmio));
    return 0;
}

void console_note_exit(struct console *c, uint32_t bytes)
{
    struct kvm_coalesced_mmio_zone zone = console_zone;

    c->exit_bytes += bytes;
    if (!c->wanted || c->ring || c->exit_bytes < CONSOLE_COALESCE_AFTER)
        return;
    if (ioctl(c->vm_fd, KVM_REGISTER_COALESCED_MMIO, &zone) < 0) {
        c->wanted = false; /* keep one exit per byte */
        return;
    }
    c->ring = (struct kvm_coalesced_mmio_ring *)((uint8_t *)c->run +
                                                 (size_t)sysconf(_SC_PAGESIZE) *
                                                     KVM_COALESCED_MMIO_PAGE_OFFSET);
}

void console_close(struct console *c)
{
    struct kvm_coalesced_mmio_zone zone = console_zone;

    if (!c->ring)
        return;
    /* Cheaper than leaving it to VM destruction (see console.h). */
    (void)ioctl(c->vm_fd, KVM_UNREGISTER_COALESCED_MMIO, &zone);
    *c = (struct console){.out_fd = STDOUT_FILENO, .vm_fd = c->vm_fd,
                          .run = c->run};
}

uint32_t console_drain(struct console *c)
{
    struct kvm_coalesced_mmio_ring *ring = c->ring;
    uint8_t buf[CONSOLE_BUF];
    size_t n = 0;
    uint32_t first, last, entries = 0;

    if (!ring)
        return 0;
    first = __atomic_load_n(&ring->first, __ATOMIC_RELAXED);
    /* Acquire: entries up to `last` are written before `last` is. */
    last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
    if (first >= c->ring_max || last >= c->ring_max)
        return 0; /* not a ring state KVM writes: touch nothing */
    while (first != last) {
        const struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[first];
        /* Only the console zone is registered; check anyway. */
        if (e->pio && e->phys_addr == LAYOUT_PORT_CONSOLE && e->len == 1) {
            buf[n++] = e->data[0];
            if (n == sizeof(buf)) {
                fdwrite_all(c->out_fd, buf, n);
                n = 0;
            }
        }
        first = (first + 1) % c->ring_max;
        entries++;
        /* Release: done reading the entry before KVM may reuse it. */
        __atomic_store_n(&ring->first, first, __ATOMIC_RELEASE);
    }
    fdwrite_all(c->out_fd, buf, n);
    return entries;
}
