/* probe.c - start-up probes of this host's KVM guest debugging. */
#include "gdb/probe.h"

#include <string.h>

#include "core/guestmem.h"
#include "gdb/debugreg.h"
#include "kvm/vcpu.h"
#include "kvm/vm.h"

#define STOSB_OPCODE   0xAA /* store AL at ES:(E/R)DI */
#define PROBE_DATA     0x100 /* the byte the watch probe writes */
#define REAL_IVT_BP    (4 * BP_VECTOR) /* real-mode IVT entry of #BP */
#define PROBE_MEM      (UINT64_C(2) << 20)

const char *gdbprobe_swbp_name(enum gdbprobe_swbp how)
{
    static const char *const names[] = {
        [GDBPROBE_SWBP_DEBUG_EXIT] = "KVM_EXIT_DEBUG",
        [GDBPROBE_SWBP_EMULATION_EXIT] =
            "KVM_EXIT_INTERNAL_ERROR (emulation) at the int3",
    };

    if ((size_t)how < sizeof(names) / sizeof(names[0]) && names[how])
        return names[how];
    return "not intercepted";
}

/* Run `code` at guest address 0 in a scratch VM of `mode` under `dbg`,
 * with RDI = PROBE_DATA, and copy out its first exit and RIP. The
 * programs end in hlt, and real mode's #BP vector points at the hlt at
 * 0:1 (the other modes have no IDT: a triple fault), so a probe always
 * ends; it never loops. */
static int probe_run(const struct mode *mode, const uint8_t *code, size_t len,
                     const struct kvm_guest_debug *dbg, struct kvm_run *exit,
                     uint64_t *rip)
{
    struct vm vm;
    struct skvm_err err;
    struct kvm_regs r;
    uint64_t mem = mode->min_mem > PROBE_MEM ? mode->min_mem : PROBE_MEM;
    int rc = -1;

    if (vm_open(&vm, mem, false, false, &err) < 0)
        return -1;
    uint8_t *p = guestmem_ptr_rw(&vm.mem, 0, PROBE_DATA + 1);
    if (!p || len > REAL_IVT_BP || vcpu_configure(&vm, mode, 0, &err) < 0 ||
        vcpu_get_regs(&vm, &r, &err) < 0)
        goto out;
    memcpy(p, code, len);
    p[REAL_IVT_BP] = 1; /* offset 1, segment 0 */
    r.rdi = PROBE_DATA;
    if (vcpu_set_regs(&vm, &r, &err) < 0 ||
        vcpu_set_guest_debug(&vm, dbg, &err) < 0 ||
        vcpu_run_once(&vm, &err) < 0 || vcpu_get_regs(&vm, &r, &err) < 0)
        goto out;
    *exit = *vm.run;
    *rip = r.rip;
    rc = 0;
out:
    vm_close(&vm);
    return rc;
}

/* How an int3 comes back: int3; hlt. */
enum gdbprobe_swbp gdbprobe_int3(const struct mode *mode)
{
    static const uint8_t code[] = {INT3_OPCODE, HLT_OPCODE};
    const struct kvm_guest_debug dbg = {
        .control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP};
    struct kvm_run exit;
    uint64_t rip;

    if (probe_run(mode, code, sizeof(code), &dbg, &exit, &rip) < 0)
        return GDBPROBE_SWBP_NONE;
    if (exit.exit_reason == KVM_EXIT_DEBUG &&
        exit.debug.arch.exception == BP_VECTOR)
        return GDBPROBE_SWBP_DEBUG_EXIT;
    if (exit.exit_reason == KVM_EXIT_INTERNAL_ERROR &&
        exit.internal.suberror == KVM_INTERNAL_ERROR_EMULATION && rip == 0)
        return GDBPROBE_SWBP_EMULATION_EXIT;
    return GDBPROBE_SWBP_NONE;
}

/* Whether a data breakpoint fires: DR0 watches writes to PROBE_DATA,
 * and stosb (the same byte in every mode) writes AL there. */
bool gdbprobe_watch(const struct mode *mode)
{
    static const uint8_t code[] = {STOSB_OPCODE, HLT_OPCODE};
    struct kvm_guest_debug dbg = {
        .control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP};
    struct kvm_run exit;
    uint64_t rip;

    dbg.arch.debugreg[0] = PROBE_DATA;
    dbg.arch.debugreg[DR7_INDEX] = DR7_L(0) |
                                   (uint64_t)DR7_RW_WRITE << DR7_RW_SHIFT(0) |
                                   DR7_GE | DR7_FIXED1;
    return probe_run(mode, code, sizeof(code), &dbg, &exit, &rip) == 0 &&
           exit.exit_reason == KVM_EXIT_DEBUG &&
           exit.debug.arch.exception == DB_VECTOR &&
           (exit.debug.arch.dr6 & DR6_B(0));
}
