/* hints.h - why a guest went astray, in a phrase, where the evidence
 * says so: for the crash report and the end of the one-line error.
 *
 * hints_for() looks at the captured vCPU state (diag/crash.h) against
 * the image the user gave and names the likely cause, only when it
 * holds:
 *   - RIP left the image: the guest ran past its last byte (missing
 *     hlt?) or jumped somewhere it never loaded code;
 *   - it was executing zeros (00 00 decodes as an add): empty memory;
 *   - the image ends in the boot signature 55 AA (a boot sector) but
 *     was not run in real mode at 0x7c00.
 * Pure: no KVM, no output; the caller appends the text.
 */
#ifndef SKVM_APP_HINTS_H
#define SKVM_APP_HINTS_H

#include <stddef.h>
#include <stdint.h>

#include "diag/crash.h"
#include "modes/mode.h"

struct hint_image {
    uint64_t load_addr;
    const uint8_t *data;
    size_t len;
};

/* The hint text in buf ("" when nothing holds); returns buf. */
const char *hints_for(const struct crash_state *c, const struct mode *mode,
                      const struct hint_image *img, char *buf, size_t len);

#endif
