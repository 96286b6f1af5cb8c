; dev_fw_cfg.asm - reads QEMU's fw_cfg (tests/run/test_devices.c): the
; signature with `rep insb` (as SeaBIOS reads), then the ID, the number
; of CPUs, the RAM size (both halves) and an item that has no data (the
; file directory) byte by byte, each printed with print_u32. Exit 0
; through isa-debug-exit.
bits BITS
org 0
%include "hypercall.inc"

; select KEY - a 16-bit OUT to the selector
%macro select 1
    mov dx, LAYOUT_PORT_FW_CFG_SEL
    mov ax, %1
    out dx, ax
%endmacro

    select 0x0000             ; FW_CFG_SIGNATURE
    mov dx, LAYOUT_PORT_FW_CFG_DATA
%if BITS == 64
    mov edi, sig
    mov ecx, 4
%elif BITS == 32
    mov edi, sig
    mov ecx, 4
%else
    mov di, sig
    mov cx, 4
%endif
    rep insb
    hc_print_str sig_line
    select 0x0001             ; FW_CFG_ID
    call read32
    hc_print_u32 ebx
    select 0x0005             ; FW_CFG_NB_CPUS: 16 bits
    call read32               ; its other two bytes read 0
    hc_print_u32 ebx
    select 0x0003             ; FW_CFG_RAM_SIZE: 64 bits
    call read32
    hc_print_u32 ebx
    call read32
    hc_print_u32 ebx
    select 0x0019             ; FW_CFG_FILE_DIR: no files here
    call read32
    hc_print_u32 ebx
    mov dx, LAYOUT_PORT_DEBUG_EXIT
    xor eax, eax
    out dx, eax
    hlt

; read32: four data bytes, little-endian, into EBX
read32:
    mov dx, LAYOUT_PORT_FW_CFG_DATA
    xor ebx, ebx
    mov cx, 4
.byte:
    in al, dx
    ror ebx, 8
    mov bl, al
    dec cx
    jnz .byte
    ror ebx, 8
    ret

sig_line: db "fw_cfg signature: "
sig: db "????", 10, 0
