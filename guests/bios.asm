; bios.asm - the BIOS of --boot (README, "Boot sectors"), at F000:0000.
;
; The host (core/bios.c) copies this image to LAYOUT_BIOS_BASE, points
; every IVT entry at the handler the `vectors` table names, and starts
; the boot sector at 0000:7C00. Each handler but int 0x11/0x12 pushes
; its vector number and goes to `service`, which pushes the caller's
; registers (the frame of core/bios.h) and passes the frame's linear
; address to the host with the bios hypercall; the host does the work,
; writes the results (and CF/ZF in the saved FLAGS) into the frame, and
; the handler pops it and returns. A vector the host does not serve
; ends the run there, named. No vector uses int 0x80 (on kvm-pvm a
; real-mode int 0x80 never returns).
bits 16
cpu 386
%include "layout.inc"

BDA_EQUIPMENT equ LAYOUT_BDA_BASE + 0x10
BDA_MEM_KB    equ LAYOUT_BDA_BASE + 0x13
STUB_SIZE     equ 6                 ; push strict word, jmp strict near

org 0

header:                             ; core/bios.h: BIOS_HDR_*
    db "SKVMBIOS"                   ; BIOS_HDR_MAGIC
    dw vectors                      ; BIOS_HDR_VECTORS
    db 0                            ; BIOS_HDR_DRIVE: the host writes it
    times 16 - ($ - $$) db 0

vectors:                            ; the handler of each vector 0-255
%assign v 0
%rep 256
%if v == 0x11
    dw int11
%elif v == 0x12
    dw int12
%else
    dw stubs + v * STUB_SIZE
%endif
%assign v v + 1
%endrep

stubs:
%assign v 0
%rep 256
    push strict word v
    jmp strict near service
%assign v v + 1
%endrep
; Exactly STUB_SIZE bytes a stub: a negative TIMES count fails the build.
    times 256 * STUB_SIZE - ($ - stubs) db 0
    times ($ - stubs) - 256 * STUB_SIZE db 0

; The caller's registers, then the host does the service on them.
service:
    push es
    push ds
    pushad
    mov ax, ss                      ; the frame's linear address: SS*16+SP
    movzx eax, ax
    shl eax, 4
    movzx edx, sp
    add eax, edx
    mov dx, LAYOUT_PORT_HC_BIOS
    out dx, eax
    popad
    pop ds
    pop es
    add sp, 2                       ; the vector number
    iret

; int 0x11: the equipment word, int 0x12: KiB of conventional memory,
; both straight from the BIOS data area.
int11:
    push ds
    push word 0
    pop ds
    mov ax, [BDA_EQUIPMENT]
    pop ds
    iret

int12:
    push ds
    push word 0
    pop ds
    mov ax, [BDA_MEM_KB]
    pop ds
    iret
