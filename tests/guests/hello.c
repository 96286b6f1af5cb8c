/* hello.c - a kvm-hello-world-style guest in freestanding C.
 *
 * Built for 32- and 64-bit (tests/meson.build) into a flat image by
 * flat.ld, exactly as course code does: print on port 0xE9, store 42 at
 * 0x400, halt with (E/R)AX = 42. Runs with --expect-rax 42
 * --expect-mem 0x400=42, unchanged.
 */
static inline void outb(unsigned short port, unsigned char value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

void __attribute__((noreturn, section(".start"))) _start(void)
{
    const char *p;

    for (p = "Hello, world!\n"; *p; ++p)
        outb(0xE9, (unsigned char)*p);
    *(volatile long *)0x400 = 42;
    for (;;)
        __asm__ volatile("hlt" : /* empty */ : "a"(42) : "memory");
}
