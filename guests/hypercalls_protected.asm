; hypercalls_protected.asm - the `hypercalls` guest in flat protected
; mode (see hypercalls_body.inc): no paging, so translate is the identity
; and answers 0xFFFFFFFF for any address that is not RAM.
bits 32
%define MODE_NAME "protected"
%define PAGED 0

%macro check_mode 0
    mov eax, cr0
    test eax, 1 << 31         ; CR0.PG must be clear
    jnz wrong_mode
    test eax, 1               ; CR0.PE must be set
    jz wrong_mode
%endmacro

%include "hypercalls_body.inc"
