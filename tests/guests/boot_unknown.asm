; boot_unknown.asm - a BIOS function simple-kvm's BIOS does not provide
; (int 0x10 AH=0x0B, set the palette): the run ends, naming it and the
; caller's CS:IP.
%include "boot.inc"                 ; bits 16, org 0x7C00

start:
    mov ah, 0x0B
    mov bx, 0x0001
    int 0x10
    jmp $

    boot_signature
