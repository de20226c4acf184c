/*
 * Estimators (DESIGN §4, §5a): weights, KV cache, runtime overhead, usable
 * memory and the fit verdict; decode, batched decode, prefill and TTFT; the
 * instance sizing (B_max); monthly cost; fine-tuning; the quality composite;
 * error bands; and the basis (method, inputs, formula, source) of each field.
 *
 * What it does not do: it reads no file and applies no rule. Every function
 * here is pure: the same inputs give the same numbers on every platform (the
 * build uses -ffp-contract=off, and nothing here depends on the locale).
 *
 * Units inside: bytes, seconds and FLOPs; GiB (2^30 bytes) and milliseconds
 * only where a field is filled. Every formula carries its source and a worked
 * example; tests/unit/test_estimate.c checks each worked example.
 *
 * The calibration constants (efficiency, per-layer overhead, MFU) come from
 * profiles/runtimes.yaml; docs/accuracy.md says how they were fitted and how
 * far off the predictions are.
 */
#include "lmchoose/estimate.h"
#include "lmchoose/quality.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

const char *const lm_fit_names[4] = { "fits", "tight", "no", NULL };
const char *const lm_ft_method_names[5] = { "full", "lora", "qlora", "api", NULL };

/* NAN is a float; this keeps -Wdouble-promotion quiet in conditionals. */
#define DNAN ((double)NAN)
#define GIB 1073741824.0
#define HOURS_PER_MONTH 730.0
#define DAYS_PER_MONTH 30.42

/* ------------------------------------------------------------ fallbacks */

/*
 * Without an architecture block the exact formulas have no inputs. These
 * fits over the shipped catalog's 23 models with an architecture stand in
 * (docs/accuracy.md, "Fallbacks", gives the fit and its residuals):
 *   KV bytes per token at f16 = 50530 × params_b^0.463
 *     (least squares on log; median error ×1.62, worst ×4.2, so the memory
 *     band is ±60 % whenever it is used);
 *   layers = 24.1 × params_b^0.218 (median error 16 %);
 *   hidden = sqrt(P / (12 × layers)), the 12·L·d² parameter count of a
 *     dense transformer (Kaplan et al. 2020, arXiv:2001.08361, §2.1).
 * Worked example: an 8 B model without architecture gets
 * 50530 × 8^0.463 = 132 000 B/token (Llama-3.1-8B's exact value is 131 072),
 * and 24.1 × 8^0.218 = 37.9 layers (exact: 32).
 */
#define KV_FALLBACK_COEF 50530.0
#define KV_FALLBACK_EXP 0.463
#define LAYERS_FALLBACK_COEF 24.1
#define LAYERS_FALLBACK_EXP 0.218

/* Calibration used when the runtime has no row for the hardware class:
 * about the middle of the fitted rows of runtimes.yaml (efficiency
 * 0.62-0.92, per-layer overhead 44-230 µs, MFU 0.22-0.80), flagged with
 * LM_EST_NO_CALIBRATION and given the uncalibrated bands. A row whose source
 * starts with "assumption" gets the same flag and bands. */
#define DEFAULT_EFFICIENCY 0.8
#define DEFAULT_LAYER_US 100.0
#define DEFAULT_MFU 0.3

/* Hardware without fp16_tflops (phones): peak FLOPs assumed at 20 FLOP per
 * byte of bandwidth, the ridge point of mobile SoC GPUs (Adreno 750: about
 * 1.5 TFLOPS usable for 76.8 GB/s). An assumption, flagged with the phone
 * band. */
#define FLOPS_PER_BYTE_FALLBACK 20.0

/* API prompt processing (DESIGN §9.3) when the offer publishes no
 * prefill_tokens_per_s: 10 000 tokens/s, the geometric middle of the 0.04 to
 * 0.24 ms per input token that published API measurements report
 * (nirmalya.net, "Prompt size impact on LLM response", 2026-02, collecting
 * per-token TTFT slopes of hosted APIs). An assumption for every provider:
 * no per-tier figure was found. Flagged in basis; the TTFT band doubles. */
#define API_PREFILL_DEFAULT 10000.0

/* ----------------------------------------------------------- small tools */

static double nz(double v, double dflt)
{
    return isnan(v) ? dflt : v;
}

static int has_finetune(const struct lm_model *m, const char *method)
{
    /* The first letters of the methods differ: most items fail there,
     * without a call (every estimate with labelled examples asks). */
    for (size_t i = 0; i < m->finetune.n; i++)
        if (m->finetune.items[i][0] == method[0] && strcmp(m->finetune.items[i], method) == 0)
            return 1;
    return 0;
}

static double params(const struct lm_model *m)
{
    return m->params_b * 1e9;
}

static double active_params(const struct lm_model *m)
{
    return nz(m->active_params_b, m->params_b) * 1e9;
}

/* Shape of the model, from the architecture or the fallbacks above. */
struct shape {
    double layers, hidden, heads, kv_heads, head_dim, vocab;
    double swa_layers, window;
    int tied, exact;
};

static struct shape model_shape(const struct lm_model *m)
{
    struct shape s;
    const struct lm_arch *a = &m->arch;
    if (a->present && !isnan(a->layers) && !isnan(a->hidden) && !isnan(a->attention_heads)) {
        s.layers = a->layers;
        s.hidden = a->hidden;
        s.heads = a->attention_heads;
        s.kv_heads = nz(a->kv_heads, a->attention_heads);
        s.head_dim = nz(a->head_dim, a->hidden / a->attention_heads);
        s.vocab = nz(a->vocab, 0);
        s.tied = a->tied_embeddings == 1;
        s.window = a->sliding_window;
        s.swa_layers = isnan(a->sliding_window) ? 0 : nz(a->sliding_window_layers, a->layers);
        s.exact = 1;
        return s;
    }
    double pb = nz(m->params_b, 0);
    s.layers = pb > 0 ? LAYERS_FALLBACK_COEF * pow(pb, LAYERS_FALLBACK_EXP) : 0;
    s.hidden = s.layers > 0 ? sqrt(pb * 1e9 / (12.0 * s.layers)) : 0;
    s.heads = s.hidden / 128.0; /* head_dim 128, the common choice */
    s.head_dim = 128.0;
    s.kv_heads = DNAN;
    s.vocab = 0;
    s.tied = 0;
    s.window = DNAN;
    s.swa_layers = 0;
    s.exact = 0;
    return s;
}

/* ------------------------------------------------------------- memory */

/*
 * Weights by DESIGN §4's formula. E = vocab × hidden (0 without an
 * architecture); block = P − E × (tied ? 1 : 2);
 * bytes = (block × bpw + (tied ? E × output_bpw : E × embedding_bpw +
 * E × output_bpw)) / 8: a tied model's one matrix is quantized in the
 * output's role (below). embedding_bpw and output_bpw default to bpw.
 * Source: llama.cpp tools/quantize/README.md and src/llama-quant.cpp, as
 * recorded in profiles/quantizations.yaml.
 * Worked example (Llama-3.1-8B, q4_k_m: bpw 4.8, embedding 5.9, output
 * 6.5625): E = 128256 × 4096 = 525 336 576; block = 8 030 300 000 − 2E =
 * 6 979 626 848; bytes = (6 979 626 848 × 4.8 + E × 5.9 + E × 6.5625) / 8 =
 * 5 006 023 021, 1.7 % above the published file (4 920 739 232 B).
 */
/*
 * The share of the transformer-block weights that llama.cpp cannot store in
 * a k-quant's 256-weight super-blocks: a tensor whose rows (ne[0], its
 * input width) are not a multiple of 256 gets the fallback type instead
 * (Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0, Q2_K/Q3_K/IQ4_XS → IQ4_NL;
 * llama.cpp src/llama-quant.cpp, llama_tensor_get_type). Rows are `hidden`
 * wide for attn_q/k/v and ffn_gate/up, heads × head_dim for attn_output and
 * intermediate_size for ffn_down. The FFN's share of a layer is the rest of
 * the layer after attention when intermediate_size is not in the profile.
 * Worked example (Qwen2.5-72B: hidden 8192, 64 × 128 heads, 8 KV heads,
 * intermediate 29568 = 115.5 × 256, 80 layers): only ffn_down falls back;
 * 8192 × 29568 × 80 = 19.38 B of 70.21 B block weights = 0.276.
 */
static double fallback_share(const struct lm_model *m, const struct lm_quant *q, double block)
{
    const struct lm_arch *a = &m->arch;
    if (isnan(q->fallback_bits_per_weight) || !a->present || isnan(a->layers) ||
        isnan(a->hidden) || isnan(a->attention_heads) || block <= 0)
        return 0;
    double h = a->hidden, heads = a->attention_heads;
    double hd = nz(a->head_dim, h / heads), kv = nz(a->kv_heads, heads);
    double per_layer = block / a->layers;
    double qkv = h * hd * (heads + 2 * kv), o = heads * hd * h;
    double ffn = !isnan(a->intermediate_size) ? 3 * h * a->intermediate_size
                                              : per_layer - qkv - o;
    if (ffn < 0)
        ffn = 0;
    double fb = 0;
    if (fmod(h, 256) != 0)
        fb += qkv + ffn * 2 / 3;
    if (fmod(heads * hd, 256) != 0)
        fb += o;
    if (!isnan(a->intermediate_size) && fmod(a->intermediate_size, 256) != 0)
        fb += ffn / 3;
    return fb >= per_layer ? 1 : fb / per_layer;
}

/*
 * A GGUF-only format: every runtime the quantization lists is llama.cpp
 * (q8_0 … q2_k, iq4_xs). f16/bf16 are not: under vLLM, MLX and
 * transformers they are the safetensors checkpoint, whose tied embedding
 * is one matrix; fp8/awq/gptq are vLLM formats.
 */
static int quant_gguf_only(const struct lm_quant *q)
{
    if (q->runtimes.n == 0)
        return 0;
    for (size_t i = 0; i < q->runtimes.n; i++)
        if (strcmp(q->runtimes.items[i], "llama.cpp") != 0)
            return 0;
    return 1;
}

/*
 * separate_output: count a tied model's output matrix a second time, as the
 * older official Qwen GGUFs store it (profile field gguf_separate_output).
 * Applies to GGUF-only formats alone: vLLM's bf16 checkpoint of the same
 * model holds the matrix once.
 */
