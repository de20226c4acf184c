/*
 * lmchoose_accuracy: predicted against measured for every row of
 * tests/calibration/measurements.tsv, through the same estimator code the
 * CLI uses (lm_estimate_compute with the builtin catalog's runtimes.yaml).
 *
 * Usage: lmchoose_accuracy MEASUREMENTS.tsv [--features]
 *
 * It prints a markdown table (one row per measurement, excluded rows with
 * their reason) and summary statistics per metric, and exits 1 when the
 * median absolute decode error is above 30 % or any decode row is off by
 * more than 2x; 2 on a usage or read error. With --features it prints
 * instead, per usable row, the quantities tests/calibration/fit.py needs to
 * fit the calibration constants (bytes read per token, bandwidth, layers,
 * prefill FLOPs, peak FLOPs).
 *
 * Mapping (docs/accuracy.md, "Calibration rows"):
 * - model: the catalog profile with the same shape when there is one
 *   (llama-3-8b has the Llama-3.1-8B shape, llama-3-70b and llama-3.3-70b the
 *   Llama-3.1-70B shape), else the small table ref_models below, whose
 *   architectures are copied from the models' config.json;
 * - hardware: the catalog profile of the same device, else a profile built
 *   from the row's bandwidth column and the table ref_hardware below;
 * - quantization: the catalog's, plus MLX's affine 4-bit and 8-bit (group
 *   size 64: 4.5 and 8.5 bits per weight, embeddings and lm_head included);
 * - KV depth: llama-bench tgN generates N tokens from an empty cache, so
 *   the mean depth is N/2; rows without a context (./main and Ollama runs)
 *   get 512; vllm and mlx rows give prompt + output/2 already.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmchoose/catalog.h"
#include "lmchoose/estimate.h"

#define GIB 1073741824.0
#define DNAN ((double)NAN)

/* ---------------------------------------------------- reference models */

/*
 * Models the rows use that the catalog does not ship. To add one: copy
 * params, layers, hidden, heads, kv_heads, head_dim, vocab and tie_word_
 * embeddings from its config.json and cite it.
 */
struct ref_model {
    const char *id;
    double params_b, active_params_b;
    double layers, hidden, heads, kv_heads, head_dim, vocab;
    int tied;
    const char *source;
};

static const struct ref_model ref_models[] = {
    { "llama-2-7b", 6.74, DNAN, 32, 4096, 32, 32, 128, 32000, 0,
      "huggingface.co/meta-llama/Llama-2-7b-hf config.json" },
    { "llama-7b", 6.74, DNAN, 32, 4096, 32, 32, 128, 32000, 0,
      "LLaMA-1 7B: same shape as Llama-2-7B (tests/calibration/README.md)" },
    { "llama-2-70b", 68.98, DNAN, 80, 8192, 64, 8, 128, 32000, 0,
      "huggingface.co/meta-llama/Llama-2-70b-hf config.json" },
    { "qwen2.5-coder-3b", 3.09, DNAN, 36, 2048, 16, 2, 128, 151936, 1,
      "huggingface.co/Qwen/Qwen2.5-Coder-3B config.json" },
    { "qwen3-0.6b", 0.60, DNAN, 28, 1024, 16, 8, 128, 151936, 1,
      "huggingface.co/Qwen/Qwen3-0.6B config.json" },
    { "qwen3-30b-a3b", 30.53, 3.3, 48, 2048, 32, 4, 128, 151936, 0,
      "huggingface.co/Qwen/Qwen3-30B-A3B config.json (128 experts, 8 active)" },
    { "phi-4-mini", 3.84, DNAN, 32, 3072, 24, 8, 128, 200064, 1,
      "huggingface.co/microsoft/Phi-4-mini-instruct config.json" },
};

/* Row model ids that the catalog covers with the same shape. */
static const char *const catalog_alias[][2] = {
    { "llama-3-8b", "llama-3.1-8b-instruct" },
    { "llama-3.1-8b", "llama-3.1-8b-instruct" },
    { "llama-3-70b", "llama-3.1-70b-instruct" },
    { "llama-3.1-70b", "llama-3.1-70b-instruct" },
    { "llama-3.3-70b", "llama-3.1-70b-instruct" },
    { "llama-3.2-3b", "llama-3.2-3b-instruct" },
    { "tinyllama-1.1b", "tinyllama-1.1b-chat-v1.0" },
    { "qwen2.5-0.5b", "qwen2.5-0.5b-instruct" },
    { "mixtral-8x7b", "mixtral-8x7b-instruct-v0.1" },
    { "mistral-7b", "mistral-7b-instruct-v0.3" },
};

