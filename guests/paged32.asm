; paged32.asm - the built-in guest for 32-bit paging.
;
; Protected mode as in protected.asm, plus paging: CR0.PG with CR4.PSE
; and no EFER.LME selects 32-bit paging, and the loader's page directory
; maps all RAM with 4 MiB pages (PDE.PS) at virtual = physical.
bits 32
%include "mode.inc"             ; layout.inc, print.inc

org 0

start:
    ; Prove the mode: PG on, and 4 MiB pages enabled.
    mov eax, cr0
    test eax, CR0_PG
    jz wrong_mode
    mov eax, cr4
    test eax, CR4_PSE
    jz wrong_mode
    test eax, CR4_PAE         ; must be clear for 32-bit paging
    jnz wrong_mode

    mode_guest_end

greeting: db "Hello from paged32 mode: 32-bit code, 32-bit paging with 4 MiB pages.", 10, 0
greeting_len equ $ - greeting - 1
wrong:    db "paged32 guest: CR0/CR4 say this is not 32-bit paging", 10, 0
wrong_len equ $ - wrong - 1
