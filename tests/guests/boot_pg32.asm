; boot_pg32.asm - a boot sector that enters protected mode and then turns
; on 32-bit paging itself (a page directory at 0x1000 with one 4 MiB
; page, CR4.PSE, CR0.PG), then writes VGA text and parks in `jmp $`.
; kvm-pvm cannot run 32-bit paging: simple-kvm says so (exit 3); the
; nested suite runs it.
%include "boot.inc"                 ; bits 16, org 0x7C00
cpu 386

start:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7C00
    enter_pm32 pm

bits 32
pm:
    flat_data_segments
    mov edi, 0x1000                 ; the page directory
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov dword [0x1000], 0x00000083  ; 4 MiB page at 0: P, RW, PS
    mov eax, cr4
    or eax, CR4_PSE
    mov cr4, eax
    mov eax, 0x1000
    mov cr3, eax
    mov eax, cr0
    or eax, CR0_PG
    mov cr0, eax
    mov esi, msg
    mov edi, 0xB8000
    mov ah, 0x0E                    ; yellow on black
    vga_puts .done
.done:
    jmp $

msg: db "32-bit paging: on", 0

    gdt_flat32

    boot_signature
