; hc_unterminated.asm - the last 16 bytes of RAM are 'A', then print_str
; of them: the scan reaches the end of memory without a NUL. Run with
; --mem 2M (1M in real mode, which cannot reach higher).
bits BITS
%include "hypercall.inc"
org 0
FILL equ 16
%if BITS == 16
RAM_END equ 0x100000
    mov ax, 0xF000            ; ES:DI = F000:FFF0 = linear 0xFFFF0
    mov es, ax
    mov di, 0x10000 - FILL
    mov cx, FILL
%else
RAM_END equ 0x200000
    mov edi, RAM_END - FILL
    mov ecx, FILL
%endif
    mov al, 'A'
    cld
    rep stosb
    hc_print_str RAM_END - FILL
    hlt
