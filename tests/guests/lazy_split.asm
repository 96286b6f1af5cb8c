; lazy_split.asm - accesses KVM splits in two (BITS 32 or 64, --mem 128M:
; one lazy piece, [64 MiB, 128 MiB)). A word across a page boundary is
; two MMIO exits: the first registers the last lazy piece, the second
; must still be done on the host copy. Also checks that CPUID offers no
; KVM paravirtual feature that makes KVM write guest memory (vm.c).
; Prints "split ok"; a failed check exits with its own status.
bits BITS
org 0
%include "hypercall.inc"

SPLIT    equ 0x4000FFC        ; 4 bytes before a page boundary, lazy piece
KVM_PV_LEAF equ 0x40000001
PV_WRITING_RAM equ (1 << 0) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 9) | (1 << 14)

%if BITS == 64
%define RBX rbx
%define RAX rax
%define WORD_BYTES 8
%define PATTERN 0x1122334455667788
%else
%define RBX ebx
%define RAX eax
%define WORD_BYTES 4
%define PATTERN 0x11223344
%endif

    mov RBX, SPLIT
    mov RAX, [RBX]            ; read across the page: two exits
    test RAX, RAX
    jnz fail1
    mov RAX, PATTERN
    mov [RBX], RAX            ; write across the page: two exits
    mov RAX, [RBX]
    mov RBX, PATTERN
    cmp RAX, RBX
    jne fail2

    mov eax, KVM_PV_LEAF
    xor ecx, ecx
    cpuid
    test eax, PV_WRITING_RAM
    jnz fail3

    hc_print_str ok
    hc_exit 0

fail1: hc_exit 1
fail2: hc_exit 2
fail3: hc_exit 3

ok: db "split ok", 10, 0
