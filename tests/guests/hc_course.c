/* hc_course.c - a course assignment's guest, written the way students of
 * kvm-hello-world courses write theirs: ports of its own choosing, its
 * own inline port I/O, no simple-kvm header. simple-kvm runs it through
 * a port map (tests/guests/course.ports, or the same entries as --port
 * flags; tests/run/test_course.c):
 *
 *   0xE9 OUT putchar (32-bit OUT: the low byte)   0xE9 IN exit_count
 *   0xEA print_u32    0xEB print_str   0xEC exit_stats (OUT pointer)
 *   0xED exit_stats_ptr (IN)           0xEE gva_to_hva (OUT, then IN)
 *   0xEF timestamp    0x10 OUT / 0x11 IN translate     0x45 exit
 *
 * The grading section prints 2048 and 4294967295, exit counts before and
 * after a string, the exit stats twice (into its own buffer, then from
 * the host's page), translations of a mapped and an unmapped address
 * (translate and gva_to_hva) and whether the timestamp behaves; the run
 * test asserts all of stdout. Built -O2 -ffreestanding -fno-pic, no SSE.
 */
#define PORT_CONSOLE    0xE9
#define PORT_PRINT_U32  0xEA
#define PORT_PRINT_STR  0xEB
#define PORT_STATS      0xEC
#define PORT_STATS_PTR  0xED
#define PORT_GVA2HVA    0xEE
#define PORT_TIMESTAMP  0xEF
#define PORT_XLATE_OUT  0x10
#define PORT_XLATE_IN   0x11
#define PORT_EXIT       0x45

static inline void outl(unsigned short port, unsigned int value)
{
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

static inline unsigned int inl(unsigned short port)
{
    unsigned int value;

    __asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(port) : "memory");
    return value;
}

static void putchar32(char c)
{
    outl(PORT_CONSOLE, (unsigned char)c);
}

static void print_str(const char *s)
{
    outl(PORT_PRINT_STR, (unsigned int)(unsigned long)s);
}

static unsigned int exits(void)
{
    return inl(PORT_CONSOLE);
}

static char stats[64];

void __attribute__((noreturn, section(".start"))) _start(void)
{
    unsigned int before, after, t1, t2;

    putchar32('g');
    putchar32('\n');
    outl(PORT_PRINT_U32, 2048);
    outl(PORT_PRINT_U32, 4294967295u);

    before = exits();
    print_str("Hello from the course guest\n");
    after = exits();
    outl(PORT_PRINT_U32, before);
    outl(PORT_PRINT_U32, after);

    outl(PORT_STATS, (unsigned int)(unsigned long)stats);
    print_str(stats);
    print_str((const char *)(unsigned long)inl(PORT_STATS_PTR));

    outl(PORT_XLATE_OUT, 0x400);
    outl(PORT_PRINT_U32, inl(PORT_XLATE_IN));
    outl(PORT_XLATE_OUT, 0x80000000u);
    outl(PORT_PRINT_U32, inl(PORT_XLATE_IN));
    outl(PORT_GVA2HVA, 0x400);
    outl(PORT_PRINT_U32, inl(PORT_GVA2HVA));
    outl(PORT_GVA2HVA, 0x80000000u);
    outl(PORT_PRINT_U32, inl(PORT_GVA2HVA));

    t1 = inl(PORT_TIMESTAMP);
    t2 = inl(PORT_TIMESTAMP);
    /* Microseconds since the run started: small, and never backwards. */
    print_str(t2 >= t1 && t1 < 60000000u ? "timestamp ok\n"
                                         : "timestamp wrong\n");
    outl(PORT_EXIT, 0);
    for (;;)
        __asm__ volatile("hlt");
}
