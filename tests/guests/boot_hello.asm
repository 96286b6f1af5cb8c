; boot_hello.asm - the first boot sector of every tutorial: print through
; the BIOS (int 0x10 AH=0x0E, teletype), then park in `jmp $`.
; simple-kvm --boot boot_hello.bin: the greeting on the console and on
; the VGA screen, and the run ends as a halt (exit 0, a note on stderr).
%include "boot.inc"                 ; bits 16, org 0x7C00

start:
    xor ax, ax
    mov ds, ax
    mov si, msg
    bios_puts .done, 0x0007         ; page 0, light grey
.done:
    jmp $

msg: db "Hello from a boot sector!", 13, 10, 0

    boot_signature
