/*
 * Estimators (DESIGN §4): pure functions from a candidate's profiles and a
 * workload to memory, fit, speed, cost, quality and fine-tuning figures, each
 * with its basis (formula, inputs, source) and an error band.
 *
 * Ownership: an lm_est_input borrows its profile pointers from a catalog; the
 * estimate holds no pointers into anything but static strings.
 */
#ifndef LMCHOOSE_ESTIMATE_H
#define LMCHOOSE_ESTIMATE_H

#include <stddef.h>

#include "lmchoose/catalog.h"

enum lm_fit { LM_FIT_FITS, LM_FIT_TIGHT, LM_FIT_NO };
extern const char *const lm_fit_names[4];

enum lm_ft_method { LM_FT_FULL, LM_FT_LORA, LM_FT_QLORA, LM_FT_API };
extern const char *const lm_ft_method_names[5];

/* Flags recorded in lm_estimate.flags; they widen error bands and show in
 * the basis. */
#define LM_EST_WEIGHTS_FILE   0x01u /* weights from a published file size */
#define LM_EST_KV_FALLBACK    0x02u /* no architecture: KV from the fallback fit */
#define LM_EST_PHONE          0x04u /* phone profile: weakly sourced bandwidth */
#define LM_EST_LOCAL_BUILT    0x08u /* the built `local` profile (§6.2) */
#define LM_EST_NO_POWER       0x10u /* device cost 0: no power_w */
#define LM_EST_NO_CALIBRATION 0x20u /* runtime has no row for this class */
#define LM_EST_FT_APPROX      0x40u /* LoRA/QLoRA time from 4·P·T */
#define LM_EST_NO_PRICE       0x80u /* bought hardware without purchase_usd: cost unknown */
#define LM_EST_API_PREFILL_DEFAULT 0x100u /* API prompt rate from the tier default (§9.3) */
#define LM_EST_OFFLOAD        0x200u /* llama.cpp expert offload: host constants assumed */

struct lm_est_input {
    const struct lm_model *model;
    const struct lm_api_offer *offer; /* non-NULL: an API candidate */
    const struct lm_hardware *hw;     /* self-hosted only */
    const struct lm_quant *quant;     /* self-hosted only */
    const struct lm_runtime *runtime; /* self-hosted only */
    int placement;                    /* enum lm_placement */
    double devices;                   /* ≥ 1; tensor parallel when > 1 */
    double context_tokens;  /* memory: tokens per sequence */
    double batch;           /* memory: sequences (estimate --batch); 1 */
    double decode_context;  /* KV tokens read per decode step */
    double prompt_tokens;   /* TTFT prompt length */
    double kv_bytes_per_element; /* f16 2, fp8 1, q8_0 1.0625, q4_0 0.5625 */
    int weights_formula;    /* 1: ignore model->files */
    /* Workload and assumptions, for sizing and cost (§4). */
    double requests_per_day, input_tokens, output_tokens, peak_concurrency;
    double window_hours;        /* §9.1: hours a day the requests arrive in (24) */
    double target_utilization;  /* §9.1: ρ, the busy fraction sizing aims at (0.7) */
    int scale_to_zero;          /* §9.1: cloud billed only for the window */
    double owned_count;         /* §9.2: devices of this hardware the team owns; 0 = bought */
    double target_tokens_per_s; /* sizing target; 10 when the scenario has none */
    double usd_per_kwh, amortization_months;
    double labeled_examples;    /* NAN: no fine-tuning estimate */
    /* Quality (§5a). */
    const char *task_kind; /* chat, classification, … */
    int task_has_image;
    /* lm_quality_composite(quality_model, task_kind, task_has_image) when
     * the caller has it already (one per model, not per candidate). */
    const struct lm_model *quality_model;
    double quality_composite;
    unsigned extra_flags;  /* LM_EST_LOCAL_BUILT etc., set by the caller */
    /* llama.cpp expert offload (--n-cpu-moe N): the routed experts of the
     * first cpu_moe_layers layers live in the system RAM of `host` and are
     * read there for each token; 0 (the default) offloads nothing. Needs the
     * model's experts, experts_per_token and expert_params_b; ignored
     * without them or without a host. */
    double cpu_moe_layers;
    const struct lm_hardware *host;
    /* The weights of (weights_model, weights_quant) when the caller has
     * them already (lm_estimate_weights_prepare: one per model and format,
     * not per candidate); used only when both match model and quant. */
    const struct lm_model *weights_model;
    const struct lm_quant *weights_quant;
    double weights_bytes;      /* file or formula */
    double weights_file_bytes; /* the profile's file size; NAN: the formula */
    /* NULL, or a memo (lm_est_memo_new) of the last estimate's
     * placement-free part, reused when model, quant, hw, runtime and
     * devices match: only for inputs that differ from each other in those,
     * the placement, owned_count, extra_flags and weights_* alone (one
     * scenario's candidates, as lm_recommend generates them). */
    struct lm_est_memo *memo;
    /* Fill est.sizing_lo_tps and sizing_hi_tps (the flip search's
     * re-sizing; two more decode steps an estimate). */
    int want_sizing_interval;
};

