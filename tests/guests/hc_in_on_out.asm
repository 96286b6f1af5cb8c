; hc_in_on_out.asm - IN from print_u32, an OUT-only port.
bits BITS
%include "hypercall.inc"
org 0
    hc_in LAYOUT_PORT_HC_PRINT_U32
    hlt
