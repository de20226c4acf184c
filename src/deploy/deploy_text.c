/*
 * Text formats: the Ollama Modelfile (ollama/ollama docs/modelfile.mdx:
 * `INSTRUCTION arguments`, case-insensitive, `#` comments, `"""` blocks;
 * `FROM <model>:<tag>`, `PARAMETER num_ctx N`) and the Dockerfile
 * (docs.docker.com/reference/dockerfile: FROM, ENV, ENTRYPOINT and CMD in
 * exec form `["a", "b"]` or shell form, `\` continuations), whose
 * ENTRYPOINT + CMD is read as a command line (deploy_cmdline.c).
 */
#include "deploy/deploy_read.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lmchoose/status.h"

/* The next logical line of buf from *i: [start, end) with continuations
 * kept; *line is the line of its first character. */
static int next_line(const char *buf, size_t len, size_t *i, size_t *start, size_t *end,
                     int continuations)
{
    if (*i >= len)
        return 0;
    *start = *i;
    size_t j = *i;
    while (j < len) {
        if (buf[j] == '\n') {
            size_t k = j;
            while (k > *start && (buf[k - 1] == ' ' || buf[k - 1] == '\r'))
                k--;
            if (continuations && k > *start && buf[k - 1] == '\\') {
                j++;
                continue;
            }
            break;
        }
        j++;
    }
    *end = j;
    *i = j < len ? j + 1 : j;
    return 1;
}

static unsigned line_of(const char *buf, size_t off)
{
    unsigned l = 1;
    for (size_t i = 0; i < off; i++)
        l += buf[i] == '\n';
    return l;
}

int lm__ollama_read(struct lm_dreader *r)
{
    size_t i = 0, s, e;
    struct lm_fdeploy *d = NULL;
    int in_block = 0;
    unsigned line = 0;
    while (next_line(r->buf, r->len, &i, &s, &e, 0)) {
        line++;
        const char *p = r->buf + s;
        size_t n = e - s;
        /* """ blocks (TEMPLATE, SYSTEM, LICENSE) are skipped. */
        size_t quotes = 0;
        for (size_t k = 0; k + 2 < n + 1 && k + 3 <= n; k++)
            if (memcmp(p + k, "\"\"\"", 3) == 0) {
                quotes++;
                k += 2;
            }
        int was_block = in_block;
        if (quotes % 2 == 1)
            in_block = !in_block;
        if (was_block)
            continue;
        size_t k = 0;
        while (k < n && (p[k] == ' ' || p[k] == '\t'))
            k++;
        if (k >= n || p[k] == '#')
            continue;
        size_t w = k;
        while (w < n && p[w] != ' ' && p[w] != '\t')
            w++;
        size_t a = w;
        while (a < n && (p[a] == ' ' || p[a] == '\t'))
            a++;
        size_t ae = n;
        while (ae > a && (p[ae - 1] == ' ' || p[ae - 1] == '\r'))
            ae--;
        if (w - k == 4 && strncasecmp(p + k, "FROM", 4) == 0 && ae > a) {
            if (d == NULL) {
                r->out->format = "ollama";
                d = lm__fd_new(r, "ollama", lm__file_stem(r), line, (unsigned)k + 1);
                if (d == NULL)
                    return LM_ENOMEM;
                lm__fd_set(d, LM_D_RUNTIME, "ollama", line, (unsigned)k + 1);
            }
            char *m = lm_arena_strndup(r->arena, p + a, ae - a);
            if (m == NULL)
                return LM_ENOMEM;
            lm__fd_set(d, LM_D_MODEL, m, line, (unsigned)a + 1);
        } else if (d != NULL && w - k == 9 && strncasecmp(p + k, "PARAMETER", 9) == 0) {
            size_t pn = a;
            while (pn < ae && p[pn] != ' ' && p[pn] != '\t')
                pn++;
            size_t v = pn;
            while (v < ae && (p[v] == ' ' || p[v] == '\t'))
                v++;
            if (pn - a == 7 && strncmp(p + a, "num_ctx", 7) == 0 && v < ae) {
                char *val = lm_arena_strndup(r->arena, p + v, ae - v);
                if (val == NULL)
                    return LM_ENOMEM;
                lm__fd_set(d, LM_D_MAX_LEN, val, line, (unsigned)v + 1);
            }
        }
    }
    return LM_OK;
}

/* An exec-form JSON array `["a", "b"]` into v; 0 when text is not one. */
static int exec_form(struct lm_dreader *r, struct lm_argv *v, const char *p, size_t n,
                     unsigned line, unsigned col, int *rc)
{
    size_t k = 0;
    while (k < n && p[k] == ' ')
        k++;
    if (k >= n || p[k] != '[')
        return 0;
    k++;
    char *word = malloc(n + 1);
    if (word == NULL) {
        *rc = LM_ENOMEM;
        return 1;
    }
    unsigned l = line, c = col + (unsigned)k;
    while (k < n && *rc == LM_OK) {
        char ch = p[k];
        if (ch == '"') {
            unsigned wl = l, wc = c + 1;
            size_t wn = 0;
            k++;
            c++;
            while (k < n && p[k] != '"') {
                if (p[k] == '\\' && k + 1 < n) {
                    k++;
                    c++;
                }
                if (p[k] == '\n') {
                    l++;
                    c = 0;
                }
                word[wn++] = p[k];
                k++;
                c++;
            }
            *rc = lm__argv_push(r, v, word, wn, wl, wc);
        } else if (ch == ']') {
            break;
        } else if (ch == '\n') {
            l++;
            c = 0;
        }
        k++;
        c++;
    }
    free(word);
    return 1;
}

