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
#include "core/portmap.h"
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

static struct portmap map;

static void use_map(const char *const *args, size_t n)
{
    portmap_init(&map);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(portmap_add_arg(&map, args[i], &err), 0, "%s: %s",
                     args[i], err.msg);
    ctx.opt.map = &map;
}

/* One exit of any width; IN answers come back zero-extended. */
static int io_any(uint16_t port, uint8_t dir, uint8_t size, uint32_t *value)
{
    io(port, dir, size, 1);
    if (dir == KVM_EXIT_IO_OUT)
        memcpy(run_buf + DATA_OFF, value, size);
    else
        memset(run_buf + DATA_OFF, 0xEE, 4);
    int rc = hypercall_dispatch(&ctx, run, RUN_SIZE,
                                hypercall_needs_sregs(&ctx, run, RUN_SIZE)
                                    ? &sregs
                                    : NULL,
                                &err);
    if (dir == KVM_EXIT_IO_IN) {
        *value = 0;
        memcpy(value, run_buf + DATA_OFF, size);
    }
    return rc;
}

/* An IN of `size` bytes that must succeed: its answer. */
static uint32_t in_ok(uint16_t port, uint8_t size)
{
    uint32_t v;

    cr_assert_eq(io_any(port, KVM_EXIT_IO_IN, size, &v), HC_CONTINUE,
                 "IN from 0x%x: %s", port, err.msg);
    return v;
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
    cr_assert(hypercall_needs_sregs(&ctx, run, RUN_SIZE));
    cr_assert_eq(hypercall_dispatch(&ctx, run, RUN_SIZE, NULL, &err), -1);
    io(LAYOUT_PORT_HC_PRINT_U32, KVM_EXIT_IO_OUT, 4, 1);
    cr_assert_not(hypercall_needs_sregs(&ctx, run, RUN_SIZE));
    io(LAYOUT_PORT_HC_TRANSLATE, KVM_EXIT_IO_IN, 4, 1);
    cr_assert_not(hypercall_needs_sregs(&ctx, run, RUN_SIZE));
}

/* Random run pages and pointers: every outcome is a return value, and
 * ASan/UBSan (the sanitizer build) see no access outside the buffers. */
Test(hypercall, random_exits_never_crash)
{
    static const uint16_t ports[] = {
        LAYOUT_PORT_CONSOLE,        LAYOUT_PORT_HC_EXIT,
        LAYOUT_PORT_HC_PRINT_U32,   LAYOUT_PORT_HC_PRINT_STR,
        LAYOUT_PORT_HC_EXIT_COUNT,  LAYOUT_PORT_HC_EXIT_STATS,
        LAYOUT_PORT_HC_TRANSLATE,   LAYOUT_PORT_HC_EXIT_STATS_PTR,
        LAYOUT_PORT_HC_GVA_TO_HVA,  LAYOUT_PORT_HC_TIMESTAMP, 0xEA, 0x50F};
    int devnull = open("/dev/null", O_WRONLY);

    cr_assert(devnull >= 0);
    ctx.out_fd = devnull;
    ctx.log_fd = devnull;
    use_map((const char *[]){"0xea=print_u32", "0xe9/in=exit_count",
                             "0x10=gva_to_hva", "0x502=exit_stats_ptr"},
            4);
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
        /* Maps and the unknown-port policy vary too. */
        ctx.opt.map = (rand() % 2) ? &map : NULL;
        ctx.opt.unknown = (enum hc_unknown)(rand() % 3);
        ctx.opt.reveal_hva = rand() % 2;
        int rc = hypercall_dispatch(&ctx, run, RUN_SIZE, &sregs, &err);
        cr_assert(rc == -1 || rc == HC_CONTINUE || rc == HC_EXITED);
    }
    close(devnull);
}

/* --- Port maps and the course calls (issue 14) --- */

/* Every call works at every width: an OUT's value is zero-extended, an
 * IN gets the low bits of the answer. */
