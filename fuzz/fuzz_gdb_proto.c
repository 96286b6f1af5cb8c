/* fuzz_gdb_proto.c - libFuzzer target: the gdb stub's protocol layer.
 *
 * The input is a byte stream from a "gdb client". Every packet the
 * framer accepts is answered by gdb_handle() against a fake target with
 * 4 KiB of memory; whatever arrives, nothing may crash, read or write
 * outside that memory (ASan), or produce a reply longer than a packet.
 * Each reply must also frame into a buffer of twice its size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/proto.h"

#define FAKE_MEM 4096

static struct gdb_cpu cpu;
static uint8_t mem[FAKE_MEM];

static int get_cpu(void *c, struct gdb_cpu *out)
{
    (void)c;
    *out = cpu;
    return 0;
}

static int set_cpu(void *c, const struct gdb_cpu *in)
{
    (void)c;
    cpu = *in;
    return 0;
}

static int rw(uint64_t a, size_t len)
{
    if (len > GDB_MEM_MAX)
        abort(); /* the parser must cap lengths before calling us */
    return a < FAKE_MEM && len <= FAKE_MEM - a ? 0 : -1;
}

static int read_mem(void *c, uint64_t a, void *buf, size_t len)
{
    (void)c;
    if (rw(a, len) < 0)
        return -1;
    memcpy(buf, mem + a, len);
    return 0;
}

static int write_mem(void *c, uint64_t a, const void *buf, size_t len)
{
    (void)c;
    if (rw(a, len) < 0)
        return -1;
    memcpy(mem + a, buf, len);
    return 0;
}

static int bp(void *c, enum gdb_bp_type t, uint64_t a, uint64_t kind)
{
    (void)c;
    if (t != GDB_BP_SW && t != GDB_BP_HW && t != GDB_BP_WRITE &&
        t != GDB_BP_ACCESS)
        abort(); /* the parser passes only the kinds it supports */
    return a < FAKE_MEM && kind <= 8 ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct gdb_rx rx;
    static char reply[GDB_PACKET_MAX + 1];
    static char framed[2 * GDB_PACKET_MAX + 8];
    struct gdb_target t = {.arch = (enum gdb_arch)(size % 3),
                           .get_cpu = get_cpu, .set_cpu = set_cpu,
                           .read_mem = read_mem, .write_mem = write_mem,
                           .insert_bp = bp, .remove_bp = bp};

    gdb_rx_init(&rx);
    for (size_t i = 0; i < size; i++) {
        if (gdb_rx_feed(&rx, data[i]) != GDB_RX_PACKET)
            continue;
        if (strlen(rx.packet) > GDB_PACKET_MAX)
            abort();
        gdb_handle(&t, rx.packet, reply, GDB_SIGTRAP);
        size_t len = strlen(reply);
        if (len > GDB_PACKET_MAX ||
            (len && gdb_frame(reply, len, framed, sizeof(framed)) == 0))
            abort();
    }
    return 0;
}
