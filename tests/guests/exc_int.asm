; exc_int.asm - a software interrupt with no handler: `int 0x40` at
; offset 0x10. The loader's stub names it (exit 4, "int 0x40 with no
; handler installed"); on kvm-pvm in long mode it never gets there (its
; emulator cannot deliver int N: exit 3, "this host's KVM cannot ...").
bits BITS
org 0
    times 0x10 - ($ - $$) nop
    int 0x40                  ; 0x10
    hlt
