; hc_translate_in.asm - IN from translate with no address sent first.
bits BITS
%include "hypercall.inc"
org 0
    hc_in LAYOUT_PORT_HC_TRANSLATE
    hlt
