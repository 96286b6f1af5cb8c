/* exit_reasons.h - what each KVM_EXIT_* reason is called and what it
 * usually means: the one table stats, trace and the crash report share.
 *
 * A leaf: no KVM calls, nothing but <linux/kvm.h>.
 */
#ifndef SKVM_KVM_EXIT_REASONS_H
#define SKVM_KVM_EXIT_REASONS_H

#include <stdint.h>

/* "KVM_EXIT_SHUTDOWN" etc., or NULL if unknown. */
const char *exit_reason_name(uint32_t reason);

/* "triple fault: ..." - what this exit usually means, for a learner.
 * Never NULL. */
const char *exit_reason_meaning(uint32_t reason);

#endif
