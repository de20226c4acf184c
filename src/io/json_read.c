/*
 * JSON readers for the importers (json_read.h). cJSON builds the tree; this
 * file checks types and ranges and copies what the importers need into
 * plain structs in the caller's arena.
 */
#include "io/json_read.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "lmchoose/status.h"
#include "util/strutil.h"

/* Parses buf as one JSON value; a syntax error is reported at its line and
 * column. NULL after an error. */
static cJSON *parse(const char *file, const char *buf, size_t len, struct lm_diags *diags)
{
    const char *end = NULL;
    if (len == 0) {
        struct lm_loc loc = { file, 0, 0 };
        lm_diag_error(diags, LM_ESYNTAX, &loc, "empty file: expected a JSON object");
        return NULL;
    }
    if (!lm__utf8_valid(buf, len)) {
        struct lm_loc loc = { file, 0, 0 };
        lm_diag_error(diags, LM_ESYNTAX, &loc, "not valid UTF-8");
        return NULL;
    }
    cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    if (root == NULL) {
        size_t off = end != NULL && end >= buf && end <= buf + len ? (size_t)(end - buf) : 0;
        unsigned line, col;
        lm__offset_to_linecol(buf, len, off, &line, &col);
        struct lm_loc loc = { file, line, col };
        lm_diag_error(diags, LM_ESYNTAX, &loc, "JSON syntax error (or nesting deeper than %d)",
                      CJSON_NESTING_LIMIT);
        return NULL;
    }
    /* Only whitespace may follow the value. */
    for (const char *p = end; p != NULL && p < buf + len; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            continue;
        unsigned line, col;
        lm__offset_to_linecol(buf, len, (size_t)(p - buf), &line, &col);
        struct lm_loc loc = { file, line, col };
        lm_diag_error(diags, LM_ESYNTAX, &loc, "unexpected text after the JSON value");
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* Records the offsets of the keys of the top-level object, in file order
 * (cJSON keeps members in file order, so key i is member i). buf is known
 * to be one valid JSON object. */
static size_t top_level_keys(const char *buf, size_t len, size_t *offs, size_t cap)
{
    size_t n = 0;
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        } else if (c == '"') {
            size_t start = i++;
            while (i < len && buf[i] != '"')
                i += buf[i] == '\\' ? 2 : 1;
            if (depth != 1)
                continue;
            size_t j = i + 1;
            while (j < len && (buf[j] == ' ' || buf[j] == '\t' || buf[j] == '\n' || buf[j] == '\r'))
                j++;
            if (j < len && buf[j] == ':' && n < cap)
                offs[n++] = start;
        }
    }
    return n;
}

/* A bad value in one entry of a third-party file skips that entry (with a
 * warning) rather than the whole import. */
static int entry_error(struct lm_diags *diags, const char *file, const struct lm_litellm_entry *e,
                       const char *field, const char *what)
{
    struct lm_loc loc = { file, e->line, e->col };
    lm_diag_warning(diags, &loc, "'%s': '%s' must be %s; entry skipped", e->key, field, what);
    return -1;
}

/* A number field: NAN when absent or null (or zero_absent and 0, as
 * LiteLLM writes unknown token limits); an error when not a finite number
 * in [min, max]. */
static int num_field(const cJSON *obj, const char *name, int zero_absent, double min, double max,
                     struct lm_diags *diags, const char *file,
                     const struct lm_litellm_entry *e, double *out)
{
    *out = (double)NAN;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (v == NULL || cJSON_IsNull(v) || (zero_absent && cJSON_IsNumber(v) && v->valuedouble == 0))
        return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < min ||
        v->valuedouble > max) {
        char what[96];
        snprintf(what, sizeof(what), "a number in [%g, %g]", min, max);
        entry_error(diags, file, e, name, what);
        return -1;
    }
    *out = v->valuedouble;
    return 0;
}

static int bool_field(const cJSON *obj, const char *name, struct lm_diags *diags,
                      const char *file, const struct lm_litellm_entry *e, int *out)
{
    *out = -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (v == NULL || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsBool(v)) {
        entry_error(diags, file, e, name, "true or false");
        return -1;
    }
    *out = cJSON_IsTrue(v) ? 1 : 0;
    return 0;
}

