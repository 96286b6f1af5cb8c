/* run.c - KVM_RUN loop, exit dispatch, timeout and signals. */
#include "kvm/run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm/console.h"
#include "core/bios.h"
#include "core/hypercall.h"
#include "dev/devices.h"
#include "core/layout.h"
#include "kvm/memslots.h"
#include "kvm/exit_reasons.h"
#include "kvm/irqchip.h"
#include "core/fdwrite.h"
#include "core/exception.h"
#include "core/paging.h"
#include "core/stop.h"
#include "kvm/vcpu.h"
#include "core/x86.h"
#include "modes/idt.h"

static uint64_t guest_rip(const struct vm *vm)
{
    struct kvm_regs regs;
    struct skvm_err ignored;

    return vcpu_get_regs(vm, &regs, &ignored) == 0 ? regs.rip : 0;
}

/* The sregs at this exit, for a hypercall that translates a pointer.
 * The first such call reads them with KVM_GET_SREGS and, where KVM can
 * (KVM_CAP_SYNC_REGS), asks for them with every exit from then on: an
 * ioctl costs ~5 us on kvm-pvm, a third of a print_str round trip; the
 * copy KVM makes on exit costs far less. Guests that never pass a
 * pointer never pay for either. */
static int pointer_sregs(struct vm *vm, struct kvm_sregs *sregs,
                         struct skvm_err *err)
{
    if (vm->run->kvm_valid_regs & KVM_SYNC_X86_SREGS) {
        *sregs = vm->run->s.regs.sregs;
        return 0;
    }
    if (vcpu_get_sregs(vm, sregs, err) < 0)
        return -1;
    if (vm->sync_regs & KVM_SYNC_X86_SREGS)
        vm->run->kvm_valid_regs |= KVM_SYNC_X86_SREGS;
    return 0;
}

/* The `len` bytes of code at RIP, read through the vCPU's paging:
 * false when any is unmapped or not RAM. */
static bool insn_at_rip(const struct vm *vm, const struct kvm_sregs *sregs,
                        const struct kvm_regs *regs, uint8_t *insn,
                        size_t len)
{
    uint64_t lin = vcpu_linear_rip(sregs, regs);
    struct paging_walk w;

    for (size_t i = 0; i < len; i++)
        if (paging_translate(&vm->mem, sregs, lin + i, &w) != PAGING_OK ||
            guestmem_read(&vm->mem, w.gpa, &insn[i], 1) < 0)
            return false;
    return true;
}

/* An OUT to the console port: what KVM batches and putchar may hold
 * bytes across. */
static bool console_out_exit(const struct kvm_run *run)
{
    return run->exit_reason == KVM_EXIT_IO &&
           run->io.direction == KVM_EXIT_IO_OUT &&
           run->io.port == LAYOUT_PORT_CONSOLE;
}

/* Port I/O: the devices' ports the map leaves alone (dev/devices.h),
 * then the console and hypercalls (src/hypercall.c). The vCPU's
 * sregs are fetched here, only for calls that translate a pointer, so
 * the dispatcher itself never touches KVM. A fault gets the RIP
 * appended. */
