/*
 * The names people type in deployment files, mapped to catalog ids (DESIGN
 * §9.7): Hugging Face repo ids (`meta-llama/Llama-3.1-8B-Instruct`), Ollama
 * tags (`llama3.1:8b-instruct-q4_K_M`), quantized repos (`...-AWQ`), GPU
 * labels (`NVIDIA-A100-SXM4-80GB`, GKE `nvidia-l4`, SkyPilot `A100-80GB`),
 * serving flags (`--quantization awq`) and LiteLLM provider prefixes.
 *
 * The catalog's own resolution (lm_catalog_resolve: ids and profile
 * aliases on their normalised form, DESIGN §9.7) is asked first, for the
 * name as written and for the name without what deployment files add around
 * it (an org prefix, hf://, a Bedrock vendor and version, a dated snapshot, a
 * quantization suffix); the comparison of normalised ids here is the
 * fallback for names no alias lists yet. Nothing is guessed: a name that
 * matches no catalog entry, or several, is returned unresolved with the
 * reason.
 */
#include "deploy/deploy_names.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdlib.h>

#include "util/strutil.h"

/* Lowercase letters, digits and '.' only: "Llama-3.1-8B-Instruct" and
 * "llama-3.1-8b-instruct" both become "llama3.18binstruct". */
static void norm(const char *s, size_t len, char *out, size_t cap, int keep_dot)
{
    size_t n = 0;
    for (size_t i = 0; i < len && s[i] && n + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c))
            out[n++] = (char)tolower(c);
        else if (c == '.' && keep_dot)
            out[n++] = '.';
    }
    out[n] = '\0';
}

static int ends_with_ci(const char *s, size_t n, const char *suf)
{
    size_t m = strlen(suf);
    if (n < m)
        return 0;
    for (size_t i = 0; i < m; i++)
        if (tolower((unsigned char)s[n - m + i]) != tolower((unsigned char)suf[i]))
            return 0;
    return 1;
}

/* Quantizations written inside a model name (suffixes of quantized repos,
 * Ollama tag parts), longest first. */
static const struct { const char *text; const char *quant; } name_quants[] = {
    { "-awq-int4", "awq-int4" }, { "-gptq-int4", "gptq-int4" }, { "-awq", "awq-int4" },
    { "-gptq", "gptq-int4" }, { "-fp8", "fp8" }, { "-q4_k_m", "q4_k_m" },
    { "-q5_k_m", "q5_k_m" }, { "-q6_k", "q6_k" }, { "-q8_0", "q8_0" }, { "-q4_0", "q4_0" },
    { "-q3_k_m", "q3_k_m" }, { "-q2_k", "q2_k" }, { "-iq4_xs", "iq4_xs" },
    { "-fp16", "f16" }, { "-bf16", "bf16" },
};

