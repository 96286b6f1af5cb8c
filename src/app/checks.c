/* checks.c - evaluating the post-HLT checks. */
#include "app/checks.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/layout.h"
#include "kvm/vcpu.h"

struct failures {
    char text[sizeof(((struct skvm_err *)0)->msg)];
    size_t len;
    unsigned count;
    struct check_list *list; /* or NULL */
};

static struct check_item *record(struct failures *f, const char *what)
{
    struct check_item *c;

    if (!f->list || f->list->n == CHECKS_MAX)
        return NULL;
    c = &f->list->items[f->list->n++];
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; what[i] && i + 1 < sizeof(c->what); i++)
        c->what[i] = what[i]; /* memset ended it */
    return c;
}

const char *check_item_what(const struct check_item *c, char *buf,
                            size_t len)
{
    if (!c->is_mem)
        return c->what;
    snprintf(buf, len, "%u-byte word at 0x%llx", c->word_size,
             (unsigned long long)c->addr);
    return buf;
}

static void add_failure(struct failures *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_failure(struct failures *f, const char *fmt, ...)
{
    va_list ap;

    if (f->len + 2 < sizeof(f->text) && f->count++ > 0)
        f->len += (size_t)snprintf(f->text + f->len, sizeof(f->text) - f->len,
                                   "; ");
    if (f->len + 1 >= sizeof(f->text))
        return;
    va_start(ap, fmt);
    int n = vsnprintf(f->text + f->len, sizeof(f->text) - f->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        f->len += (size_t)n;
    if (f->len >= sizeof(f->text))
        f->len = sizeof(f->text) - 1;
}

static void check_rax(const struct kvm_regs *regs, const struct mode *m,
                      uint64_t want, struct failures *f)
{
    uint64_t mask = m->word_size >= 8 ? UINT64_MAX
                                      : (UINT64_C(1) << (8 * m->word_size)) - 1;
    uint64_t got = regs->rax & mask;
    const char *reg = m->word_size == 2 ? "AX" : m->word_size == 4 ? "EAX" : "RAX";

    struct check_item *c = record(f, reg);
    if (c) {
        c->readable = true;
        c->expected = want;
        c->got = got;
        c->ok = got == want;
    }
    if (got != want)
        add_failure(f, "%s is %llu, expected %llu", reg,
                    (unsigned long long)got, (unsigned long long)want);
}

static void check_mem(const struct vm *vm, const struct mode *m,
                      uint64_t addr, uint64_t want, struct failures *f)
{
    uint64_t got = 0;
    bool readable =
        guestmem_read_uint(&vm->mem, addr, m->word_size, &got) == 0;

    struct check_item *c = record(f, "");
    if (c) {
        c->is_mem = true;
        c->addr = addr;
        c->word_size = m->word_size;
        c->readable = readable;
        c->expected = want;
        c->got = got;
        c->ok = readable && got == want;
    }
    if (!readable)
        add_failure(f, "[0x%llx] is outside guest memory",
                    (unsigned long long)addr);
    else if (got != want)
        add_failure(f, "%u-byte word at 0x%llx is %llu, expected %llu",
                    m->word_size, (unsigned long long)addr,
                    (unsigned long long)got, (unsigned long long)want);
}

int checks_run(struct vm *vm, const struct options *o,
                       bool builtin_checks, struct check_list *list,
                       struct skvm_err *err)
{
    struct failures f = {.len = 0, .list = list};
    struct kvm_regs regs;

    if (vcpu_exit_regs(vm, &regs, err) < 0)
        return -1;
    if (builtin_checks) {
        check_rax(&regs, o->mode, CHECKS_BUILTIN_VALUE, &f);
        check_mem(vm, o->mode, LAYOUT_RESULT_ADDR, CHECKS_BUILTIN_VALUE, &f);
    }
    if (o->expect_rax_set)
        check_rax(&regs, o->mode, o->expect_rax, &f);
    for (unsigned i = 0; i < o->n_expect_mem; i++)
        check_mem(vm, o->mode, o->expect_mem[i].addr, o->expect_mem[i].value,
                  &f);
    if (f.count)
        return skvm_fail(err, SKVM_CHECK_FAILED, "check failed: %s", f.text);
    return 0;
}
