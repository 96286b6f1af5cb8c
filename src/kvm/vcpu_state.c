/* vcpu_state.c - saving and loading all of a vCPU's state (see
 * vcpu_state.h). */
#include "kvm/vcpu_state.h"

#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/vcpu.h"

/* State that kvm_run can carry into the vCPU (KVM_CAP_SYNC_REGS). */
#define STATE_SYNC                                                            \
    (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)

/* KVM_GET_MSR_INDEX_LIST lists a few hundred MSRs at most; the first
 * call learns the count (E2BIG), the second reads them. */
static struct kvm_msr_list *msr_index_list(int kvm_fd)
{
    struct kvm_msr_list probe = {.nmsrs = 0};
    struct kvm_msr_list *list;

    if (ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe) == 0 || errno != E2BIG ||
        probe.nmsrs == 0)
        return NULL;
    list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
    if (!list)
        return NULL;
    list->nmsrs = probe.nmsrs;
    if (ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
        free(list);
        return NULL;
    }
    return list;
}

static int one_msr(int vcpu_fd, unsigned long req, struct kvm_msr_entry *e)
{
    /* struct kvm_msrs ends in a flexible array: one entry after it. */
    union {
        struct kvm_msrs h;
        uint8_t bytes[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
    } one = {.h = {.nmsrs = 1}};

    one.h.entries[0] = *e;
    if (ioctl(vcpu_fd, req, &one) != 1)
        return -1;
    *e = one.h.entries[0];
    return 0;
}

static struct kvm_device_attr tsc_offset_attr(uint64_t *value)
{
    return (struct kvm_device_attr){.group = KVM_VCPU_TSC_CTRL,
                                    .attr = KVM_VCPU_TSC_OFFSET,
                                    .addr = (uint64_t)(uintptr_t)value};
}

static int read_tsc(int vcpu_fd, uint64_t *tsc)
{
    struct kvm_msr_entry e = {.index = VCPU_STATE_MSR_TSC};

    if (one_msr(vcpu_fd, KVM_GET_MSRS, &e) < 0)
        return -1;
    *tsc = e.data;
    return 0;
}

/* Ticks the probe moves the TSC back by: far more than the ioctls
 * between its two reads take. */
#define TSC_PROBE_TICKS (UINT64_C(1) << 40)

/* Whether this host's KVM lets the offset move the guest's TSC at all
 * (kvm-pvm keeps it at the host's, whatever is set): move it back,
 * read, put it back. */
static bool tsc_settable(int vcpu_fd, uint64_t off)
{
    uint64_t probe = off - TSC_PROBE_TICKS, before, after;
    struct kvm_device_attr a = tsc_offset_attr(&probe);
    struct kvm_device_attr back = tsc_offset_attr(&off);
    bool moved;

    if (read_tsc(vcpu_fd, &before) < 0 ||
        ioctl(vcpu_fd, KVM_SET_DEVICE_ATTR, &a) < 0)
        return false;
    moved = read_tsc(vcpu_fd, &after) == 0 && after < before;
    ioctl(vcpu_fd, KVM_SET_DEVICE_ATTR, &back);
    return moved;
}

static void save_tsc(struct vm *vm, struct vcpu_state *st)
{
    struct kvm_device_attr a = tsc_offset_attr(&st->tsc_offset);

    st->have_tsc_offset = ioctl(vm->vcpu_fd, KVM_HAS_DEVICE_ATTR, &a) == 0 &&
                          ioctl(vm->vcpu_fd, KVM_GET_DEVICE_ATTR, &a) == 0 &&
                          tsc_settable(vm->vcpu_fd, st->tsc_offset) &&
                          read_tsc(vm->vcpu_fd, &st->guest_tsc) == 0;
}

/* Guest TSC = host TSC (times a ratio) + offset: moving the offset back
 * by the guest ticks since the save makes the TSC read what it read
 * then, whatever the ratio and whatever the guest wrote meanwhile. */
static int load_tsc(struct vm *vm, const struct vcpu_state *st)
{
    uint64_t off, now;
    struct kvm_device_attr a = tsc_offset_attr(&off);

    if (ioctl(vm->vcpu_fd, KVM_GET_DEVICE_ATTR, &a) < 0 ||
        read_tsc(vm->vcpu_fd, &now) < 0)
        return -1;
    off -= now - st->guest_tsc;
    return ioctl(vm->vcpu_fd, KVM_SET_DEVICE_ATTR, &a);
}

/* Every listed MSR KVM lets the host read and write back: the set the
 * restore can load in one KVM_SET_MSRS. Writing a value just read
 * changes nothing the guest could see. */
static int save_msrs(struct vm *vm, struct vcpu_state *st,
                     struct skvm_err *err)
{
    struct kvm_msr_list *list = msr_index_list(vm->kvm_fd);
    uint32_t n = 0;

    if (!list)
        return skvm_fail(err, SKVM_HOST,
                         "KVM_GET_MSR_INDEX_LIST failed: %s", strerror(errno));
    st->msrs = calloc(1, sizeof(*st->msrs) +
                             list->nmsrs * sizeof(st->msrs->entries[0]));
    if (!st->msrs) {
        free(list);
        return skvm_fail(err, SKVM_HOST, "out of memory saving MSRs");
    }
    for (uint32_t i = 0; i < list->nmsrs; i++) {
        struct kvm_msr_entry e = {.index = list->indices[i]};
        if (e.index == VCPU_STATE_MSR_TSC && st->have_tsc_offset)
            continue; /* through the offset: see vcpu_state.h */
        if (one_msr(vm->vcpu_fd, KVM_GET_MSRS, &e) == 0 &&
            one_msr(vm->vcpu_fd, KVM_SET_MSRS, &e) == 0)
            st->msrs->entries[n++] = e;
    }
    st->msrs->nmsrs = n;
    free(list);
    return 0;
}

static int save_xsave(struct vm *vm, struct vcpu_state *st,
                      struct skvm_err *err)
{
    int size2 = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);

    if (ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) <= 0) {
        if (ioctl(vm->vcpu_fd, KVM_GET_FPU, &st->fpu) < 0)
            return skvm_fail(err, SKVM_HOST, "KVM_GET_FPU failed: %s",
                             strerror(errno));
        return 0;
    }
    st->xsave_size = size2 > (int)sizeof(struct kvm_xsave)
                         ? (size_t)size2
                         : sizeof(struct kvm_xsave);
    st->xsave = calloc(1, st->xsave_size);
    if (!st->xsave)
        return skvm_fail(err, SKVM_HOST, "out of memory saving XSAVE state");
    unsigned long req = size2 > 0 ? KVM_GET_XSAVE2 : KVM_GET_XSAVE;
    if (ioctl(vm->vcpu_fd, req, st->xsave) < 0)
        return skvm_fail(err, SKVM_HOST, "KVM_GET_XSAVE failed: %s",
                         strerror(errno));
    st->have_xsave = true;
    return 0;
}

