/* output.c - the end-of-run report: text on stderr or JSON on stdout. */
#include "app/output.h"

#include <stdio.h>
#include <string.h>

#include "app/json.h"

void outcome_init(struct outcome *out)
{
    /* Already zero (outcome.h): clearing 9 KiB again would only fault in
     * pages the run never uses. */
    stats_init(&out->stats, false);
}

void outcome_configure(struct outcome *out, const struct options *opts)
{
    out->stats.timing = opts->stats || opts->json;
}

void outcome_print(const struct options *opts, struct outcome *out,
                   const struct skvm_err *err)
{
    stats_finish(&out->stats);
    if (opts->json) {
        json_print_outcome(opts, out, err, stdout);
        fflush(stdout);
        return;
    }
    if (out->have_crash)
        crash_print(&out->crash, outcome_is_fault(err) ? "guest fault" : "--dump",
                    stderr);
    if (opts->stats && out->ran)
        stats_print(&out->stats, stderr);
}
