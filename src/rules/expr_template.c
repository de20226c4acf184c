/*
 * Message templates: lm_template_compile() turns "{model.name} needs
 * {estimate.weights_gib:.1f} GiB" into literal segments and typed
 * placeholders, and lm_template_render() fills them like snprintf.
 *
 * Separate from conditions because a template is a second, much smaller
 * language: it has its own syntax (braces, ':.Nf' formats) and its own
 * compiled form, and shares with conditions only the fact table, the error
 * and suggestion helpers (expr_error.c), the fact loading of the evaluator
 * (expr_int.h) and number formatting (expr_number.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/expr_int.h"

struct seg {
    size_t fact;        /* SIZE_MAX: literal text */
    size_t off, len;    /* literal: text[off .. off+len) */
    enum lm_vtype want; /* placeholder: expected value type */
    int decimals;       /* placeholder: -1 default, else 0-6 */
};

struct lm_template {
    struct seg *segs;
    size_t nsegs;
    char *text; /* literal text with {{ and }} unescaped */
    size_t *facts;
    size_t nfacts;
};

void lm_template_free(struct lm_template *t)
{
    if (t == NULL)
        return;
    free(t->segs);
    free(t->text);
    free(t->facts);
    free(t);
}

size_t lm_template_facts(const struct lm_template *t, const size_t **ids)
{
    *ids = t->facts;
    return t->nfacts;
}

/*
 * Parses the placeholder whose '{' is at src[open]. On success fills *sg and
 * returns the offset just past its '}'; on error returns SIZE_MAX.
 */
static size_t parse_placeholder(const char *src, size_t len, size_t open,
                                const struct lm_fact_table *facts,
                                struct seg *sg, struct lm_expr_error *err)
{
    size_t p = open + 1, start = p, id;

    while (p < len &&
           (lm__is_name_char((unsigned char)src[p]) || src[p] == '.'))
        p++;
    if (p >= len) {
        lm__expr_set_error(err, open,
                           "unterminated '{' (write '{{' for a literal brace)");
        return SIZE_MAX;
    }
    if (src[p] != '}' && src[p] != ':') {
        char what[32];
        lm__expr_describe_char(src + p, len - p, what, sizeof what);
        lm__expr_set_error(
            err, p,
            "unexpected %s in placeholder (write '{{' for a literal "
            "brace)",
            what);
        return SIZE_MAX;
    }
    if (p == start) {
        lm__expr_set_error(err, open, "empty placeholder");
        return SIZE_MAX;
    }
    /* Each dot-separated segment must start like a name. */
    for (size_t i = start; i < p; i++) {
        int seg_start = i == start || src[i - 1] == '.';
        if (seg_start && !lm__is_name_start((unsigned char)src[i])) {
            lm__expr_set_error(err, i, "invalid fact path in placeholder");
            return SIZE_MAX;
        }
    }
    if (src[p - 1] == '.') {
        lm__expr_set_error(err, p, "invalid fact path in placeholder");
        return SIZE_MAX;
    }
    for (id = 0; id < facts->n; id++) {
        const char *path = facts->defs[id].path;
        if (path != NULL && strlen(path) == p - start &&
            memcmp(path, src + start, p - start) == 0)
            break;
    }
    if (id == facts->n) {
        const char *sug = lm__expr_suggest(src + start, p - start, facts, NULL);
        int shown = p - start > 100 ? 100 : (int)(p - start);
        if (sug != NULL)
            lm__expr_set_error(err, open,
                               "unknown fact '%.*s' (did you mean '%s'?)",
                               shown, src + start, sug);
        else
            lm__expr_set_error(err, open, "unknown fact '%.*s'", shown,
                               src + start);
        return SIZE_MAX;
    }
    sg->fact = id;
    sg->decimals = -1;
    switch (facts->defs[id].type) {
    case LM_T_NUM:
        sg->want = LM_V_NUM;
        break;
    case LM_T_STR:
        sg->want = LM_V_STR;
        break;
    case LM_T_ENUM:
        sg->want = LM_V_STR;
        break;
    case LM_T_BOOL:
        sg->want = LM_V_BOOL;
        break;
    case LM_T_LIST:
        sg->want = LM_V_LIST;
        break;
    }
    if (src[p] == ':') {
        size_t colon = p;
        if (!(p + 4 < len && src[p + 1] == '.' && src[p + 2] >= '0' &&
              src[p + 2] <= '6' && src[p + 3] == 'f' && src[p + 4] == '}')) {
            lm__expr_set_error(
                err, colon,
                "invalid format in placeholder; expected ':.Nf' with N "
                "from 0 to 6");
            return SIZE_MAX;
        }
        if (sg->want != LM_V_NUM) {
            lm__expr_set_error(err, colon,
                               "':.%cf' formats numbers, but %s is %s",
                               src[p + 2], facts->defs[id].path,
                               sg->want == LM_V_STR    ? "str"
                               : sg->want == LM_V_BOOL ? "bool"
                                                       : "list");
            return SIZE_MAX;
        }
        sg->decimals = src[p + 2] - '0';
        p += 4;
    }
    return p + 1;
}

