; repeat_state.asm - everything a 64-bit guest can change in the vCPU,
; printed first, then changed: under --repeat every run must print the
; same lines, whatever the run before it did (run 1's values). Printed:
; exit_count on entry, the low and high halves of STAR, LSTAR, CSTAR,
; SFMASK, KERNEL_GS_BASE, FS_BASE, GS_BASE, SYSENTER_CS/ESP/EIP and PAT,
; DR0-DR3 and DR7, the x87 control word, the TSC's high half (run 1 starts near 0; a later run that did not get its
; TSC back would read the huge value the last run wrote), and
; exit_count once more. (No x87, SSE or XSAVE changes: kvm-pvm runs
; guest code in its instruction emulator, which lacks fldcw and SSE; tests/run/test_promises.c
; compares the XSAVE state and XCRs KVM reports instead.)
bits 64
org 0
%include "hypercall.inc"

%macro print_r64 1               ; both halves of a 64-bit register
    mov rbx, %1
    hc_print_u32 ebx
    shr rbx, 32
    hc_print_u32 ebx
%endmacro
%macro print_msr 1
    mov ecx, %1
    rdmsr
    shl rdx, 32
    or rax, rdx
    print_r64 rax
%endmacro
%macro write_msr 2               ; msr, 64-bit value
    mov ecx, %1
    mov rax, %2
    mov rdx, rax
    shr rdx, 32
    wrmsr
%endmacro

MSR_TSC            equ 0x10
MSR_SYSENTER_CS    equ 0x174
MSR_SYSENTER_ESP   equ 0x175
MSR_SYSENTER_EIP   equ 0x176
MSR_PAT            equ 0x277
MSR_STAR           equ 0xC0000081
MSR_LSTAR          equ 0xC0000082
MSR_CSTAR          equ 0xC0000083
MSR_SFMASK         equ 0xC0000084
MSR_FS_BASE        equ 0xC0000100
MSR_GS_BASE        equ 0xC0000101
MSR_KERNEL_GS_BASE equ 0xC0000102

    hc_exit_count
    hc_print_u32 eax

    print_msr MSR_STAR
    print_msr MSR_LSTAR
    print_msr MSR_CSTAR
    print_msr MSR_SFMASK
    print_msr MSR_KERNEL_GS_BASE
    print_msr MSR_FS_BASE
    print_msr MSR_GS_BASE
    print_msr MSR_SYSENTER_CS
    print_msr MSR_SYSENTER_ESP
    print_msr MSR_SYSENTER_EIP
    print_msr MSR_PAT
    mov rax, dr0
    print_r64 rax
    mov rax, dr1
    print_r64 rax
    mov rax, dr2
    print_r64 rax
    mov rax, dr3
    print_r64 rax
    mov rax, dr7
    print_r64 rax
    rdtsc
    shr edx, 28                  ; TSC bits 63:60: 0 now, 7 after the write
    hc_print_u32 edx

    ; Now change all of it.
    write_msr MSR_STAR, 0x0023001000000000
    write_msr MSR_LSTAR, 0xFFFF800012345678
    write_msr MSR_CSTAR, 0xFFFF800087654321
    write_msr MSR_SFMASK, 0x47700
    write_msr MSR_KERNEL_GS_BASE, 0xFFFF888000001000
    write_msr MSR_FS_BASE, 0x7F0000001000
    write_msr MSR_GS_BASE, 0x7F0000002000
    write_msr MSR_SYSENTER_CS, 0x10
    write_msr MSR_SYSENTER_ESP, 0xFFFF800000100000
    write_msr MSR_SYSENTER_EIP, 0xFFFF800000200000
    write_msr MSR_PAT, 0x0007010600070106
    write_msr MSR_TSC, 0x7000000000000000
    mov rax, 0x123450
    mov dr0, rax
    mov rax, 0x223450
    mov dr1, rax
    mov rax, 0x323450
    mov dr2, rax
    mov rax, 0x423450
    mov dr3, rax
    ; LE and GE: a change to DR7 that arms no breakpoint (QEMU's TCG,
    ; which runs the nested suite, crashes when a nested guest's DR7
    ; arms one across a vCPU state load)
    mov rax, 0x700
    mov dr7, rax

    hc_exit_count
    hc_print_u32 eax
    hc_exit 0

align 8
scratch: dq 0