Test(hypercall, any_width)
{
    uint32_t v = 0x12345678;

    cr_assert_eq(io_any(LAYOUT_PORT_CONSOLE, KVM_EXIT_IO_OUT, 4, &v),
                 HC_CONTINUE); /* putchar: the low byte, 'x' */
    v = 0x4241;
    cr_assert_eq(io_any(LAYOUT_PORT_CONSOLE, KVM_EXIT_IO_OUT, 2, &v),
                 HC_CONTINUE); /* 'A' */
    v = 200;
    cr_assert_eq(io_any(LAYOUT_PORT_HC_PRINT_U32, KVM_EXIT_IO_OUT, 1, &v),
                 HC_CONTINUE);
    v = 0xFFFF;
    cr_assert_eq(io_any(LAYOUT_PORT_HC_PRINT_U32, KVM_EXIT_IO_OUT, 2, &v),
                 HC_CONTINUE);
    cr_assert_str_eq(output(), "xA200\n65535\n");
    ctx.exits = 0x1234567;
    cr_assert_eq(in_ok(LAYOUT_PORT_HC_EXIT_COUNT, 2), 0x4567);
    cr_assert_eq(in_ok(LAYOUT_PORT_HC_EXIT_COUNT, 1), 0x67);
    /* rep outsw to the console: the low byte of each item. */
    io(LAYOUT_PORT_CONSOLE, KVM_EXIT_IO_OUT, 2, 3);
    memcpy(run_buf + DATA_OFF, "a\x01" "b\x02" "c\x03", 6);
    cr_assert_eq(hypercall_dispatch(&ctx, run, RUN_SIZE, NULL, &err),
                 HC_CONTINUE);
    cr_assert_str_eq(output(), "xA200\n65535\nabc");
}

/* Reading the console port answers 0xE9 (QEMU/Bochs debug console). */
Test(hypercall, console_detect)
{
    uint32_t v;

    cr_assert_eq(in_ok(LAYOUT_PORT_CONSOLE, 1), 0xE9);
    cr_assert_eq(in_ok(LAYOUT_PORT_CONSOLE, 4), 0xE9);
    /* Unless mapped: 0xE9 IN counts exits, OUT still prints. */
    use_map((const char *[]){"0xe9=exit_count"}, 1);
    ctx.exits = 7;
    cr_assert_eq(in_ok(LAYOUT_PORT_CONSOLE, 4), 7);
    v = 'z';
    cr_assert_eq(io_any(LAYOUT_PORT_CONSOLE, KVM_EXIT_IO_OUT, 1, &v),
                 HC_CONTINUE);
    cr_assert_str_eq(output(), "z");
}

/* A course guest's map: its own ports, one per direction. */
Test(hypercall, mapped_ports)
{
    uint32_t v;

    use_map((const char *[]){"0xea=print_u32", "0xeb/out=putchar",
                             "0xeb/in=exit_count", "16=translate",
                             "0x11/out=translate", "0x12/in=translate"},
            6);
    v = 2048;
    cr_assert_eq(io_any(0xEA, KVM_EXIT_IO_OUT, 4, &v), HC_CONTINUE);
    v = '!';
    cr_assert_eq(io_any(0xEB, KVM_EXIT_IO_OUT, 4, &v), HC_CONTINUE);
    ctx.exits = 3;
    cr_assert_eq(io_any(0xEB, KVM_EXIT_IO_IN, 4, &v), HC_CONTINUE);
    cr_assert_eq(v, 3);
    /* translate: OUT on one port, IN on another mapped to it. */
    v = 0x400;
    cr_assert_eq(io_any(0x11, KVM_EXIT_IO_OUT, 4, &v), HC_CONTINUE);
    cr_assert_eq(io_any(0x12, KVM_EXIT_IO_IN, 4, &v), HC_CONTINUE);
    cr_assert_eq(v, 0x400);
    v = 0x500;
    cr_assert_eq(io_any(16, KVM_EXIT_IO_OUT, 4, &v), HC_CONTINUE);
    cr_assert_eq(io_any(16, KVM_EXIT_IO_IN, 4, &v), HC_CONTINUE);
    cr_assert_eq(v, 0x500);
    cr_assert_str_eq(output(), "2048\n!");
    /* The defaults stay where the map does not override them. */
    v = 5;
    cr_assert_eq(io_any(LAYOUT_PORT_HC_PRINT_U32, KVM_EXIT_IO_OUT, 4, &v),
                 HC_CONTINUE);
    /* An IN-only binding has no OUT. */
    v = 1;
    cr_assert_eq(io_any(0x12, KVM_EXIT_IO_OUT, 4, &v), -1);
    fault("hypercall translate (port 0x12, 32-bit OUT 0x1): translate is "
          "OUT-only");
    cr_assert_str_eq(hypercall_name(&map, 0xEA, true), "print_u32");
    cr_assert_null(hypercall_name(&map, 0xEB, true)); /* putchar */
    cr_assert_str_eq(hypercall_name(&map, 0xEB, false), "exit_count");
    cr_assert_null(hypercall_name(&map, 0x12, false)); /* translate's IN */
}

