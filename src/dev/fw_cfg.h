/* fw_cfg.h - QEMU's firmware configuration device, the legacy I/O port
 * interface (QEMU docs/specs/fw_cfg.rst): a 16-bit selector written to
 * LAYOUT_PORT_FW_CFG_SEL picks an item and rewinds it; each byte read
 * from LAYOUT_PORT_FW_CFG_DATA is the item's next byte.
 *
 * Items (little-endian, as on QEMU's PC):
 *   0x0000 FW_CFG_SIGNATURE "QEMU"
 *   0x0001 FW_CFG_ID        1 (32-bit): the traditional interface, no DMA
 *   0x0003 FW_CFG_RAM_SIZE  the guest's RAM in bytes (64-bit)
 *   0x0005 FW_CFG_NB_CPUS   1 (16-bit)
 *   0x000f FW_CFG_MAX_CPUS  1 (16-bit; kvm-unit-tests reads it)
 * Every other item, and every byte past an item's end, reads 0 (so the
 * file directory, 0x0019, has no files). Data-port writes are ignored,
 * as QEMU ignores them for read-only items.
 *
 * Widths: the selector takes the low 16 bits of any OUT (an 8-bit OUT
 * selects 0x00nn); a wider IN from the data port, or `rep insb` (as
 * SeaBIOS reads), reads that many bytes in order.
 */
#ifndef SKVM_DEV_FW_CFG_H
#define SKVM_DEV_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID        0x0001
#define FW_CFG_RAM_SIZE  0x0003
#define FW_CFG_NB_CPUS   0x0005
#define FW_CFG_MAX_CPUS  0x000f
#define FW_CFG_FILE_DIR  0x0019

#define FW_CFG_ID_TRADITIONAL 0x1 /* bit 0: the port interface; bit 1 DMA */
#define FW_CFG_SIG_TEXT       "QEMU"
#define FW_CFG_ITEM_MAX       8   /* the largest item here: RAM_SIZE */

struct fw_cfg {
    uint64_t ram_size;
    uint16_t selector;
    uint32_t offset; /* next byte of the selected item */
    uint64_t reads;  /* data bytes read (--stats) */
};

void fw_cfg_init(struct fw_cfg *f, uint64_t ram_size);
/* Selector back to 0, RAM size kept (--repeat). */
void fw_cfg_reset(struct fw_cfg *f);
void fw_cfg_select(struct fw_cfg *f, uint16_t key);
/* The selected item's next byte (0 past its end). */
uint8_t fw_cfg_read(struct fw_cfg *f);
/* Item `key`'s bytes into buf (at most FW_CFG_ITEM_MAX): its length, 0
 * for an item that reads only zeros. */
size_t fw_cfg_item(const struct fw_cfg *f, uint16_t key, uint8_t *buf);

#endif
