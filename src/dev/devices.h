/* devices.h - the devices by convention (README, "Devices") and the one
 * table of the ports they claim.
 *
 *   device          ports          directions  file
 *   com1            0x3F8-0x3FF    IN, OUT     dev/serial.[ch]
 *   isa-debug-exit  0xF4           OUT         dev/debug_exit.[ch]
 *   fw_cfg          0x510          OUT         dev/fw_cfg.[ch] (selector)
 *   fw_cfg          0x511          IN, OUT     (data; OUT ignored)
 *   vga             0x3D4-0x3D5    IN, OUT     dev/vga.[ch] (CRTC)
 *   port92          0x92           IN, OUT     dev/port92.[ch] (A20, reset)
 *   i8042           0x60, 0x64     IN, OUT     dev/i8042.[ch] (A20, reset)
 *
 * The port map (core/portmap.h: the hypercalls and --port/--ports
 * entries) comes first: a (port, direction) it binds is the map's, so
 * `--port 0x3f8=putchar` takes COM1's data port in that direction and
 * leaves the rest of COM1 alone. No default hypercall port is a device
 * port (a unit test holds that). An access neither answers is unknown
 * (--unknown-ports).
 *
 * Pure like core/hypercall.c: devices_dispatch() takes one KVM_EXIT_IO
 * from a kvm_run page (every field checked before use) and never talks
 * to KVM; the run loop calls it for ports devices_claim() names. An
 * access wider than a register is split into bytes on consecutive ports
 * where the device's registers are bytes (COM1, the CRTC, port92, the
 * i8042), as the ISA bus splits it; see each device's header for the
 * rest. A reset (port92, the i8042) ends the run like isa-debug-exit.
 */
#ifndef SKVM_DEV_DEVICES_H
#define SKVM_DEV_DEVICES_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "dev/debug_exit.h"
#include "dev/fw_cfg.h"
#include "dev/i8042.h"
#include "dev/port92.h"
#include "dev/serial.h"
#include "dev/vga.h"

enum dev_id {
    DEV_COM1,
    DEV_DEBUG_EXIT,
    DEV_FW_CFG,
    DEV_VGA,
    DEV_PORT92,
    DEV_I8042,
    DEV_N
};

/* Directions, as the port map's (PORTMAP_OUT, PORTMAP_IN). */
enum { DEV_OUT = 1, DEV_IN = 2 };

/* One row of the port table. */
struct dev_ports {
    uint16_t first, last; /* inclusive */
    uint8_t dirs;         /* DEV_OUT | DEV_IN */
    enum dev_id dev;
};

/* What the run needs to build the devices (app/session.c fills it). */
struct dev_config {
    int out_fd;             /* COM1 output: the console stream */
    int serial_in_fd;       /* --serial-input, or -1 */
    uint64_t ram_size;      /* fw_cfg's RAM_SIZE */
    uint32_t debug_exit_success; /* --debug-exit-success */
};

struct devices {
    struct serial com1;
    struct debug_exit debug_exit;
    struct fw_cfg fw_cfg;
    struct vga_crtc crtc;
    struct port92 port92;
    struct i8042 i8042;
    uint64_t accesses[DEV_N]; /* port I/O exits each device answered */
};

/* Row i of the port table, or NULL past the end. */
const struct dev_ports *dev_ports(size_t i);
/* The device's name ("com1", "isa-debug-exit", "fw_cfg", "vga",
 * "port92", "i8042"). */
const char *dev_name(enum dev_id dev);
/* The device that claims (port, dir), or -1. */
int devices_claim(uint16_t port, uint8_t dir);

void devices_init(struct devices *d, const struct dev_config *cfg);
/* Every device back to power-on, configuration kept (--repeat). */
void devices_reset(struct devices *d);

enum { DEV_CONTINUE = 0, DEV_EXITED = 1 };

/* Handle the KVM_EXIT_IO in `run` (run_size bytes) for the device that
 * claims it: DEV_CONTINUE, DEV_EXITED (isa-debug-exit, or a reset
 * through port92 or the i8042: see devices_exit_result()), or -1 with
 * err (a malformed exit page, or a port no device claims). */
int devices_dispatch(struct devices *d, struct kvm_run *run, size_t run_size,
                     struct skvm_err *err);

/* After DEV_EXITED: a reset passes (0, as int 0x19 does); the
 * isa-debug-exit value is judged by debug_exit_result(). */
int devices_exit_result(const struct devices *d, struct skvm_err *err);
/* The notes for stderr at the end of a run, each false when there is
 * none: the guest reset the machine (which device); the guest tried to
 * turn A20 off, which stays on here (dev/port92.h). */
bool devices_reset_note(const struct devices *d, char *buf, size_t len);
bool devices_a20_note(const struct devices *d, char *buf, size_t len);

#endif
