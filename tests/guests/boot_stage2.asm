; boot_stage2.asm - a two-stage loader: the boot sector reads sector 2
; with int 0x13 AH=0x02 (CHS) to 0x7E00 and sectors 3-4 with AH=0x42
; (extended read, after AH=0x41 says the extensions are there) to 0x8000,
; then runs both stages. Stage 3 reads past the disk's end and reports
; the BIOS's answer (CF=1, AH=0x04), then parks in `cli; hlt`.
%include "boot.inc"                 ; bits 16, org 0x7C00

SECTORS equ 4                       ; the image: boot sector + 3

start:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov [drive], dl
    mov si, hello
    call print

    mov ah, 0x02                    ; read, CHS
    mov al, 1                       ; one sector
    mov ch, 0                       ; cylinder 0
    mov cl, 2                       ; sector 2 (sectors count from 1)
    mov dh, 0                       ; head 0
    mov dl, [drive]
    mov bx, 0x7E00                  ; ES:BX
    int 0x13
    jc fail

    mov ah, 0x41                    ; extensions present?
    mov bx, 0x55AA
    mov dl, [drive]
    int 0x13
    jc fail
    cmp bx, 0xAA55
    jne fail

    mov ah, 0x42                    ; extended read: the packet at DS:SI
    mov si, dap
    mov dl, [drive]
    int 0x13
    jc fail
    jmp 0x0000:0x7E00

fail:
    mov si, failed
    call print
    cli
    hlt

    bios_print_fn

drive: db 0
dap:
    db 0x10, 0                      ; size, reserved
    dw 2                            ; sectors
    dw 0x8000, 0                    ; buffer offset, segment
    dq 2                            ; LBA of sector 3
hello: db "stage 1: boot sector", 13, 10, 0
failed: db "stage 1: a disk read failed", 13, 10, 0

    boot_signature

; ---- sector 2, at 0x7E00 -------------------------------------------------
stage2:
    mov si, msg2
    call print
    jmp 0x0000:0x8000
msg2: db "stage 2: loaded by int 0x13 AH=0x02 (CHS)", 13, 10, 0
    times 1024 - ($ - $$) db 0

; ---- sectors 3-4, at 0x8000 ----------------------------------------------
stage3:
    mov si, msg3
    call print
    ; sector SECTORS + 1 does not exist: CF=1 and AH=0x04 (not found)
    mov ah, 0x02
    mov al, 1
    mov ch, 0
    mov cl, SECTORS + 1
    mov dh, 0
    mov dl, [drive]
    mov bx, 0x9000
    int 0x13
    jnc .no_error
    mov al, ah
    push ax
    mov si, msg_err
    call print
    pop ax
    add al, '0'                     ; a one-digit code
    mov ah, 0x0E
    xor bx, bx
    int 0x10
    mov si, msg_nl
    call print
    cli
    hlt
.no_error:
    mov si, msg_noerr
    call print
    cli
    hlt
msg3: db "stage 3: loaded by int 0x13 AH=0x42 (LBA), in two sectors", 13, 10, 0
msg_err: db "read past the end: CF=1, AH=0x0", 0
msg_nl: db 13, 10, 0
msg_noerr: db "read past the end: no error", 13, 10, 0
    times 1536 - ($ - $$) db 0
    db "sector 4"
    times 2048 - ($ - $$) db 0