int lm__name_model(const struct lm_catalog *cat, const char *raw, struct lm_name_model *out)
{
    memset(out, 0, sizeof(*out));
    char s[512];
    snprintf(s, sizeof(s), "%s", raw);
    char *p = s;
    if (strncmp(p, "hf://", 5) == 0)
        p += 5;
    if (strchr(p, '$') != NULL || strstr(p, "://") != NULL || p[0] == '/' || p[0] == '.') {
        snprintf(out->why, sizeof(out->why),
                 "model '%s' is a path, URI or variable, not a model name", raw);
        return 0;
    }
    /* The catalog's ids and aliases, then an Ollama tag naming the weight
     * format (llama3.2:3b-instruct-q4_K_M). */
    struct lm_name_result res;
    if (lm_catalog_resolve(cat, LM_KIND_MODEL, p, NULL, &res) == LM_NAME_FOUND) {
        out->model = res.entry;
        return 1;
    }
    const struct lm_model *tm = NULL;
    const struct lm_quant *tq = NULL;
    if (lm_catalog_resolve_tag(cat, p, &tm, &tq)) {
        out->model = tm;
        out->quant_hint = tq->id;
        return 1;
    }
    char *slash = strrchr(p, '/');
    if (slash != NULL)
        p = slash + 1;
    /* Bedrock ids: "anthropic.claude-sonnet-4-5-20250929-v1:0". */
    static const char *const vendors[] = { "anthropic.", "meta.", "mistral.", "amazon.",
                                           "cohere.", "ai21.", "deepseek.", NULL };
    for (int i = 0; vendors[i] != NULL; i++)
        if (strncmp(p, vendors[i], strlen(vendors[i])) == 0)
            p += strlen(vendors[i]);
    size_t n = strlen(p);
    if (ends_with_ci(p, n, "-v1:0") || ends_with_ci(p, n, "-v2:0"))
        p[n -= 5] = '\0';
    /* Ollama "name:tag": the tag carries the size, variant and quantization. */
    char *colon = strchr(p, ':');
    if (colon != NULL)
        *colon = '-';
    n = strlen(p);
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < sizeof(name_quants) / sizeof(name_quants[0]); i++)
            if (ends_with_ci(p, n, name_quants[i].text)) {
                if (out->quant_hint == NULL)
                    out->quant_hint = name_quants[i].quant;
                p[n -= strlen(name_quants[i].text)] = '\0';
                again = 1;
                break;
            }
        if (ends_with_ci(p, n, "-gguf")) {
            p[n -= 5] = '\0';
            out->gguf = 1;
            again = 1;
        }
    }
    /* Dated snapshots: -YYYYMMDD, @YYYYMMDD, -YYYY-MM-DD. */
    if (n > 9 && (p[n - 9] == '-' || p[n - 9] == '@')) {
        int digits = 1;
        for (size_t i = n - 8; i < n; i++)
            digits &= isdigit((unsigned char)p[i]) != 0;
        if (digits)
            p[n -= 9] = '\0';
    }
    if (n > 11 && p[n - 11] == '-' && p[n - 6] == '-' && p[n - 3] == '-' &&
        isdigit((unsigned char)p[n - 10]))
        p[n -= 11] = '\0';
    if (strncmp(p, "Meta-", 5) == 0 || strncmp(p, "meta-", 5) == 0)
        p += 5;
    if (lm_catalog_resolve(cat, LM_KIND_MODEL, p, NULL, &res) == LM_NAME_FOUND) {
        out->model = res.entry;
        return 1;
    }
    char want[256];
    norm(p, strlen(p), want, sizeof(want), 1);
    const struct lm_model *hit = NULL;
    int nhits = 0;
    static const char *const variants[] = { "", "instruct", "it", "chat", NULL };
    for (size_t i = 0; i < cat->nmodels; i++) {
        const struct lm_model *m = cat->models[i];
        int match = 0;
        char id[256];
        norm(m->id, strlen(m->id), id, sizeof(id), 1);
        for (int v = 0; variants[v] != NULL && !match; v++) {
            char w2[300];
            snprintf(w2, sizeof(w2), "%s%s", want, variants[v]);
            match = strcmp(w2, id) == 0;
        }
        for (size_t a = 0; a < m->aliases.n && !match; a++) {
            char al[256];
            norm(m->aliases.items[a], strlen(m->aliases.items[a]), al, sizeof(al), 1);
            match = strcmp(al, want) == 0;
        }
        if (match && hit != m) {
            hit = m;
            nhits++;
        }
    }
    if (nhits == 1) {
        out->model = hit;
        return 1;
    }
    const char **ids = malloc((cat->nmodels + 1) * sizeof(*ids));
    const char *sug = NULL;
    char lower[256];
    norm(p, strlen(p), lower, sizeof(lower), 1);
    if (ids != NULL) {
        for (size_t i = 0; i < cat->nmodels; i++)
            ids[i] = cat->models[i]->id;
        char dashed[256];
        size_t k = 0;
        for (const char *q = p; *q && k + 1 < sizeof(dashed); q++)
            dashed[k++] = (char)tolower((unsigned char)*q);
        dashed[k] = '\0';
        sug = lm__suggest(dashed, ids, cat->nmodels);
    }
    if (nhits > 1)
        snprintf(out->why, sizeof(out->why), "model '%s' matches several catalog models", raw);
    else if (sug != NULL)
        snprintf(out->why, sizeof(out->why),
                 "model '%s' is not in the catalog (did you mean '%s'?)", raw, sug);
    else
        snprintf(out->why, sizeof(out->why), "model '%s' is not in the catalog", raw);
    free(ids);
    return 0;
}

