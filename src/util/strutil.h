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

/* The normalised form of a name people type (DESIGN §9.7; docs/cli.md,
 * "Names and aliases"): ASCII letters case-folded; the separators '_', ' ',
 * '-', '.' and tab dropped, so "RTX 4090", "rtx-4090" and "RTX4090" are one
 * name; every other byte kept ('/' and ':' matter in "org/repo" and
 * "name:tag"). A leading "https://huggingface.co/", "huggingface.co/" or
 * "hf.co/" is dropped. With strip_vendor (hardware names), leading words
 * from lm__vendor_words ("NVIDIA", "GeForce", ...) are dropped as long as
 * something remains. Writes at most cap bytes including the NUL (cap >= 1)
 * and returns the full length, like snprintf. */
size_t lm__name_normalise(const char *name, int strip_vendor, char *out, size_t cap);

/* The vendor words lm__name_normalise drops from hardware names,
 * NULL-terminated. */
extern const char *const lm__vendor_words[];

/* Edit distance between two normalised names in which a digit inserted or
 * deleted costs 2 (it changes a model number: l4 / l40s, 8b / 80b); other
 * edits, digit substitutions and transpositions cost 1 (3.1 / 3.2 is a
 * plausible slip). Longer than 64 bytes: a large number. */
size_t lm__name_distance(const char *a, const char *b);

/* A catalog id ([a-z0-9][a-z0-9._-]*, at most 100 bytes) made from a name
 * people use ("Qwen/Qwen2.5-7B-Instruct"): lower-cased, other characters
 * to '-', runs of '-' and a leading non-alphanumeric dropped, trailing '-'
 * and '.' trimmed. after_slash: only what follows the last '/' (a Hugging
 * Face repo id). Used by the importers. */
void lm__id_from_name(const char *in, int after_slash, char *out, size_t cap);

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
