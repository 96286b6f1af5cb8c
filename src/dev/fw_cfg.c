/* fw_cfg.c - the items simple-kvm answers, byte by byte. */
#include "dev/fw_cfg.h"

#include <string.h>

#include "core/le.h"

void fw_cfg_init(struct fw_cfg *f, uint64_t ram_size)
{
    *f = (struct fw_cfg){.ram_size = ram_size};
}

void fw_cfg_reset(struct fw_cfg *f)
{
    fw_cfg_init(f, f->ram_size);
}

void fw_cfg_select(struct fw_cfg *f, uint16_t key)
{
    f->selector = key;
    f->offset = 0;
}

size_t fw_cfg_item(const struct fw_cfg *f, uint16_t key, uint8_t *buf)
{
    switch (key) {
    case FW_CFG_SIGNATURE:
        memcpy(buf, FW_CFG_SIG_TEXT, strlen(FW_CFG_SIG_TEXT));
        return strlen(FW_CFG_SIG_TEXT);
    case FW_CFG_ID:
        le_put32(buf, FW_CFG_ID_TRADITIONAL);
        return sizeof(uint32_t);
    case FW_CFG_RAM_SIZE:
        le_put64(buf, f->ram_size);
        return sizeof(uint64_t);
    case FW_CFG_NB_CPUS:
    case FW_CFG_MAX_CPUS: /* one vCPU, and no more to hot-plug: QEMU's 1 */
        le_put16(buf, 1);
        return sizeof(uint16_t);
    default:
        return 0;
    }
}

uint8_t fw_cfg_read(struct fw_cfg *f)
{
    uint8_t item[FW_CFG_ITEM_MAX];
    size_t len = fw_cfg_item(f, f->selector, item);
    uint8_t b = f->offset < len ? item[f->offset] : 0;

    if (f->offset < UINT32_MAX)
        f->offset++;
    f->reads++;
    return b;
}
