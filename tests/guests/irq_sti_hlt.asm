; irq_sti_hlt.asm - halts with interrupts on and no timer programmed.
; Under --irqchip it waits for an interrupt that never comes: --timeout
; ends it (exit 124). Without --irqchip, HLT exits: exit 0.
bits BITS
org 0
    sti
    hlt
    jmp $                         ; never: nothing is programmed
