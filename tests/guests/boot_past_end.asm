; boot_past_end.asm - reads sector 2 of a one-sector disk: the BIOS
; answers CF=1 and AH=0x04 (sector not found), no host error; the guest
; prints the code and reports it as its exit status (hypercall exit,
; port 0x500), so simple-kvm exits 1 naming it.
%include "boot.inc"                 ; bits 16, org 0x7C00
cpu 386

start:
    xor ax, ax
    mov es, ax
    mov ah, 0x02
    mov al, 1
    mov cx, 0x0002                  ; cylinder 0, sector 2
    xor dh, dh                      ; DL: the boot drive, as the BIOS left it
    mov bx, 0x8000
    int 0x13
    jnc .read
    mov al, ah                      ; the BIOS's code
    movzx eax, al
    push eax
    add al, '0'
    mov ah, 0x0E
    xor bx, bx
    int 0x10
    pop eax
    mov dx, 0x500                   ; exit(status): the code
    out dx, eax
    hlt
.read:
    xor eax, eax
    mov dx, 0x500
    out dx, eax
    hlt

    boot_signature
