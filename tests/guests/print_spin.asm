; print_spin.asm - prints "abc" with no newline, then spins without an
; exit: the held console bytes (src/core/fdwrite.h) must still come out
; when --timeout or a signal ends the run (tests/run/test_fastpath.c).
bits BITS
org 0
%include "hypercall.inc"
    hc_putchars 'a', 'b', 'c'
    jmp $
