/* session.c - wiring the layers together for one run. */
#include "app/session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fdwrite.h"
#include "core/stop.h"
#include "kvm/console.h"
#include "diag/stats.h"
#include "diag/trace.h"
#include "kvm/run.h"
#include "gdb/stub.h"
#include "core/image.h"
#include "core/layout.h"
#include "core/portmap.h"
#include "app/checks.h"
#include "app/hints.h"
#include "kvm/rerun.h"
#include "kvm/sandbox.h"
#include "kvm/vcpu.h"
#include "kvm/vm.h"

#define PROBE_TIMEOUT_S 5.0

#define CONSOLE_FILE_MODE 0644

/* Where the guest's console bytes go: --console FILE, else stdout, or
 * stderr with --json so stdout stays one valid JSON object. */
static int console_open(const struct options *o, struct skvm_err *err)
{
    int fd;

    if (!o->console_path)
        return o->json ? STDERR_FILENO : STDOUT_FILENO;
    /* Opening a FIFO blocks until it has a reader: bounded by --timeout
     * and signals like every other wait (core/stop.h). */
    stop_timeout_arm(o->timeout_s);
    fd = open(o->console_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
              CONSOLE_FILE_MODE);
    int open_errno = errno;
    bool timed_out = stop_timed_out();
    stop_timeout_disarm();
    if (fd >= 0)
        return fd;
    if (open_errno == EINTR && timed_out)
        return skvm_fail(err, SKVM_TIMEOUT,
                         "--console file '%s' did not open within %g s "
                         "(--timeout): a FIFO with no reader?",
                         o->console_path, o->timeout_s);
    if (open_errno == EINTR && stop_signal())
        return skvm_fail_signal(err, stop_signal());
    return skvm_fail(err, SKVM_USAGE, "cannot open --console file '%s': %s",
                     o->console_path, strerror(open_errno));
}

#define PORTS_FILE_MAX (64 * 1024)

/* The run's port map: the defaults, then the --ports file, then each
 * --port (core/portmap.h). Errors are usage errors naming the entry. */
