; hypercalls_la57.asm - the `hypercalls` guest with 5-level paging (see
; hypercalls_body.inc). The PML5 points to long mode's PML4, so the
; alias is made as in long mode: PDPT entry 3 -> the first directory.
bits 64
default abs                   ; absolute addresses: same code in every mode
%define MODE_NAME "la57"
%define PAGED 1

%macro check_mode 0
    mov rax, cr4
    bt rax, 12                ; CR4.LA57
    jnc wrong_mode
%endmacro

%macro make_alias 0
    mov qword [LAYOUT_PDPT_BASE + (ALIAS_BASE >> 30) * 8], LAYOUT_PD_BASE | 3 ; P | RW
    mov rax, cr3              ; flush the TLB for the new mapping
    mov cr3, rax
%endmacro

%include "hypercalls_body.inc"
