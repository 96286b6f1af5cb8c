; spin.asm - never halts and never exits: only --timeout or a signal
; stops it.
bits BITS
org 0
    jmp $
