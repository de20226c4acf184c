/*
 * `lmchoose import litellm`: LiteLLM's price map to a profile layer
 * (import.h, docs/import.md).
 *
 * Matching is exact, never fuzzy: an offer's key loses its provider path
 * ("deepinfra/Qwen/…"), its region prefix ("eu.") and its vendor namespace
 * ("anthropic." as Bedrock and OCI write it), and what is left must equal a
 * catalog id or alias, ignoring case. A dated snapshot such as
 * "gpt-4o-2024-08-06" therefore matches only when a model lists it as an
 * alias; everything that does not match is listed, so the user can add the
 * alias and import again.
 */
#include "import/import.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/json_read.h"
#include "lmchoose/status.h"

/* Region prefixes and path components LiteLLM uses, as lmchoose regions
 * (DESIGN §3.1: [a-z]{2,8}). "global" names no region. AWS and Azure region
 * codes ("eu-central-1") map by their first part. */
static const char *const region_words[] = { "eu", "us", "apac", "jp", "au", "ca", "uk", NULL };
static const struct { const char *prefix, *region; } cloud_regions[] = {
    { "eu-", "eu" }, { "us-gov-", NULL }, { "us-", "us" }, { "ca-", "ca" },
    { "ap-", "apac" }, { "sa-", "sa" }, { "me-", "me" }, { "af-", "af" },
};

/* Vendor namespaces in Bedrock and OCI model ids ("meta.llama-…"). */
static const char *const vendor_namespaces[] = {
    "anthropic", "meta", "mistral", "amazon", "cohere", "ai21", "deepseek", "qwen",
    "openai", "google", "xai", "moonshotai", "minimax", "zai", "nvidia", "writer", NULL
};

static const char *region_of_word(const char *w, size_t n)
{
    for (size_t i = 0; region_words[i] != NULL; i++)
        if (strlen(region_words[i]) == n && strncmp(region_words[i], w, n) == 0)
            return region_words[i];
    for (size_t i = 0; i < sizeof(cloud_regions) / sizeof(cloud_regions[0]); i++) {
        size_t pl = strlen(cloud_regions[i].prefix);
        if (n > pl && strncmp(w, cloud_regions[i].prefix, pl) == 0) {
            /* the rest must look like "central-1" */
            const char *last = w + n - 1;
            if (*last >= '0' && *last <= '9')
                return cloud_regions[i].region;
        }
    }
    return NULL;
}

/* The model name inside a LiteLLM key, and the region the key names. name
 * receives the last path component without region prefix and vendor
 * namespace. */
static void split_key(const char *key, char *name, size_t cap, const char **region)
{
    *region = NULL;
    /* the last path component is the model; a middle one may name a
     * region ("azure/eu/…", "bedrock/eu-central-1/…") */
    const char *last = key, *seg = key;
    for (const char *p = key; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        if (seg != key && region_of_word(seg, (size_t)(p - seg)) != NULL)
            *region = region_of_word(seg, (size_t)(p - seg));
        seg = p + 1;
    }
    last = seg;
    /* region prefix "eu." */
    const char *dot = strchr(last, '.');
    if (dot != NULL) {
        size_t n = (size_t)(dot - last);
        if (n == 6 && strncmp(last, "global", 6) == 0)
            last = dot + 1;
        else if (region_of_word(last, n) != NULL && strncmp(last, "us-gov", 6) != 0) {
            *region = region_of_word(last, n);
            last = dot + 1;
        }
    }
    /* vendor namespace "anthropic." */
    for (size_t i = 0; vendor_namespaces[i] != NULL; i++) {
        size_t n = strlen(vendor_namespaces[i]);
        if (strncmp(last, vendor_namespaces[i], n) == 0 && last[n] == '.') {
            last += n + 1;
            break;
        }
    }
    snprintf(name, cap, "%s", last);
}

