; hc_bad_ptr.asm - print_str of 1 GiB, far past a small guest's RAM:
; outside RAM without paging, not mapped with the loader's tables.
bits BITS
%include "hypercall.inc"
org 0
    hc_print_str 0x40000000
    hlt
