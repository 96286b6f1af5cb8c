; protected.asm - the built-in protected-mode guest.
;
; CR0.PE is set and CS/DS/SS are flat 4 GiB segments from the loader's
; GDT: 32-bit code, linear = physical, and no paging (CR0.PG clear), so
; any address in RAM is reachable directly.
bits 32
%include "mode.inc"             ; layout.inc, print.inc

org 0

start:
    ; Prove the mode: PE set, PG clear.
    mov eax, cr0
    test eax, CR0_PE
    jz wrong_mode
    test eax, CR0_PG
    jnz wrong_mode

    mode_guest_end

greeting: db "Hello from protected mode: 32-bit code, flat segments, no paging.", 10, 0
greeting_len equ $ - greeting - 1
wrong:    db "protected guest: CR0 says this is not flat protected mode", 10, 0
wrong_len equ $ - wrong - 1
