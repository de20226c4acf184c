/*
 * Server command lines: vLLM (`vllm serve MODEL --flags`, `python -m
 * vllm.entrypoints.openai.api_server --model MODEL`), Hugging Face TGI
 * (`text-generation-launcher --model-id ...` and its environment variables)
 * and KServe's Hugging Face server (`--model_id`, vLLM flags passed through),
 * as written in shell scripts, Dockerfile CMD/ENTRYPOINT and container
 * command/args. Flag spellings follow vLLM's docs/configuration/serve_args.md
 * (long form, `--flag value` or `--flag=value`; `_` and `-` both accepted)
 * and TGI's docs/source/reference/launcher.md. Every value keeps the
 * position of its first character in the file.
 */
#include "deploy/deploy_read.h"

#include <stdlib.h>
#include <string.h>

#include "lmchoose/status.h"
#include "util/strutil.h"

int lm__argv_push(struct lm_dreader *r, struct lm_argv *v, const char *s, size_t len,
                  unsigned line, unsigned col)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        struct lm_arg *a = lm_arena_alloc(r->arena, cap * sizeof(*a));
        if (a == NULL)
            return LM_ENOMEM;
        if (v->n)
            memcpy(a, v->a, v->n * sizeof(*a));
        v->a = a;
        v->cap = cap;
    }
    char *copy = lm_arena_strndup(r->arena, s, len);
    if (copy == NULL)
        return LM_ENOMEM;
    v->a[v->n].s = copy;
    v->a[v->n].line = line;
    v->a[v->n].col = col;
    v->n++;
    return LM_OK;
}

int lm__argv_yaml(struct lm_dreader *r, struct lm_argv *v, const struct lm_ynode *seq)
{
    if (seq == NULL)
        return LM_OK;
    if (seq->kind == LM_Y_SCALAR) { /* `args: "--model x --tp 2"` (one string) */
        unsigned bl = seq->line, bc = seq->col + (seq->style == LM_YS_SINGLE || seq->style == LM_YS_DOUBLE);
        if (seq->style == LM_YS_BLOCK)
            lm__block_pos(r, seq, &bl, &bc);
        return lm__argv_shell(r, v, seq->text, seq->len, bl, bc);
    }
    if (seq->kind != LM_Y_SEQ)
        return LM_OK;
    for (size_t i = 0; i < seq->n; i++) {
        const struct lm_ynode *it = seq->items[i];
        if (it->kind != LM_Y_SCALAR)
            continue;
        unsigned col = it->col + (it->style == LM_YS_SINGLE || it->style == LM_YS_DOUBLE);
        /* A block scalar (`- |` then a script) is a shell script. */
        if (it->style == LM_YS_BLOCK) {
            unsigned bl, bc;
            lm__block_pos(r, it, &bl, &bc);
            int rc = lm__argv_shell(r, v, it->text, it->len, bl, bc);
            if (rc != LM_OK)
                return rc;
            continue;
        }
        /* `command: [sh, -c]` + `args: ["vllm serve M --tp 2"]`: a word with
         * blanks is a shell command line, split as the shell would. */
        int rc = strpbrk(it->text, " \t\n") != NULL
                     ? lm__argv_shell(r, v, it->text, it->len, it->line, col)
                     : lm__argv_push(r, v, it->text, it->len, it->line, col);
        if (rc != LM_OK)
            return rc;
    }
    return LM_OK;
}

/* ------------------------------------------------------------ shell words */

struct pos {
    unsigned line, col;
    unsigned base; /* the column every line starts at: 1 in a file, the
                      indentation + 1 in a YAML block scalar, whose text
                      has that indentation removed */
};

static void advance(struct pos *p, unsigned char c)
{
    if (c == '\n') {
        p->line++;
        p->col = p->base;
    } else if ((c & 0xC0) != 0x80) {
        p->col++;
    }
}

/* Splits text into words; a command separator (newline, ';', '&', '|') is
 * pushed as the word "\n" so that callers can split commands. */
