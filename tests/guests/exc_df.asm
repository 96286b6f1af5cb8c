; exc_df.asm - an exception the CPU cannot deliver on the guest's stack.
; RSP/ESP points at unmapped memory, then #UD at offset 0x10: pushing
; its frame page-faults, and so does pushing the #PF's. Long mode: the
; loader's #DF gate has its own stack (TSS IST1), so the run ends in a
; named #DF (vector 8) with the stack pointer told. 32-bit paging has
; no IST: the #DF frame cannot be pushed either, a triple fault, whose
; line gives the stack pointer.
bits BITS
org 0
%if BITS == 64
    mov rsp, 0x40000000000
%else
    mov esp, 0xC0000000
%endif
    times 0x10 - ($ - $$) nop
    ud2                       ; 0x10
    hlt