int vcpu_state_save(struct vm *vm, struct vcpu_state *st, struct skvm_err *err)
{
    *st = (struct vcpu_state){0};
    if (vcpu_get_regs(vm, &st->regs, err) < 0 ||
        vcpu_get_sregs(vm, &st->sregs, err) < 0 ||
        vcpu_get_events(vm, &st->events, err) < 0 ||
        save_xsave(vm, st, err) < 0)
        goto fail;
    save_tsc(vm, st);
    if (save_msrs(vm, st, err) < 0)
        goto fail;
    /* Optional parts: absent where KVM lacks them (no in-kernel APIC
     * without an irqchip). */
    st->have_xcrs = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0 &&
                    ioctl(vm->vcpu_fd, KVM_GET_XCRS, &st->xcrs) == 0;
    st->have_debugregs =
        ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_DEBUGREGS) > 0 &&
        ioctl(vm->vcpu_fd, KVM_GET_DEBUGREGS, &st->debugregs) == 0;
    st->have_mp_state =
        ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MP_STATE) > 0 &&
        ioctl(vm->vcpu_fd, KVM_GET_MP_STATE, &st->mp_state) == 0;
    st->have_lapic = ioctl(vm->vcpu_fd, KVM_GET_LAPIC, &st->lapic) == 0;
    return 0;
fail:
    vcpu_state_free(st);
    return -1;
}

void vcpu_state_free(struct vcpu_state *st)
{
    free(st->xsave);
    free(st->msrs);
    st->xsave = NULL;
    st->msrs = NULL;
}

#define LOAD(ok, call, what)                                                  \
    do {                                                                      \
        if ((ok) && (call) < 0)                                               \
            return skvm_fail(err, SKVM_HOST, "restoring %s failed: %s",       \
                             what, strerror(errno));                          \
    } while (0)

int vcpu_state_load(struct vm *vm, const struct vcpu_state *st, bool now,
                    struct skvm_err *err)
{
    int fd = vm->vcpu_fd;

    LOAD(st->have_mp_state, ioctl(fd, KVM_SET_MP_STATE, &st->mp_state),
         "the MP state");
    LOAD(st->have_xsave, ioctl(fd, KVM_SET_XSAVE, st->xsave), "XSAVE state");
    LOAD(!st->have_xsave, ioctl(fd, KVM_SET_FPU, &st->fpu), "the FPU");
    LOAD(st->have_xcrs, ioctl(fd, KVM_SET_XCRS, &st->xcrs), "the XCRs");
    LOAD(st->have_debugregs, ioctl(fd, KVM_SET_DEBUGREGS, &st->debugregs),
         "the debug registers");
    LOAD(st->have_lapic, ioctl(fd, KVM_SET_LAPIC, &st->lapic),
         "the local APIC");
    LOAD(st->have_tsc_offset, load_tsc(vm, st), "the TSC offset");
    if (st->msrs && st->msrs->nmsrs) {
        int set = ioctl(fd, KVM_SET_MSRS, st->msrs);
        if (set != (int)st->msrs->nmsrs)
            return skvm_fail(err, SKVM_HOST,
                             "restoring MSR 0x%x failed (KVM_SET_MSRS)",
                             st->msrs->entries[set < 0 ? 0 : set].index);
    }
    /* Where KVM takes them through kvm_run, it loads them with the next
     * KVM_RUN, as the ioctls would now. */
    if (!now && (vm->sync_regs & STATE_SYNC) == STATE_SYNC) {
        vm->run->s.regs.regs = st->regs;
        vm->run->s.regs.sregs = st->sregs;
        vm->run->s.regs.events = st->events;
        vm->run->kvm_dirty_regs |= STATE_SYNC;
        return 0;
    }
    LOAD(true, ioctl(fd, KVM_SET_SREGS, &st->sregs), "the sregs");
    LOAD(true, ioctl(fd, KVM_SET_REGS, &st->regs), "the registers");
    LOAD(true, vcpu_set_events(vm, &st->events, err), "pending events");
    return 0;
}

