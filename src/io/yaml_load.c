/*
 * The only file that includes <yaml.h>. It drives libyaml's event API
 * (yaml_parser_parse) and builds lmchoose's own tree (ynode.h), enforcing the
 * limits of DESIGN §7a on the events as they arrive. yaml_parser_load is
 * never called: its time is quadratic in nesting depth on libyaml 0.2.5 and
 * it cannot be stopped early (RELIABILITY §3.2: 1 MB of '[' takes minutes;
 * this loop stops it at depth 65 after 67 events).
 *
 * What libyaml lets through and this loader rejects: anchors, aliases, tags,
 * non-scalar keys, UTF-16 input, empty streams and extra documents. Reader
 * errors (invalid UTF-8, control characters) carry only a byte offset; they
 * are converted to line:col here. Typing of scalars happens later, in
 * schema.c, from the field tables: this file only records text and style.
 */
#include "io/ynode.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lmchoose/status.h"
#include "util/fs.h"
#include "util/strutil.h"

struct frame {
    struct lm_ynode *node;
    struct lm_ynode **items;
    size_t n, cap;
};

struct builder {
    struct lm_arena *arena;
    const char *file;
    const char *buf;
    size_t len;
    const struct lm_limits *limits;
    struct lm_diags *diags;
    struct frame *stack;
    size_t depth, stack_cap;
    size_t nodes;
    struct lm_ynode *root;
};

static struct lm_loc mark_loc(const struct builder *b, yaml_mark_t m)
{
    struct lm_loc loc = { b->file, (unsigned)m.line + 1, (unsigned)m.column + 1 };
    return loc;
}

/* The byte at a 1-based line and code-point column, or -1. */
static int byte_at(const struct builder *b, unsigned line, unsigned col)
{
    size_t i = 0;
    if (b->len >= 3 && memcmp(b->buf, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    unsigned l = 1;
    while (i < b->len && l < line) {
        if (b->buf[i] == '\n')
            l++;
        i++;
    }
    unsigned c = 1;
    while (i < b->len && c < col) {
        i++;
        while (i < b->len && ((unsigned char)b->buf[i] & 0xC0) == 0x80)
            i++;
        c++;
    }
    return i < b->len ? (unsigned char)b->buf[i] : -1;
}

/* True when buf[0..len) contains "{{" (the buffer need not end in NUL). */
static int has_template_braces(const char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (buf[i] == '{' && buf[i + 1] == '{')
            return 1;
    return 0;
}

static int parser_error(struct builder *b, yaml_parser_t *p)
{
    struct lm_loc loc;
    const char *problem = p->problem ? p->problem : "unknown error";
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        return lm_diag_error(b->diags, LM_ENOMEM, NULL, "out of memory");
    case YAML_READER_ERROR:
        loc.file = b->file;
        lm__offset_to_linecol(b->buf, b->len, p->problem_offset, &loc.line,
                              &loc.col);
        if (strstr(problem, "control characters") != NULL)
            return lm_diag_error(b->diags, LM_ESYNTAX, &loc,
                                 "control characters are not allowed (U+%04X)",
                                 (unsigned)p->problem_value);
        if (strstr(problem, "UTF-8") != NULL || strstr(problem, "octet") != NULL)
            return lm_diag_error(b->diags, LM_ESYNTAX, &loc,
                                 "invalid UTF-8 (%s)", problem);
        return lm_diag_error(b->diags, LM_ESYNTAX, &loc, "%s", problem);
    case YAML_NO_ERROR:
    case YAML_SCANNER_ERROR:
    case YAML_PARSER_ERROR:
    case YAML_COMPOSER_ERROR:
    case YAML_WRITER_ERROR:
    case YAML_EMITTER_ERROR:
    default:
        break;
    }
    loc = mark_loc(b, p->problem_mark);
    const char *hint = "";
    if (strcmp(problem, "found character that cannot start any token") == 0 &&
        byte_at(b, loc.line, loc.col) == '\t')
        hint = "; tabs are not allowed for indentation";
    else if (has_template_braces(b->buf, b->len) && p->context != NULL &&
             strstr(p->context, "flow mapping") != NULL)
        hint = "; this looks like an unrendered template";
    if (p->context != NULL)
        return lm_diag_error(b->diags, LM_ESYNTAX, &loc,
                             "%s (%s at line %u, column %u)%s", problem,
                             p->context, (unsigned)p->context_mark.line + 1,
                             (unsigned)p->context_mark.column + 1, hint);
    return lm_diag_error(b->diags, LM_ESYNTAX, &loc, "%s%s", problem, hint);
}

/* Appends child to the innermost open collection, or makes it the root. */
static int attach(struct builder *b, struct lm_ynode *child)
{
    if (b->depth == 0) {
        b->root = child;
        return LM_OK;
    }
    struct frame *f = &b->stack[b->depth - 1];
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        struct lm_ynode **items = realloc(f->items, cap * sizeof(*items));
        if (items == NULL)
            return lm_diag_error(b->diags, LM_ENOMEM, NULL, "out of memory");
        f->items = items;
        f->cap = cap;
    }
    f->items[f->n++] = child;
    return LM_OK;
}

