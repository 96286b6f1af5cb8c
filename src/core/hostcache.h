/* hostcache.h - answers that hold for one load of the host's KVM, kept in
 * a file so that later starts need not ask again.
 *
 * Some of KVM's answers cost more to ask than the rest of a start's
 * checks together (KVM_GET_SUPPORTED_CPUID runs every host CPUID leaf;
 * on kvm-pvm each one traps: ~0.1 ms, 2-3% of a start) and cannot change
 * while KVM stays loaded. A caller keeps them as one blob in a file of
 * the user's own:
 *
 *   $XDG_RUNTIME_DIR/simple-kvm/host-cache   (else /dev/shm/simple-kvm-UID/)
 *
 * under a key that changes whenever the answers may: the device, inode
 * and change time of the open /dev/kvm (loading KVM registers /dev/kvm
 * anew, which devtmpfs makes a new inode), and a reboot: the file's
 * directory is on tmpfs (both usual places are), which a reboot empties,
 * or else the kernel's boot id joins the key. A file is used only when it is a regular file owned by
 * this user and writable by nobody else (opened without following a
 * symlink or waiting on a FIFO), with the magic, the format version and
 * the same key, and a blob no longer than the caller's buffer; anything
 * else is a miss, and a miss costs only the asking. Stores write a fresh
 * file (O_EXCL) in a directory of the user's own (0700, checked through
 * its open fd, so a path swapped meanwhile writes nowhere else) and
 * rename it into place, so concurrent starts never read half a file. A
 * store killed midway leaves its fresh file behind (host-cache.PID.N).
 *
 * SIMPLE_KVM_HOST_CACHE=off turns both off (for a container whose /dev
 * is not devtmpfs and whose KVM modules are reloaded without a reboot:
 * the one change the key cannot see). No function here fails loudly: the
 * cache is an optimisation only.
 */
#ifndef SKVM_CORE_HOSTCACHE_H
#define SKVM_CORE_HOSTCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hostcache_key {
    uint64_t dev, ino;   /* /dev/kvm's st_dev, st_ino */
    int64_t ctime_sec, ctime_nsec;
    char boot_id[40];    /* /proc/sys/kernel/random/boot_id, NUL-padded;
                            all zeros for a file on tmpfs (load and store
                            fill it in) */
};

/* The key for the KVM device open as kvm_fd; false when it cannot be
 * formed (then neither load nor store). */
bool hostcache_key(int kvm_fd, struct hostcache_key *k);

/* Copy the cached blob for k into buf (at most cap bytes); returns its
 * length, or -1 on a miss of any kind. */
long hostcache_load(const struct hostcache_key *k, void *buf, size_t cap);

/* Keep blob for k; failures are silent. */
void hostcache_store(const struct hostcache_key *k, const void *blob,
                     size_t len);

/* The cache file's path (for tests and the README); false when no
 * usable location exists or the cache is off. */
bool hostcache_path(char *buf, size_t cap);

#endif
