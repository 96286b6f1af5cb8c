/* floor.c - the benchmark's floor: the least a raw KVM program must do to
 * run the same guest as simple-kvm, for side-by-side ratios.
 *
 *   floor MODE MEM [GUEST.bin] [--no-coalesce]
 *
 * Same VM setup as simple-kvm (KVM_CREATE_VM, TSS, RAM in the same one or
 * two memory slots, one vCPU, supported CPUID, the mode's sregs/regs and
 * tables from the same pure setup routine, console port 0xE9 coalesced
 * unless --no-coalesce), then KVM_RUN until HLT, answering port exits
 * with the least work (console bytes written, INs read 0, other OUTs
 * ignored: hypercall loops cost their exits only). No checks, no option
 * parsing worth the name, no error messages beyond one line, no teardown
 * (the kernel reclaims at exit): a lower bound, not a tool.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/cli.h"
#include "core/layout.h"
#include "modes/mode.h"
#include "core/x86.h"

#define CPUID_MAX 256
#define DIE(what)                                                             \
    do {                                                                      \
        perror(what);                                                         \
        return 1;                                                             \
    } while (0)

static void drain(struct kvm_coalesced_mmio_ring *ring, uint32_t max)
{
    uint8_t buf[4096];
    size_t n = 0;

    while (ring->first != ring->last && ring->first < max) {
        buf[n++] = ring->coalesced_mmio[ring->first].data[0];
        __atomic_store_n(&ring->first, (ring->first + 1) % max,
                         __ATOMIC_RELEASE);
        if (n == sizeof(buf)) {
            if (write(1, buf, n) < 0)
                return;
            n = 0;
        }
    }
    if (n && write(1, buf, n) < 0)
        return;
}

int main(int argc, char **argv)
{
    const struct mode *mode = argc > 2 ? mode_find(argv[1]) : NULL;
    uint64_t mem_size;
    bool coalesce = !(argc > 1 && strcmp(argv[argc - 1], "--no-coalesce") == 0);
    const char *path = argc > 3 && argv[3][0] != '-' ? argv[3] : NULL;

    if (!mode || cli_parse_size(argv[2], &mem_size) < 0) {
        fprintf(stderr, "usage: floor MODE MEM [GUEST.bin] [--no-coalesce]\n");
        return 2;
    }
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        DIE("/dev/kvm");
    int vmfd = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vmfd < 0 || ioctl(vmfd, KVM_SET_TSS_ADDR, LAYOUT_TSS_ADDR) < 0)
        DIE("KVM_CREATE_VM");
    uint8_t *ram = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED)
        DIE("mmap");
    struct guestmem mem = {.host = ram, .size = mem_size};
    struct kvm_userspace_memory_region r = {
        .slot = 0, .memory_size = guestmem_low_size(&mem),
        .userspace_addr = (uintptr_t)ram};
    if (ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
        DIE("memory slot 0");
    if (guestmem_high_size(&mem)) {
        r = (struct kvm_userspace_memory_region){
            .slot = 1, .guest_phys_addr = LAYOUT_HIGH_RAM_BASE,
            .memory_size = guestmem_high_size(&mem),
            .userspace_addr = (uintptr_t)ram + guestmem_low_size(&mem)};
        if (ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
            DIE("memory slot 1");
    }
    int vcpu = ioctl(vmfd, KVM_CREATE_VCPU, 0);
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (vcpu < 0 || run_size <= 0)
        DIE("KVM_CREATE_VCPU");
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE,
                               MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        DIE("mmap kvm_run");
    struct kvm_cpuid2 *cpuid =
        calloc(1, sizeof(*cpuid) + CPUID_MAX * sizeof(cpuid->entries[0]));
    bool gbpages = false;
    cpuid->nent = CPUID_MAX;
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
        DIE("KVM_GET_SUPPORTED_CPUID");
    for (unsigned i = 0; i < cpuid->nent; i++)
        if (cpuid->entries[i].function == X86_CPUID_EXT_FEATURES)
            gbpages = cpuid->entries[i].edx &
                      (1u << X86_CPUID_EXT_EDX_PDPE1GB_BIT);
    if (ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
        DIE("KVM_SET_CPUID2");

    struct kvm_coalesced_mmio_ring *ring = NULL;
    uint32_t ring_max = 0;
    long page = sysconf(_SC_PAGESIZE);
    if (coalesce) {
        struct kvm_coalesced_mmio_zone z = {.addr = LAYOUT_PORT_CONSOLE,
                                            .size = 1, .pio = 1};
        if (ioctl(vmfd, KVM_REGISTER_COALESCED_MMIO, &z) < 0)
            DIE("KVM_REGISTER_COALESCED_MMIO");
        ring = (void *)((uint8_t *)run + page * KVM_COALESCED_MMIO_PAGE_OFFSET);
        ring_max = (uint32_t)(((size_t)page - sizeof(*ring)) /
                              sizeof(struct kvm_coalesced_mmio));
    }

    /* The guest image: a file, or the mode's built-in guest. */
    if (path) {
        int fd = open(path, O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || (uint64_t)st.st_size > mem_size ||
            read(fd, ram, (size_t)st.st_size) != st.st_size)
            DIE(path);
        close(fd);
    } else {
        memcpy(ram, mode->guests[0].start,
               (size_t)(mode->guests[0].end - mode->guests[0].start));
    }
    struct mode_env env = {.mem = &mem, .gbpages = gbpages, .entry = 0};
    struct kvm_sregs sregs;
    struct kvm_regs regs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0 ||
        mode->setup(&env, &sregs, &regs) < 0 ||
        ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 ||
        ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
        DIE("vCPU setup");

    for (;;) {
        int rc = ioctl(vcpu, KVM_RUN, 0);
        if (ring)
            drain(ring, ring_max);
        if (rc < 0)
            DIE("KVM_RUN");
        if (run->exit_reason == KVM_EXIT_HLT)
            return 0;
        if (run->exit_reason != KVM_EXIT_IO) {
            fprintf(stderr, "floor: exit %u\n", run->exit_reason);
            return 4;
        }
        /* The least any port exit needs: console bytes out, some value
         * in for an IN (hypercall loops), other OUTs only resume. */
        uint8_t *data = (uint8_t *)run + run->io.data_offset;
        size_t len = (size_t)run->io.size * run->io.count;
        if (run->io.direction == KVM_EXIT_IO_IN)
            memset(data, 0, len);
        else if (run->io.port == LAYOUT_PORT_CONSOLE && write(1, data, len) < 0)
            DIE("write");
    }
}