static double weights_formula(const struct lm_model *m, const struct lm_quant *q,
                              int separate_output)
{
    if (m == NULL || q == NULL || isnan(m->params_b))
        return DNAN;
    double e = 0;
    int tied = 0;
    if (m->arch.present && !isnan(m->arch.vocab) && !isnan(m->arch.hidden)) {
        e = m->arch.vocab * m->arch.hidden;
        tied = m->arch.tied_embeddings == 1;
    }
    double bpw = q->bits_per_weight;
    double ebpw = nz(q->embedding_bits_per_weight, bpw);
    double obpw = nz(q->output_bits_per_weight, bpw);
    double block = params(m) - e * (tied ? 1.0 : 2.0);
    if (block < 0)
        block = 0;
    double share = fallback_share(m, q, block);
    double block_bpw = (1 - share) * bpw + share * nz(q->fallback_bits_per_weight, bpw);
    /* token_embd and output rows are `hidden` wide too: when that is not a
     * multiple of 256 they fall back as well (output Q6_K -> Q8_0, 8.5). */
    if (!isnan(q->fallback_bits_per_weight) && m->arch.present && !isnan(m->arch.hidden) &&
        fmod(m->arch.hidden, 256) != 0) {
        ebpw = q->fallback_bits_per_weight;
        obpw = obpw == 6.5625 ? 8.5 : q->fallback_bits_per_weight;
    }
    int output = !tied || (separate_output && m->gguf_separate_output == 1 && quant_gguf_only(q));
    /* A tied model's single matrix is quantized in the output's role
     * (llama.cpp src/llama-quant.cpp: the output type applies to
     * token_embd when the model has no output tensor). */
    if (!output)
        ebpw = obpw;
    double bits = block * block_bpw + e * ebpw + (output ? e * obpw : 0.0);
    return bits / 8.0;
}

/* The files llama.cpp's current converter and Ollama's library produce: a
 * tied model stores one embedding matrix (llama.cpp reuses token_embd as
 * the output when the GGUF has no output tensor). */
double lm_estimate_weights_formula_bytes(const struct lm_model *m, const struct lm_quant *q)
{
    return weights_formula(m, q, 0);
}

/* The files the profile's `files` cite: as above, except that a tied model
 * whose published GGUFs still carry an output matrix (gguf_separate_output,
 * the older official Qwen2.5 GGUFs) stores E weights twice in GGUF formats. */
double lm_estimate_weights_published_bytes(const struct lm_model *m, const struct lm_quant *q)
{
    return weights_formula(m, q, 1);
}

static double file_bytes(const struct lm_model *m, const struct lm_quant *q)
{
    for (size_t i = 0; i < m->nfiles; i++)
        if (strcmp(m->files[i].quant, q->id) == 0)
            return m->files[i].bytes;
    return DNAN;
}

/*
 * KV cache bytes for one token position of one sequence, summed over layers
 * (DESIGN §4): 2 × kv_heads × head_dim × bytes_per_element per layer, with
 * sliding-window layers holding at most `window` positions:
 *   kv(tokens) = 2 × kv_heads × head_dim × bpe ×
 *                (full_layers × tokens + swa_layers × min(window, tokens)).
 * Source: hf-mem safetensors/kv_cache.py and Ollama fs/ggml/ggml.go GraphSize
 * (PEERS.md §3 F2).
 * Worked examples: Llama-3.1-8B (32 layers, 8 KV heads, head_dim 128, f16)
 * holds 2 × 8 × 128 × 2 × 32 = 131 072 B per token, so 8192 tokens take
 * exactly 1 GiB. Gemma-2-9B (42 layers of which 21 slide over 4096, 8 KV
 * heads, head_dim 256) at 8192 tokens: 2 × 8 × 256 × 2 × (21 × 8192 + 21 ×
 * 4096) = 2 113 929 216 B = 1.969 GiB (3 × 1.3125 / 2 of the unwindowed
 * 2.625 GiB).
 */
static double kv_bytes(const struct shape *s, const struct lm_model *m, double tokens,
                       double sequences, double bpe)
{
    if (tokens <= 0 || sequences <= 0)
        return 0;
    if (!s->exact) {
        double pb = nz(m->params_b, 0);
        return KV_FALLBACK_COEF * pow(pb, KV_FALLBACK_EXP) * (bpe / 2.0) * tokens * sequences;
    }
    double full = s->layers - s->swa_layers;
    double slid = isnan(s->window) ? tokens : fmin(s->window, tokens);
    return 2.0 * s->kv_heads * s->head_dim * bpe * sequences *
           (full * tokens + s->swa_layers * slid);
}

/*
 * Runtime overhead in bytes, the sum of the constants the runtime profile
 * sets (DESIGN §4 table; each constant is sourced in runtimes.yaml):
 *   overhead_gib × devices                          (llama.cpp, mlx);
 *   compute buffer: compute_buffer_ubatch × (vocab + hidden) × 4 B per
 *     device (llama.cpp: the f32 logits and hidden state of one
 *     micro-batch; with flash attention, the default, nothing grows with
 *     the context);
 *   weights_overhead_fraction × weights             (transformers);
 *   (activation_gib or activation_moe_gib + non_torch_gib, or
 *    non_torch_multi_gib at ≥ 2 devices) × devices  (vllm, per worker).
 * Worked example: llama.cpp, Llama-3-8B, 1 device: 1 GiB + 512 × (128256 +
 * 4096) × 4 B = 1 GiB + 258.5 MiB = 1.252 GiB; the 258.50 MiB is the
 * "CUDA0 compute buffer size" llama.cpp printed for that model
 * (developer0hye/llama-3-korean-bllossom-8b-q4-docker README.md).
 */
static double overhead_bytes(const struct lm_runtime *rt, const struct lm_model *m,
                             const struct shape *s, double weights, double devices)
{
    if (rt == NULL)
        return 0;
    double b = 0;
    if (!isnan(rt->overhead_gib))
        b += rt->overhead_gib * GIB * devices;
    if (!isnan(rt->compute_buffer_ubatch)) {
        /* Without an architecture: Llama-3's vocabulary and hidden size. */
        double vocab = s->exact && s->vocab > 0 ? s->vocab : 128256.0;
        double hidden = s->exact ? s->hidden : 4096.0;
        b += rt->compute_buffer_ubatch * (vocab + hidden) * 4.0 * devices;
    }
    if (!isnan(rt->weights_overhead_fraction))
        b += rt->weights_overhead_fraction * weights;
    int moe = !isnan(m->active_params_b) && m->active_params_b < m->params_b;
    double act = moe && !isnan(rt->activation_moe_gib) ? rt->activation_moe_gib
                                                        : rt->activation_gib;
    if (!isnan(act))
        b += act * GIB * devices;
    double nt = devices >= 2 && !isnan(rt->non_torch_multi_gib) ? rt->non_torch_multi_gib
                                                                 : rt->non_torch_gib;
    if (!isnan(nt))
        b += nt * GIB * devices;
    return b;
}

/*
 * The fit verdict (DESIGN §4): headroom = usable − memory; `fits` when the
 * headroom is at least 2 GiB or at least 20 % of usable, `tight` from 0 to
 * that, `no` below 0. Worked examples: usable 22.8, memory 20.8 → headroom
 * 2.0 → fits; usable 8, memory 6.5 → 1.5 < 2 and < 1.6 → tight; usable 8,
 * memory 6.4 → 1.6 = 20 % → fits; memory 8.01 → no. The comparisons allow
 * 1e-9 GiB of rounding, so that decimal inputs on a boundary (22.8 − 20.8 is
 * 1.9999999999999964 in binary) land on the side the printed numbers show.
 */
#define FIT_EPSILON_GIB 1e-9
int lm_fit_verdict(double usable_gib, double memory_gib)
{
    if (isnan(usable_gib) || isnan(memory_gib))
        return LM_FIT_NO;
    double headroom = usable_gib - memory_gib;
    if (headroom < -FIT_EPSILON_GIB)
        return LM_FIT_NO;
    if (headroom >= 2.0 - FIT_EPSILON_GIB || headroom >= 0.2 * usable_gib - FIT_EPSILON_GIB)
        return LM_FIT_FITS;
    return LM_FIT_TIGHT;
}

static double usable_bytes(const struct lm_hardware *hw, const struct lm_runtime *rt,
                           double devices)
{
    double f = hw->usable_fraction;
    if (rt != NULL && !isnan(rt->max_usable_fraction))
        f = fmin(f, rt->max_usable_fraction);
    return hw->memory_gib * GIB * f * devices;
}

/* -------------------------------------------------------------- speed */

/* Everything the speed formulas need for one self-hosted candidate. */
struct speed_ctx {
    double weights_active; /* bytes read per step from the accelerators */
    double host_active;    /* bytes read per step from the host's RAM (offload) */
    double host_bw;        /* host bytes/s × the host's efficiency; 0 without */
    double host_fixed_s;   /* offloaded layers × the host row's per-layer cost */
    /* MoE batches (§9.1 capacity): the routed-expert bytes on the devices and
     * in host RAM, and experts_per_token / experts; 0 for dense models. */
    double moe_dev_experts, moe_host_experts, moe_share;
    double kv_token;       /* bytes of KV per token position, one sequence */
    struct shape s;
    const struct lm_model *m;
    double bpe;
    double bw;             /* bytes/s over all devices */
    double flops;          /* FLOP/s peak over all devices */
    double eff, kv_eff, layer_s, mfu;
    double ttft_overhead_s;
    double tp;             /* 0.9^log2(devices) */
};

/* KV bytes read per decode step for B sequences at `ctx` tokens each. */
static double kv_read(const struct speed_ctx *c, double ctx, double b)
{
    return kv_bytes(&c->s, c->m, ctx, b, c->bpe);
}

/*
 * One decode step for B streams (DESIGN §4), in seconds, before the tensor
 * parallel factor:
 *   memory term  = active weights / (efficiency × bandwidth)
 *                  + B × KV(ctx) / (kv_efficiency × bandwidth)
 *                  + offloaded active experts / (host efficiency × host bandwidth)
 *                  + offloaded layers × the host row's per-layer overhead
 *                  + layers × per_layer_overhead;
 *   compute term = 2 × active_P × B / (mfu × flops_peak);
 *   step = max(memory term, compute term).
 * kv_efficiency is its own calibration constant (runtimes.yaml; absent, the
 * weights' efficiency): paged-attention KV reads are scattered blocks, not
 * the long contiguous streams of a weight matrix, and the batched vLLM rows
 * of tests/calibration/measurements.tsv run below the weights' efficiency
 * at batch 8-32 and 1-8 k tokens (docs/accuracy.md, "Batched decode").
 * Source: the bandwidth roofline (kipply, "Transformer Inference
 * Arithmetic", 2022; PEERS.md §3 F5) plus a per-layer launch/sync cost that
 * the calibration rows show for small models.
 * Worked example (Llama-3.1-8B q4_k_m on an RTX 4090, one stream, 1150
 * tokens of KV, llama.cpp consumer-gpu row 0.82 / 44 µs, no kv_efficiency):
 * (4 920 739 232 + 1150 × 131 072) B / (0.82 × 1008e9 B/s) + 32 × 44 µs =
 * 6.136 + 1.408 ms = 7.544 ms → 132.6 tokens/s (test_decode_single_stream).
 */
