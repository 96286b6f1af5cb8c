/* vm.c - creating and tearing down the VM, its RAM and its vCPU. */
#include "kvm/vm.h"

#include <asm/kvm_para.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/layout.h"
#include "core/x86.h"
#include "kvm/hostinfo.h"
#include "kvm/irqchip.h"

#define KVM_DEVICE "/dev/kvm"

static int open_kvm(struct skvm_err *err)
{
    int fd = open(KVM_DEVICE, O_RDWR | O_CLOEXEC);

    if (fd >= 0)
        return fd;
    if (errno == ENOENT)
        return skvm_fail(err, SKVM_HOST,
                         "%s does not exist: this host has no KVM "
                         "(load kvm_intel/kvm_amd, or enable nested "
                         "virtualization)",
                         KVM_DEVICE);
    if (errno == EACCES || errno == EPERM)
        return skvm_fail(err, SKVM_HOST,
                         "permission denied opening %s (add yourself to "
                         "the kvm group)",
                         KVM_DEVICE);
    return skvm_fail(err, SKVM_HOST, "cannot open %s: %s", KVM_DEVICE,
                     strerror(errno));
}

/* RAM sizes from which KSM is asked to merge pages (one lazy piece);
 * below, huge pages are declined. */
#define MERGEABLE_FROM (UINT64_C(64) << 20)

/* RAM is one host mapping; the guest sees it below the hole and, for
 * large sizes, again from LAYOUT_HIGH_RAM_BASE (see layout.h). KVM learns
 * of it piece by piece (memslots.h), or all at once when eager. */
static int map_ram(struct vm *vm, uint64_t size, bool eager, int max_slots,
                   struct skvm_err *err)
{
    void *host;

    host = mmap(NULL, size, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED)
        return skvm_fail(err, SKVM_USAGE,
                         "cannot reserve %llu bytes of guest memory: %s",
                         (unsigned long long)size, strerror(errno));
    vm->mem = (struct guestmem){.host = host, .size = size};
    /* Identical pages across large VMs merge under KSM; optional, and
     * not worth a syscall (and KSM's bookkeeping at exit) for the few
     * pages a small guest touches. A small guest gets no transparent
     * huge pages either: where THP is "always", its first touch would
     * clear a whole 2 MiB (measured with THP "always" on the benchmark
     * host: 0.16 ms, 8% of a start) for the few pages it uses. */
    if (size > MERGEABLE_FROM)
        (void)madvise(host, size, MADV_MERGEABLE);
    else
        (void)madvise(host, size, MADV_NOHUGEPAGE);
    return memslots_init(&vm->slots, vm->vm_fd, &vm->mem, eager, max_slots,
                         err);
}

/* KVM paravirtual features (CPUID 0x40000001 EAX) with which KVM itself
 * writes guest memory at an address the guest names: kvmclock, async
 * page faults, steal time, PV EOI, PV TLB flush (through steal time).
 * Those writes go past simple-kvm: into RAM KVM has no slot for yet they
 * would be lost (memslots.h), and their clock values differ run to run. A
 * tiny guest has no use for them; with KVM_CAP_ENFORCE_PV_FEATURE_CPUID
 * their MSRs then raise #GP, as on a CPU without them. */
#define PV_FEATURES_WRITING_RAM                                               \
    (X86_BIT(KVM_FEATURE_CLOCKSOURCE) | X86_BIT(KVM_FEATURE_CLOCKSOURCE2) |   \
     X86_BIT(KVM_FEATURE_ASYNC_PF) | X86_BIT(KVM_FEATURE_STEAL_TIME) |        \
     X86_BIT(KVM_FEATURE_PV_EOI) | X86_BIT(KVM_FEATURE_PV_TLB_FLUSH) |        \
     X86_BIT(KVM_FEATURE_ASYNC_PF_INT) |                                      \
     X86_BIT(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT))

/* AMD's rules for reserved bits (and KVM's, for a guest that says AMD). */
static bool vendor_is_amd(const struct kvm_cpuid_entry2 *e)
{
    char vendor[3 * sizeof(uint32_t)];

    memcpy(vendor, &e->ebx, sizeof(uint32_t));
    memcpy(vendor + sizeof(uint32_t), &e->edx, sizeof(uint32_t));
    memcpy(vendor + 2 * sizeof(uint32_t), &e->ecx, sizeof(uint32_t));
    return memcmp(vendor, "AuthenticAMD", sizeof(vendor)) == 0 ||
           memcmp(vendor, "HygonGenuine", sizeof(vendor)) == 0;
}

