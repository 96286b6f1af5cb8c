; exc_pf.asm - a write to an unmapped page at offset 0x10 (paged modes):
; #PF with CR2 = the address and error code 0x2 (write, not present).
; paged32 maps RAM only (2 MiB here), long mode the first 512 GiB that
; are RAM: both leave these addresses unmapped.
bits BITS
org 0
%if BITS == 64
    mov rax, 0x40000000008
%else
    mov eax, 0xC0000008
%endif
    times 0x10 - ($ - $$) nop
%if BITS == 64
    mov byte [rax], 1         ; 0x10: #PF
%else
    mov byte [eax], 1         ; 0x10: #PF
%endif
    hlt