/*
 * The share of a MoE layer's routed experts one decode step reads for a
 * batch of b tokens: each token picks k of E experts, so with independent
 * uniform routing an expert is missed by all b tokens with probability
 * (1 − k/E)^b and the step reads 1 − (1 − k/E)^b of them (k/E at b = 1).
 * Worked example (gpt-oss-20b, 4 of 32): b = 1 reads 12.5 %, b = 8 66 %,
 * b = 40 99.5 %: at batch 40 a MoE reads nearly all its weights, which is
 * why its batched throughput is far below its one-stream speed. Real
 * routers are not uniform (popular experts), so this bounds the read from
 * above for a given batch; DeepSpeed-MoE (Rajbhandari et al. 2022, §5)
 * and MoE-Lightning (Cao et al. 2024) size batched MoE inference this way.
 */
static double moe_read_share(double share, double b)
{
    if (!(share > 0) || !(b > 1))
        return share;
    return 1.0 - pow(1.0 - share, b);
}

static double step_seconds(const struct speed_ctx *c, double ctx, double b)
{
    double extra = c->moe_share > 0 ? moe_read_share(c->moe_share, b) - c->moe_share : 0;
    double mem = (c->weights_active + extra * c->moe_dev_experts) / (c->eff * c->bw) +
                 kv_read(c, ctx, b) / (c->kv_eff * c->bw) +
                 (c->host_bw > 0 ? (c->host_active + extra * c->moe_host_experts) / c->host_bw +
                                       c->host_fixed_s
                                 : 0) +
                 c->s.layers * c->layer_s;
    double comp = 2.0 * active_params(c->m) * b / (c->mfu * c->flops);
    return fmax(mem, comp);
}

/* Per-stream decode tokens/s at batch b, tensor parallel factor applied. */
static double decode_tps(const struct speed_ctx *c, double ctx, double b)
{
    return c->tp / step_seconds(c, ctx, b);
}

/*
 * Prefill FLOPs for a prompt of T tokens (DESIGN §4):
 *   2 × active_P × T + 2 × layers × T² × attention_heads × head_dim
 * (the matrix products, plus causal QKᵀ and AV: 2 × (T²/2) × d each).
 * Source: llm-analysis get_num_flops_fwd_per_layer_attn (PEERS.md §3 F6).
 * Worked example: Llama-3.1-8B at T = 512: 2 × 8.0303e9 × 512 + 2 × 32 ×
 * 512² × 32 × 128 = 8.223e12 + 6.87e10 = 8.292e12 FLOPs.
 */
static double prefill_flops(const struct speed_ctx *c, double t)
{
    return 2.0 * active_params(c->m) * t +
           2.0 * c->s.layers * t * t * c->s.heads * c->s.head_dim;
}

/*
 * llama.cpp's expert offload (--n-cpu-moe N, or -ot "exps=CPU" for every
 * layer): the routed-expert tensors (ffn_*_exps) of the first N layers stay
 * in system RAM and the CPU computes them; attention, shared experts, norms
 * and embeddings stay on the GPU (llama.cpp common/arg.cpp: --n-cpu-moe
 * keeps "the Mixture of Experts weights of the first N layers in the CPU").
 *   host_bytes  = expert_params × bytes_per_param × min(N, layers) / layers
 *   host_active = host_bytes × experts_per_token / experts  (read per token)
 * bytes_per_param is the file's average (weights / params): llama.cpp's
 * k-quant mixes put the experts at about the file's average bits.
 * Worked example (a 30 B model of 48 layers, 128 experts of which 8 are
 * used, 29 B parameters in routed experts, weights 18 GB): N = 24 gives
 * host_bytes = 29e9 × 0.6 B × 24 / 48 = 8.7 GB and 8.7 GB × 8 / 128 =
 * 0.544 GB read from system RAM per token (test_moe_offload).
 */
struct offload {
    double layers, host_bytes, host_active;
};

static struct offload offload_split(const struct lm_est_input *in, const struct shape *s,
                                    double weights)
{
    struct offload o = { 0, 0, 0 };
    const struct lm_arch *a = &in->model->arch;
    if (in->host == NULL || !(in->cpu_moe_layers >= 1) || isnan(a->experts) ||
        isnan(a->experts_per_token) || isnan(a->expert_params_b) || !(a->experts > 0) ||
        !(s->layers > 0) || !(params(in->model) > 0))
        return o;
    o.layers = fmin(floor(in->cpu_moe_layers), s->layers);
    double bytes_per_param = weights / params(in->model);
    o.host_bytes = a->expert_params_b * 1e9 * bytes_per_param * o.layers / s->layers;
    o.host_active = o.host_bytes * a->experts_per_token / a->experts;
    return o;
}

/*
 * Bytes of weights read per decode step. A dense model reads all of them.
 * A MoE model reads everything but its routed experts, plus experts_per_token
 * / experts of the routed experts; with expert_params_b in the profile that
 * split is exact (the experts at the file's average bytes per parameter),
 * otherwise weights × active_params / params (DESIGN §4: "speed uses active
 * parameters"). The split matters because vendors count the embedding table
 * out of "active" parameters while every other dense tensor is read.
 * Worked example (gpt-oss-20b, 11.27 GiB MXFP4 file, 20.91 B parameters of
 * which 19.11 B in 32 routed experts, 4 used): experts 19.11 / 20.91 ×
 * 11.27 = 10.30 GiB; read per token 11.27 − 10.30 + 10.30 × 4 / 32 = 2.26 GiB
 * (the active-parameter rule gives 11.27 × 3.61 / 20.91 = 1.95 GiB, 16 %
 * less; docs/accuracy.md, "MoE").
 */
static double moe_active_bytes(const struct lm_model *m, double weights)
{
    const struct lm_arch *a = &m->arch;
    if (!isnan(a->experts) && !isnan(a->experts_per_token) && !isnan(a->expert_params_b) &&
        a->experts > 0 && params(m) > 0) {
        double experts = fmin(weights, a->expert_params_b * 1e9 * (weights / params(m)));
        return weights - experts + experts * a->experts_per_token / a->experts;
    }
    return weights * (active_params(m) / params(m));
}

/* The quantization fp8 (the hardware's fp8 peak applies); the first
 * letter first, since this runs for every candidate. */
static int is_fp8(const struct lm_quant *q)
{
    return q->id[0] == 'f' && strcmp(q->id, "fp8") == 0;
}

/* Fills the speed context of a self-hosted input; *calp gets the runtime's
 * calibration row for the hardware (NULL: the defaults apply). */
static void speed_setup(const struct lm_est_input *in, const struct shape *s, double weights,
                        const struct offload *off, struct speed_ctx *c,
                        const struct lm_calibration **calp)
{
    const struct lm_model *m = in->model;
    const struct lm_hardware *hw = in->hw;
    const struct lm_runtime *rt = in->runtime;
    double devices = in->devices >= 1 ? in->devices : 1;
    const struct lm_calibration *cal = rt ? lm_runtime_calibration(rt, hw) : NULL;
    *calp = cal;
    c->m = m;
    c->s = *s;
    c->bpe = in->kv_bytes_per_element > 0 ? in->kv_bytes_per_element : 2.0;
    c->weights_active = moe_active_bytes(m, weights) - off->host_active;
    c->host_active = off->host_active;
    c->moe_dev_experts = c->moe_host_experts = c->moe_share = 0;
    const struct lm_arch *ma = &m->arch;
    if (!isnan(ma->experts) && !isnan(ma->experts_per_token) && !isnan(ma->expert_params_b) &&
        ma->experts > 0 && params(m) > 0) {
        double experts = fmin(weights, ma->expert_params_b * 1e9 * (weights / params(m)));
        c->moe_share = fmin(1.0, ma->experts_per_token / ma->experts);
        c->moe_host_experts = off->host_bytes;
        c->moe_dev_experts = experts - off->host_bytes;
    }
    c->host_bw = 0;
    c->host_fixed_s = 0;
    if (off->layers > 0) {
        /* The CPU computes the offloaded layers' experts: it reads them at
         * the host's bandwidth times the efficiency of the runtime's row for
         * the host's class (llama.cpp CPU backend), and pays that row's
         * per-layer cost (thread synchronisation) for each offloaded layer. */
        const struct lm_calibration *hc = rt ? lm_runtime_calibration(rt, in->host) : NULL;
        c->host_bw = in->host->bandwidth_gbps * 1e9 * (hc ? hc->efficiency : DEFAULT_EFFICIENCY);
        c->host_fixed_s = off->layers * (hc ? hc->per_layer_overhead_us : DEFAULT_LAYER_US) * 1e-6;
    }
    c->kv_token = kv_bytes(s, m, 1, 1, c->bpe);
    c->bw = hw->bandwidth_gbps * 1e9 * devices;
    int fp8 = in->quant != NULL && is_fp8(in->quant) && !isnan(hw->fp8_tflops);
    double peak_tflops = fp8 ? hw->fp8_tflops : hw->fp16_tflops;
    if (isnan(peak_tflops))
        peak_tflops = hw->bandwidth_gbps * FLOPS_PER_BYTE_FALLBACK / 1000.0;
    c->flops = peak_tflops * 1e12 * devices;
    c->eff = cal ? cal->efficiency : DEFAULT_EFFICIENCY;
    c->kv_eff = cal && !isnan(cal->kv_efficiency) ? cal->kv_efficiency : c->eff;
    c->layer_s = (cal ? cal->per_layer_overhead_us : DEFAULT_LAYER_US) * 1e-6;
    c->mfu = cal ? cal->mfu : DEFAULT_MFU;
    c->ttft_overhead_s = cal && !isnan(cal->ttft_overhead_ms) ? cal->ttft_overhead_ms / 1000.0 : 0;
    /* Tensor parallel: N × bandwidth and N × FLOPs above, speeds × 0.9^log2 N
     * (DESIGN §4). Worked example: 4 devices → 0.9² = 0.81. */
    c->tp = devices == 1 ? 1.0 : pow(0.9, log2(devices)); /* pow(0.9, 0) is exactly 1 */
}

