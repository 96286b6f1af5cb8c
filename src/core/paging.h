/* paging.h - the guest's own page tables, walked by the host.
 *
 * paging_translate() turns a linear address into a guest-physical one
 * the way the vCPU would, from the control registers in a struct
 * kvm_sregs (read with KVM_GET_SREGS by the caller, never here):
 *   CR0.PG clear          no paging: physical = linear (real, protected)
 *   CR0.PG, EFER.LMA      4-level paging, 4 KiB / 2 MiB / 1 GiB pages;
 *                         with CR4.LA57 5-level (a PML5 on top)
 *   CR0.PG, CR4.PAE       PAE paging: 4-entry PDPT, 2 MiB / 4 KiB pages
 *   CR0.PG, no CR4.PAE    32-bit paging, 4 KiB and (CR4.PSE) 4 MiB pages
 * Every table entry is read once, through guestmem, into a
 * local: the guest may change its tables at any time, and a table that is
 * not in RAM is a fault, never a read outside guest memory. Access bits
 * (RW, US, NX) are not checked: the host acts with supervisor rights.
 *
 * An entry the vCPU would refuse is refused here too, so a pointer the
 * host follows is one the guest could follow. After its P bit, each
 * entry's reserved bits are checked (SDM vol. 3A 4.3, 4.5, 4.7: the CPU
 * raises #PF with RSVD), from the CPU facts in mem->cpu (guestmem.h):
 *   4/5-level, PAE PD/PT  bits MAXPHYADDR..51; bit 63 (XD) unless EFER.NXE
 *   PML5E, PML4E          bit 7 (PS); bit 8 too on AMD
 *   PAE PDPTE             bits MAXPHYADDR..63; 2:1 and 8:5 too on Intel
 *                         (SDM table 4-8; AMD sets bit 5, accessed)
 *   PDPTE with PS         PS itself without 1 GiB pages, else bits 29:13
 *   PDE with PS           bits 20:13 (2 MiB page)
 *   32-bit PDE with PS    bits 21:(M-19), M = min(MAXPHYADDR, 40) with
 *   (and CR4.PSE)         PSE-36, else 32: bits (M-20):13 are address
 *                         bits (M-1):32 (4 MiB page)
 * 32-bit paging's other entries have no reserved bits; without CR4.PSE
 * a PDE's PS bit is ignored and the PDE names a page table.
 */
#ifndef SKVM_PAGING_H
#define SKVM_PAGING_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "core/guestmem.h"

enum paging_status {
    PAGING_OK = 0,
    PAGING_NOT_PRESENT,   /* an entry on the way has P = 0 */
    PAGING_RESERVED_PML5E, /* an entry with P = 1 has a reserved bit set: */
    PAGING_RESERVED_PML4E,
    PAGING_RESERVED_PDPTE, /* the walk's level names which entry (32-bit */
    PAGING_RESERVED_PDE,   /* paging: only a 4 MiB PDE can) */
    PAGING_RESERVED_PTE,
    PAGING_TABLE_NOT_RAM, /* a paging structure lies outside RAM */
    PAGING_NONCANONICAL,  /* 4-level: bits 63:47 differ (5-level: 63:56) */
    /* Only from the linear-range functions below: */
    PAGING_NOT_RAM,       /* maps to a guest-physical address outside RAM */
    PAGING_WRAPS,         /* the range runs past the 4 GiB linear limit */
    PAGING_UNTERMINATED,  /* no NUL within the limit */
    PAGING_TOO_LONG,      /* paging_write: more than PAGING_WRITE_MAX */
};

struct paging_walk {
    uint64_t gpa;        /* with PAGING_OK: the guest-physical address */
    uint64_t page_size;  /* with PAGING_OK: size of the mapping page */
    uint64_t entry_gpa;  /* with NOT_PRESENT / RESERVED_* / TABLE_NOT_RAM:
                            the entry */
};

enum paging_status paging_translate(const struct guestmem *mem,
                                    const struct kvm_sregs *sregs,
                                    uint64_t linear, struct paging_walk *walk);

/* `len` bytes of the guest's linear memory, through its paging, each byte
 * translated on its own (for the few bytes of frames, descriptors and
 * instructions); -1 when any byte is unmapped or not RAM. */
int paging_read_linear(const struct guestmem *mem,
                       const struct kvm_sregs *sregs, uint64_t linear,
                       void *buf, size_t len);

/* Linear ranges, as hypercall pointers name them: 32-bit linear
 * addresses, translated page by page (each 4 KiB piece on its own, so a
 * range may cross pages that map anywhere). On failure `fault` holds the
 * first linear address that failed and why; nothing has been written. */
struct paging_fault {
    enum paging_status status;
    uint64_t linear; /* first failing byte */
    uint64_t gpa;    /* with PAGING_NOT_RAM: where it maps */
};

#define PAGING_WRITE_MAX 4096 /* bytes paging_write copies at most */

/* Copy len bytes to guest linear [linear, linear + len): all or nothing.
 * Every page is translated before the first byte is copied, so a buffer
 * that overlaps the guest's page tables cannot redirect the rest. */
int paging_write(const struct guestmem *mem, const struct kvm_sregs *sregs,
                 uint32_t linear, const void *buf, size_t len,
                 struct paging_fault *fault);

/* Copy the NUL-terminated string at `linear` into buf (max + 1 bytes),
 * NUL included; *len = bytes before the NUL. A string with no NUL in its
 * first max + 1 bytes is PAGING_UNTERMINATED. */
int paging_read_str(const struct guestmem *mem, const struct kvm_sregs *sregs,
                    uint32_t linear, char *buf, size_t max, size_t *len,
                    struct paging_fault *fault);

/* "not mapped (page not present)", "not mapped (reserved bit set in the
 * PDPTE)" etc., for one-line messages. */
const char *paging_status_text(enum paging_status status);

#endif
