; lazy_cpl3.asm - user-mode code (CPL 3) runs from never-written lazy
; RAM (64-bit, --mem 192M). Where KVM cannot fetch an instruction at
; CPL > 0 it would give the guest a #UD instead of exiting to user space;
; simple-kvm asks for every emulation failure (vm.c), registers the piece
; and retries. Four `add [rax], al` (00 00) then the RET the guest stored
; at the start of the next piece: [SCRATCH + 3] goes 0 -> 12. Prints 12.
bits 64
org 0
%include "hypercall.inc"

ZEROS_END equ 0x8000000       ; piece 2 starts here; piece 1 below is never written
SCRATCH   equ 0x600000
PTE_US    equ 1 << 2
USER_DATA equ 0x18 | 3
USER_CODE equ 0x20 | 3
USER_RSP  equ 0x1F0000
RFLAGS_IOPL3 equ 0x3002       ; IOPL 3: user code may use the hypercall ports

    ; User bit on the loader's identity map of the first GiB.
    or qword [LAYOUT_PAGING_BASE], PTE_US
    or qword [LAYOUT_PDPT_BASE], PTE_US
    mov rdi, LAYOUT_PD_BASE
    mov ecx, 512
.pde:
    or qword [rdi], PTE_US
    add rdi, 8
    loop .pde
    mov rax, cr3
    mov cr3, rax
    lgdt [gdtr]
    push USER_DATA            ; ss
    push USER_RSP
    push RFLAGS_IOPL3
    push USER_CODE            ; cs
    push user
    iretq
user:
    mov rbx, ZEROS_END
    mov byte [rbx], 0xC3      ; ret, at the start of piece 2
    mov rax, SCRATCH + 3
    sub rbx, 8
    call rbx
    movzx eax, byte [SCRATCH + 3]
    hc_print_u32 eax
    hc_exit 0

align 8
gdt: dq 0
     dq 0x00209A0000000000    ; 0x08 ring-0 code64
     dq 0x0000920000000000    ; 0x10 ring-0 data
     dq 0x0000F20000000000    ; 0x18 ring-3 data
     dq 0x0020FA0000000000    ; 0x20 ring-3 code64
gdtr: dw $ - gdt - 1
      dq gdt
