/* proto.c - GDB remote protocol framing, register layouts, commands.
 *
 * References: the GDB manual, appendix E "GDB Remote Serial Protocol"
 * (packets, qSupported, qXfer, Z packets) and gdb/features/i386/
 * {32bit,64bit}-core.xml for the register order of the core feature.
 */
#include "gdb/proto.h"

#include <stdio.h>
#include <string.h>

enum { RX_IDLE, RX_DATA, RX_SUM1, RX_SUM2 };

#define ESCAPE_CHAR '}'
#define ESCAPE_XOR  0x20
#define X87_REGS    8  /* st0..st7, 80 bits each */
#define X87_CTRL    8  /* fctrl fstat ftag fiseg fioff foseg fooff fop */
#define X87_ST_SIZE 10
#define X87_CTRL_SIZE 4
#define NO_REG      (-1) /* a layout slot we report as unavailable */

static int hex_val(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static const char hex_digits[] = "0123456789abcdef";

void gdb_rx_init(struct gdb_rx *rx)
{
    memset(rx, 0, sizeof(*rx));
    rx->state = RX_IDLE;
}

static void rx_start(struct gdb_rx *rx)
{
    rx->state = RX_DATA;
    rx->sum = 0;
    rx->len = 0;
    rx->escape = rx->overflow = rx->bad_hex = false;
}

enum gdb_rx_event gdb_rx_feed(struct gdb_rx *rx, uint8_t byte)
{
    int v;

    switch (rx->state) {
    case RX_IDLE:
        if (byte == '$') {
            rx_start(rx);
            return GDB_RX_NONE;
        }
        if (byte == '+')
            return GDB_RX_ACK;
        if (byte == '-')
            return GDB_RX_NACK;
        if (byte == GDB_INTERRUPT_BYTE)
            return GDB_RX_INTERRUPT;
        return GDB_RX_NONE; /* noise between packets is ignored */
    case RX_DATA:
        if (byte == '$') { /* a new start abandons a torn packet */
            rx_start(rx);
            return GDB_RX_NONE;
        }
        if (byte == '#') {
            rx->state = RX_SUM1;
            return GDB_RX_NONE;
        }
        rx->sum = (uint8_t)(rx->sum + byte); /* summed as sent, escapes too */
        if (!rx->escape && byte == ESCAPE_CHAR) {
            rx->escape = true;
            return GDB_RX_NONE;
        }
        if (rx->escape) {
            byte ^= ESCAPE_XOR;
            rx->escape = false;
        }
        if (rx->len < GDB_PACKET_MAX)
            rx->packet[rx->len++] = (char)byte;
        else
            rx->overflow = true;
        return GDB_RX_NONE;
    case RX_SUM1:
    case RX_SUM2:
        v = hex_val(byte);
        if (v < 0)
            rx->bad_hex = true;
        if (rx->state == RX_SUM1) {
            rx->got_sum = (uint8_t)((v < 0 ? 0 : v) << 4);
            rx->state = RX_SUM2;
            return GDB_RX_NONE;
        }
        rx->got_sum |= (uint8_t)(v < 0 ? 0 : v);
        rx->state = RX_IDLE;
        rx->packet[rx->len] = '\0';
        if (rx->overflow)
            return GDB_RX_TOO_LONG;
        if (rx->bad_hex || rx->got_sum != rx->sum)
            return GDB_RX_BAD_SUM;
        return GDB_RX_PACKET;
    }
    rx->state = RX_IDLE;
    return GDB_RX_NONE;
}

size_t gdb_frame(const char *payload, size_t len, char *out, size_t cap)
{
    uint8_t sum = 0;
    size_t n = 0;

    if (cap < 4)
        return 0;
    out[n++] = '$';
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)payload[i];
        bool esc = c == '$' || c == '#' || c == ESCAPE_CHAR || c == '*';
        if (n + (esc ? 2 : 1) + 3 > cap)
            return 0;
        if (esc) {
            out[n++] = ESCAPE_CHAR;
            sum = (uint8_t)(sum + ESCAPE_CHAR);
            c ^= ESCAPE_XOR;
        }
        out[n++] = (char)c;
        sum = (uint8_t)(sum + c);
    }
    out[n++] = '#';
    out[n++] = hex_digits[sum >> 4];
    out[n++] = hex_digits[sum & 0xF];
    return n;
}

/* ---- register layouts (gdb/features/i386/{32,64}bit-core.xml) ---- */