/* AWS instance families whose GPU is fixed (docs.aws.amazon.com/ec2/latest/
 * instancetypes/ac.html: G4dn NVIDIA T4, G5 NVIDIA A10G, G6 NVIDIA L4, P4d
 * A100 40 GB, P4de A100 80 GB, P5 H100). */
static const struct { const char *prefix; const char *hw; } instance_families[] = {
    { "g4dn.", "nvidia-t4" }, { "g5.", "nvidia-a10g" }, { "g6.", "nvidia-l4" },
    { "p4d.", "nvidia-a100-40gb" }, { "p4de.", "nvidia-a100-80gb" }, { "p5.", "nvidia-h100-sxm" },
};

/* The name with vendor words removed: "nvidia-tesla-t4" -> "t4". */
static void hw_norm(const char *s, char *out, size_t cap)
{
    char t[256];
    norm(s, strlen(s), t, sizeof(t), 0);
    const char *p = t;
    for (int again = 1; again;) {
        again = 0;
        static const char *const words[] = { "nvidia", "tesla", "geforce", "amd", "instinct", NULL };
        for (int i = 0; words[i] != NULL; i++)
            if (strncmp(p, words[i], strlen(words[i])) == 0) {
                p += strlen(words[i]);
                again = 1;
            }
    }
    snprintf(out, cap, "%s", p);
}

int lm__name_hardware(const struct lm_catalog *cat, const char *raw, const char **id_out,
                      char *why, size_t cap)
{
    *id_out = NULL;
    struct lm_name_result res;
    int st = lm_catalog_resolve(cat, LM_KIND_HARDWARE, raw, NULL, &res);
    if (st == LM_NAME_FOUND) {
        *id_out = res.id;
        return 1;
    }
    if (st == LM_NAME_AMBIGUOUS) {
        char *m = lm_name_message("GPU", raw, &res);
        snprintf(why, cap, "%s; say which in .lmchoose.yaml (services[].deployment.hardware)",
                 m ? m : "ambiguous GPU");
        free(m);
        return 0;
    }
    for (size_t i = 0; i < sizeof(instance_families) / sizeof(instance_families[0]); i++)
        if (strncmp(raw, instance_families[i].prefix, strlen(instance_families[i].prefix)) == 0 &&
            lm_catalog_hardware(cat, instance_families[i].hw) != NULL) {
            *id_out = instance_families[i].hw;
            return 1;
        }
    char want[256];
    hw_norm(raw, want, sizeof(want));
    const struct lm_hardware *hit = NULL;
    int nhits = 0;
    char names[512] = "";
    for (int prefix = 0; prefix < 2 && nhits == 0; prefix++) {
        for (size_t i = 0; i < cat->nhardware; i++) {
            const struct lm_hardware *h = cat->hardware[i];
            const char *cands[40];
            size_t nc = 0;
            cands[nc++] = h->id;
            cands[nc++] = h->name;
            for (size_t k = 0; k < h->detect.n && nc < 30; k++)
                cands[nc++] = h->detect.items[k];
            for (size_t k = 0; k < h->aliases.n && nc < 40; k++)
                cands[nc++] = h->aliases.items[k];
            int match = 0;
            for (size_t k = 0; k < nc && !match; k++) {
                char c[256];
                hw_norm(cands[k], c, sizeof(c));
                /* Exact first; then a prefix ("h100" of "h100sxm") that
                 * must be unique. */
                match = want[0] && (prefix ? strncmp(c, want, strlen(want)) == 0
                                           : strcmp(c, want) == 0);
            }
            if (match) {
                hit = h;
                nhits++;
                snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                         names[0] ? ", " : "", h->id);
            }
        }
    }
    if (nhits == 1) {
        *id_out = hit->id;
        return 1;
    }
    if (nhits > 1)
        snprintf(why, cap, "GPU '%s' could be any of %s; say which in .lmchoose.yaml "
                           "(services[].deployment.hardware)", raw, names);
    else
        snprintf(why, cap, "GPU '%s' is not in the catalog", raw);
    return 0;
}

