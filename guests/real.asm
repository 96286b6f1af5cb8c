; real.asm - the built-in real-mode guest.
;
; The CPU is in real mode (CR0.PE clear): 16-bit code, addresses are
; segment * 16 + offset, and every segment register here is 0, so
; offsets are physical addresses below 64 KiB.
bits 16
%include "mode.inc"             ; layout.inc, print.inc

org 0

start:
    ; Prove the mode: SMSW reads CR0's low word; PE must be clear.
    smsw ax
    test ax, CR0_PE
    jnz wrong_mode

    mode_guest_end

greeting: db "Hello from real mode: 16-bit code, segment:offset addressing.", 10, 0
greeting_len equ $ - greeting - 1
wrong:    db "real guest: CR0.PE is set, this is not real mode", 10, 0
wrong_len equ $ - wrong - 1
