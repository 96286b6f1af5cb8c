; dev_exit.asm - ends through isa-debug-exit with 3, a 16-bit OUT, after
; one byte on COM1 written without any init (tests/run/test_devices.c:
; a failure by default, a pass with --debug-exit-success 3).
bits BITS
org 0
%include "hypercall.inc"
    mov dx, LAYOUT_PORT_COM1
    mov al, '!'
    out dx, al
    mov al, 10
    out dx, al
    mov dx, LAYOUT_PORT_DEBUG_EXIT
    mov ax, 3
    out dx, ax
    hlt                       ; not reached: the run ended
