; mmio_read_repeat.asm - prints "S", then reads guest-physical 0xC0000000
; (the hole below 4 GiB, never RAM): the run ends on that MMIO exit with
; the read unanswered. Under --repeat the next run must start over at
; the entry, not finish the read and go on to print "A" (src/rerun.c).
bits BITS
org 0
%include "hypercall.inc"
HOLE equ 0xC0000000
    hc_putchars 'S', 10
%if BITS == 64
    mov rbx, HOLE
    mov eax, [rbx]
%else
    mov ebx, HOLE
    mov eax, [ebx]
%endif
    hc_putchars 'A', 10
    hc_exit 0
