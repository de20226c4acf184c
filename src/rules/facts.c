/*
 * The fact table of DESIGN §3.4 and its resolver. Generated once by hand
 * from a list (keep the table and the switch in the same order: a fact's id
 * is its index). To add a fact: add a row to the table and a case to
 * lm__fact_get, and document it in docs/rules.md.
 *
 * The resolver never allocates: numbers and borrowed strings go straight
 * into the value; the two computed strings are formatted into buffers of the
 * context. Absent values (NAN numbers, NULL strings, -1 booleans) are null.
 */
#include "rules/facts.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

static const char *const class_values[] = { "slm", "llm", NULL };
static const char *const kind_values[] = { "self-hosted", "api", NULL };
static const char *const placement_values[] = { "device", "on-prem", "cloud", "api", NULL };

static const struct lm_fact_def defs[] = {
    { "model.id", LM_T_STR, NULL },
    { "model.name", LM_T_STR, NULL },
    { "model.family", LM_T_STR, NULL },
    { "model.params_b", LM_T_NUM, NULL },
    { "model.active_params_b", LM_T_NUM, NULL },
    { "model.context_tokens", LM_T_NUM, NULL },
    { "model.modalities", LM_T_LIST, NULL },
    { "model.open_weights", LM_T_BOOL, NULL },
    { "model.license", LM_T_STR, NULL },
    { "model.commercial_use", LM_T_BOOL, NULL },
    { "model.finetune", LM_T_LIST, NULL },
    { "model.class", LM_T_ENUM, class_values },
    { "model.architecture.layers", LM_T_NUM, NULL },
    { "model.architecture.hidden", LM_T_NUM, NULL },
    { "model.architecture.attention_heads", LM_T_NUM, NULL },
    { "model.architecture.kv_heads", LM_T_NUM, NULL },
    { "model.architecture.head_dim", LM_T_NUM, NULL },
    { "model.architecture.vocab", LM_T_NUM, NULL },
    { "model.architecture.sliding_window", LM_T_NUM, NULL },
    { "model.architecture.sliding_window_layers", LM_T_NUM, NULL },
    { "model.architecture.tied_embeddings", LM_T_BOOL, NULL },
    { "model.quality.mmlu", LM_T_NUM, NULL },
    { "model.quality.mmlu_pro", LM_T_NUM, NULL },
    { "model.quality.gpqa", LM_T_NUM, NULL },
    { "model.quality.bbh", LM_T_NUM, NULL },
    { "model.quality.ifeval", LM_T_NUM, NULL },
    { "model.quality.gsm8k", LM_T_NUM, NULL },
    { "model.quality.math", LM_T_NUM, NULL },
    { "model.quality.humaneval", LM_T_NUM, NULL },
    { "model.quality.mbpp", LM_T_NUM, NULL },
    { "model.quality.mgsm", LM_T_NUM, NULL },
    { "model.quality.mmmu", LM_T_NUM, NULL },
    { "model.quality.bfcl", LM_T_NUM, NULL },
    { "model.quality.mmlu_redux", LM_T_NUM, NULL },
    { "model.quality.gpqa_diamond", LM_T_NUM, NULL },
    { "model.quality.math_500", LM_T_NUM, NULL },
    { "model.quality.aime24", LM_T_NUM, NULL },
    { "model.quality.aime25", LM_T_NUM, NULL },
    { "model.quality.livecodebench", LM_T_NUM, NULL },
    { "model.quality.swe_bench_verified", LM_T_NUM, NULL },
    { "model.quality.aider_polyglot", LM_T_NUM, NULL },
    { "model.quality.arena_elo", LM_T_NUM, NULL },
    { "model.api.provider", LM_T_STR, NULL },
    { "model.api.input_usd_per_mtok", LM_T_NUM, NULL },
    { "model.api.output_usd_per_mtok", LM_T_NUM, NULL },
    { "model.api.ttft_ms", LM_T_NUM, NULL },
    { "model.api.output_tokens_per_s", LM_T_NUM, NULL },
    { "model.api.finetune_usd_per_mtok", LM_T_NUM, NULL },
    { "model.api.data_use", LM_T_ENUM, lm_data_use_names },
    { "model.api.regions", LM_T_LIST, NULL },
    { "hardware.id", LM_T_STR, NULL },
    { "hardware.name", LM_T_STR, NULL },
    { "hardware.class", LM_T_ENUM, lm_hw_class_names },
    { "hardware.vendor", LM_T_ENUM, lm_vendor_names },
    { "hardware.memory_gib", LM_T_NUM, NULL },
    { "hardware.usable_fraction", LM_T_NUM, NULL },
    { "hardware.bandwidth_gbps", LM_T_NUM, NULL },
    { "hardware.fp16_tflops", LM_T_NUM, NULL },
    { "hardware.fp8_tflops", LM_T_NUM, NULL },
    { "hardware.power_w", LM_T_NUM, NULL },
    { "hardware.max_devices", LM_T_NUM, NULL },
    { "hardware.placements", LM_T_LIST, NULL },
    { "hardware.price.purchase_usd", LM_T_NUM, NULL },
    { "hardware.price.usd_per_hour", LM_T_NUM, NULL },
    { "quant.id", LM_T_STR, NULL },
    { "quant.bits_per_weight", LM_T_NUM, NULL },
    { "quant.quality_delta", LM_T_NUM, NULL },
    { "candidate.id", LM_T_STR, NULL },
    { "candidate.kind", LM_T_ENUM, kind_values },
    { "candidate.placement", LM_T_ENUM, placement_values },
    { "candidate.placement_name", LM_T_STR, NULL },
    { "candidate.devices", LM_T_NUM, NULL },
    { "candidate.runtime", LM_T_STR, NULL },
    { "candidate.provider", LM_T_STR, NULL },
    { "candidate.privacy_level", LM_T_ENUM, lm_privacy_names },
    { "candidate.meets_privacy", LM_T_BOOL, NULL },
    { "candidate.in_region", LM_T_BOOL, NULL },
    { "estimate.memory_gib", LM_T_NUM, NULL },
    { "estimate.memory_per_device_gib", LM_T_NUM, NULL },
    { "estimate.weights_gib", LM_T_NUM, NULL },
    { "estimate.kv_cache_gib", LM_T_NUM, NULL },
    { "estimate.overhead_gib", LM_T_NUM, NULL },
    { "estimate.usable_gib", LM_T_NUM, NULL },
    { "estimate.headroom_gib", LM_T_NUM, NULL },
    { "estimate.fit", LM_T_ENUM, lm_fit_names },
    { "estimate.decode_tokens_per_s", LM_T_NUM, NULL },
    { "estimate.prefill_tokens_per_s", LM_T_NUM, NULL },
    { "estimate.ttft_ms", LM_T_NUM, NULL },
    { "estimate.max_concurrency", LM_T_NUM, NULL },
    { "estimate.instances", LM_T_NUM, NULL },
    { "estimate.usd_per_month", LM_T_NUM, NULL },
    { "estimate.break_even_requests_per_day", LM_T_NUM, NULL },
    { "estimate.quality", LM_T_NUM, NULL },
    { "estimate.finetune_method", LM_T_ENUM, lm_ft_method_names },
    { "estimate.finetune_hours", LM_T_NUM, NULL },
    { "estimate.finetune_usd", LM_T_NUM, NULL },
    { "task.kind", LM_T_ENUM, lm_task_kind_names },
    { "task.breadth", LM_T_ENUM, lm_breadth_names },
    { "task.modalities", LM_T_LIST, NULL },
    { "task.context_tokens", LM_T_NUM, NULL },
    { "workload.requests_per_day", LM_T_NUM, NULL },
    { "workload.input_tokens", LM_T_NUM, NULL },
    { "workload.output_tokens", LM_T_NUM, NULL },
    { "workload.peak_concurrency", LM_T_NUM, NULL },
    { "scenario.hardware", LM_T_LIST, NULL },
    { "scenario.memory_gib", LM_T_NUM, NULL },
    { "scenario.latency.ttft_ms", LM_T_NUM, NULL },
    { "scenario.latency.output_tokens_per_s", LM_T_NUM, NULL },
    { "scenario.budget.usd_per_month", LM_T_NUM, NULL },
    { "scenario.budget.finetune_usd", LM_T_NUM, NULL },
    { "scenario.privacy", LM_T_ENUM, lm_privacy_names },
    { "scenario.region", LM_T_STR, NULL },
    { "scenario.data.labeled_examples", LM_T_NUM, NULL },
    { "scenario.quality.min_score", LM_T_NUM, NULL },
    { "scenario.license.commercial", LM_T_BOOL, NULL },
    { "scenario.offline", LM_T_BOOL, NULL },
    { "score.quality", LM_T_NUM, NULL },
    { "score.cost", LM_T_NUM, NULL },
    { "score.latency", LM_T_NUM, NULL },
    { "score.privacy", LM_T_NUM, NULL },
    { "score.fit", LM_T_NUM, NULL },
    { "score.simplicity", LM_T_NUM, NULL },
    /* DESIGN §9.1 and §9.2 */
    { "candidate.owned", LM_T_BOOL, NULL },
    { "candidate.owned_count", LM_T_NUM, NULL },
    { "estimate.capacity_requests_per_day", LM_T_NUM, NULL },
    { "estimate.utilization", LM_T_NUM, NULL },
    { "workload.window_hours", LM_T_NUM, NULL },
    { "scenario.self_hosted", LM_T_BOOL, NULL },
    { "scenario.owned", LM_T_LIST, NULL },
    /* The weight the team gives quality (default 1): lets a rule that nudges
     * toward small models stand aside when quality is weighed above the rest. */
    { "scenario.priorities.quality", LM_T_NUM, NULL },
};

