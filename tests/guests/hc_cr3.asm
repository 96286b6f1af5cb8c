; hc_cr3.asm - the host translates each print_str pointer with the paging
; state of that very exit (64-bit, --mem 8M): the same linear address
; prints "A", then "B" once CR3 points at tables that map it elsewhere,
; then "A" again. The first pointer call reads the sregs with an ioctl,
; later ones from kvm_run (KVM_CAP_SYNC_REGS, src/exits.c): a stale copy
; would print "A" three times.
bits 64
org 0
%include "hypercall.inc"

PML4     equ 0x10000          ; our own tables: identity, but for one 2 MiB
PDPT     equ 0x11000          ; page
PD       equ 0x12000
TEXT     equ 0x200000         ; linear address printed three times
OTHER    equ 0x400000         ; where our tables map TEXT
PTE_P_RW equ 0x3
PDE_PS   equ 0x80

    mov byte [TEXT], 'A'
    mov byte [TEXT + 1], 10
    mov byte [OTHER], 'B'
    mov byte [OTHER + 1], 10
    hc_print_str TEXT

    ; PD: 2 MiB pages for the first 8 MiB, identity but for TEXT's page.
    xor ecx, ecx
.pde:
    mov eax, ecx
    shl eax, 21
    or eax, PTE_P_RW | PDE_PS
    mov [PD + rcx * 8], eax
    inc ecx
    cmp ecx, 4
    jne .pde
    mov dword [PD + 1 * 8], OTHER | PTE_P_RW | PDE_PS
    mov dword [PDPT], PD | PTE_P_RW
    mov dword [PML4], PDPT | PTE_P_RW
    mov rbx, cr3
    mov eax, PML4
    mov cr3, rax
    hc_print_str TEXT
    mov cr3, rbx
    hc_print_str TEXT
    hc_exit 0
