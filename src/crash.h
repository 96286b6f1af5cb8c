/* crash.h - the crash report: what the vCPU looked like when the guest
 * stopped, told so a learner can see why.
 *
 * crash_capture() runs while the VM is still open (right after the run
 * loop ends) and copies everything the report needs: the exit and its
 * details, general and segment registers, control registers, and the
 * code bytes around RIP (CS base + RIP, through the guest's paging).
 * It only reads; the two renderers work on the copy, after the VM is
 * gone: crash_print() for stderr, crash_to_json() for --json.
 */
#ifndef SKVM_CRASH_H
#define SKVM_CRASH_H

#include <json-c/json.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vm.h"

#define CRASH_CODE_BEFORE 32 /* bytes of lead-in read before RIP */
#define CRASH_CODE_AFTER 48  /* bytes read from RIP on */
#define CRASH_INSNS_AFTER 4  /* instructions shown from RIP on */

struct crash_state {
    uint32_t exit_reason;
    /* exit details, as the kvm_run page had them */
    uint32_t internal_suberror;
    uint64_t fail_entry_reason;
    uint64_t mmio_addr;
    uint32_t mmio_len;
    bool mmio_write;
    uint16_t io_port;
    uint8_t io_size;
    bool io_out;

    bool have_regs; /* KVM_GET_REGS/SREGS worked */
    bool reset_state; /* shutdown on AMD: registers are the reset state */
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    unsigned bits;       /* 16, 32 or 64: how the CPU decodes at RIP */
    uint64_t rip_linear; /* CS base + RIP (64-bit: RIP) */
    bool rip_mapped;     /* the bytes at RIP could be read */
    uint64_t rip_phys;
    char unmapped_why[128];
    uint8_t code[CRASH_CODE_BEFORE + CRASH_CODE_AFTER];
    uint64_t code_base; /* linear address of code[0] */
    unsigned code_len;
};

void crash_capture(const struct vm *vm, struct crash_state *c);

/* "triple fault: ..." - what this exit usually means. */
const char *crash_exit_meaning(uint32_t reason);

/* The multi-line report, on `out`. `title` says why it is shown
 * ("guest fault", "--dump"). */
void crash_print(const struct crash_state *c, const char *title, FILE *out);

/* The same as a new JSON object (the caller owns it), or NULL. */
struct json_object *crash_to_json(const struct crash_state *c);

#endif
