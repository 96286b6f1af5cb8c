/* mb_kernel_c.c - a Multiboot 1 kernel in C, an ELF32 file as GRUB loads
 * them (no address fields: the ELF program headers say where it goes;
 * mb_kernel.ld puts it at 1 MiB, header first). It checks and prints
 * exactly what tests/guests/mb_kernel.asm does, line for line, on COM1,
 * and ends through isa-debug-exit (port 0xF4): 0 when every check holds,
 * else the failed check's number (see mb_kernel.asm). Nothing of
 * simple-kvm's is used. */
#include <stdint.h>

#define MB_HEADER_MAGIC 0x1BADB002u
#define MB_BOOT_MAGIC   0x2BADB002u
#define MB_PAGE_ALIGN   (1u << 0)
#define MB_MEMINFO      (1u << 1)
#define MB_FLAGS        (MB_PAGE_ALIGN | MB_MEMINFO)
/* Info flags needed: mem, cmdline, mods, mmap, boot_loader_name. */
#define INFO_NEEDED ((1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9))
#define MMAP_RAM 1
#define PAGE_MASK 0xFFFu

#define COM1       0x3F8
#define COM1_LSR   (COM1 + 5)
#define LSR_THRE   0x20
#define DEBUG_EXIT 0xF4

enum { FAIL_MAGIC = 2, FAIL_FLAGS, FAIL_RAM, FAIL_ALIGN, FAIL_NO_MODULE };

struct mb_header {
    uint32_t magic, flags, checksum;
};

__attribute__((section(".multiboot"), aligned(4), used))
static const struct mb_header header = {
    MB_HEADER_MAGIC, MB_FLAGS, -(MB_HEADER_MAGIC + MB_FLAGS)};

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
    uint32_t mods_count, mods_addr, syms[4];
    uint32_t mmap_length, mmap_addr, drives_length, drives_addr;
    uint32_t config_table, boot_loader_name;
};

struct mb_module {
    uint32_t mod_start, mod_end, string, reserved;
};

struct __attribute__((packed)) mb_mmap {
    uint32_t size;
    uint64_t base, length;
    uint32_t type;
};

static uint8_t stack[4096] __attribute__((aligned(16), used));

void kmain(uint32_t magic, const struct mb_info *info)
    __attribute__((noreturn, used));

/* The spec leaves ESP undefined: set one, pass EAX and EBX on. */
__asm__(".text\n"
        ".globl _start\n"
        "_start:\n"
        "    mov $stack + 4096, %esp\n"
        "    push %ebx\n"
        "    push %eax\n"
        "    call kmain\n");

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void putc(char c)
{
    while (!(inb(COM1_LSR) & LSR_THRE))
        ;
    outb(COM1, (uint8_t)c);
}

static void puts(const char *s)
{
    while (*s)
        putc(*s++);
}

static void put_hex(uint32_t v)
{
    for (int shift = 28; shift >= 0; shift -= 4)
        putc("0123456789abcdef"[(v >> shift) & 0xF]);
}

static void put_dec(uint32_t v)
{
    char buf[12];
    int n = 0;

    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        putc(buf[--n]);
}

static __attribute__((noreturn)) void finish(uint8_t value)
{
    outb(DEBUG_EXIT, value);
    for (;;)
        __asm__ volatile("cli; hlt");
}

static __attribute__((noreturn)) void fail(const char *why, uint8_t value)
{
    puts("FAIL ");
    puts(why);
    putc('\n');
    finish(value);
}

void kmain(uint32_t magic, const struct mb_info *info)
{
    if (magic != MB_BOOT_MAGIC)
        fail("EAX is not the Multiboot magic", FAIL_MAGIC);
    puts("magic ");
    put_hex(magic);
    puts(" flags ");
    put_hex(info->flags);
    putc('\n');
    if ((info->flags & INFO_NEEDED) != INFO_NEEDED)
        fail("info flags lack mem, cmdline, mods, mmap or loader", FAIL_FLAGS);
    puts("loader ");
    puts((const char *)info->boot_loader_name);
    puts("\ncmdline ");
    puts((const char *)info->cmdline);
    puts("\nmem ");
    put_dec(info->mem_lower);
    putc(' ');
    put_dec(info->mem_upper);
    putc('\n');

    uint32_t usable_kib = 0;
    for (uint32_t p = info->mmap_addr; p < info->mmap_addr + info->mmap_length;) {
        const struct mb_mmap *e = (const struct mb_mmap *)p;
        puts("mmap ");
        put_hex((uint32_t)e->base);
        putc(' ');
        put_hex((uint32_t)e->length);
        putc(' ');
        put_dec(e->type);
        putc('\n');
        if (e->type == MMAP_RAM)
            usable_kib += (uint32_t)(e->length >> 10);
        p += e->size + sizeof(e->size); /* size does not count itself */
    }
    if (usable_kib != info->mem_lower + info->mem_upper)
        fail("usable RAM in the map is not mem_lower + mem_upper", FAIL_RAM);

    if (info->mods_count == 0)
        fail("no module", FAIL_NO_MODULE);
    const struct mb_module *m = (const struct mb_module *)info->mods_addr;
    for (uint32_t i = 0; i < info->mods_count; i++, m++) {
        puts("module ");
        put_dec(i);
        putc(' ');
        put_dec(m->mod_end - m->mod_start);
        if (m->mod_start & PAGE_MASK) {
            putc('\n');
            fail("module not page-aligned", FAIL_ALIGN);
        }
        puts(" aligned ");
        puts((const char *)m->string);
        puts("\ndata ");
        for (const char *c = (const char *)m->mod_start;
             c < (const char *)m->mod_end && *c != '\n'; c++)
            putc(*c);
        putc('\n');
    }
    puts("all checks passed\n");
    finish(0);
}