int lm__argv_shell(struct lm_dreader *r, struct lm_argv *v, const char *text, size_t len,
                   unsigned line, unsigned col)
{
    struct pos p = { line, col, col };
    size_t i = 0;
    char *word = malloc(len + 1);
    if (word == NULL)
        return LM_ENOMEM;
    int rc = LM_OK;
    while (i < len && rc == LM_OK) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\\' && i + 1 < len && text[i + 1] == '\n') { /* continuation */
            advance(&p, c);
            advance(&p, '\n');
            i += 2;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r') {
            advance(&p, c);
            i++;
            continue;
        }
        if (c == '#') { /* a comment, to the end of the line */
            while (i < len && text[i] != '\n') {
                advance(&p, (unsigned char)text[i]);
                i++;
            }
            continue;
        }
        if (c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
            rc = lm__argv_push(r, v, "\n", 1, p.line, p.col);
            advance(&p, c);
            i++;
            continue;
        }
        struct pos start = p;
        size_t n = 0;
        int quoted_start = c == '"' || c == '\'';
        while (i < len) {
            c = (unsigned char)text[i];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '&' ||
                c == '|' || c == '(' || c == ')')
                break;
            if (c == '\\' && i + 1 < len) {
                advance(&p, c);
                i++;
                if (text[i] != '\n')
                    word[n++] = text[i];
                advance(&p, (unsigned char)text[i]);
                i++;
                continue;
            }
            if (c == '\'' || c == '"') {
                unsigned char q = c;
                advance(&p, c);
                i++;
                while (i < len && (unsigned char)text[i] != q) {
                    if (q == '"' && text[i] == '\\' && i + 1 < len &&
                        strchr("\"\\$`", text[i + 1]) != NULL) {
                        advance(&p, '\\');
                        i++;
                    }
                    word[n++] = text[i];
                    advance(&p, (unsigned char)text[i]);
                    i++;
                }
                if (i < len) {
                    advance(&p, q);
                    i++;
                }
                continue;
            }
            word[n++] = (char)c;
            advance(&p, c);
            i++;
        }
        rc = lm__argv_push(r, v, word, n, start.line, start.col + (unsigned)quoted_start);
    }
    free(word);
    return rc;
}

/* ------------------------------------------------------------- the flags */

/* "--max_model_len" -> "max-model-len" in buf; NULL when s is not a flag. */
static const char *flag_name(const char *s, char *buf, size_t cap, const char **eq)
{
    *eq = NULL;
    if (s[0] != '-' || s[1] == '\0')
        return NULL;
    s += s[1] == '-' ? 2 : 1;
    size_t n = 0;
    for (; *s && *s != '=' && n + 1 < cap; s++)
        buf[n++] = *s == '_' ? '-' : *s;
    buf[n] = '\0';
    if (*s == '=')
        *eq = s + 1;
    return buf;
}

struct flagmap {
    const char *flag;
    int field; /* enum lm_dfield, or -1: --config */
};

static const struct flagmap vllm_flags[] = {
    { "model", LM_D_MODEL },
    { "tensor-parallel-size", LM_D_TP }, { "tp", LM_D_TP },
    { "pipeline-parallel-size", LM_D_PP }, { "pp", LM_D_PP },
    { "quantization", LM_D_QUANT }, { "q", LM_D_QUANT },
    { "max-model-len", LM_D_MAX_LEN },
    { "gpu-memory-utilization", LM_D_GPU_UTIL },
    { "kv-cache-dtype", LM_D_KV_DTYPE },
    { "dtype", LM_D_DTYPE },
    { "config", -1 },
    /* KServe's Hugging Face server (python/huggingfaceserver/README.md). */
    { "model-id", LM_D_MODEL },
    { "max-length", LM_D_MAX_LEN },
    { NULL, 0 }
};

static const struct flagmap tgi_flags[] = {
    { "model-id", LM_D_MODEL },
    { "quantize", LM_D_QUANT },
    { "num-shard", LM_D_TP },
    { "max-total-tokens", LM_D_MAX_LEN },
    { "cuda-memory-fraction", LM_D_GPU_UTIL },
    { "kv-cache-dtype", LM_D_KV_DTYPE },
    { "dtype", LM_D_DTYPE },
    { NULL, 0 }
};

static const char *base_name(const char *s)
{
    const char *b = strrchr(s, '/');
    return b ? b + 1 : s;
}

/* Applies the flags of v[from..to) with table t; positional arguments are
 * the model when allow_positional (vllm serve MODEL). */
static void apply_flags(const struct lm_argv *v, size_t from, size_t to,
                        const struct flagmap *t, int allow_positional, struct lm_fdeploy *d)
{
    for (size_t i = from; i < to; i++) {
        const struct lm_arg *a = &v->a[i];
        char name[64];
        const char *eq;
        if (flag_name(a->s, name, sizeof(name), &eq) == NULL) {
            /* `vllm serve <model_tag> [options]`: only the first word. */
            if (allow_positional && i == from && a->s[0] != '\0')
                lm__fd_set(d, LM_D_MODEL, a->s, a->line, a->col);
            continue;
        }
        for (const struct flagmap *m = t; m->flag != NULL; m++) {
            if (strcmp(m->flag, name) != 0)
                continue;
            const char *val = NULL;
            unsigned line = a->line, col = a->col;
            if (eq != NULL) {
                val = eq;
                col = a->col + (unsigned)(eq - a->s);
            } else if (i + 1 < to && v->a[i + 1].s[0] != '-') {
                i++;
                val = v->a[i].s;
                line = v->a[i].line;
                col = v->a[i].col;
            }
            if (val == NULL)
                break;
            if (m->field < 0) {
                d->config.s = val;
                d->config.line = line;
                d->config.col = col;
            } else {
                lm__fd_set(d, (enum lm_dfield)m->field, val, line, col);
            }
            break;
        }
    }
}

