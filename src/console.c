/* console.c - coalesced console port output (see console.h). */
#include "console.h"

#include <errno.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "layout.h"
#include "vm.h"

/* Bytes gathered per write(2) while draining. */
#define CONSOLE_BUF 4096

void console_write(int fd, const void *data, size_t len)
{
    const uint8_t *buf = data;

    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* stdout gone: the guest's run is unaffected */
        buf += n;
        len -= (size_t)n;
    }
}

void console_set_output(struct vm *vm, int fd)
{
    vm->console.out_fd = fd;
}

int console_setup(struct vm *vm, bool enable, struct skvm_err *err)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t ring_off;

    (void)err;
    vm->console = (struct console){.out_fd = STDOUT_FILENO};
    if (!enable || page <= 0 ||
        ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO) <= 0)
        return 0;
    ring_off = (size_t)page * KVM_COALESCED_MMIO_PAGE_OFFSET;
    /* The ring must lie wholly inside the vCPU mapping we hold. */
    if (ring_off > vm->run_size || vm->run_size - ring_off < (size_t)page)
        return 0;
    vm->console.wanted = true;
    vm->console.ring_max =
        (uint32_t)(((size_t)page - sizeof(struct kvm_coalesced_mmio_ring)) /
                   sizeof(struct kvm_coalesced_mmio));
    return 0;
}

void console_note_exit(struct vm *vm, uint32_t bytes)
{
    struct kvm_coalesced_mmio_zone zone = {
        .addr = LAYOUT_PORT_CONSOLE, .size = 1, .pio = 1};
    struct console *c = &vm->console;

    c->exit_bytes += bytes;
    if (!c->wanted || c->ring || c->exit_bytes < CONSOLE_COALESCE_AFTER)
        return;
    if (ioctl(vm->vm_fd, KVM_REGISTER_COALESCED_MMIO, &zone) < 0) {
        c->wanted = false; /* keep one exit per byte */
        return;
    }
    c->ring = (struct kvm_coalesced_mmio_ring *)((uint8_t *)vm->run +
                                                 (size_t)sysconf(_SC_PAGESIZE) *
                                                     KVM_COALESCED_MMIO_PAGE_OFFSET);
}

void console_close(struct vm *vm)
{
    struct kvm_coalesced_mmio_zone zone = {
        .addr = LAYOUT_PORT_CONSOLE, .size = 1, .pio = 1};

    if (!vm->console.ring)
        return;
    /* Cheaper than leaving it to VM destruction (see console.h). */
    (void)ioctl(vm->vm_fd, KVM_UNREGISTER_COALESCED_MMIO, &zone);
    vm->console = (struct console){.out_fd = STDOUT_FILENO};
}

void console_drain(struct vm *vm)
{
    struct kvm_coalesced_mmio_ring *ring = vm->console.ring;
    uint8_t buf[CONSOLE_BUF];
    size_t n = 0;
    uint32_t first, last;

    if (!ring)
        return;
    first = __atomic_load_n(&ring->first, __ATOMIC_RELAXED);
    /* Acquire: entries up to `last` are written before `last` is. */
    last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
    if (first >= vm->console.ring_max || last >= vm->console.ring_max)
        return; /* not a ring state KVM writes: touch nothing */
    while (first != last) {
        const struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[first];
        /* Only the console zone is registered; check anyway. */
        if (e->pio && e->phys_addr == LAYOUT_PORT_CONSOLE && e->len == 1) {
            buf[n++] = e->data[0];
            if (n == sizeof(buf)) {
                console_write(vm->console.out_fd, buf, n);
                n = 0;
            }
        }
        first = (first + 1) % vm->console.ring_max;
        /* Release: done reading the entry before KVM may reuse it. */
        __atomic_store_n(&ring->first, first, __ATOMIC_RELEASE);
    }
    console_write(vm->console.out_fd, buf, n);
}
