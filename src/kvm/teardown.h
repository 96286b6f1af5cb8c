/* teardown.h - a VM's teardown handed to a helper process, so the command
 * ends without waiting for it (as QEMU's `-run-with async-teardown=on`).
 *
 * Destroying a VM (vCPU, MMU, debugfs entries, the in-kernel chips' SRCU
 * grace periods) and unmapping a process's address space are kernel work
 * the exiting process pays, after its answer is known. vm_close_detached()
 * closes this process's KVM descriptors (cheap: the kvm_run mapping still
 * holds the vCPU, which holds the VM), then starts a helper that shares
 * the address space (clone(CLONE_VM)). The helper closes every descriptor
 * it inherited first (a pipe reading our output sees its end when we
 * end), unmaps kvm_run - the last reference: the VM is destroyed in the
 * helper - and then the RAM, and waits for this process to end so that it
 * unmaps the shared address space last. Nothing of the VM is left for
 * this process's exit.
 *
 * The helper runs only raw system calls (it shares this process's TLS, so
 * no libc call may set errno under it) with every signal blocked, and
 * ends on its own once this process has ended; it never outlives the
 * kernel work it does; it is untraced (CLONE_UNTRACED), so a debugger of
 * simple-kvm never detaches from it (which would take breakpoints out of
 * the shared code). Only once per process (one helper stack); a second
 * call, a host that refuses the clone (--sandbox's filter, a process
 * limit), PID 1 (whose end kills the helper and waits for it), valgrind
 * (which aborts at such a clone) or SIMPLE_KVM_ASYNC_TEARDOWN=off closes
 * in place, as vm_close() does. x86-64 only (the raw calls); elsewhere
 * always in place.
 */
#ifndef SKVM_TEARDOWN_H
#define SKVM_TEARDOWN_H

#include "kvm/vm.h"

/* Release vm like vm_close(); its kernel teardown goes to a helper
 * unless one of the cases above keeps it in place. Afterwards vm's
 * memory must not be touched. */
void vm_close_detached(struct vm *vm);

#endif