/* XSAVE areas in KVM's standard format (SDM 13.4): the legacy region,
 * the header's XSTATE_BV (which components are not in their initial
 * state), then each component at the offset CPUID leaf 0xD gives. KVM
 * marks a component present once the vCPU has run (PKRU, say) even when
 * its value is the initial one, so a component counts as equal when the
 * other side has it in its initial state and this side holds zeros. */
#define XSAVE_LEGACY 512
#define XSAVE_HEADER 64
#define XSAVE_FIRST_EXTENDED 2 /* 0: x87, 1: SSE live in the legacy area */
#define XSAVE_COMPONENTS 64

static bool zeros(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static bool xsave_equal(const uint8_t *a, const uint8_t *b, size_t size)
{
    uint64_t bv_a, bv_b;

    if (size < XSAVE_LEGACY + XSAVE_HEADER ||
        memcmp(a, b, XSAVE_LEGACY) != 0)
        return false;
    memcpy(&bv_a, a + XSAVE_LEGACY, sizeof(bv_a));
    memcpy(&bv_b, b + XSAVE_LEGACY, sizeof(bv_b));
    for (unsigned i = XSAVE_FIRST_EXTENDED; i < XSAVE_COMPONENTS; i++) {
        bool in_a = bv_a >> i & 1, in_b = bv_b >> i & 1;
        unsigned eax, ebx, ecx, edx;
        if (!in_a && !in_b)
            continue;
        __cpuid_count(0xD, i, eax, ebx, ecx, edx);
        (void)ecx;
        (void)edx;
        if (eax == 0 || (size_t)ebx + eax > size)
            return false;
        if (in_a && in_b ? memcmp(a + ebx, b + ebx, eax) != 0
                         : !zeros((in_a ? a : b) + ebx, eax))
            return false;
    }
    return true;
}

#define DIFF(cond, ...)                                                       \
    do {                                                                      \
        if (cond) {                                                           \
            snprintf(buf, len, __VA_ARGS__);                                  \
            return buf;                                                       \
        }                                                                     \
    } while (0)
#define NE(field) (memcmp(&a->field, &b->field, sizeof(a->field)) != 0)

const char *vcpu_state_diff(const struct vcpu_state *a,
                            const struct vcpu_state *b, char *buf, size_t len)
{
    DIFF(NE(regs), "registers");
    DIFF(NE(sregs), "segment and control registers");
    DIFF(NE(events), "pending events");
    DIFF(a->have_xsave != b->have_xsave || a->xsave_size != b->xsave_size ||
             (a->have_xsave &&
              !xsave_equal((const uint8_t *)a->xsave,
                           (const uint8_t *)b->xsave, a->xsave_size)),
         "XSAVE state");
    DIFF(!a->have_xsave && NE(fpu), "FPU state");
    DIFF(a->have_xcrs != b->have_xcrs || (a->have_xcrs && NE(xcrs)), "XCRs");
    DIFF(a->have_debugregs != b->have_debugregs ||
             (a->have_debugregs && NE(debugregs)),
         "debug registers");
    DIFF(a->have_mp_state != b->have_mp_state ||
             (a->have_mp_state && NE(mp_state)),
         "MP state");
    DIFF(a->have_lapic != b->have_lapic || (a->have_lapic && NE(lapic)),
         "local APIC");
    DIFF(!a->msrs != !b->msrs ||
             (a->msrs && a->msrs->nmsrs != b->msrs->nmsrs),
         "the list of MSRs");
    for (uint32_t i = 0; a->msrs && i < a->msrs->nmsrs; i++)
        DIFF(a->msrs->entries[i].index != b->msrs->entries[i].index ||
                 (a->msrs->entries[i].data != b->msrs->entries[i].data &&
                  a->msrs->entries[i].index != VCPU_STATE_MSR_TSC),
             "MSR 0x%x (0x%llx, then 0x%llx)", a->msrs->entries[i].index,
             (unsigned long long)a->msrs->entries[i].data,
             (unsigned long long)b->msrs->entries[i].data);
    return NULL;
}