static int handle_io(struct vm *vm, struct hc_ctx *hc, struct devices *dev,
                     bool *dev_exited, struct skvm_err *err)
{
    struct kvm_sregs sregs, *sp = NULL;
    uint8_t dir = vm->run->io.direction == KVM_EXIT_IO_OUT ? PORTMAP_OUT
                                                           : PORTMAP_IN;
    int rc;

    /* A device's port, unless the port map binds it (dev/devices.h). */
    if (dev && portmap_lookup(hc->opt.map, vm->run->io.port, dir) < 0 &&
        devices_claim(vm->run->io.port, dir) >= 0) {
        if (dir == PORTMAP_IN)
            hc->io_in++; /* exit_stats counts every port I/O exit */
        else
            hc->io_out++;
        rc = devices_dispatch(dev, vm->run, vm->run_size, err);
        *dev_exited = rc == DEV_EXITED;
        if (rc == DEV_EXITED)
            return HC_EXITED;
        goto out;
    }
    if (hypercall_needs_sregs(hc, vm->run, vm->run_size)) {
        if (pointer_sregs(vm, &sregs, err) < 0)
            return -1;
        sp = &sregs;
    }
    rc = hypercall_dispatch(hc, vm->run, vm->run_size, sp, err);
    /* Console bytes that cost an exit count toward batching the rest
     * (console_setup wanted batching only while the map leaves putchar
     * on the console port: KVM batches that port's 1-byte OUTs, whatever
     * the map says). */
    if (rc == HC_CONTINUE && console_out_exit(vm->run) &&
        vm->run->io.size == 1)
        console_note_exit(&vm->console, vm->run->io.count);
out:
    if (rc < 0 && err->status == SKVM_GUEST_FAULT && !hc->fault_placed) {
        size_t len = strlen(err->msg);
        snprintf(err->msg + len, sizeof(err->msg) - len, " at RIP 0x%llx",
                 (unsigned long long)guest_rip(vm));
    }
    return rc;
}

/* KVM could not emulate an instruction (its own exit, or with
 * KVM_CAP_EXIT_ON_EMULATION_FAILURE any such failure). */
static bool emulation_failed(const struct kvm_run *run)
{
    return run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
           run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION;
}

/* Bytes an x86 instruction may span: a fetch failure there may be lazy
 * RAM on either page. */
#define X86_INSN_MAX 15

/* Where KVM lacks KVM_CAP_EXIT_ON_EMULATION_FAILURE (vm.h), an emulation
 * failure at CPL 0 both exits to user space and queues a #UD for the
 * guest (x86.c, handle_emulation_failure; kvm-pvm queues none). When
 * lazy RAM explains the failure, that #UD is not the guest's: drop it, or
 * the retried instruction never runs. */
static void drop_emulation_ud(struct vm *vm)
{
    struct kvm_vcpu_events ev;
    struct skvm_err ignored;

    if (vcpu_get_events(vm, &ev, &ignored) < 0 ||
        !(ev.exception.injected || ev.exception.pending) ||
        ev.exception.nr != X86_EXC_UD)
        return;
    ev.exception.injected = 0;
    ev.exception.pending = 0;
    ev.flags = 0; /* change nothing else (NMI, SIPI, shadow stay as read) */
    (void)vcpu_set_events(vm, &ev, &ignored);
}

/* With KVM_CAP_EXIT_ON_EMULATION_FAILURE every emulation failure comes
 * here, also at CPL 1-3, where KVM would otherwise have given the guest a
 * #UD and gone on. When lazy RAM does not explain it, do what KVM would
 * have done: a #UD for user code, the run's end (exit 4) for the kernel.
 * Returns 1 when the guest goes on. */
static int user_emulation_failure(struct vm *vm)
{
    struct kvm_vcpu_events ev;
    struct kvm_sregs sregs;
    struct skvm_err ignored;

    if (!vm->exit_on_emulation_failure || !emulation_failed(vm->run) ||
        vcpu_get_sregs(vm, &sregs, &ignored) < 0 ||
        !(sregs.cr0 & X86_CR0_PE) || sregs.ss.dpl == 0 ||
        vcpu_get_events(vm, &ev, &ignored) < 0)
        return 0;
    ev.exception.injected = 1;
    ev.exception.nr = X86_EXC_UD;
    ev.exception.has_error_code = 0;
    ev.flags = 0;
    return vcpu_set_events(vm, &ev, &ignored) == 0;
}

