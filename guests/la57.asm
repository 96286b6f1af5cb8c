; la57.asm - the built-in guest for 5-level paging.
;
; 64-bit long mode as in long.asm, with CR4.LA57: the loader's PML5 at
; CR3 points to long mode's PML4, and linear addresses are 57 bits wide.
bits 64
default rel
%include "mode.inc"             ; layout.inc, print.inc

org 0

start:
    ; Prove the mode: EFER.LMA and CR4.LA57.
    mov ecx, MSR_EFER
    rdmsr
    bt eax, EFER_LMA_BIT
    jnc wrong_mode
    mov rax, cr4
    bt rax, CR4_LA57_BIT
    jnc wrong_mode

    mode_guest_end

greeting: db "Hello from la57 mode: 64-bit code, 5-level paging.", 10, 0
greeting_len equ $ - greeting - 1
wrong:    db "la57 guest: EFER.LMA or CR4.LA57 is clear, this is not 5-level paging", 10, 0
wrong_len equ $ - wrong - 1
