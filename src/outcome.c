/* outcome.c - the end-of-run report: text on stderr or JSON on stdout. */
#include "outcome.h"

#include <string.h>

static const char *result_name(const struct skvm_err *err)
{
    if (!err)
        return "pass";
    switch (err->status) {
    case SKVM_PASS: return "pass";
    case SKVM_CHECK_FAILED: return "check_failed";
    case SKVM_USAGE: return "usage_error";
    case SKVM_HOST: return "host_cannot_run";
    case SKVM_GUEST_FAULT: return "guest_fault";
    case SKVM_TIMEOUT: return "timeout";
    case SKVM_SIGNAL: return "signal";
    }
    return "unknown";
}

void outcome_init(struct outcome *out)
{
    memset(out, 0, sizeof(*out));
    stats_init(&out->stats, false);
}

void outcome_configure(struct outcome *out, const struct options *opts)
{
    out->stats.timing = opts->stats || opts->json;
}

static bool is_fault(const struct skvm_err *err)
{
    return err && err->status == SKVM_GUEST_FAULT;
}

static struct json_object *checks_json(const struct outcome *out)
{
    struct json_object *a = json_object_new_array();

    for (unsigned i = 0; a && i < out->checks.n; i++) {
        const struct check_item *c = &out->checks.items[i];
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "what", json_object_new_string(c->what));
        json_object_object_add(o, "expected",
                               json_object_new_uint64(c->expected));
        json_object_object_add(o, "got", c->readable
                                             ? json_object_new_uint64(c->got)
                                             : NULL);
        json_object_object_add(o, "pass", json_object_new_boolean(c->ok));
        json_object_array_add(a, o);
    }
    return a;
}

struct json_object *outcome_to_json(const struct options *opts,
                                    const struct outcome *out,
                                    const struct skvm_err *err)
{
    struct json_object *o = json_object_new_object();
    const char *guest = opts->guest_path   ? opts->guest_path
                        : opts->guest_name ? opts->guest_name
                                           : "hello";

    if (!o)
        return NULL;
    json_object_object_add(o, "mode", json_object_new_string(
                                          opts->mode ? opts->mode->name : ""));
    json_object_object_add(o, "guest", json_object_new_string(guest));
    json_object_object_add(o, "builtin_guest",
                           json_object_new_boolean(!opts->guest_path));
    json_object_object_add(o, "result",
                           json_object_new_string(result_name(err)));
    json_object_object_add(o, "exit_code",
                           json_object_new_int(err ? skvm_exit_code(err) : 0));
    json_object_object_add(o, "error",
                           err ? json_object_new_string(err->msg) : NULL);
    json_object_object_add(o, "checks", out->checked ? checks_json(out) : NULL);
    json_object_object_add(o, "stats",
                           out->ran ? stats_to_json(&out->stats) : NULL);
    json_object_object_add(o, "fault",
                           out->have_crash && is_fault(err)
                               ? crash_to_json(&out->crash)
                               : NULL);
    if (out->have_crash && !is_fault(err))
        json_object_object_add(o, "dump", crash_to_json(&out->crash));
    return o;
}

void outcome_print(const struct options *opts, struct outcome *out,
                   const struct skvm_err *err)
{
    stats_finish(&out->stats);
    if (opts->json) {
        struct json_object *o = outcome_to_json(opts, out, err);
        if (o)
            printf("%s\n", json_object_to_json_string_ext(
                               o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                      JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        fflush(stdout);
        return;
    }
    if (out->have_crash)
        crash_print(&out->crash, is_fault(err) ? "guest fault" : "--dump",
                    stderr);
    if (opts->stats && out->ran)
        stats_print(&out->stats, stderr);
}
