/* course_guest.c - a guest as operating-systems courses write them for
 * kvm-hello-world: its own helpers, its own port numbers, no simple-kvm
 * header.
 *
 * Built exactly as kvm-hello-world's Makefile builds guests
 * (guests/meson.build: -O2 -m32/-m64 -ffreestanding -fno-pic, then ld
 * with course_guest.ld). Its ports are the course's, not simple-kvm's:
 *   0xE9 OUT 8   one character
 *   0xEA OUT 32  a value, printed in decimal
 *   0xEB IN 32   VM exits so far
 *   0xEC OUT 32  the address of a NUL-terminated string, printed
 * simple-kvm runs it unchanged once --port binds 0xEA-0xEC to print_u32,
 * exit_count and print_str. It ends kvm-hello-world's way: 42 at 0x400,
 * halt with (E/R)AX = 42. Expected stdout:
 *   Hello, world!\n42\nHello from a string\n2\n
 */
#include <stddef.h>
#include <stdint.h>

#define PORT_CHAR 0xE9
#define PORT_VALUE 0xEA
#define PORT_EXITS 0xEB
#define PORT_STRING 0xEC

static void outb(uint16_t port, uint8_t value)
{
	asm("outb %0,%1" : /* empty */ : "a"(value), "Nd"(port) : "memory");
}

static void outl(uint16_t port, uint32_t value)
{
	asm("outl %0,%1" : /* empty */ : "a"(value), "Nd"(port) : "memory");
}

static uint32_t inl(uint16_t port)
{
	uint32_t value;

	asm volatile("inl %1,%0" : "=a"(value) : "Nd"(port) : "memory");
	return value;
}

static void print_value(uint32_t value)
{
	outl(PORT_VALUE, value);
}

static uint32_t exits(void)
{
	return inl(PORT_EXITS);
}

static void display(const char *s)
{
	outl(PORT_STRING, (uint32_t)(uintptr_t)s);
}

void
__attribute__((noreturn))
__attribute__((section(".start")))
_start(void)
{
	const char *p;
	long *result = (long *)0x400;
	uint32_t before, after;

	for (p = "Hello, world!\n"; *p; ++p)
		outb(PORT_CHAR, *p);
	print_value(42);
	before = exits();
	display("Hello from a string\n");
	after = exits();
	print_value(after - before); /* 2: the string's OUT and this IN */

	/* GCC 12 warns (-Warray-bounds) on a store through a constant
	 * address below 4 KiB; an empty asm hides the constant. */
	asm("" : "+r"(result));
	*result = 42;

	for (;;)
		asm("hlt" : /* empty */ : "a"(42) : "memory");
}
