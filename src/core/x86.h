/* x86.h - named x86 architectural bits used to set up guest CPU state.
 *
 * Each bit has its number (_BIT) and its mask, with the meaning from the
 * Intel SDM vol. 3A (2.5 control registers, 2.2.1 EFER, 3.4.5 segment
 * descriptors, 4.3/4.5 paging structures). No raw masks elsewhere.
 */
#ifndef SKVM_X86_H
#define SKVM_X86_H

#include <stdint.h>

#define X86_BIT(n) (UINT64_C(1) << (n))

/* CR0 (SDM 2.5) */
#define X86_CR0_PE_BIT 0  /* protection enable */
#define X86_CR0_MP_BIT 1  /* monitor coprocessor */
#define X86_CR0_EM_BIT 2  /* x87 emulation: FPU instructions raise #NM */
#define X86_CR0_TS_BIT 3  /* task switched: lazy FPU state */
#define X86_CR0_ET_BIT 4  /* extension type (always 1 on modern CPUs) */
#define X86_CR0_NE_BIT 5  /* native x87 error reporting */
#define X86_CR0_WP_BIT 16 /* supervisor writes honour read-only pages */
#define X86_CR0_AM_BIT 18 /* alignment mask */
#define X86_CR0_NW_BIT 29 /* not write-through */
#define X86_CR0_CD_BIT 30 /* cache disable */
#define X86_CR0_PG_BIT 31 /* paging */
#define X86_CR0_PE     X86_BIT(X86_CR0_PE_BIT)
#define X86_CR0_MP     X86_BIT(X86_CR0_MP_BIT)
#define X86_CR0_ET     X86_BIT(X86_CR0_ET_BIT)
#define X86_CR0_NE     X86_BIT(X86_CR0_NE_BIT)
#define X86_CR0_WP     X86_BIT(X86_CR0_WP_BIT)
#define X86_CR0_AM     X86_BIT(X86_CR0_AM_BIT)
#define X86_CR0_PG     X86_BIT(X86_CR0_PG_BIT)
#define X86_CR0_EM     X86_BIT(X86_CR0_EM_BIT)
#define X86_CR0_TS     X86_BIT(X86_CR0_TS_BIT)
#define X86_CR0_NW     X86_BIT(X86_CR0_NW_BIT)
#define X86_CR0_CD     X86_BIT(X86_CR0_CD_BIT)

/* CR4 (SDM 2.5) */
#define X86_CR4_VME_BIT        0  /* virtual-8086 mode extensions */
#define X86_CR4_PVI_BIT        1  /* protected-mode virtual interrupts */
#define X86_CR4_TSD_BIT        2  /* RDTSC only at CPL 0 */
#define X86_CR4_DE_BIT         3  /* debugging extensions */
#define X86_CR4_PSE_BIT        4  /* 4 MiB pages with 32-bit paging */
#define X86_CR4_PAE_BIT        5  /* physical address extension (long mode needs it) */
#define X86_CR4_MCE_BIT        6  /* machine-check exceptions */
#define X86_CR4_PGE_BIT        7  /* global pages */
#define X86_CR4_PCE_BIT        8  /* RDPMC at any CPL */
#define X86_CR4_OSFXSR_BIT     9  /* OS supports FXSAVE/FXRSTOR (SSE) */
#define X86_CR4_OSXMMEXCPT_BIT 10 /* OS handles SIMD exceptions */
#define X86_CR4_UMIP_BIT       11 /* SGDT/SIDT etc. only at CPL 0 */
#define X86_CR4_LA57_BIT       12 /* 5-level paging */
#define X86_CR4_VMXE_BIT       13 /* VMX enable */
#define X86_CR4_SMXE_BIT       14 /* SMX enable */
#define X86_CR4_FSGSBASE_BIT   16 /* RDFSBASE etc. */
#define X86_CR4_PCIDE_BIT      17 /* process-context identifiers */
#define X86_CR4_OSXSAVE_BIT    18 /* XSAVE and XGETBV */
#define X86_CR4_SMEP_BIT       20 /* supervisor-mode execution prevention */
#define X86_CR4_SMAP_BIT       21 /* supervisor-mode access prevention */
#define X86_CR4_PKE_BIT        22 /* protection keys */
#define X86_CR4_PSE     X86_BIT(X86_CR4_PSE_BIT)
#define X86_CR4_PAE     X86_BIT(X86_CR4_PAE_BIT)
#define X86_CR4_LA57    X86_BIT(X86_CR4_LA57_BIT)
#define X86_CR4_OSFXSR     X86_BIT(X86_CR4_OSFXSR_BIT)
#define X86_CR4_OSXMMEXCPT X86_BIT(X86_CR4_OSXMMEXCPT_BIT)
#define X86_CR4_OSXSAVE    X86_BIT(X86_CR4_OSXSAVE_BIT)
/* What an OS sets so SSE (and with OSXSAVE, XSAVE/AVX) runs (SDM 13.1). */
#define X86_CR4_SSE_BITS \
    (X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_OSXSAVE)

