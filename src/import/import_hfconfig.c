/*
 * `lmchoose import hf-config config.json|DIR`: a model profile from a Hugging
 * Face config.json (docs/import.md "hf-config").
 *
 * Parameters: exact from the weights when DIR holds them (model.safetensors:
 * the tensor shapes summed; model.safetensors.index.json: metadata.total_size
 * divided by the bytes of torch_dtype), else from the config with the
 * standard decoder formula, printed term by term:
 *
 *   embeddings  vocab × hidden            (× 2 when the embeddings are not tied)
 *   per layer   attention  hidden × heads × head_dim          (q)
 *                        + 2 × hidden × kv_heads × head_dim   (k, v)
 *                        + heads × head_dim × hidden          (o)
 *                        + biases (qwen2: q, k, v; attention_bias: q, k, v, o)
 *               MLP        3 × hidden × intermediate          (gate, up, down)
 *                          × experts, + hidden × experts (router), for MoE
 *               norms      2 × hidden  (qwen3: + 2 × head_dim, the q/k norms)
 *   final norm  hidden
 *
 * Active parameters (MoE): the same with experts_per_token experts. The
 * formula reproduces keras-hub's exact counts for Llama 3 8B, Qwen2.5 and
 * Mixtral (shared/data/catalog-facts.md); it is applied only to the model
 * types it was checked for.
 */
#include "import/import.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/fs.h"
#include "io/json_read.h"
#include "lmchoose/status.h"
#include "util/strutil.h"

/* Model types the formula covers, with qkv bias and q/k norms. */
static const struct { const char *type; int qkv_bias, qk_norm; } formula_types[] = {
    { "llama", 0, 0 }, { "mistral", 0, 0 }, { "mixtral", 0, 0 },
    { "qwen2", 1, 0 }, { "qwen3", 0, 1 },   { "phi3", 0, 0 },
};

struct count {
    double embed, head, attn, mlp, mlp_active, norms, final_norm;
    double total, active;
};

static int formula(const struct lm_hf_config *c, struct count *n)
{
    int qkv_bias = -1, qk_norm = 0;
    for (size_t i = 0; c->model_type && i < sizeof(formula_types) / sizeof(formula_types[0]); i++)
        if (strcmp(c->model_type, formula_types[i].type) == 0) {
            qkv_bias = formula_types[i].qkv_bias;
            qk_norm = formula_types[i].qk_norm;
        }
    if (qkv_bias < 0 || isnan(c->layers) || isnan(c->hidden) || isnan(c->heads) ||
        isnan(c->vocab) || isnan(c->intermediate) || c->heads == 0)
        return -1;
    double hd = !isnan(c->head_dim) ? c->head_dim : c->hidden / c->heads;
    double kv = !isnan(c->kv_heads) ? c->kv_heads : c->heads;
    double h = c->hidden;
    memset(n, 0, sizeof(*n));
    n->embed = c->vocab * h;
    n->head = c->tied == 1 ? 0 : c->vocab * h;
    n->attn = h * c->heads * hd + 2 * h * kv * hd + c->heads * hd * h;
    if (qkv_bias || c->attention_bias == 1)
        n->attn += c->heads * hd + 2 * kv * hd;
    if (c->attention_bias == 1)
        n->attn += h;
    double one = 3 * h * c->intermediate + (c->mlp_bias == 1 ? 2 * c->intermediate + h : 0);
    double e = !isnan(c->experts) && c->experts > 0 ? c->experts : 0;
    double k = !isnan(c->experts_per_token) ? c->experts_per_token : e;
    n->mlp = e > 0 ? e * one + h * e : one;
    n->mlp_active = e > 0 ? k * one + h * e : one;
    n->norms = 2 * h + (qk_norm ? 2 * hd : 0);
    n->final_norm = h;
    double rest = n->embed + n->head + n->final_norm;
    n->total = rest + c->layers * (n->attn + n->mlp + n->norms);
    n->active = rest + c->layers * (n->attn + n->mlp_active + n->norms);
    return 0;
}

