; hypercalls_long.asm - the `hypercalls` guest in long mode (see
; hypercalls_body.inc). Aliases 3 GiB to the first GiB by pointing PDPT
; entry 3 at the loader's first page directory.
bits 64
default abs                   ; absolute addresses: same code in every mode
%define MODE_NAME "long"
%define PAGED 1

%macro check_mode 0
    mov ecx, 0xC0000080       ; IA32_EFER
    rdmsr
    bt eax, 10                ; EFER.LMA
    jnc wrong_mode
%endmacro

%macro make_alias 0
    mov qword [LAYOUT_PDPT_BASE + (ALIAS_BASE >> 30) * 8], LAYOUT_PD_BASE | 3 ; P | RW
    mov rax, cr3              ; flush the TLB for the new mapping
    mov cr3, rax
%endmacro

%include "hypercalls_body.inc"
