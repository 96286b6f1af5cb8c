; rep_console.asm - console output the way a driver writes its buffer:
; LINES lines of a..z built in memory, sent with one `rep outsb`, then a
; print_str hypercall, the lines again, the hypercall again, the lines a
; third time, HLT. LINES * 27 bytes is past CONSOLE_COALESCE_AFTER, so
; batching turns on in the middle of the first rep outsb; the hypercalls
; print only after the ring's bytes are out. Same bytes, same order,
; with and without --no-coalesce (tests/run/test_fastpath.c).
bits BITS
%include "hypercall.inc"
org 0
LINES equ 40
LEN equ LINES * 27
BURSTS equ 3
BUF equ 0x2000                ; past this code, below 64 KiB (real mode)
    cld
    mov edi, BUF              ; ES:DI in real mode, ES = 0
    mov ebx, LINES
.line:
    mov al, 'a'
.letter:
    stosb
    inc al
    cmp al, 'z' + 1
    jne .letter
    mov al, 10
    stosb
    dec ebx
    jnz .line
    mov ebx, BURSTS
.burst:
    mov dx, LAYOUT_PORT_CONSOLE
    mov esi, BUF              ; DS:SI in real mode, DS = 0
    mov ecx, LEN
    rep outsb
    dec ebx
    jz .done
    hc_print_str marker
    jmp .burst
.done:
    hlt
marker: db "-- hypercall --", 10, 0