struct reg_slot {
    int reg;       /* enum gdb_reg, or NO_REG */
    unsigned size; /* bytes */
};

#define X87_SLOTS                                                              \
    {NO_REG, X87_ST_SIZE}, {NO_REG, X87_ST_SIZE}, {NO_REG, X87_ST_SIZE},       \
        {NO_REG, X87_ST_SIZE}, {NO_REG, X87_ST_SIZE}, {NO_REG, X87_ST_SIZE},   \
        {NO_REG, X87_ST_SIZE}, {NO_REG, X87_ST_SIZE},                          \
        {NO_REG, X87_CTRL_SIZE}, {NO_REG, X87_CTRL_SIZE},                      \
        {NO_REG, X87_CTRL_SIZE}, {NO_REG, X87_CTRL_SIZE},                      \
        {NO_REG, X87_CTRL_SIZE}, {NO_REG, X87_CTRL_SIZE},                      \
        {NO_REG, X87_CTRL_SIZE}, {NO_REG, X87_CTRL_SIZE}

static const struct reg_slot layout_i386[] = {
    {GDB_RAX, 4}, {GDB_RCX, 4}, {GDB_RDX, 4},    {GDB_RBX, 4},
    {GDB_RSP, 4}, {GDB_RBP, 4}, {GDB_RSI, 4},    {GDB_RDI, 4},
    {GDB_RIP, 4}, {GDB_RFLAGS, 4},
    {GDB_CS, 4},  {GDB_SS, 4},  {GDB_DS, 4},     {GDB_ES, 4},
    {GDB_FS, 4},  {GDB_GS, 4},
    X87_SLOTS,
};

static const struct reg_slot layout_amd64[] = {
    {GDB_RAX, 8}, {GDB_RBX, 8}, {GDB_RCX, 8},    {GDB_RDX, 8},
    {GDB_RSI, 8}, {GDB_RDI, 8}, {GDB_RBP, 8},    {GDB_RSP, 8},
    {GDB_R8, 8},  {GDB_R9, 8},  {GDB_R10, 8},    {GDB_R11, 8},
    {GDB_R12, 8}, {GDB_R13, 8}, {GDB_R14, 8},    {GDB_R15, 8},
    {GDB_RIP, 8}, {GDB_RFLAGS, 4},
    {GDB_CS, 4},  {GDB_SS, 4},  {GDB_DS, 4},     {GDB_ES, 4},
    {GDB_FS, 4},  {GDB_GS, 4},
    X87_SLOTS,
};

#define N_I386  (sizeof(layout_i386) / sizeof(layout_i386[0]))
#define N_AMD64 (sizeof(layout_amd64) / sizeof(layout_amd64[0]))

static const struct reg_slot *layout_of(enum gdb_arch arch, unsigned *n)
{
    if (arch == GDB_ARCH_AMD64) {
        *n = N_AMD64;
        return layout_amd64;
    }
    *n = N_I386;
    return layout_i386;
}

unsigned gdb_reg_count(enum gdb_arch arch)
{
    unsigned n;

    layout_of(arch, &n);
    return n;
}

unsigned gdb_reg_size(enum gdb_arch arch, unsigned regnum)
{
    unsigned n;
    const struct reg_slot *l = layout_of(arch, &n);

    return regnum < n ? l[regnum].size : 0;
}

/* Little-endian hex of one slot; "xx" per byte when unavailable. */
static size_t slot_encode(const struct reg_slot *s, const struct gdb_cpu *cpu,
                          char *out, size_t cap)
{
    if (cap < 2 * (size_t)s->size + 1)
        return 0;
    for (unsigned b = 0; b < s->size; b++) {
        if (s->reg == NO_REG) {
            out[2 * b] = out[2 * b + 1] = 'x';
        } else {
            uint8_t v = (uint8_t)(cpu->reg[s->reg] >> (8 * b));
            out[2 * b] = hex_digits[v >> 4];
            out[2 * b + 1] = hex_digits[v & 0xF];
        }
    }
    out[2 * s->size] = '\0';
    return 2 * (size_t)s->size;
}

/* Parse one slot's hex; a slot gdb sent as "xx.." is left alone. */
static int slot_decode(const struct reg_slot *s, const char *hex,
                       struct gdb_cpu *cpu)
{
    uint64_t v = 0;
    bool unavailable = true;

