/* sandbox.h - --sandbox: a seccomp filter for the run loop.
 *
 * sandbox_enter() is called once the VM is built, the image placed and
 * the vCPU configured, just before the guest first runs. From then on the
 * process may only make the system calls the run loop, the reports and a
 * clean exit need: the vCPU/VM ioctls that run, inspect and reset a guest
 * (no VM or vCPU creation; memory slots and console batching turn on
 * mid-run, so both stay allowed: every fast path stays), write, memory
 * management
 * without PROT_EXEC, signals to its own threads and the --timeout
 * timer, exit. Anything else
 * (open, socket, execve, fork, ptrace, ...) fails with EPERM, so a guest
 * that found a bug in the host side could not reach the rest of the
 * system through this process. The filter is inherited and cannot be
 * removed (no_new_privs is set, no privilege is needed).
 *
 * Under AddressSanitizer the end-of-run leak check needs ptrace and
 * /proc, which the filter forbids, so it is run early, just before the
 * filter goes in.
 */
#ifndef SKVM_SANDBOX_H
#define SKVM_SANDBOX_H

#include "err.h"

/* Install the filter. -1 with SKVM_HOST when the kernel refuses it. */
int sandbox_enter(struct skvm_err *err);

#endif
