; hcloop_in.asm - 100000 exit_count hypercalls (IN, docs/hypercalls.md),
; then HLT (64-bit): the round trip of a call that returns a value.
bits 64
org 0
%include "layout.inc"
CALLS equ 100000
    mov ecx, CALLS
.next:
    mov dx, LAYOUT_PORT_HC_EXIT_COUNT
    in eax, dx
    dec ecx
    jnz .next
    hlt
