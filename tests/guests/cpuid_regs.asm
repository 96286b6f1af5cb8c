; cpuid_regs.asm - the guest's CPUID, left in registers for --dump
; (tests/run/test_hostinfo.c): the same with and without the host cache
; (src/kvm/hostinfo.h). Leaf 1 ECX/EDX in R9/R10, 0x80000001 ECX/EDX in
; R11/R12, KVM's PV features (0x40000001 EAX) in R13, leaf 7 EBX/ECX in
; R14/R15; then HLT.
bits 64
org 0
    mov eax, 1
    xor ecx, ecx
    cpuid
    mov r9d, ecx
    mov r10d, edx
    mov eax, 0x80000001
    xor ecx, ecx
    cpuid
    mov r11d, ecx
    mov r12d, edx
    mov eax, 0x40000001
    xor ecx, ecx
    cpuid
    mov r13d, eax
    mov eax, 7
    xor ecx, ecx
    cpuid
    mov r14d, ebx
    mov r15d, ecx
    hlt
