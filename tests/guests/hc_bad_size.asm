; hc_bad_size.asm - an 8-bit OUT to exit: every call works at every
; width (the value zero-extended), so this is exit(7), a failure the
; guest reports (exit 1), not a misuse.
bits BITS
%include "hypercall.inc"
org 0
    mov dx, LAYOUT_PORT_HC_EXIT
    mov al, 7
    out dx, al
    hlt
