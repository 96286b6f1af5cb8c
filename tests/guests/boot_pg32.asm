; boot_pg32.asm - a boot sector that enters protected mode and then turns
; on 32-bit paging itself (a page directory at 0x1000 with one 4 MiB
; page, CR4.PSE, CR0.PG), then writes VGA text and parks in `jmp $`.
; kvm-pvm cannot run 32-bit paging: simple-kvm says so (exit 3); the
; nested suite runs it.
bits 16
cpu 386
org 0x7C00

start:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7C00
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
    mov edi, 0x1000                 ; the page directory
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov dword [0x1000], 0x00000083  ; 4 MiB page at 0: P, RW, PS
    mov eax, cr4
    or eax, 0x10                    ; CR4.PSE
    mov cr4, eax
    mov eax, 0x1000
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000              ; CR0.PG
    mov cr0, eax
    mov esi, msg
    mov edi, 0xB8000
    mov ah, 0x0E                    ; yellow on black
.put:
    lodsb
    test al, al
    jz .done
    stosw
    jmp .put
.done:
    jmp $

msg: db "32-bit paging: on", 0

align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF           ; 0x08: code
    dq 0x00CF92000000FFFF           ; 0x10: data
gdtr:
    dw gdtr - gdt - 1
    dd gdt

    times 510 - ($ - $$) db 0
    dw 0xAA55
