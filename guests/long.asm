; long.asm - the built-in long-mode guest.
;
; The loader entered 64-bit mode for us: CS is a 64-bit code segment
; (L=1), paging is on (CR0.PG) with 4-level tables (CR4.PAE, EFER.LME)
; identity-mapping all RAM, so virtual address = physical address.
; Registers are 64 bits wide and addressing is RIP-relative by default.
bits 64
default rel
%include "layout.inc"
%include "print.inc"

org 0                         ; loaded at guest-physical 0

start:
    ; Prove the mode before claiming it: EFER.LMA (bit 10) says long mode
    ; is active. RDMSR of EFER is served by KVM without a VM exit to us.
    mov ecx, 0xC0000080       ; IA32_EFER
    rdmsr
    bt eax, 10
    jnc wrong_mode

    print_msg greeting
    ; Only long mode has 8-byte stores of a register-sized value.
    mov qword [abs LAYOUT_RESULT_ADDR], 42
    mov rax, 42
    hlt

wrong_mode:
    print_msg wrong
    xor eax, eax               ; RAX != 42: the host's check fails
    hlt

greeting: db "Hello from long mode: 64-bit code, 4-level paging.", 10, 0
greeting_len equ $ - greeting - 1
wrong:    db "long guest: EFER.LMA is clear, this is not long mode", 10, 0
wrong_len equ $ - wrong - 1
