/* explain_json.h - --explain --json: diag/explain.h's walks as one JSON
 * object (json-c stays in app/). */
#ifndef SKVM_APP_EXPLAIN_JSON_H
#define SKVM_APP_EXPLAIN_JSON_H

#include <json-c/json.h>
#include <linux/kvm.h>

#include "core/guestmem.h"
#include "modes/mode.h"

/* A new object the caller owns, or NULL when out of memory. */
struct json_object *explain_to_json(const struct mode *mode,
                                    const struct guestmem *mem,
                                    const struct kvm_sregs *s,
                                    const struct kvm_regs *r);

#endif
