; exc_gp.asm - #GP at offset 0x10. Protected and long mode: loading DS
; with selector 0x1238, past the loader's GDT, raises #GP(0x1238) (a
; selector error code: index 0x247, GDT, not external). Real mode has no
; selectors or error codes: a word read at offset 0xFFFF runs past the
; 64 KiB segment limit and raises #GP.
bits BITS
org 0
%if BITS == 16
    times 0x10 - ($ - $$) nop
    mov ax, [0xFFFF]          ; 0x10: #GP (segment limit)
%else
    mov ax, 0x1238
    times 0x10 - ($ - $$) nop
    mov ds, ax                ; 0x10: #GP(0x1238)
%endif
    hlt
