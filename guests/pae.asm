; pae.asm - the built-in guest for PAE paging.
;
; 32-bit code with CR0.PG and CR4.PAE but no EFER.LME: PAE paging, a
; 4-entry PDPT at CR3 and page directories of 8-byte entries mapping all
; RAM with 2 MiB pages at virtual = physical. EFER.NXE is set, so a page
; can be marked no-execute (bit 63).
bits 32
%include "layout.inc"
%include "print.inc"

org 0

start:
    ; Prove the mode: PG on, PAE on, not long mode, NX enabled.
    mov eax, cr0
    test eax, 1 << 31         ; CR0.PG
    jz wrong_mode
    mov eax, cr4
    test eax, 1 << 5          ; CR4.PAE
    jz wrong_mode
    mov ecx, 0xC0000080       ; IA32_EFER
    rdmsr
    test eax, 1 << 10         ; EFER.LMA clear: PAE paging, not long mode
    jnz wrong_mode
    test eax, 1 << 11         ; EFER.NXE
    jz wrong_mode

    print_msg greeting
    mov dword [LAYOUT_RESULT_ADDR], 42
    mov eax, 42
    hlt

wrong_mode:
    print_msg wrong
    xor eax, eax
    hlt

greeting: db "Hello from pae mode: 32-bit code, PAE paging with 2 MiB pages and NX.", 10, 0
greeting_len equ $ - greeting - 1
wrong:    db "pae guest: CR0/CR4/EFER say this is not PAE paging", 10, 0
wrong_len equ $ - wrong - 1
