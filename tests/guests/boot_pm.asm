; boot_pm.asm - a boot sector that says so through the BIOS, builds its
; own GDT, enters 32-bit protected mode (no paging) and writes into VGA
; text memory at 0xB8000 itself; then parks in `jmp $` with interrupts
; off.
%include "boot.inc"                 ; bits 16, org 0x7C00

start:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7C00
    mov si, msg
    bios_puts .switch
.switch:
    enter_pm32 pm

bits 32
pm:
    flat_data_segments
    mov esp, 0x90000
    mov esi, pm_msg
    mov edi, 0xB8000 + 2 * 80 * 2   ; row 2, column 0
    mov ah, 0x0A                    ; light green on black
    vga_puts .done
.done:
    jmp $

msg: db "boot sector: switching to protected mode", 13, 10, 0
pm_msg: db "32-bit protected mode: written to 0xB8000", 0

    gdt_flat32

    boot_signature