/* -------------------------------------------------- reference hardware */

/*
 * Devices, matched by a substring of the row's hardware column, first match
 * wins (so "L40S" precedes "L4 "). catalog: the catalog profile to use.
 * Otherwise the profile is built from the class, vendor, bandwidth (the
 * row's column, or `bandwidth` here when the column is empty) and
 * fp16_tflops (dense FP16 tensor with FP32 accumulate where the device has
 * one, per the vendor whitepaper or datasheet; FP32 for Apple and CPUs).
 */
struct ref_hw {
    const char *match;
    const char *catalog;
    int hw_class, vendor;
    double bandwidth, fp16_tflops;
};

static const struct ref_hw ref_hardware[] = {
    { "L40S", NULL, LM_HW_DATACENTER_GPU, LM_VENDOR_NVIDIA, 864, 362.05 },    /* L40S datasheet: 733 sparse */
    { "RTX 4090", "nvidia-rtx-4090", 0, 0, 0, 0 },
    { "RTX 3090", "nvidia-rtx-3090", 0, 0, 0, 0 },
    { "RTX 3060", "nvidia-rtx-3060-12gb", 0, 0, 0, 0 },
    { "H100 PCIe", "nvidia-h100-pcie", 0, 0, 0, 0 },
    { "A100 SXM4 80GB", "nvidia-a100-80gb", 0, 0, 0, 0 },
    { "A100 80GB", "nvidia-a100-80gb", 0, 0, 0, 0 }, /* PCIe/SXM not stated: ±5 % bandwidth */
    { "A100 40GB", "nvidia-a100-40gb", 0, 0, 0, 0 },
    { "NVIDIA L4 ", "nvidia-l4", 0, 0, 0, 0 },
    { "RTX 4080", NULL, LM_HW_CONSUMER_GPU, LM_VENDOR_NVIDIA, 716.8, 97.5 },  /* Ada whitepaper App. A */
    { "RTX 4070 Ti", NULL, LM_HW_CONSUMER_GPU, LM_VENDOR_NVIDIA, 504, 80.2 }, /* Ada whitepaper App. A */
    { "RTX 3080 Ti", NULL, LM_HW_CONSUMER_GPU, LM_VENDOR_NVIDIA, 912, 68.2 }, /* GA102: 2 x FP32 shader */
    { "RTX 3080", NULL, LM_HW_CONSUMER_GPU, LM_VENDOR_NVIDIA, 760, 59.5 },    /* Ampere GA102 whitepaper */
    { "RTX 3070", NULL, LM_HW_CONSUMER_GPU, LM_VENDOR_NVIDIA, 448, 40.6 },    /* Ampere GA102 whitepaper (GA104) */
    { "RTX 2080 Ti", NULL, LM_HW_CONSUMER_GPU, LM_VENDOR_NVIDIA, 616, 53.8 }, /* Turing whitepaper */
    { "RTX 4000 Ada", NULL, LM_HW_CONSUMER_GPU, LM_VENDOR_NVIDIA, 360, 81.9 },  /* datasheet FP8 sparse / 4 */
    { "RTX 5000 Ada", NULL, LM_HW_CONSUMER_GPU, LM_VENDOR_NVIDIA, 576, 261.0 }, /* datasheet FP8 sparse / 4 */
    { "RTX 6000 Ada", NULL, LM_HW_CONSUMER_GPU, LM_VENDOR_NVIDIA, 960, 364.2 }, /* datasheet FP8 sparse / 4 */
    { "RTX A6000", NULL, LM_HW_CONSUMER_GPU, LM_VENDOR_NVIDIA, 768, 154.8 },    /* datasheet FP16 sparse / 2 */
    { "M2 Ultra", "apple-m2-ultra-192gb", 0, 0, 0, 0 },
    { "M3 Max", "apple-m3-max-64gb", 0, 0, 0, 0 }, /* every row is the 40-core, 400 GB/s bin */
    { "M1 7-core", "apple-m1-8gb", 0, 0, 0, 0 },
    { "M2 Max 38-core", "apple-m2-max-96gb", 0, 0, 0, 0 },
    { "M4 Mac mini", "apple-m4-16gb", 0, 0, 0, 0 },
    { "M4 Max", "apple-m4-max-128gb", 0, 0, 0, 0 },
    { "M4 Pro", "apple-m4-pro-48gb", 0, 0, 0, 0 },
    { "Raspberry Pi 5", "raspberry-pi-5-8gb", 0, 0, 0, 0 },
    { "M1 Max 24-core", NULL, LM_HW_LAPTOP, LM_VENDOR_APPLE, 400, 7.8 },   /* Apple: 24-core GPU */
    { "M1 Max", NULL, LM_HW_LAPTOP, LM_VENDOR_APPLE, 400, 10.4 },          /* Apple: 32-core, 10.4 TFLOPS */
    { "M1 Ultra", NULL, LM_HW_DESKTOP, LM_VENDOR_APPLE, 800, 20.8 },       /* Apple: 64-core, 21 TFLOPS */
    { "M3 10-core", NULL, LM_HW_LAPTOP, LM_VENDOR_APPLE, 100, 3.6 },        /* 10-core M3 GPU */
    { "M2 (MacBook Air", NULL, LM_HW_LAPTOP, LM_VENDOR_APPLE, 100, 3.6 },   /* Apple: 10-core M2, 3.6 TFLOPS */
    { "M3 Ultra 256GB (60-core", NULL, LM_HW_DESKTOP, LM_VENDOR_APPLE, 819.2, 21.3 }, /* 60/80 of 28.4 */
    { "M3 Ultra", NULL, LM_HW_DESKTOP, LM_VENDOR_APPLE, 819.2, 28.4 },     /* 512 GB ships with 80 cores */
    { "EPYC 9175F", NULL, LM_HW_CPU_SERVER, LM_VENDOR_AMD, 819.2, 4.3 },   /* 32 Zen 5 cores x 4.2 GHz x 32 FP32 FLOP */
    { "AmpereOne", NULL, LM_HW_CPU_SERVER, LM_VENDOR_OTHER, 332.8, 9.8 },  /* 8 ch DDR5-5200; 192 cores x 3.2 GHz x 16 */
};

