/* mode.h - the mode table: one entry per x86 CPU mode simple-kvm runs.
 *
 * A mode's setup routine fills struct kvm_sregs / kvm_regs and writes its
 * GDT and page tables into guest memory. It never touches KVM, so every
 * mode is unit-tested against a plain buffer. src/ finds modes only
 * through mode_table[] and mode_find*(). To add a mode: write
 * modes/<name>.c defining one `const struct mode`, list it in modes.c,
 * and add guests/<name>.asm (see README, "Adding a mode").
 */
#ifndef SKVM_MODE_H
#define SKVM_MODE_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/guestmem.h"

/* What a setup routine gets: guest RAM, what the host CPU offers, where
 * the guest starts, and whether SSE is to be on. */
struct mode_env {
    const struct guestmem *mem;
    bool gbpages; /* guest CPUID has 1 GiB pages (long mode may use them) */
    uint64_t entry; /* guest-physical entry point */
    bool sse;   /* SSE and x87 on, as an OS leaves them (not --no-sse) */
    bool xsave; /* guest CPUID has XSAVE: with sse, CR4.OSXSAVE too */
    bool la57;  /* guest CPUID has 5-level paging (CPUID.7.0:ECX.LA57) */
    bool nx;    /* guest CPUID has NX (EFER.NXE may be set) */
};

/* A guest image linked into the binary (see scripts/embed-guest). */
struct guest_blob {
    const char *name; /* "hello", selectable with --guest-name */
    const unsigned char *start, *end;
    bool builtin_checks; /* host checks RAX == 42 and RESULT == 42 */
};

struct mode {
    const char *name;   /* "long": also the long flag, --long */
    char short_flag;    /* 'l', as in kvm-hello-world */
    unsigned word_size; /* bytes in a general register: 2, 4 or 8 */
    const char *summary; /* one line for --help and --probe */
    uint64_t min_mem;   /* RAM the setup needs for its own structures */
    uint64_t max_mem;   /* RAM the mode can map */
    uint64_t max_entry; /* highest entry point the mode can reach */
    bool uses_sys_area; /* GDT/page tables live in LAYOUT_SYS_* */
    /* Host-visible bits the mode needs; after KVM_SET_SREGS the vCPU
     * module checks the host kept each of them. */
    uint64_t need_cr0, need_cr4, need_efer;
    /* Fill sregs/regs (starting from the vCPU's reset state) and write
     * tables into env->mem. Returns 0 or a negative errno: -ENOSPC when
     * RAM is too small for the tables, -E2BIG when too large to map
     * (cli_validate refuses such sizes first). */
    int (*setup)(const struct mode_env *env, struct kvm_sregs *sregs,
                 struct kvm_regs *regs);
    /* NULL, or: why the guest CPUID in env cannot run the mode (NULL when
     * it can). Asked before setup; the run then exits 3 with the reason. */
    const char *(*host_lacks)(const struct mode_env *env);
    /* Bytes of tables the setup puts at the top of low RAM (beyond the
     * SYS area), or NULL for none; images must not overlap them. */
    uint64_t (*high_tables)(const struct mode_env *env);
    const struct guest_blob *guests; /* first is the default guest */
    size_t n_guests;
};

extern const struct mode *const mode_table[];
extern const size_t mode_count;

const struct mode *mode_default(void);
const struct mode *mode_find(const char *name);
const struct mode *mode_find_short(char flag);
const struct guest_blob *mode_find_guest(const struct mode *mode,
                                         const char *name);

/* Guest blobs are linked in by objcopy under these names. */
#define GUEST_BLOB_EXTERN(sym)                                                 \
    extern const unsigned char guest_##sym##_start[];                          \
    extern const unsigned char guest_##sym##_end[]
#define GUEST_BLOB(label, sym, checks)                                         \
    {.name = label,                                                            \
     .start = guest_##sym##_start,                                             \
     .end = guest_##sym##_end,                                                 \
     .builtin_checks = checks}

/* Initial stack: top of the first 2 MiB, or of RAM if smaller. */
uint64_t mode_stack_top(const struct guestmem *mem);

/* The initial registers of the modes with tables at the top of low RAM
 * (mode.high_tables): RIP at the entry, RSP at the stack top but not
 * above `tables_base`, the first byte of those tables. */
void mode_regs_setup(const struct mode_env *env, uint64_t tables_base,
                     struct kvm_regs *regs);

/* x87 and SSE as an OS leaves them, for the 32- and 64-bit modes: with
 * env->sse, CR0.MP set, CR0.EM and TS clear, CR4.OSFXSR and OSXMMEXCPT
 * set, and CR4.OSXSAVE where env->xsave (the vCPU module then loads XCR0
 * for it). Without, CR4's SSE bits stay clear: SSE raises #UD. */
void mode_fpu_setup(const struct mode_env *env, struct kvm_sregs *sregs);

#endif
