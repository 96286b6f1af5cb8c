/* test_hypercall.c - hypercall_dispatch() on a synthetic kvm_run.
 *
 * No /dev/kvm: a byte buffer the size of the run mapping stands in for
 * the kvm_run page (data at one page in, as KVM puts it), a plain buffer
 * for guest RAM and a hand-made kvm_sregs for the paging state. Output
 * goes to a temporary file that the tests read back.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/hypercall.h"
#include "core/layout.h"
#include "core/x86.h"

#define RUN_SIZE   8192  /* two pages, like KVM_GET_VCPU_MMAP_SIZE here */
#define DATA_OFF   4096  /* KVM_PIO_PAGE_OFFSET: I/O data one page in */
#define MEM_SIZE   (UINT64_C(2) << 20)
#define FUZZ_ROUNDS 200000

static _Alignas(8) uint8_t run_buf[RUN_SIZE];
static struct kvm_run *run = (struct kvm_run *)run_buf;
static struct guestmem mem;
static struct kvm_sregs sregs;
static struct hc_ctx ctx;
static struct skvm_err err;
static FILE *out;

static void setup(void)
{
    mem.size = MEM_SIZE;
    mem.host = calloc(1, MEM_SIZE);
    cr_assert(mem.host);
    out = tmpfile();
    cr_assert(out);
    memset(run_buf, 0, sizeof(run_buf));
    memset(&sregs, 0, sizeof(sregs));
    sregs.cr0 = X86_CR0_PE; /* flat protected mode: no paging */
    memset(&err, 0, sizeof(err));
    hypercall_init(&ctx, &mem, fileno(out));
}

static void teardown(void)
{
    free(mem.host);
    fclose(out);
}

TestSuite(hypercall, .init = setup, .fini = teardown);

static void io(uint16_t port, uint8_t dir, uint8_t size, uint32_t count)
{
    run->exit_reason = KVM_EXIT_IO;
    run->io.port = port;
    run->io.direction = dir;
    run->io.size = size;
    run->io.count = count;
    run->io.data_offset = DATA_OFF;
}

static int out32(uint16_t port, uint32_t value)
{
    io(port, KVM_EXIT_IO_OUT, 4, 1);
    memcpy(run_buf + DATA_OFF, &value, sizeof(value));
    return hypercall_dispatch(&ctx, run, RUN_SIZE, &sregs, &err);
}

static int in32(uint16_t port, uint32_t *value)
{
    io(port, KVM_EXIT_IO_IN, 4, 1);
    memset(run_buf + DATA_OFF, 0xEE, 4);
    int rc = hypercall_dispatch(&ctx, run, RUN_SIZE, NULL, &err);
    memcpy(value, run_buf + DATA_OFF, sizeof(*value));
    return rc;
}

static const char *output(void)
{
    static char buf[8192];
    size_t n;

    fflush(out);
    rewind(out);
    n = fread(buf, 1, sizeof(buf) - 1, out);
    buf[n] = '\0';
    return buf;
}

static void fault(const char *text)
{
    cr_assert_eq(err.status, SKVM_GUEST_FAULT, "status %d", err.status);
    cr_assert(strstr(err.msg, text), "'%s' in: %s", text, err.msg);
}

Test(hypercall, putchar_single_and_string)
{
    io(LAYOUT_PORT_CONSOLE, KVM_EXIT_IO_OUT, 1, 1);
    run_buf[DATA_OFF] = 'h';
    cr_assert_eq(hypercall_dispatch(&ctx, run, RUN_SIZE, NULL, &err),
                 HC_CONTINUE);
    io(LAYOUT_PORT_CONSOLE, KVM_EXIT_IO_OUT, 1, 3); /* rep outsb */
    memcpy(run_buf + DATA_OFF, "i!\n", 3);
    cr_assert_eq(hypercall_dispatch(&ctx, run, RUN_SIZE, NULL, &err),
                 HC_CONTINUE);
    cr_assert_str_eq(output(), "hi!\n");
}

Test(hypercall, print_u32)
{
    cr_assert_eq(out32(LAYOUT_PORT_HC_PRINT_U32, 0), HC_CONTINUE);
    cr_assert_eq(out32(LAYOUT_PORT_HC_PRINT_U32, 4294967295u), HC_CONTINUE);
    cr_assert_str_eq(output(), "0\n4294967295\n");
}