/* -------------------------------------------------------------- rows */

#define MAXF 16

struct row {
    int line;
    char *f[MAXF];
    int nf;
};

static int split(char *s, char **f)
{
    int n = 0;
    f[n++] = s;
    for (char *p = s; *p; p++) {
        if (*p == '\t' && n < MAXF) {
            *p = '\0';
            f[n++] = p + 1;
        } else if (*p == '\n' || *p == '\r') {
            *p = '\0';
            break;
        }
    }
    return n;
}

enum { C_MODEL, C_PARAMS, C_LAYERS, C_QUANT, C_HW, C_BW, C_RUNTIME, C_BATCH, C_CONTEXT,
       C_METRIC, C_VALUE, C_SOURCE, C_NOTE };

/* Why a row is not used, or NULL. */
static const char *exclusion(char **f)
{
    if (strstr(f[C_HW], "CPU-only run"))
        return "CPU fallback on an Apple GPU machine (README: model did not fit the GPU working set)";
    if (strstr(f[C_HW], "x NVIDIA") && f[C_HW][0] >= '2' && f[C_HW][0] <= '9')
        return "multi-GPU layer split (pipeline), not tensor parallel";
    return NULL;
}

struct built {
    struct lm_model model;
    struct lm_hardware hw;
    struct lm_quant quant;
    const struct lm_model *m;
    const struct lm_hardware *h;
    const struct lm_quant *q;
    const struct lm_runtime *rt;
};

