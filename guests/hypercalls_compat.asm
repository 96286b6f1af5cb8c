; hypercalls_compat.asm - the `hypercalls` guest in compatibility mode
; (see hypercalls_body.inc): 32-bit code on long mode's tables. Aliases
; 3 GiB to the first GiB by pointing PDPT entry 3 at the loader's first
; page directory, as the long-mode guest does.
bits 32
%define MODE_NAME "compat"
%define PAGED 1

%macro check_mode 0
    mov ecx, 0xC0000080       ; IA32_EFER
    rdmsr
    test eax, 1 << 10         ; EFER.LMA, while running 32-bit code
    jz wrong_mode
%endmacro

%macro make_alias 0
    mov dword [LAYOUT_PDPT_BASE + (ALIAS_BASE >> 30) * 8], LAYOUT_PD_BASE | 3 ; P | RW
    mov dword [LAYOUT_PDPT_BASE + (ALIAS_BASE >> 30) * 8 + 4], 0
    mov eax, cr3              ; flush the TLB for the new mapping
    mov cr3, eax
%endmacro

%include "hypercalls_body.inc"