/* The catalog model whose id or alias equals name, ignoring case. */
static const struct lm_model *match(const struct lm_catalog *cat, const char *name)
{
    for (size_t i = 0; i < cat->nmodels; i++)
        if (strcasecmp(cat->models[i]->id, name) == 0)
            return cat->models[i];
    for (size_t i = 0; i < cat->nmodels; i++)
        for (size_t a = 0; a < cat->models[i]->aliases.n; a++)
            if (strcasecmp(cat->models[i]->aliases.items[a], name) == 0)
                return cat->models[i];
    return NULL;
}

/* A provider id ([a-z0-9][a-z0-9._-]*) from litellm_provider, with the
 * region appended when the offer has one, so that one model's offers stay
 * distinct per provider and region. */
static void provider_id(const char *provider, const char *region, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = provider ? provider : "unknown"; *p && o + 1 < cap; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            c = '-';
        if (o == 0 && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            continue;
        out[o++] = c;
    }
    out[o] = '\0';
    if (o == 0)
        snprintf(out, cap, "unknown");
    if (region != NULL) {
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "-%s", region);
    }
}

/* Writes s for a YAML comment: printable ASCII only, anything else as '?',
 * so a hostile key cannot end the comment line. */
static void put_comment_text(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p >= 0x20 && *p < 0x7f ? *p : '?', f);
}

/* Writes s for a TSV column: tabs and line ends become spaces. */
static void put_tsv_text(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p, f);
}

/* A per-token price as USD per million tokens, in DESIGN §3.1's number
 * grammar (12 significant digits drop the binary noise of × 1e6). */
static void put_mtok(FILE *f, double per_token)
{
    char buf[64];
    double v = per_token * 1e6;
    snprintf(buf, sizeof(buf), "%.12g", v == 0 ? 0.0 : v);
    fputs(buf, f);
}

struct offer {
    const struct lm_litellm_entry *e;
    const struct lm_model *model; /* NULL: unmatched */
    const char *region;
    char provider[96];
    int duplicate; /* same model, provider and region as an earlier key */
};

static int cmp_offer(const void *a, const void *b)
{
    const struct offer *x = a, *y = b;
    if (x->model != y->model) {
        if (x->model == NULL || y->model == NULL)
            return x->model == NULL ? 1 : -1;
        int c = strcmp(x->model->id, y->model->id);
        if (c != 0)
            return c;
    }
    return strcmp(x->e->key, y->e->key);
}

static int add_file(struct lm_import_result *res, char *name, char *text, size_t len)
{
    struct lm_import_file *g = realloc(res->files, (res->nfiles + 1) * sizeof(*g));
    if (g == NULL) {
        free(name);
        free(text);
        return LM_ENOMEM;
    }
    res->files = g;
    res->files[res->nfiles].name = name;
    res->files[res->nfiles].text = text;
    res->files[res->nfiles].len = len;
    res->nfiles++;
    return LM_OK;
}

static double context_of(const struct lm_litellm_entry *e)
{
    return !isnan(e->max_input_tokens) ? e->max_input_tokens : e->max_tokens;
}

/* One partial-override file for model m: offers [from, to). */
static int write_model_file(struct lm_import_result *res, const struct lm_model *m,
                            const struct offer *o, size_t n, const char *name,
                            const char *date)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL)
        return LM_ENOMEM;
    fprintf(f, "# imported from ");
    put_comment_text(f, name);
    fprintf(f, " on %s by lmchoose import litellm\n", date);
    fprintf(f, "# A partial override (docs/profiles.md): the API offers LiteLLM lists for\n"
               "# %s. Every other field, quality included, comes from the lower layers.\n"
               "id: %s\napi:\n", m->id, m->id);
    for (size_t i = 0; i < n; i++) {
        if (o[i].duplicate)
            continue;
        fprintf(f, "  - provider: %s  # [1] key ", o[i].provider);
        put_comment_text(f, o[i].e->key);
        fprintf(f, "\n    input_usd_per_mtok: ");
        put_mtok(f, o[i].e->input_cost_per_token);
        fprintf(f, "  # [1] input_cost_per_token x 1e6\n    output_usd_per_mtok: ");
        put_mtok(f, o[i].e->output_cost_per_token);
        fprintf(f, "  # [1] output_cost_per_token x 1e6\n");
        if (o[i].region != NULL)
            fprintf(f, "    regions: [%s]  # [1] named by the key\n", o[i].region);
    }
    fprintf(f, "sources:\n  - \"[1] LiteLLM model_prices_and_context_window.json "
               "(https://github.com/BerriAI/litellm), file ");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
            fputc(*p, f);
    fprintf(f, ", imported %s\"\n", date);
    if (fclose(f) != 0) {
        free(text);
        return LM_ENOMEM;
    }
    char *fname = NULL;
    size_t fl = strlen(m->id) + 16;
    fname = malloc(fl);
    if (fname == NULL) {
        free(text);
        return LM_ENOMEM;
    }
    snprintf(fname, fl, "models/%s.yaml", m->id);
    return add_file(res, fname, text, len);
}