Test(hypercall, exit_stats_ptr)
{
    uint32_t v;

    ctx.io_in = 4; /* 4 before, this IN makes 5 */
    ctx.io_out = 9;
    cr_assert_eq(in_ok(LAYOUT_PORT_HC_EXIT_STATS_PTR, 4), LAYOUT_HC_PAGE);
    cr_assert_str_eq((char *)mem.host + LAYOUT_HC_PAGE,
                     "IO in: 5\nIO out: 9\n");
    /* RAM too small for the page: a fault, nothing written. */
    mem.size = LAYOUT_HC_PAGE;
    cr_assert_eq(io_any(LAYOUT_PORT_HC_EXIT_STATS_PTR, KVM_EXIT_IO_IN, 4, &v),
                 -1);
    fault("the host's page at 0xfa000 is outside guest RAM");
}

Test(hypercall, gva_to_hva)
{
    uint32_t v = 0x1234;

    cr_assert_eq(io_any(LAYOUT_PORT_HC_GVA_TO_HVA, KVM_EXIT_IO_OUT, 4, &v),
                 HC_CONTINUE);
    cr_assert_eq(in_ok(LAYOUT_PORT_HC_GVA_TO_HVA, 4), LAYOUT_HC_HVA_STANDIN + 0x1234);
    /* Unmapped: "Invalid GVA" on the console, 0. */
    v = 0x80000000;
    cr_assert_eq(io_any(LAYOUT_PORT_HC_GVA_TO_HVA, KVM_EXIT_IO_OUT, 4, &v),
                 HC_CONTINUE);
    cr_assert_eq(in_ok(LAYOUT_PORT_HC_GVA_TO_HVA, 4), 0);
    cr_assert_str_eq(output(), "Invalid GVA\n");
    /* An IN with no OUT before it is a fault, as for translate. */
    cr_assert_eq(io_any(LAYOUT_PORT_HC_GVA_TO_HVA, KVM_EXIT_IO_IN, 4, &v), -1);
    fault("IN without a preceding OUT");
    /* --reveal-hva: the real host address, low 32 bits. */
    ctx.opt.reveal_hva = true;
    v = 0x2000;
    cr_assert_eq(io_any(LAYOUT_PORT_HC_GVA_TO_HVA, KVM_EXIT_IO_OUT, 4, &v),
                 HC_CONTINUE);
    cr_assert_eq(in_ok(LAYOUT_PORT_HC_GVA_TO_HVA, 4), (uint32_t)(uintptr_t)(mem.host + 0x2000));
}

static uint64_t fake_ns;
static uint64_t fake_clock(void)
{
    return fake_ns;
}

Test(hypercall, timestamp)
{
    ctx.now_ns = fake_clock;
    ctx.start_ns = 1000000000;
    fake_ns = ctx.start_ns + 2500999; /* 2500.999 us: 2500 */
    cr_assert_eq(in_ok(LAYOUT_PORT_HC_TIMESTAMP, 4), 2500);
    fake_ns = ctx.start_ns + (UINT64_C(1) << 32) * 1000 + 7000; /* wraps */
    cr_assert_eq(in_ok(LAYOUT_PORT_HC_TIMESTAMP, 4), 7);
}

