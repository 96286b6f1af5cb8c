/* stop.h - SIGINT, SIGTERM and --timeout: asking the process to stop.
 *
 * stop_install() is the first thing main does, so from its first
 * instruction to exit a SIGINT or SIGTERM is noted, never fatal: the
 * caller finishes what it is doing at the next check and main exits
 * 128+N with its one line. The handlers are installed without
 * SA_RESTART, so a blocking read, write, open or KVM_RUN returns EINTR
 * and its caller checks stop_requested() (the KVM API document's
 * "immediate_exit" race is closed with stop_set_kick()).
 *
 * The timeout is a one-shot ITIMER_REAL: stop_timeout_arm() starts it,
 * stop_timeout_disarm() stops it and forgets that it expired, so a
 * timed-out step does not stop the next one. SIGINT/SIGTERM are never
 * forgotten.
 *
 * Async-signal-safe state only: the handler writes two sig_atomic_t
 * flags and one byte through the kick pointer.
 */
#ifndef SKVM_CORE_STOP_H
#define SKVM_CORE_STOP_H

#include <stdbool.h>
#include <stdint.h>

/* Install the handlers (SIGINT, SIGTERM, SIGALRM), unblock them (a
 * signal a parent kept pending across exec is delivered now) and ignore
 * SIGPIPE (writers see EPIPE, see fdwrite.h). Idempotent. */
void stop_install(void);

/* The signal that asked the process to stop (SIGINT, SIGTERM), or 0. */
int stop_signal(void);
/* True once the armed timeout expired (until disarmed). */
bool stop_timed_out(void);
/* Either of the two: whatever is going on should end now. */
bool stop_requested(void);

/* While set, the handler also writes 1 here (kvm_run.immediate_exit),
 * so a signal that lands just before KVM_RUN still makes it return.
 * NULL to stop. Also set to 1 at once when a stop is already pending. */
void stop_set_kick(volatile uint8_t *kick);

/* One-shot timer; seconds <= 0 arms nothing. */
void stop_timeout_arm(double seconds);
/* Stops the timer and its ticks, forgets that it expired. */
void stop_timeout_disarm(void);

/* Ticks: the same timer also fires every `us` microseconds and kicks
 * (kvm/irqchip.h: a vCPU halted in the kernel does not exit by itself,
 * so the run loop looks at it after each kick). The timeout then
 * expires at the first tick past its deadline. Set it before
 * stop_timeout_arm(), or while armed to change the interval (backing
 * off); 0 = none (only while the timer is off: stop_timeout_disarm()
 * ends the ticks). */
void stop_ticks(unsigned us);

#endif
