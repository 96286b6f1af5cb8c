/* mbargs.c - the command line's part in booting a Multiboot kernel. */
#include "app/mbargs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/layout.h"
#include "kvm/vcpu.h"

int mbargs_check(const struct options *o, bool is_multiboot,
                 const struct mode **mode, struct skvm_err *err)
{
    if (!is_multiboot) {
        if (o->n_modules || o->cmdline)
            return skvm_fail(err, SKVM_USAGE,
                             "--%s is for Multiboot kernels; %s%s%s has no "
                             "Multiboot header in its first %d bytes",
                             o->n_modules ? "module" : "cmdline",
                             o->guest_path ? "'" : "the built-in guest",
                             o->guest_path ? o->guest_path : "",
                             o->guest_path ? "'" : "", MB_SEARCH_LEN);
        return 0;
    }
    *mode = mode_find("protected");
    if (o->mode_set && o->mode != *mode)
        return skvm_fail(err, SKVM_USAGE,
                         "Multiboot kernel '%s' starts in protected mode "
                         "with paging off, as the specification says; "
                         "drop --%s",
                         o->guest_path, o->mode->name);
    if (o->load_set || o->entry_set)
        return skvm_fail(err, SKVM_USAGE,
                         "--%s does not apply to Multiboot kernel '%s': its "
                         "header or ELF headers say where it loads and "
                         "starts",
                         o->load_set ? "load" : "entry", o->guest_path);
    return 0;
}

/* "a b": malloc'd, or NULL when out of memory. */
static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = b ? strlen(b) : 0;
    char *s = malloc(la + (b ? 1 + lb : 0) + 1);

    if (!s)
        return NULL;
    memcpy(s, a, la);
    if (b) {
        s[la] = ' ';
        memcpy(s + la + 1, b, lb);
        la += 1 + lb;
    }
    s[la] = '\0';
    return s;
}

int mbargs_load(const struct options *o, struct image *img, struct mb_args *a,
                struct skvm_err *err)
{
    *a = (struct mb_args){0};
    /* The first word is the kernel's path, as GRUB and QEMU give it. */
    a->cmdline = join(o->guest_path, o->cmdline);
    if (!a->cmdline)
        return skvm_fail(err, SKVM_USAGE, "out of memory for --cmdline");
    for (unsigned i = 0; i < o->n_modules; i++) {
        const char *arg = o->modules[i];
        const char *eq = strchr(arg, '=');
        struct image mod;

        a->paths[i] = eq ? strndup(arg, (size_t)(eq - arg)) : strdup(arg);
        a->strings[i] = a->paths[i] ? join(a->paths[i], eq ? eq + 1 : NULL)
                                    : NULL;
        a->n = i + 1; /* mbargs_free frees what is there */
        if (!a->strings[i])
            return skvm_fail(err, SKVM_USAGE, "out of memory for --module");
        if (image_read_file(a->paths[i], o->mem_size, &mod, err) < 0) {
            char why[sizeof(err->msg)];
            snprintf(why, sizeof(why), "%s", err->msg);
            return skvm_fail(err, SKVM_USAGE, "--module: %s", why);
        }
        a->owned[i] = mod.owned;
        a->mods[i] = (struct mb_module){.data = mod.data,
                                        .len = mod.len,
                                        .path = a->paths[i],
                                        .string = a->strings[i]};
    }
    img->mb_boot = (struct mb_boot){.header_flags = img->mb.flags,
                                    .cmdline = a->cmdline,
                                    .mods = a->mods,
                                    .n_mods = a->n};
    return 0;
}

void mbargs_free(struct mb_args *a)
{
    for (size_t i = 0; i < a->n; i++) {
        free(a->owned[i]);
        free(a->strings[i]);
        free(a->paths[i]);
    }
    free(a->cmdline);
    *a = (struct mb_args){0};
}

int mbargs_set_regs(const struct vm *vm, struct skvm_err *err)
{
    struct kvm_regs regs;

    if (vcpu_get_regs(vm, &regs, err) < 0)
        return -1;
    regs.rax = MB_BOOT_MAGIC;
    regs.rbx = LAYOUT_MB_INFO_BASE;
    return vcpu_set_regs(vm, &regs, err);
}
