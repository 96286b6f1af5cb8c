; bad_port.asm - OUT to a port simple-kvm does not define: a guest fault.
bits BITS
org 0
    mov al, 0x55
    out 0x80, al              ; POST-code port: not ours
    hlt