int lm__name_quant(const struct lm_catalog *cat, const char *runtime, const char *quant,
                   const char *dtype, const char *hint, const char **id_out, char *why,
                   size_t cap)
{
    static const struct { const char *flag; const char *quant; } flags[] = {
        { "awq", "awq-int4" }, { "awq_marlin", "awq-int4" }, { "gptq", "gptq-int4" },
        { "gptq_marlin", "gptq-int4" }, { "fp8", "fp8" }, { "bfloat16", "bf16" },
        { "float16", "f16" }, { "half", "f16" },
    };
    *id_out = NULL;
    const char *q = quant;
    if (q != NULL) {
        for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
            if (strcmp(q, flags[i].flag) == 0)
                q = flags[i].quant;
        char low[64];
        size_t k = 0;
        for (const char *p = q; *p && k + 1 < sizeof(low); p++)
            low[k++] = (char)tolower((unsigned char)*p);
        low[k] = '\0';
        struct lm_name_result res;
        if (lm_catalog_resolve(cat, LM_KIND_QUANT, low, NULL, &res) == LM_NAME_FOUND) {
            *id_out = res.id;
            return 1;
        }
        snprintf(why, cap, "quantization '%s' is not in the catalog", quant);
        return 0;
    }
    if (hint != NULL && lm_catalog_quant(cat, hint) != NULL) {
        *id_out = lm_catalog_quant(cat, hint)->id;
        return 1;
    }
    if (runtime != NULL && (strcmp(runtime, "vllm") == 0 || strcmp(runtime, "tgi") == 0)) {
        /* No quantization flag: the checkpoint's own 16-bit weights
         * ("auto" takes the dtype from the model config). */
        const char *d = dtype == NULL || strcmp(dtype, "auto") == 0 ? "bfloat16" : dtype;
        for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
            if (strcmp(d, flags[i].flag) == 0 && lm_catalog_quant(cat, flags[i].quant) != NULL) {
                *id_out = flags[i].quant;
                return 1;
            }
        snprintf(why, cap, "dtype '%s' is not a precision in the catalog", d);
        return 0;
    }
    if (runtime != NULL && strcmp(runtime, "ollama") == 0) {
        snprintf(why, cap, "the Ollama tag names no quantization; name it in the tag "
                           "(e.g. ...-q4_K_M) or in .lmchoose.yaml (deployment.quantization)");
        return 0;
    }
    snprintf(why, cap, "no quantization given");
    return 0;
}

const char *lm__name_provider(const char *raw, int *self_hosted)
{
    static const struct { const char *prefix; const char *provider; } map[] = {
        { "openai", "openai" }, { "anthropic", "anthropic" }, { "gemini", "google" },
        { "mistral", "mistral" }, { "deepseek", "deepseek" },
    };
    static const char *const local[] = { "ollama", "ollama_chat", "hosted_vllm", "vllm",
                                         "huggingface", "lm_studio", "llamafile", NULL };
    *self_hosted = 0;
    for (int i = 0; local[i] != NULL; i++)
        if (strcmp(raw, local[i]) == 0)
            *self_hosted = 1;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(raw, map[i].prefix) == 0)
            return map[i].provider;
    return NULL;
}
