; hypercalls_paged32.asm - the `hypercalls` guest with 32-bit paging (see
; hypercalls_body.inc). Aliases 3 GiB to physical 0 with one more 4 MiB
; page in the loader's page directory.
bits 32
%define MODE_NAME "paged32"
%define PAGED 1

%macro check_mode 0
    mov eax, cr0
    test eax, 1 << 31         ; CR0.PG
    jz wrong_mode
    mov eax, cr4
    test eax, 1 << 5          ; CR4.PAE clear: 32-bit paging
    jnz wrong_mode
%endmacro

%macro make_alias 0
    mov dword [LAYOUT_PAGING_BASE + (ALIAS_BASE >> 22) * 4], 0x83 ; phys 0, P | RW | PS
    mov eax, cr3              ; flush the TLB for the new mapping
    mov cr3, eax
%endmacro

%include "hypercalls_body.inc"
