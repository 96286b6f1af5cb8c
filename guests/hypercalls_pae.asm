; hypercalls_pae.asm - the `hypercalls` guest with PAE paging (see
; hypercalls_body.inc). Aliases 3 GiB to the first GiB by pointing PDPT
; entry 3 at the loader's first page directory.
bits 32
%define MODE_NAME "pae"
%define PAGED 1
%include "mode.inc"

%macro check_mode 0
    require_pae_paging
%endmacro

%macro make_alias 0
    ; A PDPTE has only P (RW is reserved there); the high half stays 0.
    mov dword [LAYOUT_PAGING_BASE + (ALIAS_BASE >> 30) * 8], LAYOUT_PD_BASE | 1
    mov dword [LAYOUT_PAGING_BASE + (ALIAS_BASE >> 30) * 8 + 4], 0
    mov eax, cr3              ; reload the PDPTEs and flush the TLB
    mov cr3, eax
%endmacro

%include "hypercalls_body.inc"
