; print_partial.asm - prints "abc" with no newline, then uses an
; undefined port: the one-line error must still start a line of its
; own when the console shares stderr (--json, 2>&1).
bits BITS
org 0
%include "hypercall.inc"
    hc_putchars 'a', 'b', 'c'
    mov al, 0x55
    out 0x80, al              ; undefined port: exit 4
    hlt
