; boot_e820.asm - the memory map a kernel asks the BIOS for: int 0x15
; EAX=0xE820, entry by entry (EBX = continuation), each printed as
; "BASE LENGTH TYPE" in hex through int 0x10; then int 0x12 and int 0x15
; AH=0x88 (KiB below 640K, KiB above 1M). Parks in `jmp $`.
%include "boot.inc"                 ; bits 16, org 0x7C00
cpu 386

start:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov si, title
    call print
    xor ebx, ebx                    ; continuation: 0 = first entry
.entry:
    mov eax, 0xE820
    mov edx, 0x534D4150             ; 'SMAP'
    mov ecx, 20
    mov di, buf
    int 0x15
    jc .done
    cmp eax, 0x534D4150
    jne .done
    push ebx
    mov eax, [buf + 4]              ; base, high then low
    call hex32
    mov eax, [buf]
    call hex32
    call space
    mov eax, [buf + 12]             ; length
    call hex32
    mov eax, [buf + 8]
    call hex32
    call space
    mov eax, [buf + 16]             ; type: 1 RAM, 2 reserved
    call hex32
    mov si, crlf
    call print
    pop ebx
    test ebx, ebx
    jnz .entry
.done:
    int 0x12                        ; KiB of conventional memory
    movzx eax, ax
    call hex32
    call space
    mov ah, 0x88                    ; KiB above 1 MiB
    int 0x15
    movzx eax, ax
    call hex32
    mov si, crlf
    call print
    jmp $

; EAX in 8 hex digits
hex32:
    mov cx, 8
.digit:
    rol eax, 4
    push eax
    and al, 0x0F
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'A' - '9' - 1
.out:
    mov ah, 0x0E
    xor bx, bx
    int 0x10
    pop eax
    loop .digit
    ret

space:
    mov ax, 0x0E20
    xor bx, bx
    int 0x10
    ret

    bios_print_fn

title: db "E820 memory map:", 13, 10, 0
crlf: db 13, 10, 0
buf: times 20 db 0

    boot_signature
