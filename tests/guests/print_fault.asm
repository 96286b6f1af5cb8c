; print_fault.asm - prints on the console port, then triple faults: the
; bytes sent before the fault must all reach stdout, in order, whether
; or not KVM batches console output.
bits BITS
org 0
    mov dx, 0xE9
    mov al, 'a'
.next:
    out dx, al                ; one byte per OUT: a..z, then a newline
    inc al
    cmp al, 'z' + 1
    jne .next
    mov al, 10
    out dx, al
    lidt [empty_idt]
    ud2                       ; no IDT: #UD -> #GP -> #DF -> shutdown
    hlt
empty_idt:
    dw 0
    dq 0
