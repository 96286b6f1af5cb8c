; irq_masked_hlt.asm - starts the PIT (IRQ0 at ~1 kHz), masks every line
; of both 8259 PICs (the IOAPIC's pins and the local APIC's own LVTs are
; masked as KVM reset them) and halts with interrupts enabled. Under
; --irqchip nothing can wake it: the run ends as a halt, promptly
; (exit 0), though IF is set.
bits BITS
org 0
PIC1_DATA  equ 0x21
PIC2_DATA  equ 0xA1
PIC_ALL_MASKED equ 0xFF
PIT_CH0    equ 0x40
PIT_CMD    equ 0x43
PIT_CH0_RATE equ 0x34         ; channel 0, lobyte/hibyte, mode 2, binary
PIT_DIVISOR  equ 1193         ; ~1 kHz
    mov al, PIC_ALL_MASKED
    out PIC1_DATA, al
    out PIC2_DATA, al
    mov al, PIT_CH0_RATE
    out PIT_CMD, al
    mov al, PIT_DIVISOR & 0xFF
    out PIT_CH0, al
    mov al, PIT_DIVISOR >> 8
    out PIT_CH0, al
    sti
    hlt
    jmp $                         ; never: every line is masked
