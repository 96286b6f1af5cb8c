; hlt.asm - halts at once (64-bit): no exit but the HLT, so a --repeat
; run of it costs only simple-kvm's restore and re-entry.
bits 64
org 0
    hlt