const struct lm_fact_table lm_fact_table = { defs, sizeof(defs) / sizeof(defs[0]) };

#define NUM(v)                                   \
    do {                                         \
        double v_ = (v);                         \
        if (isfinite(v_)) {                      \
            out->type = LM_V_NUM;                \
            out->num = v_;                       \
        }                                        \
    } while (0)
#define STR(v)                                   \
    do {                                         \
        const char *v_ = (v);                    \
        if (v_ != NULL) {                        \
            out->type = LM_V_STR;                \
            out->str = v_;                       \
        }                                        \
    } while (0)
#define BOOL(v)                                  \
    do {                                         \
        int v_ = (v);                            \
        if (v_ >= 0) {                           \
            out->type = LM_V_BOOL;               \
            out->b = v_;                         \
        }                                        \
    } while (0)
#define LIST(l)                                  \
    do {                                         \
        out->type = LM_V_LIST;                   \
        out->list = (l).items;                   \
        out->nlist = (l).n;                      \
    } while (0)

void lm__fact_get(void *ctx, size_t id, struct lm_value *out)
{
    struct lm_fact_ctx *x = ctx;
    const struct lm_candidate *c = x->c;
    const struct lm_model *m = c->model;
    const struct lm_api_offer *o = c->offer;
    const struct lm_hardware *h = c->hw;
    const struct lm_quant *q = c->quant;
    const struct lm_estimate *e = &c->est;
    const struct lm_scenario *s = x->sc;
    out->type = LM_V_NULL;
    switch (id) {
    case 0: /* model.id */
        STR(m->id);
        break;
    case 1: /* model.name */
        STR(m->name);
        break;
    case 2: /* model.family */
        STR(m->family);
        break;
    case 3: /* model.params_b */
        NUM(m->params_b);
        break;
    case 4: /* model.active_params_b */
        NUM(isnan(m->active_params_b) ? m->params_b : m->active_params_b);
        break;
    case 5: /* model.context_tokens */
        NUM(m->context_tokens);
        break;
    case 6: /* model.modalities */
        LIST(m->modalities);
        break;
    case 7: /* model.open_weights */
        BOOL(m->open_weights);
        break;
    case 8: /* model.license */
        STR(m->license);
        break;
    case 9: /* model.commercial_use */
        BOOL(m->commercial_use < 0 ? 1 : m->commercial_use);
        break;
    case 10: /* model.finetune */
        LIST(m->finetune);
        break;
    case 11: /* model.class */
        STR(lm_model_class(x->cat, m));
        break;
    case 12: /* model.architecture.layers */
        if (m->arch.present) NUM(m->arch.layers);
        break;
    case 13: /* model.architecture.hidden */
        if (m->arch.present) NUM(m->arch.hidden);
        break;
    case 14: /* model.architecture.attention_heads */
        if (m->arch.present) NUM(m->arch.attention_heads);
        break;
    case 15: /* model.architecture.kv_heads */
        if (m->arch.present) NUM(m->arch.kv_heads);
        break;
    case 16: /* model.architecture.head_dim */
        if (m->arch.present) NUM(m->arch.head_dim);
        break;
    case 17: /* model.architecture.vocab */
        if (m->arch.present) NUM(m->arch.vocab);
        break;
    case 18: /* model.architecture.sliding_window */
        if (m->arch.present) NUM(m->arch.sliding_window);
        break;
    case 19: /* model.architecture.sliding_window_layers */
        if (m->arch.present) NUM(m->arch.sliding_window_layers);
        break;
    case 20: /* model.architecture.tied_embeddings */
        if (m->arch.present) BOOL(m->arch.tied_embeddings < 0 ? 0 : m->arch.tied_embeddings);
        break;
    case 21: /* model.quality.mmlu */
        NUM(m->quality[0]);
        break;
    case 22: /* model.quality.mmlu_pro */
        NUM(m->quality[1]);
        break;
    case 23: /* model.quality.gpqa */
        NUM(m->quality[2]);
        break;
    case 24: /* model.quality.bbh */
        NUM(m->quality[3]);
        break;
    case 25: /* model.quality.ifeval */
        NUM(m->quality[4]);
        break;
    case 26: /* model.quality.gsm8k */
        NUM(m->quality[5]);
        break;
    case 27: /* model.quality.math */
        NUM(m->quality[6]);
        break;
    case 28: /* model.quality.humaneval */
        NUM(m->quality[7]);
        break;
    case 29: /* model.quality.mbpp */
        NUM(m->quality[8]);
        break;
    case 30: /* model.quality.mgsm */
        NUM(m->quality[9]);
        break;
    case 31: /* model.quality.mmmu */
        NUM(m->quality[10]);
        break;
    case 32: /* model.quality.bfcl */
        NUM(m->quality[11]);
        break;
    case 33: /* model.quality.mmlu_redux */
        NUM(m->quality[12]);
        break;
    case 34: /* model.quality.gpqa_diamond */
        NUM(m->quality[13]);
        break;
    case 35: /* model.quality.math_500 */
        NUM(m->quality[14]);
        break;
    case 36: /* model.quality.aime24 */
        NUM(m->quality[15]);
        break;
    case 37: /* model.quality.aime25 */
        NUM(m->quality[16]);
        break;
    case 38: /* model.quality.livecodebench */
        NUM(m->quality[17]);
        break;
    case 39: /* model.quality.swe_bench_verified */
        NUM(m->quality[18]);
        break;
    case 40: /* model.quality.aider_polyglot */
        NUM(m->quality[19]);
        break;
    case 41: /* model.quality.arena_elo */
        NUM(m->quality[20]);
        break;
    case 42: /* model.api.provider */
        if (o) STR(o->provider);
        break;
    case 43: /* model.api.input_usd_per_mtok */
        if (o) NUM(o->input_usd_per_mtok);
        break;
    case 44: /* model.api.output_usd_per_mtok */
        if (o) NUM(o->output_usd_per_mtok);
        break;
    case 45: /* model.api.ttft_ms */
        if (o) NUM(o->ttft_ms);
        break;
    case 46: /* model.api.output_tokens_per_s */
        if (o) NUM(o->output_tokens_per_s);
        break;
    case 47: /* model.api.finetune_usd_per_mtok */
        if (o) NUM(o->finetune_usd_per_mtok);
        break;
    case 48: /* model.api.data_use */
        if (o && o->data_use >= 0) STR(lm_data_use_names[o->data_use]);
        break;
    case 49: /* model.api.regions */
        if (o) LIST(o->regions);
        break;
    case 50: /* hardware.id */
        if (h) STR(h->id);
        break;
    case 51: /* hardware.name */
        if (h) STR(h->name);
        break;
    case 52: /* hardware.class */
        if (h) STR(lm_hw_class_names[h->hw_class]);
        break;
    case 53: /* hardware.vendor */
        if (h) STR(lm_vendor_names[h->vendor]);
        break;
    case 54: /* hardware.memory_gib */
        if (h) NUM(h->memory_gib);
        break;
    case 55: /* hardware.usable_fraction */
        if (h) NUM(h->usable_fraction);
        break;
    case 56: /* hardware.bandwidth_gbps */
        if (h) NUM(h->bandwidth_gbps);
        break;
    case 57: /* hardware.fp16_tflops */
        if (h) NUM(h->fp16_tflops);
        break;
    case 58: /* hardware.fp8_tflops */
        if (h) NUM(h->fp8_tflops);
        break;
    case 59: /* hardware.power_w */
        if (h) NUM(h->power_w);
        break;
    case 60: /* hardware.max_devices */
        if (h) NUM(h->max_devices);
        break;
    case 61: /* hardware.placements */
        if (h) LIST(h->placement_names);
        break;
    case 62: /* hardware.price.purchase_usd */
        if (h) NUM(h->purchase_usd);
        break;
    case 63: /* hardware.price.usd_per_hour */
        if (h) NUM(h->usd_per_hour);
        break;
    case 64: /* quant.id */
        if (q) STR(q->id);
        break;
    case 65: /* quant.bits_per_weight */
        if (q) NUM(q->bits_per_weight);
        break;
    case 66: /* quant.quality_delta */
        if (q) NUM(q->quality_delta);
        break;
    case 67: /* candidate.id */
        lm_candidate_id(c, x->id_buf, sizeof(x->id_buf)); STR(x->id_buf);
        break;
    case 68: /* candidate.kind */
        STR(o ? "api" : "self-hosted");
        break;
    case 69: /* candidate.placement */
        STR(lm_placement_names[c->placement]);
        break;
    case 70: /* candidate.placement_name */
        lm_candidate_placement_name(c, x->place_buf, sizeof(x->place_buf)); STR(x->place_buf);
        break;
    case 71: /* candidate.devices */
        if (!o) NUM(c->devices);
        break;
    case 72: /* candidate.runtime */
        if (c->runtime) STR(c->runtime->id);
        break;
    case 73: /* candidate.provider */
        if (o) STR(o->provider);
        break;
    case 74: /* candidate.privacy_level */
        STR(lm_privacy_names[c->privacy_level]);
        break;
    case 75: /* candidate.meets_privacy */
        BOOL(c->meets_privacy);
        break;
    case 76: /* candidate.in_region */
        if (c->in_region >= 0) BOOL(c->in_region);
        break;
    case 77: /* estimate.memory_gib */
        NUM(e->memory_gib);
        break;
    case 78: /* estimate.memory_per_device_gib */
        NUM(e->memory_per_device_gib);
        break;
    case 79: /* estimate.weights_gib */
        NUM(e->weights_gib);
        break;
    case 80: /* estimate.kv_cache_gib */
        NUM(e->kv_cache_gib);
        break;
    case 81: /* estimate.overhead_gib */
        NUM(e->overhead_gib);
        break;
    case 82: /* estimate.usable_gib */
        NUM(e->usable_gib);
        break;
    case 83: /* estimate.headroom_gib */
        NUM(e->headroom_gib);
        break;
    case 84: /* estimate.fit */
        if (e->fit >= 0) STR(lm_fit_names[e->fit]);
        break;
    case 85: /* estimate.decode_tokens_per_s */
        NUM(e->decode_tokens_per_s);
        break;
    case 86: /* estimate.prefill_tokens_per_s */
        NUM(e->prefill_tokens_per_s);
        break;
    case 87: /* estimate.ttft_ms */
        NUM(e->ttft_ms);
        break;
    case 88: /* estimate.max_concurrency */
        NUM(e->max_concurrency);
        break;
    case 89: /* estimate.instances */
        NUM(e->instances);
        break;
    case 90: /* estimate.usd_per_month */
        NUM(e->usd_per_month);
        break;
    case 91: /* estimate.break_even_requests_per_day */
        NUM(e->break_even_requests_per_day);
        break;
    case 92: /* estimate.quality */
        NUM(e->quality);
        break;
    case 93: /* estimate.finetune_method */
        if (e->finetune_method >= 0) STR(lm_ft_method_names[e->finetune_method]);
        break;
    case 94: /* estimate.finetune_hours */
        NUM(e->finetune_hours);
        break;
    case 95: /* estimate.finetune_usd */
        NUM(e->finetune_usd);
        break;
    case 96: /* task.kind */
        STR(lm_task_kind_names[s->task.kind]);
        break;
    case 97: /* task.breadth */
        STR(lm_breadth_names[s->task.breadth]);
        break;
    case 98: /* task.modalities */
        LIST(s->task.modalities);
        break;
    case 99: /* task.context_tokens */
        NUM(s->task.context_tokens);
        break;
    case 100: /* workload.requests_per_day */
        NUM(s->workload.requests_per_day);
        break;
    case 101: /* workload.input_tokens */
        NUM(s->workload.input_tokens);
        break;
    case 102: /* workload.output_tokens */
        NUM(s->workload.output_tokens);
        break;
    case 103: /* workload.peak_concurrency */
        NUM(s->workload.peak_concurrency);
        break;
    case 104: /* scenario.hardware */
        if (s->constraints.hardware_set) LIST(s->constraints.hardware);
        break;
    case 105: /* scenario.memory_gib */
        NUM(s->constraints.memory_gib);
        break;
    case 106: /* scenario.latency.ttft_ms */
        NUM(s->constraints.latency.ttft_ms);
        break;
    case 107: /* scenario.latency.output_tokens_per_s */
        NUM(s->constraints.latency.output_tokens_per_s);
        break;
    case 108: /* scenario.budget.usd_per_month */
        NUM(s->constraints.budget.usd_per_month);
        break;
    case 109: /* scenario.budget.finetune_usd */
        NUM(s->constraints.budget.finetune_usd);
        break;
    case 110: /* scenario.privacy */
        if (s->constraints.privacy >= 0) STR(lm_privacy_names[s->constraints.privacy]);
        break;
    case 111: /* scenario.region */
        STR(s->constraints.region);
        break;
    case 112: /* scenario.data.labeled_examples */
        NUM(s->constraints.data.labeled_examples);
        break;
    case 113: /* scenario.quality.min_score */
        NUM(s->constraints.quality.min_score);
        break;
    case 114: /* scenario.license.commercial */
        BOOL(s->constraints.license.commercial);
        break;
    case 115: /* scenario.offline */
        BOOL(s->constraints.offline);
        break;
    case 116: /* score.quality */
        NUM(c->scores[0]);
        break;
    case 117: /* score.cost */
        NUM(c->scores[1]);
        break;
    case 118: /* score.latency */
        NUM(c->scores[2]);
        break;
    case 119: /* score.privacy */
        NUM(c->scores[3]);
        break;
    case 120: /* score.fit */
        NUM(c->scores[4]);
        break;
    case 121: /* score.simplicity */
        NUM(c->scores[5]);
        break;
    case 122: /* candidate.owned */
        if (!o) BOOL(c->owned > 0);
        break;
    case 123: /* candidate.owned_count */
        if (!o) NUM(c->owned);
        break;
    case 124: /* estimate.capacity_requests_per_day */
        NUM(e->capacity_requests_per_day);
        break;
    case 125: /* estimate.utilization */
        NUM(e->utilization);
        break;
    case 126: /* workload.window_hours */
        NUM(s->workload.window_hours);
        break;
    case 127: /* scenario.self_hosted */
        BOOL(s->constraints.self_hosted);
        break;
    case 128: /* scenario.owned */
        if (s->constraints.nowned > 0) LIST(s->constraints.owned_ids);
        break;
    case 129: /* scenario.priorities.quality */
        NUM(s->priorities[LM_S_QUALITY]);
        break;
    default:
        break;
    }
}

