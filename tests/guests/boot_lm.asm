; boot_lm.asm - from real mode straight to 64-bit long mode, as the
; OSDev wiki's "Entering Long Mode Directly" does: identity-map the
; first 2 MiB with one 2 MiB page (PML4 at 0x1000, PDPT 0x2000, PD
; 0x3000), CR4.PAE, CR3, EFER.LME, then CR0.PG|PE and a far jump into a
; 64-bit code segment; 64-bit code writes into VGA text memory and
; parks in `jmp $`.
%include "boot.inc"                 ; bits 16, org 0x7C00
cpu x64

start:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7C00
    mov si, msg
    bios_puts .switch
.switch:
    cli
    mov di, 0x1000                  ; three zeroed tables
    mov cx, 3 * 4096 / 4
    xor eax, eax
    rep stosd
    mov dword [0x1000], 0x2003      ; PML4[0] -> PDPT, present, writable
    mov dword [0x2000], 0x3003      ; PDPT[0] -> PD
    mov dword [0x3000], 0x0083      ; PD[0]: 2 MiB page at 0, PS
    mov eax, CR4_PAE
    mov cr4, eax
    mov eax, 0x1000
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_PE
    mov cr0, eax
    lgdt [gdtr]
    jmp 0x08:lm

bits 64
lm:
    flat_data_segments
    mov rsi, lm_msg
    mov rdi, 0xB8000 + 2 * 80 * 2   ; row 2, column 0
    mov ah, 0x0B                    ; light cyan on black
    vga_puts .done
.done:
    jmp $

msg: db "boot sector: switching to long mode", 13, 10, 0
lm_msg: db "64-bit long mode: written to 0xB8000", 0

align 8
gdt:
    dq 0                            ; null
    dq 0x00209A0000000000           ; 0x08: 64-bit code
    dq 0x0000920000000000           ; 0x10: data
gdtr:
    dw gdtr - gdt - 1
    dd gdt

    boot_signature
