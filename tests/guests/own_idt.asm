; own_idt.asm - a guest with its own IDT (IVT in real mode) gets exactly
; the CPU's behaviour: its #UD handler runs, prints "own #UD handler",
; stores 42 at RESULT_ADDR and halts: a pass, with the loader's handlers
; never used.
bits BITS
org 0
%include "hypercall.inc"
%if BITS == 64
    lidt [idtr]
    ud2
%elif BITS == 32
    lidt [idtr]
    ud2
%else
    mov word [ivt + 6 * 4], handler   ; vector 6: offset, then segment 0
    mov word [ivt + 6 * 4 + 2], 0
    lidt [idtr]
    ud2
%endif
    hc_putchars 'n', 'o', 10          ; never reached
    hlt
handler:
    hc_putchars 'o', 'w', 'n', ' ', '#', 'U', 'D', ' '
    hc_putchars 'h', 'a', 'n', 'd', 'l', 'e', 'r', 10
%if BITS == 16
    mov word [LAYOUT_RESULT_ADDR], 42
%else
    mov dword [LAYOUT_RESULT_ADDR], 42
%endif
    hlt

align 16
%if BITS == 16
ivt: times 256 dd 0
idtr: dw 256 * 4 - 1
      dd ivt
%else
%if BITS == 64
idt: times 6 dq 0, 0
    ; vector 6: an interrupt gate to `handler` through the loader's code
    ; segment 0x08 (the guest keeps the loader's GDT)
    dw handler, 0x08
    db 0, 0x8E
    dw 0
    dd 0, 0
%else
idt: times 6 dq 0
    dw handler, 0x08
    db 0, 0x8E
    dw 0
%endif
idt_end:
idtr: dw idt_end - idt - 1
%if BITS == 64
      dq idt
%else
      dd idt
%endif
%endif
