; hc_fail.asm - a guest that reports failure: exit(7).
bits BITS
%include "hypercall.inc"
org 0
    hc_exit 7
