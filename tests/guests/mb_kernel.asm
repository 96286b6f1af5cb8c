; mb_kernel.asm - a Multiboot 1 kernel as a flat file: the header's address
; fields (flag bit 16, the "a.out kludge") say where it loads (1 MiB) and
; where it starts. Nothing of simple-kvm's: it prints on COM1 (polling the
; 16550's LSR as drivers do) and ends through isa-debug-exit (port 0xF4),
; so QEMU's `-kernel` runs it too (scripts/bench).
;
; It checks what the loader hands over and prints it, one fact a line
; (tests/run/test_multiboot.c holds the whole output): EAX = 0x2BADB002,
; the info flags, boot_loader_name, the cmdline, mem_lower/mem_upper, every
; memory map entry, and each module: its size, that it is page-aligned
; (header flag bit 0 asks for it) and its first line. A failed check prints
; "FAIL <why>" and writes its number to isa-debug-exit; all passed writes 0.
; Failure values: 2 magic, 3 info flags, 4 usable RAM in the map differs
; from mem_lower + mem_upper, 5 module not page-aligned, 6 no module.
bits 32

MB_HEADER_MAGIC equ 0x1BADB002
MB_BOOT_MAGIC   equ 0x2BADB002
MB_PAGE_ALIGN   equ 1 << 0
MB_MEMINFO      equ 1 << 1
MB_ADDRS        equ 1 << 16
MB_FLAGS        equ MB_PAGE_ALIGN | MB_MEMINFO | MB_ADDRS
LOAD_ADDR       equ 0x100000

; Info fields (Multiboot 0.6.96, 3.3) and the flags this kernel needs:
; mem (0), cmdline (2), mods (3), mmap (6), boot_loader_name (9).
INFO_FLAGS      equ 0
INFO_MEM_LOWER  equ 4
INFO_MEM_UPPER  equ 8
INFO_CMDLINE    equ 16
INFO_MODS_COUNT equ 20
INFO_MODS_ADDR  equ 24
INFO_MMAP_LEN   equ 44
INFO_MMAP_ADDR  equ 48
INFO_LOADER     equ 64
INFO_NEEDED     equ (1 << 0) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 9)
MMAP_RAM        equ 1

COM1            equ 0x3F8
COM1_LSR        equ COM1 + 5
LSR_THRE        equ 0x20
DEBUG_EXIT      equ 0xF4

org LOAD_ADDR
header:
    dd MB_HEADER_MAGIC, MB_FLAGS, -(MB_HEADER_MAGIC + MB_FLAGS)
    dd header     ; header_addr
    dd LOAD_ADDR  ; load_addr
    dd load_end   ; load_end_addr
    dd bss_end    ; bss_end_addr
    dd start      ; entry_addr

start:
    mov esp, stack_top      ; the spec leaves ESP undefined
    cmp eax, MB_BOOT_MAGIC
    jne .bad_magic
    mov ebp, ebx            ; the information structure, kept in EBP

    mov esi, s_magic
    call puts
    call put_hex
    mov esi, s_flags
    call puts
    mov eax, [ebp + INFO_FLAGS]
    call put_hex
    call newline
    mov eax, [ebp + INFO_FLAGS]
    and eax, INFO_NEEDED
    cmp eax, INFO_NEEDED
    jne .bad_flags

    mov esi, s_loader
    call puts
    mov esi, [ebp + INFO_LOADER]
    call puts
    call newline
    mov esi, s_cmdline
    call puts
    mov esi, [ebp + INFO_CMDLINE]
    call puts
    call newline

    mov esi, s_mem
    call puts
    mov eax, [ebp + INFO_MEM_LOWER]
    call put_dec
    mov al, ' '
    call putc
    mov eax, [ebp + INFO_MEM_UPPER]
    call put_dec
    call newline

    ; The map: "mmap BASE LENGTH TYPE"; usable KiB summed in EDI.
    mov ebx, [ebp + INFO_MMAP_ADDR]
    mov ecx, [ebp + INFO_MMAP_LEN]
    add ecx, ebx            ; end of the map
    xor edi, edi
.mmap:
    cmp ebx, ecx
    jae .mmap_done
    mov esi, s_mmap
    call puts
    mov eax, [ebx + 4]      ; base, low half (RAM here is below 4 GiB)
    call put_hex
    mov al, ' '
    call putc
    mov eax, [ebx + 12]     ; length, low half
    call put_hex
    mov al, ' '
    call putc
    mov eax, [ebx + 20]     ; type
    call put_dec
    call newline
    cmp dword [ebx + 20], MMAP_RAM
    jne .mmap_next
    mov eax, [ebx + 12]
    shr eax, 10
    add edi, eax
.mmap_next:
    add ebx, [ebx]          ; `size` does not count itself
    add ebx, 4
    jmp .mmap
.mmap_done:
    mov eax, [ebp + INFO_MEM_LOWER]
    add eax, [ebp + INFO_MEM_UPPER]
    cmp eax, edi
    jne .bad_ram

    ; Modules: "module N BYTES aligned STRING", then "data FIRST-LINE".
    mov ecx, [ebp + INFO_MODS_COUNT]
    test ecx, ecx
    jz .no_module
    mov ebx, [ebp + INFO_MODS_ADDR]
    xor edx, edx
.module:
    mov esi, s_module
    call puts
    mov eax, edx
    call put_dec
    mov al, ' '
    call putc
    mov eax, [ebx + 4]
    sub eax, [ebx]
    call put_dec
    test dword [ebx], 0xFFF
    jnz .bad_align
    mov esi, s_aligned
    call puts
    mov esi, [ebx + 8]
    call puts
    call newline
    mov esi, s_data
    call puts
    mov esi, [ebx]          ; the module's bytes up to a newline or its end
.data:
    cmp esi, [ebx + 4]
    jae .data_done
    mov al, [esi]
    cmp al, 10
    je .data_done
    call putc
    inc esi
    jmp .data
.data_done:
    call newline
    add ebx, 16
    inc edx
    cmp edx, ecx
    jb .module

    mov esi, s_pass
    call puts
    xor eax, eax
    jmp exit

.bad_magic:
    mov esi, s_bad_magic
    mov eax, 2
    jmp fail
.bad_flags:
    mov esi, s_bad_flags
    mov eax, 3
    jmp fail
.bad_ram:
    mov esi, s_bad_ram
    mov eax, 4
    jmp fail
.bad_align:
    call newline
    mov esi, s_bad_align
    mov eax, 5
    jmp fail
.no_module:
    mov esi, s_no_module
    mov eax, 6
    ; fall through

; Print "FAIL <ESI>" and exit with EAX.
fail:
    push eax
    push esi
    mov esi, s_fail
    call puts
    pop esi
    call puts
    pop eax
exit:
    out DEBUG_EXIT, al
    cli                     ; not reached: isa-debug-exit ends the run
    hlt

; Write AL to COM1 once its transmitter is empty. Keeps every register.
putc:
    push edx
    push eax
    mov dx, COM1_LSR
.wait:
    in al, dx
    test al, LSR_THRE
    jz .wait
    pop eax
    mov dx, COM1
    out dx, al
    pop edx
    ret

; Print the NUL-terminated string at ESI. Keeps all but ESI.
puts:
    push eax
.next:
    lodsb
    test al, al
    jz .done
    call putc
    jmp .next
.done:
    pop eax
    ret

newline:
    push eax
    mov al, 10
    call putc
    pop eax
    ret

; EAX as 8 hex digits. Keeps every register.
put_hex:
    pushad
    mov ecx, 8
    mov edx, eax
.digit:
    rol edx, 4
    mov eax, edx
    and eax, 0xF
    mov al, [hex_digits + eax]
    call putc
    loop .digit
    popad
    ret

; EAX in decimal. Keeps every register.
put_dec:
    pushad
    mov ecx, 10
    xor ebx, ebx            ; digits pushed
.divide:
    xor edx, edx
    div ecx
    push edx
    inc ebx
    test eax, eax
    jnz .divide
.print:
    pop eax
    add al, '0'
    call putc
    dec ebx
    jnz .print
    popad
    ret

hex_digits:  db "0123456789abcdef"
s_magic:     db "magic ", 0
s_flags:     db " flags ", 0
s_loader:    db "loader ", 0
s_cmdline:   db "cmdline ", 0
s_mem:       db "mem ", 0
s_mmap:      db "mmap ", 0
s_module:    db "module ", 0
s_aligned:   db " aligned ", 0
s_data:      db "data ", 0
s_pass:      db "all checks passed", 10, 0
s_fail:      db "FAIL ", 0
s_bad_magic: db "EAX is not the Multiboot magic", 10, 0
s_bad_flags: db "info flags lack mem, cmdline, mods, mmap or loader", 10, 0
s_bad_ram:   db "usable RAM in the map is not mem_lower + mem_upper", 10, 0
s_bad_align: db "module not page-aligned", 10, 0
s_no_module: db "no module", 10, 0
load_end:

section .bss
    resb 4096
stack_top:
bss_end:
