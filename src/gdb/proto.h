/* proto.h - the GDB remote serial protocol, without sockets or KVM.
 *
 * Three pure pieces, each unit-tested on plain buffers:
 *  - framing: gdb_rx_feed() turns a byte stream into verified packets
 *    ("$payload#cs", '}' escapes, the 0x03 interrupt byte), reporting a
 *    bad checksum or an overlong/garbled packet instead of guessing;
 *    gdb_frame() builds an outgoing packet with escapes and checksum.
 *  - registers: the 'g' packet layout gdb expects for each arch (i386,
 *    i8086 = real mode with the i386 register set, x86-64), encoded
 *    from and decoded into struct gdb_cpu; x87 registers are sent as
 *    "unavailable" (x), which gdb accepts.
 *  - commands: gdb_handle() parses one packet and answers it through
 *    struct gdb_target callbacks (registers, memory, breakpoints), so
 *    the same code serves the KVM glue (gdb/stub.c, gdb/target.c) and a fake target
 *    in the tests. Malformed commands get an "E" reply, never a crash.
 */
#ifndef SKVM_GDB_PROTO_H
#define SKVM_GDB_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest packet payload we accept or send (advertised as PacketSize). */
#define GDB_PACKET_MAX 4096
/* Largest m/M transfer: two hex digits per byte must fit in a packet. */
#define GDB_MEM_MAX ((GDB_PACKET_MAX - 32) / 2)
#define GDB_INTERRUPT_BYTE 0x03

/* Signal numbers as gdb's remote protocol spells them. */
#define GDB_SIGINT  2
#define GDB_SIGILL  4
#define GDB_SIGFPE  8
#define GDB_SIGKILL 9
#define GDB_SIGSEGV 11
#define GDB_SIGTRAP 5
#define GDB_SIGALRM 14

enum gdb_arch {
    GDB_ARCH_I386,  /* protected, paged32 */
    GDB_ARCH_I8086, /* real mode: i386 registers, 16-bit disassembly */
    GDB_ARCH_AMD64, /* long */
};

/* The registers gdb sees, independent of the layout. */
enum gdb_reg {
    GDB_RAX, GDB_RBX, GDB_RCX, GDB_RDX, GDB_RSI, GDB_RDI, GDB_RBP, GDB_RSP,
    GDB_R8, GDB_R9, GDB_R10, GDB_R11, GDB_R12, GDB_R13, GDB_R14, GDB_R15,
    GDB_RIP, GDB_RFLAGS,
    GDB_CS, GDB_SS, GDB_DS, GDB_ES, GDB_FS, GDB_GS,
    GDB_NREGS,
};

struct gdb_cpu {
    uint64_t reg[GDB_NREGS];
};

/* ---- framing ---- */

enum gdb_rx_event {
    GDB_RX_NONE,      /* byte consumed, nothing complete yet */
    GDB_RX_PACKET,    /* rx->packet holds a verified payload (NUL-ended) */
    GDB_RX_BAD_SUM,   /* checksum mismatch: reply '-' */
    GDB_RX_TOO_LONG,  /* payload over GDB_PACKET_MAX: reply '-' */
    GDB_RX_INTERRUPT, /* 0x03 outside a packet: stop the guest */
    GDB_RX_ACK,       /* '+' */
    GDB_RX_NACK,      /* '-': resend the last packet */
};

struct gdb_rx {
    int state;
    uint8_t sum;       /* running checksum of the raw payload */
    uint8_t got_sum;   /* checksum digits as received */
    bool escape, overflow, bad_hex;
    size_t len;
    char packet[GDB_PACKET_MAX + 1];
};

void gdb_rx_init(struct gdb_rx *rx);
enum gdb_rx_event gdb_rx_feed(struct gdb_rx *rx, uint8_t byte);

/* "$payload#cs" into out (escaping $ # } *); returns its length, or 0
 * when it would not fit in cap bytes. */
size_t gdb_frame(const char *payload, size_t len, char *out, size_t cap);

/* ---- registers ---- */

/* Number of registers in arch's layout and the byte size of regnum. */
unsigned gdb_reg_count(enum gdb_arch arch);
unsigned gdb_reg_size(enum gdb_arch arch, unsigned regnum);

/* 'g' reply: hex of every register; returns chars written (0 if cap is
 * too small). */
size_t gdb_regs_encode(enum gdb_arch arch, const struct gdb_cpu *cpu,
                       char *out, size_t cap);
/* 'G' payload into cpu (registers gdb marked "x" keep their value);
 * -1 when the hex is malformed or has the wrong length. */
int gdb_regs_decode(enum gdb_arch arch, const char *hex, struct gdb_cpu *cpu);

/* One register for 'p' / 'P'; -1 for an unknown regnum or bad hex. */
int gdb_reg_encode(enum gdb_arch arch, const struct gdb_cpu *cpu,
                   unsigned regnum, char *out, size_t cap);
int gdb_reg_decode(enum gdb_arch arch, unsigned regnum, const char *hex,
                   struct gdb_cpu *cpu);

/* The qXfer target.xml text for arch. */
const char *gdb_target_xml(enum gdb_arch arch);

/* ---- commands ---- */

enum gdb_bp_type {
    GDB_BP_SW = 0,     /* Z0: int3 */
    GDB_BP_HW = 1,     /* Z1: debug register, execute */
    GDB_BP_WRITE = 2,  /* Z2: debug register, data write */
    GDB_BP_ACCESS = 4, /* Z4: debug register, data read or write */
    /* Z3 (read only) has no x86 debug-register form: "" (unsupported). */
};

/* What the target can do; each returns 0 or -1 (answered "E01"). */
struct gdb_target {
    void *ctx;
    enum gdb_arch arch;
    int (*get_cpu)(void *ctx, struct gdb_cpu *cpu);
    int (*set_cpu)(void *ctx, const struct gdb_cpu *cpu);
    /* Linear address; len <= GDB_MEM_MAX. */
    int (*read_mem)(void *ctx, uint64_t addr, void *buf, size_t len);
    int (*write_mem)(void *ctx, uint64_t addr, const void *buf, size_t len);
    /* kind: gdb's length in bytes (watchpoints) or insn size hint. */
    int (*insert_bp)(void *ctx, enum gdb_bp_type type, uint64_t addr,
                     uint64_t kind);
    int (*remove_bp)(void *ctx, enum gdb_bp_type type, uint64_t addr,
                     uint64_t kind);
};

enum gdb_action {
    GDB_ACT_REPLY,    /* send `reply`; stay stopped */
    GDB_ACT_CONTINUE, /* resume; no reply until the next stop */
    GDB_ACT_STEP,     /* one instruction; no reply until the stop */
    GDB_ACT_KILL,     /* end the run */
    GDB_ACT_DETACH,   /* send `reply` ("OK"), then run on undebugged */
};

/* Answer one packet. reply has room for GDB_PACKET_MAX + 1 chars and
 * is NUL-terminated ("" = unsupported command, as the protocol says). */
enum gdb_action gdb_handle(const struct gdb_target *t, const char *packet,
                           char *reply, int last_signal);

/* "T05" etc. for a stop with signal sig. */
void gdb_stop_reply(int sig, char *reply, size_t cap);
/* "T05watch:ADDR;..." (or awatch) for a watchpoint hit at data addr. */
void gdb_watch_reply(enum gdb_bp_type type, uint64_t addr, char *reply,
                     size_t cap);
/* An 'O' console-output packet carrying text (hex-encoded). */
void gdb_console_reply(const char *text, char *reply, size_t cap);

#endif