struct lm_est_memo;
struct lm_est_memo *lm_est_memo_new(void); /* NULL when out of memory */
void lm_est_memo_free(struct lm_est_memo *memo);

struct lm_error_bands {
    double memory, decode, ttft, usd_per_month; /* relative half-widths */
};

struct lm_estimate {
    double memory_gib, memory_per_device_gib;
    double weights_gib, kv_cache_gib, overhead_gib;
    double usable_gib, headroom_gib;
    int fit; /* enum lm_fit, -1 for API candidates */
    double decode_tokens_per_s, prefill_tokens_per_s, ttft_ms, e2e_ms;
    double max_concurrency, instances;
    double batch_cap;                 /* §9.1: the largest batch the load can fill */
    double bmax_decode_tokens_per_s;  /* per-stream decode at B_max */
    /* The sizing targets (output tokens/s) for which this estimate holds:
     * B_max, and with it every figure, is the same for every target in
     * (sizing_lo_tps, sizing_hi_tps] (±inf: unbounded); the flip search
     * re-estimates a candidate only when a trial's target leaves it
     * (flip.c, sized_at). NAN when nothing is sized or the input did not
     * ask (lm_est_input.want_sizing_interval). */
    double sizing_lo_tps, sizing_hi_tps;
    double capacity_requests_per_day; /* §9.1: one instance at ρ over the window */
    double utilization;               /* §9.1: λ / (instances × C(B_max)) */
    double usd_per_month;
    double break_even_requests_per_day; /* filled by the ranking, else NAN */
    double quality;
    int finetune_method; /* enum lm_ft_method, -1 when none */
    double finetune_hours, finetune_usd;
    struct lm_error_bands error_bands;
    unsigned flags;
    /* Expert offload (lm_est_input.cpu_moe_layers > 0): the routed-expert
     * weights held in the host's RAM (already subtracted from weights_gib
     * and memory_gib, which count the accelerator side), the host's usable
     * RAM and its fit verdict; NAN / -1 without offload. */
    double host_memory_gib, host_usable_gib;
    int host_fit;
    double cpu_moe_layers; /* layers offloaded, clamped to the model's */
};

/* The terms of one decode step (DESIGN §4), for the calibration fitter
 * (tests/calibration/accuracy.c): step = max(device_bytes / (efficiency ×
 * bandwidth) + kv_bytes / (kv_efficiency × bandwidth) + host_bytes /
 * host_bandwidth_eff + host_fixed_s + layers × per_layer_overhead,
 * compute_s); tokens/s =
 * tp / step. Bandwidths are over all devices, in bytes/s. */