/* True when the next node completes a key of the innermost mapping. */
static int in_key_position(const struct builder *b)
{
    if (b->depth == 0)
        return 0;
    const struct frame *f = &b->stack[b->depth - 1];
    return f->node->kind == LM_Y_MAP && f->n % 2 == 0;
}

static int count_node(struct builder *b, yaml_mark_t m)
{
    if (++b->nodes > b->limits->max_nodes) {
        struct lm_loc loc = mark_loc(b, m);
        return lm_diag_error(b->diags, LM_ELIMIT, &loc,
                             "too many YAML nodes (more than --max-nodes %zu)",
                             b->limits->max_nodes);
    }
    return LM_OK;
}

static int reject_anchor_tag(struct builder *b, const yaml_event_t *ev,
                             const yaml_char_t *anchor, const yaml_char_t *tag)
{
    struct lm_loc loc = mark_loc(b, ev->start_mark);
    if (anchor != NULL)
        return lm_diag_error(b->diags, LM_ESCHEMA, &loc,
                             "anchors and aliases are not allowed");
    if (tag != NULL)
        return lm_diag_error(b->diags, LM_ESCHEMA, &loc,
                             "tags are not allowed ('%s')", (const char *)tag);
    return LM_OK;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
    int rc = reject_anchor_tag(b, ev, ev->data.scalar.anchor, ev->data.scalar.tag);
    if (rc != LM_OK)
        return rc;
    if ((rc = count_node(b, ev->start_mark)) != LM_OK)
        return rc;
    size_t len = ev->data.scalar.length;
    int is_key = in_key_position(b);
    size_t cap = is_key ? b->limits->max_key : b->limits->max_scalar;
    if (len > cap) {
        char sz[32];
        struct lm_loc loc = mark_loc(b, ev->start_mark);
        lm__format_size(cap, sz, sizeof(sz));
        if (is_key)
            return lm_diag_error(b->diags, LM_ELIMIT, &loc,
                                 "key longer than %s", sz);
        return lm_diag_error(b->diags, LM_ELIMIT, &loc,
                             "scalar exceeds --max-scalar (%s)", sz);
    }
    /* libyaml rejects a raw NUL byte, but the escapes \0, \x00 and \u0000
     * in a double-quoted scalar put one in the value; every consumer reads
     * scalars as C strings, so the text after it would be cut silently. */
    if (memchr(ev->data.scalar.value, '\0', len) != NULL) {
        struct lm_loc loc = mark_loc(b, ev->start_mark);
        return lm_diag_error(b->diags, LM_ESCHEMA, &loc,
                             "a NUL character (U+0000) is not allowed in a %s",
                             is_key ? "key" : "value");
    }
    struct lm_ynode *n = lm_arena_alloc(b->arena, sizeof(*n));
    char *text = n ? lm_arena_strndup(b->arena, (const char *)ev->data.scalar.value, len) : NULL;
    if (text == NULL)
        return lm_diag_error(b->diags, LM_ENOMEM, NULL, "out of memory");
    n->kind = LM_Y_SCALAR;
    n->line = (unsigned)ev->start_mark.line + 1;
    n->col = (unsigned)ev->start_mark.column + 1;
    n->text = text;
    n->len = len;
    n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    switch (ev->data.scalar.style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE:
        n->style = LM_YS_SINGLE;
        break;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
        n->style = LM_YS_DOUBLE;
        break;
    case YAML_LITERAL_SCALAR_STYLE:
    case YAML_FOLDED_SCALAR_STYLE:
        n->style = LM_YS_BLOCK;
        break;
    case YAML_ANY_SCALAR_STYLE:
    case YAML_PLAIN_SCALAR_STYLE:
    default:
        n->style = LM_YS_PLAIN;
        break;
    }
    return attach(b, n);
}

