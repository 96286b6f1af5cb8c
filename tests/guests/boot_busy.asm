; boot_busy.asm - works forever in a loop that is not a jump to itself:
; not parked, so only --timeout ends it (exit 124).
%include "boot.inc"                 ; bits 16, org 0x7C00

start:
    inc ax
    jmp start

    boot_signature
