; paged32.asm - the built-in guest for 32-bit paging.
;
; Protected mode as in protected.asm, plus paging: CR0.PG with CR4.PSE
; and no EFER.LME selects 32-bit paging, and the loader's page directory
; maps all RAM with 4 MiB pages (PDE.PS) at virtual = physical.
bits 32
%include "layout.inc"
%include "print.inc"

org 0

start:
    ; Prove the mode: PG on, and 4 MiB pages enabled.
    mov eax, cr0
    test eax, 1 << 31         ; CR0.PG
    jz wrong_mode
    mov eax, cr4
    test eax, 1 << 4          ; CR4.PSE
    jz wrong_mode
    test eax, 1 << 5          ; CR4.PAE must be clear for 32-bit paging
    jnz wrong_mode

    print_msg greeting
    mov dword [LAYOUT_RESULT_ADDR], 42
    mov eax, 42
    hlt

wrong_mode:
    print_msg wrong
    xor eax, eax
    hlt

greeting: db "Hello from paged32 mode: 32-bit code, 32-bit paging with 4 MiB pages.", 10, 0
greeting_len equ $ - greeting - 1
wrong:    db "paged32 guest: CR0/CR4 say this is not 32-bit paging", 10, 0
wrong_len equ $ - wrong - 1
