; counter.asm - proves --repeat restores memory: each run increments a
; byte of its own image (7 at load) and a byte outside it (0 at load),
; prints both as digits and leaves the image byte in RAX. A run that
; sees the previous run's memory prints "92" instead of "81".
bits BITS
org 0
SCRATCH equ 0x8000            ; zero at load, below 64 KiB for real mode
    inc byte [counter]
    inc byte [abs SCRATCH]
    mov dx, 0xE9
    mov al, [counter]
    add al, '0'
    out dx, al
    mov al, [abs SCRATCH]
    add al, '0'
    out dx, al
    mov al, 10
    out dx, al
    xor eax, eax
    mov al, [counter]
    hlt
counter: db 7
