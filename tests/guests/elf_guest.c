/* elf_guest.c - ELF test guests with symbols (tests/run/test_elf.c, the
 * nested suite): linked by elf_guest.ld at 1 MiB into an ELF file,
 * built with -g -O0 and frame pointers, as elf_hello64.elf (long mode)
 * and elf_hello32.elf (protected, paged32). Each checks that its .bss
 * (p_memsz beyond p_filesz) reads as zeros, dirties it (a --repeat run
 * must find it zeroed again), prints through the hypercalls and exits
 * 0. Built with -DELF_CRASH (elf_crash64.elf, elf_crash32.elf) it then
 * calls level_one -> level_two -> fault_here, which executes ud2: the
 * crash report names fault_here and its backtrace shows the callers. */
#include <skvm_hypercall.h>

static char bss_buf[512];           /* .bss: no file bytes */
static volatile skvm_u32 data_word = 7; /* .data: file bytes before it */

int main(void);

/* The entry: no caller, so the frame-pointer chain ends here (EBP 0). */
__asm__(".pushsection .text.start, \"ax\"\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "    xor %ebp, %ebp\n"
        "    call main\n"
        "    hlt\n"
        ".size _start, . - _start\n"
        ".popsection\n");

#ifdef ELF_CRASH
__attribute__((noinline)) static int fault_here(int depth)
{
    __builtin_trap(); /* ud2: #UD, named with this function */
    return depth;
}

__attribute__((noinline)) static int level_two(int depth)
{
    return fault_here(depth + 1) + 1;
}

__attribute__((noinline)) static int level_one(int depth)
{
    return level_two(depth + 1) + 1;
}
#endif

int main(void)
{
    for (unsigned i = 0; i < sizeof(bss_buf); i++)
        if (bss_buf[i]) {
            skvm_print_str("bss is not zero\n");
            skvm_exit(1);
        }
    bss_buf[sizeof(bss_buf) - 1] = 1;
    skvm_print_str("Hello from an ELF guest\n");
    skvm_print_u32(sizeof(void *) * 8);
    skvm_print_u32(data_word);
#ifdef ELF_CRASH
    level_one(0);
#endif
    skvm_exit(0);
}