const char *lm__image_server(const char *image)
{
    if (image == NULL)
        return NULL;
    if (strstr(image, "vllm-openai") != NULL || strstr(image, "vllm/vllm") != NULL)
        return "vllm";
    if (strstr(image, "text-generation-inference") != NULL)
        return "tgi";
    if (strstr(image, "huggingfaceserver") != NULL)
        return "kserve-hf";
    if (strstr(image, "ollama/ollama") != NULL)
        return "ollama";
    return NULL;
}

int lm__argv_server(struct lm_dreader *r, const struct lm_argv *v, const char *hint,
                    struct lm_fdeploy *d)
{
    (void)r;
    size_t n = v->n;
    for (size_t i = 0; i < n; i++) {
        const char *w = base_name(v->a[i].s);
        if (strcmp(w, "vllm") == 0 && i + 1 < n && strcmp(v->a[i + 1].s, "serve") == 0) {
            apply_flags(v, i + 2, n, vllm_flags, 1, d);
            lm__fd_set(d, LM_D_RUNTIME, "vllm", v->a[i].line, v->a[i].col);
            return 1;
        }
        if (strcmp(w, "vllm.entrypoints.openai.api_server") == 0 ||
            strcmp(w, "vllm.entrypoints.api_server") == 0) {
            apply_flags(v, i + 1, n, vllm_flags, 0, d);
            lm__fd_set(d, LM_D_RUNTIME, "vllm", v->a[i].line, v->a[i].col);
            return 1;
        }
        if (strcmp(w, "text-generation-launcher") == 0) {
            apply_flags(v, i + 1, n, tgi_flags, 0, d);
            lm__fd_set(d, LM_D_RUNTIME, "tgi", v->a[i].line, v->a[i].col);
            return 1;
        }
        if (strcmp(w, "huggingfaceserver") == 0) {
            apply_flags(v, i + 1, n, vllm_flags, 0, d);
            lm__fd_set(d, LM_D_RUNTIME, "vllm", v->a[i].line, v->a[i].col);
            return 1;
        }
    }
    /* Bare flags for an image whose entrypoint is the server. */
    if (hint != NULL && n > 0) {
        if (strcmp(hint, "vllm") == 0 || strcmp(hint, "kserve-hf") == 0) {
            apply_flags(v, 0, n, vllm_flags, strcmp(hint, "vllm") == 0, d);
            lm__fd_set(d, LM_D_RUNTIME, "vllm", v->a[0].line, v->a[0].col);
            return d->v[LM_D_MODEL].s != NULL || strcmp(hint, "kserve-hf") == 0;
        }
        if (strcmp(hint, "tgi") == 0) {
            apply_flags(v, 0, n, tgi_flags, 0, d);
            lm__fd_set(d, LM_D_RUNTIME, "tgi", v->a[0].line, v->a[0].col);
            return 1;
        }
    }
    return 0;
}

int lm__env_server(struct lm_dreader *r, const char *name, const struct lm_ynode *value,
                   struct lm_fdeploy *d)
{
    static const struct { const char *env; int field; } tgi_env[] = {
        { "MODEL_ID", LM_D_MODEL }, { "QUANTIZE", LM_D_QUANT }, { "NUM_SHARD", LM_D_TP },
        { "MAX_TOTAL_TOKENS", LM_D_MAX_LEN }, { "CUDA_MEMORY_FRACTION", LM_D_GPU_UTIL },
        { "DTYPE", LM_D_DTYPE }, { "KV_CACHE_DTYPE", LM_D_KV_DTYPE },
        { "OLLAMA_CONTEXT_LENGTH", LM_D_MAX_LEN },
    };
    if (value == NULL || value->kind != LM_Y_SCALAR)
        return LM_OK;
    for (size_t i = 0; i < sizeof(tgi_env) / sizeof(tgi_env[0]); i++)
        if (strcmp(tgi_env[i].env, name) == 0 && d->v[tgi_env[i].field].s == NULL)
            lm__fd_set_node(d, (enum lm_dfield)tgi_env[i].field, value);
    if (strcmp(name, "VLLM_ADDITIONAL_ARGS") == 0) {
        struct lm_argv v = { NULL, 0, 0 };
        int rc = lm__argv_yaml(r, &v, value);
        if (rc != LM_OK)
            return rc;
        apply_flags(&v, 0, v.n, vllm_flags, 0, d);
    }
    return LM_OK;
}