    for (unsigned b = 0; b < s->size; b++) {
        int hi = hex_val(hex[2 * b]), lo = hex_val(hex[2 * b + 1]);
        if (hex[2 * b] == 'x' && hex[2 * b + 1] == 'x')
            continue;
        if (hi < 0 || lo < 0)
            return -1;
        unavailable = false;
        if (b < sizeof(v))
            v |= (uint64_t)(hi << 4 | lo) << (8 * b);
    }
    if (s->reg == NO_REG || unavailable)
        return 0; /* x87 state is not writable through this stub */
    if (s->size < sizeof(v)) { /* a 32-bit write keeps the upper half */
        uint64_t mask = (UINT64_C(1) << (8 * s->size)) - 1;
        v = (cpu->reg[s->reg] & ~mask) | v;
    }
    cpu->reg[s->reg] = v;
    return 0;
}

size_t gdb_regs_encode(enum gdb_arch arch, const struct gdb_cpu *cpu,
                       char *out, size_t cap)
{
    unsigned n;
    const struct reg_slot *l = layout_of(arch, &n);
    size_t len = 0;

    if (cap == 0)
        return 0;
    out[0] = '\0';
    for (unsigned i = 0; i < n; i++) {
        size_t w = slot_encode(&l[i], cpu, out + len, cap - len);
        if (w == 0)
            return 0;
        len += w;
    }
    return len;
}

int gdb_regs_decode(enum gdb_arch arch, const char *hex, struct gdb_cpu *cpu)
{
    unsigned n;
    const struct reg_slot *l = layout_of(arch, &n);
    size_t need = 0, off = 0;
    struct gdb_cpu tmp = *cpu;

    for (unsigned i = 0; i < n; i++)
        need += 2 * (size_t)l[i].size;
    if (strlen(hex) != need)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        if (slot_decode(&l[i], hex + off, &tmp) < 0)
            return -1;
        off += 2 * (size_t)l[i].size;
    }
    *cpu = tmp; /* all or nothing */
    return 0;
}

int gdb_reg_encode(enum gdb_arch arch, const struct gdb_cpu *cpu,
                   unsigned regnum, char *out, size_t cap)
{
    unsigned n;
    const struct reg_slot *l = layout_of(arch, &n);

    if (regnum >= n || slot_encode(&l[regnum], cpu, out, cap) == 0)
        return -1;
    return 0;
}

int gdb_reg_decode(enum gdb_arch arch, unsigned regnum, const char *hex,
                   struct gdb_cpu *cpu)
{
    unsigned n;
    const struct reg_slot *l = layout_of(arch, &n);

    if (regnum >= n || strlen(hex) != 2 * (size_t)l[regnum].size)
        return -1;
    return slot_decode(&l[regnum], hex, cpu);
}

/* ---- target descriptions ---- */

#define XML_HEAD                                                               \
    "<?xml version=\"1.0\"?>\n"                                                \
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"                            \
    "<target version=\"1.0\">\n"
#define XML_X87                                                                \
    "<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>"                     \
    "<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>"                     \
    "<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>"                     \
    "<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>"                     \
    "<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>"                     \
    "<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>"                     \
    "<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>"                     \
    "<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"                   \
    "<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>"        \
    "<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>"        \
    "<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>"         \
    "<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>"        \
    "<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>"        \
    "<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>"        \
    "<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>"        \
    "<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
#define XML_SEGS                                                               \
    "<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>"                         \
    "<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>"                         \
    "<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>"                         \
    "<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>"                         \
    "<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>"                         \
    "<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
#define XML_I386_CORE(arch)                                                    \
    XML_HEAD "<architecture>" arch "</architecture>\n"                         \
             "<feature name=\"org.gnu.gdb.i386.core\">\n"                      \
             "<reg name=\"eax\" bitsize=\"32\" type=\"int32\"/>"               \
             "<reg name=\"ecx\" bitsize=\"32\" type=\"int32\"/>"               \
             "<reg name=\"edx\" bitsize=\"32\" type=\"int32\"/>"               \
             "<reg name=\"ebx\" bitsize=\"32\" type=\"int32\"/>"               \
             "<reg name=\"esp\" bitsize=\"32\" type=\"data_ptr\"/>"            \
             "<reg name=\"ebp\" bitsize=\"32\" type=\"data_ptr\"/>"            \
             "<reg name=\"esi\" bitsize=\"32\" type=\"int32\"/>"               \
             "<reg name=\"edi\" bitsize=\"32\" type=\"int32\"/>\n"             \
             "<reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\"/>"            \
             "<reg name=\"eflags\" bitsize=\"32\" type=\"int32\"/>\n"          \
             XML_SEGS XML_X87 "</feature>\n</target>\n"

