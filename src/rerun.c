/* rerun.c - dirty-page restore between --repeat runs (see rerun.h). */
#include "rerun.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "layout.h"
#include "vcpu.h"
#include "x86.h"

#define BITS_PER_WORD 64

struct slot {
    uint32_t id;
    uint64_t gpa, size;
    uint8_t *host;
};

/* The RAM slots vm.c registered (VM_SLOT_LOW, VM_SLOT_HIGH). */
static unsigned ram_slots(const struct vm *vm, struct slot out[2])
{
    uint64_t low = guestmem_low_size(&vm->mem);
    uint64_t high = guestmem_high_size(&vm->mem);
    unsigned n = 0;

    out[n++] = (struct slot){VM_SLOT_LOW, 0, low, vm->mem.host};
    if (high)
        out[n++] = (struct slot){VM_SLOT_HIGH, LAYOUT_HIGH_RAM_BASE, high,
                                 vm->mem.host + low};
    return n;
}

static size_t bitmap_bytes(uint64_t size)
{
    uint64_t pages = size / X86_PAGE_4K;
    return (size_t)((pages + BITS_PER_WORD - 1) / BITS_PER_WORD) *
           sizeof(uint64_t);
}

int rerun_track(struct vm *vm, struct rerun *r, struct skvm_err *err)
{
    struct slot s[2];
    unsigned n = ram_slots(vm, s);

    *r = (struct rerun){0};
    for (unsigned i = 0; i < n; i++) {
        struct kvm_userspace_memory_region region = {
            .slot = s[i].id,
            .flags = KVM_MEM_LOG_DIRTY_PAGES,
            .guest_phys_addr = s[i].gpa,
            .memory_size = s[i].size,
            .userspace_addr = (uintptr_t)s[i].host,
        };
        if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
            return skvm_fail(err, SKVM_HOST,
                             "--repeat needs dirty-page logging, which this "
                             "host's KVM refused: %s",
                             strerror(errno));
        if (bitmap_bytes(s[i].size) > r->bitmap_bytes)
            r->bitmap_bytes = bitmap_bytes(s[i].size);
    }
    r->bitmap = calloc(1, r->bitmap_bytes);
    if (!r->bitmap)
        return skvm_fail(err, SKVM_HOST, "out of memory for the dirty log");
    return 0;
}

int rerun_snapshot(struct vm *vm, struct rerun *r, struct skvm_err *err)
{
    if (vcpu_get_regs(vm, &r->regs, err) < 0 ||
        vcpu_get_sregs(vm, &r->sregs, err) < 0)
        return -1;
    if (ioctl(vm->vcpu_fd, KVM_GET_FPU, &r->fpu) < 0 ||
        ioctl(vm->vcpu_fd, KVM_GET_VCPU_EVENTS, &r->events) < 0)
        return skvm_fail(err, SKVM_HOST, "saving vCPU state failed: %s",
                         strerror(errno));
    return 0;
}

/* Zero every page of the slot the guest wrote since the last call. */
static int zero_dirty(struct vm *vm, struct rerun *r, const struct slot *s,
                      struct skvm_err *err)
{
    struct kvm_dirty_log log = {.slot = s->id, .dirty_bitmap = r->bitmap};
    size_t words = bitmap_bytes(s->size) / sizeof(uint64_t);
    uint64_t pages = s->size / X86_PAGE_4K;

    if (ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0)
        return skvm_fail(err, SKVM_HOST, "KVM_GET_DIRTY_LOG failed: %s",
                         strerror(errno));
    for (size_t w = 0; w < words; w++) {
        uint64_t bits = r->bitmap[w];
        while (bits) {
            uint64_t page = w * BITS_PER_WORD + (uint64_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            if (page < pages) /* bits past the slot's end: ignore */
                memset(s->host + page * X86_PAGE_4K, 0, X86_PAGE_4K);
        }
    }
    return 0;
}

int rerun_restore(struct vm *vm, struct rerun *r, const struct mode *mode,
                  uint64_t load_addr, uint64_t entry, const struct image *img,
                  struct skvm_err *err)
{
    struct mode_env env = vm_mode_env(vm, entry);
    struct kvm_sregs scratch_sregs = r->sregs;
    struct kvm_regs scratch_regs;
    struct slot s[2];
    unsigned n = ram_slots(vm, s);
    int rc;

    for (unsigned i = 0; i < n; i++)
        if (zero_dirty(vm, r, &s[i], err) < 0)
            return -1;
    /* Loaded state = zero RAM + image + the mode's tables: write the last
     * two again (the setup is deterministic; its register output is
     * discarded for the snapshot). */
    if (image_place(&env, mode, load_addr, img, err) < 0)
        return -1;
    rc = mode->setup(&env, &scratch_sregs, &scratch_regs);
    if (rc < 0)
        return skvm_fail(err, SKVM_USAGE, "%s mode setup failed: %s",
                         mode->name, strerror(-rc));
    if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &r->sregs) < 0 ||
        ioctl(vm->vcpu_fd, KVM_SET_REGS, &r->regs) < 0 ||
        ioctl(vm->vcpu_fd, KVM_SET_FPU, &r->fpu) < 0 ||
        ioctl(vm->vcpu_fd, KVM_SET_VCPU_EVENTS, &r->events) < 0)
        return skvm_fail(err, SKVM_HOST, "restoring vCPU state failed: %s",
                         strerror(errno));
    return 0;
}

void rerun_free(struct rerun *r)
{
    free(r->bitmap);
    *r = (struct rerun){0};
}
