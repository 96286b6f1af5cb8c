; div0.asm - divide by zero with an empty IDT: #DE cannot be delivered,
; so the CPU shuts down. The crash report must mark the DIV, decoded in
; this guest's bitness: the same F7 F1 bytes read "div cx" in 16-bit
; code and "div ecx" in 32-bit; 64-bit adds REX.W for "div rcx".
bits BITS
org 0
    lidt [empty_idt]
    xor eax, eax
    xor edx, edx
    xor ecx, ecx
%if BITS == 64
    div rcx
%elif BITS == 32
    div ecx
%else
    div cx
%endif
    hlt
empty_idt:
    dw 0                      ; limit 0: no vector is valid
    dq 0