/* XCR0, the XSAVE feature mask (SDM 13.3): x87 must always be set, AVX
 * needs SSE. */
#define X86_XCR0_X87_BIT 0
#define X86_XCR0_SSE_BIT 1
#define X86_XCR0_AVX_BIT 2
#define X86_XCR0_X87     X86_BIT(X86_XCR0_X87_BIT)
#define X86_XCR0_SSE     X86_BIT(X86_XCR0_SSE_BIT)
#define X86_XCR0_AVX     X86_BIT(X86_XCR0_AVX_BIT)
#define X86_XCR_XCR0     0 /* XCR index of XCR0 (XSETBV ECX) */

/* IA32_EFER MSR (SDM 2.2.1) */
#define X86_EFER_SCE_BIT 0  /* syscall enable */
#define X86_EFER_LME_BIT 8  /* long mode enable */
#define X86_EFER_LMA_BIT 10 /* long mode active */
#define X86_EFER_NXE_BIT 11 /* no-execute enable */
#define X86_EFER_SVME_BIT 12 /* AMD SVM enable */
#define X86_EFER_LMSLE_BIT 13 /* AMD long-mode segment limit enable */
#define X86_EFER_FFXSR_BIT 14 /* AMD fast FXSAVE/FXRSTOR */
#define X86_EFER_SCE     X86_BIT(X86_EFER_SCE_BIT)
#define X86_EFER_LME     X86_BIT(X86_EFER_LME_BIT)
#define X86_EFER_LMA     X86_BIT(X86_EFER_LMA_BIT)
#define X86_EFER_NXE     X86_BIT(X86_EFER_NXE_BIT)

/* RFLAGS: bit 1 is reserved and must be 1 (SDM 3.4.3) */
#define X86_RFLAGS_RESERVED_BIT 1
#define X86_RFLAGS_RESERVED     X86_BIT(X86_RFLAGS_RESERVED_BIT)

/* RFLAGS status and control bits (SDM 3.4.3), for crash reports */
#define X86_RFLAGS_CF_BIT 0  /* carry */
#define X86_RFLAGS_PF_BIT 2  /* parity */
#define X86_RFLAGS_AF_BIT 4  /* auxiliary carry */
#define X86_RFLAGS_ZF_BIT 6  /* zero */
#define X86_RFLAGS_SF_BIT 7  /* sign */
#define X86_RFLAGS_TF_BIT 8  /* trap (single step) */
#define X86_RFLAGS_IF_BIT 9  /* interrupts enabled */
#define X86_RFLAGS_DF_BIT 10 /* direction: string ops count down */
#define X86_RFLAGS_OF_BIT 11 /* overflow */
#define X86_RFLAGS_RF_BIT 16 /* resume: no instruction breakpoint on return */
#define X86_RFLAGS_VM_BIT 17 /* virtual-8086 mode */
#define X86_RFLAGS_AC_BIT 18 /* alignment check */
#define X86_RFLAGS_IF X86_BIT(X86_RFLAGS_IF_BIT)
#define X86_RFLAGS_CF X86_BIT(X86_RFLAGS_CF_BIT)
#define X86_RFLAGS_ZF X86_BIT(X86_RFLAGS_ZF_BIT)

/* CR0 every protected-style mode here uses, as the issue and Linux do. */
#define X86_CR0_PROTECTED \
    (X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | \
     X86_CR0_AM)
#define X86_CR0_PAGED (X86_CR0_PROTECTED | X86_CR0_PG)

/* Segment descriptor type field, S=1 (SDM 3.4.5.1, table 3-1) */
#define X86_SEG_TYPE_DATA_RW      3  /* read/write, accessed */
#define X86_SEG_TYPE_CODE_XR      11 /* execute/read, accessed */
#define X86_SEG_TYPE_TSS32_BUSY   11 /* system segment (S=0): busy 32/64-bit TSS */
#define X86_SEG_TYPE_LDT          2  /* system segment (S=0) */
#define X86_SEG_TYPE_CODE_BIT     3  /* S=1: set for code, clear for data */