void lm_estimate_decode_terms(const struct lm_est_input *in, struct lm_decode_terms *t)
{
    struct lm_decode_terms z = { DNAN, DNAN, DNAN, DNAN, DNAN, DNAN, DNAN, DNAN, DNAN, DNAN,
                                 DNAN, DNAN, DNAN, DNAN, DNAN, DNAN };
    *t = z;
    if (in == NULL || in->model == NULL || in->offer != NULL || in->hw == NULL ||
        in->quant == NULL || isnan(in->model->params_b))
        return;
    struct shape s = model_shape(in->model);
    double wfile = in->weights_formula ? DNAN : file_bytes(in->model, in->quant);
    double weights = isnan(wfile) ? lm_estimate_weights_formula_bytes(in->model, in->quant) : wfile;
    struct offload off = offload_split(in, &s, weights);
    struct speed_ctx c;
    const struct lm_calibration *cal;
    speed_setup(in, &s, weights, &off, &c, &cal);
    double b = in->batch >= 1 ? in->batch : 1;
    t->device_bytes = c.weights_active;
    t->kv_bytes = kv_read(&c, in->decode_context, b);
    t->host_bytes = c.host_active;
    t->bandwidth = c.bw;
    t->host_bandwidth_eff = c.host_bw;
    t->host_fixed_s = c.host_fixed_s;
    t->layers = s.layers;
    t->compute_s = 2.0 * active_params(in->model) * b / (c.mfu * c.flops);
    t->tp = c.tp;
    t->efficiency = c.eff;
    t->kv_efficiency = c.kv_eff;
    t->per_layer_overhead_s = c.layer_s;
    double pt = in->prompt_tokens > 0 ? in->prompt_tokens : 1;
    t->prefill_flops = prefill_flops(&c, pt);
    t->peak_flops = c.flops;
    t->mfu = c.mfu;
    t->ttft_overhead_s = c.ttft_overhead_s;
}

/* ---------------------------------------------------------------- basis */

static struct lm_basis_entry *basis_add(struct lm_basis *b, const char *field,
                                        const char *method, const char *formula,
                                        const char *source)
{
    if (b == NULL || b->n >= sizeof(b->entries) / sizeof(b->entries[0]))
        return NULL;
    struct lm_basis_entry *e = &b->entries[b->n++];
    memset(e, 0, sizeof(*e));
    e->field = field;
    e->method = method;
    e->formula = formula;
    e->source = source;
    return e;
}

static void basis_num(struct lm_basis_entry *e, const char *name, double v)
{
    if (e == NULL || e->ninputs >= sizeof(e->inputs) / sizeof(e->inputs[0]))
        return;
    e->inputs[e->ninputs].name = name;
    e->inputs[e->ninputs].value = v;
    e->inputs[e->ninputs].text = NULL;
    e->ninputs++;
}

static void basis_str(struct lm_basis_entry *e, const char *name, const char *v)
{
    if (e == NULL || e->ninputs >= sizeof(e->inputs) / sizeof(e->inputs[0]))
        return;
    e->inputs[e->ninputs].name = name;
    e->inputs[e->ninputs].value = DNAN;
    e->inputs[e->ninputs].text = v;
    e->ninputs++;
}

/* Quality: lm_quality_composite lives in src/model/quality.c (DESIGN §9.4). */

/* -------------------------------------------------------------- runtime */

static int in_list(const char *id, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(id, list[i]) == 0)
            return 1;
    return 0;
}

/*
 * DESIGN §5 step 1. GGUF formats run under llama.cpp everywhere; f16/bf16
 * under vllm on GPUs, mlx on Apple, llama.cpp elsewhere; awq-int4 under vllm
 * on GPUs only; fp8 under vllm on GPUs with fp8_tflops. Any other format:
 * the first runtime of its `runtimes` list that the catalog has. A runtime
 * the catalog lacks gives NULL.
 */
const struct lm_runtime *lm_runtime_for(const struct lm_catalog *cat, const struct lm_quant *q,
                                        const struct lm_hardware *hw)
{
    static const char *const gguf[] = { "q8_0", "q6_k", "q5_k_m", "q4_k_m", "q4_0",
                                        "q3_k_m", "q2_k", NULL };
    static const char *const f16[] = { "f16", "bf16", NULL };
    if (cat == NULL || q == NULL || hw == NULL)
        return NULL;
    int gpu = hw->hw_class == LM_HW_CONSUMER_GPU || hw->hw_class == LM_HW_DATACENTER_GPU;
    int apple = hw->vendor == LM_VENDOR_APPLE;
    const char *want = NULL;
    if (in_list(q->id, gguf))
        want = "llama.cpp";
    else if (in_list(q->id, f16))
        want = gpu ? "vllm" : apple ? "mlx" : "llama.cpp";
    else if (strcmp(q->id, "awq-int4") == 0)
        want = gpu ? "vllm" : NULL;
    else if (strcmp(q->id, "fp8") == 0)
        want = gpu && !isnan(hw->fp8_tflops) ? "vllm" : NULL;
    else {
        for (size_t i = 0; i < q->runtimes.n; i++) {
            const struct lm_runtime *rt = lm_catalog_runtime(cat, q->runtimes.items[i]);
            if (rt != NULL)
                return rt;
        }
        return NULL;
    }
    if (want == NULL)
        return NULL;
    return lm_catalog_runtime(cat, want);
}

/* ---------------------------------------------------------- error bands */

/*
 * Relative half-widths (docs/accuracy.md, "Error bands"), from the
 * calibration run: 90 % of the 125 decode rows are within ±24 % in-sample
 * (median 8 %; held out on an unseen device the median is 11 %), so decode
 * ±25 %; 90 % of the prefill rows within ±34 %, so TTFT ±50 %; memory is
 * exact for weights from files and within 5-12 % by
 * formula, with the runtime overhead the larger unknown, so ±10 %. Monthly
 * cost follows decode for self-hosted candidates (sizing sets the instance
 * count) and is ±10 % for API prices (list prices change).
 */
#define BAND_MEMORY 0.10
#define BAND_MEMORY_FALLBACK 0.60
#define BAND_DECODE 0.25
#define BAND_TTFT 0.50
#define BAND_API_COST 0.10
#define BAND_UNCALIBRATED_DECODE 0.50
#define BAND_UNCALIBRATED_TTFT 1.00

static struct lm_error_bands bands_for(unsigned flags, int api)
{
    struct lm_error_bands b;
    if (api) {
        /* Provider-measured speeds vary with load: keep the decode band. */
        b.memory = DNAN;
        b.decode = BAND_DECODE;
        b.ttft = (flags & LM_EST_API_PREFILL_DEFAULT) ? 2 * BAND_TTFT : BAND_TTFT;
        b.usd_per_month = BAND_API_COST;
        return b;
    }
    b.memory = BAND_MEMORY;
    b.decode = BAND_DECODE;
    b.ttft = BAND_TTFT;
    if (flags & LM_EST_KV_FALLBACK) {
        b.memory = BAND_MEMORY_FALLBACK;
        b.decode = fmax(b.decode, 0.5);
    }
    if (flags & LM_EST_OFFLOAD) {
        /* Two published offload rows (docs/accuracy.md, "MoE": -3 % and
         * +34 %), and the host row's constants are assumed. */
        b.decode = fmax(b.decode, BAND_UNCALIBRATED_DECODE);
    }
    if (flags & LM_EST_NO_CALIBRATION) {
        b.decode = fmax(b.decode, BAND_UNCALIBRATED_DECODE);
        b.ttft = fmax(b.ttft, BAND_UNCALIBRATED_TTFT);
    }
    if (flags & LM_EST_PHONE) {
        /* No phone measurement at all; the usable fraction is assumed. */
        b.memory = fmax(b.memory, 0.25);
        b.decode = fmax(b.decode * 2.0, 0.6);
        b.ttft = fmax(b.ttft * 2.0, 1.0);
    }
    if (flags & LM_EST_LOCAL_BUILT) {
        /* Bandwidth 50 GB/s and 0.1 TFLOPS per core are assumptions. */
        b.memory = fmax(b.memory, 0.25);
        b.decode = fmax(b.decode, 1.0);
        b.ttft = fmax(b.ttft, 1.0);
    }
    b.usd_per_month = b.decode;
    return b;
}

/* ---------------------------------------------------------------- API */

static double finetune_tokens(const struct lm_est_input *in)
{
    return in->labeled_examples * (in->input_tokens + in->output_tokens) * 3.0;
}

static void estimate_api(const struct lm_est_input *in, struct lm_estimate *out,
                         struct lm_basis *basis)
{
    const struct lm_api_offer *o = in->offer;
    out->decode_tokens_per_s = o->output_tokens_per_s;
    /* §9.3: the provider's TTFT grows with the prompt. Worked example: a
     * 100 000-token prompt at the 10 000 tokens/s default adds 10 s to a
     * published 420 ms. */
    double prefill = o->prefill_tokens_per_s;
    if (isnan(prefill)) {
        prefill = API_PREFILL_DEFAULT;
        out->flags |= LM_EST_API_PREFILL_DEFAULT;
    }
    double prompt = in->prompt_tokens > 0 ? in->prompt_tokens : in->input_tokens;
    out->prefill_tokens_per_s = prefill;
    out->ttft_ms = o->ttft_ms + 1000.0 * prompt / prefill;
    out->e2e_ms = out->ttft_ms + 1000.0 * in->output_tokens / out->decode_tokens_per_s;
    /* API: requests/day × 30.42 × (in × $in + out × $out) / 1e6 (DESIGN §4).
     * Worked example: 1000 req/day of 500 in + 200 out at $0.15/$0.60 per
     * Mtok: 1000 × 30.42 × (75 + 120) / 1e6 = $5.93 a month. */
    out->usd_per_month = in->requests_per_day * DAYS_PER_MONTH *
                         (in->input_tokens * o->input_usd_per_mtok +
                          in->output_tokens * o->output_usd_per_mtok) / 1e6;
    out->quality = in->quality_model == in->model
                       ? in->quality_composite
                       : lm_quality_composite(in->model, in->task_kind, in->task_has_image);
    if (!isnan(in->labeled_examples)) {
        out->finetune_method = LM_FT_API;
        out->finetune_usd = isnan(o->finetune_usd_per_mtok)
                                ? DNAN
                                : o->finetune_usd_per_mtok * finetune_tokens(in) / 1e6;
    }
    out->flags |= in->extra_flags;
    out->error_bands = bands_for(out->flags, 1);