static const char *resolve(const struct lm_catalog *cat, char **f, struct built *b)
{
    /* Model. */
    b->m = NULL;
    for (size_t i = 0; i < sizeof(catalog_alias) / sizeof(catalog_alias[0]); i++)
        if (strcmp(f[C_MODEL], catalog_alias[i][0]) == 0)
            b->m = lm_catalog_model(cat, catalog_alias[i][1]);
    if (b->m == NULL) {
        const struct ref_model *r = NULL;
        for (size_t i = 0; i < sizeof(ref_models) / sizeof(ref_models[0]); i++)
            if (strcmp(f[C_MODEL], ref_models[i].id) == 0)
                r = &ref_models[i];
        if (r == NULL)
            return "model not in the catalog or the reference table";
        memset(&b->model, 0, sizeof(b->model));
        b->model.id = r->id;
        b->model.origin = r->source;
        b->model.params_b = r->params_b;
        b->model.active_params_b = r->active_params_b;
        b->model.arch.present = 1;
        b->model.arch.layers = r->layers;
        b->model.arch.hidden = r->hidden;
        b->model.arch.attention_heads = r->heads;
        b->model.arch.kv_heads = r->kv_heads;
        b->model.arch.head_dim = r->head_dim;
        b->model.arch.vocab = r->vocab;
        b->model.arch.tied_embeddings = r->tied;
        b->model.arch.sliding_window = DNAN;
        b->model.arch.sliding_window_layers = DNAN;
        for (int k = 0; k < LM_Q_COUNT; k++)
            b->model.quality[k] = DNAN;
        b->m = &b->model;
    }
    /* Quantization. */
    b->q = lm_catalog_quant(cat, f[C_QUANT]);
    if (b->q == NULL) {
        double bpw = strcmp(f[C_QUANT], "mlx-4bit") == 0 ? 4.5
                     : strcmp(f[C_QUANT], "mlx-8bit") == 0 ? 8.5 : 0;
        if (bpw == 0)
            return "unknown quantization";
        memset(&b->quant, 0, sizeof(b->quant));
        b->quant.id = f[C_QUANT];
        b->quant.origin = "MLX affine quantization, group size 64 (fp16 scale and bias)";
        b->quant.bits_per_weight = bpw;
        b->quant.embedding_bits_per_weight = bpw;
        b->quant.output_bits_per_weight = bpw;
        b->quant.quality_delta = 0;
        b->q = &b->quant;
    }
    /* Hardware. */
    const struct ref_hw *rh = NULL;
    for (size_t i = 0; i < sizeof(ref_hardware) / sizeof(ref_hardware[0]) && rh == NULL; i++)
        if (strstr(f[C_HW], ref_hardware[i].match))
            rh = &ref_hardware[i];
    if (rh == NULL)
        return "hardware not in the reference table";
    if (rh->catalog != NULL) {
        b->h = lm_catalog_hardware(cat, rh->catalog);
        if (b->h == NULL)
            return "catalog hardware profile missing";
    } else {
        memset(&b->hw, 0, sizeof(b->hw));
        b->hw.id = rh->match;
        b->hw.origin = "tests/calibration/accuracy.c ref_hardware";
        b->hw.hw_class = rh->hw_class;
        b->hw.vendor = rh->vendor;
        b->hw.memory_gib = 512;
        b->hw.usable_fraction = 0.95;
        b->hw.bandwidth_gbps = f[C_BW][0] ? atof(f[C_BW]) : rh->bandwidth;
        b->hw.fp16_tflops = rh->fp16_tflops;
        b->hw.fp8_tflops = DNAN;
        b->hw.power_w = DNAN;
        b->hw.purchase_usd = DNAN;
        b->hw.usd_per_hour = DNAN;
        b->hw.max_devices = 1;
        b->hw.placements = 1u << LM_PLACE_DEVICE;
        b->h = &b->hw;
    }
    b->rt = lm_catalog_runtime(cat, f[C_RUNTIME]);
    if (b->rt == NULL)
        return "runtime not in the catalog";
    return NULL;
}