/* --all-offers: an unmatched offer with a price and a context length as an
 * API-only profile of its own, id from the key. Returns 1 when written, 0
 * when skipped (no context, an id taken), or a negative status. */
static int write_offer_file(struct lm_import_result *res, const struct lm_catalog *cat,
                            const struct offer *o, const char *name, const char *date)
{
    double ctx = context_of(o->e);
    if (isnan(ctx))
        return 0;
    char id[101];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)o->e->key; *p && n < 100; p++) {
        char c = (char)*p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_'))
            c = '-';
        if ((n == 0 && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) ||
            (c == '-' && n > 0 && id[n - 1] == '-'))
            continue;
        id[n++] = c;
    }
    while (n > 0 && (id[n - 1] == '-' || id[n - 1] == '.'))
        n--;
    id[n] = '\0';
    if (n == 0 || lm_catalog_model(cat, id) != NULL)
        return 0;
    for (size_t i = 0; i < res->nfiles; i++)
        if (strncmp(res->files[i].name, "models/", 7) == 0 &&
            strncmp(res->files[i].name + 7, id, n) == 0 &&
            strcmp(res->files[i].name + 7 + n, ".yaml") == 0)
            return 0; /* two keys that make one id: the first is kept */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL)
        return LM_ENOMEM;
    fprintf(f, "# imported from ");
    put_comment_text(f, name);
    fprintf(f, " on %s by lmchoose import litellm --all-offers\n"
               "# No catalog model has this id or alias: an API-only profile of the offer,\n"
               "# with no quality scores (docs/import.md).\nid: %s\nname: \"", date, id);
    for (const unsigned char *p = (const unsigned char *)o->e->key; *p; p++)
        if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
            fputc(*p, f);
    fprintf(f, "\"  # [1] the key\ncontext_tokens: %.0f  # [1] %s\n", ctx,
            !isnan(o->e->max_input_tokens) ? "max_input_tokens" : "max_tokens");
    fprintf(f, "modalities: [text%s%s%s]  # [1] supports_vision, supports_audio_input, "
               "supports_video_input\n", o->e->supports_vision == 1 ? ", image" : "",
            o->e->supports_audio_input == 1 ? ", audio" : "",
            o->e->supports_video_input == 1 ? ", video" : "");
    fprintf(f, "open_weights: false  # a hosted offer: this profile has no weights to run\n"
               "api:\n  provider: %s  # [1] litellm_provider\n  input_usd_per_mtok: ", o->provider);
    put_mtok(f, o->e->input_cost_per_token);
    fprintf(f, "  # [1] input_cost_per_token x 1e6\n  output_usd_per_mtok: ");
    put_mtok(f, o->e->output_cost_per_token);
    fprintf(f, "  # [1] output_cost_per_token x 1e6\n");
    if (o->region != NULL)
        fprintf(f, "  regions: [%s]  # [1] named by the key\n", o->region);
    fprintf(f, "sources:\n  - \"[1] LiteLLM model_prices_and_context_window.json "
               "(https://github.com/BerriAI/litellm), file ");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
            fputc(*p, f);
    fprintf(f, ", imported %s\"\n", date);
    if (fclose(f) != 0) {
        free(text);
        return LM_ENOMEM;
    }
    char *fname = malloc(n + 16);
    if (fname == NULL) {
        free(text);
        return LM_ENOMEM;
    }
    snprintf(fname, n + 16, "models/%s.yaml", id);
    int rc = add_file(res, fname, text, len);
    return rc == LM_OK ? 1 : rc;
}