/* Segment descriptor bits (SDM 3.4.5), as bit numbers in the 64-bit entry */
#define X86_DESC_TYPE_SHIFT 40
#define X86_DESC_S_BIT      44 /* 1 = code/data, 0 = system */
#define X86_DESC_DPL_SHIFT  45
#define X86_DESC_P_BIT      47 /* present */
#define X86_DESC_AVL_BIT    52
#define X86_DESC_L_BIT      53 /* 64-bit code segment */
#define X86_DESC_DB_BIT     54 /* default operand size 32 bits */
#define X86_DESC_G_BIT      55 /* limit in 4 KiB units */
/* The 32-bit base, split over bits 16..39 and 56..63 */
#define X86_DESC_BASE(d) ((((d) >> 16) & 0xFFFFFF) | (((d) >> 56) << 24))

/* Page-table entry bits shared by 32-bit and 4-level paging (SDM 4.3, 4.5) */
#define X86_PTE_P_BIT  0 /* present */
#define X86_PTE_RW_BIT 1 /* writable */
#define X86_PTE_US_BIT 2 /* user accessible */
#define X86_PTE_A_BIT  5 /* accessed */
#define X86_PTE_D_BIT  6 /* dirty */
#define X86_PTE_PS_BIT 7 /* page size: this entry maps a large page */
#define X86_PTE_P      X86_BIT(X86_PTE_P_BIT)
#define X86_PTE_RW     X86_BIT(X86_PTE_RW_BIT)
#define X86_PTE_US     X86_BIT(X86_PTE_US_BIT)
#define X86_PTE_A      X86_BIT(X86_PTE_A_BIT)
#define X86_PTE_D      X86_BIT(X86_PTE_D_BIT)
#define X86_PTE_PS     X86_BIT(X86_PTE_PS_BIT)
#define X86_PTE_G_BIT  8  /* global (leaf); AMD reserves it in a PML4E */
#define X86_PTE_XD_BIT 63 /* execute-disable; reserved unless EFER.NXE */
#define X86_PTE_G      X86_BIT(X86_PTE_G_BIT)
#define X86_PTE_XD     X86_BIT(X86_PTE_XD_BIT)

/* Address fields of page-table entries */
#define X86_PAGE_SIZE        UINT64_C(0x1000)
#define X86_PDE32_4M_ADDR    UINT64_C(0xFFC00000)       /* bits 31:22 */
#define X86_PDE32_TABLE_ADDR UINT64_C(0xFFFFF000)       /* bits 31:12 */
#define X86_PTE64_ADDR       UINT64_C(0x000FFFFFFFFFF000) /* bits 51:12 */
#define X86_PAGE_4K          UINT64_C(0x1000)
#define X86_PAGE_2M          UINT64_C(0x200000)
#define X86_PAGE_4M          UINT64_C(0x400000)
#define X86_PAGE_1G          UINT64_C(0x40000000)
#define X86_PT_ENTRIES32     1024 /* entries in a 32-bit paging table */
/* PSE-36: a 4 MiB PDE's bits 20:13 hold physical address bits 39:32
 * (SDM 4.3, table 4-4). */
#define X86_PDE32_4M_HIGH_SHIFT 13
#define X86_PDE32_4M_HIGH_MASK  UINT64_C(0xFF)
#define X86_PDE32_4M_HIGH_POS   32
/* Reserved bits of large-page entries, between the PAT bit (12) and the
 * page's address bits (SDM tables 4-4, 4-16, 4-18); bits MAXPHYADDR..51
 * are reserved in every 4-level entry besides. A 4 MiB PDE reserves bits
 * 21:(M-19), M = min(MAXPHYADDR, 40) with PSE-36, else 32. */
#define X86_PDPTE_1G_RESERVED   UINT64_C(0x3FFFE000) /* bits 29:13 */
#define X86_PDE_2M_RESERVED     UINT64_C(0x001FE000) /* bits 20:13 */
#define X86_PDE32_4M_RESERVED_TOP_BIT 21
#define X86_PTE64_ADDR_TOP_BIT  51 /* highest address bit of an entry */
/* Linear-address bits each paging level indexes (SDM 4.3 figure 4-2,
 * 4.5 figure 4-8). */
