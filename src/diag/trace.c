/* trace.c - the per-exit trace line. */
#include "diag/trace.h"

#include <ctype.h>
#include <string.h>

#include "kvm/exit_reasons.h"
#include "kvm/vcpu.h"

#define TRACE_MAX_VALUE_BYTES 8

/* Little-endian value of `len` bytes (at most 8). */
static uint64_t le_value(const uint8_t *p, unsigned len)
{
    uint64_t v = 0;

    for (unsigned i = len; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

static void trace_io(FILE *out, const struct vm *vm)
{
    const struct kvm_run *run = vm->run;
    unsigned size = run->io.size;
    uint64_t off = run->io.data_offset;
    bool is_out = run->io.direction == KVM_EXIT_IO_OUT;

    fprintf(out, " %s port 0x%x size %u", is_out ? "OUT" : "IN",
            run->io.port, size);
    if (run->io.count > 1)
        fprintf(out, " count %u", run->io.count);
    /* An IN's value is not known until the host answers it. */
    if (!is_out || size == 0 || size > TRACE_MAX_VALUE_BYTES ||
        off > vm->run_size || size > vm->run_size - off)
        return;
    const uint8_t *data = (const uint8_t *)run + off;
    uint64_t v = le_value(data, size);
    fprintf(out, " value 0x%llx", (unsigned long long)v);
    if (size == 1 && isprint(data[0]))
        fprintf(out, " '%c'", data[0]);
    else if (size == 1 && data[0] == '\n')
        fprintf(out, " '\\n'");
}

static void trace_mmio(FILE *out, const struct kvm_run *run)
{
    unsigned len = run->mmio.len;

    fprintf(out, " %s addr 0x%llx len %u", run->mmio.is_write ? "write" : "read",
            (unsigned long long)run->mmio.phys_addr, len);
    if (run->mmio.is_write && len > 0 && len <= sizeof(run->mmio.data))
        fprintf(out, " value 0x%llx",
                (unsigned long long)le_value(run->mmio.data, len));
}

static void trace_exit_named(FILE *out, const struct vm *vm, uint64_t n,
                             const struct symbols *syms)
{
    const struct kvm_run *run = vm->run;
    const char *name = exit_reason_name(run->exit_reason);
    struct kvm_regs regs;
    struct skvm_err ignored;

    fprintf(out, "trace: #%llu ", (unsigned long long)n);
    if (name)
        fputs(name, out);
    else
        fprintf(out, "exit reason %u", run->exit_reason);
    if (run->exit_reason == KVM_EXIT_IO)
        trace_io(out, vm);
    else if (run->exit_reason == KVM_EXIT_MMIO)
        trace_mmio(out, run);
    if (vcpu_get_regs(vm, &regs, &ignored) == 0) {
        char sym[SYMBOLS_NAME_MAX + 24];
        fprintf(out, " rip 0x%llx", (unsigned long long)regs.rip);
        /* Symbols are virtual addresses: flat code (CS base 0) only,
         * which is what an ELF guest runs. */
        if (symbols_name(syms, regs.rip, sym, sizeof(sym)))
            fprintf(out, " (%s)", sym);
    }
    fputc('\n', out);
}

void trace_exit(FILE *out, const struct vm *vm, uint64_t n)
{
    trace_exit_named(out, vm, n, NULL);
}

static bool obs_exit(void *ctx, const struct vm *vm)
{
    struct trace *t = ctx;

    trace_exit_named(t->out, vm, ++t->exits, t->syms);
    return false;
}

struct run_observer trace_observer(struct trace *t)
{
    return (struct run_observer){.ctx = t, .on_exit = obs_exit};
}