int lm_import_litellm(const struct lm_catalog *cat, const char *display, const char *name,
                      const char *buf, size_t len, const char *date, int all_offers,
                      struct lm_diags *diags, struct lm_import_result *res)
{
    memset(res, 0, sizeof(*res));
    struct lm_arena arena = LM_ARENA_INIT;
    struct lm_litellm_entry *entries;
    size_t n;
    int rc = lm__litellm_read(display, buf, len, &arena, diags, &entries, &n);
    if (rc != LM_OK) {
        lm_arena_release(&arena);
        return rc;
    }
    struct offer *offers = n ? calloc(n, sizeof(*offers)) : NULL;
    const struct lm_litellm_entry **noprice = n ? calloc(n, sizeof(*noprice)) : NULL;
    if (n && (offers == NULL || noprice == NULL)) {
        free(offers);
        free(noprice);
        lm_arena_release(&arena);
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    }
    size_t noffers = 0, nnoprice = 0, nchat = 0;
    for (size_t i = 0; i < n; i++) {
        const struct lm_litellm_entry *e = &entries[i];
        if (e->mode == NULL || strcmp(e->mode, "chat") != 0)
            continue;
        nchat++;
        if (e->invalid || isnan(e->input_cost_per_token) || isnan(e->output_cost_per_token)) {
            noprice[nnoprice++] = e;
            continue;
        }
        struct offer *o = &offers[noffers++];
        char mname[512];
        o->e = e;
        split_key(e->key, mname, sizeof(mname), &o->region);
        o->model = match(cat, mname);
        provider_id(e->provider, o->region, o->provider, sizeof(o->provider));
    }
    if (noffers > 1)
        qsort(offers, noffers, sizeof(*offers), cmp_offer);
    size_t nmatched = 0, nmodels = 0, nunmatched = 0, ndup = 0;
    for (size_t i = 0; i < noffers; i++) {
        if (offers[i].model == NULL) {
            nunmatched++;
            continue;
        }
        for (size_t k = i; k-- > 0 && offers[k].model == offers[i].model;)
            if (!offers[k].duplicate && strcmp(offers[k].provider, offers[i].provider) == 0) {
                offers[i].duplicate = 1;
                ndup++;
                break;
            }
        if (!offers[i].duplicate)
            nmatched++;
    }

    char *sum = NULL;
    size_t sumlen = 0;
    FILE *s = open_memstream(&sum, &sumlen);
    if (s == NULL)
        rc = LM_ENOMEM;
    for (size_t i = 0; i < noffers && rc == LM_OK;) {
        const struct lm_model *m = offers[i].model;
        size_t j = i;
        while (j < noffers && offers[j].model == m)
            j++;
        if (m == NULL)
            break;
        rc = write_model_file(res, m, offers + i, j - i, name, date);
        nmodels++;
        fprintf(s, "  models/%s.yaml:", m->id);
        for (size_t k = i; k < j; k++)
            if (!offers[k].duplicate)
                fprintf(s, " %s", offers[k].provider);
        fputc('\n', s);
        i = j;
    }
    size_t nown = 0;
    for (size_t i = 0; all_offers && i < noffers && rc == LM_OK; i++) {
        if (offers[i].model != NULL)
            continue;
        int w = write_offer_file(res, cat, &offers[i], name, date);
        if (w < 0)
            rc = w;
        else
            nown += (size_t)w;
    }
    if (all_offers && s != NULL)
        fprintf(s, "  %zu unmatched offers written as API-only profiles of their own "
                   "(--all-offers; no quality scores)\n", nown);

