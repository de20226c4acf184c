/*
 * Diagnostics: every error or warning about an input, collected so that all
 * of a file's schema errors can be reported at once (the way a compiler does).
 *
 * Core code never prints and never exits; it adds diagnostics here and returns
 * a status. main.c prints them (lm_diags_print) and chooses the exit code.
 *
 * Printed forms (DESIGN §6):
 *   lmchoose: FILE:LINE:COL: error: MESSAGE     content errors
 *   lmchoose: FILE: error: MESSAGE              file-level errors (line 0)
 *   lmchoose: error: MESSAGE                    no file (file NULL)
 *
 * Ownership: a diagnostic copies its file name and message; the caller's
 * strings may be freed afterwards. lm_diags_release() frees everything.
 */
#ifndef LMCHOOSE_DIAG_H
#define LMCHOOSE_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#if defined(__GNUC__) || defined(__clang__)
#define LM_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define LM_PRINTF(fmt, args)
#endif

enum lm_severity { LM_SEV_ERROR, LM_SEV_WARNING };

struct lm_loc {
    const char *file; /* borrowed; NULL = no file */
    unsigned line;    /* 1-based; 0 = the whole file */
    unsigned col;     /* 1-based, in code points; 0 = unknown */
};

struct lm_diag {
    enum lm_severity sev;
    int code; /* an lm_status */
    char *file;
    unsigned line, col;
    char *msg;
};

struct lm_diags {
    struct lm_diag *items;
    size_t count, alloc;
    size_t nerrors;
};

#define LM_DIAGS_INIT { NULL, 0, 0, 0 }

/* Adds an error at loc (may be NULL) and returns code, so callers can write
 * `return lm_diag_error(d, LM_ESCHEMA, &loc, "...")`. When memory runs out the
 * diagnostic is dropped but nerrors still counts it. */
int lm_diag_error(struct lm_diags *d, int code, const struct lm_loc *loc,
                  const char *fmt, ...) LM_PRINTF(4, 5);
int lm_diag_verror(struct lm_diags *d, int code, const struct lm_loc *loc,
                   const char *fmt, va_list ap) LM_PRINTF(4, 0);

/* Adds a warning; returns LM_OK. */
int lm_diag_warning(struct lm_diags *d, const struct lm_loc *loc,
                    const char *fmt, ...) LM_PRINTF(3, 4);

/* Writes every diagnostic, one line each, in the order added. */
void lm_diags_print(const struct lm_diags *d, FILE *out);

/* Returns the most severe code among the errors (LM_OK when none). Codes are
 * ranked by the exit code they map to. */
int lm_diags_worst(const struct lm_diags *d);

/* Frees all diagnostics; d is left as LM_DIAGS_INIT. Accepts NULL. */
void lm_diags_release(struct lm_diags *d);

#endif
