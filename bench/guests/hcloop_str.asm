; hcloop_str.asm - 100000 print_str hypercalls (docs/hypercalls.md) of
; an empty string, then HLT (64-bit): the round trip of a hypercall that
; passes a pointer, which the host translates through the guest's paging.
bits 64
org 0
%include "layout.inc"
CALLS equ 100000
    mov ecx, CALLS
.next:
    mov dx, LAYOUT_PORT_HC_PRINT_STR
    mov eax, empty
    out dx, eax
    dec ecx
    jnz .next
    hlt
empty: db 0
