; protected.asm - the built-in protected-mode guest.
;
; CR0.PE is set and CS/DS/SS are flat 4 GiB segments from the loader's
; GDT: 32-bit code, linear = physical, and no paging (CR0.PG clear), so
; any address in RAM is reachable directly.
bits 32
%include "layout.inc"
%include "print.inc"

org 0

start:
    ; Prove the mode: PE set, PG clear.
    mov eax, cr0
    test eax, 1               ; CR0.PE
    jz wrong_mode
    test eax, 1 << 31         ; CR0.PG
    jnz wrong_mode

    print_msg greeting
    mov dword [LAYOUT_RESULT_ADDR], 42   ; a 4-byte store: 32-bit words
    mov eax, 42
    hlt

wrong_mode:
    print_msg wrong
    xor eax, eax
    hlt

greeting: db "Hello from protected mode: 32-bit code, flat segments, no paging.", 10, 0
greeting_len equ $ - greeting - 1
wrong:    db "protected guest: CR0 says this is not flat protected mode", 10, 0
wrong_len equ $ - wrong - 1