/* Lazy RAM (memslots.h): the guest reached a piece of RAM KVM was not
 * told of yet. A data access arrives as KVM_EXIT_MMIO (possibly split in
 * several, also after its piece is in) and is done on the host copy. An
 * instruction fetch arrives as an emulation failure and is retried once
 * the pieces under RIP are registered; any other emulation failure while
 * pieces are missing (an instruction KVM's emulator cannot run, such as
 * SSE or AVX, with an operand in lazy RAM) registers all RAM, as
 * --eager-mem would have, and is retried once. Returns 1 when the exit
 * was lazy RAM (the guest goes on), 0 when it was not, -1 when KVM
 * refused a slot. */
static int lazy_ram_exit(struct vm *vm)
{
    struct kvm_run *run = vm->run;
    struct kvm_sregs sregs;
    struct kvm_regs regs;
    struct skvm_err ignored;
    int added = 0;

    if (run->exit_reason == KVM_EXIT_MMIO)
        return memslots_mmio(&vm->slots, run->mmio.phys_addr, run->mmio.data,
                             run->mmio.len, run->mmio.is_write);
    if (!emulation_failed(run) ||
        vm->slots.n_registered == vm->slots.n_chunks ||
        vcpu_get_regs(vm, &regs, &ignored) < 0 ||
        vcpu_get_sregs(vm, &sregs, &ignored) < 0)
        return 0;
    /* Both ends of the longest instruction at RIP. */
    uint64_t la = vcpu_linear_rip(&sregs, &regs);
    uint64_t ends[] = {la, la + X86_INSN_MAX - 1};
    for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
        struct paging_walk walk;
        if (paging_translate(&vm->mem, &sregs, ends[i], &walk) != PAGING_OK ||
            !memslots_is_lazy(&vm->slots, walk.gpa))
            continue;
        int n = memslots_ensure(&vm->slots, walk.gpa, 1);
        if (n < 0)
            return -1;
        added += n;
    }
    if (added == 0)
        added = memslots_ensure(&vm->slots, 0, UINT64_MAX);
    if (added < 0)
        return -1;
    if (added > 0)
        drop_emulation_ud(vm);
    return added > 0;
}

/* "long", "compatibility" (32-bit code under long mode) or "protected",
 * for messages naming the mode the code ran in. */
static const char *mode_word(const struct kvm_sregs *s, unsigned bits)
{
    return bits == VCPU_BITS_64          ? "long"
           : (s->efer & X86_EFER_LMA)    ? "compatibility"
                                         : "protected";
}

/* kvm-pvm runs `int N` (and int3, into, int1) in protected and long
 * mode in its instruction emulator, which cannot deliver them: an
 * emulation failure at such an instruction there is this host's limit,
 * not the guest's crash (hardware KVM delivers it to the IDT). Returns 1 with
 * err filled (SKVM_HOST) when that is what happened. */
static int software_interrupt_limit(struct vm *vm, struct skvm_err *err)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct skvm_err ignored;
    uint8_t insn[2];
    char what[16];

    if (!emulation_failed(vm->run) || vcpu_get_regs(vm, &regs, &ignored) < 0 ||
        vcpu_get_sregs(vm, &sregs, &ignored) < 0 ||
        !(sregs.cr0 & X86_CR0_PE))
        return 0;
    unsigned bits = vcpu_code_bits(&sregs, regs.rflags);
    if (!insn_at_rip(vm, &sregs, &regs, insn, sizeof(insn)))
        return 0;
    switch (insn[0]) {
    case X86_OPCODE_INT:
        snprintf(what, sizeof(what), "int 0x%x", insn[1]);
        break;
    case X86_OPCODE_INT3:
        snprintf(what, sizeof(what), "int3");
        break;
    case X86_OPCODE_INTO:
        snprintf(what, sizeof(what), "into");
        break;
    case X86_OPCODE_INT1:
        snprintf(what, sizeof(what), "int1");
        break;
    case X86_OPCODE_IRET:
    case X86_REX_W:
        /* kvm-pvm's emulator returns from an interrupt handler (the
         * --irqchip timer's, say) in real and long mode only. */
        if (insn[0] == X86_REX_W && insn[1] != X86_OPCODE_IRET)
            return 0;
        skvm_fail(err, SKVM_HOST,
                  "this host's KVM cannot return from interrupts in %u-bit "
                  "%s mode: 'iret' at RIP 0x%llx ended in an emulation "
                  "failure (KVM_EXIT_INTERNAL_ERROR); hardware KVM runs it",
                  bits, mode_word(&sregs, bits),
                  (unsigned long long)regs.rip);
        return 1;
    default:
        return 0;
    }
    skvm_fail(err, SKVM_HOST,
              "this host's KVM cannot deliver software interrupts in "
              "%u-bit %s mode: '%s' at RIP 0x%llx ended in an emulation "
              "failure (KVM_EXIT_INTERNAL_ERROR); hardware KVM delivers it",
              bits, mode_word(&sregs, bits), what,
              (unsigned long long)regs.rip);
    return 1;
}