static int on_collection_start(struct builder *b, const yaml_event_t *ev,
                               enum lm_ykind kind)
{
    const yaml_char_t *anchor = kind == LM_Y_MAP ? ev->data.mapping_start.anchor
                                                  : ev->data.sequence_start.anchor;
    const yaml_char_t *tag = kind == LM_Y_MAP ? ev->data.mapping_start.tag
                                               : ev->data.sequence_start.tag;
    int rc = reject_anchor_tag(b, ev, anchor, tag);
    if (rc != LM_OK)
        return rc;
    struct lm_loc loc = mark_loc(b, ev->start_mark);
    if (in_key_position(b))
        return lm_diag_error(b->diags, LM_ESCHEMA, &loc,
                             "mapping keys must be scalars, not a %s%s",
                             kind == LM_Y_MAP ? "mapping" : "sequence",
                             kind == LM_Y_MAP && has_template_braces(b->buf, b->len)
                                 ? "; this looks like an unrendered template (run helm template first)"
                                 : "");
    if (b->depth + 1 > b->limits->max_depth)
        return lm_diag_error(b->diags, LM_ELIMIT, &loc,
                             "nesting depth exceeds --max-depth (%zu)",
                             b->limits->max_depth);
    if ((rc = count_node(b, ev->start_mark)) != LM_OK)
        return rc;
    if (b->depth == b->stack_cap) {
        size_t cap = b->stack_cap ? b->stack_cap * 2 : 16;
        struct frame *st = realloc(b->stack, cap * sizeof(*st));
        if (st == NULL)
            return lm_diag_error(b->diags, LM_ENOMEM, NULL, "out of memory");
        b->stack = st;
        b->stack_cap = cap;
    }
    struct lm_ynode *n = lm_arena_alloc(b->arena, sizeof(*n));
    if (n == NULL)
        return lm_diag_error(b->diags, LM_ENOMEM, NULL, "out of memory");
    n->kind = kind;
    n->line = loc.line;
    n->col = loc.col;
    struct frame *f = &b->stack[b->depth++];
    memset(f, 0, sizeof(*f));
    f->node = n;
    return LM_OK;
}

static int on_collection_end(struct builder *b)
{
    struct frame *f = &b->stack[--b->depth];
    struct lm_ynode *n = f->node;
    if (f->n > 0) {
        n->items = lm_arena_alloc(b->arena, f->n * sizeof(*n->items));
        if (n->items == NULL) {
            free(f->items);
            return lm_diag_error(b->diags, LM_ENOMEM, NULL, "out of memory");
        }
        memcpy(n->items, f->items, f->n * sizeof(*n->items));
    }
    n->n = n->kind == LM_Y_MAP ? f->n / 2 : f->n;
    free(f->items);
    f->items = NULL;
    return attach(b, n);
}

int lm__yaml_parse(struct lm_arena *arena, const char *file, const char *buf,
                   size_t len, const struct lm_limits *limits,
                   struct lm_diags *diags, struct lm_ynode **root)
{
    struct builder b = { arena, file, buf, len, limits, diags, NULL, 0, 0, 0, NULL };
    struct lm_loc first = { file, 1, 1 };
    *root = NULL;

