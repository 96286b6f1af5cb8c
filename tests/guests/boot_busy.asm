; boot_busy.asm - works forever in a loop that is not a jump to itself:
; not parked, so only --timeout ends it (exit 124).
bits 16
org 0x7C00

start:
    inc ax
    jmp start

    times 510 - ($ - $$) db 0
    dw 0xAA55
