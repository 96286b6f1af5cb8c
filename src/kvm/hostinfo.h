/* hostinfo.h - what this host's KVM answers the same on every run.
 *
 * The API version, the capabilities a start needs (immediate exit, sync
 * regs, coalesced PIO, memory slots), the vCPU mapping's size and the
 * supported CPUID: asked once
 * per load of KVM and kept (core/hostcache.h), so a start with the cache
 * makes none of these ioctls; without it (first start after a boot or a
 * KVM reload, SIMPLE_KVM_HOST_CACHE=off, an unusable cache directory) it
 * asks, as every start did before. Within one process the answer is kept
 * in memory as well (--repeat, tests).
 */
#ifndef SKVM_KVM_HOSTINFO_H
#define SKVM_KVM_HOSTINFO_H

#include <linux/kvm.h>
#include <stdint.h>

#include "err.h"

#define HOSTINFO_CPUID_MAX 256

struct hostinfo {
    int32_t api_version;
    int32_t immediate_exit; /* KVM_CAP_IMMEDIATE_EXIT */
    int32_t sync_regs;      /* KVM_CAP_SYNC_REGS: KVM_SYNC_X86_* fields */
    int32_t coalesced_pio;  /* KVM_CAP_COALESCED_PIO */
    int32_t nr_memslots;    /* KVM_CAP_NR_MEMSLOTS */
    int32_t vcpu_mmap_size; /* KVM_GET_VCPU_MMAP_SIZE */
    /* KVM_GET_SUPPORTED_CPUID; last, as its nent entries follow it
     * (room for HOSTINFO_CPUID_MAX) */
    struct kvm_cpuid2 cpuid;
};

/* The answers of the KVM open as kvm_fd; a KVM too old or refusing
 * fails SKVM_HOST, named. The result lives for the process; a caller
 * may only make changes that doing again changes nothing (vm.c masks
 * paravirtual CPUID bits in place). */
struct hostinfo *hostinfo_get(int kvm_fd, struct skvm_err *err);

#endif
