; dev_com1.asm - COM1 as a kernel drives it (tests/run/test_devices.c):
; the usual 16550 init (interrupts off, DLAB, divisor 3 = 38400 baud,
; 8N1, FIFOs on, DTR|RTS|OUT2), every register read back, a greeting
; with LSR.THRE polled before each byte, then the input echoed in
; upper case up to a newline (--serial-input), or "no input" when LSR
; shows no data for POLLS reads. Ends through isa-debug-exit: 0 when
; all went as expected, 2 when a register read back wrong.
bits BITS
org 0
%include "hypercall.inc"

%define COM1 LAYOUT_PORT_COM1
%define POLLS 100

; outb OFFSET, VALUE - one byte to COM1's register OFFSET
%macro outb 2
    mov dx, COM1 + %1
    mov al, %2
    out dx, al
%endmacro

; expect OFFSET, VALUE - read register OFFSET; exit 2 unless it is VALUE
%macro expect 2
    mov dx, COM1 + %1
    in al, dx
    cmp al, %2
    jne bad
%endmacro

    outb 1, 0x00              ; IER: no interrupts
    outb 3, 0x80              ; LCR: DLAB
    outb 0, 0x03              ; DLL: divisor 3
    outb 1, 0x00              ; DLM
    expect 0, 0x03
    expect 1, 0x00
    outb 3, 0x03              ; LCR: 8N1, DLAB off
    outb 2, 0xC7              ; FCR: FIFOs on, cleared, 14-byte trigger
    outb 4, 0x0B              ; MCR: DTR, RTS, OUT2
    outb 7, 0x5A              ; SCR
    expect 3, 0x03
    expect 2, 0xC1            ; IIR: FIFOs on, no interrupt pending
    expect 4, 0x0B
    expect 7, 0x5A
    expect 6, 0xB0            ; MSR: DCD, DSR, CTS

    mov si, hello
    call puts
    ; Input: echo upper-cased up to a newline, or say there is none.
    mov cx, POLLS
wait_input:
    mov dx, COM1 + 5
    in al, dx
    test al, 1                ; LSR.DR
    jnz got
    dec cx
    jnz wait_input
    mov si, none
    call puts
    jmp pass
got:
    mov dx, COM1
    in al, dx
    cmp al, 'a'
    jb .upper
    cmp al, 'z'
    ja .upper
    sub al, 'a' - 'A'
.upper:
    mov bl, al
    call putc
    cmp bl, 10
    je pass
    mov cx, POLLS
    jmp wait_input
pass:
    mov dx, LAYOUT_PORT_DEBUG_EXIT
    mov al, 0
    out dx, al
    hlt                       ; not reached
bad:
    mov dx, LAYOUT_PORT_DEBUG_EXIT
    mov eax, 2
    out dx, eax
    hlt

; putc: BL to THR once LSR.THRE says the transmitter is empty
putc:
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20             ; LSR.THRE
    jz .wait
    mov dx, COM1
    mov al, bl
    out dx, al
    ret

; puts: the NUL-terminated string at SI (the image is at 0: DS:SI in
; real mode, and SI zero-extends to the same address in 32/64-bit code)
puts:
%if BITS == 16
    mov bl, [si]
%else
    movzx esi, si
    mov bl, [esi]
%endif
    test bl, bl
    jz .done
    call putc
    inc si
    jmp puts
.done:
    ret

hello: db "Hello from COM1", 10, 0
none: db "no input", 10, 0
