/* test_gdb_proto.c - the gdb protocol without a socket or KVM: framing,
 * checksums, register layouts and commands against a fake target. */
#include <criterion/criterion.h>
#include <string.h>

#include "gdb/proto.h"

/* Feed a whole string; return the last event that was not NONE. */
static enum gdb_rx_event feed(struct gdb_rx *rx, const char *s)
{
    enum gdb_rx_event last = GDB_RX_NONE, e;

    for (; *s; s++)
        if ((e = gdb_rx_feed(rx, (uint8_t)*s)) != GDB_RX_NONE)
            last = e;
    return last;
}

Test(gdb_proto, frame_checksum)
{
    char out[64];
    size_t n = gdb_frame("g", 1, out, sizeof(out));

    cr_assert_eq(n, 5);
    cr_assert(memcmp(out, "$g#67", 5) == 0, "%.*s", (int)n, out);
    n = gdb_frame("OK", 2, out, sizeof(out));
    cr_assert(memcmp(out, "$OK#9a", 6) == 0, "%.*s", (int)n, out);
}

Test(gdb_proto, frame_escapes_specials)
{
    char out[64];
    size_t n = gdb_frame("a#b", 3, out, sizeof(out));

    /* '#' (0x23) goes as '}' then 0x23 ^ 0x20 = 0x03. */
    cr_assert_eq(n, 1 + 4 + 3);
    cr_assert_eq(out[2], '}');
    cr_assert_eq(out[3], 0x03);
    struct gdb_rx rx;
    gdb_rx_init(&rx);
    enum gdb_rx_event e = GDB_RX_NONE;
    for (size_t i = 0; i < n; i++)
        e = gdb_rx_feed(&rx, (uint8_t)out[i]);
    cr_assert_eq(e, GDB_RX_PACKET, "framed packet parses back");
    cr_assert_str_eq(rx.packet, "a#b");
}

Test(gdb_proto, frame_too_small)
{
    char out[4];

    cr_assert_eq(gdb_frame("OK", 2, out, sizeof(out)), 0);
}

Test(gdb_proto, rx_good_packet)
{
    struct gdb_rx rx;

    gdb_rx_init(&rx);
    cr_assert_eq(feed(&rx, "$g#67"), GDB_RX_PACKET);
    cr_assert_str_eq(rx.packet, "g");
}

Test(gdb_proto, rx_bad_checksum)
{
    struct gdb_rx rx;

    gdb_rx_init(&rx);
    cr_assert_eq(feed(&rx, "$g#68"), GDB_RX_BAD_SUM);
    cr_assert_eq(feed(&rx, "$g#zz"), GDB_RX_BAD_SUM, "non-hex checksum");
    /* The receiver recovers: the next good packet parses. */
    cr_assert_eq(feed(&rx, "$?#3f"), GDB_RX_PACKET);
    cr_assert_str_eq(rx.packet, "?");
}

Test(gdb_proto, rx_too_long)
{
    static char big[GDB_PACKET_MAX + 64];
    struct gdb_rx rx;

    memset(big, 'a', sizeof(big) - 1);
    big[0] = '$';
    big[sizeof(big) - 4] = '#';
    big[sizeof(big) - 3] = '0';
    big[sizeof(big) - 2] = '0';
    big[sizeof(big) - 1] = '\0';
    gdb_rx_init(&rx);
    cr_assert_eq(feed(&rx, big), GDB_RX_TOO_LONG);
    cr_assert(rx.len <= GDB_PACKET_MAX);
}

Test(gdb_proto, rx_acks_interrupt_and_restart)
{
    struct gdb_rx rx;

    gdb_rx_init(&rx);
    cr_assert_eq(gdb_rx_feed(&rx, '+'), GDB_RX_ACK);
    cr_assert_eq(gdb_rx_feed(&rx, '-'), GDB_RX_NACK);
    cr_assert_eq(gdb_rx_feed(&rx, GDB_INTERRUPT_BYTE), GDB_RX_INTERRUPT);
    /* A '$' inside a packet starts over: the torn one is dropped. */
    cr_assert_eq(feed(&rx, "$mxx$g#67"), GDB_RX_PACKET);
    cr_assert_str_eq(rx.packet, "g");
}

