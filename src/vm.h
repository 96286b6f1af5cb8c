/* vm.h - one VM with one vCPU and its guest RAM, created through /dev/kvm.
 *
 * vm_open() does every KVM step up to a runnable-but-unconfigured vCPU:
 * API version and capability checks, KVM_CREATE_VM, KVM_SET_TSS_ADDR,
 * RAM (mmap MAP_NORESERVE + MADV_MERGEABLE) in one or two memory slots,
 * KVM_CREATE_VCPU, the kvm_run mapping and the guest CPUID. Failures
 * are SKVM_HOST (this host cannot) or SKVM_USAGE (the size asked for).
 */
#ifndef SKVM_VM_H
#define SKVM_VM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>

#include "console.h"
#include "err.h"
#include "guestmem.h"
#include "mode.h"

/* Memory slots: RAM below the hole, and RAM from LAYOUT_HIGH_RAM_BASE. */
#define VM_SLOT_LOW 0
#define VM_SLOT_HIGH 1

struct vm {
    int kvm_fd, vm_fd, vcpu_fd;
    struct kvm_run *run;
    size_t run_size;
    struct guestmem mem;
    bool gbpages; /* guest CPUID offers 1 GiB pages */
    struct console console; /* batched console output (console.h) */
};

int vm_open(struct vm *vm, uint64_t mem_size, struct skvm_err *err);
void vm_close(struct vm *vm);

/* What a mode's setup needs from this VM: its RAM and 1 GiB pages. */
struct mode_env vm_mode_env(const struct vm *vm, uint64_t entry);

#endif