Test(hypercall, unknown_ports)
{
    uint32_t v = 0x55;

    ctx.opt.unknown = HC_UNKNOWN_IGNORE;
    cr_assert_eq(io_any(0x80, KVM_EXIT_IO_OUT, 1, &v), HC_CONTINUE);
    cr_assert_eq(io_any(0x60, KVM_EXIT_IO_IN, 2, &v), HC_CONTINUE);
    cr_assert_eq(v, 0xFFFF);
    /* A direction the map does not bind is unknown too. */
    cr_assert_eq(in_ok(LAYOUT_PORT_HC_PRINT_U32, 4), 0xFFFFFFFF);
    cr_assert_eq(ctx.unknown, 3);
    /* log: one line each, on the log fd. */
    ctx.opt.unknown = HC_UNKNOWN_LOG;
    ctx.log_fd = fileno(out);
    v = 0x55;
    cr_assert_eq(io_any(0x80, KVM_EXIT_IO_OUT, 1, &v), HC_CONTINUE);
    cr_assert_eq(io_any(0x60, KVM_EXIT_IO_IN, 1, &v), HC_CONTINUE);
    cr_assert_eq(v, 0xFF);
    cr_assert_str_eq(output(),
                     "unknown-ports: 8-bit OUT to port 0x80, value 0x55, "
                     "ignored\n"
                     "unknown-ports: 8-bit IN from port 0x60, read as all "
                     "ones\n");
}

/* --- The port map parser and builder --- */

static int parse(const char *text, struct portmap_spec *s, char *why)
{
    return portmap_parse_entry(text, strlen(text), s, why, 200);
}

