; print1m_str.asm - the same 1 MiB as print1m.asm, sent the way a guest
; console driver writes its buffer: text in guest memory, a page at a
; time, one `rep outsb` per page (64-bit).
;
; The text repeats every 26 lines (PERIOD bytes: 63 letters a line, 26
; letters). The guest builds one period and a page with print1m.asm's
; own loop (`stosb` where it has `out`) and sends page k from offset
; k * CHUNK mod PERIOD. Building all 1 MiB would be free on VMX/SVM, but
; kvm-pvm emulates the guest's instructions (about 0.5 us each), so it
; would add ~0.1 s of guest work to a ~0.7 s batched run: not the
; console path this guest measures.
bits 64
org 0
%include "layout.inc"
COUNT equ 1 << 20
PERIOD equ 64 * 26
CHUNK equ 4096                ; bytes per rep outsb; COUNT is a multiple
BUF equ 0x10000               ; past this code, below the loader's tables
    cld
    mov edi, BUF
    mov ecx, PERIOD + CHUNK
    xor ebx, ebx              ; position in the line
    mov al, 'a'
.next:
    cmp ebx, 63
    jne .char
    mov byte [rdi], 10
    inc rdi
    xor ebx, ebx
    jmp .count
.char:
    stosb
    inc ebx
    inc al
    cmp al, 'z' + 1
    jne .count
    mov al, 'a'
.count:
    dec ecx
    jnz .next
    mov dx, LAYOUT_PORT_CONSOLE
    xor ebx, ebx              ; where this page starts in the period
    mov ebp, COUNT / CHUNK
.page:
    lea esi, [rbx + BUF]
    mov ecx, CHUNK
    rep outsb
    add ebx, CHUNK % PERIOD
    cmp ebx, PERIOD
    jb .same
    sub ebx, PERIOD
.same:
    dec ebp
    jnz .page
    hlt
