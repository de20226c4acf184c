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

/* Line and column (1-based, code points, BOM not counted) of byte offset off
 * in buf. */
void lm__offset_to_linecol(const char *buf, size_t len, size_t off,
                           unsigned *line, unsigned *col);

/* Number of UTF-8 code points in s[0..len) (continuation bytes not counted). */
size_t lm__utf8_count(const char *s, size_t len);

/* True when s[0..len) is valid UTF-8. */
int lm__utf8_valid(const char *s, size_t len);

#endif
