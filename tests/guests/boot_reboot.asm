; boot_reboot.asm - asks the BIOS for the time (int 0x1A AH=0x00: CX:DX
; ticks, AL midnight flag 0) and the equipment word (int 0x11), then
; says goodbye and reboots with int 0x19, which ends the run.
%include "boot.inc"                 ; bits 16, org 0x7C00

start:
    xor ax, ax
    mov ds, ax
    int 0x1A                        ; ticks since the run started
    test al, al
    jnz .bad
    cmp cx, 0                       ; far below an hour of ticks
    jne .bad
    int 0x11                        ; equipment: 80x25 colour (bits 4-5)
    and ax, 0x30
    cmp ax, 0x20
    jne .bad
    mov si, bye
    jmp .print
.bad:
    mov si, bad
.print:
    bios_puts .done
.done:
    int 0x19

bye: db "time and equipment read; rebooting", 13, 10, 0
bad: db "unexpected time or equipment", 13, 10, 0

    boot_signature
