; boot_exit.asm - a boot sector for the boot-to-halt bench: greets through
; the BIOS (int 0x10 teletype), then writes 0 to isa-debug-exit (port
; 0xF4), which ends QEMU (exit 1: (0 << 1) | 1) and simple-kvm (exit 0)
; alike, then parks in `jmp $` should neither have it.
%include "boot.inc"                 ; bits 16, org 0x7C00

start:
    xor ax, ax
    mov ds, ax
    mov si, msg
    bios_puts .done
.done:
    xor al, al
    out 0xF4, al
    jmp $

msg: db "booted", 13, 10, 0

    boot_signature
