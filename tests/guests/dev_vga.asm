; dev_vga.asm - writes VGA text memory and halts with interrupts off
; (tests/run/test_devices.c): "Hello VGA" white on blue at row 0, a box
; line in yellow at row 5, the cursor moved to row 6, column 3 through
; the CRTC (one register with the `out dx, ax` idiom, one byte by byte,
; read back: exit 5 through isa-debug-exit if it does not hold). Prints
; "vga" without a newline on port 0xE9 first. In every bitness: the
; 16-bit build is the real-mode writer (segment 0xB800).
bits BITS
org 0
%include "hypercall.inc"

%define CRTC LAYOUT_PORT_CRTC_INDEX
%define ROW5 (5 * 80 * 2)
%define CURSOR (6 * 80 + 3)

    hc_putchars 'v', 'g', 'a'
%if BITS == 16
    mov ax, LAYOUT_VGA_TEXT_BASE >> 4
    mov es, ax
    mov si, row0
    xor di, di
    mov cx, row0_len
    rep movsb
    mov si, row5
    mov di, ROW5
    mov cx, row5_len
    rep movsb
%else
    mov esi, row0
    mov edi, LAYOUT_VGA_TEXT_BASE
    mov ecx, row0_len
    rep movsb
    mov esi, row5
    mov edi, LAYOUT_VGA_TEXT_BASE + ROW5
    mov ecx, row5_len
    rep movsb
%endif
    mov dx, CRTC
    mov ax, ((CURSOR >> 8) << 8) | 0x0E ; index 0x0E, then its data
    out dx, ax
    mov al, 0x0F
    out dx, al
    inc dx
    mov al, CURSOR & 0xFF
    out dx, al
    in al, dx
    cmp al, CURSOR & 0xFF
    jne bad
    dec dx
    mov al, 0x0E
    out dx, al
    inc dx
    in al, dx
    cmp al, CURSOR >> 8
    jne bad
    cli
    hlt
bad:
    mov dx, LAYOUT_PORT_DEBUG_EXIT
    mov al, 5
    out dx, al
    hlt

; cells TEXT, ATTR - a string as character/attribute pairs
%macro cells 2
%strlen %%n %1
%assign %%i 1
%rep %%n
%substr %%c %1 %%i
    db %%c, %2
%assign %%i %%i + 1
%endrep
%endmacro

row0: cells "Hello VGA", 0x1F
row0_len equ $ - row0
row5:
    db 0xDA, 0x0E             ; CP437 box drawing: a corner,
%rep 10
    db 0xC4, 0x0E             ; a horizontal line,
%endrep
    db 0xBF, 0x0E             ; the other corner
row5_len equ $ - row5
