/* vm.h - one VM with one vCPU and its guest RAM, created through /dev/kvm.
 *
 * vm_open() does every KVM step up to a runnable-but-unconfigured vCPU:
 * API version and capability checks (kvm/hostinfo.h: kept across runs),
 * KVM_CREATE_VM, KVM_SET_TSS_ADDR,
 * RAM (mmap MAP_NORESERVE; MADV_MERGEABLE past 64 MiB, else
 * MADV_NOHUGEPAGE; KVM memory slots registered as the host or guest
 * first touch each piece, see memslots.h),
 * KVM_CREATE_VCPU, the kvm_run mapping and the guest CPUID; with
 * `irqchip`, the in-kernel interrupt controllers and PIT before the vCPU
 * (kvm/irqchip.h). Failures are SKVM_HOST (this host cannot) or
 * SKVM_USAGE (the size asked for).
 */
#ifndef SKVM_VM_H
#define SKVM_VM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>

#include "kvm/console.h"
#include "err.h"
#include "core/exception.h"
#include "core/guestmem.h"
#include "kvm/memslots.h"
#include "modes/mode.h"

struct vm {
    int kvm_fd, vm_fd, vcpu_fd;
    struct kvm_run *run;
    size_t run_size;
    struct guestmem mem; /* mem.cpu: the guest CPUID's paging facts */
    struct memslots slots; /* how KVM sees mem; mem's write hook points
                              here, so a struct vm is never copied */
    bool gbpages; /* guest CPUID offers 1 GiB pages */
    bool xsave;   /* guest CPUID offers XSAVE (and leaf 0xD) */
    bool la57;    /* guest CPUID offers 5-level paging */
    bool nx;      /* guest CPUID offers NX (EFER.NXE) */
    uint64_t xcr0; /* with xsave: XCR0 for CR4.OSXSAVE, x87|SSE[|AVX] */
    bool sse; /* modes turn SSE on (vm_open's default; the session
                 clears it for --no-sse before vcpu_configure) */
    uint32_t sync_regs; /* KVM_SYNC_X86_* KVM can pass through kvm_run */
    bool coalesced_pio; /* KVM can batch port writes (console.h) */
    bool exit_on_emulation_failure; /* every emulation failure exits to us,
                                       with no #UD queued (exits.c) */
    bool irqchip; /* in-kernel PIC, IOAPIC, LAPIC and PIT: HLT does not
                     exit (kvm/irqchip.h) */
    /* The run ended on a parked guest (run_config.park_check): where. */
    struct {
        bool yes;
        uint16_t cs;
        uint64_t rip;
        unsigned bits;
    } parked;
    struct console console; /* batched console output (console.h) */
    /* The registers at the last exit, once vcpu_exit_regs() read them
     * with KVM_GET_REGS: the HLT exit's stub check and the checks after
     * it share one ioctl. Every KVM_RUN (vcpu_run, vcpu_run_once) drops
     * it. */
    bool exit_regs_valid;
    struct kvm_regs exit_regs;
    /* The exception that ended the run, when it reached the loader's
     * handlers (set by the run loop, read by the crash report). */
    bool have_exception;
    struct exception_info exception;
};

/* eager_mem: register all RAM with KVM now (--eager-mem), not lazily.
 * irqchip: create the in-kernel interrupt controllers and PIT
 * (--irqchip). */
int vm_open(struct vm *vm, uint64_t mem_size, bool eager_mem, bool irqchip,
            struct skvm_err *err);
void vm_close(struct vm *vm);

/* What a mode's setup needs from this VM: its RAM, 1 GiB pages, SSE
 * and XSAVE. */
struct mode_env vm_mode_env(const struct vm *vm, uint64_t entry);

#endif
