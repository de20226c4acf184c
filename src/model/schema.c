/*
 * Schema-directed typing; see schema.h. This file knows nothing about models
 * or hardware: the field tables live with the loaders (catalog.c, scenario.c).
 */
#include "model/schema.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmchoose/limits.h"
#include "lmchoose/status.h"
#include "util/strutil.h"

void lm__schema_error(struct lm_sctx *c, const struct lm_ynode *at,
                      const char *fmt, ...)
{
    struct lm_loc loc = { at && at->file ? at->file : c->file, at ? at->line : 0,
                          at ? at->col : 0 };
    va_list ap;
    va_start(ap, fmt);
    lm_diag_verror(c->diags, LM_ESCHEMA, &loc, fmt, ap);
    va_end(ap);
    c->errors++;
}

const char *lm__node_kind_name(const struct lm_ynode *n)
{
    switch (n->kind) {
    case LM_Y_SCALAR:
        return "scalar";
    case LM_Y_SEQ:
        return "list";
    case LM_Y_MAP:
        return "mapping";
    default:
        return "node";
    }
}

int lm__is_number_syntax(const char *s, int integer)
{
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (*p >= '0' && *p <= '9')
            p++;
    } else {
        return 0;
    }
    if (integer)
        return *p == '\0';
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

/* Writes the interval "(0, 10000]" for messages. */
static void format_range(double min, double max, unsigned flags, char *buf,
                         size_t cap)
{
    char lo[32], hi[32];
    if (isinf(min))
        snprintf(lo, sizeof(lo), "-inf");
    else
        snprintf(lo, sizeof(lo), "%.10g", min);
    if (isinf(max))
        snprintf(hi, sizeof(hi), "inf");
    else
        snprintf(hi, sizeof(hi), "%.10g", max);
    snprintf(buf, cap, "%c%s, %s%c", (flags & LM_FF_MIN_OPEN) ? '(' : '[', lo,
             hi, (flags & LM_FF_MAX_OPEN) ? ')' : ']');
}

int lm__scalar_num(struct lm_sctx *c, const char *key, const struct lm_ynode *v,
                   double min, double max, unsigned flags, int integer,
                   double *out)
{
    const char *what = integer ? "an integer" : "a number";
    if (v->kind != LM_Y_SCALAR) {
        lm__schema_error(c, v, "'%s' must be %s, not a %s", key, what,
                         lm__node_kind_name(v));
        return -1;
    }
    if (v->quoted) {
        lm__schema_error(c, v, "'%s' must be %s, not a quoted string", key,
                         what);
        return -1;
    }
    if (!lm__is_number_syntax(v->text, integer)) {
        if (integer && lm__is_number_syntax(v->text, 0))
            lm__schema_error(c, v, "'%s' must be an integer, got '%s'", key,
                             v->text);
        else
            lm__schema_error(c, v, "'%s' must be %s, got '%s'", key, what,
                             v->text);
        return -1;
    }
    /* strtod is locale-dependent, but lmchoose never sets LC_NUMERIC, so
     * it parses in the "C" locale; the grammar above has been checked. */
    errno = 0;
    double d = strtod(v->text, NULL);
    if (errno == ERANGE && fabs(d) > 1.0) {
        lm__schema_error(c, v, "'%s' must be a finite number, got '%s'", key,
                         v->text);
        return -1;
    }
    if (errno == ERANGE)
        d = 0.0; /* underflow: a denormal or zero; the range check decides */
    int below = (flags & LM_FF_MIN_OPEN) ? !(d > min) : !(d >= min);
    int above = (flags & LM_FF_MAX_OPEN) ? !(d < max) : !(d <= max);
    if (below || above) {
        char range[80];
        format_range(min, max, flags, range, sizeof(range));
        lm__schema_error(c, v, "'%s' must be in %s, got %s", key, range,
                         v->text);
        return -1;
    }
    *out = d;
    return 0;
}

int lm__scalar_str(struct lm_sctx *c, const char *key, const struct lm_ynode *v,
                   const char **out)
{
    if (v->kind != LM_Y_SCALAR) {
        lm__schema_error(c, v, "'%s' must be a string, not a %s", key,
                         lm__node_kind_name(v));
        return -1;
    }
    *out = v->text;
    return 0;
}