/* A guest that turns paging on itself (a boot sector, a kernel): on
 * kvm-pvm a MOV to CR0 that sets PG for 32-bit or PAE paging ends in a
 * shutdown with RIP still at that MOV and CR0.PG clear. The CPU itself
 * raises nothing there for a valid value (PE set; with EFER.LME, PAE
 * set too: SDM 2.5, 9.8.5), and a fault after the switch would have RIP
 * past the MOV: so this is the host's limit, said as such (exit 3).
 * Returns 1 with err filled when that is what happened. */
static int guest_paging_limit(struct vm *vm, const struct kvm_regs *regs,
                              const struct kvm_sregs *sregs,
                              struct skvm_err *err)
{
    static const char *const names[] = {"eax", "ecx", "edx", "ebx",
                                        "esp", "ebp", "esi", "edi"};
    const uint64_t gpr[] = {regs->rax, regs->rcx, regs->rdx, regs->rbx,
                            regs->rsp, regs->rbp, regs->rsi, regs->rdi};
    uint8_t insn[3];

    if ((sregs->cr0 & X86_CR0_PG) ||
        !insn_at_rip(vm, sregs, regs, insn, sizeof(insn)))
        return 0;
    /* 0F 22 /r with mod 11 and reg 0: mov cr0, r32 */
    if (insn[0] != 0x0F || insn[1] != 0x22 || (insn[2] & 0xF8) != 0xC0)
        return 0;
    uint64_t cr0 = gpr[insn[2] & 7];
    bool lme = sregs->efer & X86_EFER_LME, pae = sregs->cr4 & X86_CR4_PAE;
    if (!(cr0 & X86_CR0_PG) || !(cr0 & X86_CR0_PE) || (lme && !pae))
        return 0;
    const char *what = lme ? "4-level (long mode)" : pae ? "PAE" : "32-bit";
    skvm_fail(err, SKVM_HOST,
              "this host's KVM cannot run the %s paging the guest turned "
              "on: 'mov cr0, %s' (0x%llx, CR0.PG) at RIP 0x%llx ended in a "
              "shutdown (KVM_EXIT_SHUTDOWN); hardware KVM runs it",
              what, names[insn[2] & 7], (unsigned long long)cr0,
              (unsigned long long)regs->rip);
    return 1;
}

