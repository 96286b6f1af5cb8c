/* hostinfo.c - KVM's fixed answers, asked once per KVM load (hostinfo.h). */
#include "kvm/hostinfo.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/hostcache.h"

/* The bytes of h that carry answers: the fixed part and nent entries. */
static size_t used_bytes(uint32_t nent)
{
    return sizeof(struct hostinfo) +
           (size_t)nent * sizeof(struct kvm_cpuid_entry2);
}

/* A blob from the cache is the user's own file: still check its shape. */
static bool sane(const struct hostinfo *h, long len)
{
    return len >= (long)sizeof(struct hostinfo) &&
           h->cpuid.nent <= HOSTINFO_CPUID_MAX &&
           (size_t)len == used_bytes(h->cpuid.nent) &&
           h->api_version == KVM_API_VERSION && h->immediate_exit > 0 &&
           h->vcpu_mmap_size >= (int)sizeof(struct kvm_run);
}

static int ask(int kvm_fd, struct hostinfo *h, struct skvm_err *err)
{
    memset(h, 0, sizeof(*h));
    h->api_version = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
    if (h->api_version != KVM_API_VERSION)
        return skvm_fail(err, SKVM_HOST,
                         "KVM API version is %d, simple-kvm needs %d",
                         h->api_version, KVM_API_VERSION);
    /* Without it (Linux 4.11) a signal just before KVM_RUN could be lost.
     * The older capabilities every such kernel has (user memory, TSS
     * address, KVM_SET_CPUID2) fail loudly at their own ioctl, named. */
    h->immediate_exit =
        ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT);
    if (h->immediate_exit <= 0)
        return skvm_fail(err, SKVM_HOST, "this host's KVM lacks %s",
                         "KVM_CAP_IMMEDIATE_EXIT");
    h->sync_regs = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
    h->coalesced_pio =
        ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO);
    h->nr_memslots = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
    h->vcpu_mmap_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (h->vcpu_mmap_size < (int)sizeof(struct kvm_run))
        return skvm_fail(err, SKVM_HOST, "KVM_GET_VCPU_MMAP_SIZE failed: %s",
                         strerror(errno));
    h->cpuid.nent = HOSTINFO_CPUID_MAX;
    if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, &h->cpuid) < 0) {
        h->cpuid.nent = 0;
        return skvm_fail(err, SKVM_HOST, "KVM_GET_SUPPORTED_CPUID failed: %s",
                         strerror(errno));
    }
    return 0;
}

struct hostinfo *hostinfo_get(int kvm_fd, struct skvm_err *err)
{
    /* Static, never zeroed as a whole: only the bytes used are faulted
     * in (room for 256 entries is 10 KiB; a host gives ~60). */
    static union {
        struct hostinfo h;
        uint8_t room[sizeof(struct hostinfo) +
                     HOSTINFO_CPUID_MAX * sizeof(struct kvm_cpuid_entry2)];
    } store;
    static struct hostinfo *h;
    struct hostcache_key key;
    bool keyed;

    if (h)
        return h;
    h = &store.h;
    keyed = hostcache_key(kvm_fd, &key);
    if (keyed &&
        sane(h, hostcache_load(&key, h, used_bytes(HOSTINFO_CPUID_MAX))))
        return h;
    if (ask(kvm_fd, h, err) < 0) {
        h = NULL;
        return NULL;
    }
    if (keyed)
        hostcache_store(&key, h, used_bytes(h->cpuid.nent));
    return h;
}