/* The XCR0 a mode with CR4.OSXSAVE gets, as an OS would set it: x87
 * and SSE, plus AVX where the guest CPUID offers it; 0 when the CPUID
 * offers no XSAVE, or no leaf 0xD to say which XCR0 bits are valid. */
static uint64_t xcr0_for(const struct kvm_cpuid2 *cpuid)
{
    const uint64_t wanted = X86_XCR0_X87 | X86_XCR0_SSE | X86_XCR0_AVX;
    uint64_t valid = 0;
    bool xsave = false, avx = false;

    for (unsigned i = 0; i < cpuid->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
        if (e->function == X86_CPUID_FEATURES) {
            xsave = e->ecx & (1u << X86_CPUID_ECX_XSAVE_BIT);
            avx = e->ecx & (1u << X86_CPUID_ECX_AVX_BIT);
        }
        if (e->function == X86_CPUID_XSAVE && e->index == 0)
            valid = ((uint64_t)e->edx << 32) | e->eax;
    }
    if (!avx)
        valid &= ~X86_XCR0_AVX;
    if (!xsave || (valid & (X86_XCR0_X87 | X86_XCR0_SSE)) !=
                      (X86_XCR0_X87 | X86_XCR0_SSE))
        return 0;
    return valid & wanted;
}

/* Give the guest the CPUID KVM supports, less the paravirtual features
 * above, and tell the host's page walk what that CPUID says (guestmem.h:
 * 1 GiB pages, MAXPHYADDR, PSE-36 and the vendor decide which entry bits
 * are reserved), so the walk refuses what the vCPU refuses. */
static int set_cpuid(struct vm *vm, struct kvm_cpuid2 *cpuid,
                     struct skvm_err *err)
{
    struct paging_cpu *pc = &vm->mem.cpu;

    /* A leaf that is missing means the feature is (SDM 4.1.4: MAXPHYADDR
     * is 36 without leaf 0x80000008). */
    *pc = (struct paging_cpu){.maxphyaddr = X86_MAXPHYADDR_NO_LEAF,
                              .no_gbpages = true, .no_pse36 = true};
    for (unsigned i = 0; i < cpuid->nent; i++) {
        struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
        if (e->function == X86_CPUID_VENDOR)
            pc->amd = vendor_is_amd(e);
        if (e->function == X86_CPUID_FEATURES)
            pc->no_pse36 = !(e->edx & (1u << X86_CPUID_EDX_PSE36_BIT));
        if (e->function == X86_CPUID_EXT_FEATURES) {
            vm->gbpages = e->edx & (1u << X86_CPUID_EXT_EDX_PDPE1GB_BIT);
            vm->nx = e->edx & (1u << X86_CPUID_EXT_EDX_NX_BIT);
        }
        if (e->function == X86_CPUID_EXT_FEATURES7 && e->index == 0)
            vm->la57 = e->ecx & (1u << X86_CPUID_7_ECX_LA57_BIT);
        if (e->function == X86_CPUID_ADDR_SIZES &&
            (e->eax & X86_CPUID_ADDR_EAX_MAXPHYADDR_MASK))
            pc->maxphyaddr =
                (uint8_t)(e->eax & X86_CPUID_ADDR_EAX_MAXPHYADDR_MASK);
        if (e->function == KVM_CPUID_FEATURES) /* done again: no change */
            e->eax &= ~(uint32_t)PV_FEATURES_WRITING_RAM;
    }
    pc->no_gbpages = !vm->gbpages;
    vm->xcr0 = xcr0_for(cpuid);
    vm->xsave = vm->xcr0 != 0;
    if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid) < 0)
        return skvm_fail(err, SKVM_HOST, "KVM_SET_CPUID2 failed: %s",
                         strerror(errno));
    return 0;
}

/* Optional capabilities; a host without them keeps KVM's defaults.
 * KVM_ENABLE_CAP itself refuses a capability KVM lacks (EINVAL), so no
 * KVM_CHECK_EXTENSION first: one ioctl each. */
