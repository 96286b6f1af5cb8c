#!/usr/bin/env python3
"""seeds.py - write the checked-in seed corpora of fuzz-hypercall and
fuzz-paging (fuzz/corpus/<target>/). The byte layouts mirror the header
structs in fuzz_hypercall.c and fuzz_paging.c (x86-64, little-endian).
Rerun after changing a header: python3 fuzz/seeds.py"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CR0_PE, CR0_PG = 1 << 0, 1 << 31
CR4_PSE, CR4_PAE = 1 << 4, 1 << 5
EFER_LME, EFER_LMA = 1 << 8, 1 << 10
P, RW, PS = 1, 2, 1 << 7
IO_IN, IO_OUT = 0, 1
RAM = 0x10000  # 64 KiB of RAM in every seed


def ram_flat():
    return bytearray(RAM)


def ram_long():
    """4-level: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000: 2 MiB page at 0,
    and linear 0x200000 through PT 0x4000 to 4 KiB pages at 0x5000."""
    m = bytearray(RAM)
    struct.pack_into('<Q', m, 0x1000, 0x2000 | P | RW)
    struct.pack_into('<Q', m, 0x2000, 0x3000 | P | RW)
    struct.pack_into('<Q', m, 0x3000, 0 | P | RW | PS)
    struct.pack_into('<Q', m, 0x3008, 0x4000 | P | RW)
    for i in range(4):
        struct.pack_into('<Q', m, 0x4000 + 8 * i, (0x5000 + 0x1000 * i) | P | RW)
    return m


def ram_paged32():
    """32-bit: PD 0x1000: a 4 MiB page at 0, 0xC0000000 through PT 0x2000
    to 4 KiB pages at 0x5000."""
    m = bytearray(RAM)
    struct.pack_into('<I', m, 0x1000, 0 | P | RW | PS)
    struct.pack_into('<I', m, 0x1000 + 768 * 4, 0x2000 | P | RW)
    for i in range(4):
        struct.pack_into('<I', m, 0x2000 + 4 * i, (0x5000 + 0x1000 * i) | P | RW)
    return m


def put_str(m, addr, s):
    m[addr:addr + len(s) + 1] = s + b'\0'
    return m


SREGS = {
    'flat': (CR0_PE, 0, 0, 0),
    'long': (CR0_PE | CR0_PG, 0x1000, CR4_PAE, EFER_LME | EFER_LMA),
    'paged32': (CR0_PE | CR0_PG, 0x1000, CR4_PSE, 0),
}
RAMS = {'flat': ram_flat, 'long': ram_long, 'paged32': ram_paged32}


def write(target, name, head, ram):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    # RAM past the input is zero: trailing zeros need not be stored.
    with open(os.path.join(d, name), 'wb') as f:
        f.write(head + bytes(ram).rstrip(b'\0'))


def hc_exit(port, direction, size, count, value, offset=0x100):
    return struct.pack('<IHBBII8s', 0, port, direction, size, count, offset,
                       struct.pack('<Q', value))


def hypercall_seed(mode, exits, ram):
    cr0, cr3, cr4, efer = SREGS[mode]
    head = struct.pack('<IHBB4Q', RAM - 1, 4096, len(exits), 0,
                       cr0, cr3, cr4, efer)
    return head + b''.join(exits), ram


# fuzz_paging.c's `cpu` byte (struct paging_cpu); 0 is the default CPU.
CPU_NO_GBPAGES, CPU_NO_PSE36, CPU_AMD = 1, 2, 4
XD, G = 1 << 63, 1 << 8
EFER_NXE = 1 << 11


def cpu_maxphyaddr(bits):
    return (bits - 28) << 3


def paging_seed(mode, op, linear, length, ram, cpu=0, efer_or=0):
    cr0, cr3, cr4, efer = SREGS[mode]
    head = struct.pack('<IBBHQ4Q', RAM - 1, op, cpu, length, linear,
                       cr0, cr3, cr4, efer | efer_or)
    return head, ram


def paging_reserved_seeds():
    """Entries with reserved bits, each against the CPU that makes them
    so (fuzz_paging.c compares the walk with its SDM reference)."""
    ram = ram_long()  # 1 GiB page at linear 1 GiB -> physical 0
    struct.pack_into('<Q', ram, 0x2008, 0 | P | RW | PS)
    put_str(ram, 0x400, b'gb')
    write('paging', 'long-1g-no-gbpages',
          *paging_seed('long', 0, 0x40000400, 0, ram, CPU_NO_GBPAGES))
    write('paging', 'long-1g-str', *paging_seed('long', 2, 0x40000400, 16, ram))
    ram = ram_long()  # XD in the PTE of linear 0x201000
    struct.pack_into('<Q', ram, 0x4008, 0x6000 | P | RW | XD)
    write('paging', 'long-xd-no-nxe',
          *paging_seed('long', 0, 0x201000, 0, ram))
    write('paging', 'long-xd-nxe',
          *paging_seed('long', 0, 0x201000, 0, ram, 0, EFER_NXE))
    ram = ram_long()  # bit 36 in a PTE, MAXPHYADDR 36
    struct.pack_into('<Q', ram, 0x4008, (1 << 36) | 0x6000 | P | RW)
    write('paging', 'long-above-maxphyaddr',
          *paging_seed('long', 0, 0x201000, 0, ram, cpu_maxphyaddr(36)))
    ram = ram_long()  # bit 8 of the PML4E: reserved on AMD only
    struct.pack_into('<Q', ram, 0x1000, 0x2000 | P | RW | G)
    write('paging', 'long-amd-pml4e-bit8',
          *paging_seed('long', 0, 0x10, 0, ram, CPU_AMD))
    ram = ram_long()  # a 2 MiB page with bit 13 set
    struct.pack_into('<Q', ram, 0x3000, 0 | P | RW | PS | (1 << 13))
    write('paging', 'long-2m-reserved',
          *paging_seed('long', 1, 0x6000, 64, ram))
    ram = ram_long()  # PS in a PML4E: always reserved
    struct.pack_into('<Q', ram, 0x1000, 0x2000 | P | RW | PS)
    write('paging', 'long-pml4e-ps', *paging_seed('long', 0, 0x10, 0, ram))
    ram = ram_paged32()  # bit 21 of a 4 MiB PDE: always reserved
    struct.pack_into('<I', ram, 0x1004, 0x400000 | P | RW | PS | (1 << 21))
    write('paging', 'paged32-4m-bit21',
          *paging_seed('paged32', 0, 0x400010, 0, ram))
    ram = ram_paged32()  # PSE-36 with MAXPHYADDR 36: bit 17 is reserved
    struct.pack_into('<I', ram, 0x1004, 0x400000 | P | RW | PS | (1 << 17))
    write('paging', 'paged32-4m-reserved',
          *paging_seed('paged32', 0, 0x400010, 0, ram, cpu_maxphyaddr(36)))


def main():
    for mode in ('flat', 'long', 'paged32'):
        ram = put_str(RAMS[mode](), 0x6000, b'hello')
        ptr = {'flat': 0x6000, 'long': 0x201000, 'paged32': 0xC0001000}[mode]
        write('hypercall', mode + '-calls', *hypercall_seed(mode, [
            hc_exit(0xE9, IO_OUT, 1, 3, 0x636261),          # rep outsb
            hc_exit(0x501, IO_OUT, 4, 1, 4294967295),       # print_u32
            hc_exit(0x502, IO_OUT, 4, 1, ptr),              # print_str
            hc_exit(0x503, IO_IN, 4, 1, 0),                 # exit_count
            hc_exit(0x504, IO_OUT, 4, 1, ptr + 0x100),      # exit_stats
            hc_exit(0x505, IO_OUT, 4, 1, ptr),              # translate
            hc_exit(0x505, IO_IN, 4, 1, 0),
            hc_exit(0x500, IO_OUT, 4, 1, 0),                # exit(0)
        ], ram))
        write('hypercall', mode + '-wrap', *hypercall_seed(mode, [
            hc_exit(0x504, IO_OUT, 4, 1, 0xFFFFFFF0)], ram))
        # translate, write and read a string across a page boundary
        write('paging', mode + '-translate',
              *paging_seed(mode, 0, ptr, 0, ram))
        write('paging', mode + '-write',
              *paging_seed(mode, 1, ptr - 8, 64, ram))
        write('paging', mode + '-str',
              *paging_seed(mode, 2, ptr, 4096, ram))
    write('hypercall', 'bad-offset', *hypercall_seed('flat', [
        hc_exit(0x501, IO_OUT, 4, 1 << 20, 0, 0xFFFFFFF0)], ram_flat()))
    paging_reserved_seeds()


if __name__ == '__main__':
    main()
