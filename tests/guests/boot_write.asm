; boot_write.asm - writes sector 2 with int 0x13 AH=0x43 (extended write)
; and AH=0x03 (CHS, sector 3), reads sector 2 back with AH=0x02 and
; compares: the disk in memory changed; the image file changes only
; with --disk-writable (tests/run/test_boot.c).
%include "boot.inc"                 ; bits 16, org 0x7C00

start:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov [drive], dl
    mov ah, 0x43                    ; extended write, DS:SI packet
    xor al, al
    mov si, dap
    int 0x13
    jc fail
    mov ax, 0x0301                  ; CHS write: one sector
    mov cx, 0x0003                  ; cylinder 0, sector 3
    xor dh, dh
    mov dl, [drive]
    mov bx, data
    int 0x13
    jc fail
    mov ax, 0x0201                  ; read sector 2 back
    mov cx, 0x0002
    xor dh, dh
    mov dl, [drive]
    mov bx, 0x8000
    int 0x13
    jc fail
    mov si, data
    mov di, 0x8000
    mov cx, 8
    repe cmpsb
    jne fail
    mov si, ok
    jmp print
fail:
    mov si, bad
print:
    bios_puts .done
.done:
    cli
    hlt

drive: db 0
dap:
    db 0x10, 0
    dw 1                            ; one sector
    dw data, 0                      ; from 0000:data
    dq 1                            ; LBA 1: sector 2
ok: db "written and read back", 13, 10, 0
bad: db "disk write failed", 13, 10, 0
data: db "WRITTEN!"                 ; written to sectors 2 and 3

    boot_signature
    db "original"                   ; sector 2 on the disk
    times 1536 - ($ - $$) db 0
