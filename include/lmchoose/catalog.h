/*
 * The profile catalog: typed model, hardware, quantization and runtime
 * profiles (DESIGN §3.1), loaded from the builtin layer compiled into the
 * binary, then LMCHOOSE_PROFILES, then each --profiles DIR; a later layer
 * replaces an earlier entry with the same id.
 *
 * Conventions: an absent optional number is NAN (test with isnan); an absent
 * optional string is NULL; an absent boolean is -1. Integer fields are stored
 * as double (validated as integers) so that rules read every number the same
 * way.
 *
 * Ownership: every string and array inside a catalog belongs to the catalog's
 * arena and lives until lm_catalog_release(). Rankings and estimates borrow
 * pointers into the catalog and must not outlive it.
 */
#ifndef LMCHOOSE_CATALOG_H
#define LMCHOOSE_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "lmchoose/arena.h"
#include "lmchoose/diag.h"
#include "lmchoose/limits.h"

struct lm_ynode; /* the YAML tree of a profile (private, src/io/ynode.h) */

struct lm_strlist {
    const char **items;
    size_t n;
};

/* Where a value is written in its file (1-based; 0 when unknown). */
struct lm_srcpos {
    unsigned line, col;
};

/* Quality benchmark keys (DESIGN §5a), in the order of lm_quality_names. */
enum lm_quality_key {
    LM_Q_MMLU, LM_Q_MMLU_PRO, LM_Q_GPQA, LM_Q_BBH, LM_Q_IFEVAL, LM_Q_GSM8K,
    LM_Q_MATH, LM_Q_HUMANEVAL, LM_Q_MBPP, LM_Q_MGSM, LM_Q_MMMU, LM_Q_BFCL,
    /* current benchmarks (DESIGN §9.4) */
    LM_Q_MMLU_REDUX, LM_Q_GPQA_DIAMOND, LM_Q_MATH_500, LM_Q_AIME24, LM_Q_AIME25,
    LM_Q_LIVECODEBENCH, LM_Q_SWE_BENCH_VERIFIED, LM_Q_AIDER_POLYGLOT, LM_Q_ARENA_ELO,
    LM_Q_COUNT
};
extern const char *const lm_quality_names[LM_Q_COUNT + 1];

enum lm_data_use { LM_DATA_TRAINING, LM_DATA_NO_TRAINING, LM_DATA_ZERO_RETENTION };
extern const char *const lm_data_use_names[4];

enum lm_hw_class {
    LM_HW_PHONE, LM_HW_SBC, LM_HW_LAPTOP, LM_HW_DESKTOP, LM_HW_CONSUMER_GPU,
    LM_HW_DATACENTER_GPU, LM_HW_CPU_SERVER, LM_HW_CLASS_COUNT
};
extern const char *const lm_hw_class_names[LM_HW_CLASS_COUNT + 1];

enum lm_vendor {
    LM_VENDOR_APPLE, LM_VENDOR_NVIDIA, LM_VENDOR_AMD, LM_VENDOR_INTEL,
    LM_VENDOR_QUALCOMM, LM_VENDOR_BROADCOM, LM_VENDOR_OTHER, LM_VENDOR_COUNT
};
extern const char *const lm_vendor_names[LM_VENDOR_COUNT + 1];

/* Placements, as bits in lm_hardware.placements. */
enum lm_placement { LM_PLACE_DEVICE, LM_PLACE_ONPREM, LM_PLACE_CLOUD, LM_PLACE_API };
extern const char *const lm_placement_names[5];

struct lm_arch {
    double layers, hidden, attention_heads, kv_heads, head_dim, vocab;
    double sliding_window, sliding_window_layers;
    double intermediate_size; /* FFN width, for llama.cpp's k-quant fallback */
    /* MoE: routed experts per MoE layer, experts used per token, and the
     * parameters (billions) held in routed experts over all layers (what
     * llama.cpp's --n-cpu-moe keeps in system memory). */
    double experts, experts_per_token, expert_params_b;
    int tied_embeddings; /* -1 absent (= false), 0, 1 */
    int present;         /* the profile has an architecture block */
};

struct lm_api_offer {
    const char *provider;
    double input_usd_per_mtok, output_usd_per_mtok;
    double ttft_ms, output_tokens_per_s;
    double prefill_tokens_per_s; /* prompt tokens per second (DESIGN §9.3) */
    int data_use; /* enum lm_data_use, -1 absent */
    struct lm_strlist regions;
    double finetune_usd_per_mtok;
};

struct lm_file_size {
    const char *quant;
    double bytes;
    unsigned line, col; /* of the key, for cross-reference errors */
};

struct lm_model {
    const char *id, *name, *family;
    struct lm_strlist aliases; /* names people type (DESIGN §9.7) */
    struct lm_srcpos *aliases_at; /* where each alias is written */
    double params_b, active_params_b;
    int class_override; /* -1 none, 0 slm, 1 llm */
    struct lm_arch arch;
    double context_tokens;
    struct lm_strlist modalities;
    int open_weights;
    const char *license;
    int commercial_use;
    double quality[LM_Q_COUNT]; /* published scores, NAN when absent */
    /* The factor fit of DESIGN §9.4 (src/model/quality.c), set when the catalog
     * is loaded: the fit's value of every benchmark (published ones too,
     * for residuals) and the half-width of its error band as an imputation,
     * NAN where the fit has none. quality_fitted is 0 for a model that is
     * not part of a fitted catalog (built by hand): it then uses its
     * published scores only. */
    double quality_fit[LM_Q_COUNT], quality_band[LM_Q_COUNT];
    int quality_fitted;
    /* Task composites taken from the fitted row because the published
     * scores put the model out of its family's size order (DESIGN §9.4;
     * src/model/quality.c, "family order"): bit 2 × task row + image. */
    uint32_t quality_family_fit;
    struct lm_file_size *files;
    size_t nfiles;
    int gguf_separate_output; /* -1 absent; 1: the published GGUFs store an
                                 output matrix although embeddings are tied */
    struct lm_strlist finetune;
    struct lm_api_offer *api;
    size_t napi;
    struct lm_strlist sources;
    const char *origin; /* "<builtin>/models/ID.yaml" or a path */
    /* The YAML tree the entry was read from (a merged tree for a partial
     * override), and the origin of the entry it was merged over (NULL when
     * the file was complete). `show` prints the tree; a later partial layer
     * merges over it. NULL for an embedded file, whose tree is thawed only
     * when asked for (lm_catalog_model_tree). */
    struct lm_ynode *tree;
    const void *tree_pack; /* private (catalog.c): the embedded tree, or NULL */
    const char *merged_over;
};

/* Cloud price tiers (DESIGN §9.7): hyperscaler on-demand, specialist cloud. */
enum lm_cloud_tier { LM_TIER_HYPERSCALER, LM_TIER_SPECIALIST };
extern const char *const lm_cloud_tier_names[3];

/* One rented-GPU offer of price.cloud_offers: per device and hour. */
struct lm_cloud_offer {
    const char *provider;
    int tier; /* enum lm_cloud_tier */
    double usd_per_hour;
};

struct lm_hardware {
    const char *id, *name;
    struct lm_strlist aliases; /* names people type (DESIGN §9.7) */
    struct lm_srcpos *aliases_at; /* where each alias is written */
    int vendor;   /* enum lm_vendor */
    int hw_class; /* enum lm_hw_class */
    struct lm_strlist detect;
    double memory_gib, usable_fraction, bandwidth_gbps;
    double fp16_tflops, fp8_tflops, power_w;
    struct lm_strlist placement_names;
    unsigned placements; /* bits (1u << enum lm_placement) */
    double max_devices;
    double purchase_usd;
    /* The cloud rate per device-hour that the cost model uses: the cheapest
     * of price.usd_per_hour (itself the hyperscaler offer, listed first)
     * and price.cloud_offers; ties go to the first listed. NAN: no price. */
    double usd_per_hour;
    const char *cloud_provider; /* the chosen offer's provider; NULL when
                                   usd_per_hour is price.usd_per_hour */
    int cloud_tier;             /* the chosen offer's tier; -1 with no price */
    double listed_usd_per_hour; /* price.usd_per_hour as written (NAN: absent) */
    struct lm_cloud_offer *cloud_offers; /* price.cloud_offers, as listed */
    size_t ncloud_offers;
    struct lm_strlist sources;
    const char *origin;
    struct lm_ynode *tree; /* as in lm_model */
    const void *tree_pack;
    const char *merged_over;
};

