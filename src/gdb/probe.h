/* probe.h - what this host's KVM does with guest debugging, found by
 * trying it once at start-up (gdb/stub.c calls both probes from
 * gdbstub_open(), before gdb connects).
 *
 * Each probe creates a scratch VM of the same mode (vm_open, 2 MiB or the
 * mode's minimum RAM), loads a two-instruction program at guest address
 * 0, runs it once under KVM_SET_GUEST_DEBUG and closes the VM; the guest
 * being debugged is never touched. The programs end in hlt, and real
 * mode's #BP vector points at that hlt (the other modes have no IDT: a
 * triple fault), so a probe always ends.
 *
 *   gdbprobe_int3()  how an int3 under KVM_GUESTDBG_USE_SW_BP comes back:
 *       as KVM_EXIT_DEBUG (hardware KVM), as an emulation failure at the
 *       int3 (kvm-pvm in long/protected mode; the vCPU state is intact,
 *       so the stub takes that exit at one of its int3s as the stop), or
 *       not at all (kvm-pvm real mode: the guest takes the #BP itself).
 *   gdbprobe_watch() whether a data breakpoint (DR0, write) fires; it
 *       does not on kvm-pvm.
 *
 * Errors: none reported. A probe that cannot run (no VM, an ioctl
 * refused) answers the safe way: GDBPROBE_SWBP_NONE, false.
 */
#ifndef SKVM_GDB_PROBE_H
#define SKVM_GDB_PROBE_H

#include <stdbool.h>

#include "modes/mode.h"

/* How this host's KVM reports an int3 under KVM_GUESTDBG_USE_SW_BP. */
enum gdbprobe_swbp {
    GDBPROBE_SWBP_DEBUG_EXIT,     /* KVM_EXIT_DEBUG, as documented */
    GDBPROBE_SWBP_EMULATION_EXIT, /* KVM_EXIT_INTERNAL_ERROR at the int3 */
    GDBPROBE_SWBP_NONE,           /* not intercepted: Z0 is refused */
};

enum gdbprobe_swbp gdbprobe_int3(const struct mode *mode);
bool gdbprobe_watch(const struct mode *mode);

/* Name for the probe result ("KVM_EXIT_DEBUG" ...), for notes/tests. */
const char *gdbprobe_swbp_name(enum gdbprobe_swbp how);

#endif