Test(gdb_proto, regs_i386_layout)
{
    struct gdb_cpu cpu = {0};
    char out[GDB_PACKET_MAX + 1];

    cpu.reg[GDB_RAX] = 0x11223344;
    cpu.reg[GDB_RCX] = 0xAABBCCDD;
    cpu.reg[GDB_RIP] = 0x1000;
    cpu.reg[GDB_CS] = 0x08;
    size_t n = gdb_regs_encode(GDB_ARCH_I386, &cpu, out, sizeof(out));
    /* 16 x 4-byte core, 8 x 10-byte st, 8 x 4-byte x87 control. */
    cr_assert_eq(n, 2 * (16 * 4 + 8 * 10 + 8 * 4));
    cr_assert_eq(gdb_reg_count(GDB_ARCH_I386), 32);
    cr_assert(strncmp(out, "44332211ddccbbaa", 16) == 0, "%s", out);
    cr_assert(strncmp(out + 8 * 8, "00100000", 8) == 0, "eip is reg 8");
    cr_assert(strncmp(out + 10 * 8, "08000000", 8) == 0, "cs is reg 10");
    cr_assert_eq(out[16 * 8], 'x', "x87 registers are unavailable");
}

Test(gdb_proto, regs_amd64_layout)
{
    struct gdb_cpu cpu = {0};
    char out[GDB_PACKET_MAX + 1];

    cpu.reg[GDB_RBX] = UINT64_C(0x0102030405060708);
    cpu.reg[GDB_RIP] = UINT64_C(0xFFFFFFFF80000000);
    cpu.reg[GDB_RFLAGS] = 0x202;
    size_t n = gdb_regs_encode(GDB_ARCH_AMD64, &cpu, out, sizeof(out));
    cr_assert_eq(n, 2 * (16 * 8 + 8 + 4 + 6 * 4 + 8 * 10 + 8 * 4));
    cr_assert_eq(gdb_reg_count(GDB_ARCH_AMD64), 40);
    cr_assert(strncmp(out + 16, "0807060504030201", 16) == 0, "rbx is reg 1");
    cr_assert(strncmp(out + 16 * 16, "00000080ffffffff", 16) == 0,
              "rip is reg 16");
    cr_assert(strncmp(out + 17 * 16, "02020000", 8) == 0,
              "eflags is 4 bytes");
    cr_assert_eq(gdb_reg_size(GDB_ARCH_AMD64, 17), 4);
    cr_assert_eq(gdb_reg_size(GDB_ARCH_AMD64, 40), 0);
}

Test(gdb_proto, regs_decode_roundtrip_and_errors)
{
    struct gdb_cpu cpu = {0}, back;
    char hex[GDB_PACKET_MAX + 1];

    for (int i = 0; i < GDB_NREGS; i++)
        cpu.reg[i] = (uint64_t)(i + 1) * 0x01010101;
    gdb_regs_encode(GDB_ARCH_AMD64, &cpu, hex, sizeof(hex));
    memset(&back, 0, sizeof(back));
    cr_assert_eq(gdb_regs_decode(GDB_ARCH_AMD64, hex, &back), 0);
    cr_assert_eq(back.reg[GDB_R15], cpu.reg[GDB_R15]);
    cr_assert_eq(back.reg[GDB_RIP], cpu.reg[GDB_RIP]);
    /* Wrong length and bad hex are refused, and change nothing. */
    back = cpu;
    hex[10] = 'q';
    cr_assert_eq(gdb_regs_decode(GDB_ARCH_AMD64, hex, &back), -1);
    cr_assert_eq(gdb_regs_decode(GDB_ARCH_AMD64, "0011", &back), -1);
    cr_assert(memcmp(&back, &cpu, sizeof(cpu)) == 0);
}

Test(gdb_proto, reg_write_32bit_keeps_upper_half)
{
    struct gdb_cpu cpu = {0};

    cpu.reg[GDB_RAX] = UINT64_C(0xDEADBEEF00000000);
    cr_assert_eq(gdb_reg_decode(GDB_ARCH_I386, 0, "78563412", &cpu), 0);
    cr_assert_eq(cpu.reg[GDB_RAX], UINT64_C(0xDEADBEEF12345678));
    cr_assert_eq(gdb_reg_decode(GDB_ARCH_I386, 0, "785634", &cpu), -1);
    cr_assert_eq(gdb_reg_decode(GDB_ARCH_I386, 99, "78563412", &cpu), -1);
}

/* ---- commands against a fake target: 256 bytes of memory ---- */

