/* hostcache.c - KVM's per-load answers kept in a file (see hostcache.h). */
#include "core/hostcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* rename */
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define CACHE_NAME "host-cache"
#define PATH_CAP 256
/* Bump when the header or any caller's blob layout changes. */
static const char magic[8] = {'S', 'K', 'V', 'M', 'H', 'C', 0, 2};

struct header {
    char magic[8];
    uint64_t blob_len;
    struct hostcache_key key;
};

static bool cache_off(void)
{
    const char *v = getenv("SIMPLE_KVM_HOST_CACHE");
    return v && strcmp(v, "off") == 0;
}

/* Append NUL-terminated src at *at in buf (PATH_CAP); false if full.
 * By hand, not snprintf: a start that hits the cache never pages printf's
 * machinery (and its deep stack) in. */
static bool append(char *buf, size_t *at, const char *src)
{
    size_t n = strlen(src);

    if (n >= PATH_CAP - *at)
        return false;
    memcpy(buf + *at, src, n + 1);
    *at += n;
    return true;
}

static const char *decimal(unsigned v, char *buf, size_t cap)
{
    char *p = buf + cap - 1;

    *p = '\0';
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) && p > buf);
    return p;
}

/* The directory (dir) and file (file) under it; false when none fits. */
static bool paths(char *dir, char *file)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    char uid[16];
    size_t n = 0, m = 0;
    bool ok = xdg && xdg[0] == '/'
                  ? append(dir, &n, xdg) && append(dir, &n, "/simple-kvm")
                  : append(dir, &n, "/dev/shm/simple-kvm-") &&
                        append(dir, &n, decimal((unsigned)geteuid(), uid,
                                                sizeof(uid)));

    return ok && append(file, &m, dir) && append(file, &m, "/" CACHE_NAME);
}

bool hostcache_path(char *buf, size_t cap)
{
    char dir[PATH_CAP], file[PATH_CAP];

    if (cache_off() || !paths(dir, file) || strlen(file) >= cap)
        return false;
    memcpy(buf, file, strlen(file) + 1);
    return true;
}

bool hostcache_key(int kvm_fd, struct hostcache_key *k)
{
    struct stat st;

    memset(k, 0, sizeof(*k));
    if (cache_off() || fstat(kvm_fd, &st) < 0)
        return false;
    k->dev = st.st_dev;
    k->ino = st.st_ino;
    k->ctime_sec = st.st_ctim.tv_sec;
    k->ctime_nsec = st.st_ctim.tv_nsec;
    return true;
}

/* The boot id joins the key unless the file is on a file system that
 * dies with the boot (tmpfs, ramfs: the usual XDG_RUNTIME_DIR and
 * /dev/shm), where reading it (~17 us through /proc) would buy nothing.
 * False when it is needed and cannot be read. */
static bool boot_part(int fd, struct hostcache_key *k)
{
    struct statfs fs;
    ssize_t n;
    int id;

    memset(k->boot_id, 0, sizeof(k->boot_id));
    if (fstatfs(fd, &fs) == 0 &&
        (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC))
        return true;
    id = open(BOOT_ID_PATH, O_RDONLY | O_CLOEXEC);
    if (id < 0)
        return false;
    n = read(id, k->boot_id, sizeof(k->boot_id) - 1);
    close(id);
    return n >= 32; /* a UUID's 32 hex digits at least */
}

/* A file this user alone can have written. */
static bool ours(const struct stat *st)
{
    return S_ISREG(st->st_mode) && st->st_uid == geteuid() &&
           !(st->st_mode & (S_IWGRP | S_IWOTH));
}

long hostcache_load(const struct hostcache_key *key, void *buf, size_t cap)
{
    char dir[PATH_CAP], file[PATH_CAP];
    struct hostcache_key k = *key;
    struct header h;
    struct stat st;
    struct iovec iov[2] = {{&h, sizeof(h)}, {buf, cap}};
    ssize_t n;
    int fd;

    if (!paths(dir, file))
        return -1;
    /* O_NONBLOCK: a FIFO someone planted there is opened at once (and
     * then refused as not a regular file of ours), never waited on. */
    fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || !ours(&st) || st.st_size < (off_t)sizeof(h) ||
        (uint64_t)st.st_size - sizeof(h) > cap || !boot_part(fd, &k)) {
        close(fd);
        return -1;
    }
    n = readv(fd, iov, 2);
    close(fd);
    if (n != st.st_size || memcmp(h.magic, magic, sizeof(magic)) != 0 ||
        h.blob_len != (uint64_t)n - sizeof(h) ||
        memcmp(&h.key, &k, sizeof(k)) != 0)
        return -1;
    return (long)h.blob_len;
}

/* Our own directory for the file, made if need be, opened without
 * following a symlink and checked through that fd (0700, ours): what
 * is written then goes into that directory whatever its path is renamed
 * or swapped to meanwhile. -1 when it is not ours. */
static int own_dir(const char *dir)
{
    struct stat st;
    int fd;

    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -1;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || st.st_uid != geteuid() ||
        (st.st_mode & 0777) != 0700) {
        close(fd);
        return -1;
    }
    return fd;
}

void hostcache_store(const struct hostcache_key *k, const void *blob,
                     size_t len)
{
    char dir[PATH_CAP], file[PATH_CAP], tmp[64] = CACHE_NAME ".";
    struct header h = {.blob_len = len, .key = *k};
    struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)blob, len}};
    struct timespec now;
    char num[24];
    int dfd, fd;

    memcpy(h.magic, magic, sizeof(magic));
    if (cache_off() || !paths(dir, file) || (dfd = own_dir(dir)) < 0)
        return;
    /* A name of our own beside it (pid and time; O_EXCL refuses any
     * that exists), renamed over the file when whole. */
    clock_gettime(CLOCK_MONOTONIC, &now);
    strcat(tmp, decimal((unsigned)getpid(), num, sizeof(num)));
    strcat(tmp, ".");
    strcat(tmp, decimal((unsigned)now.tv_nsec, num, sizeof(num)));
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                0600);
    if (fd < 0) {
        close(dfd);
        return;
    }
    bool ok = boot_part(fd, &h.key) &&
              writev(fd, iov, 2) == (ssize_t)(sizeof(h) + len);
    if (close(fd) < 0 || !ok || renameat(dfd, tmp, dfd, CACHE_NAME) < 0)
        unlinkat(dfd, tmp, 0);
    close(dfd);
}
