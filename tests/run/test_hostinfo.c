/* test_hostinfo.c - KVM's fixed answers kept across runs
 * (src/kvm/hostinfo.h, src/core/hostcache.h), seen from the guest: the
 * CPUID a guest reads (tests/guests/cpuid_regs.asm, in registers for
 * --dump) is the same with the cache off, cold and warm; a run uses the
 * cache it finds (a PV feature bit the test clears in the file
 * disappears for the guest); a cache with another key, another owner's permissions or
 * garbage is a miss that the run replaces; the off switch writes nothing.
 * Each test has its own XDG_RUNTIME_DIR.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <asm/kvm_para.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "core/hostcache.h"
#include "kvm/hostinfo.h"

/* The file's header (core/hostcache.c): magic, blob length, key. */
#define HEADER_BYTES (8 + 8 + sizeof(struct hostcache_key))
#define KEY_OFFSET 16

static char dir[64], file[128];

static void own_runtime_dir(void)
{
    strcpy(dir, "/tmp/skvm-hostinfo-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(setenv("XDG_RUNTIME_DIR", dir, 1), 0);
    unsetenv("SIMPLE_KVM_HOST_CACHE");
    snprintf(file, sizeof(file), "%s/simple-kvm/host-cache", dir);
}

/* R9-R15 as --dump prints them: the guest's CPUID. */
static void guest_cpuid(char *regs, size_t cap)
{
    struct skvm_result r;
    const char *a, *b;

    RUN(&r, "--dump", test_guest("cpuid_regs"));
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    a = strstr(r.err, "r8  0x");
    b = a ? strstr(a, "rip ") : NULL;
    cr_assert(a && b && (size_t)(b - a) < cap, "no registers in: %s", r.err);
    memcpy(regs, a, (size_t)(b - a));
    regs[b - a] = '\0';
}

static uint64_t reg(const char *regs, const char *name)
{
    const char *p = strstr(regs, name);
    cr_assert_not_null(p, "%s not in %s", name, regs);
    return strtoull(p + strlen(name), NULL, 16);
}

static size_t read_file(void *buf, size_t cap)
{
    int fd = open(file, O_RDONLY);
    cr_assert_geq(fd, 0, "no cache file %s", file);
    ssize_t n = read(fd, buf, cap);
    close(fd);
    cr_assert_gt(n, 0);
    return (size_t)n;
}

static void write_file(const void *buf, size_t len)
{
    int fd = open(file, O_WRONLY | O_TRUNC);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, buf, len), (ssize_t)len);
    close(fd);
}

static uint8_t blob[65536];

/* KVM's PV features that make KVM write guest RAM: kvm/vm.c hides them. */
#define PV_WRITING_RAM                                                        \
    ((1u << 0) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 9) | \
     (1u << 14) | (1u << 24))

/* Clear, in the cached CPUID, the lowest PV feature bit (leaf
 * 0x40000001 EAX) the guest is shown; returns it. KVM's own leaves reach
 * the guest from the table on every host (kvm-pvm answers the basic
 * leaves from the host CPU itself). */
static uint32_t clear_pv_bit(void)
{
    size_t n = read_file(blob, sizeof(blob));
    struct hostinfo h;

    cr_assert_geq(n, HEADER_BYTES + sizeof(h));
    memcpy(&h, blob + HEADER_BYTES, sizeof(h));
    cr_assert_eq(n, HEADER_BYTES + sizeof(h) +
                        h.cpuid.nent * sizeof(struct kvm_cpuid_entry2),
                 "the file is the header, the answers and nent entries");
    for (uint32_t i = 0; i < h.cpuid.nent; i++) {
        struct kvm_cpuid_entry2 e;
        uint8_t *at = blob + HEADER_BYTES + sizeof(h) + i * sizeof(e);
        memcpy(&e, at, sizeof(e));
        uint32_t shown = e.eax & ~PV_WRITING_RAM;
        if (e.function == KVM_CPUID_FEATURES && shown) {
            uint32_t bit = shown & -shown;
            e.eax &= ~bit;
            memcpy(at, &e, sizeof(e));
            write_file(blob, n);
            return bit;
        }
    }
    cr_skip_test("this host's KVM offers no PV features to clear");
    return 0;
}