static int ports_build(const struct options *o, struct portmap *map,
                       struct skvm_err *err)
{
    portmap_init(map);
    if (o->ports_path) {
        static char text[PORTS_FILE_MAX + 1];
        size_t len = 0;
        int fd = open(o->ports_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return skvm_fail(err, SKVM_USAGE,
                             "cannot open --ports file '%s': %s",
                             o->ports_path, strerror(errno));
        for (;;) {
            ssize_t n = read(fd, text + len, sizeof(text) - len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                int e = errno;
                close(fd);
                if (n < 0)
                    return skvm_fail(err, SKVM_USAGE,
                                     "cannot read --ports file '%s': %s",
                                     o->ports_path, strerror(e));
                break;
            }
            len += (size_t)n;
            if (len > PORTS_FILE_MAX) {
                close(fd);
                return skvm_fail(err, SKVM_USAGE,
                                 "--ports file '%s' is larger than %d bytes",
                                 o->ports_path, PORTS_FILE_MAX);
            }
        }
        if (portmap_add_text(map, text, len, o->ports_path, err) < 0)
            return -1;
    }
    for (unsigned i = 0; i < o->n_port_args; i++)
        if (portmap_add_arg(map, o->port_args[i], err) < 0)
            return -1;
    return 0;
}

/* True when fd and stderr are the same open file or the same file
 * (--json, 2>&1, one terminal). */
static bool shares_stderr(int fd)
{
    struct stat a, b;

    if (fd == STDERR_FILENO)
        return true;
    return fstat(fd, &a) == 0 && fstat(STDERR_FILENO, &b) == 0 &&
           a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The guest may stop mid-line; whatever simple-kvm writes on stderr
 * next (a crash report, stats, the one error line) starts its own line
 * when the console shares that stream. */
static void console_end_line(int fd)
{
    if (!fdwrite_ends_line(fd) && shares_stderr(fd))
        fdwrite_all(fd, "\n", 1);
}

/* A run's failure outranks another's when its exit code is worse: a
 * fault over a failed check, a timeout or signal over both. */
static bool worse(const struct skvm_err *a, const struct skvm_err *b)
{
    return skvm_exit_code(a) > skvm_exit_code(b);
}

/* Stop repeating: the user or the host said so, not the guest. */
static bool ends_repeat(const struct skvm_err *e)
{
    return e->status == SKVM_TIMEOUT || e->status == SKVM_SIGNAL ||
           e->status == SKVM_HOST || e->status == SKVM_USAGE;
}

/* A guest fault gets the likely cause where the evidence shows one
 * (app/hints.h), kept in the crash state for the report. */
static void find_hint(const struct options *o, const struct image *img,
                      struct crash_state *c)
{
    const struct hint_image hi = {.load_addr = o->load_addr,
                                  .data = img->data,
                                  .len = img->len};

    hints_for(c, o->mode, &hi, c->hint, sizeof(c->hint));
}

/* ... and at the end of the error line. */
static void add_hint(const struct crash_state *c, struct skvm_err *e)
{
    size_t used = strlen(e->msg);

    if (c->hint[0] && used + 8 < sizeof(e->msg))
        snprintf(e->msg + used, sizeof(e->msg) - used, "; hint: %s", c->hint);
}

/* Runs 1..N of a loaded guest; each checked as a single run would be.
 * err gets the worst run's failure, named by its run number. */
static int run_repeats(struct vm *vm, struct rerun *rr,
                       const struct options *o, const struct run_config *rcfg,
                       const struct image *img, bool builtin,
                       struct outcome *out, struct skvm_err *err)
{
    struct skvm_err worst = {.status = SKVM_PASS};
    uint64_t worst_run = 0;

    for (uint64_t i = 0; i < o->repeat; i++) {
        struct skvm_err e = {.status = SKVM_PASS};
        bool ran = false;
        int rc = 0;
        if (i > 0)
            rc = rerun_restore(vm, rr, o->mode, o->load_addr, o->entry, img,
                               &e);
        if (rc == 0) {
            ran = true;
            rc = run_guest(vm, rcfg, &e);
        }
        if (out && ran) {
            out->ran = true;
            out->checked = rc == 0;
            out->checks.n = 0; /* the last run's checks are the ones told */
        }
        if (rc == 0)
            rc = checks_run(vm, o, builtin,
                                    out ? &out->checks : NULL, &e);
        if (rc < 0) {
            /* The vCPU state is only there while the VM is. A fault the
             * host's emulator caused is a host limit, told without a
             * crash report (as run.c tells software interrupts). */
            static struct crash_state crash;
            bool fault = out && ran && e.status == SKVM_GUEST_FAULT;
            if (fault) {
                crash_capture(vm, &crash);
                find_hint(o, img, &crash);
                /* A guest that went astray (a hint holds) is told so,
                 * whatever instruction it then met. */
                fault = crash.hint[0] || !crash_host_limit(&crash, &e);
            }
            if (worst_run == 0 || worse(&e, &worst)) {
                worst = e;
                worst_run = i + 1;
                if (fault) {
                    out->crash = crash;
                    out->have_crash = true;
                    add_hint(&crash, &worst);
                }
            }
            if (ends_repeat(&e))
                break;
        }
    }
    if (out && o->dump && !out->have_crash) {
        crash_capture(vm, &out->crash);
        out->have_crash = true;
    }
    if (worst_run == 0)
        return 0;
    *err = worst;
    /* Which run failed, except for a stop the user asked for: that is
     * the process's, not a run's. */
    if (o->repeat > 1 && worst.status != SKVM_SIGNAL)
        snprintf(err->msg, sizeof(err->msg), "run %llu of %llu: %.440s",
                 (unsigned long long)worst_run, (unsigned long long)o->repeat,
                 worst.msg);
    return -1;
}

/* Always false: it only adds gdb to the observers, inside the chain of
 * set-up steps. */
static bool observe_gdb(struct run_config *rcfg, struct gdbstub *gdb)
{
    struct run_observer obs = gdbstub_observer(gdb);

    run_config_observe(rcfg, &obs);
    return false;
}

int session_run(const struct options *o, struct skvm_err *err)
{
    return session_run_outcome(o, NULL, err);
}

int session_run_outcome(const struct options *o, struct outcome *out,
                       struct skvm_err *err)
{
    const struct guest_blob *blob = NULL;
    struct run_config rcfg = {.timeout_s = o->timeout_s};
    struct skvm_stats local_stats;
    struct skvm_stats *stats = out ? &out->stats : &local_stats;
    struct trace trace = {.out = stderr};
    struct gdbstub *gdb = NULL;
    struct rerun rr = {0};
    struct portmap ports;
    struct image img;
    struct vm vm;
    int rc = -1;

    if (ports_build(o, &ports, err) < 0)
        return -1;
    rcfg.hc = (struct hc_options){.map = &ports,
                                  .unknown = o->unknown_ports,
                                  .reveal_hva = o->reveal_hva};
    if (!out)
        stats_init(&local_stats, false);
    stats->map = &ports; /* until the end of this function */
    /* Statistics always count; trace and gdb watch only when asked. gdb
     * comes last: it may take an exit the others have already seen. */
    struct run_observer obs = stats_observer(stats);
    run_config_observe(&rcfg, &obs);
    if (o->trace) {
        obs = trace_observer(&trace);
        run_config_observe(&rcfg, &obs);
    }
    if ((rcfg.console_fd = console_open(o, err)) < 0) {
        stats->map = NULL;
        return -1;
    }
    if (o->guest_path) {
        if (image_read_file(o->guest_path, o->mem_size, &img, err) < 0)
            goto out_console;
    } else {
        blob = o->guest_name ? mode_find_guest(o->mode, o->guest_name)
                             : &o->mode->guests[0];
        image_from_blob(blob, &img);
    }
    if (vm_open(&vm, o->mem_size, o->eager_mem, err) < 0)
        goto out_image;
    vm.sse = !o->no_sse;
    struct mode_env env = vm_mode_env(&vm, o->entry);
    /* KVM batches port 0xE9's 1-byte OUTs: only while putchar has it. */
    if (console_setup(&vm.console, vm.vm_fd, vm.run, vm.run_size,
                      !o->no_coalesce &&
                          portmap_lookup(&ports, LAYOUT_PORT_CONSOLE,
                                         PORTMAP_OUT) == HC_CALL_PUTCHAR,
                      err) < 0)
        goto out_vm;
    console_set_output(&vm.console, rcfg.console_fd);
    if ((o->repeat > 1 && rerun_track(&vm, &rr, err) < 0) ||
        image_place(&env, o->mode, o->load_addr, &img, err) < 0 ||
        vcpu_configure(&vm, o->mode, o->entry, err) < 0 ||
        (o->gdb_set &&
         gdbstub_open(&gdb, o->gdb_port, o->mode, &vm, stderr, err) < 0) ||
        (gdb && observe_gdb(&rcfg, gdb)) ||
        (o->repeat > 1 && rerun_snapshot(&vm, &rr, err) < 0) ||
        (o->sandbox && sandbox_enter(err) < 0) ||
        run_repeats(&vm, &rr, o, &rcfg, &img, blob && blob->builtin_checks,
                    out, err) < 0)
        goto out_vm;
    rc = 0;
out_vm:
    console_end_line(rcfg.console_fd);
    rerun_free(&rr);
    gdbstub_close(gdb);
    vm_close(&vm);
out_image:
    image_free(&img);
out_console:
    if (rcfg.console_fd != STDOUT_FILENO &&
        rcfg.console_fd != STDERR_FILENO)
        close(rcfg.console_fd);
    stats->map = NULL; /* the map dies with this frame */
    return rc;
}

void session_probe(FILE *out)
{
    for (size_t i = 0; i < mode_count; i++) {
        const struct mode *m = mode_table[i];
        struct options o = {.mode = m, .mode_set = true,
                            .mem_size = CLI_DEFAULT_MEM, .repeat = 1,
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
        int rc = session_run(&o, &err);
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
