/* irqchip.c - the in-kernel PIC, IOAPIC, local APIC and PIT (see
 * irqchip.h). */
#include "kvm/irqchip.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/x86.h"
#include "kvm/vcpu.h"

int irqchip_create(int kvm_fd, int vm_fd, struct skvm_err *err)
{
    /* The PIT's port 0x61 (speaker gate, timer 2 output) is answered by
     * KVM too: guests that calibrate with timer 2 read it. */
    struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};

    if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0)
        return skvm_fail(err, SKVM_HOST,
                         "this host's KVM cannot emulate the interrupt "
                         "controllers (no KVM_CAP_IRQCHIP): --irqchip is "
                         "not available here");
    if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
        return skvm_fail(err, SKVM_HOST,
                         "this host's KVM cannot create the in-kernel "
                         "interrupt controllers (KVM_CREATE_IRQCHIP: %s): "
                         "--irqchip is not available here",
                         strerror(errno));
    if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_PIT2) <= 0)
        return skvm_fail(err, SKVM_HOST,
                         "this host's KVM cannot emulate the PIT timer (no "
                         "KVM_CAP_PIT2): --irqchip is not available here");
    if (ioctl(vm_fd, KVM_CREATE_PIT2, &pit) < 0)
        return skvm_fail(err, SKVM_HOST,
                         "this host's KVM cannot create the in-kernel PIT "
                         "timer (KVM_CREATE_PIT2: %s): --irqchip is not "
                         "available here",
                         strerror(errno));
    return 0;
}

static uint32_t apic_reg(const struct kvm_lapic_state *l, unsigned off)
{
    uint32_t v;

    memcpy(&v, l->regs + off, sizeof(v));
    return v;
}

/* With IF set, only these can wake a halted vCPU here: the PIC (through
 * the local APIC's LINT0), the IOAPIC's pins, the local APIC's own
 * timer, error, thermal and performance-counter interrupts, and a
 * request already in its IRR. LINT1 and NMIs have no source in this VM
 * (only the host's KVM_NMI raises one). True when every one of them is
 * masked or empty; any ioctl that fails counts as "it might wake". */