Test(hypercall, print_str_flat_and_paged)
{
    memcpy(mem.host + 0x1000, "flat\n", 6);
    cr_assert_eq(out32(LAYOUT_PORT_HC_PRINT_STR, 0x1000), HC_CONTINUE);
    /* 32-bit paging: 0xC0000000 is a 4 MiB page at physical 0. */
    uint32_t pde = X86_PTE_P | X86_PTE_PS;
    memcpy(mem.host + 0x2000 + 768 * 4, &pde, sizeof(pde));
    sregs.cr0 = X86_CR0_PAGED;
    sregs.cr3 = 0x2000;
    sregs.cr4 = X86_CR4_PSE;
    cr_assert_eq(out32(LAYOUT_PORT_HC_PRINT_STR, 0xC0001000), HC_CONTINUE);
    cr_assert_str_eq(output(), "flat\nflat\n");
    cr_assert_eq(out32(LAYOUT_PORT_HC_PRINT_STR, 0x1000), -1);
    fault("hypercall print_str (port 0x502, 32-bit OUT 0x1000): address "
          "0x1000 is not mapped (page not present)");
}

Test(hypercall, print_str_faults)
{
    cr_assert_eq(out32(LAYOUT_PORT_HC_PRINT_STR, 0x40000000), -1);
    fault("address 0x40000000 is outside guest RAM");
    memset(mem.host + MEM_SIZE - 8, 'A', 8);
    cr_assert_eq(out32(LAYOUT_PORT_HC_PRINT_STR, MEM_SIZE - 8), -1);
    fault("unterminated string: no NUL before 0x200000, which is outside "
          "guest RAM");
    memset(mem.host, 'B', 8192);
    cr_assert_eq(out32(LAYOUT_PORT_HC_PRINT_STR, 0), -1);
    fault("unterminated string (no NUL in 4097 bytes)");
    cr_assert_str_empty(output(), "nothing printed on a fault");
}

Test(hypercall, exit_count_and_stats)
{
    uint32_t v;
    char text[HC_STATS_SIZE];

    ctx.exits = 7;
    cr_assert_eq(in32(LAYOUT_PORT_HC_EXIT_COUNT, &v), HC_CONTINUE);
    cr_assert_eq(v, 7);
    ctx.exits = UINT64_C(1) << 40; /* saturates, never wraps to small */
    cr_assert_eq(in32(LAYOUT_PORT_HC_EXIT_COUNT, &v), HC_CONTINUE);
    cr_assert_eq(v, UINT32_MAX);
    cr_assert_eq(out32(LAYOUT_PORT_HC_PRINT_U32, 1), HC_CONTINUE);
    memset(mem.host + 0x3000, 0xAA, sizeof(text) + 1);
    cr_assert_eq(out32(LAYOUT_PORT_HC_EXIT_STATS, 0x3000), HC_CONTINUE);
    memcpy(text, mem.host + 0x3000, sizeof(text));
    cr_assert_str_eq(text, "IO in: 2\nIO out: 2\n");
    cr_assert_eq(text[sizeof(text) - 1], 0, "the whole buffer is written");
    cr_assert_eq(mem.host[0x3000 + sizeof(text)], 0xAA, "and no more");
}

Test(hypercall, exit_stats_faults)
{
    cr_assert_eq(out32(LAYOUT_PORT_HC_EXIT_STATS, 0xFFFFFFF0), -1);
    fault("hypercall exit_stats (port 0x504, 32-bit OUT 0xfffffff0): the "
          "range at 0xfffffff0 wraps past 4 GiB");
    mem.host[MEM_SIZE - 32] = 0x77;
    cr_assert_eq(out32(LAYOUT_PORT_HC_EXIT_STATS, MEM_SIZE - 32), -1);
    fault("address 0x200000 is outside guest RAM");
    cr_assert_eq(mem.host[MEM_SIZE - 32], 0x77, "nothing written");
}