static double dtype_bytes(const char *d)
{
    if (d == NULL)
        return (double)NAN;
    if (strcmp(d, "bfloat16") == 0 || strcmp(d, "float16") == 0)
        return 2;
    if (strcmp(d, "float32") == 0)
        return 4;
    return (double)NAN;
}


static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The JSON header of a .safetensors file: u64 little-endian length, then
 * that many bytes (bounded by max). */
static int read_st_header(const char *path, size_t max, struct lm_diags *diags, char **buf,
                          size_t *len)
{
    struct lm_loc loc = { path, 0, 0 };
    FILE *f = fopen(path, "rb");
    unsigned char b[8];
    *buf = NULL;
    if (f == NULL || fread(b, 1, 8, f) != 8) {
        if (f)
            fclose(f);
        return lm_diag_error(diags, LM_EIO, &loc, "cannot read the safetensors header length");
    }
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | b[i];
    if (n == 0 || n > max) {
        fclose(f);
        return lm_diag_error(diags, LM_ELIMIT, &loc,
                             "safetensors header of %llu bytes exceeds --max-input-size (%zu)",
                             (unsigned long long)n, max);
    }
    *buf = malloc((size_t)n);
    if (*buf == NULL) {
        fclose(f);
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    }
    if (fread(*buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(*buf);
        *buf = NULL;
        return lm_diag_error(diags, LM_ESYNTAX, &loc, "truncated safetensors header");
    }
    fclose(f);
    *len = (size_t)n;
    return LM_OK;
}

int lm_import_hf_config(const struct lm_catalog *cat, const char *path, const char *id_opt,
                        const char *date, const struct lm_limits *limits,
                        struct lm_diags *diags, struct lm_import_result *res)
{
    memset(res, 0, sizeof(*res));
    int dir = is_dir(path);
    char *cfg_path = dir ? lm__asprintf("%s/config.json", path) : strdup(path);
    char *idx_path = dir ? lm__asprintf("%s/model.safetensors.index.json", path) : NULL;
    char *st_path = dir ? lm__asprintf("%s/model.safetensors", path) : NULL;
    struct lm_arena arena = LM_ARENA_INIT;
    char *buf = NULL, *text = NULL, *sum = NULL;
    size_t len, tlen = 0, slen = 0;
    FILE *o = NULL, *s = NULL;
    struct lm_hf_config c;
    int rc = cfg_path == NULL || (dir && (idx_path == NULL || st_path == NULL)) ? LM_ENOMEM : LM_OK;
    if (rc == LM_OK)
        rc = lm__read_input(cfg_path, cfg_path, limits->max_input_size, diags, &buf, &len);
    if (rc == LM_OK)
        rc = lm__hf_config_read(cfg_path, buf, len, &arena, diags, &c);
    free(buf);
    buf = NULL;
    /* exact counts from the weights' metadata */
    double exact = (double)NAN, total_size = (double)NAN;
    char st_dtype[16] = "";
    const char *exact_how = NULL;
    if (rc == LM_OK && st_path != NULL && exists(st_path)) {
        rc = read_st_header(st_path, limits->max_input_size, diags, &buf, &len);
        if (rc == LM_OK)
            rc = lm__st_header_read(st_path, buf, len, diags, &exact, st_dtype);
        free(buf);
        buf = NULL;
        exact_how = "model.safetensors: the tensor shapes, multiplied out and summed";
    } else if (rc == LM_OK && idx_path != NULL && exists(idx_path)) {
        rc = lm__read_input(idx_path, idx_path, limits->max_input_size, diags, &buf, &len);
        if (rc == LM_OK)
            rc = lm__st_index_read(idx_path, buf, len, diags, &total_size);
        free(buf);
        buf = NULL;
        double b = dtype_bytes(c.torch_dtype);
        if (rc == LM_OK && !isnan(b) && fmod(total_size, b) == 0) {
            exact = total_size / b;
            exact_how = "model.safetensors.index.json: metadata.total_size / bytes of torch_dtype";
        }
    }
    struct count n;
    memset(&n, 0, sizeof(n));
    int have_formula = rc == LM_OK && formula(&c, &n) == 0;
    if (rc == LM_OK && (isnan(c.layers) || isnan(c.hidden) || isnan(c.heads) || isnan(c.vocab) ||
                        isnan(c.context))) {
        struct lm_loc loc = { cfg_path, 0, 0 };
        rc = lm_diag_error(diags, LM_ESCHEMA, &loc,
                           "config.json needs num_hidden_layers, hidden_size, "
                           "num_attention_heads, vocab_size and max_position_embeddings");
    }
    if (rc == LM_OK && isnan(exact) && !have_formula) {
        struct lm_loc loc = { cfg_path, 0, 0 };
        rc = lm_diag_error(diags, LM_ESCHEMA, &loc,
                           "no parameter count: model_type '%s' has no formula here (llama, "
                           "mistral, mixtral, qwen2, qwen3, phi3), and there is no "
                           "model.safetensors or index beside config.json",
                           c.model_type ? c.model_type : "(none)");
    }
    if (rc != LM_OK)
        goto out;

    char id[128];
    lm__id_from_name(id_opt ? id_opt : c.name_or_path ? c.name_or_path : dir ? path : "imported-model",
                     1, id, sizeof(id));
    if (id[0] == '\0' || strcmp(id, "config.json") == 0)
        snprintf(id, sizeof(id), "imported-model");
    const struct lm_model *known = lm_catalog_model(cat, id);
    double params = !isnan(exact) ? exact : n.total;
    double hd = !isnan(c.head_dim) ? c.head_dim : c.hidden / c.heads;

    o = open_memstream(&text, &tlen);
    s = open_memstream(&sum, &slen);
    if (o == NULL || s == NULL) {
        rc = lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
        goto out;
    }
    fprintf(s, "model_type %s; parameters ", c.model_type ? c.model_type : "(none)");
    if (have_formula) {
        fprintf(s, "by the decoder formula (docs/import.md):\n"
                   "  embeddings  %.0f x %.0f = %.0f%s\n",
                c.vocab, c.hidden, n.embed, c.tied == 1 ? " (tied: no separate LM head)" : "");
        if (n.head > 0)
            fprintf(s, "  LM head     %.0f x %.0f = %.0f\n", c.vocab, c.hidden, n.head);
        fprintf(s, "  per layer   attention %.0f + MLP %.0f + norms %.0f = %.0f, x %.0f layers = %.0f\n",
                n.attn, n.mlp, n.norms, n.attn + n.mlp + n.norms, c.layers,
                c.layers * (n.attn + n.mlp + n.norms));
        fprintf(s, "  final norm  %.0f\n  total       %.0f (%.2f B)\n", n.final_norm, n.total,
                n.total / 1e9);
        if (n.active != n.total)
            fprintf(s, "  active      %.0f (%.2f B): %.0f of %.0f experts per token\n", n.active,
                    n.active / 1e9, c.experts_per_token, c.experts);
    } else {
        fprintf(s, "(no formula for this model type)\n");
    }
    if (!isnan(exact))
        fprintf(s, "exact from %s: %.0f%s\n", exact_how, exact,
                have_formula && exact != n.total ? " (differs from the formula: the exact count is used)" : "");

    /* the path as it lands in a comment and a quoted string: printable
     * ASCII without quotes or backslashes */
    char shown[512];
    size_t sl = 0;
    for (const unsigned char *p = (const unsigned char *)cfg_path; *p && sl + 1 < sizeof(shown); p++)
        if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
            shown[sl++] = (char)*p;
    shown[sl] = '\0';
    fprintf(o, "# imported from %s on %s by lmchoose import hf-config\n", shown, date);
    if (known != NULL)
        fprintf(o, "# A partial override (docs/profiles.md): size and architecture from\n"
                   "# config.json; every other field comes from the lower layers.\n");
    fprintf(o, "id: %s\n", id);
    if (known == NULL) {
        /* the name as written: the last part of _name_or_path, else the id */
        const char *nm = c.name_or_path ? c.name_or_path : id;
        const char *last = strrchr(nm, '/');
        nm = last != NULL && last[1] != '\0' ? last + 1 : nm;
        fprintf(o, "name: \"");
        for (const unsigned char *p = (const unsigned char *)nm; *p; p++)
            if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
                fputc(*p, o);
        fprintf(o, "\"  # [1] %s\n", c.name_or_path ? "_name_or_path" : "the id");
    }
    fprintf(o, "params_b: %.12g  # [1] %.0f parameters (%s)\n", params / 1e9, params,
            !isnan(exact) ? "exact, from the weights' metadata" : "the decoder formula");
    if (have_formula && n.active != n.total && isnan(exact))
        fprintf(o, "active_params_b: %.12g  # [1] %.0f parameters: %.0f of %.0f experts\n",
                n.active / 1e9, n.active, c.experts_per_token, c.experts);
    fprintf(o, "architecture:\n  layers: %.0f  # [1] num_hidden_layers\n"
               "  hidden: %.0f  # [1] hidden_size\n  attention_heads: %.0f  # [1] num_attention_heads\n",
            c.layers, c.hidden, c.heads);
    if (!isnan(c.kv_heads))
        fprintf(o, "  kv_heads: %.0f  # [1] num_key_value_heads\n", c.kv_heads);
    fprintf(o, "  head_dim: %.0f  # [1] %s\n", hd, !isnan(c.head_dim) ? "head_dim" : "hidden_size / num_attention_heads");
    fprintf(o, "  vocab: %.0f  # [1] vocab_size\n", c.vocab);
    fprintf(o, "  tied_embeddings: %s  # [1] tie_word_embeddings%s\n", c.tied == 1 ? "true" : "false",
            c.tied < 0 ? " (absent: false, the default of these model types)" : "");
    if (!isnan(c.sliding_window) && c.sliding_window >= 1 && c.use_sliding_window != 0)
        fprintf(o, "  sliding_window: %.0f  # [1] sliding_window\n", c.sliding_window);
    if (!isnan(c.intermediate))
        fprintf(o, "  intermediate_size: %.0f  # [1] intermediate_size\n", c.intermediate);
    if (!isnan(c.experts) && c.experts > 0) {
        fprintf(o, "  experts: %.0f  # [1] num_local_experts / num_experts\n", c.experts);
        if (!isnan(c.experts_per_token))
            fprintf(o, "  experts_per_token: %.0f  # [1] num_experts_per_tok\n", c.experts_per_token);
        if (have_formula)
            fprintf(o, "  expert_params_b: %.12g  # [1] layers x experts x 3 x hidden x intermediate\n",
                    c.layers * c.experts * 3 * c.hidden * c.intermediate / 1e9);
    }
    if (known == NULL)
        fprintf(o, "context_tokens: %.0f  # [1] max_position_embeddings\n"
                   "open_weights: true  # [1] a config.json of published weights\n", c.context);
    fprintf(o, "sources:\n  - \"[1] %s (Hugging Face config.json%s), imported %s\"\n", shown,
            !isnan(exact) ? " and the safetensors metadata beside it" : "", date);
    if (fclose(o) != 0 || fclose(s) != 0) {
        o = s = NULL;
        rc = lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
        goto out;
    }
    o = s = NULL;
    res->files = malloc(sizeof(*res->files));
    char *fname = lm__asprintf("models/%s.yaml", id);
    if (res->files == NULL || fname == NULL) {
        free(fname);
        rc = lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
        goto out;
    }
    res->files[0].name = fname;
    res->files[0].text = text;
    res->files[0].len = tlen;
    res->nfiles = 1;
    res->summary = sum;
    text = sum = NULL;
out:
    if (o)
        fclose(o);
    if (s)
        fclose(s);
    free(text);
    free(sum);
    free(cfg_path);
    free(idx_path);
    free(st_path);
    lm_arena_release(&arena);
    return rc;
}
