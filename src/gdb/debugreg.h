/* debugreg.h - private to src/gdb: the x86 debug-register encodings and
 * opcodes that target.c (breakpoints, KVM_SET_GUEST_DEBUG), probe.c (the
 * start-up probes) and stub.c (reading a debug exit) share.
 *
 * Constants only, no code: DR7 enable/condition/length fields (SDM
 * 17.2.4-17.2.5), DR6's per-register hit bits, the #DB and #BP vectors,
 * and the int3 and hlt opcodes.
 */
#ifndef SKVM_GDB_DEBUGREG_H
#define SKVM_GDB_DEBUGREG_H

#include "core/x86.h"

#define MAX_HW_BPS     4   /* DR0..DR3 */
#define DR7_INDEX      7
#define DR7_GE         X86_BIT(9)  /* exact breakpoint detection (SDM 17.2.4) */
#define DR7_FIXED1     X86_BIT(10) /* reserved, reads as 1 */
#define DR7_L(i)       X86_BIT(2 * (i)) /* local enable of DRi */
#define DR7_RW_SHIFT(i)  (16 + 4 * (i)) /* condition: 00 exec, 01 write, 11 rw */
#define DR7_LEN_SHIFT(i) (18 + 4 * (i)) /* bytes: 00 1, 01 2, 11 4, 10 8 */
#define DR7_RW_EXEC    0u
#define DR7_RW_WRITE   1u
#define DR7_RW_ACCESS  3u
#define DR6_B(i)       X86_BIT(i) /* DRi's condition was met */
#define DB_VECTOR      1
#define BP_VECTOR      3
#define INT3_OPCODE    0xCC
#define HLT_OPCODE     0xF4

#endif
