; hc_wrap.asm - exit_stats into a 64-byte buffer 16 bytes below 4 GiB:
; the range wraps, refused before any translation.
bits BITS
%include "hypercall.inc"
org 0
    hc_exit_stats 0xFFFFFFF0
    hlt