#define X86_PAGE_SHIFT      12
#define X86_PD32_SHIFT      22 /* 32-bit paging: directory index, bits 31:22 */
#define X86_PT32_INDEX_MASK UINT64_C(0x3FF)
#define X86_PT64_INDEX_MASK UINT64_C(0x1FF)
#define X86_PT64_SHIFT      12 /* 4-level: PT index, bits 20:12 */
#define X86_PD64_SHIFT      21 /* PD index, bits 29:21 */
#define X86_PDPT_SHIFT      30 /* PDPT index, bits 38:30 */
#define X86_PML4_SHIFT      39 /* PML4 index, bits 47:39 */
#define X86_VA48_BITS       48 /* canonical: bits 63:47 all equal */
/* 5-level paging (SDM 4.5, CR4.LA57): a PML5 above the PML4. */
#define X86_PML5_SHIFT      48 /* PML5 index, bits 56:48 */
#define X86_VA57_BITS       57 /* canonical: bits 63:56 all equal */
/* PAE paging (SDM 4.4): CR3 names a 32-byte PDPT of 4 entries; 8-byte
 * entries below it, 2 MiB or 4 KiB pages. */
#define X86_PAE_PDPT_SHIFT   30 /* PDPT index, bits 31:30 */
#define X86_PAE_PDPT_ENTRIES 4
#define X86_PAE_CR3_ADDR     UINT64_C(0xFFFFFFE0) /* bits 31:5 */
#define X86_PTE_PWT_BIT 3 /* page-level write-through */
#define X86_PTE_PCD_BIT 4 /* page-level cache disable */
/* A PAE PDPTE has P, PWT, PCD and the address; bits 2:1 and 8:5 are
 * reserved (SDM table 4-8), so are 63:MAXPHYADDR (XD included). */
#define X86_PAE_PDPTE_RESERVED UINT64_C(0x1E6) /* bits 8:5, 2:1 */
#define X86_PT_ENTRIES64     512  /* entries in a 4-level paging table */

/* CPUID feature bits the loader looks at (SDM vol. 2A, CPUID) */
#define X86_CPUID_EXT_FEATURES       0x80000001u
#define X86_CPUID_EXT_EDX_PDPE1GB_BIT 26 /* 1 GiB pages */
#define X86_CPUID_FEATURES           0x1u
#define X86_CPUID_EDX_PSE_BIT        3   /* 4 MiB pages */
#define X86_CPUID_EDX_PSE36_BIT      17  /* 4 MiB pages above 4 GiB */
#define X86_CPUID_ECX_XSAVE_BIT      26  /* XSAVE/XRSTOR, XGETBV/XSETBV, XCR0 */
#define X86_CPUID_ECX_AVX_BIT        28  /* AVX */
#define X86_CPUID_XSAVE              0xDu /* index 0: EDX:EAX = valid XCR0 bits */
#define X86_CPUID_VENDOR             0x0u /* EBX, EDX, ECX: vendor string */
#define X86_CPUID_EXT_EDX_NX_BIT     20  /* execute-disable (EFER.NXE) */
#define X86_CPUID_EXT_FEATURES7      0x7u /* index 0: structured features */
#define X86_CPUID_7_ECX_LA57_BIT     16  /* 5-level paging (CR4.LA57) */
#define X86_CPUID_ADDR_SIZES         0x80000008u
#define X86_CPUID_ADDR_EAX_MAXPHYADDR_MASK 0xFFu /* EAX[7:0] */
/* Physical-address widths (SDM 4.1.4): MAXPHYADDR is at most 52; without
 * leaf 0x80000008 it is 36 (a CPU with PAE or PSE-36, as every x86-64
 * has). 32-bit paging's 4 MiB pages reach at most 40 bits (PSE-36). */
#define X86_MAXPHYADDR_MAX       52
#define X86_MAXPHYADDR_NO_LEAF   36
#define X86_PSE36_MAXPHYADDR_MAX 40
#define X86_MAXPHYADDR_MIN       32 /* a CPU with neither PAE nor PSE-36 */

