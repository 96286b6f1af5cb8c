/* port92.h - System Control Port A at LAYOUT_PORT_SYSCTL_A (0x92), the
 * "fast A20" and "fast reset" register boot sectors use (QEMU's port92).
 *
 *   bit 0  fast reset: writing 1 resets the machine. Here it ends the
 *          run as int 0x19 does (exit 0, a note on stderr); reads 0.
 *   bit 1  A20 gate. KVM never masks address line 20: the line is on for
 *          the whole run, so the bit always reads 1. Writing 0 cannot
 *          turn it off; the try is counted and said once on stderr at
 *          the end of the run (a guest testing for the 1 MiB wrap would
 *          otherwise be puzzled).
 *   bits 2-7  stored and read back (no meaning here).
 *
 * One byte register: the top bytes of a wide access are not the
 * device's (dev/devices.c splits it).
 */
#ifndef SKVM_DEV_PORT92_H
#define SKVM_DEV_PORT92_H

#include <stdbool.h>
#include <stdint.h>

#define PORT92_RESET 0x01u /* bit 0: fast reset */
#define PORT92_A20 0x02u   /* bit 1: A20 gate */

struct port92 {
    uint8_t value;       /* as written, bits 2-7 */
    bool reset;          /* the guest reset the machine here */
    uint32_t a20_off;    /* writes that asked for A20 off */
};

/* Power-on: A20 on, nothing written (also --repeat). */
void port92_init(struct port92 *p);
uint8_t port92_read(const struct port92 *p);
/* Returns true when the write resets the machine (bit 0 set). */
bool port92_write(struct port92 *p, uint8_t value);

#endif
