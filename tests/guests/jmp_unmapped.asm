; jmp_unmapped.asm - jump to 1 GiB, which the loader's page tables do not
; map with 2 MiB of RAM: the fetch page-faults, the empty IDT turns that
; into a triple fault, and RIP points at bytes that cannot be read.
; (For the paged modes: 32-bit paged32 and 64-bit long.)
bits BITS
org 0
    lidt [empty_idt]
    mov eax, 0x40000000
%if BITS == 64
    jmp rax
%else
    jmp eax
%endif
empty_idt:
    dw 0
    dq 0