int lm_template_compile(const char *src, size_t len,
                        const struct lm_fact_table *facts,
                        struct lm_template **out, struct lm_expr_error *err)
{
    static const struct lm_fact_table no_facts = {NULL, 0};
    struct lm_template *t = NULL;
    size_t maxsegs, p = 0, w = 0;
    int rc = -1;

    *out = NULL;
    if (facts == NULL)
        facts = &no_facts;
    if (src == NULL)
        len = 0;
    /* Every segment but the first starts at a brace, so this bounds them. */
    maxsegs = 1;
    for (size_t i = 0; i < len; i++)
        if (src[i] == '{' || src[i] == '}')
            maxsegs++;
    t = calloc(1, sizeof *t);
    if (t == NULL)
        goto oom;
    t->segs = malloc(maxsegs * sizeof *t->segs);
    t->text = malloc(len + 1);
    t->facts = malloc(maxsegs * sizeof *t->facts);
    if (t->segs == NULL || t->text == NULL || t->facts == NULL)
        goto oom;

    while (p < len) {
        struct seg *last = t->nsegs > 0 ? &t->segs[t->nsegs - 1] : NULL;
        char c = src[p];

        if ((c == '{' || c == '}') && p + 1 < len && src[p + 1] == c) {
            p += 2; /* an escaped brace is literal text */
        } else if (c == '}') {
            lm__expr_set_error(
                err, p, "unmatched '}' (write '}}' for a literal brace)");
            goto out;
        } else if (c == '\0') {
            /* The rendered message is a C string; a NUL would cut it short. */
            lm__expr_set_error(err, p, "NUL byte in template");
            goto out;
        } else if (c == '{') {
            struct seg sg;
            size_t next = parse_placeholder(src, len, p, facts, &sg, err);
            size_t i;
            if (next == SIZE_MAX)
                goto out;
            sg.off = sg.len = 0;
            t->segs[t->nsegs++] = sg;
            for (i = 0; i < t->nfacts; i++)
                if (t->facts[i] == sg.fact)
                    break;
            if (i == t->nfacts)
                t->facts[t->nfacts++] = sg.fact;
            p = next;
            continue;
        } else {
            p++;
        }
        /* Append the literal character (one brace for an escape). */
        if (last == NULL || last->fact != SIZE_MAX) {
            last = &t->segs[t->nsegs++];
            last->fact = SIZE_MAX;
            last->off = w;
            last->len = 0;
            last->want = LM_V_NULL;
            last->decimals = -1;
        }
        t->text[w++] = c;
        last->len++;
    }
    t->text[w] = '\0';
    *out = t;
    t = NULL;
    rc = 0;
    goto out;

oom:
    lm__expr_set_error(err, 0, "out of memory");
out:
    lm_template_free(t);
    return rc;
}

/* Appends s[0..n) at *w, writing only what fits below cap - 1. */
static void put(char *buf, size_t cap, size_t *w, const char *s, size_t n)
{
    if (*w + 1 < cap) {
        size_t room = cap - 1 - *w;
        memcpy(buf + *w, s, n < room ? n : room);
    }
    *w += n;
}

size_t lm_template_render(const struct lm_template *t, lm_fact_get_fn get,
                          void *ctx, char *buf, size_t cap)
{
    size_t w = 0;

    for (size_t i = 0; i < t->nsegs; i++) {
        const struct seg *sg = &t->segs[i];
        struct slot v;
        char num[LM_NUMBER_BUF];

        if (sg->fact == SIZE_MAX) {
            put(buf, cap, &w, t->text + sg->off, sg->len);
            continue;
        }
        lm__load_fact(get, ctx, sg->fact, sg->want, &v);
        switch (v.t) {
        case S_NUM: {
            size_t n = lm_format_number(v.num, sg->decimals, num, sizeof num);
            put(buf, cap, &w, num, n);
            break;
        }
        case S_STR:
            put(buf, cap, &w, v.u.s, strlen(v.u.s));
            break;
        case S_BOOL:
            put(buf, cap, &w, v.b ? "true" : "false", v.b ? 4 : 5);
            break;
        case S_LIST: {
            int first = 1;
            for (size_t j = 0; j < v.n; j++) {
                if (v.u.l[j] == NULL)
                    continue;
                if (!first)
                    put(buf, cap, &w, ", ", 2);
                put(buf, cap, &w, v.u.l[j], strlen(v.u.l[j]));
                first = 0;
            }
            break;
        }
        case S_NULL:
        case S_NLIST:
            put(buf, cap, &w, "unknown", 7);
            break;
        }
    }
    if (cap > 0)
        buf[w < cap ? w : cap - 1] = '\0';
    return w;
}
