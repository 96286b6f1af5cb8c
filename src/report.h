/* report.h - the checks after HLT and how their result is told.
 *
 * Built-in guests are checked for RAX == 42 and the mode's word at
 * LAYOUT_RESULT_ADDR == 42; custom guests only for what --expect-rax and
 * --expect-mem ask. A failed check is SKVM_CHECK_FAILED with one line
 * listing every failure.
 */
#ifndef SKVM_REPORT_H
#define SKVM_REPORT_H

#include <stdbool.h>

#include "cli.h"
#include "err.h"
#include "mode.h"
#include "vm.h"

#define REPORT_BUILTIN_VALUE 42

int report_checks(const struct vm *vm, const struct options *opts,
                  bool builtin_checks, struct skvm_err *err);

#endif