    /* libyaml would transcode UTF-16 silently; byte offsets, SARIF regions
     * and every downstream tool assume UTF-8, so refuse it. */
    if (len >= 2 && (((unsigned char)buf[0] == 0xFF && (unsigned char)buf[1] == 0xFE) ||
                     ((unsigned char)buf[0] == 0xFE && (unsigned char)buf[1] == 0xFF)))
        return lm_diag_error(diags, LM_ESYNTAX, &first,
                             "file is UTF-16; lmchoose reads UTF-8");

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);

    int rc = LM_OK;
    int docs = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = parser_error(&b, &parser);
            break;
        }
        int done = 0;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                struct lm_loc loc = mark_loc(&b, ev.start_mark);
                rc = lm_diag_error(diags, LM_ESCHEMA, &loc,
                                   "expected exactly one YAML document, found a second");
            }
            break;
        case YAML_ALIAS_EVENT: {
            struct lm_loc loc = mark_loc(&b, ev.start_mark);
            rc = lm_diag_error(diags, LM_ESCHEMA, &loc,
                               "anchors and aliases are not allowed");
            break;
        }
        case YAML_SCALAR_EVENT:
            rc = on_scalar(&b, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            rc = on_collection_start(&b, &ev, LM_Y_SEQ);
            break;
        case YAML_MAPPING_START_EVENT:
            rc = on_collection_start(&b, &ev, LM_Y_MAP);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            rc = on_collection_end(&b);
            break;
        case YAML_NO_EVENT:
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (rc != LM_OK || done)
            break;
    }
    yaml_parser_delete(&parser);
    while (b.depth > 0)
        free(b.stack[--b.depth].items);
    free(b.stack);
    if (rc != LM_OK)
        return rc;
    if (docs == 0 || b.root == NULL || lm__ynode_is_null(b.root))
        return lm_diag_error(diags, LM_ESCHEMA, &first,
                             "file is empty (no YAML document)");
    *root = b.root;
    return LM_OK;
}

const struct lm_ynode *lm__ymap_get(const struct lm_ynode *map, const char *key)
{
    if (map == NULL || map->kind != LM_Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++) {
        const struct lm_ynode *k = map->items[2 * i];
        if (k->kind == LM_Y_SCALAR && strcmp(k->text, key) == 0)
            return map->items[2 * i + 1];
    }
    return NULL;
}

int lm__ynode_is_null(const struct lm_ynode *n)
{
    if (n == NULL)
        return 1;
    if (n->kind != LM_Y_SCALAR || n->quoted)
        return 0;
    return n->len == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "~") == 0 || strcmp(n->text, "Null") == 0 ||
           strcmp(n->text, "NULL") == 0;
}

/* ------------------------------------------------------------ foreign YAML
 *
 * Deployment files written for other tools (Kubernetes manifests, Helm
 * output, docker-compose, LiteLLM, SkyPilot, vLLM configs) use YAML features
 * lmchoose's own files refuse: several documents in one stream, anchors and
 * aliases (`x-gpu: &gpu` in compose files), merge keys and tags. This mode
 * accepts them under the same limits. An alias is not copied: it shares the
 * anchored node, and the node count grows by the anchored subtree's size, so
 * the total a reader can visit by following aliases is bounded by
 * --max-nodes (a "billion laughs" stops after a few levels, in microseconds).
 * An alias to a collection that is still open (a cycle) and an undefined
 * alias are errors. Tags are ignored (the readers only look at text).
 */

struct f_anchor {
    char *name;
    struct lm_ynode *node; /* NULL while the anchored collection is open */
    size_t size;           /* expanded node count of the subtree */
};

struct f_open {
    size_t nodes_at_start; /* b.nodes before the collection's own node */
    char *anchor;          /* the collection's anchor, or NULL */
};

struct fbuilder {
    struct builder b;
    struct f_anchor *anchors;
    size_t nanchors, capanchors;
    struct f_open *open;
    size_t capopen;
    struct lm_ynode **docs;
    size_t ndocs, capdocs;
};

static void f_clear_anchors(struct fbuilder *fb)
{
    for (size_t i = 0; i < fb->nanchors; i++)
        free(fb->anchors[i].name);
    fb->nanchors = 0;
}

