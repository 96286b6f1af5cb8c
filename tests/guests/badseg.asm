; badseg.asm - load DS with a selector past the GDT's limit: #GP, and
; with an empty IDT a triple fault. The crash report must mark the MOV.
; (Real mode has no descriptors, so this guest is for 32/64-bit modes.)
bits BITS
org 0
    lidt [empty_idt]
    mov eax, 0x78             ; GDT entry 15: beyond the loader's GDT
    mov ds, ax
    hlt
empty_idt:
    dw 0
    dq 0
