; boot_keys.asm - a keyboard echo: each key from int 0x16 AH=0x00 goes
; back out through int 0x10 AH=0x0E (Enter as CR LF). simple-kvm feeds
; the keys from stdin; when it ends, the waiting AH=0x00 ends the run.
%include "boot.inc"                 ; bits 16, org 0x7C00

start:
    xor ax, ax
    mov ds, ax
    mov si, prompt
    call print
    mov ah, 0x01                    ; a key waiting? (ZF=1: none)
    int 0x16
.key:
    xor ah, ah                      ; wait for a key: AL ASCII, AH scan
    int 0x16
    cmp al, 13
    jne .echo
    mov si, crlf
    call print
    jmp .key
.echo:
    mov ah, 0x0E
    xor bx, bx
    int 0x10
    jmp .key

    bios_print_fn

prompt: db "type: ", 0
crlf: db 13, 10, 0

    boot_signature
