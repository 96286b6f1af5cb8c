/* test_hostcache.c - the file behind KVM's kept answers
 * (src/core/hostcache.h) on its own, no /dev/kvm: round trip, what makes
 * a miss (key, size, magic, a symlink, others' write permission), where
 * it lives, the off switch.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/hostcache.h"

static char dir[64], path[256];

static struct hostcache_key key(void)
{
    struct hostcache_key k;
    int fd = open("/dev/null", O_RDONLY);

    cr_assert(hostcache_key(fd, &k), "a key from any open file");
    close(fd);
    return k;
}

static void setup(void)
{
    strcpy(dir, "/tmp/skvm-hostcache-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    setenv("XDG_RUNTIME_DIR", dir, 1);
    unsetenv("SIMPLE_KVM_HOST_CACHE");
    cr_assert(hostcache_path(path, sizeof(path)));
}

TestSuite(hostcache, .init = setup);

Test(hostcache, round_trip_and_key)
{
    struct hostcache_key k = key(), other = k;
    char out[64] = {0};

    cr_assert(strstr(path, dir) == path, "under XDG_RUNTIME_DIR: %s", path);
    cr_assert_eq(hostcache_load(&k, out, sizeof(out)), -1, "nothing yet");
    hostcache_store(&k, "answers", 8);
    cr_assert_eq(hostcache_load(&k, out, sizeof(out)), 8);
    cr_assert_str_eq(out, "answers");
    other.ino++;
    cr_assert_eq(hostcache_load(&other, out, sizeof(out)), -1,
                 "another /dev/kvm is another key");
    cr_assert_eq(hostcache_load(&k, out, 7), -1, "no room: a miss");
}

Test(hostcache, what_is_not_read)
{
    struct hostcache_key k = key();
    char out[64], real[300];

    hostcache_store(&k, "answers", 8);
    cr_assert_eq(chmod(path, 0620), 0);
    cr_assert_eq(hostcache_load(&k, out, sizeof(out)), -1, "group-writable");
    cr_assert_eq(chmod(path, 0600), 0);
    cr_assert_eq(hostcache_load(&k, out, sizeof(out)), 8);
    /* A symlink in its place is not followed. */
    snprintf(real, sizeof(real), "%s.real", path);
    cr_assert_eq(rename(path, real), 0);
    cr_assert_eq(symlink(real, path), 0);
    cr_assert_eq(hostcache_load(&k, out, sizeof(out)), -1, "symlink");
    cr_assert_eq(unlink(path), 0);
    /* Cut short, or another magic. */
    cr_assert_eq(rename(real, path), 0);
    cr_assert_eq(truncate(path, 20), 0);
    cr_assert_eq(hostcache_load(&k, out, sizeof(out)), -1, "truncated");
    hostcache_store(&k, "answers", 8);
    int fd = open(path, O_WRONLY);
    cr_assert_eq(write(fd, "X", 1), 1);
    close(fd);
    cr_assert_eq(hostcache_load(&k, out, sizeof(out)), -1, "magic");
}

Test(hostcache, directory_must_be_ours_alone)
{
    struct hostcache_key k = key();
    char sub[128], out[16];

    snprintf(sub, sizeof(sub), "%s/simple-kvm", dir);
    cr_assert_eq(mkdir(sub, 0777), 0);
    cr_assert_eq(chmod(sub, 0777), 0);
    hostcache_store(&k, "answers", 8);
    cr_assert_eq(hostcache_load(&k, out, sizeof(out)), -1,
                 "nothing stored in a directory others may write");
}

Test(hostcache, off_switch_and_fallback_dir)
{
    struct hostcache_key k;
    int fd = open("/dev/null", O_RDONLY);
    char p[256], want[64];

    setenv("SIMPLE_KVM_HOST_CACHE", "off", 1);
    cr_assert(!hostcache_key(fd, &k), "off: no key, so no load or store");
    cr_assert(!hostcache_path(p, sizeof(p)));
    unsetenv("SIMPLE_KVM_HOST_CACHE");
    unsetenv("XDG_RUNTIME_DIR");
    cr_assert(hostcache_path(p, sizeof(p)));
    snprintf(want, sizeof(want), "/dev/shm/simple-kvm-%u/host-cache",
             (unsigned)geteuid());
    cr_assert_str_eq(p, want);
    close(fd);
}

/* The boot id is in the file's key only off tmpfs (a reboot empties
 * tmpfs); a different boot id there is a miss. */
static bool on_tmpfs(const char *p)
{
    struct statfs fs;
    return statfs(p, &fs) == 0 &&
           (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC);
}

Test(hostcache, boot_id_only_off_tmpfs)
{
    struct hostcache_key k = key();
    struct {
        char magic[8];
        uint64_t len;
        struct hostcache_key key;
    } h;
    char out[16];

    hostcache_store(&k, "answers", 8);
    int fd = open(path, O_RDWR);
    cr_assert_geq(fd, 0);
    cr_assert_eq(read(fd, &h, sizeof(h)), (ssize_t)sizeof(h));
    if (on_tmpfs(dir)) {
        for (size_t i = 0; i < sizeof(h.key.boot_id); i++)
            cr_assert_eq(h.key.boot_id[i], 0, "no boot id on tmpfs");
        close(fd);
        return;
    }
    cr_assert(strlen(h.key.boot_id) >= 32, "a boot id off tmpfs");
    h.key.boot_id[0] ^= 1; /* as after a reboot */
    cr_assert_eq(pwrite(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
    close(fd);
    cr_assert_eq(hostcache_load(&k, out, sizeof(out)), -1,
                 "another boot's file is a miss");
}

/* What another user could plant must cost a miss, never a hang: a FIFO
 * in the file's place is opened without waiting and refused; a symlink
 * in the directory's place is not followed when storing. */
Test(hostcache, planted_fifo_and_symlinked_dir, .timeout = 10)
{
    struct hostcache_key k = key();
    char sub[128], other[128], out[16];

    snprintf(sub, sizeof(sub), "%s/simple-kvm", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    cr_assert_eq(mkfifo(path, 0600), 0);
    cr_assert_eq(hostcache_load(&k, out, sizeof(out)), -1, "a FIFO: a miss");
    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(rmdir(sub), 0);
    snprintf(other, sizeof(other), "%s/elsewhere", dir);
    cr_assert_eq(mkdir(other, 0700), 0);
    cr_assert_eq(symlink(other, sub), 0);
    hostcache_store(&k, "answers", 8);
    snprintf(out, sizeof(out), "x");
    char stray[200];
    snprintf(stray, sizeof(stray), "%s/host-cache", other);
    cr_assert_neq(access(stray, F_OK), 0, "nothing written through it");
}
