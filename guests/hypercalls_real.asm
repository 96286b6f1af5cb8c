; hypercalls_real.asm - the `hypercalls` guest in real mode (see
; hypercalls_body.inc). Every segment is 0, so offsets are linear
; addresses; 32-bit port I/O gets the operand-size prefix.
bits 16
%define MODE_NAME "real"
%define PAGED 0

%macro check_mode 0
    smsw ax
    test ax, 1                ; CR0.PE must be clear
    jnz wrong_mode
%endmacro

%include "hypercalls_body.inc"