static int f_set_anchor(struct fbuilder *fb, const yaml_char_t *name, struct lm_ynode *node,
                        size_t size)
{
    for (size_t i = fb->nanchors; i-- > 0;)
        if (strcmp(fb->anchors[i].name, (const char *)name) == 0) {
            fb->anchors[i].node = node;
            fb->anchors[i].size = size;
            return LM_OK;
        }
    if (fb->nanchors == fb->capanchors) {
        size_t cap = fb->capanchors ? fb->capanchors * 2 : 8;
        struct f_anchor *a = realloc(fb->anchors, cap * sizeof(*a));
        if (a == NULL)
            return lm_diag_error(fb->b.diags, LM_ENOMEM, NULL, "out of memory");
        fb->anchors = a;
        fb->capanchors = cap;
    }
    char *copy = strdup((const char *)name);
    if (copy == NULL)
        return lm_diag_error(fb->b.diags, LM_ENOMEM, NULL, "out of memory");
    fb->anchors[fb->nanchors].name = copy;
    fb->anchors[fb->nanchors].node = node;
    fb->anchors[fb->nanchors].size = size;
    fb->nanchors++;
    return LM_OK;
}

static int f_on_alias(struct fbuilder *fb, const yaml_event_t *ev)
{
    struct builder *b = &fb->b;
    struct lm_loc loc = mark_loc(b, ev->start_mark);
    const char *name = (const char *)ev->data.alias.anchor;
    const struct f_anchor *a = NULL;
    for (size_t i = fb->nanchors; i-- > 0 && a == NULL;)
        if (strcmp(fb->anchors[i].name, name) == 0)
            a = &fb->anchors[i];
    if (a == NULL)
        return lm_diag_error(b->diags, LM_ESCHEMA, &loc, "undefined alias '%s'", name);
    if (a->node == NULL)
        return lm_diag_error(b->diags, LM_ESCHEMA, &loc,
                             "alias '%s' refers to an enclosing node (cycle)", name);
    if (in_key_position(b) && a->node->kind != LM_Y_SCALAR)
        return lm_diag_error(b->diags, LM_ESCHEMA, &loc, "mapping keys must be scalars, not a %s",
                             a->node->kind == LM_Y_MAP ? "mapping" : "sequence");
    if (a->size > b->limits->max_nodes || b->nodes + a->size > b->limits->max_nodes)
        return lm_diag_error(b->diags, LM_ELIMIT, &loc,
                             "alias '%s' expands past --max-nodes %zu", name,
                             b->limits->max_nodes);
    b->nodes += a->size;
    return attach(b, a->node);
}

static int f_on_scalar(struct fbuilder *fb, yaml_event_t *ev)
{
    struct builder *b = &fb->b;
    yaml_char_t *anchor = ev->data.scalar.anchor, *tag = ev->data.scalar.tag;
    /* on_scalar rejects anchors and tags; this mode records the one and
     * ignores the other. */
    ev->data.scalar.anchor = NULL;
    ev->data.scalar.tag = NULL;
    int rc = on_scalar(b, ev);
    ev->data.scalar.anchor = anchor;
    ev->data.scalar.tag = tag;
    if (rc == LM_OK && anchor != NULL) {
        struct frame *f = b->depth ? &b->stack[b->depth - 1] : NULL;
        struct lm_ynode *n = f ? f->items[f->n - 1] : b->root;
        rc = f_set_anchor(fb, anchor, n, 1);
    }
    return rc;
}

static int f_on_collection_start(struct fbuilder *fb, yaml_event_t *ev, enum lm_ykind kind)
{
    struct builder *b = &fb->b;
    yaml_char_t **anchor = kind == LM_Y_MAP ? &ev->data.mapping_start.anchor
                                            : &ev->data.sequence_start.anchor;
    yaml_char_t **tag = kind == LM_Y_MAP ? &ev->data.mapping_start.tag
                                         : &ev->data.sequence_start.tag;
    yaml_char_t *a = *anchor, *t = *tag;
    size_t start = b->nodes;
    *anchor = NULL;
    *tag = NULL;
    int rc = on_collection_start(b, ev, kind);
    *anchor = a;
    *tag = t;
    if (rc != LM_OK)
        return rc;
    if (b->depth > fb->capopen) {
        size_t cap = fb->capopen ? fb->capopen * 2 : 16;
        while (cap < b->depth)
            cap *= 2;
        struct f_open *o = realloc(fb->open, cap * sizeof(*o));
        if (o == NULL)
            return lm_diag_error(b->diags, LM_ENOMEM, NULL, "out of memory");
        fb->open = o;
        fb->capopen = cap;
    }
    struct f_open *o = &fb->open[b->depth - 1];
    o->nodes_at_start = start;
    o->anchor = NULL;
    if (a != NULL) {
        if ((o->anchor = strdup((const char *)a)) == NULL)
            return lm_diag_error(b->diags, LM_ENOMEM, NULL, "out of memory");
        /* Open: an alias to it from inside is a cycle. */
        rc = f_set_anchor(fb, a, NULL, 0);
    }
    return rc;
}