struct fake {
    struct gdb_cpu cpu;
    uint8_t mem[256];
    int bps, last_bp_type;
    uint64_t last_bp_addr, last_bp_kind;
};

static int f_get(void *c, struct gdb_cpu *cpu)
{
    *cpu = ((struct fake *)c)->cpu;
    return 0;
}
static int f_set(void *c, const struct gdb_cpu *cpu)
{
    ((struct fake *)c)->cpu = *cpu;
    return 0;
}
static int f_read(void *c, uint64_t a, void *buf, size_t len)
{
    struct fake *f = c;
    if (a >= sizeof(f->mem) || len > sizeof(f->mem) - a)
        return -1;
    memcpy(buf, f->mem + a, len);
    return 0;
}
static int f_write(void *c, uint64_t a, const void *buf, size_t len)
{
    struct fake *f = c;
    if (a >= sizeof(f->mem) || len > sizeof(f->mem) - a)
        return -1;
    memcpy(f->mem + a, buf, len);
    return 0;
}
static int f_ins(void *c, enum gdb_bp_type t, uint64_t a, uint64_t k)
{
    struct fake *f = c;
    f->bps++;
    f->last_bp_type = t;
    f->last_bp_addr = a;
    f->last_bp_kind = k;
    return 0;
}
static int f_rem(void *c, enum gdb_bp_type t, uint64_t a, uint64_t k)
{
    struct fake *f = c;
    (void)t, (void)a, (void)k;
    f->bps--;
    return 0;
}

static struct fake fk;
static struct gdb_target tgt;
static char reply[GDB_PACKET_MAX + 1];

static void fake_init(void)
{
    memset(&fk, 0, sizeof(fk));
    for (size_t i = 0; i < sizeof(fk.mem); i++)
        fk.mem[i] = (uint8_t)i;
    tgt = (struct gdb_target){.ctx = &fk, .arch = GDB_ARCH_I386,
                              .get_cpu = f_get, .set_cpu = f_set,
                              .read_mem = f_read, .write_mem = f_write,
                              .insert_bp = f_ins, .remove_bp = f_rem};
}

static enum gdb_action cmd(const char *packet)
{
    return gdb_handle(&tgt, packet, reply, GDB_SIGTRAP);
}

Test(gdb_proto, cmd_memory, .init = fake_init)
{
    cr_assert_eq(cmd("m10,4"), GDB_ACT_REPLY);
    cr_assert_str_eq(reply, "10111213");
    cr_assert_eq(cmd("M20,2:abcd"), GDB_ACT_REPLY);
    cr_assert_str_eq(reply, "OK");
    cr_assert_eq(fk.mem[0x20], 0xAB);
    cr_assert_eq(fk.mem[0x21], 0xCD);
    cmd("mff,2"); /* runs past the fake's memory: the target refuses */
    cr_assert_str_eq(reply, "E01");
}

Test(gdb_proto, cmd_malformed, .init = fake_init)
{
    static const char *const bad[] = {
        "m",       "m10",      "mzz,4",     "m10,",        "m10,0",
        "m10,4x",  "m10,99999", "M10,2:abc", "M10,2:zzzz", "M10,2",
        "p",       "p99",      "pzz",       "P0=12",       "P0",
        "G00",     "Z0",       "Z0,10",     "Z0,zz,1",     "c12q",
        "m11111111111111111,1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(cmd(bad[i]), GDB_ACT_REPLY, "%s", bad[i]);
        cr_assert_str_eq(reply, "E01", "'%s' -> '%s'", bad[i], reply);
    }
    cr_assert_eq(fk.mem[0x10], 0x10, "no partial write");
    cr_assert_eq(fk.bps, 0);
}

Test(gdb_proto, cmd_registers, .init = fake_init)
{
    fk.cpu.reg[GDB_RIP] = 0x1234;
    cmd("p8");
    cr_assert_str_eq(reply, "34120000");
    cmd("P0=2a000000");
    cr_assert_str_eq(reply, "OK");
    cr_assert_eq(fk.cpu.reg[GDB_RAX], 42);
    cmd("g");
    cr_assert(strncmp(reply, "2a000000", 8) == 0, "%s", reply);
    char g[GDB_PACKET_MAX + 2] = "G";
    strcat(g, reply);
    g[1] = '0', g[2] = '7'; /* eax = 7 */
    cmd(g);
    cr_assert_str_eq(reply, "OK");
    cr_assert_eq(fk.cpu.reg[GDB_RAX], 7);
}

