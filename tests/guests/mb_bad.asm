; mb_bad.asm - Multiboot kernels with one thing wrong each, for
; tests/bad_inputs.txt. Built once per variant: the guest rule's -DBITS
; carries the variant's name here (mb_bad_sum.bin is -DBITS=_sum), not a
; bitness. Each is a header at offset 0 (flat, loaded through the address
; fields unless the variant says otherwise) followed by 32 HLT bytes:
;   _sum        checksum off by one
;   _video      flag bit 2 (a video mode) required
;   _bit5       flag bit 5, unknown to the loader, required
;   _noaddr     no flag bit 16 and not ELF: nothing says where it loads
;   _load_addr  load_addr above header_addr
;   _before     header_addr - load_addr beyond the header's file offset
;   _load_end   load_end_addr below the header
;   _past_eof   load_end_addr past the end of the file
;   _bss        bss_end_addr below the end of the loaded data
;   _entry      entry_addr outside the loaded image
;   _high       loaded at 1 GiB: outside a small guest's RAM
;   _hole       loaded at 0xB8000, in the PC hole
bits 32
MAGIC  equ 0x1BADB002
ADDRS  equ 1 << 16
BASE   equ 0x100000

; Defaults, overridden per variant below.
%define FLAGS   ADDRS
%define SUMERR  0
%define HEADER  BASE
%define LOAD    BASE
%define LOADEND 0
%define BSSEND  0
%define ENTRY   BASE + 32

%ifidn BITS, _sum
  %define SUMERR 1
%elifidn BITS, _video
  %define FLAGS ADDRS | (1 << 2)
%elifidn BITS, _bit5
  %define FLAGS ADDRS | (1 << 5)
%elifidn BITS, _noaddr
  %define FLAGS 0
%elifidn BITS, _load_addr
  %define LOAD BASE + 16
%elifidn BITS, _before
  %define HEADER BASE + 16
  %define ENTRY BASE + 48
%elifidn BITS, _load_end
  %define LOADEND BASE - 16
%elifidn BITS, _past_eof
  %define LOADEND BASE + 0x1000
%elifidn BITS, _bss
  %define BSSEND BASE + 16
%elifidn BITS, _entry
  %define ENTRY BASE + 0x100000
%elifidn BITS, _high
  %define HEADER 0x40000000
  %define LOAD 0x40000000
  %define ENTRY 0x40000000 + 32
%elifidn BITS, _hole
  %define HEADER 0xB8000
  %define LOAD 0xB8000
  %define ENTRY 0xB8000 + 32
%else
  %error unknown variant BITS
%endif

    dd MAGIC, FLAGS, -(MAGIC + FLAGS) + SUMERR
    dd HEADER, LOAD, LOADEND, BSSEND, ENTRY
    times 32 hlt
