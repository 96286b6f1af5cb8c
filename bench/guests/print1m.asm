; print1m.asm - 1 MiB to the console port, one byte per OUT (64-bit).
; Bytes cycle 'a'..'z' with a newline every 64, so output is checkable.
bits 64
org 0
%include "layout.inc"
COUNT equ 1 << 20
    mov dx, LAYOUT_PORT_CONSOLE
    mov ecx, COUNT
    xor ebx, ebx              ; position in the line
    mov al, 'a'
.next:
    cmp ebx, 63
    jne .char
    push rax
    mov al, 10
    out dx, al
    pop rax
    xor ebx, ebx
    jmp .count
.char:
    out dx, al
    inc ebx
    inc al
    cmp al, 'z' + 1
    jne .count
    mov al, 'a'
.count:
    dec ecx
    jnz .next
    hlt
