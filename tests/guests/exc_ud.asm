; exc_ud.asm - an invalid opcode at offset 0x10: #UD at RIP 0x10.
bits BITS
org 0
    times 0x10 - ($ - $$) nop
    ud2                       ; 0x10: #UD
    hlt