static void enable_caps(struct vm *vm)
{
    struct kvm_enable_cap exit_on_failure = {
        .cap = KVM_CAP_EXIT_ON_EMULATION_FAILURE, .args = {1}};
    struct kvm_enable_cap enforce_pv = {.cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID,
                                        .args = {1}};

    if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &exit_on_failure) == 0)
        vm->exit_on_emulation_failure = true;
    (void)ioctl(vm->vcpu_fd, KVM_ENABLE_CAP, &enforce_pv);
}

int vm_open(struct vm *vm, uint64_t mem_size, bool eager_mem, bool irqchip,
            struct skvm_err *err)
{
    int mmap_size;
    struct hostinfo *host;

    *vm = (struct vm){.kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1, .sse = true};
    vm->kvm_fd = open_kvm(err);
    if (vm->kvm_fd < 0)
        return -1;
    if (!(host = hostinfo_get(vm->kvm_fd, err)))
        goto fail;
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0) {
        skvm_fail(err, SKVM_HOST, "KVM_CREATE_VM failed: %s", strerror(errno));
        goto fail;
    }
    /* Intel needs three pages for real-mode emulation; they sit in the
     * hole below 4 GiB, away from RAM. */
    if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, LAYOUT_TSS_ADDR) < 0) {
        skvm_fail(err, SKVM_HOST, "KVM_SET_TSS_ADDR failed: %s",
                  strerror(errno));
        goto fail;
    }
    if (map_ram(vm, mem_size, eager_mem, host->nr_memslots, err) < 0)
        goto fail;
    /* Each vCPU gets its local APIC when created: the chips come first. */
    if (irqchip && irqchip_create(vm->kvm_fd, vm->vm_fd, err) < 0)
        goto fail;
    vm->irqchip = irqchip;
    vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
    if (vm->vcpu_fd < 0) {
        skvm_fail(err, SKVM_HOST, "KVM_CREATE_VCPU failed: %s",
                  strerror(errno));
        goto fail;
    }
    mmap_size = host->vcpu_mmap_size;
    vm->run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                   vm->vcpu_fd, 0);
    if (vm->run == MAP_FAILED) {
        vm->run = NULL;
        skvm_fail(err, SKVM_HOST, "cannot map kvm_run: %s", strerror(errno));
        goto fail;
    }
    vm->run_size = (size_t)mmap_size;
    vm->sync_regs = host->sync_regs > 0 ? (uint32_t)host->sync_regs &
                                              KVM_SYNC_X86_VALID_FIELDS
                                        : 0;
    vm->coalesced_pio = host->coalesced_pio > 0;
    if (set_cpuid(vm, &host->cpuid, err) < 0)
        goto fail;
    enable_caps(vm);
    return 0;
fail:
    vm_close(vm);
    return -1;
}

struct mode_env vm_mode_env(const struct vm *vm, uint64_t entry)
{
    return (struct mode_env){.mem = &vm->mem, .gbpages = vm->gbpages,
                             .entry = entry, .sse = vm->sse,
                             .xsave = vm->xsave, .la57 = vm->la57,
                             .nx = vm->nx};
}

void vm_close(struct vm *vm)
{
    /* Destroy the VM before unmapping its RAM: while the VM lives, an
     * munmap of RAM makes KVM walk the memslot's whole reverse map (MMU
     * notifier), ~17 ms for 64 GiB on kvm-pvm; afterwards it is free. The
     * kvm_run mapping holds the vCPU, which holds the VM: it goes first.
     * Hence no leaving it to exit, which unmaps RAM before it closes
     * files: measured, that cost 3% more CPU per plain start and 13%
     * more with --eager-mem 64G. (kvm/teardown.c keeps this order in its
     * helper.) */
    console_close(&vm->console);
    if (vm->run)
        munmap(vm->run, vm->run_size);
    if (vm->vcpu_fd >= 0)
        close(vm->vcpu_fd);
    if (vm->vm_fd >= 0)
        close(vm->vm_fd);
    memslots_free(&vm->slots);
    if (vm->mem.host)
        munmap(vm->mem.host, vm->mem.size);
    if (vm->kvm_fd >= 0)
        close(vm->kvm_fd);
    *vm = (struct vm){.kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1};
}
