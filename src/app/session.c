/* session.c - wiring the layers together for one run. */
#include "app/session.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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
#include "dev/devices.h"
#include "core/symbols.h"
#include "app/boot.h"
#include "app/checks.h"
#include "app/explain_json.h"
#include "diag/explain.h"
#include "app/hints.h"
#include "app/mbargs.h"
#include "kvm/rerun.h"
#include "kvm/sandbox.h"
#include "kvm/teardown.h"
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

/* --serial-input FILE for COM1 (dev/serial.h): '-' is stdin; anything
 * else opened without waiting (a FIFO with no writer yet opens, and
 * reads as no data until one comes). *fd is -1 without the option. */
static int serial_input_open(const struct options *o, int *fd,
                             struct skvm_err *err)
{
    *fd = -1;
    if (!o->serial_input_path)
        return 0;
    if (strcmp(o->serial_input_path, "-") == 0) {
        *fd = STDIN_FILENO;
        return 0;
    }
    *fd = open(o->serial_input_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
                                         O_NOCTTY);
    if (*fd < 0)
        return skvm_fail(err, SKVM_USAGE,
                         "cannot open --serial-input file '%s': %s",
                         o->serial_input_path, strerror(errno));
    return 0;
}

/* The VGA text buffer as the guest left it, told when --vga asks
 * (dev/vga.h): after the guest's output on its stream, unless --json
 * carries it; `before` is the buffer as the guest started. */
static void screen_tell(const struct options *o, const struct vm *vm,
                        const struct devices *devs,
                        const struct vga_screen *before, int fd,
                        struct outcome *out)
{
    static struct vga_screen now;
    char *text = NULL;
    size_t len = 0;
    FILE *f;

    /* Read whatever mincore says now: a page the guest wrote and the
     * kernel swapped out reads back its bytes but is "not resident". */
    if (o->vga == VGA_NEVER ||
        vga_screen_read(&now, &vm->mem, &devs->crtc) < 0 ||
        (o->vga != VGA_ALWAYS && !vga_screen_changed(before, &now)))
        return;
    if (out) {
        out->have_vga = true;
        out->vga = now;
    }
    if (o->json || !(f = open_memstream(&text, &len)))
        return;
    vga_render(&now, o->vga == VGA_ANSI, f);
    if (fclose(f) == 0) {
        if (!fdwrite_ends_line(fd))
            fdwrite_all(fd, "\n", 1);
        fdwrite_all(fd, text, len);
    }
    free(text);
}

/* The devices' notes (dev/devices.h): a reset that ended a passing run,
 * and a try to turn A20 off, however the run ended. */
