/* mbargs.h - what the command line gives a Multiboot kernel: its mode,
 * the --cmdline and --module files (core/multiboot.h does the loading).
 *
 * A Multiboot kernel runs in protected mode with paging off, as the
 * specification says: another mode flag, --load or --entry (the header
 * or the ELF file says where) are usage errors, and so are --cmdline and
 * --module with an image that is not a Multiboot kernel.
 */
#ifndef SKVM_APP_MBARGS_H
#define SKVM_APP_MBARGS_H

#include <stddef.h>

#include "err.h"
#include "app/cli.h"
#include "core/image.h"
#include "core/multiboot.h"
#include "kvm/vm.h"

struct mb_args {
    struct mb_module mods[CLI_MAX_MODULES];
    void *owned[CLI_MAX_MODULES]; /* the modules' bytes */
    char *paths[CLI_MAX_MODULES];   /* FILE */
    char *strings[CLI_MAX_MODULES]; /* "FILE" or "FILE STRING" */
    size_t n;
    char *cmdline;
};

/* Check the options against the image's format (`is_multiboot`); for a
 * Multiboot kernel *mode gets the protected mode. */
int mbargs_check(const struct options *o, bool is_multiboot,
                 const struct mode **mode, struct skvm_err *err);

/* Read the --module files and build the command line into `a`, and
 * point img->mb_boot at them. mbargs_free() after the run. */
int mbargs_load(const struct options *o, struct image *img, struct mb_args *a,
                struct skvm_err *err);
void mbargs_free(struct mb_args *a);

/* EAX = MB_BOOT_MAGIC and EBX = the information structure, after
 * vcpu_configure (the mode's setup leaves them zero). */
int mbargs_set_regs(const struct vm *vm, struct skvm_err *err);

#endif
