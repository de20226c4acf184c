/*
 * Collected diagnostics. Messages are formatted once, when added, into heap
 * strings; printing is a plain loop so the output order is the order of
 * discovery, which is source order within a file.
 */
#include "lmchoose/diag.h"

#include "lmchoose/status.h"

#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"

static int diag_add(struct lm_diags *d, enum lm_severity sev, int code,
                    const struct lm_loc *loc, const char *fmt, va_list ap)
    LM_PRINTF(5, 0);

static int diag_add(struct lm_diags *d, enum lm_severity sev, int code,
                    const struct lm_loc *loc, const char *fmt, va_list ap)
{
    if (sev == LM_SEV_ERROR)
        d->nerrors++;
    if (d->count == d->alloc) {
        size_t n = d->alloc ? d->alloc * 2 : 8;
        struct lm_diag *items = realloc(d->items, n * sizeof(*items));
        if (items == NULL)
            return code;
        d->items = items;
        d->alloc = n;
    }
    /* Values quoted from inputs (keys, scalars, ids, file names) are part
     * of the formatted text; escaping the whole message once, here, covers
     * every quote site: a diagnostic is always one line of visible text. */
    char *raw = lm__vasprintf(fmt, ap);
    if (raw == NULL)
        return code;
    char *msg = lm__escape_visible(raw, strlen(raw));
    free(raw);
    if (msg == NULL)
        return code;
    struct lm_diag *g = &d->items[d->count];
    memset(g, 0, sizeof(*g));
    g->sev = sev;
    g->code = code;
    g->msg = msg;
    if (loc != NULL && loc->file != NULL) {
        g->file = strdup(loc->file);
        if (g->file == NULL) {
            free(msg);
            return code;
        }
        g->line = loc->line;
        g->col = loc->col;
    }
    d->count++;
    return code;
}

int lm_diag_verror(struct lm_diags *d, int code, const struct lm_loc *loc,
                   const char *fmt, va_list ap)
{
    return diag_add(d, LM_SEV_ERROR, code, loc, fmt, ap);
}

int lm_diag_error(struct lm_diags *d, int code, const struct lm_loc *loc,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(d, LM_SEV_ERROR, code, loc, fmt, ap);
    va_end(ap);
    return code;
}

int lm_diag_warning(struct lm_diags *d, const struct lm_loc *loc,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(d, LM_SEV_WARNING, LM_OK, loc, fmt, ap);
    va_end(ap);
    return LM_OK;
}

void lm_diags_print(const struct lm_diags *d, FILE *out)
{
    for (size_t i = 0; i < d->count; i++) {
        const struct lm_diag *g = &d->items[i];
        const char *sev = g->sev == LM_SEV_ERROR ? "error" : "warning";
        /* The file name is kept as given (JSON and SARIF carry it exactly)
         * and escaped only here, where it meets the terminal. */
        char *file = g->file ? lm__escape_visible(g->file, strlen(g->file)) : NULL;
        const char *shown = file ? file : g->file;
        if (g->file == NULL)
            fprintf(out, "lmchoose: %s: %s\n", sev, g->msg);
        else if (g->line == 0)
            fprintf(out, "lmchoose: %s: %s: %s\n", shown, sev, g->msg);
        else
            fprintf(out, "lmchoose: %s:%u:%u: %s: %s\n", shown, g->line,
                    g->col, sev, g->msg);
        free(file);
    }
}

int lm_diags_worst(const struct lm_diags *d)
{
    int worst = LM_OK;
    for (size_t i = 0; i < d->count; i++) {
        if (d->items[i].sev != LM_SEV_ERROR)
            continue;
        if (lm_status_exit_code(d->items[i].code) > lm_status_exit_code(worst))
            worst = d->items[i].code;
    }
    return worst;
}

void lm_diags_release(struct lm_diags *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].file);
        free(d->items[i].msg);
    }
    free(d->items);
    memset(d, 0, sizeof(*d));
}