    struct lm_basis_entry *e;
    e = basis_add(basis, "decode_tokens_per_s", "provider", "api.output_tokens_per_s",
                  in->model->origin);
    basis_str(e, "provider", o->provider);
    basis_num(e, "output_tokens_per_s", o->output_tokens_per_s);
    e = basis_add(basis, "ttft_ms", "provider",
                  "api.ttft_ms + 1000 × prompt_tokens / prefill_tokens_per_s (DESIGN §9.3)",
                  in->model->origin);
    basis_num(e, "api_ttft_ms", o->ttft_ms);
    basis_num(e, "prompt_tokens", prompt);
    basis_num(e, "prefill_tokens_per_s", prefill);
    if (out->flags & LM_EST_API_PREFILL_DEFAULT)
        basis_str(e, "flag", "no published prefill rate: 10000 tokens/s assumed (docs/scoring.md)");
    e = basis_add(basis, "usd_per_month", "api-price",
                  "requests_per_day × 30.42 × (input_tokens × input_usd_per_mtok + "
                  "output_tokens × output_usd_per_mtok) / 1e6",
                  in->model->origin);
    basis_num(e, "requests_per_day", in->requests_per_day);
    basis_num(e, "input_tokens", in->input_tokens);
    basis_num(e, "output_tokens", in->output_tokens);
    basis_num(e, "input_usd_per_mtok", o->input_usd_per_mtok);
    basis_num(e, "output_usd_per_mtok", o->output_usd_per_mtok);
    e = basis_add(basis, "quality", "composite",
                  "weighted mean of the task's benchmarks, published or imputed by the "
                  "catalog's factor fit (DESIGN §9.4)",
                  in->model->origin);
    basis_str(e, "task_kind", in->task_kind);
    basis_num(e, "band_points",
              lm_quality_composite_band(in->model, in->task_kind, in->task_has_image));
    if (!isnan(in->labeled_examples)) {
        e = basis_add(basis, "finetune_usd", "api",
                      "finetune_usd_per_mtok × examples × (input + output) × 3 / 1e6",
                      in->model->origin);
        basis_num(e, "training_tokens", finetune_tokens(in));
        basis_num(e, "finetune_usd_per_mtok", o->finetune_usd_per_mtok);
    }
}

/* ------------------------------------------------------------ sizing */

/*
 * B_max (DESIGN §4, "Sizing"): the largest B ≤ the batch cap such that
 * weights + overhead + KV for B sequences of context_tokens fit in the
 * usable memory, and the per-stream batched decode at B is at least the
 * target. Both tests are monotone in B (memory grows, per-stream speed
 * falls), so a binary search finds it. Returns 0 when B = 1 fails.
 * Worked example: Llama-3.1-8B q4_k_m on an L4 (usable 22.8 GiB), 4.58 GiB
 * weights + 1.25 GiB overhead, 8192-token sequences of 1 GiB each: memory
 * allows B ≤ 16; with a cap of 4 and a 10 tokens/s target, B_max 4.
 */
/* Whether B sequences fit in the usable memory (the memory half of
 * size_bmax's test). */
static int batch_fits(const struct speed_ctx *c, const struct lm_est_input *in,
                      double fixed_bytes, double usable, double b)
{
    return fixed_bytes + kv_bytes(&c->s, c->m, in->context_tokens, b, c->bpe) <= usable;
}