/* Predicts the row's metric; fills the fit features when feat != NULL. */
static double predict(const struct built *b, char **f, double feat[6])
{
    /* A single stream of one request, as llama-bench and the published
     * runs measure: no workload, so no sizing and no cost. */
    struct lm_est_input in;
    lm_est_input_init(&in);
    in.model = b->m;
    in.hw = b->h;
    in.quant = b->q;
    in.runtime = b->rt;
    double ctx = f[C_CONTEXT][0] ? atof(f[C_CONTEXT]) : DNAN;
    int decode = strcmp(f[C_METRIC], "decode_tok_s") == 0;
    double depth;
    if (isnan(ctx))
        depth = 512;
    else if (strcmp(f[C_RUNTIME], "llama.cpp") == 0)
        depth = ctx / 2;
    else
        depth = ctx;
    in.context_tokens = depth;
    in.decode_context = depth;
    in.prompt_tokens = isnan(ctx) ? 512 : ctx;
    in.requests_per_day = 0;
    in.input_tokens = in.prompt_tokens;
    in.output_tokens = 0;
    struct lm_estimate e;
    lm_estimate_compute(&in, &e, NULL);
    if (feat != NULL) {
        double active = isnan(b->m->active_params_b) ? 1.0 : b->m->active_params_b / b->m->params_b;
        double t = in.prompt_tokens;
        double a = b->m->arch.attention_heads * (isnan(b->m->arch.head_dim)
                       ? b->m->arch.hidden / b->m->arch.attention_heads : b->m->arch.head_dim);
        double p_act = (isnan(b->m->active_params_b) ? b->m->params_b : b->m->active_params_b) * 1e9;
        feat[0] = (e.weights_gib * active + e.kv_cache_gib) * GIB; /* bytes per token */
        feat[1] = b->h->bandwidth_gbps * 1e9;
        feat[2] = b->m->arch.layers;
        feat[3] = 2.0 * p_act * t + 2.0 * b->m->arch.layers * t * t * a; /* prefill FLOPs */
        feat[4] = (isnan(b->h->fp16_tflops) ? b->h->bandwidth_gbps * 0.02 : b->h->fp16_tflops) * 1e12;
        feat[5] = t;
    }
    if (decode)
        return e.decode_tokens_per_s;
    if (strcmp(f[C_METRIC], "prefill_tok_s") == 0)
        return e.prefill_tokens_per_s;
    if (strcmp(f[C_METRIC], "ttft_ms") == 0)
        return e.ttft_ms;
    return DNAN;
}

static const char *group_of(const struct built *b)
{
    static char buf[64];
    snprintf(buf, sizeof(buf), "%s/%s", b->rt->id,
             b->h->vendor == LM_VENDOR_APPLE ? "apple" : lm_hw_class_names[b->h->hw_class]);
    return buf;
}

/* --------------------------------------------------------- statistics */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct stats {
    double abs_err[256];
    double max_ratio;
    int n, within30;
};

static void stats_add(struct stats *s, double pred, double meas)
{
    double err = fabs(pred / meas - 1.0);
    if (s->n < 256)
        s->abs_err[s->n++] = err;
    if (err <= 0.30)
        s->within30++;
    double ratio = pred > meas ? pred / meas : meas / pred;
    if (ratio > s->max_ratio)
        s->max_ratio = ratio;
}

static double stats_median(struct stats *s)
{
    if (s->n == 0)
        return DNAN;
    qsort(s->abs_err, (size_t)s->n, sizeof(double), cmp_double);
    return s->n % 2 ? s->abs_err[s->n / 2]
                    : (s->abs_err[s->n / 2 - 1] + s->abs_err[s->n / 2]) / 2.0;
}

