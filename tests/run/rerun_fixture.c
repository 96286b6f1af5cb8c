/* rerun_fixture.c - see rerun_fixture.h. */
#include "rerun_fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "helpers.h"
#include "kvm/vcpu.h"

void rerun_fixture_open(struct rerun_fixture *f, const char *mode,
                        const char *guest, bool irqchip)
{
    *f = (struct rerun_fixture){
        .mode = mode_find(mode),
        .cfg = {.console_fd = open("/dev/null", O_WRONLY)},
    };
    struct skvm_err *err = &f->err;

    if (vm_open(&f->vm, 4 << 20, false, irqchip, err) < 0)
        cr_skip_test("cannot open the VM here: %s", err->msg);
    cr_assert_eq(image_read_file(test_guest(guest), 4 << 20, &f->img, err),
                 0, "%s", err->msg);
    struct mode_env env = vm_mode_env(&f->vm, 0);
    cr_assert_eq(rerun_track(&f->vm, &f->rr, err), 0, "%s", err->msg);
    cr_assert_eq(image_place(&env, f->mode, 0, &f->img, err), 0, "%s",
                 err->msg);
    cr_assert_eq(vcpu_configure(&f->vm, f->mode, 0, err), 0, "%s",
                 err->msg);
    cr_assert_eq(rerun_snapshot(&f->vm, &f->rr, err), 0, "%s", err->msg);
}

void rerun_fixture_restore(struct rerun_fixture *f)
{
    cr_assert_eq(rerun_restore(&f->vm, &f->rr, f->mode, 0, 0, &f->img,
                               &f->err),
                 0, "%s", f->err.msg);
    f->vm.run->immediate_exit = 1;
    cr_assert(vcpu_run(&f->vm) < 0 && errno == EINTR);
    f->vm.run->immediate_exit = 0;
}

void rerun_fixture_close(struct rerun_fixture *f)
{
    rerun_free(&f->rr);
    image_free(&f->img);
    vm_close(&f->vm);
    close(f->cfg.console_fd);
}