int lm__dockerfile_read(struct lm_dreader *r)
{
    size_t i = 0, s, e;
    struct lm_argv entry = { NULL, 0, 0 }, cmd = { NULL, 0, 0 };
    const char *image = NULL;
    struct lm_fdeploy env;
    memset(&env, 0, sizeof(env));
    int rc = LM_OK;
    while (rc == LM_OK && next_line(r->buf, r->len, &i, &s, &e, 1)) {
        const char *p = r->buf + s;
        size_t n = e - s;
        unsigned line = line_of(r->buf, s);
        size_t k = 0;
        while (k < n && (p[k] == ' ' || p[k] == '\t'))
            k++;
        if (k >= n || p[k] == '#')
            continue;
        size_t w = k;
        while (w < n && p[w] != ' ' && p[w] != '\t')
            w++;
        size_t a = w;
        while (a < n && (p[a] == ' ' || p[a] == '\t'))
            a++;
        const char *ins = p + k;
        size_t il = w - k;
        unsigned acol = (unsigned)a + 1;
        if (il == 4 && strncasecmp(ins, "FROM", 4) == 0) {
            size_t ie = a;
            while (ie < n && p[ie] != ' ' && p[ie] != '\t' && p[ie] != '\r')
                ie++;
            image = lm_arena_strndup(r->arena, p + a, ie - a);
            if (image == NULL)
                return LM_ENOMEM;
            entry.n = cmd.n = 0; /* a new stage */
        } else if ((il == 3 && strncasecmp(ins, "CMD", 3) == 0) ||
                   (il == 10 && strncasecmp(ins, "ENTRYPOINT", 10) == 0)) {
            struct lm_argv *v = il == 3 ? &cmd : &entry;
            v->n = 0;
            if (!exec_form(r, v, p + a, n - a, line, acol, &rc) && rc == LM_OK)
                rc = lm__argv_shell(r, v, p + a, n - a, line, acol);
        } else if (il == 3 && strncasecmp(ins, "ENV", 3) == 0) {
            struct lm_argv words = { NULL, 0, 0 };
            rc = lm__argv_shell(r, &words, p + a, n - a, line, acol);
            for (size_t q = 0; rc == LM_OK && q < words.n; q++) {
                const char *eq = strchr(words.a[q].s, '=');
                struct lm_ynode val;
                memset(&val, 0, sizeof(val));
                val.kind = LM_Y_SCALAR;
                val.quoted = 1;
                char name[128];
                if (eq != NULL) {
                    snprintf(name, sizeof(name), "%.*s", (int)(eq - words.a[q].s), words.a[q].s);
                    val.text = eq + 1;
                    val.line = words.a[q].line;
                    val.col = words.a[q].col + (unsigned)(eq + 1 - words.a[q].s);
                } else if (q + 1 < words.n) { /* ENV NAME value */
                    snprintf(name, sizeof(name), "%s", words.a[q].s);
                    q++;
                    val.text = words.a[q].s;
                    val.line = words.a[q].line;
                    val.col = words.a[q].col;
                } else {
                    continue;
                }
                val.len = strlen(val.text);
                rc = lm__env_server(r, name, &val, &env);
            }
        }
    }
    if (rc != LM_OK)
        return rc;
    struct lm_argv all = { NULL, 0, 0 };
    for (size_t q = 0; q < entry.n && rc == LM_OK; q++)
        rc = lm__argv_push(r, &all, entry.a[q].s, strlen(entry.a[q].s), entry.a[q].line,
                           entry.a[q].col);
    for (size_t q = 0; q < cmd.n && rc == LM_OK; q++)
        rc = lm__argv_push(r, &all, cmd.a[q].s, strlen(cmd.a[q].s), cmd.a[q].line, cmd.a[q].col);
    if (rc != LM_OK)
        return rc;
    struct lm_fdeploy tmp = env;
    const char *hint = lm__image_server(image);
    int found = all.n > 0 && lm__argv_server(r, &all, hint, &tmp);
    if (!found && hint != NULL && strcmp(hint, "tgi") == 0 && tmp.v[LM_D_MODEL].s != NULL) {
        found = 1;
        lm__fd_set(&tmp, LM_D_RUNTIME, "tgi", 1, 1);
    }
    if (!found)
        return LM_OK;
    r->out->format = "dockerfile";
    unsigned line = all.n ? all.a[0].line : 1, col = all.n ? all.a[0].col : 1;
    struct lm_fdeploy *d = lm__fd_new(r, "dockerfile", lm__file_stem(r), line, col);
    if (d == NULL)
        return LM_ENOMEM;
    tmp.format = d->format;
    tmp.name = d->name;
    tmp.line = d->line;
    tmp.col = d->col;
    *d = tmp;
    return LM_OK;
}
