; dev_a20.asm - the A20 gate devices in any mode: port 0x92 reads A20 on,
; a write asking for A20 off cannot turn it off (it still reads on), then
; bit 0 resets the machine, which ends the run (tests/run/test_devices.c,
; also under --repeat: each run starts from power-on). Prints
; "a20 1 1" on 0xE9; if the reset did not end the run, isa-debug-exit 1.
bits BITS
org 0
%include "hypercall.inc"
    mov dx, LAYOUT_PORT_CONSOLE
    mov al, 'a'
    out dx, al
    mov al, '2'
    out dx, al
    mov al, '0'
    out dx, al
    in al, LAYOUT_PORT_SYSCTL_A
    call bit1
    xor al, al                ; A20 off (and no reset)
    out LAYOUT_PORT_SYSCTL_A, al
    in al, LAYOUT_PORT_SYSCTL_A
    call bit1
    mov al, 10
    out dx, al
    mov al, 1                 ; fast reset
    out LAYOUT_PORT_SYSCTL_A, al
    mov al, 1                 ; not reached: the run ended
    out LAYOUT_PORT_DEBUG_EXIT, al
    hlt

; " 0" or " 1": bit 1 of AL, on the console (DX).
bit1:
    shr al, 1
    and al, 1
    add al, '0'
    mov ah, al
    mov al, ' '
    out dx, al
    mov al, ah
    out dx, al
    ret
