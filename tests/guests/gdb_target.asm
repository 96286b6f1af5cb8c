; gdb_target.asm - a guest with its code at fixed offsets, for the gdb
; tests (tests/run/test_gdb.c), assembled for BITS 16, 32 and 64.
;
;   0x00  start: A = 7
;   0x10  brk: a 2-byte short jump to 0x20, so a single step from the
;         breakpoint lands on a known address in every mode
;   0x20  stepped: A = A + 1 + [value]; RESULT = A; hlt
;   0x80  the string "gdb-data" (read with x/s)
;   0x90  value: 1 (a dword)
; The tests set A to 0 at 0x20 (register write) and value to 41 (memory
; write), so the run passes --expect-rax 42 only if both writes landed.
bits BITS
%include "layout.inc"

%if BITS == 64
  %define A eax   ; 32-bit ops zero-extend into RAX
  %define RA rax
  %define VALUE [abs value]
%elif BITS == 32
  %define A eax
  %define RA eax
  %define VALUE [value]
%else
  %define A ax
  %define RA ax
  %define VALUE [value]
%endif

org 0

start:
    mov A, 7
    times 0x10 - ($ - $$) nop
brk:
    jmp short stepped
    times 0x20 - ($ - $$) nop
stepped:
    inc A
    add A, VALUE
%if BITS == 64
    mov [abs LAYOUT_RESULT_ADDR], RA
%else
    mov [LAYOUT_RESULT_ADDR], RA
%endif
    hlt
    times 0x80 - ($ - $$) db 0
    db "gdb-data", 0
    times 0x90 - ($ - $$) db 0
value:
    dd 1