/* ----------------------------------------------------------- shell scripts */

struct shvar {
    const char *name;
    struct lm_arg val;
};

/* $NAME, ${NAME} or "$NAME" with a value assigned earlier in the script. */
static const struct lm_arg *lookup_var(const struct shvar *vars, size_t nvars, const char *s)
{
    char name[128];
    if (s[0] != '$')
        return NULL;
    const char *p = s + 1;
    int brace = *p == '{';
    if (brace)
        p++;
    size_t n = 0;
    while ((p[n] == '_' || (p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= 'a' && p[n] <= 'z') ||
            (p[n] >= '0' && p[n] <= '9')) && n + 1 < sizeof(name)) {
        name[n] = p[n];
        n++;
    }
    name[n] = '\0';
    if (n == 0 || (brace ? strcmp(p + n, "}") != 0 : p[n] != '\0'))
        return NULL;
    for (size_t i = nvars; i-- > 0;)
        if (strcmp(vars[i].name, name) == 0)
            return &vars[i].val;
    return NULL;
}

static int is_assignment(const char *s, size_t *eq)
{
    size_t i = 0;
    if (!(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return 0;
    while (s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
           (s[i] >= '0' && s[i] <= '9'))
        i++;
    if (s[i] != '=')
        return 0;
    *eq = i;
    return 1;
}

int lm__shell_read(struct lm_dreader *r, const char *text, size_t len, unsigned line,
                   unsigned col, const char *format, const char *name,
                   const struct lm_ynode *env)
{
    struct lm_argv all = { NULL, 0, 0 };
    int rc = lm__argv_shell(r, &all, text, len, line, col);
    if (rc != LM_OK)
        return rc;
    struct shvar vars[64];
    size_t nvars = 0;
    /* Variables the task defines for its script (SkyPilot `envs:`). */
    for (size_t e = 0; env != NULL && env->kind == LM_Y_MAP && e < env->n && nvars < 32; e++) {
        const struct lm_ynode *k = env->items[2 * e], *val = env->items[2 * e + 1];
        if (k->kind != LM_Y_SCALAR || val->kind != LM_Y_SCALAR)
            continue;
        vars[nvars].name = k->text;
        vars[nvars].val.s = val->text;
        vars[nvars].val.line = val->line;
        vars[nvars].val.col = val->col + (val->style == LM_YS_SINGLE || val->style == LM_YS_DOUBLE);
        nvars++;
    }
    size_t i = 0;
    while (i < all.n) {
        size_t j = i;
        while (j < all.n && strcmp(all.a[j].s, "\n") != 0)
            j++;
        /* One command: all.a[i..j). Leading assignments and wrappers. */
        struct lm_argv cmd = { NULL, 0, 0 };
        struct lm_fdeploy tmp;
        memset(&tmp, 0, sizeof(tmp));
        size_t k = i;
        size_t eq;
        size_t first_assign = nvars;
        for (; k < j; k++) {
            const char *w = all.a[k].s;
            if (strcmp(w, "export") == 0 || strcmp(w, "exec") == 0 || strcmp(w, "nohup") == 0 ||
                strcmp(w, "env") == 0)
                continue;
            if (is_assignment(w, &eq)) {
                if (nvars < 64) {
                    char *nm = lm_arena_strndup(r->arena, w, eq);
                    if (nm == NULL)
                        return LM_ENOMEM;
                    vars[nvars].name = nm;
                    vars[nvars].val.s = w + eq + 1;
                    vars[nvars].val.line = all.a[k].line;
                    vars[nvars].val.col = all.a[k].col + (unsigned)eq + 1;
                    nvars++;
                }
                continue;
            }
            break;
        }
        for (size_t m = k; m < j; m++) {
            const struct lm_arg *a = &all.a[m];
            const struct lm_arg *sub = lookup_var(vars, nvars, a->s);
            if (sub == NULL) {
                /* --flag=$VAR */
                const char *e = strchr(a->s, '=');
                const struct lm_arg *s2 = e && a->s[0] == '-' ? lookup_var(vars, nvars, e + 1) : NULL;
                if (s2 != NULL) {
                    char *joined = lm__asprintf("%.*s%s", (int)(e + 1 - a->s), a->s, s2->s);
                    if (joined == NULL)
                        return LM_ENOMEM;
                    /* The value is located where it was assigned. */
                    rc = lm__argv_push(r, &cmd, joined, strlen(joined), s2->line,
                                       s2->col - (unsigned)(e + 1 - a->s));
                    free(joined);
                } else {
                    rc = lm__argv_push(r, &cmd, a->s, strlen(a->s), a->line, a->col);
                }
            } else {
                rc = lm__argv_push(r, &cmd, sub->s, strlen(sub->s), sub->line, sub->col);
            }
            if (rc != LM_OK)
                return rc;
        }
        if (cmd.n > 0 && lm__argv_server(r, &cmd, NULL, &tmp)) {
            /* Environment given on the command line (TGI reads MODEL_ID ...). */
            for (size_t q = first_assign; q < nvars; q++) {
                struct lm_ynode fake;
                memset(&fake, 0, sizeof(fake));
                fake.kind = LM_Y_SCALAR;
                fake.text = vars[q].val.s;
                fake.len = strlen(fake.text);
                fake.line = vars[q].val.line;
                fake.col = vars[q].val.col;
                fake.quoted = 1;
                if ((rc = lm__env_server(r, vars[q].name, &fake, &tmp)) != LM_OK)
                    return rc;
            }
            struct lm_fdeploy *d = lm__fd_new(r, format, name, cmd.a[0].line, cmd.a[0].col);
            if (d == NULL)
                return LM_ENOMEM;
            const char *nm = d->name;
            tmp.format = d->format;
            tmp.name = nm;
            tmp.line = d->line;
            tmp.col = d->col;
            *d = tmp;
        }
        i = j + 1;
    }
    return LM_OK;
}

/* ------------------------------------------------------ vLLM --config */

/* vLLM's --config YAML (docs/configuration/serve_args.md: "the argument
 * names must be the long form"): the same flags as keys. */
static const struct { const char *key; int field; } vllm_keys[] = {
    { "model", LM_D_MODEL }, { "tensor-parallel-size", LM_D_TP },
    { "pipeline-parallel-size", LM_D_PP }, { "quantization", LM_D_QUANT },
    { "max-model-len", LM_D_MAX_LEN }, { "gpu-memory-utilization", LM_D_GPU_UTIL },
    { "kv-cache-dtype", LM_D_KV_DTYPE }, { "dtype", LM_D_DTYPE },
};

int lm__vllm_config_read(struct lm_dreader *r, const struct lm_ynode *doc,
                         struct lm_fdeploy *into, int *recognised)
{
    *recognised = 0;
    if (doc == NULL || doc->kind != LM_Y_MAP)
        return LM_OK;
    const struct lm_ynode *found[sizeof(vllm_keys) / sizeof(vllm_keys[0])] = { NULL };
    size_t nfound = 0;
    for (size_t i = 0; i < doc->n; i++) {
        const struct lm_ynode *k = doc->items[2 * i];
        if (k->kind != LM_Y_SCALAR)
            continue;
        char norm[64];
        size_t n = 0;
        for (const char *p = k->text; *p && n + 1 < sizeof(norm); p++)
            norm[n++] = *p == '_' ? '-' : *p;
        norm[n] = '\0';
        for (size_t f = 0; f < sizeof(vllm_keys) / sizeof(vllm_keys[0]); f++)
            if (strcmp(norm, vllm_keys[f].key) == 0 && found[f] == NULL) {
                found[f] = doc->items[2 * i + 1];
                nfound++;
            }
    }
    /* A standalone file must name a model and at least one engine setting,
     * so that an unrelated `model:` key is not taken for a deployment. */
    if (into == NULL && (found[0] == NULL || nfound < 2))
        return LM_OK;
    *recognised = 1;
    struct lm_fdeploy *d = into;
    if (d == NULL) {
        r->out->format = "vllm-config";
        d = lm__fd_new(r, "vllm-config", lm__file_stem(r), doc->line, doc->col);
        if (d == NULL)
            return LM_ENOMEM;
        lm__fd_set(d, LM_D_RUNTIME, "vllm", doc->line, doc->col);
    }
    /* "command line > config file values > defaults" (serve_args.md). */
    for (size_t f = 0; f < sizeof(vllm_keys) / sizeof(vllm_keys[0]); f++)
        if (found[f] != NULL && d->v[vllm_keys[f].field].s == NULL) {
            lm__fd_set_node(d, (enum lm_dfield)vllm_keys[f].field, found[f]);
            if (into != NULL) /* located in the config file, not the script */
                d->v[vllm_keys[f].field].file = r->file;
        }
    return LM_OK;
}
