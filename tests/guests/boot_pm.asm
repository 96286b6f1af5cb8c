; boot_pm.asm - a boot sector that says so through the BIOS, builds its
; own GDT, enters 32-bit protected mode (no paging) and writes into VGA
; text memory at 0xB8000 itself; then parks in `jmp $` with interrupts
; off.
bits 16
org 0x7C00

start:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7C00
    mov si, msg
    mov ah, 0x0E
    xor bx, bx
.next:
    lodsb
    test al, al
    jz .switch
    int 0x10
    jmp .next
.switch:
    cli
    lgdt [gdtr]
    mov eax, cr0
    or eax, 1                       ; CR0.PE
    mov cr0, eax
    jmp 0x08:pm

bits 32
pm:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x90000
    mov esi, pm_msg
    mov edi, 0xB8000 + 2 * 80 * 2   ; row 2, column 0
    mov ah, 0x0A                    ; light green on black
.put:
    lodsb
    test al, al
    jz .done
    stosw
    jmp .put
.done:
    jmp $

msg: db "boot sector: switching to protected mode", 13, 10, 0
pm_msg: db "32-bit protected mode: written to 0xB8000", 0

align 8
gdt:
    dq 0                            ; null
    dq 0x00CF9A000000FFFF           ; 0x08: code, 4 GiB, 32-bit
    dq 0x00CF92000000FFFF           ; 0x10: data, 4 GiB
gdtr:
    dw gdtr - gdt - 1
    dd gdt

    times 510 - ($ - $$) db 0
    dw 0xAA55
