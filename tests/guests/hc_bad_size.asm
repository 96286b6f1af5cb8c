; hc_bad_size.asm - an 8-bit OUT to exit, which needs 32-bit I/O.
bits BITS
%include "hypercall.inc"
org 0
    mov dx, LAYOUT_PORT_HC_EXIT
    xor al, al
    out dx, al
    hlt
