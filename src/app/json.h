/* json.h - the --json renderings (json-c stays behind this header's
 * implementation, explain_json.c's and the tests: no module outside app/
 * includes it).
 *
 * Each function returns a new object the caller owns, or NULL when out
 * of memory. Addresses and registers are "0x..." strings, exact for any
 * value.
 */
#ifndef SKVM_APP_JSON_H
#define SKVM_APP_JSON_H

#include <json-c/json.h>
#include <stdio.h>

#include "app/cli.h"
#include "app/output.h"
#include "diag/crash.h"
#include "diag/stats.h"
#include "err.h"

/* "0x..." for any value (a string: exact where a JSON number is not). */
struct json_object *json_hex(uint64_t v);

struct json_object *stats_to_json(const struct skvm_stats *s);
struct json_object *crash_to_json(const struct crash_state *c);
/* The whole --json object; `err` is NULL when the run passed. */
struct json_object *outcome_to_json(const struct options *opts,
                                    const struct outcome *out,
                                    const struct skvm_err *err);
/* outcome_to_json() printed on f as one pretty object and a newline. */
void json_print_outcome(const struct options *opts, const struct outcome *out,
                        const struct skvm_err *err, FILE *f);

#endif