static const char xml_i386[] = XML_I386_CORE("i386");
/* Real mode: same registers, but gdb disassembles 16-bit code. */
static const char xml_i8086[] = XML_I386_CORE("i8086");
static const char xml_amd64[] =
    XML_HEAD "<architecture>i386:x86-64</architecture>\n"
             "<feature name=\"org.gnu.gdb.i386.core\">\n"
             "<reg name=\"rax\" bitsize=\"64\" type=\"int64\"/>"
             "<reg name=\"rbx\" bitsize=\"64\" type=\"int64\"/>"
             "<reg name=\"rcx\" bitsize=\"64\" type=\"int64\"/>"
             "<reg name=\"rdx\" bitsize=\"64\" type=\"int64\"/>"
             "<reg name=\"rsi\" bitsize=\"64\" type=\"int64\"/>"
             "<reg name=\"rdi\" bitsize=\"64\" type=\"int64\"/>"
             "<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/>"
             "<reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
             "<reg name=\"r8\" bitsize=\"64\" type=\"int64\"/>"
             "<reg name=\"r9\" bitsize=\"64\" type=\"int64\"/>"
             "<reg name=\"r10\" bitsize=\"64\" type=\"int64\"/>"
             "<reg name=\"r11\" bitsize=\"64\" type=\"int64\"/>"
             "<reg name=\"r12\" bitsize=\"64\" type=\"int64\"/>"
             "<reg name=\"r13\" bitsize=\"64\" type=\"int64\"/>"
             "<reg name=\"r14\" bitsize=\"64\" type=\"int64\"/>"
             "<reg name=\"r15\" bitsize=\"64\" type=\"int64\"/>\n"
             "<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>"
             "<reg name=\"eflags\" bitsize=\"32\" type=\"int32\"/>\n"
             XML_SEGS XML_X87 "</feature>\n</target>\n";

const char *gdb_target_xml(enum gdb_arch arch)
{
    switch (arch) {
    case GDB_ARCH_AMD64:
        return xml_amd64;
    case GDB_ARCH_I8086:
        return xml_i8086;
    case GDB_ARCH_I386:
        break;
    }
    return xml_i386;
}

/* ---- command parsing ---- */

/* Hex number at *p (1..16 digits), advancing *p; -1 if none/too long. */
static int parse_hex(const char **p, uint64_t *out)
{
    uint64_t v = 0;
    unsigned n = 0;
    int d;

    while ((d = hex_val(**p)) >= 0) {
        if (++n > 16)
            return -1;
        v = v << 4 | (uint64_t)d;
        (*p)++;
    }
    if (n == 0)
        return -1;
    *out = v;
    return 0;
}

/* "addr,len" then the expected terminator. */
static int parse_addr_len(const char **p, uint64_t *addr, uint64_t *len,
                          char term)
{
    if (parse_hex(p, addr) < 0 || **p != ',')
        return -1;
    (*p)++;
    if (parse_hex(p, len) < 0 || **p != term)
        return -1;
    if (term)
        (*p)++;
    return 0;
}

static void reply_str(char *reply, const char *s)
{
    snprintf(reply, GDB_PACKET_MAX + 1, "%s", s);
}

#define REPLY_ERROR "E01" /* the target refused or the packet was bad */

static void hex_encode(const uint8_t *buf, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex_digits[buf[i] >> 4];
        out[2 * i + 1] = hex_digits[buf[i] & 0xF];
    }
    out[2 * len] = '\0';
}

