/* portmap.h - which hypercall answers a port I/O access: (port,
 * direction) -> call (docs/hypercalls.md, "Port maps").
 *
 * The calls are the rows of meson.build's `hypercalls` table
 * (LAYOUT_HYPERCALLS(X) in layout_gen.h), numbered in that order. The
 * default map is that table's ports: every call on its port, in each of
 * its directions. Entries from --ports FILE and --port PORT[/in|/out]=CALL
 * add to it or override it, one (port, direction) at a time; two entries
 * of the map's user that bind one (port, direction) to different calls
 * are a conflict naming both. A (port, direction) the map does not bind
 * is an unknown access (hypercall.h, --unknown-ports).
 *
 * Pure data: no I/O, no allocation. The parsers take text and length
 * (need not be NUL-terminated), so the fuzz target feeds them raw bytes.
 */
#ifndef SKVM_CORE_PORTMAP_H
#define SKVM_CORE_PORTMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "core/layout.h"

/* HC_CALL_PUTCHAR, HC_CALL_EXIT, ... in the table's order. */
enum hc_call {
#define PORTMAP_CALL_ENUM(port, name, NAME, bytes, out, in, many, pointer) \
    HC_CALL_##NAME,
    LAYOUT_HYPERCALLS(PORTMAP_CALL_ENUM)
#undef PORTMAP_CALL_ENUM
    HC_N_CALLS
};

/* One call as the table defines it. */
struct hc_call_info {
    const char *name;
    uint16_t port;   /* its default port */
    uint8_t bytes;   /* the width the headers use; every width works */
    bool out, in;    /* its directions */
    bool many;       /* string I/O (rep outs) allowed */
    bool pointer;    /* an OUT value is a guest linear address */
};

/* Call `call` (< HC_N_CALLS), or NULL. */
const struct hc_call_info *hc_call_info(unsigned call);
/* The call named name[0..len), or -1. */
int hc_call_find(const char *name, size_t len);

enum { PORTMAP_OUT = 1, PORTMAP_IN = 2 };

#define PORTMAP_MAX 128    /* (port, direction) pairs, defaults included */
#define PORTMAP_SRC_MAX 80 /* "--port '0xea=putchar'", "FILE line 3" */

struct portmap_entry {
    uint16_t port;
    uint8_t dir;       /* PORTMAP_OUT or PORTMAP_IN: one direction */
    uint8_t call;      /* enum hc_call */
    bool user;         /* from a --port or --ports entry, not a default */
    char src[PORTMAP_SRC_MAX]; /* where a user entry came from */
};

struct portmap {
    size_t n;
    struct portmap_entry e[PORTMAP_MAX];
};

/* One parsed entry: port, the directions it binds, the call. */
struct portmap_spec {
    uint16_t port;
    uint8_t dirs; /* PORTMAP_OUT | PORTMAP_IN, as given or the call's */
    uint8_t call;
};

/* The default map: each call on its port in each of its directions. */
void portmap_init(struct portmap *m);

/* Parse "PORT[/in|/out]=CALL" or "PORT[/in|/out] CALL" (blanks around
 * the parts allowed; PORT 0x hex or decimal, 0-0xffff). Without a
 * direction the entry binds every direction the call has; a direction
 * the call lacks is an error. 0, or -1 with the reason in why. */
int portmap_parse_entry(const char *text, size_t len, struct portmap_spec *s,
                        char *why, size_t why_len);

/* Add a parsed entry from `src`: overrides defaults; -1 with SKVM_USAGE
 * when it conflicts with an earlier user entry (naming both) or the map
 * is full. */
int portmap_add(struct portmap *m, const struct portmap_spec *s,
                const char *src, struct skvm_err *err);

/* Parse and add one --port value; errors name it. */
int portmap_add_arg(struct portmap *m, const char *arg, struct skvm_err *err);

/* Parse and add every line of a --ports file (text[0..len), `name` for
 * messages): one entry per line, '#' starts a comment, blank lines
 * skipped. Errors name the file and line. */
int portmap_add_text(struct portmap *m, const char *text, size_t len,
                     const char *name, struct skvm_err *err);

/* The call bound to (port, dir), or -1 when the access is unknown. A
 * NULL map is the default map. */
int portmap_lookup(const struct portmap *m, uint16_t port, uint8_t dir);

/* True when the map binds `port` in the other direction than `dir`
 * (for a better message than "unknown port"): that call, else -1. */
int portmap_other_dir(const struct portmap *m, uint16_t port, uint8_t dir);

#endif