Test(hypercall, translate)
{
    uint32_t v;

    cr_assert_eq(in32(LAYOUT_PORT_HC_TRANSLATE, &v), -1);
    fault("hypercall translate (port 0x505, 32-bit IN): IN without a "
          "preceding OUT");
    cr_assert_eq(out32(LAYOUT_PORT_HC_TRANSLATE, 0x1234), HC_CONTINUE);
    cr_assert_eq(in32(LAYOUT_PORT_HC_TRANSLATE, &v), HC_CONTINUE);
    cr_assert_eq(v, 0x1234);
    cr_assert_eq(out32(LAYOUT_PORT_HC_TRANSLATE, MEM_SIZE), HC_CONTINUE);
    cr_assert_eq(in32(LAYOUT_PORT_HC_TRANSLATE, &v), HC_CONTINUE);
    cr_assert_eq(v, HC_UNMAPPED, "beyond RAM is unmapped without paging");
    cr_assert_eq(in32(LAYOUT_PORT_HC_TRANSLATE, &v), -1, "one IN per OUT");
}

/* RAM above 4 GiB has no 32-bit answer: 0xFFFFFFFF, not a truncation. */
Test(hypercall, translate_above_4g)
{
    uint64_t size = LAYOUT_LOW_RAM_END + MEM_SIZE;
    uint8_t *big = mmap(NULL, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    struct guestmem bigmem = {.host = big, .size = size};
    uint64_t pml4e = 0x2000 | X86_PTE_P;
    uint64_t pdpte = LAYOUT_HIGH_RAM_BASE | X86_PTE_P | X86_PTE_PS;
    uint32_t v;

    cr_assert(big != MAP_FAILED);
    cr_assert(guestmem_write(&bigmem, 0x1000, &pml4e, 8) == 0);
    cr_assert(guestmem_write(&bigmem, 0x2000, &pdpte, 8) == 0);
    ctx.mem = &bigmem;
    sregs.cr0 = X86_CR0_PAGED;
    sregs.cr3 = 0x1000;
    sregs.cr4 = X86_CR4_PAE;
    sregs.efer = X86_EFER_LME | X86_EFER_LMA;
    cr_assert_eq(out32(LAYOUT_PORT_HC_TRANSLATE, 0x10), HC_CONTINUE);
    cr_assert_eq(in32(LAYOUT_PORT_HC_TRANSLATE, &v), HC_CONTINUE);
    cr_assert_eq(v, HC_UNMAPPED);
    munmap(big, size);
}

Test(hypercall, exit_status)
{
    cr_assert_eq(out32(LAYOUT_PORT_HC_EXIT, 0), HC_EXITED);
    cr_assert_eq(hypercall_exit_result(&ctx, &err), 0);
    cr_assert_eq(out32(LAYOUT_PORT_HC_EXIT, 9), HC_EXITED);
    cr_assert_eq(hypercall_exit_result(&ctx, &err), -1);
    cr_assert_eq(err.status, SKVM_CHECK_FAILED);
    cr_assert_str_eq(err.msg, "guest reported failure: status 9");
}

Test(hypercall, misuse)
{
    uint32_t v;

    cr_assert_eq(in32(LAYOUT_PORT_HC_PRINT_U32, &v), -1);
    fault("hypercall print_u32 (port 0x501, 32-bit IN): print_u32 is "
          "OUT-only");
    cr_assert_eq(out32(LAYOUT_PORT_HC_EXIT_COUNT, 1), -1);
    fault("exit_count is IN-only");
    cr_assert_eq(out32(0x50F, 0x1234), -1);
    fault("guest used undefined port 0x50f (32-bit OUT), value 0x1234");
    io(LAYOUT_PORT_HC_EXIT, KVM_EXIT_IO_OUT, 2, 1);
    cr_assert_eq(hypercall_dispatch(&ctx, run, RUN_SIZE, NULL, &err), -1);
    fault("needs 32-bit port I/O");
    io(LAYOUT_PORT_CONSOLE, KVM_EXIT_IO_OUT, 4, 1);
    memcpy(run_buf + DATA_OFF, "\x78\x56\x34\x12", 4);
    cr_assert_eq(hypercall_dispatch(&ctx, run, RUN_SIZE, NULL, &err), -1);
    fault("hypercall putchar (port 0xe9, 32-bit OUT 0x12345678): needs 8-bit port "
          "I/O");
    io(LAYOUT_PORT_HC_PRINT_U32, KVM_EXIT_IO_OUT, 4, 2);
    cr_assert_eq(hypercall_dispatch(&ctx, run, RUN_SIZE, NULL, &err), -1);
    fault("string I/O (rep outs/ins, count 2) is refused");
    cr_assert_str_empty(output());
}

Test(hypercall, run_page_checked)
{
    io(LAYOUT_PORT_CONSOLE, KVM_EXIT_IO_OUT, 1, 2);
    run->io.data_offset = RUN_SIZE - 1; /* second byte past the page */
    cr_assert_eq(hypercall_dispatch(&ctx, run, RUN_SIZE, NULL, &err), -1);
    fault("data outside the kvm_run page");
    io(LAYOUT_PORT_CONSOLE, 7, 1, 1);
    cr_assert_eq(hypercall_dispatch(&ctx, run, RUN_SIZE, NULL, &err), -1);
    fault("KVM_EXIT_IO with direction 7");
    io(LAYOUT_PORT_CONSOLE, KVM_EXIT_IO_OUT, 1, 1);
    run->exit_reason = KVM_EXIT_HLT;
    cr_assert_eq(hypercall_dispatch(&ctx, run, RUN_SIZE, NULL, &err), -1);
    fault("without a KVM_EXIT_IO");
    io(LAYOUT_PORT_CONSOLE, KVM_EXIT_IO_OUT, 1, 1);
    cr_assert_eq(hypercall_dispatch(&ctx, run, sizeof(*run) - 1, NULL, &err),
                 -1);
    /* A pointer call with no sregs is refused, never guessed. */
    io(LAYOUT_PORT_HC_PRINT_STR, KVM_EXIT_IO_OUT, 4, 1);
    cr_assert(hypercall_needs_sregs(run, RUN_SIZE));
    cr_assert_eq(hypercall_dispatch(&ctx, run, RUN_SIZE, NULL, &err), -1);
    io(LAYOUT_PORT_HC_PRINT_U32, KVM_EXIT_IO_OUT, 4, 1);
    cr_assert_not(hypercall_needs_sregs(run, RUN_SIZE));
    io(LAYOUT_PORT_HC_TRANSLATE, KVM_EXIT_IO_IN, 4, 1);
    cr_assert_not(hypercall_needs_sregs(run, RUN_SIZE));
}

/* Random run pages and pointers: every outcome is a return value, and
 * ASan/UBSan (the sanitizer build) see no access outside the buffers. */
Test(hypercall, random_exits_never_crash)
{
    static const uint16_t ports[] = {
        LAYOUT_PORT_CONSOLE,        LAYOUT_PORT_HC_EXIT,
        LAYOUT_PORT_HC_PRINT_U32,   LAYOUT_PORT_HC_PRINT_STR,
        LAYOUT_PORT_HC_EXIT_COUNT,  LAYOUT_PORT_HC_EXIT_STATS,
        LAYOUT_PORT_HC_TRANSLATE,   0x50F};
    int devnull = open("/dev/null", O_WRONLY);

    cr_assert(devnull >= 0);
    ctx.out_fd = devnull;
    srand(1);
    for (unsigned i = 0; i < MEM_SIZE; i++)
        mem.host[i] = (uint8_t)rand();
    for (unsigned i = 0; i < FUZZ_ROUNDS; i++) {
        uint32_t value = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
        io(ports[(unsigned)rand() % (sizeof(ports) / sizeof(ports[0]))],
           (uint8_t)(rand() % 3), (uint8_t)(1u << (rand() % 4)),
           (uint32_t)(rand() % 4));
        run->io.data_offset = (uint64_t)(rand() % (RUN_SIZE + 16));
        if (run->io.data_offset + 4 <= RUN_SIZE)
            memcpy(run_buf + run->io.data_offset, &value, sizeof(value));
        /* Paging state: off, 32-bit or 4-level, root anywhere. */
        sregs.cr0 = (rand() % 3) ? X86_CR0_PAGED : X86_CR0_PE;
        sregs.cr4 = (uint64_t)(rand() % 2) * X86_CR4_PSE |
                    (uint64_t)(rand() % 2) * X86_CR4_PAE;
        sregs.efer = (rand() % 2) ? X86_EFER_LME | X86_EFER_LMA : 0;
        sregs.cr3 = (uint64_t)((unsigned)rand() % (MEM_SIZE + 0x4000));
        int rc = hypercall_dispatch(&ctx, run, RUN_SIZE, &sregs, &err);
        cr_assert(rc == -1 || rc == HC_CONTINUE || rc == HC_EXITED);
    }
    close(devnull);
}
