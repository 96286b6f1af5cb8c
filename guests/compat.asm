; compat.asm - the built-in guest for compatibility mode.
;
; Long mode is active (EFER.LMA) with 4-level paging, but CS is a 32-bit
; code segment (L=0, D=1): the CPU runs this as 32-bit code, as a 64-bit
; OS runs a 32-bit program.
bits 32
%include "mode.inc"             ; layout.inc, print.inc

org 0

start:
    ; Prove the mode: EFER.LMA set ...
    mov ecx, MSR_EFER
    rdmsr
    test eax, EFER_LMA
    jz wrong_mode
    ; ... and CS.L = 0: in 64-bit code 0x40 is a REX prefix (to the NOP),
    ; in 32-bit code it is INC EAX.
    xor eax, eax
    db 0x40                   ; inc eax (32-bit) / REX (64-bit)
    nop
    cmp eax, 1
    jne wrong_mode
    ; ... and CS.D = 1: a PUSH moves ESP by 4 (2 with D=0, 8 in 64-bit).
    mov ebx, esp
    push 0
    sub ebx, esp
    pop eax
    cmp ebx, 4
    jne wrong_mode

    mode_guest_end

greeting: db "Hello from compat mode: 32-bit code under long mode, 4-level paging.", 10, 0
greeting_len equ $ - greeting - 1
wrong:    db "compat guest: EFER/CS say this is not compatibility mode", 10, 0
wrong_len equ $ - wrong - 1
