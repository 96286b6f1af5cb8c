; long.asm - the built-in long-mode guest.
;
; The loader entered 64-bit mode for us: CS is a 64-bit code segment
; (L=1), paging is on (CR0.PG) with 4-level tables (CR4.PAE, EFER.LME)
; identity-mapping all RAM, so virtual address = physical address.
; Registers are 64 bits wide and addressing is RIP-relative by default.
bits 64
default rel
%include "mode.inc"             ; layout.inc, print.inc

org 0                         ; loaded at guest-physical 0

start:
    ; Prove the mode before claiming it: EFER.LMA (bit 10) says long mode
    ; is active. RDMSR of EFER is served by KVM without a VM exit to us.
    mov ecx, MSR_EFER
    rdmsr
    bt eax, EFER_LMA_BIT
    jnc wrong_mode

    mode_guest_end

greeting: db "Hello from long mode: 64-bit code, 4-level paging.", 10, 0
greeting_len equ $ - greeting - 1
wrong:    db "long guest: EFER.LMA is clear, this is not long mode", 10, 0
wrong_len equ $ - wrong - 1
