; pit_ticks.asm - a timer interrupt through the in-kernel PIC and PIT
; (--irqchip, kvm/irqchip.h). Prints the PIC masks it found: "pic mask:
; 0" after KVM's reset (--repeat must give every run that state; any
; other value fails the run, exit 1). Remaps the master PIC to vectors
; 0x20-0x27 with only IRQ0 unmasked, programs PIT channel 0 for ~1 kHz
; (mode 2, divisor 1193), installs its own IDT (IVT in real mode) with a
; handler for vector 0x20 that counts (up to NTICKS) and EOIs, sleeps in
; `sti; hlt` until NTICKS ticks came, prints "ticks: 10" and halts with
; interrupts off: the run ends as a halt. The nops after the first `sti`
; (STEP_ADDR) and the handler (TIMER_ADDR) are where gdb tests stop.
bits BITS
org 0
%include "hypercall.inc"

%include "pc_chips.inc"
TIMER_VECTOR equ PIC1_BASE
NTICKS     equ 10
STEP_ADDR  equ 0x100     ; sti, then STEP_NOPS nops
STEP_NOPS  equ 8
TIMER_ADDR equ 0x200     ; the timer handler

    lidt [idtr]
    ; the masks as found, master in the low byte
    in al, PIC2_DATA
    mov ah, al
    in al, PIC1_DATA
    movzx ebx, ax
    hc_putchars 'p', 'i', 'c', ' ', 'm', 'a', 's', 'k', ':', ' '
    hc_print_u32 ebx
    ; KVM resets the PICs with nothing masked: anything else is a state
    ; an earlier run left (--repeat must not), reported as a failure
    test ebx, ebx
    jz .fresh
    hc_exit 1
.fresh:
    ; ICW1-4 to both PICs, then the masks
    mov al, PIC_ICW1
    out PIC1_CMD, al
    out PIC2_CMD, al
    mov al, PIC1_BASE
    out PIC1_DATA, al
    mov al, PIC2_BASE
    out PIC2_DATA, al
    mov al, PIC_CASCADE_IRQ
    out PIC1_DATA, al
    mov al, PIC_CASCADE_ID
    out PIC2_DATA, al
    mov al, PIC_ICW4
    out PIC1_DATA, al
    out PIC2_DATA, al
    mov al, PIC1_ONLY_IRQ0
    out PIC1_DATA, al
    mov al, PIC_ALL_MASKED
    out PIC2_DATA, al
    pit_start_periodic
    ; at a fixed address for gdb (tests/run/test_gdb.c): interrupts on
    ; while the PIT ticks, and a few instructions to single-step through
    times STEP_ADDR - ($ - $$) nop
    sti
    times STEP_NOPS nop
    ; sleep until the ticks came (sti's shadow covers hlt: no tick is
    ; missed between the check and the sleep)
.wait:
    sti
    hlt
    cli
    cmp dword [ticks], NTICKS
    jb .wait
    hc_putchars 't', 'i', 'c', 'k', 's', ':', ' '
    mov ebx, [ticks]
    hc_print_u32 ebx
    hlt                           ; IF clear: nothing can wake it

    times TIMER_ADDR - ($ - $$) nop  ; the handler, at a fixed address
timer:
%if BITS == 64
    push rax
%else
    push eax
%endif
    ; count up to NTICKS: a slow host (or KVM re-injecting ticks it
    ; missed) may deliver another between the wake-up and the `cli`
    cmp dword [ticks], NTICKS
    jae .counted
    inc dword [ticks]
.counted:
    mov al, PIC_EOI
    out PIC1_CMD, al
%if BITS == 64
    pop rax
    iretq
%else
    pop eax
    iret
%endif

align 4
ticks: dd 0

align 16
%if BITS == 16
ivt: times TIMER_VECTOR dd 0
    dw timer, 0                   ; offset, segment 0
ivt_end:
idtr: dw ivt_end - ivt - 1
      dd ivt
%elif BITS == 64
idt: times TIMER_VECTOR dq 0, 0
    ; an interrupt gate to `timer` through the loader's code segment 0x08
    dw timer, 0x08
    db 0, 0x8E
    dw 0
    dd 0, 0
idt_end:
idtr: dw idt_end - idt - 1
      dq idt
%else
idt: times TIMER_VECTOR dq 0
    dw timer, 0x08
    db 0, 0x8E
    dw 0
idt_end:
idtr: dw idt_end - idt - 1
      dd idt
%endif