static int hex_decode(const char *hex, size_t len, uint8_t *buf)
{
    for (size_t i = 0; i < len; i++) {
        int hi = hex_val(hex[2 * i]), lo = hex_val(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        buf[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static void handle_read_mem(const struct gdb_target *t, const char *p,
                            char *reply)
{
    uint8_t buf[GDB_MEM_MAX];
    uint64_t addr, len;

    if (parse_addr_len(&p, &addr, &len, '\0') < 0 || len == 0 ||
        len > GDB_MEM_MAX || t->read_mem(t->ctx, addr, buf, len) < 0) {
        reply_str(reply, REPLY_ERROR);
        return;
    }
    hex_encode(buf, len, reply);
}

static void handle_write_mem(const struct gdb_target *t, const char *p,
                             char *reply)
{
    uint8_t buf[GDB_MEM_MAX];
    uint64_t addr, len;

    if (parse_addr_len(&p, &addr, &len, ':') < 0 || len > GDB_MEM_MAX ||
        strlen(p) != 2 * len || hex_decode(p, len, buf) < 0 ||
        (len && t->write_mem(t->ctx, addr, buf, len) < 0)) {
        reply_str(reply, REPLY_ERROR);
        return;
    }
    reply_str(reply, "OK");
}

static void handle_regs(const struct gdb_target *t, const char *p,
                        char *reply, bool write)
{
    struct gdb_cpu cpu;

    if (t->get_cpu(t->ctx, &cpu) < 0) {
        reply_str(reply, REPLY_ERROR);
        return;
    }
    if (!write) {
        if (gdb_regs_encode(t->arch, &cpu, reply, GDB_PACKET_MAX + 1) == 0)
            reply_str(reply, REPLY_ERROR);
        return;
    }
    if (gdb_regs_decode(t->arch, p, &cpu) < 0 || t->set_cpu(t->ctx, &cpu) < 0)
        reply_str(reply, REPLY_ERROR);
    else
        reply_str(reply, "OK");
}

static void handle_reg(const struct gdb_target *t, const char *p,
                       char *reply, bool write)
{
    struct gdb_cpu cpu;
    uint64_t regnum;

    if (parse_hex(&p, &regnum) < 0 || regnum >= gdb_reg_count(t->arch) ||
        *p != (write ? '=' : '\0') || t->get_cpu(t->ctx, &cpu) < 0) {
        reply_str(reply, REPLY_ERROR);
        return;
    }
    if (!write) {
        if (gdb_reg_encode(t->arch, &cpu, (unsigned)regnum, reply,
                           GDB_PACKET_MAX + 1) < 0)
            reply_str(reply, REPLY_ERROR);
        return;
    }
    if (gdb_reg_decode(t->arch, (unsigned)regnum, p + 1, &cpu) < 0 ||
        t->set_cpu(t->ctx, &cpu) < 0)
        reply_str(reply, REPLY_ERROR);
    else
        reply_str(reply, "OK");
}

/* "Z0,addr,kind" ... "z4,addr,kind"; Z3 (read watch) unsupported. */
static void handle_bp(const struct gdb_target *t, const char *p, char *reply,
                      bool insert)
{
    uint64_t type, addr, kind;

    if (parse_hex(&p, &type) < 0 || *p != ',') {
        reply_str(reply, REPLY_ERROR);
        return;
    }
    p++;
    if (type != GDB_BP_SW && type != GDB_BP_HW && type != GDB_BP_WRITE &&
        type != GDB_BP_ACCESS) {
        reply_str(reply, ""); /* gdb then knows this kind is unsupported */
        return;
    }
    if (parse_hex(&p, &addr) < 0 || *p != ',' ||
        (p++, parse_hex(&p, &kind) < 0) || (*p != '\0' && *p != ';')) {
        reply_str(reply, REPLY_ERROR);
        return;
    }
    enum gdb_bp_type bt = (enum gdb_bp_type)type;
    int rc = insert ? t->insert_bp(t->ctx, bt, addr, kind)
                    : t->remove_bp(t->ctx, bt, addr, kind);
    reply_str(reply, rc < 0 ? REPLY_ERROR : "OK");
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH */
static void handle_xfer(const struct gdb_target *t, const char *p,
                        char *reply)
{
    static const char prefix[] = "target.xml:";
    const char *xml = gdb_target_xml(t->arch);
    size_t total = strlen(xml);
    uint64_t off, len;

    if (strncmp(p, prefix, sizeof(prefix) - 1) != 0) {
        reply_str(reply, "E00"); /* no such annex */
        return;
    }
    p += sizeof(prefix) - 1;
    if (parse_addr_len(&p, &off, &len, '\0') < 0) {
        reply_str(reply, REPLY_ERROR);
        return;
    }
    if (off >= total) {
        reply_str(reply, "l");
        return;
    }
    /* Each char may need an escape when framed: half the packet is safe. */
    size_t room = GDB_PACKET_MAX / 2, n = total - off;
    if (n > len)
        n = len;
    if (n > room)
        n = room;
    reply[0] = off + n < total ? 'm' : 'l';
    memcpy(reply + 1, xml + off, n);
    reply[1 + n] = '\0';
}

/* "c[addr]" / "s[addr]": an address means resume there. */
static int resume_at(const struct gdb_target *t, const char *p)
{
    struct gdb_cpu cpu;
    uint64_t addr;

    if (*p == '\0')
        return 0;
    if (parse_hex(&p, &addr) < 0 || *p != '\0' || t->get_cpu(t->ctx, &cpu) < 0)
        return -1;
    cpu.reg[GDB_RIP] = addr;
    return t->set_cpu(t->ctx, &cpu);
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

void gdb_stop_reply(int sig, char *reply, size_t cap)
{
    snprintf(reply, cap, "T%02xthread:1;", (unsigned)sig & 0xFF);
}

void gdb_watch_reply(enum gdb_bp_type type, uint64_t addr, char *reply,
                     size_t cap)
{
    snprintf(reply, cap, "T%02x%s:%llx;thread:1;", GDB_SIGTRAP,
             type == GDB_BP_ACCESS ? "awatch" : "watch",
             (unsigned long long)addr);
}

void gdb_console_reply(const char *text, char *reply, size_t cap)
{
    size_t len = strlen(text);

    if (cap < 2)
        return;
    if (len > (cap - 2) / 2)
        len = (cap - 2) / 2;
    reply[0] = 'O';
    hex_encode((const uint8_t *)text, len, reply + 1);
}

enum gdb_action gdb_handle(const struct gdb_target *t, const char *packet,
                           char *reply, int last_signal)
{
    const char *args = packet + 1;

    reply[0] = '\0';
    switch (packet[0]) {
    case '?':
        gdb_stop_reply(last_signal, reply, GDB_PACKET_MAX + 1);
        return GDB_ACT_REPLY;
    case 'g':
        handle_regs(t, args, reply, false);
        return GDB_ACT_REPLY;
    case 'G':
        handle_regs(t, args, reply, true);
        return GDB_ACT_REPLY;
    case 'p':
        handle_reg(t, args, reply, false);
        return GDB_ACT_REPLY;
    case 'P':
        handle_reg(t, args, reply, true);
        return GDB_ACT_REPLY;
    case 'm':
        handle_read_mem(t, args, reply);
        return GDB_ACT_REPLY;
    case 'M':
        handle_write_mem(t, args, reply);
        return GDB_ACT_REPLY;
    case 'Z':
    case 'z':
        handle_bp(t, args, reply, packet[0] == 'Z');
        return GDB_ACT_REPLY;
    case 'C':
    case 'S': {
        /* Continue/step "with signal sig[;addr]": gdb passes the signal
         * of an exception stop back. A guest has no signals to take; the
         * run loop ends the run at an exception whatever gdb sends. */
        const char *semi = strchr(args, ';');
        if (resume_at(t, semi ? semi + 1 : "") < 0) {
            reply_str(reply, REPLY_ERROR);
            return GDB_ACT_REPLY;
        }
        return packet[0] == 'C' ? GDB_ACT_CONTINUE : GDB_ACT_STEP;
    }
    case 'c':
    case 's':
        if (resume_at(t, args) < 0) {
            reply_str(reply, REPLY_ERROR);
            return GDB_ACT_REPLY;
        }
        return packet[0] == 'c' ? GDB_ACT_CONTINUE : GDB_ACT_STEP;
    case 'k':
        return GDB_ACT_KILL;
    case 'D':
        reply_str(reply, "OK");
        return GDB_ACT_DETACH;
    case 'H': /* one thread: any selection is fine */
    case 'T':
        reply_str(reply, "OK");
        return GDB_ACT_REPLY;
    case 'v':
        if (starts(packet, "vKill")) {
            reply_str(reply, "OK");
            return GDB_ACT_KILL;
        }
        return GDB_ACT_REPLY; /* vCont? etc.: "" makes gdb use c/s */
    case 'q':
        if (starts(packet, "qSupported"))
            snprintf(reply, GDB_PACKET_MAX + 1,
                     "PacketSize=%x;qXfer:features:read+", GDB_PACKET_MAX);
        else if (starts(packet, "qXfer:features:read:"))
            handle_xfer(t, packet + strlen("qXfer:features:read:"), reply);
        else if (strcmp(packet, "qAttached") == 0)
            reply_str(reply, "1"); /* detach, not kill, on quit */
        else if (strcmp(packet, "qC") == 0)
            reply_str(reply, "QC1");
        else if (strcmp(packet, "qfThreadInfo") == 0)
            reply_str(reply, "m1");
        else if (strcmp(packet, "qsThreadInfo") == 0)
            reply_str(reply, "l");
        else if (starts(packet, "qSymbol"))
            reply_str(reply, "OK");
        return GDB_ACT_REPLY;
    default:
        return GDB_ACT_REPLY; /* unsupported: "" */
    }
}