/* "a, b, c" into buf. */
static void join_values(const char *const *values, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; values[i] != NULL && used < cap; i++) {
        int n = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "",
                         values[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static size_t count_values(const char *const *values)
{
    size_t n = 0;
    while (values[n] != NULL)
        n++;
    return n;
}

int lm__scalar_enum(struct lm_sctx *c, const char *key, const struct lm_ynode *v,
                    const char *const *values, int *out)
{
    if (v->kind != LM_Y_SCALAR) {
        lm__schema_error(c, v, "'%s' must be a string, not a %s", key,
                         lm__node_kind_name(v));
        return -1;
    }
    for (size_t i = 0; values[i] != NULL; i++) {
        if (strcmp(values[i], v->text) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    char list[512];
    join_values(values, list, sizeof(list));
    const char *sugg = lm__suggest(v->text, values, count_values(values));
    if (sugg != NULL)
        lm__schema_error(c, v,
                         "'%s' must be one of %s; got '%s' (did you mean '%s'?)",
                         key, list, v->text, sugg);
    else
        lm__schema_error(c, v, "'%s' must be one of %s; got '%s'", key, list,
                         v->text);
    return -1;
}

int lm__strlist(struct lm_sctx *c, const char *key, const struct lm_ynode *v,
                const char *const *values, struct lm_strlist *out)
{
    if (v->kind != LM_Y_SEQ) {
        lm__schema_error(c, v, "'%s' must be a list, not a %s", key,
                         lm__node_kind_name(v));
        return -1;
    }
    const char **items = v->n ? lm_arena_alloc(c->arena, v->n * sizeof(*items)) : NULL;
    if (v->n && items == NULL) {
        lm__schema_error(c, v, "out of memory");
        return -1;
    }
    size_t n = 0;
    int bad = 0;
    /* Duplicates: a hash set keeps a long list linear; a short one (nearly
     * every list in a profile) is cheaper to scan than to hash. */
    enum { SCAN_MAX = 16 };
    struct lm_strset seen = LM_STRSET_INIT;
    for (size_t i = 0; i < v->n; i++) {
        const struct lm_ynode *it = v->items[i];
        if (it->kind != LM_Y_SCALAR) {
            lm__schema_error(c, it, "'%s' entries must be strings, not a %s",
                             key, lm__node_kind_name(it));
            bad = 1;
            continue;
        }
        if (values != NULL) {
            int idx;
            if (lm__scalar_enum(c, key, it, values, &idx) != 0) {
                bad = 1;
                continue;
            }
        }
        int twice = 0;
        if (v->n <= SCAN_MAX) {
            for (size_t k = 0; k < n && !twice; k++)
                twice = strcmp(items[k], it->text) == 0;
        } else {
            size_t first = lm__strset_put(&seen, it->text, i);
            if (first == LM_STRSET_NOMEM) {
                lm__schema_error(c, it, "out of memory");
                bad = 1;
                break;
            }
            twice = first != LM_STRSET_NONE;
        }
        if (twice) {
            lm__schema_error(c, it, "'%s' lists '%s' twice", key, it->text);
            bad = 1;
            continue;
        }
        items[n++] = it->text;
    }
    lm__strset_release(&seen);
    out->items = items;
    out->n = n;
    return bad ? -1 : 0;
}

static int is_id(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
        return 0;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static void set_absent(const struct lm_field *f, void *obj)
{
    char *p = (char *)obj + f->off;
    switch (f->type) {
    case LM_F_NUM:
    case LM_F_INT:
        *(double *)(void *)p = (double)NAN;
        break;
    case LM_F_BOOL:
    case LM_F_ENUM:
        *(int *)(void *)p = -1;
        break;
    case LM_F_STR:
    case LM_F_ID:
        *(const char **)(void *)p = NULL;
        break;
    case LM_F_MAP:
        /* An absent nested mapping leaves its fields absent too. */
        for (size_t i = 0; i < f->sub->n; i++)
            set_absent(&f->sub->fields[i], p);
        break;
    case LM_F_STRLIST:
    case LM_F_CUSTOM:
    default:
        break; /* zeroed by the arena */
    }
}

static void record_loc(struct lm_sctx *c, const struct lm_ynode *k,
                       const struct lm_ynode *v, const char *key)
{
    if (!c->record)
        return;
    if (c->nlocs == c->caplocs) {
        size_t cap = c->caplocs ? c->caplocs * 2 : 32;
        struct lm_keyloc *l = realloc(c->locs, cap * sizeof(*l));
        if (l == NULL)
            return;
        c->locs = l;
        c->caplocs = cap;
    }
    char path[512];
    snprintf(path, sizeof(path), "%s%s%s", c->path, c->path[0] ? "." : "", key);
    const char *p = lm_arena_strdup(c->arena, path);
    if (p == NULL)
        return;
    struct lm_keyloc *kl = &c->locs[c->nlocs++];
    kl->path = p;
    kl->line = k->line;
    kl->col = k->col;
    kl->vline = v->line;
    kl->vcol = v->col;
}

const struct lm_keyloc *lm__keyloc_find(const struct lm_keyloc *locs, size_t n,
                                        const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(locs[i].path, path) == 0)
            return &locs[i];
    return NULL;
}

static void read_field(struct lm_sctx *c, const struct lm_field *f,
                       const struct lm_ynode *v, void *obj)
{
    char *p = (char *)obj + f->off;
    switch (f->type) {
    case LM_F_STR:
        lm__scalar_str(c, f->key, v, (const char **)(void *)p);
        break;
    case LM_F_ID: {
        const char *s;
        if (lm__scalar_str(c, f->key, v, &s) != 0)
            break;
        if (!is_id(s)) {
            lm__schema_error(c, v, "'%s' must match [a-z0-9][a-z0-9._-]*, got '%s'",
                             f->key, s);
            break;
        }
        if (strlen(s) > LM_ID_MAX) {
            lm__schema_error(c, v, "'%s' is %zu characters long; ids are at most %d",
                             f->key, strlen(s), LM_ID_MAX);
            break;
        }
        *(const char **)(void *)p = s;
        break;
    }
    case LM_F_NUM:
    case LM_F_INT:
        lm__scalar_num(c, f->key, v, f->min, f->max, f->flags,
                       f->type == LM_F_INT, (double *)(void *)p);
        break;
    case LM_F_BOOL:
        if (v->kind != LM_Y_SCALAR)
            lm__schema_error(c, v, "'%s' must be true or false, not a %s",
                             f->key, lm__node_kind_name(v));
        else if (v->quoted)
            lm__schema_error(c, v,
                             "'%s' must be true or false, not a quoted string",
                             f->key);
        else if (strcmp(v->text, "true") == 0)
            *(int *)(void *)p = 1;
        else if (strcmp(v->text, "false") == 0)
            *(int *)(void *)p = 0;
        else
            lm__schema_error(c, v, "'%s' must be true or false, got '%s'",
                             f->key, v->text);
        break;
    case LM_F_ENUM:
        lm__scalar_enum(c, f->key, v, f->values, (int *)(void *)p);
        break;
    case LM_F_STRLIST:
        lm__strlist(c, f->key, v, f->values, (struct lm_strlist *)(void *)p);
        break;
    case LM_F_MAP: {
        if (v->kind != LM_Y_MAP) {
            lm__schema_error(c, v, "'%s' must be a mapping, not a %s", f->key,
                             lm__node_kind_name(v));
            break;
        }
        size_t plen = strlen(c->path);
        snprintf(c->path + plen, sizeof(c->path) - plen, "%s%s",
                 plen ? "." : "", f->key);
        lm__schema_map(c, v, f->sub, p);
        c->path[plen] = '\0';
        break;
    }
    case LM_F_CUSTOM:
        f->custom(c, v, obj);
        break;
    default:
        break;
    }
}

size_t lm__schema_map(struct lm_sctx *c, const struct lm_ynode *map,
                      const struct lm_schema *s, void *obj)
{
    size_t before = c->errors;
    enum { MAXF = 64 };
    const struct lm_ynode *seen[MAXF] = { 0 };
    const char *keys[MAXF + 1];

    for (size_t i = 0; i < s->n && i < MAXF; i++) {
        set_absent(&s->fields[i], obj);
        keys[i] = s->fields[i].key;
    }
    keys[s->n < MAXF ? s->n : MAXF] = NULL;

    if (map->kind != LM_Y_MAP) {
        lm__schema_error(c, map, "expected a mapping, not a %s",
                         lm__node_kind_name(map));
        return c->errors - before;
    }
    size_t next = 0; /* files mostly list keys in schema order: look there first */
    for (size_t i = 0; i < map->n; i++) {
        const struct lm_ynode *k = map->items[2 * i];
        const struct lm_ynode *v = map->items[2 * i + 1];
        size_t fi = s->n, tries = 0;
        for (size_t at = next; tries < s->n; tries++, at = at + 1 < s->n ? at + 1 : 0)
            if (strcmp(s->fields[at].key, k->text) == 0) {
                fi = at;
                break;
            }
        if (fi < s->n)
            next = fi + 1 < s->n ? fi + 1 : 0;
        if (fi == s->n) {
            const char *sugg = lm__suggest(k->text, keys, s->n);
            if (sugg != NULL)
                lm__schema_error(c, k, "unknown key '%s' (did you mean '%s'?)",
                                 k->text, sugg);
            else
                lm__schema_error(c, k, "unknown key '%s'", k->text);
            continue;
        }
        if (seen[fi] != NULL) {
            lm__schema_error(c, k, "duplicate key '%s' (first at %u:%u)",
                             k->text, seen[fi]->line, seen[fi]->col);
            continue;
        }
        seen[fi] = k;
        record_loc(c, k, v, k->text);
        if (lm__ynode_is_null(v)) {
            /* Required is decided first, for every type: a null (~, null,
             * or nothing after the colon) never stands in for a required
             * value, whatever the field's type. */
            if (s->fields[fi].flags & LM_FF_REQUIRED) {
                lm__schema_error(c, v, "'%s' is required and cannot be null",
                                 k->text);
                continue;
            }
            /* An optional field set to null is absent, except that an
             * optional string written as nothing after the colon reads as
             * the empty string. */
            if (s->fields[fi].type != LM_F_STR || v->len != 0)
                continue;
        }
        read_field(c, &s->fields[fi], v, obj);
    }
    for (size_t fi = 0; fi < s->n && fi < MAXF; fi++)
        if ((s->fields[fi].flags & LM_FF_REQUIRED) && seen[fi] == NULL)
            lm__schema_error(c, map, "missing required key '%s'",
                             s->fields[fi].key);
    return c->errors - before;
}
