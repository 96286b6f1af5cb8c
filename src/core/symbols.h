/* symbols.h - an ELF image's .symtab, to name guest addresses.
 *
 * symbols_load() copies the functions and data objects of an ELF file's
 * SHT_SYMTAB (and its linked string table) into a table of its own, so
 * the names outlive the file's bytes: the crash report is told after the
 * VM and the image are gone. A missing or malformed section table just
 * means no symbols (the loader needs none); every offset and size is
 * checked against the file first. Flat images never get here, so they
 * cost nothing.
 *
 * symbols_name() renders "function+0x1c" for an address: a STT_FUNC
 * symbol whose [value, value + size) holds it wins; else a STT_OBJECT or
 * STT_NOTYPE one by its size; else a size-0 label (NASM's labels have no
 * size) covers up to the next symbol, at most SYMBOLS_LABEL_SPAN bytes.
 */
#ifndef SKVM_SYMBOLS_H
#define SKVM_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYMBOLS_MAX 65536        /* symbols kept; the rest are dropped */
#define SYMBOLS_NAME_MAX 64      /* longer names are cut */
#define SYMBOLS_LABEL_SPAN 4096  /* reach of a size-0 label */

struct symbol {
    uint64_t addr, size; /* size: for a label, the span it covers */
    uint32_t name;       /* offset into symbols.names */
    uint8_t rank;        /* lower wins: function, sized object, label */
};

struct symbols {
    struct symbol *v; /* sorted by addr */
    size_t n;
    char *names;
    uint64_t max_size; /* the largest size: bounds a lookup's scan */
};

/* 0 (with s->n possibly 0), or -1 when out of memory. */
int symbols_load(const uint8_t *data, size_t len, struct symbols *s);
void symbols_free(struct symbols *s);

/* "name+0xoff" ("name" at offset 0) into buf; false and "" when no
 * symbol covers addr (or s is NULL or empty). */
bool symbols_name(const struct symbols *s, uint64_t addr, char *buf,
                  size_t len);

#endif