Test(cli_hostinfo, same_cpuid_off_cold_and_warm)
{
    char off[512], cold[512], warm[512];
    struct stat st, dst;

    own_runtime_dir();
    setenv("SIMPLE_KVM_HOST_CACHE", "off", 1);
    guest_cpuid(off, sizeof(off));
    cr_assert_neq(stat(file, &st), 0, "off: no cache written");
    unsetenv("SIMPLE_KVM_HOST_CACHE");
    guest_cpuid(cold, sizeof(cold));
    cr_assert_eq(stat(file, &st), 0, "a cold start writes %s", file);
    cr_assert_eq(st.st_mode & 0777, 0600, "the file is the user's alone");
    cr_assert_eq(st.st_uid, geteuid());
    cr_assert_eq(stat(dir, &dst), 0);
    snprintf(warm, sizeof(warm), "%s/simple-kvm", dir);
    cr_assert_eq(stat(warm, &dst), 0);
    cr_assert_eq(dst.st_mode & 0777, 0700, "so is its directory");
    guest_cpuid(warm, sizeof(warm));
    cr_assert_str_eq(cold, off, "the guest's CPUID is KVM's either way");
    cr_assert_str_eq(warm, off);
    /* The paravirtual features that make KVM write guest RAM stay
     * hidden with the cache too (kvm/vm.c masks them each start). */
    uint64_t pv = reg(warm, "r13 0x");
    cr_assert_eq(pv & PV_WRITING_RAM, 0, "PV features 0x%llx",
                 (unsigned long long)pv);
}

Test(cli_hostinfo, a_warm_start_reads_the_file)
{
    char before[512], after[512];

    own_runtime_dir();
    guest_cpuid(before, sizeof(before));
    uint32_t bit = clear_pv_bit();
    guest_cpuid(after, sizeof(after));
    cr_assert(reg(before, "r13 0x") & bit);
    cr_assert_eq(reg(after, "r13 0x") & bit, 0,
                 "the cached answer is used: PV feature bit 0x%x gone", bit);
}

Test(cli_hostinfo, another_key_is_a_miss)
{
    char before[512], after[512];
    uint8_t b;

    own_runtime_dir();
    guest_cpuid(before, sizeof(before));
    clear_pv_bit();
    /* As after a KVM reload: /dev/kvm is another inode. */
    size_t n = read_file(blob, sizeof(blob));
    b = blob[KEY_OFFSET + offsetof(struct hostcache_key, ino)];
    blob[KEY_OFFSET + offsetof(struct hostcache_key, ino)] = (uint8_t)(b ^ 1);
    write_file(blob, n);
    guest_cpuid(after, sizeof(after));
    cr_assert_str_eq(after, before, "KVM asked again, not the stale file");
    /* ... and the file rewritten under this boot's key. */
    guest_cpuid(after, sizeof(after));
    cr_assert_str_eq(after, before);
    n = read_file(blob, sizeof(blob));
    cr_assert_eq(blob[KEY_OFFSET + offsetof(struct hostcache_key, ino)], b);
}

Test(cli_hostinfo, others_writable_or_garbage_is_a_miss)
{
    char before[512], after[512];

    own_runtime_dir();
    guest_cpuid(before, sizeof(before));
    clear_pv_bit();
    cr_assert_eq(chmod(file, 0666), 0);
    guest_cpuid(after, sizeof(after));
    cr_assert_str_eq(after, before, "a file others may write is not read");
    cr_assert_eq(unlink(file), 0);
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "not a cache\n", 12), 12);
    close(fd);
    guest_cpuid(after, sizeof(after));
    cr_assert_str_eq(after, before, "garbage is a miss");
    struct stat st;
    cr_assert_eq(stat(file, &st), 0);
    cr_assert_gt(st.st_size, 12, "and is replaced by a whole cache");
}