struct lm_decode_terms {
    double device_bytes, kv_bytes, host_bytes;
    double bandwidth, host_bandwidth_eff; /* host: × the host row's efficiency */
    double host_fixed_s;                  /* offloaded layers × host per-layer cost */
    double layers, compute_s, tp;
    double efficiency, kv_efficiency, per_layer_overhead_s;
    double prefill_flops, peak_flops, mfu, ttft_overhead_s;
};

/* One input of a basis entry: a number or a string. */
struct lm_basis_input {
    const char *name;
    double value;      /* used when text is NULL */
    const char *text;
};

struct lm_basis_entry {
    const char *field;   /* estimate field name, e.g. "weights_gib" */
    const char *method;  /* "file-size", "formula", "fallback", "provider", … */
    const char *formula; /* human-readable formula */
    const char *source;  /* paper, measurement or profile the formula rests on */
    size_t ninputs;
    struct lm_basis_input inputs[10];
};

struct lm_basis {
    struct lm_basis_entry entries[24];
    size_t n;
};

/* Zeroes in and fills it with the default scenario of DESIGN §6.2 and the
 * assumptions of §4: one device, one sequence, f16 KV cache, 200 requests a
 * day of 1000 input and 300 output tokens, one stream, a 10 tokens/s sizing
 * target, 0.15 USD/kWh, 36-month amortization, chat, no fine-tuning, and
 * the positions of §4 (8192-token context; KV at 1000 + 300/2 tokens while
 * decoding; a 1000-token prompt). Callers set the profiles and override. */
void lm_est_input_init(struct lm_est_input *in);

/* Computes every estimate field for one candidate. When basis is not NULL it
 * is filled too (only printed candidates need it). Fields that do not apply
 * are NAN (or -1 for enums). */
void lm_estimate_compute(const struct lm_est_input *in, struct lm_estimate *out,
                         struct lm_basis *basis);

/* The decode-step terms lm_estimate_compute uses for in (self-hosted
 * inputs only; every field NAN otherwise). */
void lm_estimate_decode_terms(const struct lm_est_input *in, struct lm_decode_terms *t);

/* Chooses the device count of DESIGN §5 step 1 for a self-hosted input and
 * estimates with it: one device, or on on-prem and cloud placements the
 * smallest of 2, 4, 8 (≤ hardware max_devices) that fits. Sets in->devices. */
void lm_estimate_devices(struct lm_est_input *in, struct lm_estimate *est);

/* The batch cap of DESIGN §9.1: peak_concurrency, or the requests in flight
 * the daily volume implies (Little's law at 10 tokens/s per stream). */
double lm_estimate_batch_cap(const struct lm_est_input *in);

/* The weights in bytes of model at quant by DESIGN §4's formula (ignoring
 * published file sizes). NAN without params_b. */
double lm_estimate_weights_formula_bytes(const struct lm_model *m,
                                         const struct lm_quant *q);

/* Fills in's weights_* fields for in->model at in->quant (under
 * in->weights_formula), so that estimates of that pair with other
 * hardware, placements or device counts skip the weights formula. */
void lm_estimate_weights_prepare(struct lm_est_input *in);

/* The same formula for the files the profile's `files` list cites: a tied
 * model with gguf_separate_output (older official Qwen GGUFs) stores its
 * output matrix separately in GGUF-only formats. The estimates use
 * lm_estimate_weights_formula_bytes (one matrix, as llama.cpp's current
 * converter and Ollama's library write tied models); this one checks the
 * formula against the published files (docs/accuracy.md). */
double lm_estimate_weights_published_bytes(const struct lm_model *m,
                                           const struct lm_quant *q);

/* lm_quality_composite (§5a, §9.4) is declared in lmchoose/quality.h. */

/* The runtime §5 step 1 picks for quant on hw, or NULL when none can run it. */
const struct lm_runtime *lm_runtime_for(const struct lm_catalog *cat,
                                        const struct lm_quant *q,
                                        const struct lm_hardware *hw);

/* The fit verdict of §4 for usable and needed GiB. */
int lm_fit_verdict(double usable_gib, double memory_gib);

#endif
