; irq_cli_hlt.asm - halts with interrupts off. Under --irqchip, where KVM
; no longer exits on HLT, nothing can wake it: the run still ends as a
; halt, promptly (exit 0).
bits BITS
org 0
    cli
    hlt
    jmp $                         ; never: nothing can wake it
