/*
 * Small string helpers used across the core: formatted allocation, edit
 * distance for "did you mean", UTF-8 checks and code-point columns.
 */
#ifndef LMCHOOSE_STRUTIL_H
#define LMCHOOSE_STRUTIL_H

#include <stdarg.h>
#include <stddef.h>

#include "lmchoose/diag.h"

/* vasprintf: a malloc'd formatted string, or NULL. */
char *lm__vasprintf(const char *fmt, va_list ap) LM_PRINTF(1, 0);
char *lm__asprintf(const char *fmt, ...) LM_PRINTF(1, 2);

/* Damerau-Levenshtein (optimal string alignment) distance; strings longer
 * than 64 bytes return a large number so that suggestions stay cheap. */
size_t lm__edit_distance(const char *a, const char *b);

/* Returns the one candidate that word is a prefix of, or the candidate
 * closest to word when it is close enough to be a
 * plausible typo (distance <= max(2, strlen(word)/3)), else NULL. */
const char *lm__suggest(const char *word, const char *const *candidates,
                        size_t n);

/* Line and column (1-based, code points, BOM not counted) of byte offset off
 * in buf. */
void lm__offset_to_linecol(const char *buf, size_t len, size_t off,
                           unsigned *line, unsigned *col);

/* Number of UTF-8 code points in s[0..len) (continuation bytes not counted). */
size_t lm__utf8_count(const char *s, size_t len);

/* True when s[0..len) is valid UTF-8. */
int lm__utf8_valid(const char *s, size_t len);

/* s[0..len) made safe to print on one line of a terminal or a log: control
 * characters become \n, \r, \t, \e or \xHH, bytes that are not UTF-8
 * become \xHH, and C1 controls, line separators and bidirectional
 * overrides become \uHHHH; everything else is kept. A malloc'd string, or
 * NULL when memory runs out. Every diagnostic passes through it (diag.c),
 * so a value quoted from an input cannot forge a line or send a terminal
 * escape sequence. */
char *lm__escape_visible(const char *s, size_t len);

/* A hash set of borrowed strings, each with a size_t value, so duplicate
 * checks over lists and tables are linear rather than quadratic (issue 15:
 * a 99 000-entry list took 13-19 s). Zero-initialize; release frees the
 * table, never the keys. */
struct lm_strset {
    const char **keys;
    size_t *vals;
    size_t cap, n;
};
#define LM_STRSET_INIT { NULL, NULL, 0, 0 }
#define LM_STRSET_NONE ((size_t)-1)
#define LM_STRSET_NOMEM ((size_t)-2)

/* The value stored for key, or LM_STRSET_NONE. */
size_t lm__strset_get(const struct lm_strset *s, const char *key);
/* Inserts key with val and returns LM_STRSET_NONE; when key is already
 * there, returns its value and changes nothing. LM_STRSET_NOMEM when memory
 * runs out. */
size_t lm__strset_put(struct lm_strset *s, const char *key, size_t val);
/* Changes the value of a key that is present; does nothing otherwise. */
void lm__strset_set(struct lm_strset *s, const char *key, size_t val);
void lm__strset_release(struct lm_strset *s);

#endif