/* Every exit other than IO/HLT ends the run; say what it was. */
static int unexpected_exit(struct vm *vm, struct skvm_err *err)
{
    const struct kvm_run *run = vm->run;
    unsigned long long rip = guest_rip(vm);
    const char *name = exit_reason_name(run->exit_reason);

    switch (run->exit_reason) {
    case KVM_EXIT_SHUTDOWN: {
        struct kvm_regs regs;
        struct kvm_sregs sregs;
        struct skvm_err ignored;
        bool have = vcpu_get_regs(vm, &regs, &ignored) == 0 &&
                    vcpu_get_sregs(vm, &sregs, &ignored) == 0;
        if (have && guest_paging_limit(vm, &regs, &sregs, err))
            return -1;
        if (have && vcpu_is_reset_state(&regs, &sregs))
            return skvm_fail(err, SKVM_GUEST_FAULT,
                             "guest triple fault (KVM_EXIT_SHUTDOWN); the host "
                             "reset the vCPU (AMD), so the faulting RIP is "
                             "unknown");
        /* With the loader's handlers in place, only a stack that cannot
         * take an exception frame (or paging without the handlers)
         * escalates this far: say what is known. */
        if (have && idt_is_ours(&sregs))
            return skvm_fail(err, SKVM_GUEST_FAULT,
                             "guest triple fault (KVM_EXIT_SHUTDOWN) at RIP "
                             "0x%llx: an exception could not be delivered "
                             "even to the loader's handlers (stack pointer "
                             "0x%llx: can it take an exception frame?)",
                             rip, (unsigned long long)regs.rsp);
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "guest triple fault (KVM_EXIT_SHUTDOWN) at RIP "
                         "0x%llx",
                         rip);
    }
    case KVM_EXIT_FAIL_ENTRY:
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "VM entry failed (KVM_EXIT_FAIL_ENTRY, hardware "
                         "reason 0x%llx) at RIP 0x%llx",
                         (unsigned long long)run->fail_entry
                             .hardware_entry_failure_reason,
                         rip);
    case KVM_EXIT_INTERNAL_ERROR:
        if (software_interrupt_limit(vm, err))
            return -1;
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "KVM internal error (KVM_EXIT_INTERNAL_ERROR, "
                         "suberror %u) at RIP 0x%llx",
                         run->internal.suberror, rip);
    case KVM_EXIT_MMIO:
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "guest %s %u bytes at 0x%llx, which is not RAM "
                         "(KVM_EXIT_MMIO) at RIP 0x%llx",
                         run->mmio.is_write ? "wrote" : "read", run->mmio.len,
                         (unsigned long long)run->mmio.phys_addr, rip);
    default:
        if (name)
            return skvm_fail(err, SKVM_GUEST_FAULT,
                             "unexpected exit %s at RIP 0x%llx", name, rip);
        return skvm_fail(err, SKVM_GUEST_FAULT,
                         "unexpected exit reason %u at RIP 0x%llx",
                         run->exit_reason, rip);
    }
}

/* `jmp $` as NASM and gcc write it: short (EB FE), near in 16-bit code
 * (E9 FD FF) and in 32/64-bit code (E9 FB FF FF FF). */
static bool jumps_to_itself(const uint8_t *insn, unsigned bits)
{
    static const uint8_t near16[] = {0xE9, 0xFD, 0xFF};
    static const uint8_t near32[] = {0xE9, 0xFB, 0xFF, 0xFF, 0xFF};

    if (insn[0] == 0xEB && insn[1] == 0xFE)
        return true;
    if (bits == VCPU_BITS_16)
        return memcmp(insn, near16, sizeof(near16)) == 0;
    return memcmp(insn, near32, sizeof(near32)) == 0;
}

/* A tick found the vCPU running: is it parked for good, spinning on a
 * jump to itself with nothing that could interrupt it (no irqchip, or
 * interrupts off)? Then vm->parked says where. A few ioctls per tick,
 * and only under run_config.park_check. */
static bool parked(struct vm *vm)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct skvm_err ignored;
    uint8_t insn[5];

    if (vcpu_get_regs(vm, &regs, &ignored) < 0 ||
        (vm->irqchip && (regs.rflags & X86_RFLAGS_IF)) ||
        vcpu_get_sregs(vm, &sregs, &ignored) < 0)
        return false;
    unsigned bits = vcpu_code_bits(&sregs, regs.rflags);
    if (!insn_at_rip(vm, &sregs, &regs, insn, sizeof(insn)) ||
        !jumps_to_itself(insn, bits))
        return false;
    vm->parked.yes = true;
    vm->parked.cs = sregs.cs.selector;
    vm->parked.rip = regs.rip;
    vm->parked.bits = bits;
    return true;
}

