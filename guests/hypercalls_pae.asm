; hypercalls_pae.asm - the `hypercalls` guest with PAE paging (see
; hypercalls_body.inc). Aliases 3 GiB to the first GiB by pointing PDPT
; entry 3 at the loader's first page directory.
bits 32
%define MODE_NAME "pae"
%define PAGED 1

%macro check_mode 0
    mov eax, cr0
    test eax, 1 << 31         ; CR0.PG
    jz wrong_mode
    mov eax, cr4
    test eax, 1 << 5          ; CR4.PAE
    jz wrong_mode
    mov ecx, 0xC0000080       ; IA32_EFER
    rdmsr
    test eax, 1 << 10         ; EFER.LMA clear: not long mode
    jnz wrong_mode
%endmacro

%macro make_alias 0
    ; A PDPTE has only P (RW is reserved there); the high half stays 0.
    mov dword [LAYOUT_PAGING_BASE + (ALIAS_BASE >> 30) * 8], LAYOUT_PD_BASE | 1
    mov dword [LAYOUT_PAGING_BASE + (ALIAS_BASE >> 30) * 8 + 4], 0
    mov eax, cr3              ; reload the PDPTEs and flush the TLB
    mov cr3, eax
%endmacro

%include "hypercalls_body.inc"