static int f_on_collection_end(struct fbuilder *fb)
{
    struct builder *b = &fb->b;
    struct f_open o = fb->open[b->depth - 1];
    struct lm_ynode *n = b->stack[b->depth - 1].node;
    int rc = on_collection_end(b);
    if (rc == LM_OK && o.anchor != NULL)
        rc = f_set_anchor(fb, (const yaml_char_t *)o.anchor, n, b->nodes - o.nodes_at_start);
    free(o.anchor);
    return rc;
}

static int f_push_doc(struct fbuilder *fb)
{
    struct lm_ynode *root = fb->b.root;
    fb->b.root = NULL;
    if (root == NULL || lm__ynode_is_null(root))
        return LM_OK; /* an empty document (`---` with nothing after it) */
    if (fb->ndocs == fb->capdocs) {
        size_t cap = fb->capdocs ? fb->capdocs * 2 : 4;
        struct lm_ynode **d = lm_arena_alloc(fb->b.arena, cap * sizeof(*d));
        if (d == NULL)
            return lm_diag_error(fb->b.diags, LM_ENOMEM, NULL, "out of memory");
        if (fb->ndocs)
            memcpy(d, fb->docs, fb->ndocs * sizeof(*d));
        fb->docs = d;
        fb->capdocs = cap;
    }
    fb->docs[fb->ndocs++] = root;
    return LM_OK;
}

int lm__yaml_parse_foreign(struct lm_arena *arena, const char *file, const char *buf,
                           size_t len, const struct lm_limits *limits,
                           struct lm_diags *diags, struct lm_ynode ***docs, size_t *ndocs)
{
    struct fbuilder fb;
    memset(&fb, 0, sizeof(fb));
    struct builder init = { arena, file, buf, len, limits, diags, NULL, 0, 0, 0, NULL };
    fb.b = init;
    struct lm_loc first = { file, 1, 1 };
    *docs = NULL;
    *ndocs = 0;
    if (len >= 2 && (((unsigned char)buf[0] == 0xFF && (unsigned char)buf[1] == 0xFE) ||
                     ((unsigned char)buf[0] == 0xFE && (unsigned char)buf[1] == 0xFF)))
        return lm_diag_error(diags, LM_ESYNTAX, &first, "file is UTF-16; lmchoose reads UTF-8");
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    int rc = LM_OK;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = parser_error(&fb.b, &parser);
            break;
        }
        int done = 0;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            f_clear_anchors(&fb); /* anchors are local to a document */
            fb.b.root = NULL;
            break;
        case YAML_DOCUMENT_END_EVENT:
            rc = f_push_doc(&fb);
            break;
        case YAML_ALIAS_EVENT:
            rc = f_on_alias(&fb, &ev);
            break;
        case YAML_SCALAR_EVENT:
            rc = f_on_scalar(&fb, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            rc = f_on_collection_start(&fb, &ev, LM_Y_SEQ);
            break;
        case YAML_MAPPING_START_EVENT:
            rc = f_on_collection_start(&fb, &ev, LM_Y_MAP);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            rc = f_on_collection_end(&fb);
            break;
        case YAML_NO_EVENT:
        case YAML_STREAM_START_EVENT:
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (rc != LM_OK || done)
            break;
    }
    yaml_parser_delete(&parser);
    while (fb.b.depth > 0) {
        if (fb.b.depth - 1 < fb.capopen)
            free(fb.open[fb.b.depth - 1].anchor);
        free(fb.b.stack[--fb.b.depth].items);
    }
    free(fb.b.stack);
    free(fb.open);
    f_clear_anchors(&fb);
    free(fb.anchors);
    if (rc != LM_OK)
        return rc;
    *docs = fb.docs;
    *ndocs = fb.ndocs;
    return LM_OK;
}
