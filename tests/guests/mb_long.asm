; mb_long.asm - a Multiboot 1 kernel that enters long mode itself, as
; 64-bit hobby kernels and kvm-unit-tests' x86/cstart64.S do: the loader
; starts it in 32-bit protected mode with paging off; it builds an
; identity map of the first 4 MiB (2 MiB pages), sets CR4.PAE, CR3,
; EFER.LME, then CR0.PG, loads a GDT with a 64-bit code segment and jumps
; to 64-bit code, which checks EFER.LMA, prints on COM1 and ends through
; isa-debug-exit (0 = pass, 1 = EFER.LMA clear). Flat file, loaded
; through the header's address fields (flag bit 16).
; tests/run/test_multiboot.c and the nested suite run it.
bits 32

MB_HEADER_MAGIC equ 0x1BADB002
MB_BOOT_MAGIC   equ 0x2BADB002
MB_ADDRS        equ 1 << 16
MB_FLAGS        equ MB_ADDRS
LOAD_ADDR       equ 0x100000

CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5
MSR_EFER        equ 0xC0000080
EFER_LME        equ 1 << 8
EFER_LMA        equ 1 << 10
PTE_P           equ 1 << 0
PTE_RW          equ 1 << 1
PTE_PS          equ 1 << 7
PAGE_2M         equ 0x200000
CODE64_SEL      equ 0x08
DATA_SEL        equ 0x10

COM1            equ 0x3F8
DEBUG_EXIT      equ 0xF4

org LOAD_ADDR
header:
    dd MB_HEADER_MAGIC, MB_FLAGS, -(MB_HEADER_MAGIC + MB_FLAGS)
    dd header, LOAD_ADDR, load_end, bss_end, start

start:
    mov esp, stack_top
    cmp eax, MB_BOOT_MAGIC
    jne .bad_magic
    ; PML4[0] -> PDPT[0] -> PD: two 2 MiB pages, 0-4 MiB (bss is zero).
    mov dword [pml4], pdpt + (PTE_P | PTE_RW)
    mov dword [pdpt], pd + (PTE_P | PTE_RW)
    mov dword [pd], 0 + (PTE_P | PTE_RW | PTE_PS)
    mov dword [pd + 8], PAGE_2M + (PTE_P | PTE_RW | PTE_PS)
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, pml4
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME
    wrmsr
    mov eax, cr0
    or eax, CR0_PG          ; with EFER.LME: long mode is active
    mov cr0, eax
    lgdt [gdtr]
    jmp CODE64_SEL:long64
.bad_magic:
    mov al, 2
    out DEBUG_EXIT, al
    hlt

bits 64
long64:
    mov ax, DATA_SEL
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov ecx, MSR_EFER
    rdmsr
    test eax, EFER_LMA
    jz .not_long
    mov rsi, s_hello
    call puts
    xor eax, eax
    out DEBUG_EXIT, al
    hlt
.not_long:
    mov al, 1
    out DEBUG_EXIT, al
    hlt

; The NUL-terminated string at RSI on COM1 (THR only: the LSR wait is
; mb_kernel.asm's; this kernel is about the mode switch).
puts:
    mov dx, COM1
.next:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .next
.done:
    ret

align 8
gdt:
    dq 0
    dq 0x00AF9B000000FFFF   ; 0x08 64-bit code
    dq 0x00CF93000000FFFF   ; 0x10 data
gdtr:
    dw gdtr - gdt - 1
    dd gdt
s_hello: db "long mode entered by the kernel itself", 10, 0
load_end:

; Page tables on pages: the section's alignment, not alignb (NASM 2.16.01
; trips on alignb under -w+error).
section .bss align=4096
pml4:  resb 4096
pdpt:  resb 4096
pd:    resb 4096
    resb 4096
stack_top:
bss_end:
