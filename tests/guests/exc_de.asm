; exc_de.asm - divide by zero at offset 0x10, no IDT of the guest's own:
; the loader's handler must name #DE at RIP 0x10 (exit 4). In real mode
; the IVT is the loader's too, never the image at address 0, so the CPU
; cannot wander through the guest's own bytes to a stray HLT (a silent
; pass).
bits BITS
org 0
    xor eax, eax
    xor edx, edx
    xor ecx, ecx
    times 0x10 - ($ - $$) nop
    div ecx                   ; 0x10: #DE
    hlt