static double size_bmax(const struct speed_ctx *c, const struct lm_est_input *in,
                        double fixed_bytes, double usable, double cap)
{
    double target = nz(in->target_tokens_per_s, 10);
    double lo = 0, hi = cap < 1 ? 1 : floor(cap);
    while (lo < hi) {
        double mid = floor((lo + hi + 1) / 2);
        int ok = batch_fits(c, in, fixed_bytes, usable, mid) &&
                 decode_tps(c, in->decode_context, mid) >= target;
        if (ok)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/*
 * The targets for which size_bmax gives the same b (its tests are monotone
 * in B, so it returns the largest B that passes both): b ≥ 1 still passes
 * while the target is at most dec(b), and b + 1 still fails while the
 * target is above dec(b + 1), or for every target when b + 1 is past the
 * cap or does not fit. A device serves its own stream at B 1 even when
 * B 1 misses the target, so there b 0 and 1 are the same sizing. Sets the
 * half-open interval (*lo, *hi].
 */
static void sizing_interval(const struct speed_ctx *c, const struct lm_est_input *in,
                            double fixed_bytes, double usable, double cap, double b,
                            int device, double *lo, double *hi)
{
    double top = cap < 1 ? 1 : floor(cap);
    if (device && b < 1)
        b = 1;
    *hi = b >= 1 && !(device && b == 1) ? decode_tps(c, in->decode_context, b)
                                         : (double)INFINITY;
    double next = b + 1;
    *lo = next <= top && batch_fits(c, in, fixed_bytes, usable, next)
              ? decode_tps(c, in->decode_context, next)
              : -(double)INFINITY;
}


/*
 * The arrival rate λ of §9.1 in requests per second: the day's requests
 * spread over the window they arrive in.
 */
static double arrival_rate(const struct lm_est_input *in)
{
    double window = nz(in->window_hours, 24);
    if (!(window > 0))
        window = 24;
    return nz(in->requests_per_day, 0) / (3600.0 * window);
}

/*
 * The batch cap: the declared peak concurrency, or more when the volume
 * implies more requests in flight. By Little's law a stream of λ
 * requests/s, each decoding output_tokens at the reference 10 tokens/s (§4's
 * sizing target without a floor), keeps λ × output_tokens / 10 requests in
 * flight; a team that sends 50 M requests a day has batches to fill whatever
 * peak_concurrency says. The cap depends on the scenario only, not on the
 * candidate or the latency target, so a faster GPU never gets a smaller cap
 * and a flip that moves the target never moves it. The per-stream speed is
 * reported at the batch the load actually fills (lm_estimate_compute), not
 * at the cap. Worked example: 50e6 requests/day of 5 output tokens: λ =
 * 578.7/s, cap ceil(289.4) = 290.
 */
double lm_estimate_batch_cap(const struct lm_est_input *in)
{
    double peak = floor(nz(in->peak_concurrency, 1));
    if (peak < 1)
        peak = 1;
    double implied = ceil(arrival_rate(in) * nz(in->output_tokens, 0) / 10.0 - 1e-9);
    if (!(implied <= 1e6))
        implied = 1e6; /* the schema's ceiling on peak_concurrency */
    return implied > peak ? implied : peak;
}

/* --------------------------------------------------------- fine-tuning */

/*
 * Fine-tuning memory (DESIGN §4): full 16 B/param (fp16 weights and
 * gradients, fp32 master weights and two Adam moments: 2 + 2 + 4 + 8;
 * accelerate estimate.py), LoRA 2 B/param (frozen fp16 weights; the adapter
 * and its Adam state are under 1 %), QLoRA 0.5 B/param (4-bit NF4 weights
 * with their scales, Dettmers et al. 2023, arXiv:2305.14314), each plus
 * activations for one sequence of (input + output) tokens with gradient
 * checkpointing: the checkpointed layer inputs, s × h × 2 B × layers, plus
 * one layer recomputed in full, s × h × (34 + 5 × a × s / h) B (Korthikanti
 * et al. 2022, arXiv:2205.05198, eq. 1, micro-batch 1).
 * Worked example: Llama-3.1-8B, s = 600: activations = 600 × 4096 × 64 +
 * 600 × 4096 × (34 + 5 × 32 × 600 / 4096) = 157.3e6 + 141.2e6 = 0.278 GiB;
 * LoRA needs 2 × 8.03e9 B + that = 15.24 GiB.
 */
static double finetune_bytes(const struct lm_model *m, const struct shape *s,
                             double bytes_per_param, double seq)
{
    double act = seq * s->hidden * 2.0 * s->layers +
                 seq * s->hidden * (34.0 + 5.0 * s->heads * seq / fmax(s->hidden, 1));
    return params(m) * bytes_per_param + act;
}

/* ---------------------------------------------------------- self-hosted */

/* The memory side of a self-hosted estimate (§4): all the fit verdict
 * needs, so that lm_estimate_devices can try device counts without the
 * speed and cost formulas. The one place these sums are made, so the
 * verdict it gives is the one lm_estimate_compute prints. */
struct memory {
    double wfile;   /* the profile's file size; NAN: the formula */
    double weights; /* bytes, file or formula */
    struct offload off;
    double kv, over, usable, mem;
};

static void memory_need(const struct lm_est_input *in, const struct shape *s, struct memory *mm)
{
    const struct lm_model *m = in->model;
    const struct lm_quant *q = in->quant;
    double devices = in->devices >= 1 ? in->devices : 1;
    double bpe = in->kv_bytes_per_element > 0 ? in->kv_bytes_per_element : 2.0;
    double batch = in->batch >= 1 ? in->batch : 1;
    if (in->weights_model == m && in->weights_quant == q) {
        mm->wfile = in->weights_file_bytes;
        mm->weights = in->weights_bytes;
    } else {
        mm->wfile = in->weights_formula ? DNAN : file_bytes(m, q);
        mm->weights = isnan(mm->wfile) ? lm_estimate_weights_formula_bytes(m, q) : mm->wfile;
    }
    mm->off = offload_split(in, s, mm->weights);
    mm->kv = kv_bytes(s, m, in->context_tokens, batch, bpe);
    mm->over = overhead_bytes(in->runtime, m, s, mm->weights - mm->off.host_bytes, devices);
    mm->usable = usable_bytes(in->hw, in->runtime, devices);
    mm->mem = mm->weights - mm->off.host_bytes + mm->kv + mm->over;
}

void lm_estimate_weights_prepare(struct lm_est_input *in)
{
    in->weights_model = NULL;
    in->weights_quant = NULL;
    if (in->model == NULL || in->quant == NULL)
        return;
    in->weights_file_bytes = in->weights_formula ? DNAN : file_bytes(in->model, in->quant);
    in->weights_bytes = isnan(in->weights_file_bytes)
                            ? lm_estimate_weights_formula_bytes(in->model, in->quant)
                            : in->weights_file_bytes;
    in->weights_model = in->model;
    in->weights_quant = in->quant;
}

/* Whether in's candidate fits (fit verdict not `no`), as
 * lm_estimate_compute would say, from the memory side alone. */
static int fits_at(const struct lm_est_input *in)
{
    if (in->offer != NULL || in->model == NULL || in->hw == NULL || in->quant == NULL ||
        isnan(in->model->params_b)) {
        struct lm_estimate e;
        lm_estimate_compute(in, &e, NULL);
        return e.fit != LM_FIT_NO;
    }
    struct shape s = model_shape(in->model);
    struct memory need;
    memory_need(in, &s, &need);
    return lm_fit_verdict(need.usable / GIB, need.mem / GIB) != LM_FIT_NO;
}

/* See lm_est_memo_new (estimate.h). */
struct lm_est_memo {
    int valid;
    const struct lm_model *m;
    const struct lm_quant *q;
    const struct lm_hardware *hw;
    const struct lm_runtime *rt;
    double devices;
    struct shape s;
    struct memory mm;
    struct speed_ctx c;
    const struct lm_calibration *cal;
    double bmax; /* size_bmax's, before the device placement's floor of 1 */
};

struct lm_est_memo *lm_est_memo_new(void)
{
    /* On cache lines of its own: a memo is written for every candidate,
     * and the engine's threads each have one (recommend.c), which must not
     * share a line with another thread's data. */
    size_t size = (sizeof(struct lm_est_memo) + 63) & ~(size_t)63;
    struct lm_est_memo *memo = aligned_alloc(64, size);
    if (memo != NULL)
        memset(memo, 0, size);
    return memo;
}

void lm_est_memo_free(struct lm_est_memo *memo)
{
    free(memo);
}

static const char src_design[] = "DESIGN.md §4";

void lm_estimate_compute(const struct lm_est_input *in, struct lm_estimate *out,
                         struct lm_basis *basis)
{
    /* Every field unknown: a constant, copied (building it field by field
     * cost about as much as the copy, on every one of a run's estimates). */
    static const struct lm_estimate z = {
        .memory_gib = DNAN, .memory_per_device_gib = DNAN, .weights_gib = DNAN,
        .kv_cache_gib = DNAN, .overhead_gib = DNAN, .usable_gib = DNAN, .headroom_gib = DNAN,
        .fit = -1, .decode_tokens_per_s = DNAN, .prefill_tokens_per_s = DNAN,
        .ttft_ms = DNAN, .e2e_ms = DNAN, .max_concurrency = DNAN, .instances = DNAN,
        .batch_cap = DNAN, .bmax_decode_tokens_per_s = DNAN,
        .sizing_lo_tps = DNAN, .sizing_hi_tps = DNAN,
        .capacity_requests_per_day = DNAN, .utilization = DNAN,
        .usd_per_month = DNAN, .break_even_requests_per_day = DNAN, .quality = DNAN,
        .finetune_method = -1, .finetune_hours = DNAN, .finetune_usd = DNAN,
        .error_bands = { DNAN, DNAN, DNAN, DNAN }, .flags = 0
    };
    *out = z;
    out->host_memory_gib = DNAN;
    out->host_usable_gib = DNAN;
    out->host_fit = -1;
    out->cpu_moe_layers = 0;
    if (basis != NULL)
        basis->n = 0;
    if (in == NULL || in->model == NULL)
        return;
    if (in->offer != NULL) {
        estimate_api(in, out, basis);
        return;
    }
    if (in->hw == NULL || in->quant == NULL || isnan(in->model->params_b))
        return;

    const struct lm_model *m = in->model;
    const struct lm_hardware *hw = in->hw;
    const struct lm_quant *q = in->quant;
    const struct lm_runtime *rt = in->runtime;
    double devices = in->devices >= 1 ? in->devices : 1;
    double bpe = in->kv_bytes_per_element > 0 ? in->kv_bytes_per_element : 2.0;
    double batch = in->batch >= 1 ? in->batch : 1;
    unsigned flags = in->extra_flags;
    /* The placement-free part (shape, memory, speed set-up, B_max) from the
     * caller's memo when it holds this model, format, hardware, runtime and
     * device count. */
    struct lm_est_memo *memo = in->memo;
    int hit = memo != NULL && memo->valid && memo->m == m && memo->q == q && memo->hw == hw &&
              memo->rt == rt && memo->devices == devices;
    struct shape s;
    struct memory mm;
    if (hit) {
        s = memo->s;
        mm = memo->mm;
    } else {
        s = model_shape(m);
        memory_need(in, &s, &mm);
    }
    if (!s.exact)
        flags |= LM_EST_KV_FALLBACK;
    if (hw->hw_class == LM_HW_PHONE)
        flags |= LM_EST_PHONE;

    /* Memory. */
    double wfile = mm.wfile, weights = mm.weights, kv = mm.kv, over = mm.over;
    double usable = mm.usable, mem = mm.mem;
    struct offload off = mm.off;
    if (!isnan(wfile))
        flags |= LM_EST_WEIGHTS_FILE;
    out->weights_gib = (weights - off.host_bytes) / GIB;
    out->kv_cache_gib = kv / GIB;
    out->overhead_gib = over / GIB;
    out->memory_gib = mem / GIB;
    out->memory_per_device_gib = out->memory_gib / devices;
    out->usable_gib = usable / GIB;
    out->headroom_gib = out->usable_gib - out->memory_gib;
    out->fit = lm_fit_verdict(out->usable_gib, out->memory_gib);
    if (off.layers > 0) {
        flags |= LM_EST_OFFLOAD;
        /* The host side: the offloaded experts in system RAM, against the
         * host profile's usable memory (its OS and other programs are what
         * usable_fraction leaves out). */
        out->cpu_moe_layers = off.layers;
        out->host_memory_gib = off.host_bytes / GIB;
        out->host_usable_gib = in->host->memory_gib * in->host->usable_fraction;
        out->host_fit = lm_fit_verdict(out->host_usable_gib, out->host_memory_gib);
    }

    /* Speed. */
    const struct lm_calibration *cal = NULL;
    struct speed_ctx c;
    if (hit) {
        c = memo->c;
        cal = memo->cal;
    } else {
        speed_setup(in, &s, weights, &off, &c, &cal);
    }
    if (cal == NULL || (cal->source != NULL && cal->source[0] == 'a' &&
                        strncmp(cal->source, "assumption", 10) == 0))
        flags |= LM_EST_NO_CALIBRATION;
    int fp8 = is_fp8(q) && !isnan(hw->fp8_tflops);
    double peak_tflops = c.flops / 1e12 / devices;

    /* Sizing before decode (§4, §9.1): the decode speed is per stream at the
     * sized batch B_max (at least `batch`, estimate --batch). Every placement
     * batches up to the cap; a device is one machine, which serves its own
     * stream at its own speed even below the target. */
    int device = in->placement == LM_PLACE_DEVICE;
    int sized = !device;
    double peak = floor(nz(in->peak_concurrency, 1));
    if (peak < 1)
        peak = 1;
    double t = in->prompt_tokens > 0 ? in->prompt_tokens : 1;
    double pf = prefill_flops(&c, t);
    double prefill_s = pf / (c.mfu * c.flops) / c.tp;
    out->prefill_tokens_per_s = t / prefill_s;
    out->batch_cap = lm_estimate_batch_cap(in);
    double bmax = hit ? memo->bmax : size_bmax(&c, in, weights + over, usable, out->batch_cap);
    if (memo != NULL && !hit) {
        memo->m = m;
        memo->q = q;
        memo->hw = hw;
        memo->rt = rt;
        memo->devices = devices;
        memo->s = s;
        memo->mm = mm;
        memo->c = c;
        memo->cal = cal;
        memo->bmax = bmax;
        memo->valid = 1;
    }
    if (in->want_sizing_interval)
        sizing_interval(&c, in, weights + over, usable, out->batch_cap, bmax, device,
                        &out->sizing_lo_tps, &out->sizing_hi_tps);
    if (device && bmax < 1)
        bmax = 1;
    out->max_concurrency = bmax;
    double bdec = batch;
    if (bmax > bdec)
        bdec = bmax;
    out->decode_tokens_per_s = decode_tps(&c, in->decode_context, bdec);

    out->ttft_ms = 1000.0 * (prefill_s + step_seconds(&c, t, 1) / c.tp) + c.ttft_overhead_s * 1000.0;
    out->e2e_ms = out->ttft_ms + 1000.0 * in->output_tokens / out->decode_tokens_per_s;

    /* Throughput capacity (§9.1). One instance at batch B is busy
     * w(B) = input_tokens / prefill + output_tokens / (B × per-stream speed)
     * seconds per request, so it serves C = 1 / w requests a second.
     * instances = max(ceil(peak / B_max), ceil(λ / (ρ × C))).
     * Worked example (docs/scoring.md, "Capacity"): 50 M requests a day of
     * 300 + 5 tokens on one GPU that prefills 20 000 tokens/s and decodes
     * 40 tokens/s per stream at B 64: w = 0.015 + 5 / 2560 = 0.01695 s,
     * C = 59.0/s; λ = 578.7/s at ρ 0.7 needs ceil(14.01) = 15 instances. */
    double lambda = arrival_rate(in);
    double rho = nz(in->target_utilization, 0.7);
    if (!(rho > 0 && rho <= 1))
        rho = 0.7;
    double window = nz(in->window_hours, 24);
    if (!(window > 0 && window <= 24))
        window = 24;
    /* With B_max 0 (a sized candidate that misses the target even alone;
     * latency.decode rejects it) capacity is taken at one stream, so that
     * its cost and capacity are those of its one-stream sizing and only
     * max_concurrency and instances say that it fails (flip.c relies on
     * this: sized_variant). */
    double bcap = bmax >= 1 ? bmax : 1;
    double w = nz(in->input_tokens, 0) / out->prefill_tokens_per_s +
               nz(in->output_tokens, 0) / (bcap * out->decode_tokens_per_s);
    double cap_rps = w > 0 ? 1.0 / w : DNAN;
    out->capacity_requests_per_day = rho * cap_rps * 3600.0 * window;
    double by_volume = isfinite(cap_rps) ? ceil(lambda / (rho * cap_rps) - 1e-9) : 1;
    if (by_volume < 1)
        by_volume = 1;
    double by_peak = ceil(peak / bcap);
    double needed = by_volume > by_peak ? by_volume : by_peak;
    if (device)
        out->instances = 1;
    else
        out->instances = bmax >= 1 ? needed : DNAN;
    /* Instances the cost counts: B_max 0 costs its one-stream sizing so that
     * it never looks free. */
    double inst = device ? 1 : needed;
    out->utilization = isfinite(cap_rps) ? lambda / (inst * cap_rps) : DNAN;

    /* The batch the load fills (§9.1): B_max sizes the instances; the
     * streams then run at the smallest batch that still carries λ on them
     * at ρ with peak / instances streams each, so the per-stream speed is
     * reported at that batch (a faster GPU fills no bigger batch than the
     * load needs, and is never reported slower). Capacity and utilization
     * stay those of B_max. */
    out->bmax_decode_tokens_per_s = out->decode_tokens_per_s;
    if (bmax > 1 && bdec > 1 && isfinite(cap_rps)) {
        double need_rps = lambda / (rho * inst);
        double lo = ceil(peak / inst), hi = bdec;
        if (lo < batch)
            lo = batch;
        if (lo < 1)
            lo = 1;
        while (lo < hi) {
            double mid = floor((lo + hi) / 2);
            double wb = nz(in->input_tokens, 0) / out->prefill_tokens_per_s +
                        nz(in->output_tokens, 0) / (mid * decode_tps(&c, in->decode_context, mid));
            if (wb > 0 && 1.0 / wb >= need_rps)
                hi = mid;
            else
                lo = mid + 1;
        }
        if (lo < bdec) {
            bdec = lo;
            out->decode_tokens_per_s = decode_tps(&c, in->decode_context, bdec);
            out->e2e_ms = out->ttft_ms + 1000.0 * in->output_tokens / out->decode_tokens_per_s;
        }
    }

    /* Cost per month (DESIGN §4, §9.1, §9.2). */
    double e2e_s = out->e2e_ms / 1000.0;
    double kwh = nz(in->usd_per_kwh, 0.15);
    double months = nz(in->amortization_months, 36);
    double power_kw = hw->power_w / 1000.0;
    int owned = in->owned_count > 0;
    double util = DNAN;
    double billed_h = HOURS_PER_MONTH;
    switch ((enum lm_placement)in->placement) {
    case LM_PLACE_CLOUD:
        /* Worked example: 1 instance × 1 L4 × $0.8048 × 730 = $587.50; with
         * scale_to_zero and an 8-hour window, 8 × 30.42 = 243.4 h: $195.85. */
        if (in->scale_to_zero == 1 && window < 24)
            billed_h = window * DAYS_PER_MONTH;
        out->usd_per_month = inst * devices * nz(hw->usd_per_hour, DNAN) * billed_h;
        break;
    case LM_PLACE_ONPREM: {
        /* Worked example: 1 × 1 RTX 4090 bought: 1599 / 36 + 0.45 × 730 ×
         * (0.3 + 0.7 × util) × 0.15; at util 0.1 that is 44.42 + 18.23 =
         * $62.65. Owned (§9.2): the energy alone, $18.23. util is the
         * fraction of the day the instances are busy. */
        util = isfinite(cap_rps)
                   ? fmin(1.0, nz(in->requests_per_day, 0) / (86400.0 * inst * cap_rps))
                   : 0;
        double energy = isnan(power_kw)
                            ? 0
                            : power_kw * HOURS_PER_MONTH * (0.3 + 0.7 * util) * kwh;
        if (isnan(power_kw))
            flags |= LM_EST_NO_POWER;
        double buy = owned ? 0 : hw->purchase_usd / months;
        if (isnan(buy))
            flags |= LM_EST_NO_PRICE;
        out->usd_per_month = inst * devices * (buy + energy);
        break;
    }
    case LM_PLACE_DEVICE:
    case LM_PLACE_API:
    default: {
        /* Worked example: 200 requests/day of 12 s on a 22 W M4 at
         * $0.15/kWh: busy 20.28 h → 0.022 × 20.28 × 0.15 = $0.07. Requests
         * batched B at a time share the decode time, not the time to the
         * first token: prompts are processed one after another (the
         * capacity model above counts input / prefill per request too), so
         * only e2e − TTFT is divided by B. At most every hour of the month.
         * A device the team does not own is bought (§9.2): + purchase_usd /
         * amortization_months. */
        double ttft_s = out->ttft_ms / 1000.0;
        double busy_s = bdec > 1 && ttft_s < e2e_s ? ttft_s + (e2e_s - ttft_s) / bdec : e2e_s;
        double busy_h = in->requests_per_day * DAYS_PER_MONTH * busy_s / 3600.0;
        if (busy_h > HOURS_PER_MONTH)
            busy_h = HOURS_PER_MONTH;
        double energy = 0;
        if (isnan(power_kw))
            flags |= LM_EST_NO_POWER;
        else
            energy = power_kw * busy_h * kwh;
        double buy = owned ? 0 : devices * hw->purchase_usd / months;
        if (isnan(buy))
            flags |= LM_EST_NO_PRICE;
        out->usd_per_month = energy + buy;
        break;
    }
    }

    out->quality = in->quality_model == m
                       ? in->quality_composite
                       : lm_quality_composite(m, in->task_kind, in->task_has_image);
    if (!isnan(out->quality))
        out->quality -= nz(q->quality_delta, 0);

    /* Fine-tuning (DESIGN §4). */
    double ft_tokens = DNAN, ft_need = DNAN;
    if (!isnan(in->labeled_examples)) {
        static const double bpp[3] = { 16.0, 2.0, 0.5 };
        double seq = in->input_tokens + in->output_tokens;
        double ft_usable = hw->memory_gib * GIB * hw->usable_fraction * devices;
        ft_tokens = finetune_tokens(in);
        for (int k = LM_FT_FULL; k <= LM_FT_QLORA; k++) {
            if (!has_finetune(m, lm_ft_method_names[k]))
                continue;
            double need = finetune_bytes(m, &s, bpp[k], seq);
            if (need > ft_usable)
                continue;
            ft_need = need;
            out->finetune_method = k;
            /* 6·P·T (full) or 4·P·T (LoRA/QLoRA: forward and the input
             * gradients through frozen weights, no weight gradients),
             * P active, over mfu × fp16_tflops × devices (PEERS.md §3 F9).
             * Worked example: Llama-3.1-8B LoRA, 5000 examples × 600 tokens
             * × 3 = 9e6 tokens: 4 × 8.03e9 × 9e6 = 2.891e17 FLOPs; on an
             * L4 at mfu 0.22 (llama.cpp datacenter row): 2.891e17 /
             * (0.22 × 121e12) / 3600 = 3.02 h (test_finetune). */
            double factor = k == LM_FT_FULL ? 6.0 : 4.0;
            if (k != LM_FT_FULL)
                flags |= LM_EST_FT_APPROX;
            double tflops = nz(hw->fp16_tflops, hw->bandwidth_gbps * FLOPS_PER_BYTE_FALLBACK / 1000.0);
            out->finetune_hours = factor * active_params(m) * ft_tokens /
                                  (c.mfu * tflops * 1e12 * devices) / 3600.0;
            if (in->placement == LM_PLACE_CLOUD)
                out->finetune_usd = nz(hw->usd_per_hour, DNAN) * devices * out->finetune_hours;
            else
                out->finetune_usd = isnan(power_kw) ? 0
                                                     : power_kw * devices * out->finetune_hours * kwh;
            break;
        }
    }

    out->flags = flags;
    out->error_bands = bands_for(flags, 0);

    if (basis == NULL)
        return;

    /* Basis, one entry per field (DESIGN §6.1). */
    struct lm_basis_entry *e;
    if (!isnan(wfile)) {
        e = basis_add(basis, "weights_gib", "file-size", "bytes / 2^30", m->origin);
        basis_num(e, "bytes", wfile);
    } else {
        e = basis_add(basis, "weights_gib", "formula",
                      "(block × bits_per_weight + (tied ? E × output_bits_per_weight : E × "
                      "(embedding_bits_per_weight + output_bits_per_weight))) / 8 / 2^30, E = vocab × "
                      "hidden, block = P − E × (tied ? 1 : 2)",
                      q->origin);
        basis_num(e, "params", params(m));
        basis_num(e, "E", s.exact ? s.vocab * s.hidden : 0);
        basis_num(e, "bits_per_weight", q->bits_per_weight);
        basis_num(e, "embedding_bits_per_weight", nz(q->embedding_bits_per_weight, q->bits_per_weight));
        basis_num(e, "output_bits_per_weight", nz(q->output_bits_per_weight, q->bits_per_weight));
        basis_num(e, "tied", s.tied);
    }
    basis_str(e, "quantization", q->id);
    if (s.exact) {
        e = basis_add(basis, "kv_cache_gib", "formula",
                      "2 × kv_heads × head_dim × bytes_per_element × sequences × "
                      "(full_layers × tokens + swa_layers × min(sliding_window, tokens)) / 2^30",
                      "PEERS.md §3 F2 (hf-mem kv_cache.py; Ollama GraphSize)");
        basis_num(e, "kv_heads", s.kv_heads);
        basis_num(e, "head_dim", s.head_dim);
        basis_num(e, "layers", s.layers);
        basis_num(e, "swa_layers", s.swa_layers);
        basis_num(e, "sliding_window", s.window);
    } else {
        e = basis_add(basis, "kv_cache_gib", "fallback",
                      "50530 × params_b^0.463 × bytes_per_element / 2 × tokens × sequences / 2^30",
                      "docs/accuracy.md (fit over the catalog's models with an architecture)");
        basis_num(e, "params_b", m->params_b);
    }
    basis_num(e, "bytes_per_element", bpe);
    basis_num(e, "tokens", in->context_tokens);
    basis_num(e, "sequences", batch);

    e = basis_add(basis, "overhead_gib", "runtime",
                  "overhead_gib × devices + compute_buffer_ubatch × (vocab + hidden) × 4 B × devices + "
                  "weights_overhead_fraction × weights + (activation + non_torch) × devices",
                  rt ? rt->origin : src_design);
    basis_str(e, "runtime", rt ? rt->id : "none");
    basis_num(e, "devices", devices);
    if (rt != NULL) {
        basis_num(e, "overhead_gib", rt->overhead_gib);
        basis_num(e, "compute_buffer_ubatch", rt->compute_buffer_ubatch);
        basis_num(e, "weights_overhead_fraction", rt->weights_overhead_fraction);
        basis_num(e, "activation_gib", rt->activation_gib);
        basis_num(e, "non_torch_gib", devices >= 2 ? rt->non_torch_multi_gib : rt->non_torch_gib);
    }

    e = basis_add(basis, "usable_gib", "profile",
                  "memory_gib × min(usable_fraction, max_usable_fraction) × devices", hw->origin);
    basis_num(e, "memory_gib", hw->memory_gib);
    basis_num(e, "usable_fraction", hw->usable_fraction);
    basis_num(e, "max_usable_fraction", rt ? rt->max_usable_fraction : DNAN);
    basis_num(e, "devices", devices);

    e = basis_add(basis, "fit", "rule",
                  "fits when headroom ≥ 2 GiB or ≥ 20 % of usable; tight when ≥ 0; else no",
                  src_design);
    basis_num(e, "headroom_gib", out->headroom_gib);
    basis_num(e, "usable_gib", out->usable_gib);

    const char *cal_src = cal ? cal->source : "no calibration row: defaults (docs/accuracy.md)";
    int calibrated = !(flags & LM_EST_NO_CALIBRATION);
    e = basis_add(basis, "decode_tokens_per_s", calibrated ? "roofline" : "roofline-uncalibrated",
                  "0.9^log2(devices) / max(active_weights / (efficiency × bandwidth × devices) + "
                  "B × KV(context) / (kv_efficiency × bandwidth × devices) + layers × "
                  "per_layer_overhead, 2 × active_P × B / (mfu × flops_peak × devices))",
                  cal_src);
    basis_num(e, "active_weights_gib", c.weights_active / GIB);
    basis_num(e, "kv_context_tokens", in->decode_context);
    basis_num(e, "batch", bdec);
    basis_num(e, "bandwidth_gbps", hw->bandwidth_gbps);
    basis_num(e, "efficiency", c.eff);
    basis_num(e, "kv_efficiency", c.kv_eff);
    basis_num(e, "per_layer_overhead_us", c.layer_s * 1e6);
    basis_num(e, "layers", s.layers);
    basis_num(e, "devices", devices);
    if (flags & LM_EST_PHONE)
        basis_str(e, "flag", "phone profile: bandwidth weakly sourced, no phone measurement");
    else if (flags & LM_EST_LOCAL_BUILT)
        basis_str(e, "flag", "built local profile: bandwidth and FLOPs are assumptions");

    e = basis_add(basis, "prefill_tokens_per_s",
                  calibrated ? "compute-bound" : "compute-bound-uncalibrated",
                  "T / ((2 × active_P × T + 2 × layers × T² × attention_heads × head_dim) / "
                  "(mfu × flops_peak × devices)) × 0.9^log2(devices)",
                  cal_src);
    basis_num(e, "prompt_tokens", t);
    basis_num(e, "flops", pf);
    basis_num(e, "mfu", c.mfu);
    basis_num(e, "flops_peak_tflops", peak_tflops);
    basis_str(e, "flops_peak", fp8 ? "fp8_tflops"
                               : isnan(hw->fp16_tflops) ? "assumed 20 FLOP per byte of bandwidth"
                                                        : "fp16_tflops");

    e = basis_add(basis, "ttft_ms", "compute-bound",
                  "prefill time + one decode step + ttft_overhead_ms", cal_src);
    basis_num(e, "prompt_tokens", t);
    basis_num(e, "prefill_ms", 1000.0 * prefill_s);
    basis_num(e, "ttft_overhead_ms", 1000.0 * c.ttft_overhead_s);

    if (off.layers > 0) {
        e = basis_add(basis, "host_memory_gib", "expert-offload",
                      "expert_params × bytes_per_param × cpu_moe_layers / layers; read per token: "
                      "× experts_per_token / experts, at host bandwidth × the host row's efficiency",
                      "llama.cpp --n-cpu-moe (common/arg.cpp); docs/accuracy.md, \"MoE\"");
        basis_str(e, "host", in->host->id);
        basis_num(e, "cpu_moe_layers", off.layers);
        basis_num(e, "layers", s.layers);
        basis_num(e, "expert_params_b", m->arch.expert_params_b);
        basis_num(e, "experts", m->arch.experts);
        basis_num(e, "experts_per_token", m->arch.experts_per_token);
        basis_num(e, "host_active_gib", off.host_active / GIB);
        basis_num(e, "host_bandwidth_gbps", in->host->bandwidth_gbps);
        basis_num(e, "host_effective_gbps", c.host_bw / 1e9);
        basis_num(e, "host_usable_gib", out->host_usable_gib);
    }

    e = basis_add(basis, "max_concurrency", "sizing",
                  device ? "largest B ≤ batch cap with weights + overhead + KV(B × context) ≤ usable "
                           "and per-stream decode ≥ target; at least 1 on a device"
                         : "largest B ≤ batch cap with weights + overhead + KV(B × context) ≤ usable "
                           "and per-stream decode ≥ target",
                  src_design);
    basis_num(e, "peak_concurrency", in->peak_concurrency);
    basis_num(e, "batch_cap", out->batch_cap);
    basis_num(e, "target_tokens_per_s", nz(in->target_tokens_per_s, 10));
    basis_num(e, "context_tokens", in->context_tokens);
    e = basis_add(basis, "capacity_requests_per_day", "throughput",
                  "target_utilization × 3600 × window_hours / (input_tokens / prefill_tokens_per_s + "
                  "output_tokens / (B_max × decode_tokens_per_s))",
                  "DESIGN.md §9.1");
    basis_num(e, "target_utilization", rho);
    basis_num(e, "window_hours", window);
    basis_num(e, "requests_per_second", cap_rps);
    basis_num(e, "max_concurrency", out->max_concurrency);
    basis_num(e, "decode_tokens_per_s_at_max_concurrency", out->bmax_decode_tokens_per_s);
    if (sized) {
        e = basis_add(basis, "instances", "sizing",
                      "max(ceil(peak_concurrency / max_concurrency), ceil(arrival_rate / "
                      "(target_utilization × capacity_per_s)))",
                      "DESIGN.md §9.1");
        basis_num(e, "max_concurrency", out->max_concurrency);
        basis_num(e, "arrival_rate_per_s", lambda);
        basis_num(e, "capacity_per_s", cap_rps);
    }

    switch ((enum lm_placement)in->placement) {
    case LM_PLACE_CLOUD:
        e = basis_add(basis, "usd_per_month", "cloud",
                      "instances × devices × usd_per_hour × billed hours (730, or window_hours × "
                      "30.42 with scale_to_zero)", hw->origin);
        basis_num(e, "instances", inst);
        basis_num(e, "devices", devices);
        basis_num(e, "usd_per_hour", hw->usd_per_hour);
        if (hw->cloud_provider != NULL)
            basis_str(e, "provider", hw->cloud_provider);
        basis_num(e, "billed_hours", billed_h);
        break;
    case LM_PLACE_ONPREM:
        e = basis_add(basis, "usd_per_month", owned ? "owned" : "on-prem",
                      owned ? "instances × devices × power_w / 1000 × 730 × (0.3 + 0.7 × util) × "
                              "usd_per_kwh (owned: energy only, DESIGN §9.2)"
                            : "instances × devices × (purchase_usd / amortization_months + power_w / "
                              "1000 × 730 × (0.3 + 0.7 × util) × usd_per_kwh)",
                      hw->origin);
        basis_num(e, "instances", inst);
        basis_num(e, "devices", devices);
        if (!owned) {
            basis_num(e, "purchase_usd", hw->purchase_usd);
            basis_num(e, "amortization_months", months);
        }
        basis_num(e, "power_w", hw->power_w);
        basis_num(e, "util", util);
        basis_num(e, "usd_per_kwh", kwh);
        if (flags & LM_EST_NO_PRICE)
            basis_str(e, "flag", "bought hardware without price.purchase_usd: cost unknown");
        break;
    case LM_PLACE_DEVICE:
    case LM_PLACE_API:
    default:
        e = basis_add(basis, "usd_per_month", owned ? "owned" : "device",
                      owned ? "power_w / 1000 × requests_per_day × 30.42 × e2e_s / batch / 3600 × "
                              "usd_per_kwh (owned: energy only, DESIGN §9.2)"
                            : "purchase_usd / amortization_months + power_w / 1000 × requests_per_day "
                              "× 30.42 × e2e_s / batch / 3600 × usd_per_kwh (bought, DESIGN §9.2)",
                      hw->origin);
        if (!owned) {
            basis_num(e, "purchase_usd", hw->purchase_usd);
            basis_num(e, "amortization_months", months);
        }
        basis_num(e, "power_w", hw->power_w);
        basis_num(e, "requests_per_day", in->requests_per_day);
        basis_num(e, "e2e_s", e2e_s);
        basis_num(e, "batch", bdec);
        basis_num(e, "usd_per_kwh", kwh);
        if (flags & LM_EST_NO_PRICE)
            basis_str(e, "flag", "not owned and no price.purchase_usd: cost unknown");
        else if (flags & LM_EST_NO_POWER)
            basis_str(e, "flag", "no power_w in the hardware profile: energy cost 0");
        break;
    }

    e = basis_add(basis, "quality", "composite",
                  "weighted mean of the task's benchmarks, published or imputed by the "
                  "catalog's factor fit (DESIGN §9.4) − quality_delta",
                  m->origin);
    basis_str(e, "task_kind", in->task_kind);
    basis_num(e, "quality_delta", nz(q->quality_delta, 0));
    basis_num(e, "band_points", lm_quality_composite_band(m, in->task_kind, in->task_has_image));

    if (!isnan(in->labeled_examples)) {
        e = basis_add(basis, "finetune_hours", out->finetune_method == LM_FT_FULL ? "6PT" : "4PT",
                      "(6 full | 4 lora/qlora) × active_P × T / (mfu × fp16_tflops × devices) / "
                      "3600; memory: 16 | 2 | 0.5 B/param + checkpointed activations",
                      "PEERS.md §3 F9; Korthikanti et al. 2022 (activations)");
        basis_num(e, "training_tokens", ft_tokens);
        basis_num(e, "memory_gib", ft_need / GIB);
        basis_str(e, "method", out->finetune_method >= 0 ? lm_ft_method_names[out->finetune_method]
                                                          : "none fits");
        if (flags & LM_EST_FT_APPROX)
            basis_str(e, "flag", "LoRA/QLoRA time approximated by 4·P·T");
    }
}

void lm_est_input_init(struct lm_est_input *in)
{
    memset(in, 0, sizeof(*in));
    in->placement = LM_PLACE_DEVICE;
    in->devices = 1;
    in->batch = 1;
    in->kv_bytes_per_element = 2;
    in->requests_per_day = 200;
    in->input_tokens = 1000;
    in->output_tokens = 300;
    in->peak_concurrency = 1;
    in->window_hours = 24;
    in->target_utilization = 0.7;
    in->scale_to_zero = -1;
    in->owned_count = 0; /* §9.2: hardware is bought unless declared owned */
    in->target_tokens_per_s = 10;
    in->usd_per_kwh = 0.15;
    in->amortization_months = 36;
    in->labeled_examples = (double)NAN;
    in->task_kind = "chat";
    in->context_tokens = 8192;
    in->decode_context = in->input_tokens + in->output_tokens / 2;
    in->prompt_tokens = in->input_tokens;
}

/* §5 step 1: one device; on-prem or cloud, when that does not fit, the
 * smallest of 2, 4, 8 (≤ max_devices) that does; else one device (rejected
 * later by memory.fit). A device placement always uses one device. */
void lm_estimate_devices(struct lm_est_input *in, struct lm_estimate *est)
{
    in->devices = 1;
    lm_estimate_compute(in, est, NULL);
    if (est->fit != LM_FIT_NO || in->placement == LM_PLACE_DEVICE)
        return;
    /* Only the memory side decides the count: the speed and cost formulas
     * run once, for the count chosen. */
    static const double more[] = { 2, 4, 8 };
    for (size_t i = 0; i < 3 && more[i] <= in->hw->max_devices; i++) {
        struct lm_est_input t = *in;
        t.devices = more[i];
        if (fits_at(&t)) {
            *in = t;
            lm_estimate_compute(in, est, NULL);
            return;
        }
    }
    /* None fits: *est is still the one-device estimate. */
}