int lm__litellm_read(const char *file, const char *buf, size_t len, struct lm_arena *arena,
                     struct lm_diags *diags, struct lm_litellm_entry **entries, size_t *n)
{
    *entries = NULL;
    *n = 0;
    cJSON *root = parse(file, buf, len, diags);
    if (root == NULL)
        return LM_ESYNTAX;
    if (!cJSON_IsObject(root)) {
        struct lm_loc loc = { file, 1, 1 };
        cJSON_Delete(root);
        return lm_diag_error(diags, LM_ESCHEMA, &loc,
                             "expected a JSON object of model entries (LiteLLM's "
                             "model_prices_and_context_window.json)");
    }
    size_t count = (size_t)cJSON_GetArraySize(root);
    struct lm_litellm_entry *out = count ? lm_arena_alloc(arena, count * sizeof(*out)) : NULL;
    size_t *offs = count ? lm_arena_alloc(arena, count * sizeof(*offs)) : NULL;
    if (count && (out == NULL || offs == NULL)) {
        cJSON_Delete(root);
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    }
    size_t nkeys = top_level_keys(buf, len, offs, count);
    int rc = LM_OK;
    size_t i = 0;
    for (const cJSON *it = root->child; it != NULL; it = it->next, i++) {
        struct lm_litellm_entry *e = &out[i];
        e->key = lm_arena_strdup(arena, it->string ? it->string : "");
        if (e->key == NULL) {
            cJSON_Delete(root);
            return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
        }
        if (i < nkeys)
            lm__offset_to_linecol(buf, len, offs[i], &e->line, &e->col);
        e->input_cost_per_token = e->output_cost_per_token = (double)NAN;
        e->max_input_tokens = e->max_tokens = (double)NAN;
        e->supports_vision = e->supports_audio_input = e->supports_video_input = -1;
        if (!cJSON_IsObject(it))
            continue; /* not an entry: no mode, never imported */
        const cJSON *mode = cJSON_GetObjectItemCaseSensitive(it, "mode");
        const cJSON *prov = cJSON_GetObjectItemCaseSensitive(it, "litellm_provider");
        if (cJSON_IsString(mode))
            e->mode = lm_arena_strdup(arena, mode->valuestring);
        if (cJSON_IsString(prov))
            e->provider = lm_arena_strdup(arena, prov->valuestring);
        if (e->mode == NULL || strcmp(e->mode, "chat") != 0)
            continue;
        int bad = 0;
        if (prov != NULL && !cJSON_IsString(prov))
            bad |= entry_error(diags, file, e, "litellm_provider", "a string") != 0;
        /* Per-token prices: a price over 10 USD per token (1e7 per Mtok, the
         * profile limit) is not a price. Token counts: DESIGN §3.1's range. */
        bad |= num_field(it, "input_cost_per_token", 0, 0, 10, diags, file, e,
                         &e->input_cost_per_token) != 0;
        bad |= num_field(it, "output_cost_per_token", 0, 0, 10, diags, file, e,
                         &e->output_cost_per_token) != 0;
        bad |= num_field(it, "max_input_tokens", 1, 1, 1e8, diags, file, e, &e->max_input_tokens) != 0;
        bad |= num_field(it, "max_tokens", 1, 1, 1e8, diags, file, e, &e->max_tokens) != 0;
        bad |= bool_field(it, "supports_vision", diags, file, e, &e->supports_vision) != 0;
        bad |= bool_field(it, "supports_audio_input", diags, file, e, &e->supports_audio_input) != 0;
        bad |= bool_field(it, "supports_video_input", diags, file, e, &e->supports_video_input) != 0;
        e->invalid = bad;
    }
    *entries = out;
    *n = i;
    cJSON_Delete(root);
    return rc;
}

/* ------------------------------------------------------------ hf-config */

static int cfg_error(struct lm_diags *diags, const char *file, const char *key, const char *what)
{
    struct lm_loc loc = { file, 0, 0 };
    return lm_diag_error(diags, LM_ESCHEMA, &loc, "'%s' must be %s", key, what);
}

/* A whole number in [0, 1e9], NAN when absent or null. */
static int cfg_int(const cJSON *o, const char *key, struct lm_diags *diags, const char *file,
                   double *out)
{
    *out = (double)NAN;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (v == NULL || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 ||
        v->valuedouble > 1e9 || v->valuedouble != floor(v->valuedouble)) {
        cfg_error(diags, file, key, "a whole number from 0 to 1e9");
        return -1;
    }
    *out = v->valuedouble;
    return 0;
}

static int cfg_bool(const cJSON *o, const char *key, struct lm_diags *diags, const char *file,
                    int *out)
{
    *out = -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (v == NULL || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsBool(v)) {
        cfg_error(diags, file, key, "true or false");
        return -1;
    }
    *out = cJSON_IsTrue(v) ? 1 : 0;
    return 0;
}

static int cfg_str(const cJSON *o, const char *key, struct lm_arena *A, struct lm_diags *diags,
                   const char *file, const char **out)
{
    *out = NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (v == NULL || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || strlen(v->valuestring) > 4096) {
        cfg_error(diags, file, key, "a string of at most 4096 bytes");
        return -1;
    }
    *out = lm_arena_strdup(A, v->valuestring);
    return *out == NULL ? -1 : 0;
}

