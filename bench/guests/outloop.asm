; outloop.asm - EXITS port-I/O exits to user space and HLT (64-bit): the
; run loop's round trip. Each OUT sends one byte to the console port; run
; with --no-coalesce (floor: --no-coalesce) so every OUT is a full exit.
bits 64
org 0
%include "layout.inc"
EXITS equ 100000
    mov dx, LAYOUT_PORT_CONSOLE
    mov ecx, EXITS
    mov al, '.'
.next:
    out dx, al
    dec ecx
    jnz .next
    hlt
