/* portmap.c - (port, direction) -> hypercall, defaults plus entries. */
#include "core/portmap.h"

#include <stdio.h>
#include <string.h>

static const struct hc_call_info calls[HC_N_CALLS] = {
#define PORTMAP_CALL_INFO(port, name, NAME, bytes, out, in, many, pointer) \
    [HC_CALL_##NAME] = {#name, (port), (bytes), (out), (in), (many),    \
                        (pointer)},
    LAYOUT_HYPERCALLS(PORTMAP_CALL_INFO)
#undef PORTMAP_CALL_INFO
};

const struct hc_call_info *hc_call_info(unsigned call)
{
    return call < HC_N_CALLS ? &calls[call] : NULL;
}

int hc_call_find(const char *name, size_t len)
{
    for (unsigned i = 0; i < HC_N_CALLS; i++)
        if (strlen(calls[i].name) == len &&
            memcmp(calls[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

static uint8_t call_dirs(const struct hc_call_info *c)
{
    return (uint8_t)((c->out ? PORTMAP_OUT : 0) | (c->in ? PORTMAP_IN : 0));
}

static const char *dir_name(uint8_t dir)
{
    return dir == PORTMAP_OUT ? "OUT" : "IN";
}

void portmap_init(struct portmap *m)
{
    m->n = 0;
    for (unsigned i = 0; i < HC_N_CALLS; i++)
        for (uint8_t d = PORTMAP_OUT; d <= PORTMAP_IN; d <<= 1)
            if (call_dirs(&calls[i]) & d)
                m->e[m->n++] = (struct portmap_entry){
                    .port = calls[i].port, .dir = d, .call = (uint8_t)i};
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* [p, end) without blanks at either end. */
static void trim(const char **p, const char **end)
{
    while (*p < *end && is_blank(**p))
        (*p)++;
    while (*end > *p && is_blank((*end)[-1]))
        (*end)--;
}

/* A port: 0x hex or decimal digits only, at most 0xffff. */
static int parse_port(const char *p, const char *end, uint16_t *port,
                      char *why, size_t why_len)
{
    unsigned base = 10;
    uint32_t v = 0;
    const char *digits = p;

    if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        digits = p + 2;
    }
    if (digits == end) {
        snprintf(why, why_len, "no port number");
        return -1;
    }
    for (const char *c = digits; c < end; c++) {
        unsigned d;
        if (*c >= '0' && *c <= '9')
            d = (unsigned)(*c - '0');
        else if (base == 16 && *c >= 'a' && *c <= 'f')
            d = (unsigned)(*c - 'a' + 10);
        else if (base == 16 && *c >= 'A' && *c <= 'F')
            d = (unsigned)(*c - 'A' + 10);
        else {
            snprintf(why, why_len,
                     "port '%.*s' is not a number (0x hex or decimal)",
                     (int)(end - p), p);
            return -1;
        }
        v = v * base + d;
        if (v > UINT16_MAX) {
            snprintf(why, why_len,
                     "port '%.*s' is out of range (0-0xffff)",
                     (int)(end - p), p);
            return -1;
        }
    }
    *port = (uint16_t)v;
    return 0;
}

int portmap_parse_entry(const char *text, size_t len, struct portmap_spec *s,
                        char *why, size_t why_len)
{
    const char *p = text, *end = text + len;
    const char *sep, *slash, *port_end, *name;
    uint8_t dirs = 0;
    int call;

    trim(&p, &end);
    /* PORT[/dir] then '=' or blanks, then CALL. */
    for (sep = p; sep < end && *sep != '=' && !is_blank(*sep); sep++)
        ;
    if (sep == end || sep == p) {
        snprintf(why, why_len, "not PORT[/in|/out]=CALL");
        return -1;
    }
    name = sep;
    while (name < end && is_blank(*name))
        name++;
    if (name < end && *name == '=') {
        name++;
        while (name < end && is_blank(*name))
            name++;
    }
    if (name == end) {
        snprintf(why, why_len, "not PORT[/in|/out]=CALL: no call");
        return -1;
    }
    port_end = sep;
    slash = memchr(p, '/', (size_t)(sep - p));
    if (slash) {
        const char *d = slash + 1;
        size_t dlen = (size_t)(sep - d);
        if ((dlen == 2 && strncmp(d, "in", 2) == 0))
            dirs = PORTMAP_IN;
        else if (dlen == 3 && strncmp(d, "out", 3) == 0)
            dirs = PORTMAP_OUT;
        else {
            snprintf(why, why_len, "direction '%.*s' is not in or out",
                     (int)dlen, d);
            return -1;
        }
        port_end = slash;
    }
    if (parse_port(p, port_end, &s->port, why, why_len) < 0)
        return -1;
    for (const char *c = name; c < end; c++)
        if (is_blank(*c) || *c == '=') {
            while (is_blank(*c))
                c++; /* end is not blank (trimmed) */
            snprintf(why, why_len, "not PORT[/in|/out]=CALL: '%.*s' after "
                     "the call",
                     (int)(end - c), c);
            return -1;
        }
    call = hc_call_find(name, (size_t)(end - name));
    if (call < 0) {
        char list[256];
        size_t used = 0;
        list[0] = '\0';
        for (unsigned i = 0; i < HC_N_CALLS && used < sizeof(list); i++)
            used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
                                     i ? ", " : "", calls[i].name);
        snprintf(why, why_len, "unknown call '%.*s' (calls: %s)",
                 (int)(end - name), name, list);
        return -1;
    }
    if (!dirs)
        dirs = call_dirs(&calls[call]);
    else if (!(call_dirs(&calls[call]) & dirs)) {
        snprintf(why, why_len, "%s has no %s direction (it is %s-only)",
                 calls[call].name, dir_name(dirs),
                 dir_name((uint8_t)(call_dirs(&calls[call]))));
        return -1;
    }
    s->dirs = dirs;
    s->call = (uint8_t)call;
    return 0;
}

static struct portmap_entry *find(struct portmap *m, uint16_t port,
                                  uint8_t dir)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->e[i].port == port && m->e[i].dir == dir)
            return &m->e[i];
    return NULL;
}

int portmap_add(struct portmap *m, const struct portmap_spec *s,
                const char *src, struct skvm_err *err)
{
    for (uint8_t d = PORTMAP_OUT; d <= PORTMAP_IN; d <<= 1) {
        struct portmap_entry *e;
        if (!(s->dirs & d))
            continue;
        e = find(m, s->port, d);
        if (e && e->user && e->call != s->call)
            return skvm_fail(err, SKVM_USAGE,
                             "%s conflicts with %s: port 0x%x %s is %s or "
                             "%s",
                             src, e->src, s->port, dir_name(d),
                             calls[s->call].name, calls[e->call].name);
        if (!e) {
            if (m->n == PORTMAP_MAX)
                return skvm_fail(err, SKVM_USAGE,
                                 "%s: too many port map entries (at most "
                                 "%d with the defaults)",
                                 src, PORTMAP_MAX);
            e = &m->e[m->n++];
        }
        if (e->user && e->call == s->call)
            continue; /* the same binding again: the first source stays */
        *e = (struct portmap_entry){.port = s->port, .dir = d,
                                    .call = s->call, .user = true};
        snprintf(e->src, sizeof(e->src), "%s", src);
    }
    return 0;
}

int portmap_add_arg(struct portmap *m, const char *arg, struct skvm_err *err)
{
    struct portmap_spec s;
    char why[sizeof(err->msg) / 2], src[PORTMAP_SRC_MAX];

    if (portmap_parse_entry(arg, strlen(arg), &s, why, sizeof(why)) < 0)
        return skvm_fail(err, SKVM_USAGE, "--port '%.64s': %s", arg, why);
    snprintf(src, sizeof(src), "--port '%.64s'", arg);
    return portmap_add(m, &s, src, err);
}

int portmap_add_text(struct portmap *m, const char *text, size_t len,
                     const char *name, struct skvm_err *err)
{
    const char *p = text, *end = text + len;
    unsigned line = 0;

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *stop = eol ? eol : end;
        const char *hash = memchr(p, '#', (size_t)(stop - p));
        const char *a = p, *b = hash ? hash : stop;
        struct portmap_spec s;
        char why[sizeof(err->msg) / 2], src[PORTMAP_SRC_MAX];

        line++;
        p = eol ? eol + 1 : end;
        trim(&a, &b);
        if (a == b)
            continue;
        if (memchr(a, '\0', (size_t)(b - a)))
            return skvm_fail(err, SKVM_USAGE,
                             "--ports file '%.64s' line %u: a NUL byte",
                             name, line);
        if (portmap_parse_entry(a, (size_t)(b - a), &s, why, sizeof(why)) < 0)
            return skvm_fail(err, SKVM_USAGE,
                             "--ports file '%.64s' line %u: %s", name, line,
                             why);
        snprintf(src, sizeof(src), "'%.40s' line %u", name, line);
        if (portmap_add(m, &s, src, err) < 0)
            return -1;
    }
    return 0;
}

int portmap_lookup(const struct portmap *m, uint16_t port, uint8_t dir)
{
    if (!m) {
        for (unsigned i = 0; i < HC_N_CALLS; i++)
            if (calls[i].port == port && (call_dirs(&calls[i]) & dir))
                return (int)i;
        return -1;
    }
    for (size_t i = 0; i < m->n; i++)
        if (m->e[i].port == port && m->e[i].dir == dir)
            return m->e[i].call;
    return -1;
}

int portmap_other_dir(const struct portmap *m, uint16_t port, uint8_t dir)
{
    return portmap_lookup(m, port,
                          dir == PORTMAP_OUT ? PORTMAP_IN : PORTMAP_OUT);
}
