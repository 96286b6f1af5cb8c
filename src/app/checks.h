/* checks.h - the checks after HLT and how their result is told.
 *
 * Built-in guests are checked for RAX == 42 and the mode's word at
 * LAYOUT_RESULT_ADDR == 42; custom guests only for what --expect-rax and
 * --expect-mem ask. A failed check is SKVM_CHECK_FAILED with one line
 * listing every failure.
 */
#ifndef SKVM_APP_CHECKS_H
#define SKVM_APP_CHECKS_H

#include <stdbool.h>

#include "app/cli.h"
#include "err.h"
#include "modes/mode.h"
#include "kvm/vm.h"

#define CHECKS_BUILTIN_VALUE 42
#define CHECKS_MAX (2 + 1 + CLI_MAX_EXPECT_MEM)

/* Each check as data, for --json. */
struct check_item {
    char what[48];     /* "RAX"; memory checks: check_item_what() */
    uint64_t addr;     /* memory checks */
    unsigned word_size; /* memory checks: bytes compared */
    bool is_mem;
    bool readable;     /* memory checks: the address was RAM */
    uint64_t expected, got;
    bool ok;
};

struct check_list {
    unsigned n;
    struct check_item items[CHECKS_MAX];
};

/* What an item checked: "RAX", "4-byte word at 0x400" (into buf).
 * Formatted here, for the report that asks, not on every passing run
 * (printf's code and tables would be paged in for nothing). */
const char *check_item_what(const struct check_item *c, char *buf,
                            size_t len);

/* Run the checks; record each in `list` (may be NULL). */
int checks_run(struct vm *vm, const struct options *opts,
                       bool builtin_checks, struct check_list *list,
                       struct skvm_err *err);

#endif
