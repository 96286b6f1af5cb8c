; triple.asm - an exception with an empty IDT: #UD cannot be delivered,
; neither can #GP or #DF, so the CPU shuts down (a triple fault).
bits BITS
org 0
    lidt [empty_idt]
    ud2
    hlt
empty_idt:
    dw 0                      ; limit 0: no vector is valid
    dq 0