/* --------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: lmchoose_accuracy MEASUREMENTS.tsv [--features]\n");
        return 2;
    }
    int features = argc > 2 && strcmp(argv[2], "--features") == 0;
    FILE *fp = fopen(argv[1], "r");
    if (fp == NULL) {
        perror(argv[1]);
        return 2;
    }
    struct lm_catalog cat = LM_CATALOG_INIT;
    struct lm_diags diags = LM_DIAGS_INIT;
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    if (lm_catalog_load_builtin(&cat, &limits, &diags) != 0) {
        fprintf(stderr, "lmchoose_accuracy: the builtin catalog does not load\n");
        fclose(fp);
        return 2;
    }

    static const char *const metrics[] = { "decode_tok_s", "prefill_tok_s", "ttft_ms" };
    struct stats st[3];
    memset(st, 0, sizeof(st));
    char line[4096];
    static char excluded[65536] = "";
    size_t exlen = 0;
    int lineno = 0, decode_over_2x = 0;

    if (features)
        printf("line\tmetric\tgroup\tmodel\thardware\tbytes_per_token\tbandwidth_Bps\tlayers\t"
               "prefill_flops\tpeak_flops\tprompt_tokens\tmeasured\n");
    else
        printf("| # | model | quant | hardware | runtime | metric | context | measured | predicted | error %% |\n"
               "|---|---|---|---|---|---|---|---|---|---|\n");
    while (fgets(line, sizeof(line), fp) != NULL) {
        char *f[MAXF];
        lineno++;
        if (lineno == 1)
            continue;
        int nf = split(line, f);
        if (nf < C_NOTE)
            continue;
        const char *why = exclusion(f);
        struct built b;
        if (why == NULL)
            why = resolve(&cat, f, &b);
        if (why != NULL) {
            int w = snprintf(excluded + exlen, sizeof(excluded) - exlen,
                             "| %d | %s | %s | %s | %s | %s |\n", lineno, f[C_MODEL], f[C_QUANT],
                             f[C_HW], f[C_METRIC], why);
            if (w > 0 && (size_t)w < sizeof(excluded) - exlen)
                exlen += (size_t)w;
            continue;
        }
        double meas = atof(f[C_VALUE]);
        double feat[6];
        double pred = predict(&b, f, feat);
        if (features) {
            printf("%d\t%s\t%s\t%s\t%s\t%.0f\t%.0f\t%.0f\t%.6g\t%.6g\t%.0f\t%g\n", lineno,
                   f[C_METRIC], group_of(&b), f[C_MODEL], f[C_HW], feat[0], feat[1], feat[2],
                   feat[3], feat[4], feat[5], meas);
            continue;
        }
        printf("| %d | %s | %s | %s | %s | %s | %s | %g | %.1f | %+.0f |\n", lineno, f[C_MODEL],
               f[C_QUANT], f[C_HW], f[C_RUNTIME], f[C_METRIC], f[C_CONTEXT][0] ? f[C_CONTEXT] : "-",
               meas, pred, 100.0 * (pred / meas - 1.0));
        for (int k = 0; k < 3; k++)
            if (strcmp(f[C_METRIC], metrics[k]) == 0)
                stats_add(&st[k], pred, meas);
        if (strcmp(f[C_METRIC], "decode_tok_s") == 0 && (pred > 2 * meas || meas > 2 * pred))
            decode_over_2x++;
    }
    fclose(fp);
    int rc = 0;
    if (!features) {
        printf("\nExcluded rows:\n\n| # | model | quant | hardware | metric | reason |\n"
               "|---|---|---|---|---|---|\n%s",
               excluded);
        printf("\n| metric | rows | median abs error | within ±30 %% | worst ratio |\n"
               "|---|---|---|---|---|\n");
        double med_decode = DNAN;
        for (int k = 0; k < 3; k++) {
            double med = stats_median(&st[k]);
            if (k == 0)
                med_decode = med;
            printf("| %s | %d | %.1f %% | %d (%.0f %%) | %.2f |\n", metrics[k], st[k].n,
                   100.0 * med, st[k].within30,
                   st[k].n ? 100.0 * st[k].within30 / st[k].n : 0.0, st[k].max_ratio);
        }
        /* Weights: the DESIGN formula against every published file size in
         * the catalog (the limits are checked by tests/unit/test_estimate.c). */
        printf("\nWeights formula against published file sizes:\n\n"
               "| model | params_b | quant | file GiB | formula GiB | error %% |\n"
               "|---|---|---|---|---|---|\n");
        for (size_t i = 0; i < cat.nmodels; i++) {
            const struct lm_model *m = cat.models[i];
            for (size_t k = 0; k < m->nfiles; k++) {
                const struct lm_quant *q = lm_catalog_quant(&cat, m->files[k].quant);
                if (q == NULL)
                    continue;
                double w = lm_estimate_weights_published_bytes(m, q);
                printf("| %s | %g | %s | %.3f | %.3f | %+.1f |\n", m->id, m->params_b, q->id,
                       m->files[k].bytes / GIB, w / GIB, 100.0 * (w / m->files[k].bytes - 1.0));
            }
        }
        if (!(med_decode <= 0.30) || decode_over_2x > 0) {
            printf("\nFAIL: median decode error %.1f %% (limit 30 %%), %d decode rows off by more than 2x\n",
                   100.0 * med_decode, decode_over_2x);
            rc = 1;
        } else {
            printf("\nOK: median decode error %.1f %% (limit 30 %%), no decode row off by more than 2x\n",
                   100.0 * med_decode);
        }
    }
    lm_diags_release(&diags);
    lm_catalog_release(&cat);
    return rc;
}