static void devices_tell(const struct devices *devs, int rc)
{
    char note[256];

    if (rc == 0 && devices_reset_note(devs, note, sizeof(note)))
        fprintf(stderr, "simple-kvm: note: %s\n", note);
    if (devices_a20_note(devs, note, sizeof(note)))
        fprintf(stderr, "simple-kvm: note: %s\n", note);
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

/* What an ELF image of class `cls` needs from the command line: no
 * --load or --entry (the file says where), a mode that runs its code.
 * *mode gets the mode its class defaults to. */
static int elf_options_check(const struct options *o, unsigned cls,
                             const struct mode **mode, struct skvm_err *err)
{
    const char *name = cls == ELFCLASS64 ? "ELF64" : "ELF32";
    unsigned word = cls == ELFCLASS64 ? 8 : 4;

    *mode = mode_find(cls == ELFCLASS64 ? "long" : "protected");
    if (o->load_set)
        return skvm_fail(err, SKVM_USAGE,
                         "--load does not apply to %s image '%s': its "
                         "program headers say where each segment goes",
                         name, o->guest_path);
    if (o->entry_set)
        return skvm_fail(err, SKVM_USAGE,
                         "--entry does not apply to %s image '%s': it starts "
                         "at its own entry point (e_entry)",
                         name, o->guest_path);
    if (o->mode_set && o->mode->word_size != word) {
        /* The modes that run it, from the mode table: its default
         * first. */
        char others[128] = "";
        size_t used = 0;
        for (size_t i = 0; i < mode_count; i++)
            if (mode_table[i]->word_size == word && mode_table[i] != *mode &&
                used < sizeof(others))
                used += (size_t)snprintf(others + used, sizeof(others) - used,
                                         "%s--%s", used ? ", " : " or ",
                                         mode_table[i]->name);
        return skvm_fail(err, SKVM_USAGE,
                         "%s image '%s' holds %u-bit code, which --%s mode "
                         "cannot run: use --%s (its default)%s",
                         name, o->guest_path, word * 8, o->mode->name,
                         (*mode)->name, others);
    }
    return 0;
}

int session_image_defaults(struct options *o, struct skvm_err *err)
{
    static uint8_t head[IMAGE_SNIFF_LEN];
    const struct mode *mode;
    struct stat st;
    ssize_t n;
    int fd;

    if (!o->guest_path)
        return mbargs_check(o, false, &mode, err);
    /* Any problem opening or reading it is told by image_read_file. */
    fd = open(o->guest_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return 0;
    do
        n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
                ? read(fd, head, sizeof(head))
                : 0;
    while (n < 0 && errno == EINTR);
    close(fd);
    /* A Multiboot kernel: protected mode (a header that cannot be booted
     * is told by image_identify, after the whole file is read). */
    bool mb = n > 0 && image_format_of(head, (size_t)n) == IMAGE_MULTIBOOT;
    if (mbargs_check(o, mb, &mode, err) < 0)
        return -1;
    if (mb) {
        if (!o->mode_set)
            o->mode = mode;
        return 0;
    }
    if (n <= EI_CLASS || image_format_of(head, (size_t)n) != IMAGE_ELF ||
        (head[EI_CLASS] != ELFCLASS32 && head[EI_CLASS] != ELFCLASS64))
        return 0; /* flat, or elf_parse refuses it later */
    if (elf_options_check(o, head[EI_CLASS], &mode, err) < 0)
        return -1;
    if (!o->mode_set)
        o->mode = mode;
    return 0;
}

/* After reading the whole image: its format, and for ELF the same
 * checks again (the file may have changed) and the entry point. */
static int image_prepare(const struct options *o, struct image *img,
                         struct mb_args *mba, uint64_t *entry,
                         struct skvm_err *err)
{
    const struct mode *ignored;

    *entry = o->entry;
    if (!o->guest_path)
        return 0;
    if (image_identify(img, err) < 0)
        return -1;
    if (img->format == IMAGE_MULTIBOOT) {
        const struct mode *ignored_mb;
        if (mbargs_check(o, true, &ignored_mb, err) < 0 ||
            mbargs_load(o, img, mba, err) < 0)
            return -1;
        *entry = image_entry(img, o->entry);
        return 0;
    }
    if (img->format != IMAGE_ELF)
        return mbargs_check(o, false, &ignored, err);
    if (elf_options_check(o, img->elf.elf_class, &ignored, err) < 0)
        return -1;
    *entry = image_entry(img, o->entry);
    if (*entry > o->mode->max_entry)
        return skvm_fail(err, SKVM_USAGE,
                         "ELF entry point 0x%llx is beyond what %s mode can "
                         "reach (max 0x%llx)",
                         (unsigned long long)*entry, o->mode->name,
                         (unsigned long long)o->mode->max_entry);
    return 0;
}

/* A guest fault gets the likely cause where the evidence shows one
 * (app/hints.h), kept in the crash state for the report. The hints
 * know flat images only: an ELF one gets none yet. */
static void find_hint(const struct options *o, const struct image *img,
                      struct crash_state *c)
{
    const struct hint_image hi = {
        .load_addr = o->load_addr,
        .data = img->format == IMAGE_FLAT ? img->data : NULL,
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
                       const struct image *img, uint64_t entry, bool builtin,
                       struct outcome *out, struct skvm_err *err)
{
    struct skvm_err worst = {.status = SKVM_PASS};
    uint64_t worst_run = 0;

    for (uint64_t i = 0; i < o->repeat; i++) {
        struct skvm_err e = {.status = SKVM_PASS};
        bool ran = false;
        int rc = 0;
        if (i > 0)
            rc = rerun_restore(vm, rr, o->mode, o->load_addr, entry, img,
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
                if (rcfg->syms) /* only where names can tell it */
                    crash_backtrace(vm, &crash);
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
        if (rcfg->syms)
            crash_backtrace(vm, &out->crash);
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

/* Always false: it only copies the VGA text buffer as the guest starts
 * (a placed image may cover it), inside the chain of set-up steps. A
 * buffer no one has touched is zeros: noted, not read, so `before` is
 * never faulted in (fresh RAM: nothing of it can be swapped out yet). */
static bool screen_snapshot(const struct vm *vm, struct vga_screen *before,
                            bool *live)
{
    *live = true;
    before->untouched =
        guestmem_untouched(&vm->mem, LAYOUT_VGA_TEXT_BASE, VGA_TEXT_SIZE);
    if (!before->untouched && vga_screen_read(before, &vm->mem, NULL) < 0)
        memset(before, 0, sizeof(*before));
    return false;
}

/* --explain: what the vCPU and guest memory hold now, on stdout (text,
 * or with --json the one JSON object). Before the run it is what the
 * loader built; with --dump, after it, what the guest left (with --json
 * the run's object carries it as "explain"). */
static int session_explain(const struct options *o, const struct vm *vm,
                           struct outcome *out, struct skvm_err *err)
{
    struct kvm_sregs s;
    struct kvm_regs r;

    if (vcpu_get_sregs(vm, &s, err) < 0 || vcpu_get_regs(vm, &r, err) < 0)
        return -1;
    if (!o->json) {
        explain_print(stdout, o->mode, &vm->mem, &s, &r);
        return 0;
    }
    struct json_object *j = explain_to_json(o->mode, &vm->mem, &s, &r);
    if (!j)
        return skvm_fail(err, SKVM_HOST, "out of memory for --explain --json");
    if (o->dump && out) { /* after the run: a member of the run's object */
        free(out->explain_json);
        out->explain_json = strdup(json_object_to_json_string(j));
    } else if (!o->dump) {
        fprintf(stdout, "%s\n",
                json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY));
    }
    json_object_put(j);
    return 0;
}

/* Always false: it only adds gdb to the observers, inside the chain of
 * set-up steps. */
static bool observe_gdb(struct run_config *rcfg, struct gdbstub *gdb)
{
    struct run_observer obs = gdbstub_observer(gdb);

    run_config_observe(rcfg, &obs);
    return false;
}

static bool probing; /* session_probe's runs close their VMs in place */

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
    /* Large and mostly unused in a plain run: static, so the stack stays
     * shallow (each stack page a start touches is a page fault), and
     * set only as far as used (rr only with --repeat). One session runs
     * at a time (--probe runs them in turn). */
    static struct rerun rr;
    static struct portmap ports;
    struct symbols syms = {0};
    struct image img;
    struct mb_args mba = {0};
    uint64_t entry;
    struct vm vm;
    static struct devices devs;
    static struct boot boot; /* --boot: the disk and the BIOS */
    static struct vga_screen screen_before;
    bool devs_live = false; /* the image is placed: tell the screen */
    int serial_in = -1;
    int rc = -1;

    if (o->repeat > 1)
        memset(&rr, 0, sizeof(rr));
    if (ports_build(o, &ports, err) < 0)
        return -1;
    rcfg.hc = (struct hc_options){.map = &ports,
                                  .unknown = o->unknown_ports,
                                  .reveal_hva = o->reveal_hva};
    if (!out)
        stats_init(&local_stats, false);
    stats_use_map(stats, &ports); /* until the end of this function */
    /* Statistics always count; trace and gdb watch only when asked. gdb
     * comes last: it may take an exit the others have already seen. */
    struct run_observer obs = stats_observer(stats);
    run_config_observe(&rcfg, &obs);
    if (o->trace) {
        obs = trace_observer(&trace);
        run_config_observe(&rcfg, &obs);
    }
    if ((rcfg.console_fd = console_open(o, err)) < 0) {
        stats_use_map(stats, NULL);
        return -1;
    }
    if (serial_input_open(o, &serial_in, err) < 0)
        goto out_console;
    if (o->boot_path) {
        if (boot_open(o, &boot, &img, err) < 0)
            goto out_console;
    } else if (o->guest_path) {
        if (image_read_file(o->guest_path, o->mem_size, &img, err) < 0)
            goto out_console;
    } else {
        blob = o->guest_name ? mode_find_guest(o->mode, o->guest_name)
                             : &o->mode->guests[0];
        image_from_blob(blob, &img);
    }
    if (image_prepare(o, &img, &mba, &entry, err) < 0)
        goto out_image;
    if (out) { /* copied, not printf'd: passing runs never page printf in */
        const char *name =
            o->boot_path ? "boot sector" : image_format_name(&img);
        for (size_t i = 0; name[i] && i + 1 < sizeof(out->format); i++)
            out->format[i] = name[i];
    }
    /* Names for the crash report, --trace and the exception line; they
     * outlive the image (the report is told after the VM is gone). */
    if ((img.format == IMAGE_ELF ||
         (img.format == IMAGE_MULTIBOOT && !(img.mb.flags & MB_HF_ADDRS))) &&
        symbols_load(img.data, img.len, &syms) < 0) {
        skvm_fail(err, SKVM_HOST, "out of memory reading the symbols of '%s'",
                  o->guest_path);
        goto out_image;
    }
    rcfg.syms = trace.syms = syms.n ? &syms : NULL;
    if (vm_open(&vm, o->mem_size, o->eager_mem,
                cli_irqchip(o, img.format == IMAGE_MULTIBOOT), err) < 0)
        goto out_image;
    vm.sse = !o->no_sse;
    devices_init(&devs, &(struct dev_config){
                            .out_fd = rcfg.console_fd,
                            .serial_in_fd = serial_in,
                            .ram_size = o->mem_size,
                            .debug_exit_success = o->debug_exit_success});
    rcfg.dev = &devs;
    rcfg.hc.bios = o->boot_path ? &boot.bios : NULL;
    rcfg.park_check = o->boot_path && !o->gdb_set; /* gdb may break in */
    struct mode_env env = vm_mode_env(&vm, entry);
    /* KVM batches port 0xE9's 1-byte OUTs: only while putchar has it. */
    bool putchar_console = portmap_lookup(&ports, LAYOUT_PORT_CONSOLE,
                                          PORTMAP_OUT) == HC_CALL_PUTCHAR;
    /* Its bytes wait for a line's end (core/fdwrite.h) unless something
     * prints or stops between exits (--trace's lines, gdb), or the user
     * asked for every console byte at once (--no-coalesce). */
    rcfg.hc.hold = putchar_console && !o->trace && !o->gdb_set &&
                   !o->no_coalesce;
    if (console_setup(&vm.console, vm.vm_fd, vm.run, vm.run_size,
                      !o->no_coalesce && putchar_console, vm.coalesced_pio,
                      err) < 0)
        goto out_vm;
    console_set_output(&vm.console, rcfg.console_fd);
    if ((o->repeat > 1 && rerun_track(&vm, &rr, err) < 0) ||
        (o->boot_path ? boot_place(o, &boot, &vm, &devs.crtc, err)
                      : image_place(&env, o->mode, o->load_addr, &img,
                                    err)) < 0 ||
        vcpu_configure(&vm, o->mode, entry, err) < 0 ||
        (o->explain && !o->dump && session_explain(o, &vm, out, err) < 0) ||
        (img.format == IMAGE_MULTIBOOT && mbargs_set_regs(&vm, err) < 0) ||
        screen_snapshot(&vm, &screen_before, &devs_live) ||
        (o->gdb_set &&
         gdbstub_open(&gdb, o->gdb_port, o->mode, &vm, stderr, err) < 0) ||
        (gdb && observe_gdb(&rcfg, gdb)) ||
        (o->repeat > 1 && rerun_snapshot(&vm, &rr, err) < 0) ||
        (o->sandbox && sandbox_enter(err) < 0) ||
        (!(o->explain && !o->dump) &&
         run_repeats(&vm, &rr, o, &rcfg, &img, entry,
                     blob && blob->builtin_checks, out, err) < 0))
        goto out_vm;
    rc = 0;
out_vm:
    if (o->explain && o->dump) { /* also after a fault: what it left */
        struct skvm_err xerr;
        if (session_explain(o, &vm, out, &xerr) < 0 && rc == 0)
            rc = -1, *err = xerr;
    }
    if (devs_live) {
        screen_tell(o, &vm, &devs, &screen_before, rcfg.console_fd, out);
        if (out && devs.debug_exit.written) {
            out->debug_exit_written = true;
            out->debug_exit_value = devs.debug_exit.value;
        }
    }
    console_end_line(rcfg.console_fd);
    devices_tell(&devs, rc);
    rc = boot_finish(o, &boot, &vm, rc, err);
    if (o->repeat > 1)
        rerun_free(&rr);
    gdbstub_close(gdb);
    /* The answer is known: the VM's teardown need not delay it. Under
     * the filter a clone would only fail; --probe builds seven VMs. */
    if (o->sandbox || probing)
        vm_close(&vm);
    else
        vm_close_detached(&vm);
out_image:
    image_free(&img);
    boot_free(&boot);
    mbargs_free(&mba);
    /* The report renders after this frame: `out` keeps the names. */
    if (out && syms.n) {
        out->syms = syms;
        out->crash.syms = &out->syms;
    } else {
        symbols_free(&syms);
    }
out_console:
    if (serial_in > STDERR_FILENO)
        close(serial_in);
    if (rcfg.console_fd != STDOUT_FILENO &&
        rcfg.console_fd != STDERR_FILENO)
        close(rcfg.console_fd);
    stats_use_map(stats, NULL); /* the map dies with this frame */
    return rc;
}

void session_probe(FILE *out)
{
    probing = true;
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
    /* --irqchip: whether this host's KVM creates the chips and the PIT. */
    struct skvm_err err = {0};
    struct vm vm;
    if (vm_open(&vm, CLI_DEFAULT_MEM, false, true, &err) == 0) {
        vm_close(&vm);
        fprintf(out, "%-10s yes\n", "irqchip");
    } else {
        fprintf(out, "%-10s no: %s (exit %d)\n", "irqchip", err.msg,
                skvm_exit_code(&err));
    }
}
