; boot_reset8042.asm - says goodbye through int 0x10 and reboots as
; tutorials do: wait until the 8042's input buffer is empty, then
; command 0xFE (pulse the reset line). The run ends there (exit 0, a
; note on stderr), as int 0x19 ends it.
%include "boot.inc"                 ; bits 16, org 0x7C00

start:
    xor ax, ax
    mov ds, ax
    mov si, msg
    bios_puts .reset
.reset:
    i8042_wait_in
    mov al, I8042_RESET
    out I8042_CMD, al
    after_reset

msg: db "rebooting through the 8042", 13, 10, 0

    boot_signature
