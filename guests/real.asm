; real.asm - the built-in real-mode guest.
;
; The CPU is in real mode (CR0.PE clear): 16-bit code, addresses are
; segment * 16 + offset, and every segment register here is 0, so
; offsets are physical addresses below 64 KiB.
bits 16
%include "layout.inc"
%include "print.inc"

org 0

start:
    ; Prove the mode: SMSW reads CR0's low word; PE must be clear.
    smsw ax
    test ax, 1
    jnz wrong_mode

    print_msg greeting
    mov word [LAYOUT_RESULT_ADDR], 42   ; a 2-byte store: 16-bit words
    mov ax, 42
    hlt

wrong_mode:
    print_msg wrong
    xor ax, ax
    hlt

greeting: db "Hello from real mode: 16-bit code, segment:offset addressing.", 10, 0
greeting_len equ $ - greeting - 1
wrong:    db "real guest: CR0.PE is set, this is not real mode", 10, 0
wrong_len equ $ - wrong - 1
