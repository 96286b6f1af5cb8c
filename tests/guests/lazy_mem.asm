; lazy_mem.asm - RAM the loader never touched behaves as RAM (memslots.h):
; BITS 32 or 64; run with --mem 1G (32-bit) or --mem 8G (64-bit), lazily or with
; --eager-mem; the results must not differ. Each check that fails exits
; through the exit hypercall with its own status; all pass: "lazy ok".
; Every address below starts untouched, so under --repeat each run also
; proves the previous run's writes (the guest's and the host's) were undone.
bits BITS
org 0
%include "hypercall.inc"

; Pieces are 64 MiB (MEMSLOTS_CHUNK); each address below is in a piece
; of its own, and so is each side of EDGE and of RUN_AT.
SCRATCH  equ 0x600000         ; low RAM: the first piece, always registered
HC_BUF   equ 0x2C000000       ; 704 MiB: the host writes exit_stats here
%if BITS == 64
FAR_RAM  equ 0x140000000      ; 5 GiB: above the hole
EDGE     equ 0x180000000      ; 6 GiB: a piece boundary
RUN_AT   equ 0x1C0000000      ; 7 GiB: a piece boundary
%else
FAR_RAM  equ 0x28000000       ; 640 MiB
EDGE     equ 0x34000000       ; 832 MiB: a piece boundary
RUN_AT   equ 0x3C000000       ; 960 MiB: a piece boundary
%endif
MSG_LEN  equ 48

%if BITS == 64
%define RBX rbx
%define RSI rsi
%define RDI rdi
%define RAX rax
%else
%define RBX ebx
%define RSI esi
%define RDI edi
%define RAX eax
%endif

    ; 1. An untouched word reads as zero; a write reads back.
    mov RBX, FAR_RAM
    cmp dword [RBX + 8], 0
    jne fail1
    mov dword [RBX + 8], 0x12345678
    cmp dword [RBX + 8], 0x12345678
    jne fail2

    ; 2. A string copy across a piece boundary, then compared back.
    mov RSI, msg
    mov RDI, EDGE - MSG_LEN / 2
    mov ecx, MSG_LEN
    cld
    rep movsb
    mov RSI, msg
    mov RDI, EDGE - MSG_LEN / 2
    mov ecx, MSG_LEN
    repe cmpsb
    jne fail3

    ; 3. The host reads an untouched piece (print_str: an empty string,
    ;    unless an earlier run's exit_stats text was not undone), then
    ;    writes into it (exit_stats); the guest finds the text there.
    hc_print_str HC_BUF
    hc_exit_stats HC_BUF
    cmp byte [HC_BUF], 'I'
    jne fail5

    ; 4. Code runs from never-written RAM: four `add [RAX], al` (00 00)
    ;    in an untouched piece, then the RET the guest stored at the
    ;    start of the next one. [SCRATCH + 3] goes 0 -> 4 * 3.
    cmp byte [SCRATCH + 3], 0
    jne fail6
    mov RBX, RUN_AT
    mov byte [RBX], 0xC3      ; ret
    mov RAX, SCRATCH + 3
    sub RBX, 8
    call RBX
    cmp byte [SCRATCH + 3], 12
    jne fail7

    hc_print_str ok
    hc_exit 0

fail1: hc_exit 1
fail2: hc_exit 2
fail3: hc_exit 3
fail5: hc_exit 5
fail6: hc_exit 6
fail7: hc_exit 7

msg: db "a string that crosses from one piece to the next"
ok:  db "lazy ok", 10, 0
