; lazy_sse.asm - an instruction KVM's emulator cannot run (PADDD) with
; its operand in lazy RAM (BITS 32 or 64, --mem 128M). On VMX/SVM the
; access is an emulation failure, not an MMIO exit: simple-kvm registers
; all RAM and retries (src/exits.c). The sum of zeros and 5 stored next
; to it must come out right. Prints "sse ok".
bits BITS
org 0
%include "hypercall.inc"

LAZY     equ 0x5000000        ; in the lazy piece [64 MiB, 128 MiB)
CR0_EM   equ 1 << 2
CR0_MP   equ 1 << 1
CR4_OSFXSR equ 1 << 9
CR4_OSXMMEXCPT equ 1 << 10

%if BITS == 64
%define RAX rax
%define RBX rbx
%else
%define RAX eax
%define RBX ebx
%endif

    ; Let SSE run: no x87 emulation, FXSAVE-aware OS.
    mov RAX, cr0
    and RAX, ~CR0_EM
    or RAX, CR0_MP
    mov cr0, RAX
    mov RAX, cr4
    or RAX, CR4_OSFXSR | CR4_OSXMMEXCPT
    mov cr4, RAX

    pxor xmm0, xmm0
    mov RBX, five
    paddd xmm0, [RBX]         ; xmm0 = 5, 5, 5, 5 (from the image)
    mov RBX, LAZY
    paddd xmm0, [RBX]         ; + zeros from never-touched RAM
    movd eax, xmm0
    cmp eax, 5
    jne fail1

    hc_print_str ok
    hc_exit 0

fail1: hc_exit 1

align 16
five: dd 5, 5, 5, 5
ok: db "sse ok", 10, 0
