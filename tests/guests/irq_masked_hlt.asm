; irq_masked_hlt.asm - starts the PIT (IRQ0 at ~1 kHz), masks every line
; of both 8259 PICs (the IOAPIC's pins and the local APIC's own LVTs are
; masked as KVM reset them) and halts with interrupts enabled. Under
; --irqchip nothing can wake it: the run ends as a halt, promptly
; (exit 0), though IF is set.
bits BITS
org 0
%include "pc_chips.inc"
    mov al, PIC_ALL_MASKED
    out PIC1_DATA, al
    out PIC2_DATA, al
    pit_start_periodic
    sti
    hlt
    jmp $                         ; never: every line is masked