int lm__hf_config_read(const char *file, const char *buf, size_t len, struct lm_arena *arena,
                       struct lm_diags *diags, struct lm_hf_config *c)
{
    memset(c, 0, sizeof(*c));
    cJSON *root = parse(file, buf, len, diags);
    if (root == NULL)
        return LM_ESYNTAX;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        struct lm_loc loc = { file, 1, 1 };
        return lm_diag_error(diags, LM_ESCHEMA, &loc, "expected a JSON object (config.json)");
    }
    int bad = 0;
    bad |= cfg_str(root, "model_type", arena, diags, file, &c->model_type);
    bad |= cfg_str(root, "torch_dtype", arena, diags, file, &c->torch_dtype);
    bad |= cfg_str(root, "_name_or_path", arena, diags, file, &c->name_or_path);
    bad |= cfg_int(root, "num_hidden_layers", diags, file, &c->layers);
    bad |= cfg_int(root, "hidden_size", diags, file, &c->hidden);
    bad |= cfg_int(root, "num_attention_heads", diags, file, &c->heads);
    bad |= cfg_int(root, "num_key_value_heads", diags, file, &c->kv_heads);
    bad |= cfg_int(root, "head_dim", diags, file, &c->head_dim);
    bad |= cfg_int(root, "vocab_size", diags, file, &c->vocab);
    bad |= cfg_int(root, "intermediate_size", diags, file, &c->intermediate);
    bad |= cfg_int(root, "max_position_embeddings", diags, file, &c->context);
    bad |= cfg_int(root, "sliding_window", diags, file, &c->sliding_window);
    double local, experts;
    bad |= cfg_int(root, "num_local_experts", diags, file, &local);
    bad |= cfg_int(root, "num_experts", diags, file, &experts);
    c->experts = !isnan(local) ? local : experts;
    bad |= cfg_int(root, "num_experts_per_tok", diags, file, &c->experts_per_token);
    bad |= cfg_bool(root, "tie_word_embeddings", diags, file, &c->tied);
    bad |= cfg_bool(root, "attention_bias", diags, file, &c->attention_bias);
    bad |= cfg_bool(root, "mlp_bias", diags, file, &c->mlp_bias);
    bad |= cfg_bool(root, "use_sliding_window", diags, file, &c->use_sliding_window);
    cJSON_Delete(root);
    return bad ? LM_ESCHEMA : LM_OK;
}

int lm__st_index_read(const char *file, const char *buf, size_t len, struct lm_diags *diags,
                      double *total_size)
{
    *total_size = (double)NAN;
    cJSON *root = parse(file, buf, len, diags);
    if (root == NULL)
        return LM_ESYNTAX;
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    const cJSON *ts = meta ? cJSON_GetObjectItemCaseSensitive(meta, "total_size") : NULL;
    int rc = LM_OK;
    if (!cJSON_IsNumber(ts) || !isfinite(ts->valuedouble) || ts->valuedouble <= 0 ||
        ts->valuedouble > 1e16 || ts->valuedouble != floor(ts->valuedouble))
        rc = cfg_error(diags, file, "metadata.total_size", "a whole number of bytes from 1 to 1e16");
    else
        *total_size = ts->valuedouble;
    cJSON_Delete(root);
    return rc;
}

int lm__st_header_read(const char *file, const char *buf, size_t len, struct lm_diags *diags,
                       double *params, char dtype[16])
{
    *params = 0;
    dtype[0] = '\0';
    cJSON *root = parse(file, buf, len, diags);
    if (root == NULL)
        return LM_ESYNTAX;
    int rc = LM_OK;
    if (!cJSON_IsObject(root))
        rc = cfg_error(diags, file, "the safetensors header", "a JSON object");
    for (const cJSON *t = root->child; rc == LM_OK && t != NULL; t = t->next) {
        if (t->string != NULL && strcmp(t->string, "__metadata__") == 0)
            continue;
        const cJSON *shape = cJSON_GetObjectItemCaseSensitive(t, "shape");
        const cJSON *dt = cJSON_GetObjectItemCaseSensitive(t, "dtype");
        if (!cJSON_IsArray(shape) || !cJSON_IsString(dt)) {
            rc = cfg_error(diags, file, t->string ? t->string : "a tensor",
                           "an object with a 'shape' list and a 'dtype' string");
            break;
        }
        double n = 1;
        for (const cJSON *d = shape->child; d != NULL; d = d->next) {
            if (!cJSON_IsNumber(d) || d->valuedouble < 0 || d->valuedouble > 1e12 ||
                d->valuedouble != floor(d->valuedouble)) {
                rc = cfg_error(diags, file, t->string ? t->string : "a tensor",
                               "a shape of whole numbers up to 1e12");
                break;
            }
            n *= d->valuedouble;
        }
        *params += n;
        if (*params > 1e15)
            rc = cfg_error(diags, file, "the safetensors header", "at most 1e15 parameters");
        if (dtype[0] == '\0')
            snprintf(dtype, 16, "%s", dt->valuestring);
        else if (strcmp(dtype, dt->valuestring) != 0)
            snprintf(dtype, 16, "mixed");
    }
    cJSON_Delete(root);
    return rc;
}