Test(gdb_proto, cmd_breakpoints, .init = fake_init)
{
    cmd("Z0,10,1");
    cr_assert_str_eq(reply, "OK");
    cr_assert_eq(fk.last_bp_type, GDB_BP_SW);
    cr_assert_eq(fk.last_bp_addr, 0x10);
    cmd("Z1,20,1");
    cr_assert_eq(fk.last_bp_type, GDB_BP_HW);
    cmd("z1,20,1");
    cr_assert_str_eq(reply, "OK");
    cr_assert_eq(fk.bps, 1);
    cmd("Z2,30,4"); /* write watchpoint, 4 bytes */
    cr_assert_str_eq(reply, "OK");
    cr_assert_eq(fk.last_bp_type, GDB_BP_WRITE);
    cr_assert_eq(fk.last_bp_kind, 4);
    cmd("Z4,38,8");
    cr_assert_eq(fk.last_bp_type, GDB_BP_ACCESS);
    cr_assert_eq(fk.bps, 3);
    cmd("Z3,30,4"); /* read-only watch: no x86 form, empty reply */
    cr_assert_str_eq(reply, "");
    cmd("Z9,30,4");
    cr_assert_str_eq(reply, "");
    cr_assert_eq(fk.bps, 3);
}

Test(gdb_proto, cmd_resume_and_control, .init = fake_init)
{
    cr_assert_eq(cmd("c"), GDB_ACT_CONTINUE);
    cr_assert_eq(cmd("s"), GDB_ACT_STEP);
    cr_assert_eq(cmd("c40"), GDB_ACT_CONTINUE);
    cr_assert_eq(fk.cpu.reg[GDB_RIP], 0x40, "c ADDR resumes there");
    cr_assert_eq(cmd("k"), GDB_ACT_KILL);
    cr_assert_eq(cmd("D"), GDB_ACT_DETACH);
    cr_assert_str_eq(reply, "OK");
    cmd("?");
    cr_assert_str_eq(reply, "T05thread:1;");
    cmd("vCont?");
    cr_assert_str_eq(reply, "", "no vCont: gdb falls back to c/s");
    cmd("Qbogus");
    cr_assert_str_eq(reply, "", "unknown packets get an empty reply");
}

Test(gdb_proto, cmd_qsupported_and_target_xml, .init = fake_init)
{
    cmd("qSupported:multiprocess+;swbreak+");
    cr_assert(strstr(reply, "PacketSize=1000"), "%s", reply);
    cr_assert(strstr(reply, "qXfer:features:read+"), "%s", reply);

    cmd("qXfer:features:read:target.xml:0,fff");
    cr_assert_eq(reply[0], 'l', "whole document fits in one reply");
    cr_assert(strstr(reply, "<architecture>i386</architecture>"));
    cr_assert(strstr(reply, "org.gnu.gdb.i386.core"));
    cmd("qXfer:features:read:target.xml:0,10");
    cr_assert_eq(reply[0], 'm', "more to come");
    cr_assert_eq(strlen(reply), 1 + 0x10);
    cmd("qXfer:features:read:target.xml:fffff,10");
    cr_assert_str_eq(reply, "l", "past the end");
    cmd("qXfer:features:read:other.xml:0,10");
    cr_assert_str_eq(reply, "E00");

    tgt.arch = GDB_ARCH_AMD64;
    cmd("qXfer:features:read:target.xml:0,fff");
    cr_assert(strstr(reply, "<architecture>i386:x86-64</architecture>"));
    cr_assert(strstr(reply, "name=\"r15\""));
    tgt.arch = GDB_ARCH_I8086;
    cmd("qXfer:features:read:target.xml:0,fff");
    cr_assert(strstr(reply, "<architecture>i8086</architecture>"));
}

Test(gdb_proto, watch_reply_names_the_address)
{
    char out[64];

    gdb_watch_reply(GDB_BP_WRITE, 0x400, out, sizeof(out));
    cr_assert_str_eq(out, "T05watch:400;thread:1;");
    gdb_watch_reply(GDB_BP_ACCESS, 0x90, out, sizeof(out));
    cr_assert_str_eq(out, "T05awatch:90;thread:1;");
}

Test(gdb_proto, console_reply_is_hex)
{
    char out[32];

    gdb_console_reply("hi\n", out, sizeof(out));
    cr_assert_str_eq(out, "O68690a");
}
