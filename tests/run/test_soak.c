/* test_soak.c - hostile guests made of random bytes, many seeds per mode.
 *
 * Two generators, like syzkaller's random guest code: raw random
 * instruction bytes, and a long stream of port I/O instructions with
 * random ports (mostly simple-kvm's own), values and pointers. Whatever
 * the guest does, the host must end with a documented exit code within
 * its timeout: never a crash, never a hang. The ASan/UBSan build runs the
 * same tests, so a host access outside guest memory fails them too.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

#define SEEDS 24
#define IO_OPS 100000
/* Real mode runs 64 KiB of code at most (IP wraps): a stream that fits
 * there, below the loader's exception handlers at 0xF4000. */
#define IO_OPS_REAL 5000
#define RANDOM_BYTES 4096
#define LOAD_ADDR "0x100000" /* above the loader's tables */

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Ports the guest is likeliest to reach: console, hypercalls, an
 * unknown port, and the devices (README, "Devices": COM1's data and LSR,
 * fw_cfg's data, the CRTC's data; not isa-debug-exit, which would end
 * every stream at once). */
static const uint16_t ports[] = {0xE9,  0x500, 0x501, 0x502, 0x503, 0x504,
                                 0x505, 0x80,  0x3F8, 0x3FD, 0x511, 0x3D5};

/* mov dx, port; mov eax, value; out dx, al|eax or in al|eax, dx.
 * 16-bit code needs the 0x66 prefix for 32-bit operands; 32/64-bit code
 * needs it for the 16-bit DX immediate. */
static size_t emit_io(uint8_t *p, unsigned bits, uint64_t *rng)
{
    uint64_t r = xorshift(rng);
    uint16_t port = (r & 7) ? ports[(r >> 3) % (sizeof(ports) / 2)]
                            : (uint16_t)(r >> 8);
    uint32_t value = (uint32_t)xorshift(rng);
    size_t n = 0;

    if (bits != 16)
        p[n++] = 0x66;
    p[n++] = 0xBA; /* mov dx, imm16 */
    p[n++] = (uint8_t)port;
    p[n++] = (uint8_t)(port >> 8);
    if (bits == 16)
        p[n++] = 0x66;
    p[n++] = 0xB8; /* mov eax, imm32 */
    memcpy(p + n, &value, 4);
    n += 4;
    if (bits == 16 && (r & 0x100))
        p[n++] = 0x66; /* 32-bit port access */
    p[n++] = (uint8_t)((r & 0x200) ? 0xEC + ((r >> 10) & 1)   /* in */
                                   : 0xEE + ((r >> 10) & 1)); /* out */
    return n;
}

static void write_image(const char *path, const uint8_t *img, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f && fwrite(img, 1, len, f) == len);
    fclose(f);
}

static void assert_documented(const struct skvm_result *r, const char *mode,
                              uint64_t seed, const char *kind)
{
    skip_if_host_cannot(r, mode);
    /* Exit 3 only for the host limits a random guest can meet: kvm-pvm
     * cannot deliver int N in protected and long mode (kvm/run.c), and
     * its emulator has no x87/MMX/SSE/AVX (diag/crash.h). */
    cr_assert(r->code == 0 || r->code == 1 || r->code == 4 || r->code == 124 ||
                  (r->code == 3 &&
                   (strstr(r->err, "this host's KVM cannot deliver software "
                                   "interrupts") ||
                    strstr(r->err, "this host's KVM cannot emulate "))),
              "%s seed %llu: exit %d is not a documented guest outcome: %s",
              kind, (unsigned long long)seed, r->code, r->err);
    cr_assert_eq(count_lines(skip_crash_report(r->err)), r->code ? 1 : 0,
                 "%s seed %llu: one stderr line: %s", kind,
                 (unsigned long long)seed, r->err);
}

static unsigned bits_for(const char *mode)
{
    return (unsigned)atoi(mode_bits(mode));
}

static void soak_io(const char *mode)
{
    unsigned bits = bits_for(mode);
    size_t cap = (size_t)IO_OPS * 12 + 1;
    uint8_t *img = malloc(cap);
    char path[] = "/tmp/skvm-soak-XXXXXX";
    char flag[32];
    int fd = mkstemp(path);

    cr_assert(img && fd >= 0);
    close(fd);
    snprintf(flag, sizeof(flag), "--%s", mode);
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        uint64_t rng = seed * 0x9E3779B97F4A7C15ull;
        size_t n = 0;
        struct skvm_result r;

        for (unsigned i = 0; i < (bits == 16 ? IO_OPS_REAL : IO_OPS); i++)
            n += emit_io(img + n, bits, &rng);
        img[n++] = 0xF4; /* hlt */
        write_image(path, img, n);
        /* Real mode reaches 1 MiB only: load low, below the 64 KiB IP. */
        RUN(&r, flag, "--mem", "4M", "--timeout", "2", "--load",
            bits == 16 ? "0x1000" : LOAD_ADDR, path);
        assert_documented(&r, mode, seed, "port I/O stream");
        if (bits == 16)
            break; /* 16-bit IP wraps past 64 KiB: one stream is enough */
    }
    unlink(path);
    free(img);
}

static void soak_bytes(const char *mode)
{
    uint8_t img[RANDOM_BYTES];
    char path[] = "/tmp/skvm-soak-XXXXXX";
    char flag[32];
    int fd = mkstemp(path);

    cr_assert(fd >= 0);
    close(fd);
    snprintf(flag, sizeof(flag), "--%s", mode);
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        uint64_t rng = seed * 0xD1B54A32D192ED03ull;
        struct skvm_result r;

        for (size_t i = 0; i < sizeof(img); i += 8) {
            uint64_t v = xorshift(&rng);
            memcpy(img + i, &v, 8);
        }
        write_image(path, img, sizeof(img));
        RUN(&r, flag, "--timeout", "0.5", path);
        assert_documented(&r, mode, seed, "random bytes");
    }
    unlink(path);
}

#define MODE_SOAK_TESTS(mode)                                                  \
    Test(mode##_soak, random_port_io, .timeout = 300) { soak_io(#mode); }      \
    Test(mode##_soak, random_instruction_bytes, .timeout = 300)                \
    {                                                                          \
        soak_bytes(#mode);                                                     \
    }

MODE_SOAK_TESTS(long)
MODE_SOAK_TESTS(protected)
MODE_SOAK_TESTS(paged32)
MODE_SOAK_TESTS(real)
MODE_SOAK_TESTS(pae)
MODE_SOAK_TESTS(compat)
MODE_SOAK_TESTS(la57)
