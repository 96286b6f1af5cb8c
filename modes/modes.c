/* modes.c - the mode table, long mode first (the default), and lookups. */
#include "modes/mode.h"

#include <string.h>

#include "core/layout.h"
#include "core/x86.h"

extern const struct mode mode_long, mode_protected, mode_paged32, mode_real,
    mode_pae, mode_compat, mode_la57;

/* An explicit array, not linker sections: entries that only a section
 * keeps alive vanish when linked from a static library. */
const struct mode *const mode_table[] = {
    &mode_long,
    &mode_protected,
    &mode_paged32,
    &mode_real,
    &mode_pae,
    &mode_compat,
    &mode_la57,
};
const size_t mode_count = sizeof(mode_table) / sizeof(mode_table[0]);

const struct mode *mode_default(void)
{
    return mode_table[0];
}

const struct mode *mode_find(const char *name)
{
    for (size_t i = 0; i < mode_count; i++)
        if (strcmp(mode_table[i]->name, name) == 0)
            return mode_table[i];
    return NULL;
}

const struct mode *mode_find_short(char flag)
{
    for (size_t i = 0; i < mode_count; i++)
        if (mode_table[i]->short_flag == flag)
            return mode_table[i];
    return NULL;
}

const struct guest_blob *mode_find_guest(const struct mode *mode,
                                         const char *name)
{
    for (size_t i = 0; i < mode->n_guests; i++)
        if (strcmp(mode->guests[i].name, name) == 0)
            return &mode->guests[i];
    return NULL;
}

uint64_t mode_stack_top(const struct guestmem *mem)
{
    uint64_t low = guestmem_low_size(mem);

    return low < LAYOUT_STACK_TOP ? low : LAYOUT_STACK_TOP;
}

void mode_fpu_setup(const struct mode_env *env, struct kvm_sregs *sregs)
{
    sregs->cr4 &= ~X86_CR4_SSE_BITS;
    if (!env->sse)
        return;
    /* MP: WAIT honours TS; EM clear: x87 and SSE run rather than trap;
     * TS clear: no lazy-FPU #NM (SDM 2.5, 13.1). */
    sregs->cr0 = (sregs->cr0 | X86_CR0_MP) & ~(X86_CR0_EM | X86_CR0_TS);
    sregs->cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
    if (env->xsave)
        sregs->cr4 |= X86_CR4_OSXSAVE;
}

void mode_regs_setup(const struct mode_env *env, uint64_t tables_base,
                     struct kvm_regs *regs)
{
    uint64_t rsp = mode_stack_top(env->mem);

    *regs = (struct kvm_regs){
        .rip = env->entry,
        .rsp = rsp < tables_base ? rsp : tables_base,
        .rflags = X86_RFLAGS_RESERVED,
    };
}