static bool nothing_can_wake(const struct vm *vm)
{
    static const unsigned lvts[] = {X86_APIC_LVT_TIMER, X86_APIC_LVT_ERROR,
                                    X86_APIC_LVT_THERMAL,
                                    X86_APIC_LVT_PERF};
    struct kvm_irqchip pic = {.chip_id = KVM_IRQCHIP_PIC_MASTER};
    struct kvm_irqchip ioapic = {.chip_id = KVM_IRQCHIP_IOAPIC};
    struct kvm_lapic_state lapic;

    /* The slave PIC reaches the CPU only through the master's IRQ2. */
    if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &pic) < 0 ||
        pic.chip.pic.imr != X86_PIC_ALL_MASKED ||
        ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &ioapic) < 0)
        return false;
    for (unsigned i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
        if (!ioapic.chip.ioapic.redirtbl[i].fields.mask)
            return false;
    if (ioctl(vm->vcpu_fd, KVM_GET_LAPIC, &lapic) < 0)
        return false;
    for (size_t i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
        if (!(apic_reg(&lapic, lvts[i]) & X86_APIC_LVT_MASKED))
            return false;
    for (unsigned i = 0; i < X86_APIC_IRR_WORDS; i++)
        if (apic_reg(&lapic, X86_APIC_IRR + i * X86_APIC_REG_STRIDE))
            return false;
    return true;
}

int irqchip_halted_for_good(const struct vm *vm, struct skvm_err *err)
{
    struct kvm_mp_state mp;
    struct kvm_regs regs;

    if (ioctl(vm->vcpu_fd, KVM_GET_MP_STATE, &mp) < 0)
        return skvm_fail(err, SKVM_HOST, "KVM_GET_MP_STATE failed: %s",
                         strerror(errno));
    if (mp.mp_state != KVM_MP_STATE_HALTED)
        return 0;
    if (vcpu_get_regs(vm, &regs, err) < 0)
        return -1;
    return !(regs.rflags & X86_RFLAGS_IF) || nothing_can_wake(vm);
}

/* KVM_GET_IRQCHIP/KVM_SET_IRQCHIP name the chip in the struct. */
static int chip(int vm_fd, unsigned long req, struct kvm_irqchip *c,
                __u32 id)
{
    c->chip_id = id;
    return ioctl(vm_fd, req, c);
}

int irqchip_save(const struct vm *vm, struct irqchip_state *st,
                 struct skvm_err *err)
{
    *st = (struct irqchip_state){0};
    if (!vm->irqchip)
        return 0;
    if (chip(vm->vm_fd, KVM_GET_IRQCHIP, &st->pic_master,
             KVM_IRQCHIP_PIC_MASTER) < 0 ||
        chip(vm->vm_fd, KVM_GET_IRQCHIP, &st->pic_slave,
             KVM_IRQCHIP_PIC_SLAVE) < 0 ||
        chip(vm->vm_fd, KVM_GET_IRQCHIP, &st->ioapic, KVM_IRQCHIP_IOAPIC) <
            0)
        return skvm_fail(err, SKVM_HOST, "KVM_GET_IRQCHIP failed: %s",
                         strerror(errno));
    if (ioctl(vm->vm_fd, KVM_GET_PIT2, &st->pit) < 0)
        return skvm_fail(err, SKVM_HOST, "KVM_GET_PIT2 failed: %s",
                         strerror(errno));
    st->have = true;
    return 0;
}

int irqchip_load(const struct vm *vm, const struct irqchip_state *st,
                 struct skvm_err *err)
{
    struct kvm_irqchip c;
    struct kvm_pit_state2 pit = st->pit;

    if (!st->have)
        return 0;
    /* The structs are written as saved; KVM_SET_IRQCHIP reads chip_id
     * from them. */
    c = st->pic_master;
    if (chip(vm->vm_fd, KVM_SET_IRQCHIP, &c, KVM_IRQCHIP_PIC_MASTER) < 0)
        goto fail;
    c = st->pic_slave;
    if (chip(vm->vm_fd, KVM_SET_IRQCHIP, &c, KVM_IRQCHIP_PIC_SLAVE) < 0)
        goto fail;
    c = st->ioapic;
    if (chip(vm->vm_fd, KVM_SET_IRQCHIP, &c, KVM_IRQCHIP_IOAPIC) < 0)
        goto fail;
    if (ioctl(vm->vm_fd, KVM_SET_PIT2, &pit) < 0)
        return skvm_fail(err, SKVM_HOST,
                         "restoring the PIT failed (KVM_SET_PIT2): %s",
                         strerror(errno));
    return 0;
fail:
    return skvm_fail(err, SKVM_HOST,
                     "restoring the interrupt controllers failed "
                     "(KVM_SET_IRQCHIP): %s",
                     strerror(errno));
}

const char *irqchip_state_diff(const struct irqchip_state *a,
                               const struct irqchip_state *b, char *buf,
                               size_t len)
{
    if (a->have != b->have)
        return "whether there are chips";
    if (!a->have)
        return NULL;
    if (memcmp(&a->pic_master, &b->pic_master, sizeof(a->pic_master)))
        return "master PIC";
    if (memcmp(&a->pic_slave, &b->pic_slave, sizeof(a->pic_slave)))
        return "slave PIC";
    if (memcmp(&a->ioapic, &b->ioapic, sizeof(a->ioapic)))
        return "IOAPIC";
    for (unsigned i = 0; i < sizeof(a->pit.channels) / sizeof(a->pit.channels[0]);
         i++) {
        struct kvm_pit_channel_state ca = a->pit.channels[i];
        struct kvm_pit_channel_state cb = b->pit.channels[i];
        ca.count_load_time = cb.count_load_time = 0;
        if (memcmp(&ca, &cb, sizeof(ca))) {
            snprintf(buf, len, "PIT channel %u", i);
            return buf;
        }
    }
    if (a->pit.flags != b->pit.flags)
        return "PIT flags";
    return NULL;
}
