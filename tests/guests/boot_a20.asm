; boot_a20.asm - enables A20 both ways tutorials do before protected mode:
; "fast A20" through System Control Port A (0x92), then the 8042 keyboard
; controller (disable the keyboard, read the output port, write it back
; with bit 1 set, enable the keyboard; the input buffer polled before
; every write). Checks the 1 MiB wraparound is gone (0000:0500 and
; FFFF:0510 are different bytes), says so through int 0x10, enters
; protected mode, writes VGA text and parks in `jmp $`.
%include "boot.inc"                 ; bits 16, org 0x7C00

start:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7C00
    cli

    ; Fast A20: set bit 1, never bit 0 (that resets the machine).
    in al, PORT_SYSCTL_A
    test al, SYSCTL_A_A20
    jnz .fast_done                  ; already on: leave the port alone
    or al, SYSCTL_A_A20
    and al, ~SYSCTL_A_RESET & 0xFF
    out PORT_SYSCTL_A, al
.fast_done:
    in al, PORT_SYSCTL_A
    test al, SYSCTL_A_A20
    jz fail

    ; The 8042 way.
    call wait_in
    mov al, 0xAD                    ; disable the keyboard
    out I8042_CMD, al
    call wait_in
    mov al, 0xD0                    ; read the output port
    out I8042_CMD, al
    call wait_out
    in al, I8042_DATA
    push ax
    call wait_in
    mov al, 0xD1                    ; write the output port
    out I8042_CMD, al
    call wait_in
    pop ax
    or al, I8042_OUT_A20
    out I8042_DATA, al
    call wait_in
    mov al, 0xAE                    ; enable the keyboard
    out I8042_CMD, al
    call wait_in
    mov al, 0xD0                    ; read it back: A20 set?
    out I8042_CMD, al
    call wait_out
    in al, I8042_DATA
    test al, I8042_OUT_A20
    jz fail

    ; No wraparound: FFFF:0510 is 0x100500, not 0x000500.
    mov ax, 0xFFFF
    mov es, ax
    mov byte [0x0500], 0x00
    mov byte [es:0x0510], 0xFF
    cmp byte [0x0500], 0xFF
    je fail

    mov si, msg
    call print
    enter_pm32 pm

fail:
    mov si, bad
    call print
    jmp $

wait_in:
    i8042_wait_in
    ret

; Wait until the 8042 has an answer.
wait_out:
    in al, I8042_CMD
    test al, I8042_OUT_FULL
    jz wait_out
    ret

    bios_print_fn

bits 32
pm:
    flat_data_segments
    mov esp, 0x90000
    mov byte [0x100500], 0x5A       ; above 1 MiB, as a kernel would
    mov esi, pm_msg
    mov edi, 0xB8000 + 2 * 80 * 2   ; row 2, column 0
    mov ah, 0x0A                    ; light green on black
    vga_puts .done
.done:
    jmp $

msg: db "A20 on", 13, 10, 0
bad: db "A20 still off", 13, 10, 0
pm_msg: db "protected mode with A20 on", 0

    gdt_flat32

    boot_signature