struct lm_quant {
    const char *id;
    struct lm_strlist aliases; /* other spellings: "Q4_K_M", "AWQ" (DESIGN §9.7) */
    struct lm_srcpos *aliases_at;
    double bits_per_weight, embedding_bits_per_weight, output_bits_per_weight;
    double fallback_bits_per_weight; /* block tensors whose rows are not a
                                        multiple of 256 (k-quants only) */
    double quality_delta;
    struct lm_strlist runtimes;
    struct lm_strlist sources;
    const char *origin;
};

/* One calibration row of a runtime: constants for the hardware classes in
 * class_mask (and vendor, when not -1). The first matching row wins. */
struct lm_calibration {
    unsigned class_mask;
    int vendor;
    double efficiency, per_layer_overhead_us, mfu;
    /* Optional (NAN absent): the fraction of the bandwidth reached while
     * reading the KV cache (absent: efficiency), and a fixed per-request
     * overhead added to the time to first token (absent: 0). */
    double kv_efficiency, ttft_overhead_ms;
    const char *source;
};

struct lm_runtime {
    const char *id;
    double overhead_gib;              /* per device (llama.cpp, mlx) */
    double compute_buffer_ubatch;     /* llama.cpp: tokens per micro-batch */
    double weights_overhead_fraction; /* transformers: × weights */
    double activation_gib, activation_moe_gib;   /* vllm activation peak */
    double non_torch_gib, non_torch_multi_gib;   /* vllm, 1 and ≥ 2 devices */
    double max_usable_fraction;       /* vllm gpu_memory_utilization */
    struct lm_calibration *calibration;
    size_t ncalibration;
    struct lm_strlist sources;
    const char *origin;
};

struct lm_catalog {
    struct lm_arena arena;
    struct lm_model **models; /* sorted by id */
    size_t nmodels;
    struct lm_hardware **hardware; /* sorted by id */
    size_t nhardware;
    struct lm_quant **quants; /* in table order */
    size_t nquants;
    struct lm_runtime **runtimes; /* in table order */
    size_t nruntimes;
    double slm_max_params_b; /* classify.slm_max_params_b, default 15 */
};

#define LM_CATALOG_INIT { LM_ARENA_INIT, NULL, 0, NULL, 0, NULL, 0, NULL, 0, 15.0 }

/* Loads the builtin layer, then each directory of dirs in order (the caller
 * puts LMCHOOSE_PROFILES entries before --profiles ones). Every error of every
 * file goes to diags; the valid entries stay in the catalog either way.
 * Returns LM_OK, or the worst status seen (LM_ESCHEMA, LM_ESYNTAX, LM_EIO …). */
int lm_catalog_load(struct lm_catalog *cat, const char *const *dirs,
                    size_t ndirs, const struct lm_limits *limits,
                    struct lm_diags *diags);

/* Loads only the builtin layer (tests, benchmark). */
int lm_catalog_load_builtin(struct lm_catalog *cat,
                            const struct lm_limits *limits,
                            struct lm_diags *diags);

/* Loads one file of a known kind ("model", "hardware", "quantizations",
 * "runtimes") into cat, replacing entries by id, then re-runs the catalog's
 * cross-checks. display names the file in diagnostics. When check_name is
 * set, a model or hardware file must be named <id>.yaml or <id>.yml. */
int lm_catalog_load_file(struct lm_catalog *cat, const char *kind,
                         const char *display, const char *data, size_t len,
                         int check_name, const struct lm_limits *limits,
                         struct lm_diags *diags);

/* Lookups by id; NULL when absent. */
const struct lm_model *lm_catalog_model(const struct lm_catalog *cat, const char *id);
const struct lm_hardware *lm_catalog_hardware(const struct lm_catalog *cat, const char *id);

