/* sse_c.c - a freestanding C guest built with gcc -O2 -msse2, as course
 * code is: the vectoriser turns the loops into SSE2 (MOVDQA, PADDD on
 * 16-byte aligned arrays), the struct copy into MOVDQA/MOVUPS and the
 * double arithmetic into SSE2 scalar code (-mfpmath=sse, also in 32-bit).
 * It runs only where the mode starts with SSE on (CR4.OSFXSR, the
 * default); with --no-sse its first SSE instruction raises #UD.
 *
 * Prints "SSE from C: sum 24384, mean*8 1524, copy ok" and exits 0; each
 * wrong result exits with its own status. Built for 32- and 64-bit
 * (tests/guests/meson.build, `c_guests` with its own flags).
 */
#include "skvm_hypercall.h"

#define N 128

static int values[N] __attribute__((aligned(16)));

struct block {
    int w[8];
};
static struct block src_block __attribute__((aligned(16))) = {
    {1, 2, 3, 4, 5, 6, 7, 8}};
static struct block dst_block __attribute__((aligned(16)));

/* Inputs the compiler cannot fold. */
static volatile double scale = 0.25;
static volatile int count = N;

static char line[96];
static unsigned pos;

static void put_str(const char *s)
{
    while (*s && pos < sizeof(line) - 1)
        line[pos++] = *s++;
}

static void put_u32(skvm_u32 v)
{
    char digits[10];
    unsigned n = 0;

    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n && pos < sizeof(line) - 1)
        line[pos++] = digits[--n];
}

static __attribute__((noinline)) int sum(const int *v)
{
    int s = 0;

    for (int i = 0; i < N; i++)
        s += v[i];
    return s;
}

/* force_align_arg_pointer: the loader starts the guest with RSP/ESP
 * 16-byte aligned, not as a call would leave it. */
void __attribute__((noreturn, section(".start"), force_align_arg_pointer))
_start(void)
{
    for (int i = 0; i < N; i++)
        values[i] = 3 * i;
    int s = sum(values); /* 3 * (0 + ... + 127) = 24384 */
    double mean = (double)s / count * scale * 32.0; /* 190.5 * 8 = 1524 */

    dst_block = src_block;
    if (s != 24384)
        skvm_exit(2);
    if (mean != 1524.0)
        skvm_exit(3);
    for (int i = 0; i < 8; i++)
        if (dst_block.w[i] != i + 1)
            skvm_exit(4);
    put_str("SSE from C: sum ");
    put_u32((skvm_u32)s);
    put_str(", mean*8 ");
    put_u32((skvm_u32)mean);
    put_str(", copy ok\n");
    skvm_print_str(line);
    skvm_exit(0);
}
