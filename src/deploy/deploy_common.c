/*
 * What every deployment reader shares (deploy_read.h): a new deployment and
 * its fields with their positions, notes, YAML lookups that follow merge
 * keys, the position of a block scalar's text, and the file's stem. The
 * dispatcher that picks a reader is deploy_read.c; keeping these helpers
 * apart lets every reader depend on them without depending on it.
 */
#include "deploy/deploy_read.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lmchoose/status.h"
#include "util/strutil.h"

const char *const lm_dfield_names[LM_D_COUNT + 1] = {
    "model", "quantization", "dtype", "hardware", "devices", "tensor_parallel_size",
    "pipeline_parallel_size", "provider", "region", "max_model_len",
    "gpu_memory_utilization", "kv_cache_dtype", "runtime", "api_base", NULL
};

struct lm_fdeploy *lm__fd_new(struct lm_dreader *r, const char *format, const char *name,
                              unsigned line, unsigned col)
{
    struct lm_ffile *f = r->out;
    if (f->n >= LM_MAX_READ_DEPLOYS) {
        f->dropped++;
        memset(&f->overflow, 0, sizeof(f->overflow));
        f->overflow.name = "";
        f->overflow.format = format;
        return &f->overflow;
    }
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 4;
        struct lm_fdeploy *d = lm_arena_alloc(r->arena, cap * sizeof(*d));
        if (d == NULL)
            return NULL;
        if (f->n)
            memcpy(d, f->d, f->n * sizeof(*d));
        f->d = d;
        f->cap = cap;
    }
    struct lm_fdeploy *d = &f->d[f->n];
    memset(d, 0, sizeof(*d));
    d->format = format;
    d->name = lm_arena_strdup(r->arena, name ? name : "");
    if (d->name == NULL)
        return NULL;
    d->line = line ? line : 1;
    d->col = col ? col : 1;
    f->n++;
    return d;
}

int lm__fd_note(struct lm_dreader *r, unsigned line, unsigned col, const char *fmt, ...)
{
    struct lm_ffile *f = r->out;
    if (f->nnotes == f->capnotes) {
        size_t cap = f->capnotes ? f->capnotes * 2 : 4;
        struct lm_fnote *n = lm_arena_alloc(r->arena, cap * sizeof(*n));
        if (n == NULL)
            return LM_ENOMEM;
        if (f->nnotes)
            memcpy(n, f->notes, f->nnotes * sizeof(*n));
        f->notes = n;
        f->capnotes = cap;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct lm_fnote *n = &f->notes[f->nnotes];
    n->line = line ? line : 1;
    n->col = col ? col : 1;
    n->message = lm_arena_strdup(r->arena, msg);
    if (n->message == NULL)
        return LM_ENOMEM;
    f->nnotes++;
    return LM_OK;
}

void lm__fd_set(struct lm_fdeploy *d, enum lm_dfield f, const char *s, unsigned line,
                unsigned col)
{
    if (s == NULL)
        return;
    d->v[f].s = s;
    d->v[f].line = line ? line : 1;
    d->v[f].col = col ? col : 1;
}

void lm__fd_set_node(struct lm_fdeploy *d, enum lm_dfield f, const struct lm_ynode *n)
{
    if (n == NULL || n->kind != LM_Y_SCALAR || lm__ynode_is_null(n))
        return;
    /* The value's first character, inside the quotes. */
    lm__fd_set(d, f, n->text, n->line,
               n->col + (n->style == LM_YS_SINGLE || n->style == LM_YS_DOUBLE));
}

/* Merge keys (`<<: *base` or `<<: [*a, *b]`) are followed to a bounded
 * depth: the values are shared nodes, so a chain cannot be longer than the
 * document, but a long one is not worth following. */
static const struct lm_ynode *fy_get_depth(const struct lm_ynode *map, const char *key,
                                           int depth)
{
    if (map == NULL || map->kind != LM_Y_MAP || depth > 8)
        return NULL;
    const struct lm_ynode *v = lm__ymap_get(map, key);
    if (v != NULL)
        return v;
    const struct lm_ynode *m = lm__ymap_get(map, "<<");
    if (m == NULL)
        return NULL;
    if (m->kind == LM_Y_MAP)
        return fy_get_depth(m, key, depth + 1);
    if (m->kind == LM_Y_SEQ)
        for (size_t i = 0; i < m->n; i++)
            if ((v = fy_get_depth(m->items[i], key, depth + 1)) != NULL)
                return v;
    return NULL;
}

const struct lm_ynode *lm__fy_get(const struct lm_ynode *map, const char *key)
{
    return fy_get_depth(map, key, 0);
}

const char *lm__fy_str(const struct lm_ynode *map, const char *key)
{
    const struct lm_ynode *v = lm__fy_get(map, key);
    return v != NULL && v->kind == LM_Y_SCALAR && !lm__ynode_is_null(v) ? v->text : NULL;
}

void lm__block_pos(const struct lm_dreader *r, const struct lm_ynode *n, unsigned *line,
                   unsigned *col)
{
    /* The text starts on the line after the indicator, at the block's
     * indentation (the first line's leading spaces). */
    *line = n->line + 1;
    *col = 1;
    size_t i = 0;
    unsigned l = 1;
    while (i < r->len && l < *line) {
        if (r->buf[i] == '\n')
            l++;
        i++;
    }
    while (i < r->len && r->buf[i] == ' ') {
        (*col)++;
        i++;
    }
}

const char *lm__file_stem(struct lm_dreader *r)
{
    const char *path = r->file;
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (strcmp(b, "Dockerfile") == 0 || strcmp(b, "Containerfile") == 0 ||
        strcmp(b, "Modelfile") == 0) {
        /* Named after the directory holding it. */
        if (b == path)
            return b;
        const char *end = b - 1, *start = end;
        while (start > path && start[-1] != '/')
            start--;
        if (end == start)
            return b;
        return lm_arena_strndup(r->arena, start, (size_t)(end - start));
    }
    if (strncmp(b, "Dockerfile.", 11) == 0)
        return b + 11;
    if (strncmp(b, "Modelfile.", 10) == 0)
        return b + 10;
    const char *dot = strrchr(b, '.');
    if (dot != NULL && dot != b)
        n = (size_t)(dot - b);
    return lm_arena_strndup(r->arena, b, n);
}
