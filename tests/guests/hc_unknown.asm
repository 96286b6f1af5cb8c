; hc_unknown.asm - a 32-bit OUT to 0x50F, next to the hypercall ports
; but not one of them.
bits BITS
%include "hypercall.inc"
org 0
    hc_out 0x50F, 0x1234
    hlt