Test(hypercall, portmap_parse)
{
    struct portmap_spec s;
    char why[200];

    cr_assert_eq(parse("0xEA=print_u32", &s, why), 0, "%s", why);
    cr_assert_eq(s.port, 0xEA);
    cr_assert_eq(s.dirs, PORTMAP_OUT);
    cr_assert_eq(s.call, HC_CALL_PRINT_U32);
    cr_assert_eq(parse("  69/in   exit_count ", &s, why), 0, "%s", why);
    cr_assert_eq(s.port, 69);
    cr_assert_eq(s.dirs, PORTMAP_IN);
    cr_assert_eq(parse("0x10 = translate", &s, why), 0, "%s", why);
    cr_assert_eq(s.dirs, PORTMAP_OUT | PORTMAP_IN);
    cr_assert_eq(parse("0xffff/out=gva_to_hva", &s, why), 0, "%s", why);
    cr_assert_eq(s.dirs, PORTMAP_OUT);

    static const char *const bad[][2] = {
        {"", "not PORT[/in|/out]=CALL"},
        {"0xea", "not PORT[/in|/out]=CALL"},
        {"0xea=", "no call"},
        {"=putchar", "not PORT[/in|/out]=CALL"},
        {"0x10000=putchar", "port '0x10000' is out of range (0-0xffff)"},
        {"65536=putchar", "out of range"},
        {"0x=putchar", "no port number"},
        {"0xg1=putchar", "port '0xg1' is not a number"},
        {"-1=putchar", "is not a number"},
        {"0xea/up=putchar", "direction 'up' is not in or out"},
        {"0xea/=putchar", "direction '' is not in or out"},
        {"0xea=bogus", "unknown call 'bogus' (calls: putchar, exit, "},
        {"0xea/in=putchar", "putchar has no IN direction (it is OUT-only)"},
        {"0xea/out=timestamp", "timestamp has no OUT direction"},
        {"0xea=putchar extra", "'extra' after the call"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        cr_assert_eq(parse(bad[i][0], &s, why), -1, "'%s' parsed",
                     bad[i][0]);
        cr_assert(strstr(why, bad[i][1]), "'%s': %s", bad[i][0], why);
    }
}

Test(hypercall, portmap_build)
{
    static const char file[] =
        "# a course's map\n"
        "0xea print_u32   # print a value\n"
        "\n"
        "0xeb/in exit_count\r\n"
        "0xe9/in exit_count\n";

    portmap_init(&map);
    /* The default map is the table's ports. */
    cr_assert_eq(portmap_lookup(&map, 0xE9, PORTMAP_OUT), HC_CALL_PUTCHAR);
    cr_assert_eq(portmap_lookup(&map, 0xE9, PORTMAP_IN),
                 HC_CALL_CONSOLE_DETECT);
    cr_assert_eq(portmap_lookup(&map, 0x505, PORTMAP_IN), HC_CALL_TRANSLATE);
    cr_assert_eq(portmap_lookup(&map, 0x501, PORTMAP_IN), -1);
    cr_assert_eq(portmap_lookup(NULL, 0x505, PORTMAP_IN), HC_CALL_TRANSLATE);
    cr_assert_eq(portmap_add_text(&map, file, sizeof(file) - 1, "course.map",
                                  &err),
                 0, "%s", err.msg);
    cr_assert_eq(portmap_lookup(&map, 0xEA, PORTMAP_OUT), HC_CALL_PRINT_U32);
    cr_assert_eq(portmap_lookup(&map, 0xEB, PORTMAP_IN), HC_CALL_EXIT_COUNT);
    cr_assert_eq(portmap_lookup(&map, 0xE9, PORTMAP_IN), HC_CALL_EXIT_COUNT);
    cr_assert_eq(portmap_lookup(&map, 0xE9, PORTMAP_OUT), HC_CALL_PUTCHAR);
    /* The same binding twice is fine; another call is a conflict. */
    cr_assert_eq(portmap_add_arg(&map, "0xea/out=print_u32", &err), 0);
    cr_assert_eq(portmap_add_arg(&map, "234=putchar", &err), -1);
    cr_assert_eq(err.status, SKVM_USAGE);
    cr_assert_str_eq(err.msg, "--port '234=putchar' conflicts with "
                              "'course.map' line 2: port 0xea OUT is "
                              "putchar or print_u32");
    /* Overriding a default is not a conflict. */
    cr_assert_eq(portmap_add_arg(&map, "0x500=print_u32", &err), 0);
    cr_assert_eq(portmap_lookup(&map, 0x500, PORTMAP_OUT), HC_CALL_PRINT_U32);
    /* Errors in a file name the file and line. */
    cr_assert_eq(portmap_add_text(&map, "\n\n0xea=nope\n", 11, "m", &err), -1);
    cr_assert_str_eq(err.msg, "--ports file 'm' line 3: unknown call 'nope' "
                              "(calls: putchar, exit, print_u32, print_str, "
                              "exit_count, exit_stats, translate, "
                              "console_detect, exit_stats_ptr, gva_to_hva, "
                              "timestamp, bios)");
    /* Full: a clear error, never a write past the table. */
    char arg[32];
    int rc = 0;
    for (unsigned p = 0x1000; rc == 0 && p < 0x1000 + PORTMAP_MAX; p++) {
        snprintf(arg, sizeof(arg), "%u=print_u32", p);
        rc = portmap_add_arg(&map, arg, &err);
    }
    cr_assert_eq(rc, -1);
    cr_assert(strstr(err.msg, "too many port map entries"), "%s", err.msg);
}

/* Random text through the parser and builder: only return values. */
Test(hypercall, portmap_random_text)
{
    static const char alphabet[] = "0x1aEf/inout= \t#\nputchar_stsrlgv9";
    char text[64];

    srand(2);
    for (unsigned i = 0; i < FUZZ_ROUNDS / 10; i++) {
        size_t len = (size_t)rand() % sizeof(text);
        for (size_t j = 0; j < len; j++)
            text[j] = (rand() % 16) ? alphabet[(unsigned)rand() %
                                               (sizeof(alphabet) - 1)]
                                    : (char)rand();
        portmap_init(&map);
        int rc = portmap_add_text(&map, text, len, "r", &err);
        cr_assert(rc == 0 || (rc == -1 && err.status == SKVM_USAGE));
        cr_assert(map.n <= PORTMAP_MAX);
    }
}
