; pae.asm - the built-in guest for PAE paging.
;
; 32-bit code with CR0.PG and CR4.PAE but no EFER.LME: PAE paging, a
; 4-entry PDPT at CR3 and page directories of 8-byte entries mapping all
; RAM with 2 MiB pages at virtual = physical. EFER.NXE is set, so a page
; can be marked no-execute (bit 63).
bits 32
%include "mode.inc"             ; layout.inc, print.inc

org 0

start:
    ; Prove the mode: PG on, PAE on, not long mode, NX enabled.
    require_pae_paging
    test eax, EFER_NXE
    jz wrong_mode

    mode_guest_end

greeting: db "Hello from pae mode: 32-bit code, PAE paging with 2 MiB pages and NX.", 10, 0
greeting_len equ $ - greeting - 1
wrong:    db "pae guest: CR0/CR4/EFER say this is not PAE paging", 10, 0
wrong_len equ $ - wrong - 1
