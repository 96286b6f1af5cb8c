/* minfloor.c - the minimal floor: the classic sequence of a KVM "hello
 * world" (kvm-hello-world and the like), to hold simple-kvm's startup
 * against what a peer program does, not only against floor.c (which
 * repeats simple-kvm's own setup).
 *
 *   minfloor MODE [GUEST.bin]
 *
 * open /dev/kvm, KVM_CREATE_VM, RAM in one memory slot (2 MiB, the
 * default --mem), KVM_CREATE_VCPU, mmap kvm_run, KVM_GET_SREGS, the
 * mode's sregs/regs and tables from the same pure setup routine as
 * simple-kvm (so the guest runs in the same state), KVM_SET_SREGS,
 * KVM_SET_REGS, then KVM_RUN until HLT, writing each port 0xE9 byte to
 * stdout. Nothing else: no API version or capability checks, no TSS
 * address, no CPUID, no read-back, no checks after HLT, no signal
 * handling, no teardown. The guest is the mode's built-in one unless a
 * file is named. A lower bound any complete tool pays at least.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/layout.h"
#include "modes/mode.h"

#define RAM_SIZE (2u << 20) /* simple-kvm's default --mem */

int main(int argc, char **argv)
{
    const struct mode *mode = argc > 1 ? mode_find(argv[1]) : NULL;

    if (!mode) {
        fprintf(stderr, "usage: minfloor MODE [GUEST.bin]\n");
        return 2;
    }
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    int vmfd = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
    if (vmfd < 0) {
        perror("minfloor: KVM_CREATE_VM");
        return 3;
    }
    uint8_t *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    struct kvm_userspace_memory_region r = {
        .slot = 0, .memory_size = RAM_SIZE, .userspace_addr = (uintptr_t)ram};
    if (ram == MAP_FAILED || ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
        perror("minfloor: guest RAM");
        return 3;
    }
    int vcpu = ioctl(vmfd, KVM_CREATE_VCPU, 0);
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run =
        vcpu < 0 || run_size <= 0
            ? MAP_FAILED
            : mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                   vcpu, 0);
    if (run == MAP_FAILED) {
        perror("minfloor: vCPU");
        return 3;
    }

    if (argc > 2) {
        int fd = open(argv[2], O_RDONLY);
        if (fd < 0 || read(fd, ram, RAM_SIZE) < 0) {
            perror(argv[2]);
            return 2;
        }
        close(fd);
    } else {
        memcpy(ram, mode->guests[0].start,
               (size_t)(mode->guests[0].end - mode->guests[0].start));
    }
    struct guestmem mem = {.host = ram, .size = RAM_SIZE};
    struct mode_env env = {.mem = &mem};
    struct kvm_sregs sregs;
    struct kvm_regs regs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0 ||
        mode->setup(&env, &sregs, &regs) < 0 ||
        ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 ||
        ioctl(vcpu, KVM_SET_REGS, &regs) < 0) {
        perror("minfloor: vCPU setup");
        return 3;
    }

    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            perror("minfloor: KVM_RUN");
            return 4;
        }
        if (run->exit_reason == KVM_EXIT_HLT)
            return 0;
        if (run->exit_reason == KVM_EXIT_IO &&
            run->io.direction == KVM_EXIT_IO_OUT &&
            run->io.port == LAYOUT_PORT_CONSOLE) {
            if (write(1, (uint8_t *)run + run->io.data_offset,
                      (size_t)run->io.size * run->io.count) < 0)
                return 1;
            continue;
        }
        fprintf(stderr, "minfloor: exit %u\n", run->exit_reason);
        return 4;
    }
}