int lm__fact_is_scenario(size_t id, const char **key)
{
    if (id >= lm_fact_table.n || strncmp(defs[id].path, "scenario.", 9) != 0)
        return 0;
    if (key != NULL)
        *key = defs[id].path + 9;
    return 1;
}

long lm__fact_num_offset(size_t fact_id)
{
#define EST(f) (long)(offsetof(struct lm_candidate, est) + offsetof(struct lm_estimate, f))
#define SCORE(k) (long)(offsetof(struct lm_candidate, scores) + (k) * sizeof(double))
    switch (fact_id) {
    case 77: return EST(memory_gib);
    case 78: return EST(memory_per_device_gib);
    case 79: return EST(weights_gib);
    case 80: return EST(kv_cache_gib);
    case 81: return EST(overhead_gib);
    case 82: return EST(usable_gib);
    case 83: return EST(headroom_gib);
    case 85: return EST(decode_tokens_per_s);
    case 86: return EST(prefill_tokens_per_s);
    case 87: return EST(ttft_ms);
    case 88: return EST(max_concurrency);
    case 89: return EST(instances);
    case 90: return EST(usd_per_month);
    case 91: return EST(break_even_requests_per_day);
    case 92: return EST(quality);
    case 116: return SCORE(0);
    case 117: return SCORE(1);
    case 118: return SCORE(2);
    case 119: return SCORE(3);
    case 120: return SCORE(4);
    case 121: return SCORE(5);
    case 124: return EST(capacity_requests_per_day);
    case 125: return EST(utilization);
    default: return -1;
    }
#undef EST
#undef SCORE
}

long lm__fact_enum_offset(size_t fact_id, const char *const **names)
{
    switch (fact_id) {
    case 84:
        *names = lm_fit_names;
        return (long)(offsetof(struct lm_candidate, est) + offsetof(struct lm_estimate, fit));
    case 93:
        *names = lm_ft_method_names;
        return (long)(offsetof(struct lm_candidate, est) +
                      offsetof(struct lm_estimate, finetune_method));
    default:
        return -1;
    }
}

size_t lm__fact_find(const char *path)
{
    for (size_t i = 0; i < lm_fact_table.n; i++)
        if (strcmp(defs[i].path, path) == 0)
            return i;
    return (size_t)-1;
}
