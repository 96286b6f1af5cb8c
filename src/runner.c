/* runner.c - putting the modules together for one run. */
#include "runner.h"

#include <fcntl.h>
#include <unistd.h>

#include "exits.h"
#include "gdbstub.h"
#include "image.h"
#include "report.h"
#include "vcpu.h"
#include "vm.h"

#define PROBE_TIMEOUT_S 5.0

int runner_run(const struct options *o, struct skvm_err *err)
{
    const struct guest_blob *blob = NULL;
    struct run_opts ropts = {.timeout_s = o->timeout_s};
    struct run_stats stats = {0};
    struct image img;
    struct vm vm;
    int rc = -1;

    if (o->guest_path) {
        if (image_read_file(o->guest_path, o->mem_size, &img, err) < 0)
            return -1;
    } else {
        blob = o->guest_name ? mode_find_guest(o->mode, o->guest_name)
                             : &o->mode->guests[0];
        image_from_blob(blob, &img);
    }
    if (vm_open(&vm, o->mem_size, err) < 0)
        goto out_image;
    struct mode_env env = {.mem = &vm.mem, .gbpages = vm.gbpages,
                           .entry = o->entry};
    if (image_place(&env, o->mode, o->load_addr, &img, err) < 0 ||
        vcpu_configure(&vm, o->mode, o->entry, err) < 0 ||
        (o->gdb_set && gdbstub_open(&ropts.gdb, o->gdb_port, o->mode, &vm,
                                    stderr, err) < 0) ||
        run_guest(&vm, &ropts, &stats, err) < 0 ||
        report_checks(&vm, o, blob && blob->builtin_checks, err) < 0)
        goto out_vm;
    rc = 0;
out_vm:
    gdbstub_close(ropts.gdb);
    vm_close(&vm);
out_image:
    image_free(&img);
    return rc;
}

void runner_probe(FILE *out)
{
    for (size_t i = 0; i < mode_count; i++) {
        const struct mode *m = mode_table[i];
        struct options o = {.mode = m, .mode_set = true,
                            .mem_size = CLI_DEFAULT_MEM,
                            .timeout_s = PROBE_TIMEOUT_S};
        struct skvm_err err = {0};
        int saved_stdout = -1;

        /* The greeting would interleave with the table: silence it. */
        fflush(out);
        saved_stdout = dup(STDOUT_FILENO);
        int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (devnull >= 0) {
            dup2(devnull, STDOUT_FILENO);
            close(devnull);
        }
        int rc = runner_run(&o, &err);
        if (saved_stdout >= 0) {
            dup2(saved_stdout, STDOUT_FILENO);
            close(saved_stdout);
        }
        if (rc == 0)
            fprintf(out, "%-10s yes\n", m->name);
        else
            fprintf(out, "%-10s no: %s (exit %d)\n", m->name, err.msg,
                    skvm_exit_code(&err));
    }
}