    /* unmatched.txt: everything not written, with why. */
    char *un = NULL;
    size_t unlen = 0;
    FILE *u = rc == LM_OK ? open_memstream(&un, &unlen) : NULL;
    if (rc == LM_OK && u == NULL)
        rc = LM_ENOMEM;
    if (u != NULL) {
        fprintf(u, "# imported from ");
        put_comment_text(u, name);
        fprintf(u, " on %s by lmchoose import litellm\n"
                   "# Chat offers not merged into a catalog model, one per line, tab-separated\n"
                   "# (with --all-offers, unmatched ones with a context length are also\n"
                   "# written to models/ as API-only profiles of their own).\n"
                   "# status: unmatched (no catalog id or alias equals the key's model name),\n"
                   "# no-price (no per-token price), invalid (a value of the wrong type or\n"
                   "# out of range; see the warning), duplicate (an earlier key gave the same\n"
                   "# model, provider and region).\n"
                   "status\tkey\tprovider\tinput_usd_per_mtok\toutput_usd_per_mtok\tcontext_tokens\tmodalities\tregion\n",
                date);
        for (size_t pass = 0; pass < 3; pass++) {
            size_t count = pass == 1 ? nnoprice : noffers;
            for (size_t i = 0; i < count; i++) {
                const struct lm_litellm_entry *e;
                const char *status, *region = NULL;
                if (pass == 0 && offers[i].model == NULL) {
                    e = offers[i].e;
                    status = "unmatched";
                    region = offers[i].region;
                } else if (pass == 1) {
                    e = noprice[i];
                    status = e->invalid ? "invalid" : "no-price";
                } else if (pass == 2 && offers[i].duplicate) {
                    e = offers[i].e;
                    status = "duplicate";
                    region = offers[i].region;
                } else {
                    continue;
                }
                fprintf(u, "%s\t", status);
                put_tsv_text(u, e->key);
                fputc('\t', u);
                put_tsv_text(u, e->provider ? e->provider : "-");
                fputc('\t', u);
                if (isnan(e->input_cost_per_token))
                    fputc('-', u);
                else
                    put_mtok(u, e->input_cost_per_token);
                fputc('\t', u);
                if (isnan(e->output_cost_per_token))
                    fputc('-', u);
                else
                    put_mtok(u, e->output_cost_per_token);
                double ctx = context_of(e);
                if (isnan(ctx))
                    fprintf(u, "\t-");
                else
                    fprintf(u, "\t%.0f", ctx);
                fprintf(u, "\ttext%s%s%s\t%s\n", e->supports_vision == 1 ? ",image" : "",
                        e->supports_audio_input == 1 ? ",audio" : "",
                        e->supports_video_input == 1 ? ",video" : "", region ? region : "-");
            }
        }
        if (fclose(u) != 0)
            rc = LM_ENOMEM;
        else {
            char *fname = strdup("unmatched.txt");
            if (fname == NULL) {
                free(un);
                rc = LM_ENOMEM;
            } else {
                rc = add_file(res, fname, un, unlen);
            }
        }
    }
    if (s != NULL) {
        fprintf(s, "%zu chat offers: %zu matched to %zu catalog models, %zu unmatched, "
                   "%zu without a valid per-token price, %zu duplicates\n",
                nchat, nmatched, nmodels, nunmatched, nnoprice, ndup);
        if (fclose(s) != 0)
            rc = LM_ENOMEM;
        else
            res->summary = sum;
    }
    free(offers);
    free(noprice);
    lm_arena_release(&arena);
    if (rc == LM_ENOMEM)
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    return rc;
}

void lm_import_result_release(struct lm_import_result *res)
{
    if (res == NULL)
        return;
    for (size_t i = 0; i < res->nfiles; i++) {
        free(res->files[i].name);
        free(res->files[i].text);
    }
    free(res->files);
    free(res->summary);
    memset(res, 0, sizeof(*res));
}
