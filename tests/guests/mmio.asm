; mmio.asm - a store past the end of RAM (2 MiB): with no device there,
; KVM reports KVM_EXIT_MMIO.
bits BITS
org 0
%if BITS == 16
    mov ax, 0xFFFF
    mov ds, ax
    mov byte [0x20], 1        ; 0xFFFF0 + 0x20 = 1 MiB + 0x10: past 64K RAM
%else
    mov byte [0x40000000], 1  ; 1 GiB: past 2 MiB of RAM
%endif
    hlt
