/*
 * Compile errors and "did you mean" suggestions of the rule-expression
 * module (see expr_int.h for the other parts).
 *
 * The lexer, the compiler and the template compiler all report errors the
 * same way and suggest the nearest fact or function name for an unknown
 * one, so these helpers sit below all three. The module keeps its own
 * edit distance (rather than util/strutil's) because rules/expr.h promises
 * it depends only on libc and libm.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/expr_int.h"

/* ===================================================================== */
/* Errors                                                                */
/* ===================================================================== */

void lm__expr_set_error(struct lm_expr_error *err, size_t offset,
                        const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return;
    err->offset = offset;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

void lm__expr_describe_char(const char *s, size_t n, char *buf, size_t cap)
{
    unsigned char c = (unsigned char)s[0];
    size_t need = 0;

    if (c >= 0x20 && c < 0x7f) {
        snprintf(buf, cap, "character '%c'", c);
        return;
    }
    if (c >= 0xc2 && c <= 0xdf)
        need = 2;
    else if (c >= 0xe0 && c <= 0xef)
        need = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 4;
    if (need > 0 && need <= n) {
        size_t i;
        for (i = 1; i < need; i++)
            if (((unsigned char)s[i] & 0xc0) != 0x80)
                break;
        if (i == need) {
            snprintf(buf, cap, "character '%.*s'", (int)need, s);
            return;
        }
    }
    snprintf(buf, cap, "byte 0x%02x", (unsigned)c);
}

/* ===================================================================== */
/* Suggestions ("did you mean")                                          */
/* ===================================================================== */

/*
 * Optimal-string-alignment (restricted Damerau-Levenshtein) distance. Three
 * rolling rows suffice; they live in row[0..3*(nb+1)).
 */
static size_t osa_distance(const char *a, size_t na, const char *b, size_t nb,
                           size_t *row)
{
    size_t *prev2 = row, *prev = row + nb + 1, *cur = row + 2 * (nb + 1);

    for (size_t j = 0; j <= nb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (prev[j - 1] + cost < d)
                d = prev[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < d)
                d = prev2[j - 2] + 1;
            cur[j] = d;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb];
}

const char *lm__expr_suggest(const char *word, size_t n,
                             const struct lm_fact_table *facts,
                             const char *const *names)
{
    size_t limit = n / 3 > 2 ? n / 3 : 2;
    size_t best_d = SIZE_MAX;
    const char *best = NULL;
    size_t count = facts != NULL ? facts->n : 0;
    size_t maxlen = 0;
    size_t *row;

    if (names != NULL)
        for (count = 0; names[count] != NULL; count++)
            ;
    for (size_t i = 0; i < count; i++) {
        const char *c = facts != NULL ? facts->defs[i].path : names[i];
        size_t cl = c != NULL ? strlen(c) : 0;
        if (cl > maxlen)
            maxlen = cl;
    }
    row = malloc(3 * (maxlen + 1) * sizeof *row);
    if (row == NULL)
        return NULL; /* A missing suggestion is harmless. */
    for (size_t i = 0; i < count; i++) {
        const char *c = facts != NULL ? facts->defs[i].path : names[i];
        if (c == NULL)
            continue;
        size_t cl = strlen(c);
        size_t diff = cl > n ? cl - n : n - cl;
        if (diff > limit || diff >= best_d)
            continue;
        size_t d = osa_distance(word, n, c, cl, row);
        if (d <= limit && d < best_d) {
            best_d = d;
            best = c;
        }
    }
    free(row);
    return best;
}
