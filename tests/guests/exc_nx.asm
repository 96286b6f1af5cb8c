; exc_nx.asm - PAE's no-execute bit (EFER.NXE, entry bit 63): the guest
; maps linear 0x200000 (its page directory's entry 1) onto physical 0,
; the page it runs from, with XD set, and jumps into that alias. The
; fetch raises #PF with the I/D bit (error code 0x11: protection, fetch)
; and CR2 = RIP = 0x200000 + target: the same bytes ran fine at 0.
bits 32
org 0
%include "layout.inc"
    mov dword [LAYOUT_PD_BASE + 8], 0x83          ; physical 0, P | RW | PS
    mov dword [LAYOUT_PD_BASE + 12], 0x80000000   ; bit 63: XD
    mov eax, cr3                                  ; reload: flush the TLB
    mov cr3, eax
    jmp 0x200000 + target
target:
    hlt                                           ; never runs from there
