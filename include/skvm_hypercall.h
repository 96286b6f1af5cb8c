/* skvm_hypercall.h - simple-kvm's hypercall ABI for freestanding C guests.
 *
 * Every call is 32-bit port I/O (see docs/hypercalls.md). Pointers are
 * 32-bit linear addresses: the host translates them through the guest's
 * current paging, so pass the address the guest itself uses. Works in
 * 32- and 64-bit code (compile with -ffreestanding -fno-pic).
 *
 * This file is self-contained: copy it into your guest. In simple-kvm's
 * tree its numbers, directions and sizes are held to the one definition,
 * meson.build's `hypercalls` table, by scripts/build/check-hypercall-abi
 * (meson test hypercall-abi) and at compile time (src/core/hypercall.c).
 *
 * Define SKVM_HYPERCALL_PORTS_ONLY to get just the numbers (the host does).
 */
#ifndef SKVM_HYPERCALL_H
#define SKVM_HYPERCALL_H

#define SKVM_HC_PORT_PUTCHAR    0xE9  /* OUT 8: one byte to stdout */
#define SKVM_HC_PORT_EXIT       0x500 /* OUT 32: status, 0 = pass */
#define SKVM_HC_PORT_PRINT_U32  0x501 /* OUT 32: value, printed in decimal */
#define SKVM_HC_PORT_PRINT_STR  0x502 /* OUT 32: NUL-terminated string */
#define SKVM_HC_PORT_EXIT_COUNT 0x503 /* IN 32: VM exits so far */
#define SKVM_HC_PORT_EXIT_STATS 0x504 /* OUT 32: 64-byte buffer to fill */
#define SKVM_HC_PORT_TRANSLATE  0x505 /* OUT 32 linear, IN 32 physical */
/* Course calls (docs/hypercalls.md). A port map (--port, --ports) can
 * put any call on other ports, at any access width: skvm_out32_on() and
 * skvm_in32_on() below take the port. */
#define SKVM_HC_PORT_CONSOLE_DETECT 0xE9 /* IN 8: reads 0xE9 (debug console) */
#define SKVM_HC_PORT_EXIT_STATS_PTR 0x506 /* IN 32: pointer to the counts */
#define SKVM_HC_PORT_GVA_TO_HVA 0x507 /* OUT 32 linear, IN 32 host address */
#define SKVM_HC_PORT_TIMESTAMP  0x508 /* IN 32: microseconds since start */
/* The --boot BIOS's own call (README, "Boot sectors"), not for guests. */
#define SKVM_HC_PORT_BIOS       0x509 /* OUT 32: BIOS frame (--boot only) */

#define SKVM_HC_STR_MAX       4096       /* bytes before the NUL, at most */
#define SKVM_HC_STATS_SIZE    64         /* bytes exit_stats writes */
#define SKVM_HC_UNMAPPED      0xFFFFFFFFu /* translate: no RAM there */

#ifndef SKVM_HYPERCALL_PORTS_ONLY

typedef unsigned int skvm_u32; /* 32 bits on i386 and x86-64 */

static inline void skvm_out32(unsigned short port, skvm_u32 value)
{
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

static inline skvm_u32 skvm_in32(unsigned short port)
{
    skvm_u32 value;

    __asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(port) : "memory");
    return value;
}

/* A guest pointer as the 32-bit linear address the ABI carries. Only
 * addresses below 4 GiB can be passed. */
static inline skvm_u32 skvm_ptr(const volatile void *p)
{
    return (skvm_u32)(unsigned long)p;
}

static inline void skvm_putchar(char c)
{
    __asm__ volatile("outb %0, %1"
                     :
                     : "a"(c), "Nd"((unsigned short)SKVM_HC_PORT_PUTCHAR));
}

/* Ends the run: status 0 passes, anything else is reported as failure. */
static inline __attribute__((noreturn)) void skvm_exit(skvm_u32 status)
{
    skvm_out32(SKVM_HC_PORT_EXIT, status);
    for (;;) /* the host never resumes us; halt if it ever did */
        __asm__ volatile("hlt");
}

static inline void skvm_print_u32(skvm_u32 value)
{
    skvm_out32(SKVM_HC_PORT_PRINT_U32, value);
}

static inline void skvm_print_str(const char *s)
{
    skvm_out32(SKVM_HC_PORT_PRINT_STR, skvm_ptr(s));
}

static inline skvm_u32 skvm_exit_count(void)
{
    return skvm_in32(SKVM_HC_PORT_EXIT_COUNT);
}

/* Fills buf with "IO in: X\nIO out: Y\n" and a NUL. */
static inline void skvm_exit_stats(char buf[SKVM_HC_STATS_SIZE])
{
    skvm_out32(SKVM_HC_PORT_EXIT_STATS, skvm_ptr(buf));
}

/* Guest-physical address of a linear address, or SKVM_HC_UNMAPPED. */
static inline skvm_u32 skvm_translate(skvm_u32 linear)
{
    skvm_out32(SKVM_HC_PORT_TRANSLATE, linear);
    return skvm_in32(SKVM_HC_PORT_TRANSLATE);
}

/* Nonzero when the debug console answers on port 0xE9 (it reads 0xE9). */
static inline int skvm_console_detect(void)
{
    unsigned char v;

    __asm__ volatile("inb %1, %0"
                     : "=a"(v)
                     : "Nd"((unsigned short)SKVM_HC_PORT_CONSOLE_DETECT));
    return v == 0xE9;
}

/* A NUL-terminated "IO in: X\nIO out: Y\n" the host wrote into a page of
 * its own (the loader's paging maps it; a guest with its own page tables
 * must map it at the same linear address). */
static inline const char *skvm_exit_stats_ptr(void)
{
    return (const char *)(unsigned long)skvm_in32(SKVM_HC_PORT_EXIT_STATS_PTR);
}

/* The low 32 bits of a host address for a linear address (a stand-in
 * unless the host runs with --reveal-hva); 0 and "Invalid GVA" on the
 * console when it maps no RAM. */
static inline skvm_u32 skvm_gva_to_hva(skvm_u32 linear)
{
    skvm_out32(SKVM_HC_PORT_GVA_TO_HVA, linear);
    return skvm_in32(SKVM_HC_PORT_GVA_TO_HVA);
}

/* Microseconds since the run started (CLOCK_MONOTONIC), low 32 bits. */
static inline skvm_u32 skvm_timestamp(void)
{
    return skvm_in32(SKVM_HC_PORT_TIMESTAMP);
}

/* The --boot BIOS's service call: the linear address of the frame its
 * handler pushed (core/bios.h); a guest of its own has no use for it. */
static inline void skvm_bios(skvm_u32 frame)
{
    skvm_out32(SKVM_HC_PORT_BIOS, frame);
}

/* Any call on a port a map binds to it: skvm_out32_on(0xEA, v) and so on. */
static inline void skvm_out32_on(unsigned short port, skvm_u32 value)
{
    skvm_out32(port, value);
}

static inline skvm_u32 skvm_in32_on(unsigned short port)
{
    return skvm_in32(port);
}

#endif /* SKVM_HYPERCALL_PORTS_ONLY */
#endif