/* The YAML tree an entry was read from (lm_model.tree): an embedded file's
 * is thawed into the catalog's arena at each call (`show` and a partial
 * override are the only readers). NULL when out of memory. */
struct lm_ynode *lm_catalog_model_tree(struct lm_catalog *cat, const struct lm_model *m);
struct lm_ynode *lm_catalog_hardware_tree(struct lm_catalog *cat, const struct lm_hardware *h);
const struct lm_quant *lm_catalog_quant(const struct lm_catalog *cat, const char *id);
const struct lm_runtime *lm_catalog_runtime(const struct lm_catalog *cat, const char *id);

/* Names people type (DESIGN §9.7, docs/cli.md "Names and aliases").
 * lm_catalog_resolve() finds the entry of one kind that a typed name means:
 * its id exactly, else the one entry whose id or alias has the same
 * normalised form (lm__name_normalise in strutil.h; hardware ignores vendor
 * words). When nothing matches it gathers what to suggest: every entry
 * whose normalised id or alias starts with (or, from 3 characters, contains)
 * the name, and when there are several the name is ambiguous; else the
 * entries nearest by lm__name_distance within max(2, length/3). keyword
 * ("local", "auto" or NULL) is one more candidate for suggestions only. */
enum lm_id_kind { LM_KIND_MODEL, LM_KIND_HARDWARE, LM_KIND_QUANT, LM_KIND_RUNTIME };
extern const char *const lm_id_kind_names[5]; /* "model", "hardware", ... */

enum lm_name_status { LM_NAME_FOUND, LM_NAME_AMBIGUOUS, LM_NAME_UNKNOWN };

#define LM_NAME_MAX_CANDIDATES 6

struct lm_name_result {
    int status;        /* enum lm_name_status */
    const char *id;    /* the catalog id when found (catalog-owned) */
    const void *entry; /* the lm_model, lm_hardware, lm_quant or lm_runtime */
    const char *candidates[LM_NAME_MAX_CANDIDATES]; /* ids (or keyword), sorted */
    size_t ncandidates;
    size_t nmore;      /* further candidates not listed */
};

/* Resolves name; returns out->status. Never allocates. */
int lm_catalog_resolve(const struct lm_catalog *cat, enum lm_id_kind kind,
                       const char *name, const char *keyword,
                       struct lm_name_result *out);

/* An Ollama tag that also names the weight format, NAME:SIZE[-FLAVOUR...]-QUANT
 * ("llama3.1:8b-instruct-q4_K_M", "qwen2.5:7b-instruct-fp16"): QUANT, the
 * last '-' segment, must resolve to a quantization, and NAME:REST, or
 * NAME:REST without the flavour segments "instruct", "chat" and "it",
 * to a model. Returns 1 with both set, else 0 (name is then an ordinary
 * unknown name; a "text" tag, the base model, never matches an instruct
 * profile because no alias names it). */
int lm_catalog_resolve_tag(const struct lm_catalog *cat, const char *name,
                           const struct lm_model **model, const struct lm_quant **quant);

/* The error message for a name that was not found, in the form of every
 * "did you mean" of the tool: "unknown hardware 'X'", "unknown hardware 'X'
 * (did you mean 'a'?)", "ambiguous hardware 'H100' (did you mean 'a' or
 * 'b'?)". what names the kind. Malloc'd; NULL when out of memory. */
char *lm_name_message(const char *what, const char *name, const struct lm_name_result *r);

/* "slm" or "llm": the profile's class, else total params against
 * cat->slm_max_params_b; no params_b means llm (DESIGN §2). */
const char *lm_model_class(const struct lm_catalog *cat, const struct lm_model *m);

/* The first API offer of m with that provider, or NULL. */
const struct lm_api_offer *lm_model_offer(const struct lm_model *m, const char *provider);

/* The calibration row of rt for hw, or NULL. */
const struct lm_calibration *lm_runtime_calibration(const struct lm_runtime *rt,
                                                    const struct lm_hardware *hw);

/* Frees everything; cat is left as LM_CATALOG_INIT. Accepts NULL. */
void lm_catalog_release(struct lm_catalog *cat);

#endif
