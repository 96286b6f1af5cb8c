; hc_rep.asm - rep insd of two values from exit_count: string I/O is
; refused on hypercall ports. (KVM's emulator batches INS into one exit
; with count 2; it delivers OUTS one item per exit, count 1, so rep outsd
; is simply one hypercall per item.)
bits BITS
%include "hypercall.inc"
org 0
    cld
    mov dx, LAYOUT_PORT_HC_EXIT_COUNT
%if BITS == 16
    mov di, buf               ; ES:DI, ES = 0
    mov cx, 2
%else
    mov edi, buf
    mov ecx, 2
%endif
    rep insd
    hlt
buf: dd 0, 0
