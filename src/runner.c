/* runner.c - putting the modules together for one run. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "exits.h"
#include "image.h"
#include "report.h"
#include "vcpu.h"
#include "vm.h"

#define PROBE_TIMEOUT_S 5.0

#define CONSOLE_FILE_MODE 0644

/* Where the guest's console bytes go: --console FILE, else stdout, or
 * stderr with --json so stdout stays one valid JSON object. */
static int console_open(const struct options *o, struct skvm_err *err)
{
    int fd;

    if (!o->console_path)
        return o->json ? STDERR_FILENO : STDOUT_FILENO;
    fd = open(o->console_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
              CONSOLE_FILE_MODE);
    if (fd < 0)
        return skvm_fail(err, SKVM_USAGE, "cannot open --console file '%s': "
                                          "%s",
                         o->console_path, strerror(errno));
    return fd;
}

int runner_run(const struct options *o, struct skvm_err *err)
{
    return runner_run_outcome(o, NULL, err);
}

int runner_run_outcome(const struct options *o, struct outcome *out,
                       struct skvm_err *err)
{
    const struct guest_blob *blob = NULL;
    struct run_opts ropts = {.timeout_s = o->timeout_s, .trace = o->trace};
    struct skvm_stats local_stats;
    struct skvm_stats *stats = out ? &out->stats : &local_stats;
    struct image img;
    struct vm vm;
    int rc = -1;

    if (!out)
        stats_init(&local_stats, false);
    if ((ropts.console_fd = console_open(o, err)) < 0)
        return -1;
    if (o->guest_path) {
        if (image_read_file(o->guest_path, o->mem_size, &img, err) < 0)
            goto out_console;
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
        vcpu_configure(&vm, o->mode, o->entry, err) < 0)
        goto out_vm;
    if (out)
        out->ran = true;
    rc = run_guest(&vm, &ropts, stats, err);
    if (rc == 0) {
        rc = report_checks_list(&vm, o, blob && blob->builtin_checks,
                                out ? &out->checks : NULL, err);
        if (out)
            out->checked = true;
    }
    /* The vCPU state is only there while the VM is: copy it now. */
    if (out && (o->dump || (rc < 0 && err->status == SKVM_GUEST_FAULT))) {
        crash_capture(&vm, &out->crash);
        out->have_crash = true;
    }
out_vm:
    vm_close(&vm);
out_image:
    image_free(&img);
out_console:
    if (ropts.console_fd != STDOUT_FILENO &&
        ropts.console_fd != STDERR_FILENO)
        close(ropts.console_fd);
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
