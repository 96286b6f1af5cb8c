; print_fault.asm - prints LINES lines of a..z on the console port, then
; triple faults: the bytes sent before the fault must all reach stdout,
; in order, whether or not KVM batches console output. LINES * 27 bytes
; is past CONSOLE_COALESCE_AFTER, so batching turns on midway.
bits BITS
org 0
LINES equ 50
    mov dx, 0xE9
    mov cx, LINES
.line:
    mov al, 'a'
.next:
    out dx, al                ; one byte per OUT: a..z, then a newline
    inc al
    cmp al, 'z' + 1
    jne .next
    mov al, 10
    out dx, al
    dec cx
    jnz .line
    lidt [empty_idt]
    ud2                       ; no IDT: #UD -> #GP -> #DF -> shutdown
    hlt
empty_idt:
    dw 0
    dq 0