/* A BIOS service ended the run with a fault: the vCPU back at its
 * caller (core/bios.h), so the crash report and gdb show the boot
 * sector's INT (or faulting) instruction, not the BIOS's OUT. */
static void bios_caller_back(struct vm *vm, const struct bios *bios)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct skvm_err ignored;

    if (vcpu_get_regs(vm, &regs, &ignored) < 0 ||
        vcpu_get_sregs(vm, &sregs, &ignored) < 0 ||
        !bios_unwind(bios, &regs, &sregs))
        return;
    vcpu_set_sregs(vm, &sregs, &ignored);
    vcpu_set_regs(vm, &regs, &ignored);
}

/* Could RIP (not yet linear) be one past a stub of the loader's IDT?
 * Decided from RIP alone, so an ordinary HLT costs no KVM_GET_SREGS:
 * flat code runs the stubs at their linear address, real mode at
 * F000:offset. */
static bool maybe_stub(uint64_t rip)
{
    uint64_t real_off = LAYOUT_EXC_STUBS - LAYOUT_SYS_BASE;

    return (rip > LAYOUT_EXC_STUBS && rip <= LAYOUT_EXC_STUBS + X86_VECTORS) ||
           (rip > real_off && rip <= real_off + X86_VECTORS);
}

/* A HLT in one of the loader's exception stubs (modes/idt.h): name the
 * exception from its frame, put the vCPU back at the faulting
 * instruction and record it in vm->exception. Returns 1 when it was
 * one (err filled), 0 for an ordinary HLT. */
static int exception_exit(struct vm *vm, const struct symbols *syms,
                          struct skvm_err *err)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct skvm_err ignored;
    char msg[sizeof(err->msg)];
    int vector;

    if (vcpu_exit_regs(vm, &regs, &ignored) < 0 || !maybe_stub(regs.rip) ||
        vcpu_get_sregs(vm, &sregs, &ignored) < 0 || !idt_is_ours(&sregs) ||
        (vector = idt_stub_vector(vcpu_linear_rip(&sregs, &regs))) < 0)
        return 0;
    exception_from_stub(&vm->mem, &sregs, &regs, (unsigned)vector,
                        &vm->exception);
    vm->have_exception = true;
    /* Symbols are virtual addresses: flat code only (CS base 0). */
    if (vm->exception.bits != 16)
        symbols_name(syms, vm->exception.rip, vm->exception.rip_symbol,
                     sizeof(vm->exception.rip_symbol));
    exception_describe(&vm->exception, &sregs, msg, sizeof(msg));
    skvm_fail(err, SKVM_GUEST_FAULT, "%s", msg);
    exception_unwind(&vm->exception, &regs, &sregs);
    /* The report and gdb then see the faulting instruction. Setting
     * only what unwinding changed: real and compat mode's CS, everywhere
     * RIP, RSP and RFLAGS. */
    vcpu_set_regs(vm, &regs, &ignored);
    if (vm->exception.bits == 16 || vm->exception.restore_cs)
        vcpu_set_sregs(vm, &sregs, &ignored);
    return 1;
}

static bool observers_take_exception(const struct run_config *cfg,
                                     const struct vm *vm)
{
    bool stop = false;

    for (size_t i = 0; i < cfg->n_observers; i++) {
        const struct run_observer *o = &cfg->observers[i];
        if (o->on_exception && o->on_exception(o->ctx, vm))
            stop = true;
    }
    return stop;
}

/* Guest output that could not be written ends the run (fdwrite.h): a
 * closed pipe as SIGPIPE would (128+13, with a line), anything else
 * (a full disk, EIO) as something this host could not do. */
int run_output_failed(struct skvm_err *err)
{
    int fd, e;

    if (!fdwrite_failed(&fd, &e))
        return 0;
    const char *what = fd == STDOUT_FILENO   ? "standard output"
                       : fd == STDERR_FILENO ? "standard error"
                                             : "the --console file";
    if (e == EPIPE) {
        skvm_fail(err, SKVM_SIGNAL, "stopped: %s was closed (SIGPIPE)", what);
        err->signo = SIGPIPE;
        return -1;
    }
    return skvm_fail(err, SKVM_HOST, "cannot write guest output to %s: %s",
                     what, strerror(e));
}