/* Exception vectors (SDM 6.3.1, table 6-1). */
#define X86_EXC_DE 0  /* divide error */
#define X86_EXC_DB 1  /* debug */
#define X86_EXC_NMI 2 /* non-maskable interrupt */
#define X86_EXC_BP 3  /* breakpoint (int3) */
#define X86_EXC_OF 4  /* overflow (into) */
#define X86_EXC_BR 5  /* bound range exceeded */
#define X86_EXC_UD 6  /* invalid opcode */
#define X86_EXC_NM 7  /* device not available (FPU) */
#define X86_EXC_DF 8  /* double fault */
#define X86_EXC_TS 10 /* invalid TSS */
#define X86_EXC_NP 11 /* segment not present */
#define X86_EXC_SS 12 /* stack-segment fault */
#define X86_EXC_GP 13 /* general protection */
#define X86_EXC_PF 14 /* page fault */
#define X86_EXC_MF 16 /* x87 floating-point error */
#define X86_EXC_AC 17 /* alignment check */
#define X86_EXC_MC 18 /* machine check */
#define X86_EXC_XM 19 /* SIMD floating-point */
#define X86_EXC_VE 20 /* virtualization exception */
#define X86_EXC_CP 21 /* control protection */
#define X86_EXC_HV 28 /* hypervisor injection */
#define X86_EXC_VC 29 /* VMM communication */
#define X86_EXC_SX 30 /* security exception */
#define X86_EXC_COUNT 32 /* vectors 0-31 are the CPU's; above, interrupts */
#define X86_VECTORS 256

/* Page-fault error code bits (SDM 4.7). */
#define X86_PF_P    X86_BIT(0) /* 1: protection violation; 0: not present */
#define X86_PF_W    X86_BIT(1) /* a write */
#define X86_PF_U    X86_BIT(2) /* at CPL 3 */
#define X86_PF_RSVD X86_BIT(3) /* a reserved bit was set in an entry */
#define X86_PF_I    X86_BIT(4) /* an instruction fetch */
#define X86_PF_PK   X86_BIT(5) /* protection key */
#define X86_PF_SS   X86_BIT(6) /* shadow-stack access */

/* Selector error codes (#TS, #NP, #SS, #GP; SDM 6.13). */
#define X86_SELERR_EXT X86_BIT(0) /* external event */
#define X86_SELERR_IDT X86_BIT(1) /* index is an IDT vector */
#define X86_SELERR_TI  X86_BIT(2) /* with IDT = 0: LDT, else GDT */
#define X86_SELERR_INDEX_SHIFT 3

/* Gate descriptors (SDM 6.11, 6.14.1): the type byte (bits 40-47). */
#define X86_GATE_INT32   0xE  /* 32/64-bit interrupt gate: clears IF */
#define X86_GATE_PRESENT 0x80 /* P */
#define X86_GATE32_SIZE  8
#define X86_GATE64_SIZE  16
#define X86_IVT_ENTRY_SIZE 4 /* real mode: offset, then segment */

/* 64-bit TSS (SDM 8.7): the fields the loader sets. */
#define X86_TSS64_RSP0      0x04 /* stack for a change to CPL 0 */
#define X86_TSS64_IST1      0x24 /* interrupt stack table entry 1 */
#define X86_TSS64_IOMAP     0x66 /* I/O map base: past the limit = none */
#define X86_TSS64_SIZE      0x68
#define X86_IO_BITMAP_SIZE  0x2000 /* one bit per port, 65536 ports */
#define X86_IO_BITMAP_END   0xFF   /* the byte past the map (SDM 19.5.2) */
#define X86_SEG_TYPE_TSS64_AVAIL 9 /* system segment (S=0) */

#define X86_OPCODE_HLT 0xF4
#define X86_OPCODE_INT 0xCD  /* int imm8 */
#define X86_OPCODE_INT3 0xCC
#define X86_OPCODE_INTO 0xCE
#define X86_OPCODE_INT1 0xF1
#define X86_OPCODE_IRET 0xCF /* iret; iretq with REX.W */
#define X86_REX_W 0x48

/* Local APIC registers, as offsets into its 4 KiB page (SDM 11.4.1,
 * table 11-1; KVM_GET_LAPIC returns the first 1 KiB): the interrupt
 * request register (8 x 32 bits, one every 16 bytes) and the local
 * vector table entries that can raise an interrupt by themselves. */
#define X86_APIC_IRR          0x200
#define X86_APIC_IRR_WORDS    8
#define X86_APIC_REG_STRIDE   0x10
#define X86_APIC_LVT_TIMER    0x320
#define X86_APIC_LVT_THERMAL  0x330
#define X86_APIC_LVT_PERF     0x340
#define X86_APIC_LVT_ERROR    0x370
#define X86_APIC_LVT_MASKED_BIT 16
#define X86_APIC_LVT_MASKED   X86_BIT(X86_APIC_LVT_MASKED_BIT)
/* 8259 PIC: an interrupt mask register with every IRQ line masked */
#define X86_PIC_ALL_MASKED    0xFF

#endif
