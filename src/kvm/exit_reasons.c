/* exit_reasons.c - names and meanings of KVM exit reasons. */
#include "kvm/exit_reasons.h"

#include <linux/kvm.h>
#include <stddef.h>

const char *exit_reason_name(uint32_t reason)
{
#define NAME(r) [KVM_EXIT_##r] = "KVM_EXIT_" #r
    static const char *const names[] = {
        NAME(UNKNOWN),     NAME(EXCEPTION),     NAME(IO),
        NAME(HYPERCALL),   NAME(DEBUG),         NAME(HLT),
        NAME(MMIO),        NAME(IRQ_WINDOW_OPEN), NAME(SHUTDOWN),
        NAME(FAIL_ENTRY),  NAME(INTR),          NAME(SET_TPR),
        NAME(TPR_ACCESS),  NAME(S390_SIEIC),    NAME(S390_RESET),
        NAME(DCR),         NAME(NMI),           NAME(INTERNAL_ERROR),
        NAME(OSI),         NAME(PAPR_HCALL),    NAME(S390_UCONTROL),
        NAME(WATCHDOG),    NAME(S390_TSCH),     NAME(EPR),
        NAME(SYSTEM_EVENT), NAME(S390_STSI),    NAME(IOAPIC_EOI),
        NAME(HYPERV),      NAME(ARM_NISV),      NAME(X86_RDMSR),
        NAME(X86_WRMSR),   NAME(DIRTY_RING_FULL), NAME(AP_RESET_HOLD),
        NAME(X86_BUS_LOCK), NAME(XEN),
    };
#undef NAME
    return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : NULL;
}

const char *exit_reason_meaning(uint32_t reason)
{
    switch (reason) {
    case KVM_EXIT_SHUTDOWN:
        return "triple fault: the guest raised an exception it could not "
               "deliver. With no (or an empty) IDT the CPU cannot find a "
               "handler, so the exception becomes a double fault, that "
               "fails too, and the CPU shuts down";
    case KVM_EXIT_INTERNAL_ERROR:
        return "KVM could not carry on: usually its instruction emulator "
               "met an instruction or exception it cannot handle (on some "
               "hosts real mode always runs in the emulator, so a real-mode "
               "exception with no handler ends here instead of in a triple "
               "fault)";
    case KVM_EXIT_FAIL_ENTRY:
        return "the CPU refused to enter the guest: the vCPU state (segments, "
               "control registers) is not valid for the mode";
    case KVM_EXIT_MMIO:
        return "the guest read or wrote a guest-physical address with no RAM "
               "behind it; simple-kvm emulates no devices there";
    case KVM_EXIT_IO:
        return "port I/O (IN/OUT): how the guest talks to the host (console, "
               "hypercalls); an undefined port or a misused hypercall ends "
               "the run";
    case KVM_EXIT_HLT:
        return "the guest executed HLT: how a guest says it is done";
    case KVM_EXIT_INTR:
        return "a signal (--timeout, Ctrl-C, kill) interrupted KVM_RUN: the "
               "guest was still running here";
    case KVM_EXIT_DEBUG:
        return "a debug trap (breakpoint or single step) reached the host";
    default:
        return "an exit simple-kvm does not handle";
    }
}