/* A stop was requested (stop.h): say by what. */
static int stopped(const struct run_config *cfg, struct skvm_err *err)
{
    if (stop_signal())
        return skvm_fail_signal(err, stop_signal());
    return skvm_fail(err, SKVM_TIMEOUT,
                     "guest did not halt within %g s (--timeout)",
                     cfg->timeout_s);
}

int run_config_observe(struct run_config *cfg, const struct run_observer *o)
{
    if (cfg->n_observers >= RUN_MAX_OBSERVERS)
        return -1;
    cfg->observers[cfg->n_observers++] = *o;
    return 0;
}

/* Call hook `h` of every observer that has one. */
#define OBSERVE(cfg, h, ...)                                                  \
    do {                                                                      \
        for (size_t o_ = 0; o_ < (cfg)->n_observers; o_++)                    \
            if ((cfg)->observers[o_].h)                                       \
                (cfg)->observers[o_].h((cfg)->observers[o_].ctx,              \
                                       ##__VA_ARGS__);                        \
    } while (0)

/* before_run of every observer: the first that does not say RUN_GO
 * decides (gdb waits here while the guest is stopped). */
static int observers_before_run(const struct run_config *cfg,
                                struct skvm_err *err)
{
    for (size_t i = 0; i < cfg->n_observers; i++) {
        const struct run_observer *o = &cfg->observers[i];
        int rc = o->before_run ? o->before_run(o->ctx, err) : RUN_GO;
        if (rc != RUN_GO)
            return rc;
    }
    return RUN_GO;
}

static bool observers_take_exit(const struct run_config *cfg,
                                const struct vm *vm)
{
    for (size_t i = 0; i < cfg->n_observers; i++) {
        const struct run_observer *o = &cfg->observers[i];
        if (o->on_exit && o->on_exit(o->ctx, vm))
            return true;
    }
    return false;
}

int run_guest(struct vm *vm, const struct run_config *cfg,
              struct skvm_err *err)
{
    struct hc_ctx hc;
    bool ending = false; /* an exception: end once gdb lets go */
    bool dev_exited = false; /* HC_EXITED came from isa-debug-exit */
    /* This run's exits as the guest sees them (exit_count): each exit
     * handled for the guest, and each console OUT KVM batched instead of
     * exiting; not the host's own (lazy RAM, emulation retries, debug
     * stops, signal kicks), so the count does not depend on batching,
     * --eager-mem or the run before. */
    uint64_t exits = 0;
    uint64_t kicks = 0; /* ticks that found the vCPU awake (irqchip.h) */
    int rc = -1;

    hypercall_init(&hc, &vm->mem, cfg->console_fd);
    hc.opt = cfg->hc;
    if (cfg->dev)
        devices_reset(cfg->dev);
    vm->have_exception = false;
    /* The loader's (or a restore's) writes may have needed a slot KVM
     * refused; say so before the guest runs on memory KVM lacks. */
    if (vm->slots.failed_errno)
        return memslots_failed(&vm->slots, err);

    stop_install();
    vm->run->immediate_exit = 0;
    /* A vCPU the in-kernel LAPIC keeps halted never exits: tick. */
    vm->parked.yes = false;
    if (vm->irqchip || cfg->park_check)
        stop_ticks(IRQCHIP_KICK_FIRST_US);
    stop_timeout_arm(cfg->timeout_s);
    stop_set_kick(&vm->run->immediate_exit);
    OBSERVE(cfg, on_start);
    for (;;) {
        /* A kick (a tick, a stop request, gdb's Ctrl-C) is spent: the
         * checks below (gdb's in before_run) see what it was for, and one
         * landing after its check sets it again, so KVM_RUN still returns
         * at once. */
        vm->run->immediate_exit = 0;
        /* Observers first: while gdb has the guest stopped, it waits. */
        int go = observers_before_run(cfg, err);
        if (go < 0 || (ending && go == RUN_GO))
            break;
        if (stop_requested()) {
            stopped(cfg, err);
            break;
        }
        if (go == RUN_RECHECK)
            continue;
        OBSERVE(cfg, run_begin);
        int run_rc = vcpu_run(vm);
        int run_errno = errno;
        OBSERVE(cfg, run_end);
        /* Console bytes putchar holds (core/fdwrite.h) go out before
         * anything this exit may print or wait for; only a further
         * console byte keeps them waiting (not a kick or a tick: KVM_RUN
         * failed and exit_reason is the last exit's). */
        if (run_rc < 0 || !console_out_exit(vm->run))
            fdwrite_release();
        /* batched output first: keeps the order */
        exits += console_drain(&vm->console);
        if (run_output_failed(err) < 0)
            break;
        if (run_rc < 0 && (run_errno == EINTR || run_errno == EAGAIN)) {
            /* A stop (the check above decides) or a tick: a vCPU halted
             * with interrupts off ends the run as its HLT exit would
             * have without the irqchip (irqchip.h). */
            if (stop_requested() || (!vm->irqchip && !cfg->park_check))
                continue;
            if (cfg->park_check && parked(vm)) {
                rc = 0;
                break;
            }
            int halted = vm->irqchip ? irqchip_halted_for_good(vm, err) : 0;
            if (halted < 0)
                break;
            if (!halted) {
                if (++kicks == IRQCHIP_KICKS_FIRST)
                    stop_ticks(IRQCHIP_KICK_US);
                continue;
            }
            vm->run->exit_reason = KVM_EXIT_HLT;
        } else if (run_rc < 0) {
            skvm_fail(err, SKVM_GUEST_FAULT, "KVM_RUN failed: %s",
                      strerror(run_errno));
            break;
        }
        if (observers_take_exit(cfg, vm))
            continue; /* a breakpoint or step: gdb decides what next */
        if (vm->run->exit_reason == KVM_EXIT_HLT) {
            if (exception_exit(vm, cfg->syms, err)) {
                ending = true;
                if (observers_take_exception(cfg, vm))
                    continue; /* gdb shows the fault first */
                break;
            }
            rc = 0;
            break;
        }
        if (vm->run->exit_reason == KVM_EXIT_IO) {
            hc.exits = ++exits;
            int io = handle_io(vm, &hc, cfg->dev, &dev_exited, err);
            /* A host write (hypercall result) may have needed a slot. */
            if (io == HC_CONTINUE && vm->slots.failed_errno) {
                memslots_failed(&vm->slots, err);
                break;
            }
            if (io == HC_CONTINUE && run_output_failed(err) < 0)
                break;
            if (io == HC_CONTINUE)
                continue;
            if (io == HC_EXITED) /* exit(0) passes like HLT */
                rc = dev_exited ? devices_exit_result(cfg->dev, err)
                                : hypercall_exit_result(&hc, err);
            else if (cfg->hc.bios)
                bios_caller_back(vm, cfg->hc.bios);
            break;
        }
        int lazy = lazy_ram_exit(vm);
        if (lazy > 0 && !vm->slots.failed_errno) {
            OBSERVE(cfg, on_lazy_ram);
            continue;
        }
        if (lazy < 0 || vm->slots.failed_errno) {
            memslots_failed(&vm->slots, err);
            break;
        }
        if (user_emulation_failure(vm))
            continue;
        unexpected_exit(vm, err);
        break;
    }
    fdwrite_release();
    console_drain(&vm->console);
    if (rc == 0 && run_output_failed(err) < 0)
        rc = -1;
    OBSERVE(cfg, on_end, rc, err);
    stop_set_kick(NULL);
    stop_timeout_disarm();
    vm->run->immediate_exit = 0;
    return rc;
}
