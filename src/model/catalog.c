/*
 * The profile catalog: field tables for models, hardware, quantizations and
 * runtimes (DESIGN §3.1), the per-file loaders with their cross-field checks,
 * and the layering (builtin, then each profiles directory; later replaces
 * earlier by id).
 *
 * To add a profile field: add it to the struct in catalog.h, to the field
 * table below (keep the tables in the order of the DESIGN's examples, which
 * is the order `list --format json` prints), and to render_json.c.
 */
#include "lmchoose/catalog.h"
#include "lmchoose/quality.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "model/builtin.h"
#include "util/fs.h"
#include "lmchoose/status.h"
#include "model/schema.h"
#include "util/strutil.h"
#include "io/ynode.h"

const char *const lm_quality_names[LM_Q_COUNT + 1] = {
    "mmlu", "mmlu_pro", "gpqa", "bbh", "ifeval", "gsm8k", "math",
    "humaneval", "mbpp", "mgsm", "mmmu", "bfcl",
    "mmlu_redux", "gpqa_diamond", "math_500", "aime24", "aime25",
    "livecodebench", "swe_bench_verified", "aider_polyglot", "arena_elo", NULL
};
const char *const lm_data_use_names[4] = { "training", "no-training",
                                           "zero-retention", NULL };
const char *const lm_hw_class_names[LM_HW_CLASS_COUNT + 1] = {
    "phone", "sbc", "laptop", "desktop", "consumer-gpu", "datacenter-gpu",
    "cpu-server", NULL
};
const char *const lm_vendor_names[LM_VENDOR_COUNT + 1] = {
    "apple", "nvidia", "amd", "intel", "qualcomm", "broadcom", "other", NULL
};
const char *const lm_placement_names[5] = { "device", "on-prem", "cloud", "api", NULL };
const char *const lm_cloud_tier_names[3] = { "hyperscaler", "specialist", NULL };
const char *const lm_id_kind_names[5] = { "model", "hardware", "quantization", "runtime", NULL };

static const char *const modality_values[] = { "text", "image", "audio", "video", NULL };
static const char *const finetune_values[] = { "full", "lora", "qlora", NULL };
static const char *const class_values[] = { "slm", "llm", NULL };
static const char *const hw_placement_values[] = { "device", "on-prem", "cloud", NULL };

#define F(key, type, st, member, flags, min, max) \
    { key, type, offsetof(st, member), flags, min, max, NULL, NULL, NULL }
#define FE(key, type, st, member, values) \
    { key, type, offsetof(st, member), 0, 0, 0, values, NULL, NULL }
#define FM(key, st, member, sub) \
    { key, LM_F_MAP, offsetof(st, member), 0, 0, 0, NULL, sub, NULL }
#define FC(key, fn) { key, LM_F_CUSTOM, 0, 0, 0, 0, NULL, NULL, fn }
/* A custom field that reads a mapping, or a list of mappings, by sub (the
 * schema walk of tests/unit/test_required_null.c follows sub). */
#define FCS(key, fn, sub) { key, LM_F_CUSTOM, 0, 0, 0, 0, NULL, sub, fn }
#define FCR(key, fn) { key, LM_F_CUSTOM, 0, LM_FF_REQUIRED, 0, 0, NULL, NULL, fn }
#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))
#define OPEN_MIN LM_FF_MIN_OPEN
#define REQ LM_FF_REQUIRED

/* ----------------------------------------------------------------- aliases */

/* Reads an `aliases` list and where each entry is written (for the
 * ambiguity check of check_aliases, which runs over the whole catalog). An
 * alias must keep something once normalised. */
static int read_aliases(struct lm_sctx *c, const struct lm_ynode *v, struct lm_strlist *l,
                        struct lm_srcpos **at, int strip_vendor)
{
    lm__strlist(c, "aliases", v, NULL, l);
    if (l->n == 0)
        return 0;
    *at = lm_arena_alloc(c->arena, l->n * sizeof(**at));
    if (*at == NULL)
        return -1;
    for (size_t k = 0; k < l->n; k++) {
        const struct lm_ynode *node = v;
        for (size_t i = 0; i < v->n; i++)
            if (v->items[i]->kind == LM_Y_SCALAR && v->items[i]->text == l->items[k])
                node = v->items[i];
        (*at)[k].line = node->line;
        (*at)[k].col = node->col;
        char tiny[2];
        if (lm__name_normalise(l->items[k], strip_vendor, tiny, sizeof(tiny)) == 0)
            lm__schema_error(c, node, "alias '%s' is empty once case and the separators "
                             "_ - . and space are ignored", l->items[k]);
    }
    return 0;
}

static int read_model_aliases(struct lm_sctx *c, const struct lm_ynode *v, void *obj)
{
    struct lm_model *m = obj;
    return read_aliases(c, v, &m->aliases, &m->aliases_at, 0);
}

static int read_hardware_aliases(struct lm_sctx *c, const struct lm_ynode *v, void *obj)
{
    struct lm_hardware *h = obj;
    return read_aliases(c, v, &h->aliases, &h->aliases_at, 1);
}

static int read_quant_aliases(struct lm_sctx *c, const struct lm_ynode *v, void *obj)
{
    struct lm_quant *q = obj;
    return read_aliases(c, v, &q->aliases, &q->aliases_at, 0);
}

/* ------------------------------------------------------------------ models */

static const struct lm_field arch_fields[] = {
    F("layers", LM_F_INT, struct lm_arch, layers, REQ, 1, 1e6),
    F("hidden", LM_F_INT, struct lm_arch, hidden, REQ, 1, 1e6),
    F("attention_heads", LM_F_INT, struct lm_arch, attention_heads, REQ, 1, 1e6),
    F("kv_heads", LM_F_INT, struct lm_arch, kv_heads, 0, 1, 1e6),
    F("head_dim", LM_F_INT, struct lm_arch, head_dim, 0, 1, 1e6),
    F("vocab", LM_F_INT, struct lm_arch, vocab, REQ, 1, 1e6),
    F("tied_embeddings", LM_F_BOOL, struct lm_arch, tied_embeddings, 0, 0, 0),
    F("sliding_window", LM_F_INT, struct lm_arch, sliding_window, 0, 1, 1e6),
    F("sliding_window_layers", LM_F_INT, struct lm_arch, sliding_window_layers, 0, 1, 1e6),
    F("intermediate_size", LM_F_INT, struct lm_arch, intermediate_size, 0, 1, 1e7),
    F("experts", LM_F_INT, struct lm_arch, experts, 0, 1, 1e6),
    F("experts_per_token", LM_F_INT, struct lm_arch, experts_per_token, 0, 1, 1e6),
    F("expert_params_b", LM_F_NUM, struct lm_arch, expert_params_b, OPEN_MIN, 0, 10000),
};
static const struct lm_schema arch_schema = { arch_fields, NFIELDS(arch_fields) };

static const struct lm_field quality_fields[] = {
#define Q(name, idx) { name, LM_F_NUM, offsetof(struct lm_model, quality) + (idx) * sizeof(double), 0, 0, 100, NULL, NULL, NULL }
    Q("mmlu", LM_Q_MMLU), Q("mmlu_pro", LM_Q_MMLU_PRO), Q("gpqa", LM_Q_GPQA),
    Q("bbh", LM_Q_BBH), Q("ifeval", LM_Q_IFEVAL), Q("gsm8k", LM_Q_GSM8K),
    Q("math", LM_Q_MATH), Q("humaneval", LM_Q_HUMANEVAL), Q("mbpp", LM_Q_MBPP),
    Q("mgsm", LM_Q_MGSM), Q("mmmu", LM_Q_MMMU), Q("bfcl", LM_Q_BFCL),
    Q("mmlu_redux", LM_Q_MMLU_REDUX), Q("gpqa_diamond", LM_Q_GPQA_DIAMOND),
    Q("math_500", LM_Q_MATH_500), Q("aime24", LM_Q_AIME24), Q("aime25", LM_Q_AIME25),
    Q("livecodebench", LM_Q_LIVECODEBENCH), Q("swe_bench_verified", LM_Q_SWE_BENCH_VERIFIED),
    Q("aider_polyglot", LM_Q_AIDER_POLYGLOT),
    /* LMArena text Elo: not a percentage */
    { "arena_elo", LM_F_NUM, offsetof(struct lm_model, quality) + LM_Q_ARENA_ELO * sizeof(double), 0, 500, 2500, NULL, NULL, NULL },
#undef Q
};
static const struct lm_schema quality_schema = { quality_fields, NFIELDS(quality_fields) };

static const struct lm_field offer_fields[] = {
    F("provider", LM_F_ID, struct lm_api_offer, provider, REQ, 0, 0),
    F("input_usd_per_mtok", LM_F_NUM, struct lm_api_offer, input_usd_per_mtok, REQ, 0, 1e7),
    F("output_usd_per_mtok", LM_F_NUM, struct lm_api_offer, output_usd_per_mtok, REQ, 0, 1e7),
    F("ttft_ms", LM_F_NUM, struct lm_api_offer, ttft_ms, OPEN_MIN, 0, 1e6),
    F("output_tokens_per_s", LM_F_NUM, struct lm_api_offer, output_tokens_per_s, OPEN_MIN, 0, 1e5),
    F("prefill_tokens_per_s", LM_F_NUM, struct lm_api_offer, prefill_tokens_per_s, OPEN_MIN, 0, 1e7),
    FE("data_use", LM_F_ENUM, struct lm_api_offer, data_use, lm_data_use_names),
    F("regions", LM_F_STRLIST, struct lm_api_offer, regions, 0, 0, 0),
    F("finetune_usd_per_mtok", LM_F_NUM, struct lm_api_offer, finetune_usd_per_mtok, 0, 0, 1e7),
};
static const struct lm_schema offer_schema = { offer_fields, NFIELDS(offer_fields) };

static int region_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 8)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 'a' || s[i] > 'z')
            return 0;
    return 1;
}

static void read_offer(struct lm_sctx *c, const struct lm_ynode *v,
                       struct lm_api_offer *o)
{
    lm__schema_map(c, v, &offer_schema, o);
    const struct lm_ynode *rn = lm__ymap_get(v, "regions");
    for (size_t i = 0; i < o->regions.n; i++)
        if (!region_ok(o->regions.items[i]))
            lm__schema_error(c, rn && rn->kind == LM_Y_SEQ && i < rn->n ? rn->items[i] : rn,
                             "region '%s' must match [a-z]{2,8}", o->regions.items[i]);
}

static int read_api(struct lm_sctx *c, const struct lm_ynode *v, void *obj)
{
    struct lm_model *m = obj;
    if (v->kind == LM_Y_MAP) {
        m->api = lm_arena_alloc(c->arena, sizeof(*m->api));
        if (m->api == NULL)
            return -1;
        m->napi = 1;
        read_offer(c, v, m->api);
        return 0;
    }
    if (v->kind != LM_Y_SEQ || v->n == 0) {
        lm__schema_error(c, v, "'api' must be a mapping or a non-empty list of mappings");
        return -1;
    }
    m->api = lm_arena_alloc(c->arena, v->n * sizeof(*m->api));
    if (m->api == NULL)
        return -1;
    m->napi = v->n;
    struct lm_strset providers = LM_STRSET_INIT;
    for (size_t i = 0; i < v->n; i++) {
        read_offer(c, v->items[i], &m->api[i]);
        if (m->api[i].provider != NULL &&
            lm__strset_put(&providers, m->api[i].provider, i) < LM_STRSET_NOMEM)
            lm__schema_error(c, v->items[i], "provider '%s' listed twice",
                             m->api[i].provider);
    }
    lm__strset_release(&providers);
    return 0;
}

static int read_files(struct lm_sctx *c, const struct lm_ynode *v, void *obj)
{
    struct lm_model *m = obj;
    if (v->kind != LM_Y_MAP) {
        lm__schema_error(c, v, "'files' must be a mapping of quantization id to bytes, not a %s",
                         lm__node_kind_name(v));
        return -1;
    }
    m->files = v->n ? lm_arena_alloc(c->arena, v->n * sizeof(*m->files)) : NULL;
    if (v->n && m->files == NULL)
        return -1;
    struct lm_strset keys = LM_STRSET_INIT;
    for (size_t i = 0; i < v->n; i++) {
        const struct lm_ynode *k = v->items[2 * i], *val = v->items[2 * i + 1];
        size_t first = lm__strset_put(&keys, k->text, i);
        if (first != LM_STRSET_NONE) {
            lm__schema_error(c, k, first == LM_STRSET_NOMEM ? "out of memory"
                                                            : "duplicate key '%s'", k->text);
            continue;
        }
        double bytes;
        if (lm__scalar_num(c, k->text, val, 1, 1e14, 0, 1, &bytes) != 0)
            continue;
        struct lm_file_size *f = &m->files[m->nfiles++];
        f->quant = k->text;
        f->bytes = bytes;
        f->line = k->line;
        f->col = k->col;
    }
    lm__strset_release(&keys);
    return 0;
}

static int read_arch(struct lm_sctx *c, const struct lm_ynode *v, void *obj)
{
    struct lm_model *m = obj;
    if (v->kind != LM_Y_MAP) {
        lm__schema_error(c, v, "'architecture' must be a mapping, not a %s",
                         lm__node_kind_name(v));
        return -1;
    }
    lm__schema_map(c, v, &arch_schema, &m->arch);
    m->arch.present = 1;
    struct lm_arch *a = &m->arch;
    if (!isnan(a->kv_heads) && !isnan(a->attention_heads) &&
        fmod(a->attention_heads, a->kv_heads) != 0)
        lm__schema_error(c, lm__ymap_get(v, "kv_heads"),
                         "'kv_heads' (%g) must divide 'attention_heads' (%g)",
                         a->kv_heads, a->attention_heads);
    if (!isnan(a->sliding_window_layers) && !isnan(a->layers) &&
        a->sliding_window_layers > a->layers)
        lm__schema_error(c, lm__ymap_get(v, "sliding_window_layers"),
                         "'sliding_window_layers' (%g) must not exceed 'layers' (%g)",
                         a->sliding_window_layers, a->layers);
    return 0;
}

static const struct lm_field model_fields[] = {
    F("id", LM_F_ID, struct lm_model, id, REQ, 0, 0),
    F("name", LM_F_STR, struct lm_model, name, REQ, 0, 0),
    F("family", LM_F_STR, struct lm_model, family, 0, 0, 0),
    FC("aliases", read_model_aliases),
    F("params_b", LM_F_NUM, struct lm_model, params_b, OPEN_MIN, 0, 10000),
    F("active_params_b", LM_F_NUM, struct lm_model, active_params_b, OPEN_MIN, 0, 10000),
    FE("class", LM_F_ENUM, struct lm_model, class_override, class_values),
    FCS("architecture", read_arch, &arch_schema),
    F("context_tokens", LM_F_INT, struct lm_model, context_tokens, REQ, 1, 1e8),
    FE("modalities", LM_F_STRLIST, struct lm_model, modalities, modality_values),
    F("open_weights", LM_F_BOOL, struct lm_model, open_weights, REQ, 0, 0),
    F("license", LM_F_STR, struct lm_model, license, 0, 0, 0),
    F("commercial_use", LM_F_BOOL, struct lm_model, commercial_use, 0, 0, 0),
    { "quality", LM_F_MAP, 0, 0, 0, 0, NULL, &quality_schema, NULL },
    FC("files", read_files),
    F("gguf_separate_output", LM_F_BOOL, struct lm_model, gguf_separate_output, 0, 0, 0),
    FE("finetune", LM_F_STRLIST, struct lm_model, finetune, finetune_values),
    FCS("api", read_api, &offer_schema),
    F("sources", LM_F_STRLIST, struct lm_model, sources, REQ, 0, 0),
};
static const struct lm_schema model_schema = { model_fields, NFIELDS(model_fields) };

static const char *modality_text[] = { "text" };

static void model_defaults_and_checks(struct lm_sctx *c, const struct lm_ynode *root,
                                      struct lm_model *m)
{
    if (m->modalities.n == 0 && lm__ymap_get(root, "modalities") == NULL) {
        m->modalities.items = modality_text;
        m->modalities.n = 1;
    }
    if (m->commercial_use < 0 && m->open_weights == 0)
        m->commercial_use = 1;
    const struct lm_ynode *pb = lm__ymap_get(root, "params_b");
    if (m->open_weights == 1 && isnan(m->params_b) && pb == NULL)
        lm__schema_error(c, root, "missing required key 'params_b' (required when open_weights is true)");
    else if (m->open_weights == 1 && lm__ynode_is_null(pb))
        lm__schema_error(c, pb, "'params_b' is required when open_weights is true and cannot be null");
    if (m->open_weights == 0 && m->napi == 0)
        lm__schema_error(c, lm__ymap_get(root, "open_weights"),
                         "a model with open_weights: false needs an 'api' block");
    if (!isnan(m->active_params_b) && !isnan(m->params_b) &&
        m->active_params_b > m->params_b)
        lm__schema_error(c, lm__ymap_get(root, "active_params_b"),
                         "'active_params_b' (%g) must not exceed 'params_b' (%g)",
                         m->active_params_b, m->params_b);
    const struct lm_ynode *srcs = lm__ymap_get(root, "sources");
    if (m->sources.n == 0 && srcs != NULL && srcs->kind == LM_Y_SEQ && srcs->n == 0)
        lm__schema_error(c, lm__ymap_get(root, "sources"),
                         "'sources' must list at least one source");
}

/* ---------------------------------------------------------------- hardware */

static const struct lm_field cloud_offer_fields[] = {
    F("provider", LM_F_ID, struct lm_cloud_offer, provider, REQ, 0, 0),
    { "tier", LM_F_ENUM, offsetof(struct lm_cloud_offer, tier), REQ, 0, 0, lm_cloud_tier_names, NULL, NULL },
    F("usd_per_hour", LM_F_NUM, struct lm_cloud_offer, usd_per_hour, REQ, 0, 1e7),
};
static const struct lm_schema cloud_offer_schema = { cloud_offer_fields, NFIELDS(cloud_offer_fields) };

/* price.cloud_offers: rented-GPU offers per device-hour, each with its
 * provider and tier (DESIGN §9.7). A provider appears once per tier. */
static int read_cloud_offers(struct lm_sctx *c, const struct lm_ynode *v, void *obj)
{
    struct lm_hardware *h = obj;
    if (v->kind != LM_Y_SEQ || v->n == 0) {
        lm__schema_error(c, v, "'cloud_offers' must be a non-empty list of mappings");
        return -1;
    }
    h->cloud_offers = lm_arena_alloc(c->arena, v->n * sizeof(*h->cloud_offers));
    if (h->cloud_offers == NULL)
        return -1;
    h->ncloud_offers = v->n;
    for (size_t i = 0; i < v->n; i++) {
        struct lm_cloud_offer *o = &h->cloud_offers[i];
        lm__schema_map(c, v->items[i], &cloud_offer_schema, o);
        for (size_t k = 0; k < i; k++)
            if (o->provider && h->cloud_offers[k].provider &&
                strcmp(o->provider, h->cloud_offers[k].provider) == 0 &&
                o->tier == h->cloud_offers[k].tier)
                lm__schema_error(c, v->items[i], "provider '%s' listed twice in the %s tier",
                                 o->provider, o->tier >= 0 ? lm_cloud_tier_names[o->tier] : "same");
    }
    return 0;
}

static const struct lm_field price_fields[] = {
    F("purchase_usd", LM_F_NUM, struct lm_hardware, purchase_usd, 0, 0, 1e7),
    F("usd_per_hour", LM_F_NUM, struct lm_hardware, listed_usd_per_hour, 0, 0, 1e7),
    FC("cloud_offers", read_cloud_offers),
};
static const struct lm_schema price_schema = { price_fields, NFIELDS(price_fields) };

static const struct lm_field hardware_fields[] = {
    F("id", LM_F_ID, struct lm_hardware, id, REQ, 0, 0),
    F("name", LM_F_STR, struct lm_hardware, name, REQ, 0, 0),
    FC("aliases", read_hardware_aliases),
    FE("vendor", LM_F_ENUM, struct lm_hardware, vendor, lm_vendor_names),
    { "class", LM_F_ENUM, offsetof(struct lm_hardware, hw_class), REQ, 0, 0, lm_hw_class_names, NULL, NULL },
    F("detect", LM_F_STRLIST, struct lm_hardware, detect, 0, 0, 0),
    F("memory_gib", LM_F_NUM, struct lm_hardware, memory_gib, REQ | OPEN_MIN, 0, 1e5),
    F("usable_fraction", LM_F_NUM, struct lm_hardware, usable_fraction, REQ | OPEN_MIN, 0, 1),
    F("bandwidth_gbps", LM_F_NUM, struct lm_hardware, bandwidth_gbps, REQ | OPEN_MIN, 0, 1e5),
    F("fp16_tflops", LM_F_NUM, struct lm_hardware, fp16_tflops, OPEN_MIN, 0, 1e5),
    F("fp8_tflops", LM_F_NUM, struct lm_hardware, fp8_tflops, OPEN_MIN, 0, 1e5),
    F("power_w", LM_F_NUM, struct lm_hardware, power_w, OPEN_MIN, 0, 1e5),
    { "placements", LM_F_STRLIST, offsetof(struct lm_hardware, placement_names), REQ, 0, 0, hw_placement_values, NULL, NULL },
    F("max_devices", LM_F_INT, struct lm_hardware, max_devices, 0, 1, 64),
    { "price", LM_F_MAP, 0, 0, 0, 0, NULL, &price_schema, NULL },
    F("sources", LM_F_STRLIST, struct lm_hardware, sources, REQ, 0, 0),
};
static const struct lm_schema hardware_schema = { hardware_fields, NFIELDS(hardware_fields) };

static void hardware_defaults_and_checks(struct lm_sctx *c, const struct lm_ynode *root,
                                         struct lm_hardware *h)
{
    if (h->vendor < 0)
        h->vendor = LM_VENDOR_OTHER;
    if (isnan(h->max_devices))
        h->max_devices = 1;
    h->placements = 0;
    for (size_t i = 0; i < h->placement_names.n; i++)
        for (int p = 0; p < 3; p++)
            if (strcmp(h->placement_names.items[i], lm_placement_names[p]) == 0)
                h->placements |= 1u << p;
    /* The cloud rate: price.usd_per_hour (the hyperscaler offer) first,
     * then each of price.cloud_offers; the cheapest wins, ties the first. */
    h->usd_per_hour = h->listed_usd_per_hour;
    h->cloud_provider = NULL;
    h->cloud_tier = isnan(h->usd_per_hour) ? -1 : LM_TIER_HYPERSCALER;
    for (size_t i = 0; i < h->ncloud_offers; i++) {
        const struct lm_cloud_offer *o = &h->cloud_offers[i];
        if (isnan(o->usd_per_hour) || o->provider == NULL || o->tier < 0)
            continue; /* already reported */
        if (isnan(h->usd_per_hour) || o->usd_per_hour < h->usd_per_hour) {
            h->usd_per_hour = o->usd_per_hour;
            h->cloud_provider = o->provider;
            h->cloud_tier = o->tier;
        }
    }
    const struct lm_ynode *pl = lm__ymap_get(root, "placements");
    if ((h->placements & (1u << LM_PLACE_CLOUD)) && isnan(h->usd_per_hour) &&
        h->ncloud_offers == 0)
        lm__schema_error(c, pl, "placement 'cloud' needs price.usd_per_hour or price.cloud_offers");
    if ((h->placements & (1u << LM_PLACE_ONPREM)) && isnan(h->purchase_usd))
        lm__schema_error(c, pl, "placement 'on-prem' needs price.purchase_usd");
    if (pl != NULL && pl->kind == LM_Y_SEQ && pl->n == 0)
        lm__schema_error(c, pl, "'placements' must list at least one placement");
}

/* ----------------------------------------------------------- quantizations */

static const struct lm_field quant_fields[] = {
    F("id", LM_F_ID, struct lm_quant, id, REQ, 0, 0),
    FC("aliases", read_quant_aliases),
    F("bits_per_weight", LM_F_NUM, struct lm_quant, bits_per_weight, REQ | OPEN_MIN, 0, 64),
    F("embedding_bits_per_weight", LM_F_NUM, struct lm_quant, embedding_bits_per_weight, OPEN_MIN, 0, 64),
    F("output_bits_per_weight", LM_F_NUM, struct lm_quant, output_bits_per_weight, OPEN_MIN, 0, 64),
    F("fallback_bits_per_weight", LM_F_NUM, struct lm_quant, fallback_bits_per_weight, OPEN_MIN, 0, 64),
    F("quality_delta", LM_F_NUM, struct lm_quant, quality_delta, REQ, 0, 100),
    F("runtimes", LM_F_STRLIST, struct lm_quant, runtimes, REQ, 0, 0),
    F("sources", LM_F_STRLIST, struct lm_quant, sources, REQ, 0, 0),
};
static const struct lm_schema quant_schema = { quant_fields, NFIELDS(quant_fields) };

/* ---------------------------------------------------------------- runtimes */

static int read_classes(struct lm_sctx *c, const struct lm_ynode *v, void *obj)
{
    struct lm_calibration *cal = obj;
    struct lm_strlist l = { NULL, 0 };
    if (lm__strlist(c, "classes", v, lm_hw_class_names, &l) != 0)
        return -1;
    for (size_t i = 0; i < l.n; i++)
        for (int k = 0; k < LM_HW_CLASS_COUNT; k++)
            if (strcmp(l.items[i], lm_hw_class_names[k]) == 0)
                cal->class_mask |= 1u << k;
    return 0;
}

static const struct lm_field calibration_fields[] = {
    FCR("classes", read_classes),
    FE("vendor", LM_F_ENUM, struct lm_calibration, vendor, lm_vendor_names),
    F("efficiency", LM_F_NUM, struct lm_calibration, efficiency, REQ | OPEN_MIN, 0, 1),
    F("per_layer_overhead_us", LM_F_NUM, struct lm_calibration, per_layer_overhead_us, REQ, 0, 1e5),
    F("mfu", LM_F_NUM, struct lm_calibration, mfu, REQ | OPEN_MIN, 0, 1),
    F("kv_efficiency", LM_F_NUM, struct lm_calibration, kv_efficiency, OPEN_MIN, 0, 1),
    F("ttft_overhead_ms", LM_F_NUM, struct lm_calibration, ttft_overhead_ms, 0, 0, 1e5),
    F("source", LM_F_STR, struct lm_calibration, source, REQ, 0, 0),
};
static const struct lm_schema calibration_schema = { calibration_fields, NFIELDS(calibration_fields) };

static int read_calibration(struct lm_sctx *c, const struct lm_ynode *v, void *obj)
{
    struct lm_runtime *rt = obj;
    if (v->kind != LM_Y_SEQ) {
        lm__schema_error(c, v, "'calibration' must be a list, not a %s",
                         lm__node_kind_name(v));
        return -1;
    }
    rt->calibration = v->n ? lm_arena_alloc(c->arena, v->n * sizeof(*rt->calibration)) : NULL;
    if (v->n && rt->calibration == NULL)
        return -1;
    for (size_t i = 0; i < v->n; i++) {
        struct lm_calibration *cal = &rt->calibration[rt->ncalibration++];
        lm__schema_map(c, v->items[i], &calibration_schema, cal);
    }
    return 0;
}

static const struct lm_field runtime_fields[] = {
    F("id", LM_F_ID, struct lm_runtime, id, REQ, 0, 0),
    F("overhead_gib", LM_F_NUM, struct lm_runtime, overhead_gib, 0, 0, 1e3),
    F("compute_buffer_ubatch", LM_F_INT, struct lm_runtime, compute_buffer_ubatch, 0, 1, 1e6),
    F("weights_overhead_fraction", LM_F_NUM, struct lm_runtime, weights_overhead_fraction, 0, 0, 10),
    F("activation_gib", LM_F_NUM, struct lm_runtime, activation_gib, 0, 0, 1e3),
    F("activation_moe_gib", LM_F_NUM, struct lm_runtime, activation_moe_gib, 0, 0, 1e3),
    F("non_torch_gib", LM_F_NUM, struct lm_runtime, non_torch_gib, 0, 0, 1e3),
    F("non_torch_multi_gib", LM_F_NUM, struct lm_runtime, non_torch_multi_gib, 0, 0, 1e3),
    F("max_usable_fraction", LM_F_NUM, struct lm_runtime, max_usable_fraction, OPEN_MIN, 0, 1),
    FCS("calibration", read_calibration, &calibration_schema),
    F("sources", LM_F_STRLIST, struct lm_runtime, sources, REQ, 0, 0),
};
static const struct lm_schema runtime_schema = { runtime_fields, NFIELDS(runtime_fields) };

/* ------------------------------------------------------------------ layers */

/* Entries of one kind, growing by realloc; replaced by id across layers. */
struct table {
    void ***items;
    size_t *n;
    size_t cap;
};

static const char *entry_id(void *entry, size_t id_off)
{
    return *(const char **)(void *)((char *)entry + id_off);
}

static int table_put(void ***items, size_t *n, void *entry, size_t id_off)
{
    const char *id = entry_id(entry, id_off);
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(entry_id((*items)[i], id_off), id) == 0) {
            (*items)[i] = entry;
            return LM_OK;
        }
    }
    void **grown = realloc(*items, (*n + 1) * sizeof(**items));
    if (grown == NULL)
        return LM_ENOMEM;
    grown[(*n)++] = entry;
    *items = grown;
    return LM_OK;
}

/* One file's text, from the builtin table or from disk. */
struct source {
    char display[1024]; /* "<builtin>/models/x.yaml" or the path */
    char path[1024];    /* path on disk, or "" for builtin */
    const char *data;
    size_t len;
    /* A builtin file: its tree was parsed at build time (builtin.h), and
     * data is NULL unless that parse failed. NULL for any other file. */
    const struct lm_builtin_file *builtin;
};

/* Basename without .yaml/.yml, for the id check. */
static void stem_of(const char *path, char *out, size_t cap)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t bl = strlen(b);
    if (bl >= cap)
        bl = cap - 1;
    memcpy(out, b, bl);
    out[bl] = '\0';
    size_t n = strlen(out);
    if (n > 5 && strcmp(out + n - 5, ".yaml") == 0)
        out[n - 5] = '\0';
    else if (n > 4 && strcmp(out + n - 4, ".yml") == 0)
        out[n - 4] = '\0';
}

enum kind { KIND_MODEL, KIND_HARDWARE, KIND_QUANTS, KIND_RUNTIMES };

struct layer_ids {
    /* ids seen in this layer, with their origin, for duplicate detection;
     * hashed, so a layer of 100 000 files is not quadratic */
    struct lm_strset ids;       /* id -> index into origins */
    const char **origins;
    size_t n, cap;
    /* the catalog table's ids -> index, built on the first put, so that
     * replacing by id across layers is linear too */
    struct lm_strset table;
    int table_built;
};

static int layer_seen(struct layer_ids *l, const char *id, const char *origin,
                      const char **first)
{
    size_t at = lm__strset_get(&l->ids, id);
    if (at != LM_STRSET_NONE) {
        *first = l->origins[at];
        return 1;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        const char **origins = realloc(l->origins, cap * sizeof(*origins));
        if (origins == NULL)
            return 0;
        l->origins = origins;
        l->cap = cap;
    }
    if (lm__strset_put(&l->ids, id, l->n) != LM_STRSET_NONE)
        return 0;
    l->origins[l->n++] = origin;
    return 0;
}

static void layer_ids_release(struct layer_ids *l)
{
    lm__strset_release(&l->ids);
    lm__strset_release(&l->table);
    free(l->origins);
    memset(l, 0, sizeof(*l));
}

/* table_put with the layer's index of the table (see layer_ids). */
static int table_put_indexed(void ***items, size_t *n, void *entry, size_t id_off,
                             struct layer_ids *l)
{
    if (!l->table_built) {
        for (size_t i = 0; i < *n; i++)
            if (lm__strset_put(&l->table, entry_id((*items)[i], id_off), i) == LM_STRSET_NOMEM)
                return LM_ENOMEM;
        l->table_built = 1;
    }
    const char *id = entry_id(entry, id_off);
    size_t at = lm__strset_get(&l->table, id);
    if (at != LM_STRSET_NONE) {
        (*items)[at] = entry;
        return LM_OK;
    }
    void **grown = realloc(*items, (*n + 1) * sizeof(**items));
    if (grown == NULL)
        return LM_ENOMEM;
    *items = grown;
    if (lm__strset_put(&l->table, id, *n) == LM_STRSET_NOMEM)
        return LM_ENOMEM;
    grown[(*n)++] = entry;
    return LM_OK;
}

/* ------------------------------------------------------- partial overrides */

/* A layer file that holds `id` and only some of the keys of an entry that a
 * lower layer already defines is a partial override (docs/profiles.md): its
 * tree is merged over the lower entry's tree, and the merged tree is typed
 * and checked as one entry, so required keys are checked on the result.
 * Merging is done on the YAML trees rather than the typed structs so that
 * every value keeps its node, and therefore its file and line, for
 * diagnostics and `lmchoose show`.
 *
 * Rules: a key in the override replaces the lower value; a key set to null
 * removes it; nested mappings (architecture, quality, files, price) merge key
 * by key; `sources` appends; `api` merges offer by offer on `provider` (an
 * offer with a new provider is appended). */

/* Whether the mapping lacks one of the schema's required top-level keys. */
static int is_partial(const struct lm_ynode *root, const struct lm_schema *s)
{
    if (root->kind != LM_Y_MAP)
        return 0;
    for (size_t i = 0; i < s->n; i++)
        if ((s->fields[i].flags & LM_FF_REQUIRED) && lm__ymap_get(root, s->fields[i].key) == NULL)
            return 1;
    return 0;
}

/* Records file on every node of the subtree that has none yet. */
static void stamp_file(struct lm_ynode *n, const char *file)
{
    if (n == NULL)
        return;
    if (n->file == NULL)
        n->file = file;
    size_t count = n->kind == LM_Y_MAP ? 2 * n->n : n->kind == LM_Y_SEQ ? n->n : 0;
    for (size_t i = 0; i < count; i++)
        stamp_file(n->items[i], file);
}

static struct lm_ynode *new_container(struct lm_arena *A, const struct lm_ynode *like,
                                      enum lm_ykind kind, size_t cap)
{
    struct lm_ynode *n = lm_arena_alloc(A, sizeof(*n));
    if (n == NULL)
        return NULL;
    *n = *like;
    n->kind = kind;
    n->n = 0;
    n->items = cap ? lm_arena_alloc(A, cap * sizeof(*n->items)) : NULL;
    return cap && n->items == NULL ? NULL : n;
}

static struct lm_ynode *merge_nodes(struct lm_arena *A, const char *key,
                                    struct lm_ynode *low, struct lm_ynode *high);
static struct lm_ynode *merge_level(struct lm_arena *A, const char *key,
                                    struct lm_ynode *low, struct lm_ynode *high, int root);

/* The offers of the `api` value in *slot as a list (one mapping means one
 * offer: the list is then slot itself, which the caller keeps alive). */
static void api_offers(struct lm_ynode **slot, struct lm_ynode ***items, size_t *n)
{
    struct lm_ynode *v = *slot;
    if (v->kind == LM_Y_SEQ) {
        *items = v->items;
        *n = v->n;
    } else {
        *items = v->kind == LM_Y_MAP ? slot : NULL;
        *n = v->kind == LM_Y_MAP ? 1 : 0;
    }
}

static const char *offer_provider(const struct lm_ynode *offer)
{
    const struct lm_ynode *p = offer->kind == LM_Y_MAP ? lm__ymap_get(offer, "provider") : NULL;
    return p != NULL && p->kind == LM_Y_SCALAR ? p->text : NULL;
}

static struct lm_ynode *merge_api(struct lm_arena *A, struct lm_ynode *low,
                                  struct lm_ynode *high)
{
    struct lm_ynode **lo, **hi;
    size_t nlo, nhi;
    struct lm_ynode *lowv = low, *highv = high;
    api_offers(&lowv, &lo, &nlo);
    api_offers(&highv, &hi, &nhi);
    if (nhi == 0 || (high->kind != LM_Y_SEQ && high->kind != LM_Y_MAP))
        return high; /* not offers: let the schema report it */
    struct lm_ynode *out = new_container(A, high, LM_Y_SEQ, nlo + nhi);
    if (out == NULL)
        return NULL;
    int *used = nhi ? lm_arena_alloc(A, nhi * sizeof(*used)) : NULL;
    if (used == NULL)
        return NULL;
    for (size_t i = 0; i < nlo; i++) {
        const char *p = offer_provider(lo[i]);
        struct lm_ynode *merged = lo[i];
        for (size_t j = 0; p != NULL && j < nhi; j++) {
            const char *q = offer_provider(hi[j]);
            if (!used[j] && q != NULL && strcmp(p, q) == 0) {
                merged = merge_nodes(A, NULL, lo[i], hi[j]);
                used[j] = 1;
                break;
            }
        }
        if (merged == NULL)
            return NULL;
        out->items[out->n++] = merged;
    }
    for (size_t j = 0; j < nhi; j++)
        if (!used[j])
            out->items[out->n++] = hi[j];
    return out;
}

static struct lm_ynode *merge_sources(struct lm_arena *A, struct lm_ynode *low,
                                      struct lm_ynode *high)
{
    if (low->kind != LM_Y_SEQ || high->kind != LM_Y_SEQ)
        return high;
    struct lm_ynode *out = new_container(A, high, LM_Y_SEQ, low->n + high->n);
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < low->n; i++)
        out->items[out->n++] = low->items[i];
    for (size_t j = 0; j < high->n; j++) {
        int dup = 0;
        for (size_t i = 0; i < low->n && !dup; i++)
            dup = low->items[i]->kind == LM_Y_SCALAR && high->items[j]->kind == LM_Y_SCALAR &&
                  strcmp(low->items[i]->text, high->items[j]->text) == 0;
        if (!dup)
            out->items[out->n++] = high->items[j];
    }
    return out;
}

/* high over low; key is the top-level key whose values these are (NULL
 * below the top level, and for the root itself). Returns NULL only when out
 * of memory. */
static struct lm_ynode *merge_nodes(struct lm_arena *A, const char *key,
                                    struct lm_ynode *low, struct lm_ynode *high)
{
    return merge_level(A, key, low, high, 0);
}

static struct lm_ynode *merge_level(struct lm_arena *A, const char *key,
                                    struct lm_ynode *low, struct lm_ynode *high, int root)
{
    if (key != NULL && strcmp(key, "api") == 0)
        return merge_api(A, low, high);
    if (key != NULL && strcmp(key, "sources") == 0)
        return merge_sources(A, low, high);
    if (low->kind != LM_Y_MAP || high->kind != LM_Y_MAP)
        return high;
    struct lm_ynode *out = new_container(A, high, LM_Y_MAP, 2 * (low->n + high->n));
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < low->n; i++) {
        struct lm_ynode *k = low->items[2 * i], *v = low->items[2 * i + 1];
        for (size_t j = 0; j < high->n; j++) {
            if (strcmp(high->items[2 * j]->text, k->text) != 0)
                continue;
            struct lm_ynode *hv = high->items[2 * j + 1];
            k = high->items[2 * j];
            if (lm__ynode_is_null(hv)) {
                v = NULL; /* removed */
                break;
            }
            v = merge_level(A, root ? k->text : NULL, v, hv, 0);
            if (v == NULL)
                return NULL;
            break;
        }
        if (v == NULL)
            continue;
        out->items[2 * out->n] = k;
        out->items[2 * out->n + 1] = v;
        out->n++;
    }
    /* Keys the lower entry lacks, and repeated keys (so that the schema
     * still reports a duplicate key in the override). */
    for (size_t j = 0; j < high->n; j++) {
        struct lm_ynode *k = high->items[2 * j];
        int repeated = 0;
        for (size_t e = 0; e < j && !repeated; e++)
            repeated = strcmp(high->items[2 * e]->text, k->text) == 0;
        if (!repeated && lm__ymap_get(low, k->text) != NULL)
            continue;
        out->items[2 * out->n] = k;
        out->items[2 * out->n + 1] = high->items[2 * j + 1];
        out->n++;
    }
    return out;
}

/* The entry of the catalog with that id (the table is unsorted while the
 * layers load). */
static void *find_entry(void **items, size_t n, size_t id_off, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(entry_id(items[i], id_off), id) == 0)
            return items[i];
    return NULL;
}

static struct lm_ynode *entry_tree(struct lm_catalog *cat, struct lm_ynode *tree,
                                   const void *pack)
{
    struct lm_ynode *root = NULL;
    if (tree != NULL || pack == NULL)
        return tree;
    return lm__ypack_unpack(&cat->arena, pack, &root) == LM_OK ? root : NULL;
}

struct lm_ynode *lm_catalog_model_tree(struct lm_catalog *cat, const struct lm_model *m)
{
    return entry_tree(cat, m->tree, m->tree_pack);
}

struct lm_ynode *lm_catalog_hardware_tree(struct lm_catalog *cat, const struct lm_hardware *h)
{
    return entry_tree(cat, h->tree, h->tree_pack);
}

/* When root is a partial override of an entry already in the catalog,
 * returns the merged tree and sets *over to that entry's origin; otherwise
 * returns root. NULL when out of memory. */
static struct lm_ynode *merge_partial(struct lm_catalog *cat, int is_model,
                                      struct lm_ynode *root, const char **over)
{
    *over = NULL;
    const struct lm_schema *s = is_model ? &model_schema : &hardware_schema;
    const struct lm_ynode *idn = root->kind == LM_Y_MAP ? lm__ymap_get(root, "id") : NULL;
    if (idn == NULL || idn->kind != LM_Y_SCALAR || !is_partial(root, s))
        return root;
    struct lm_ynode *low_tree;
    const char *low_origin;
    if (is_model) {
        const struct lm_model *m = find_entry((void **)cat->models, cat->nmodels,
                                              offsetof(struct lm_model, id), idn->text);
        low_tree = m ? lm_catalog_model_tree(cat, m) : NULL;
        low_origin = m ? m->origin : NULL;
    } else {
        const struct lm_hardware *h = find_entry((void **)cat->hardware, cat->nhardware,
                                                 offsetof(struct lm_hardware, id), idn->text);
        low_tree = h ? lm_catalog_hardware_tree(cat, h) : NULL;
        low_origin = h ? h->origin : NULL;
    }
    if (low_tree == NULL)
        return root;
    /* The lower tree is never read again through its own entry (this one
     * replaces it), so recording its file on its nodes is safe. */
    stamp_file(low_tree, low_origin);
    *over = low_origin;
    return merge_level(&cat->arena, NULL, low_tree, root, 1);
}

static int load_file_checked(struct lm_catalog *cat, enum kind kind,
                             const struct source *src, const struct lm_limits *limits,
                             struct lm_diags *diags, struct layer_ids *seen,
                             int check_name);

/* Loads one profile file of a known kind into the catalog. */
static int load_file(struct lm_catalog *cat, enum kind kind,
                     const struct source *src, const struct lm_limits *limits,
                     struct lm_diags *diags, struct layer_ids *seen)
{
    return load_file_checked(cat, kind, src, limits, diags, seen, 1);
}

/* An embedded model or hardware file's tree is thawed into this scratch
 * arena, freed once the file is typed (the entry thaws it again if `show`
 * or a partial override asks, entry_tree): the typed entry keeps no node,
 * only scalar texts, which are in the program's constant data. Each thawed
 * tree is tens of kilobytes of fresh memory, and on the VMs we measure on
 * a first touch of a page costs about 10 µs (docs/performance.md). */
static int load_entry(struct lm_catalog *cat, enum kind kind, const struct source *src,
                      const struct lm_limits *limits, struct lm_diags *diags,
                      struct layer_ids *seen, int check_name, struct lm_arena *scratch);

static int load_file_checked(struct lm_catalog *cat, enum kind kind,
                             const struct source *src, const struct lm_limits *limits,
                             struct lm_diags *diags, struct layer_ids *seen,
                             int check_name)
{
    struct lm_arena scratch = LM_ARENA_INIT;
    int rc = load_entry(cat, kind, src, limits, diags, seen, check_name, &scratch);
    lm_arena_release(&scratch);
    return rc;
}

static int load_entry(struct lm_catalog *cat, enum kind kind, const struct source *src,
                      const struct lm_limits *limits, struct lm_diags *diags,
                      struct layer_ids *seen, int check_name, struct lm_arena *scratch)
{
    struct lm_arena *A = &cat->arena;
    const char *origin = lm_arena_strdup(A, src->display);
    if (origin == NULL)
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    const struct lm_ypack *pack = src->builtin != NULL && src->builtin->tree.nodes != NULL &&
                                          (kind == KIND_MODEL || kind == KIND_HARDWARE)
                                      ? &src->builtin->tree
                                      : NULL;
    struct lm_ynode *root;
    int rc;
    if (pack != NULL) {
        rc = lm__ypack_unpack(scratch, pack, &root);
        if (rc != LM_OK)
            return lm_diag_error(diags, rc, NULL, "out of memory");
    } else {
        rc = src->builtin != NULL
                 ? lm__builtin_tree(A, src->builtin, origin, diags, &root)
                 : lm__yaml_parse(A, origin, src->data, src->len, limits, diags, &root);
        if (rc != LM_OK)
            return rc;
    }
    struct lm_sctx c = { A, diags, origin, 0, 0, NULL, 0, 0, "" };

    if (kind == KIND_MODEL || kind == KIND_HARDWARE) {
        void *obj;
        const char *over;
        root = merge_partial(cat, kind == KIND_MODEL, root, &over);
        if (root != NULL && pack != NULL && over != NULL) {
            /* Merged over a lower entry: the merged tree is kept, so its
             * nodes must outlive the scratch arena. */
            if (lm__ypack_unpack(A, pack, &root) != LM_OK)
                root = NULL;
            else
                root = merge_partial(cat, kind == KIND_MODEL, root, &over);
            pack = NULL;
        }
        if (root == NULL)
            return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
        if (kind == KIND_MODEL) {
            struct lm_model *m = lm_arena_alloc(A, sizeof(*m));
            if (m == NULL)
                return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
            lm__schema_map(&c, root, &model_schema, m);
            model_defaults_and_checks(&c, root, m);
            m->origin = origin;
            m->tree = pack != NULL ? NULL : root;
            m->tree_pack = pack;
            m->merged_over = over;
            obj = m;
        } else {
            struct lm_hardware *h = lm_arena_alloc(A, sizeof(*h));
            if (h == NULL)
                return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
            lm__schema_map(&c, root, &hardware_schema, h);
            hardware_defaults_and_checks(&c, root, h);
            h->origin = origin;
            h->tree = pack != NULL ? NULL : root;
            h->tree_pack = pack;
            h->merged_over = over;
            obj = h;
        }
        const char *id = *(const char **)obj; /* id is the first member */
        if (id != NULL) {
            char stem[256];
            const char *first;
            stem_of(src->display, stem, sizeof(stem));
            if (check_name && strcmp(stem, id) != 0)
                lm__schema_error(&c, lm__ymap_get(root, "id"),
                                 "id '%s' does not match the file name (expected %s.yaml)",
                                 id, id);
            else if (seen != NULL && layer_seen(seen, id, origin, &first))
                lm__schema_error(&c, lm__ymap_get(root, "id"),
                                 "%s id '%s' is also defined in %s",
                                 kind == KIND_MODEL ? "model" : "hardware", id, first);
        }
        if (c.errors > 0)
            return LM_ESCHEMA;
        void ***items = kind == KIND_MODEL ? (void ***)&cat->models : (void ***)&cat->hardware;
        size_t *nitems = kind == KIND_MODEL ? &cat->nmodels : &cat->nhardware;
        size_t off = kind == KIND_MODEL ? offsetof(struct lm_model, id)
                                        : offsetof(struct lm_hardware, id);
        rc = seen != NULL ? table_put_indexed(items, nitems, obj, off, seen)
                          : table_put(items, nitems, obj, off);
        return rc == LM_OK ? LM_OK : lm_diag_error(diags, rc, NULL, "out of memory");
    }

    /* The two tables: a mapping with one key holding a list of entries. */
    const char *key = kind == KIND_QUANTS ? "quantizations" : "runtimes";
    if (root->kind != LM_Y_MAP) {
        lm__schema_error(&c, root, "expected a mapping with '%s', not a %s", key,
                         lm__node_kind_name(root));
        return LM_ESCHEMA;
    }
    const struct lm_ynode *list = NULL;
    for (size_t i = 0; i < root->n; i++) {
        const struct lm_ynode *k = root->items[2 * i];
        if (strcmp(k->text, key) == 0 && list == NULL) {
            list = root->items[2 * i + 1];
        } else if (strcmp(k->text, key) == 0) {
            lm__schema_error(&c, k, "duplicate key '%s'", key);
        } else {
            const char *cands[] = { key };
            const char *s = lm__suggest(k->text, cands, 1);
            if (s)
                lm__schema_error(&c, k, "unknown key '%s' (did you mean '%s'?)", k->text, s);
            else
                lm__schema_error(&c, k, "unknown key '%s'", k->text);
        }
    }
    if (list == NULL) {
        lm__schema_error(&c, root, "missing required key '%s'", key);
        return LM_ESCHEMA;
    }
    if (list->kind != LM_Y_SEQ) {
        lm__schema_error(&c, list, "'%s' must be a list, not a %s", key,
                         lm__node_kind_name(list));
        return LM_ESCHEMA;
    }
    void **entries = list->n ? calloc(list->n, sizeof(*entries)) : NULL;
    size_t nentries = 0;
    struct lm_strset entry_ids = LM_STRSET_INIT;
    for (size_t i = 0; i < list->n; i++) {
        void *obj = lm_arena_alloc(A, kind == KIND_QUANTS ? sizeof(struct lm_quant)
                                                          : sizeof(struct lm_runtime));
        if (obj == NULL || entries == NULL) {
            free(entries);
            lm__strset_release(&entry_ids);
            return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
        }
        lm__schema_map(&c, list->items[i], kind == KIND_QUANTS ? &quant_schema : &runtime_schema, obj);
        if (kind == KIND_QUANTS)
            ((struct lm_quant *)obj)->origin = origin;
        else
            ((struct lm_runtime *)obj)->origin = origin;
        const char *id = *(const char **)obj;
        if (id == NULL)
            continue;
        if (lm__strset_put(&entry_ids, id, i) != LM_STRSET_NONE) {
            lm__schema_error(&c, lm__ymap_get(list->items[i], "id"),
                             "duplicate %s id '%s'",
                             kind == KIND_QUANTS ? "quantization" : "runtime", id);
            continue;
        }
        entries[nentries++] = obj;
    }
    rc = LM_OK;
    if (c.errors == 0) {
        struct layer_ids index = { 0 };
        for (size_t i = 0; i < nentries && rc == LM_OK; i++) {
            if (kind == KIND_QUANTS)
                rc = table_put_indexed((void ***)&cat->quants, &cat->nquants, entries[i],
                                       offsetof(struct lm_quant, id), &index);
            else
                rc = table_put_indexed((void ***)&cat->runtimes, &cat->nruntimes, entries[i],
                                       offsetof(struct lm_runtime, id), &index);
        }
        layer_ids_release(&index);
        if (rc != LM_OK)
            rc = lm_diag_error(diags, rc, NULL, "out of memory");
    } else {
        rc = LM_ESCHEMA;
    }
    free(entries);
    lm__strset_release(&entry_ids);
    return rc;
}

/* The more severe of two statuses (the one with the higher exit code). */
static int worse(int a, int b)
{
    return lm_status_exit_code(b) > lm_status_exit_code(a) ? b : a;
}

static int load_builtin_layer(struct lm_catalog *cat, const struct lm_limits *limits,
                              struct lm_diags *diags)
{
    struct layer_ids seen_m = { 0 }, seen_h = { 0 };
    int rc = LM_OK;
    /* The builtin files are not counted against the user's limits (DESIGN
     * §7a). */
    (void)limits;
    struct lm_limits big = lm__builtin_limits();
    for (size_t i = 0; i < lm_builtin_count; i++) {
        const struct lm_builtin_file *f = &lm_builtin_files[i];
        enum kind kind;
        if (strncmp(f->name, "models/", 7) == 0 && strchr(f->name + 7, '/') == NULL)
            kind = KIND_MODEL;
        else if (strncmp(f->name, "hardware/", 9) == 0 && strchr(f->name + 9, '/') == NULL)
            kind = KIND_HARDWARE;
        else if (strcmp(f->name, "quantizations.yaml") == 0)
            kind = KIND_QUANTS;
        else if (strcmp(f->name, "runtimes.yaml") == 0)
            kind = KIND_RUNTIMES;
        else
            continue;
        struct source src;
        snprintf(src.display, sizeof(src.display), "<builtin>/%s", f->name);
        src.path[0] = '\0';
        src.data = f->data;
        src.len = f->size;
        src.builtin = f;
        rc = worse(rc, load_file(cat, kind, &src, &big, diags,
                                 kind == KIND_MODEL ? &seen_m : &seen_h));
    }
    layer_ids_release(&seen_m);
    layer_ids_release(&seen_h);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Lists dir's *.yaml and *.yml (not starting with '.'), sorted bytewise,
 * into *out (*n names). A missing directory lists nothing; any other
 * failure to read it (not a directory, permission, a read error, memory) is
 * an error, because a directory that is not read must not fall back to the
 * builtin profiles silently (issue 15). More than max names stops the
 * listing at once, so a directory of a million files costs no more than
 * max+1 entries (--max-files). */
static int list_yaml(const char *dir, size_t max, struct lm_diags *diags, char ***out,
                     size_t *count)
{
    struct lm_loc loc = { dir, 0, 0 };
    *out = NULL;
    *count = 0;
    errno = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        int err = errno;
        struct stat st;
        if (err == ENOENT && lstat(dir, &st) != 0)
            return LM_OK; /* absent: the layer has no such profiles */
        return lm_diag_error(diags, LM_EIO, &loc, "cannot read directory: %s",
                             err == ENOENT ? "dangling symbolic link" : strerror(err));
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = LM_OK;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (e == NULL) {
            if (errno != 0)
                rc = lm_diag_error(diags, LM_EIO, &loc, "cannot read directory: %s",
                                   strerror(errno));
            break;
        }
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        if (!((l > 5 && strcmp(e->d_name + l - 5, ".yaml") == 0) ||
              (l > 4 && strcmp(e->d_name + l - 4, ".yml") == 0)))
            continue;
        if (n == max) {
            rc = lm_diag_error(diags, LM_ELIMIT, &loc,
                               "more than --max-files (%zu) profile files; none was read", max);
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **g = realloc(names, cap * sizeof(*g));
            if (g == NULL) {
                rc = lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
                break;
            }
            names = g;
        }
        if ((names[n] = strdup(e->d_name)) == NULL) {
            rc = lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    if (rc != LM_OK) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        return rc;
    }
    if (n > 1) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(names, n, sizeof(*names), cmp_str);
    *out = names;
    *count = n;
    return LM_OK;
}

/* ------------------------------------------------------ imported layers */

/* Files written by `lmchoose import` start with
 *     # imported from NAME on YYYY-MM-DD by lmchoose import KIND
 * (src/import/import.h). A layer whose oldest such file is more than
 * LM_IMPORT_STALE_DAYS old warns when it loads: imported prices and offers
 * go stale (docs/import.md). */
#define LM_IMPORT_STALE_DAYS 90

/* Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

/* The import date in buf's first line, as days since the epoch, or -1. */
static long imported_day(const char *buf, size_t len, char date[11])
{
    static const char head[] = "# imported from ";
    if (len < sizeof(head) || strncmp(buf, head, sizeof(head) - 1) != 0)
        return -1;
    const char *eol = memchr(buf, '\n', len);
    size_t n = eol ? (size_t)(eol - buf) : len;
    for (size_t i = sizeof(head) - 1; i + 14 <= n; i++) {
        const char *p = buf + i;
        if (strncmp(p, " on ", 4) != 0)
            continue;
        p += 4;
        int ok = p[4] == '-' && p[7] == '-' && (p + 10 == buf + n || p[10] == ' ');
        for (int k = 0; ok && k < 10; k++)
            ok = k == 4 || k == 7 || (p[k] >= '0' && p[k] <= '9');
        if (!ok)
            continue;
        unsigned y = (unsigned)atoi(p), m = (unsigned)atoi(p + 5), d = (unsigned)atoi(p + 8);
        if (m < 1 || m > 12 || d < 1 || d > 31)
            continue;
        memcpy(date, p, 10);
        date[10] = '\0';
        return days_from_civil((long)y, m, d);
    }
    return -1;
}

/* Today as days since the epoch: SOURCE_DATE_EPOCH when set, so that runs
 * are reproducible, else the clock. */
static long today_day(void)
{
    long long t = (long long)time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde != NULL && sde[0] >= '0' && sde[0] <= '9') {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (*end == '\0')
            t = v;
    }
    return (long)(t / 86400);
}

/* The oldest import date seen in one layer. */
struct import_age {
    long day; /* -1: no imported file */
    char date[11];
};

static void note_import(struct import_age *age, const char *buf, size_t len)
{
    char date[11];
    long day = age ? imported_day(buf, len, date) : -1;
    if (day >= 0 && (age->day < 0 || day < age->day)) {
        age->day = day;
        memcpy(age->date, date, sizeof(date));
    }
}

static void warn_stale(const struct import_age *age, const char *dir, struct lm_diags *diags)
{
    long days = age->day >= 0 ? today_day() - age->day : 0;
    if (days <= LM_IMPORT_STALE_DAYS)
        return;
    struct lm_loc loc = { dir, 0, 0 };
    lm_diag_warning(diags, &loc,
                    "imported on %s, %ld days ago (over %d): prices and offers may be "
                    "stale; import a fresh copy (docs/import.md)",
                    age->date, days, LM_IMPORT_STALE_DAYS);
}

static int load_disk_file(struct lm_catalog *cat, enum kind kind, const char *path,
                          const struct lm_limits *limits, struct lm_diags *diags,
                          struct layer_ids *seen, struct import_age *age)
{
    char *buf;
    size_t len;
    int rc = lm__read_input(path, path, limits->max_input_size, diags, &buf, &len);
    if (rc != LM_OK)
        return rc;
    note_import(age, buf, len);
    struct source src;
    snprintf(src.display, sizeof(src.display), "%s", path);
    snprintf(src.path, sizeof(src.path), "%s", path);
    src.data = buf;
    src.len = len;
    src.builtin = NULL;
    /* The tree's scalars are copied into the arena, so buf can go. */
    rc = load_file(cat, kind, &src, limits, diags, seen);
    free(buf);
    return rc;
}

static int load_dir_layer(struct lm_catalog *cat, const char *dir,
                          const struct lm_limits *limits, struct lm_diags *diags)
{
    int rc = LM_OK, found = 0;
    char path[1024];
    struct lm_loc loc = { dir, 0, 0 };
    struct import_age age = { -1, "" };
    DIR *d = opendir(dir);
    if (d == NULL)
        return lm_diag_error(diags, LM_EIO, &loc, "cannot read profiles directory");
    closedir(d);
    static const char *const subdirs[] = { "models", "hardware" };
    size_t listed = 0; /* files of this layer so far, against --max-files */
    for (int k = 0; k < 2; k++) {
        struct layer_ids seen = { 0 };
        char **names;
        size_t n;
        if (snprintf(path, sizeof(path), "%s/%s", dir, subdirs[k]) >= (int)sizeof(path))
            return lm_diag_error(diags, LM_EIO, &loc, "path too long");
        int lr = list_yaml(path, limits->max_files - listed, diags, &names, &n);
        if (lr != LM_OK)
            return worse(rc, lr);
        listed += n;
        for (size_t i = 0; i < n; i++) {
            char file[1024];
            if (snprintf(file, sizeof(file), "%s/%s/%s", dir, subdirs[k], names[i]) >=
                (int)sizeof(file)) {
                struct lm_loc at = { path, 0, 0 };
                rc = worse(rc, lm_diag_error(diags, LM_EIO, &at, "path too long: '%s'",
                                             names[i]));
            } else {
                rc = worse(rc, load_disk_file(cat, k == 0 ? KIND_MODEL : KIND_HARDWARE,
                                              file, limits, diags, &seen, &age));
            }
            found = 1;
            free(names[i]);
        }
        free(names);
        layer_ids_release(&seen);
    }
    static const char *const tables[] = { "quantizations.yaml", "runtimes.yaml" };
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof(path), "%s/%s", dir, tables[k]);
        struct stat st;
        if (stat(path, &st) != 0) {
            if (errno == ENOENT)
                continue;
            struct lm_loc at = { path, 0, 0 };
            rc = worse(rc, lm_diag_error(diags, LM_EIO, &at, "cannot read: %s", strerror(errno)));
            continue;
        }
        found = 1;
        rc = worse(rc, load_disk_file(cat, k == 0 ? KIND_QUANTS : KIND_RUNTIMES,
                                      path, limits, diags, NULL, &age));
    }
    if (!found)
        return lm_diag_error(diags, LM_EIO, &loc, "no profiles found");
    warn_stale(&age, dir, diags);
    return rc;
}

static int cmp_model(const void *a, const void *b)
{
    return strcmp((*(struct lm_model *const *)a)->id, (*(struct lm_model *const *)b)->id);
}

static int cmp_hw(const void *a, const void *b)
{
    return strcmp((*(struct lm_hardware *const *)a)->id,
                  (*(struct lm_hardware *const *)b)->id);
}

/* Checks that need the whole catalog: files keyed by known quantizations,
 * quantizations naming known runtimes. */
static int cross_check(struct lm_catalog *cat, struct lm_diags *diags)
{
    int rc = LM_OK;
    const char **qids = cat->nquants ? malloc(cat->nquants * sizeof(*qids)) : NULL;
    for (size_t i = 0; qids && i < cat->nquants; i++)
        qids[i] = cat->quants[i]->id;
    for (size_t i = 0; i < cat->nmodels; i++) {
        const struct lm_model *m = cat->models[i];
        for (size_t f = 0; f < m->nfiles; f++) {
            if (lm_catalog_quant(cat, m->files[f].quant) != NULL)
                continue;
            struct lm_loc loc = { m->origin, m->files[f].line, m->files[f].col };
            const char *s = qids ? lm__suggest(m->files[f].quant, qids, cat->nquants) : NULL;
            if (s)
                rc = lm_diag_error(diags, LM_ESCHEMA, &loc,
                                   "unknown quantization '%s' in files (did you mean '%s'?)",
                                   m->files[f].quant, s);
            else
                rc = lm_diag_error(diags, LM_ESCHEMA, &loc,
                                   "unknown quantization '%s' in files", m->files[f].quant);
        }
    }
    free(qids);
    for (size_t i = 0; i < cat->nquants; i++) {
        const struct lm_quant *q = cat->quants[i];
        for (size_t r = 0; r < q->runtimes.n; r++) {
            if (lm_catalog_runtime(cat, q->runtimes.items[r]) != NULL || cat->nruntimes == 0)
                continue;
            struct lm_loc loc = { q->origin, 0, 0 };
            rc = lm_diag_error(diags, LM_ESCHEMA, &loc,
                               "quantization '%s' names unknown runtime '%s'", q->id,
                               q->runtimes.items[r]);
        }
    }
    return rc;
}

/* The names of one catalog entry, whatever its kind. */
struct entry_names {
    const char *id;
    const struct lm_strlist *aliases; /* NULL: none (runtimes) */
    const struct lm_srcpos *aliases_at;
    const char *origin;
    const void *entry;
};

static size_t kind_count(const struct lm_catalog *cat, enum lm_id_kind kind)
{
    return kind == LM_KIND_MODEL ? cat->nmodels : kind == LM_KIND_HARDWARE ? cat->nhardware
         : kind == LM_KIND_QUANT ? cat->nquants : cat->nruntimes;
}

static struct entry_names kind_entry(const struct lm_catalog *cat, enum lm_id_kind kind, size_t i)
{
    struct entry_names e = { NULL, NULL, NULL, NULL, NULL };
    if (kind == LM_KIND_MODEL) {
        const struct lm_model *m = cat->models[i];
        e = (struct entry_names){ m->id, &m->aliases, m->aliases_at, m->origin, m };
    } else if (kind == LM_KIND_HARDWARE) {
        const struct lm_hardware *h = cat->hardware[i];
        e = (struct entry_names){ h->id, &h->aliases, h->aliases_at, h->origin, h };
    } else if (kind == LM_KIND_QUANT) {
        const struct lm_quant *q = cat->quants[i];
        e = (struct entry_names){ q->id, &q->aliases, q->aliases_at, q->origin, q };
    } else {
        const struct lm_runtime *r = cat->runtimes[i];
        e = (struct entry_names){ r->id, NULL, NULL, r->origin, r };
    }
    return e;
}

/* Normalised names longer than this are not matched (no id or alias is
 * near it); the buffer only bounds the work. */
#define NAME_CAP 192

/* One normalised name of an entry: its id (alias < 0) or one alias. */
struct name_form {
    char form[NAME_CAP];
    size_t entry;
    long alias;
    int builtin; /* a shipped profile: the first claimant, so that the
                    error lands in the user's file */
};

static int cmp_form(const void *pa, const void *pb)
{
    const struct name_form *a = pa, *b = pb;
    int c = strcmp(a->form, b->form);
    if (c != 0)
        return c;
    if ((a->alias < 0) != (b->alias < 0))
        return a->alias < 0 ? -1 : 1; /* ids first */
    if (a->builtin != b->builtin)
        return a->builtin ? -1 : 1; /* then the shipped profiles */
    if (a->entry != b->entry)
        return a->entry < b->entry ? -1 : 1;
    return a->alias < b->alias ? -1 : a->alias > b->alias;
}

/* An alias must name one entry (DESIGN §9.7): two entries of one kind whose
 * aliases, or an alias and another entry's id, share a normalised form are
 * an error at the alias. Two ids that normalise alike are allowed (each
 * still resolves exactly); the normalised form then lists both. */
static int check_aliases(struct lm_catalog *cat, struct lm_diags *diags)
{
    int rc = LM_OK;
    static const enum lm_id_kind kinds[] = { LM_KIND_MODEL, LM_KIND_HARDWARE, LM_KIND_QUANT };
    static const char *const keywords[] = { NULL, "local", "auto" };
    for (size_t k = 0; k < 3; k++) {
        enum lm_id_kind kind = kinds[k];
        int strip = kind == LM_KIND_HARDWARE;
        size_t n = kind_count(cat, kind), nforms = 0, cap = 0;
        for (size_t i = 0; i < n; i++)
            cap += 1 + kind_entry(cat, kind, i).aliases->n;
        if (cap == 0)
            continue;
        struct name_form *forms = malloc(cap * sizeof(*forms));
        if (forms == NULL)
            return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
        for (size_t i = 0; i < n; i++) {
            struct entry_names e = kind_entry(cat, kind, i);
            for (long a = -1; a < (long)e.aliases->n; a++) {
                const char *name = a < 0 ? e.id : e.aliases->items[a];
                struct name_form *f = &forms[nforms];
                if (lm__name_normalise(name, strip, f->form, sizeof(f->form)) >= sizeof(f->form))
                    continue;
                f->entry = i;
                f->alias = a;
                f->builtin = strncmp(e.origin, "<builtin>/", 10) == 0;
                nforms++;
                if (a >= 0 && keywords[k] != NULL && strcmp(f->form, keywords[k]) == 0) {
                    struct lm_loc loc = { e.origin, e.aliases_at[a].line, e.aliases_at[a].col };
                    rc = lm_diag_error(diags, LM_ESCHEMA, &loc,
                                       "alias '%s' of %s '%s' is the reserved word '%s'",
                                       name, lm_id_kind_names[kind], e.id, keywords[k]);
                }
            }
        }
        qsort(forms, nforms, sizeof(*forms), cmp_form);
        for (size_t i = 0; i < nforms;) {
            size_t j = i + 1;
            while (j < nforms && strcmp(forms[j].form, forms[i].form) == 0)
                j++;
            /* forms[i] is the first claimant (an id when there is one). */
            for (size_t m = i + 1; m < j; m++) {
                if (forms[m].alias < 0 || forms[m].entry == forms[i].entry)
                    continue;
                struct entry_names e = kind_entry(cat, kind, forms[m].entry);
                struct entry_names first = kind_entry(cat, kind, forms[i].entry);
                const struct lm_srcpos *at = &e.aliases_at[forms[m].alias];
                struct lm_loc loc = { e.origin, at->line, at->col };
                rc = lm_diag_error(diags, LM_ESCHEMA, &loc,
                                   "alias '%s' of %s '%s' also names '%s' (both read '%s' once "
                                   "normalised); an alias must name one entry",
                                   e.aliases->items[forms[m].alias], lm_id_kind_names[kind],
                                   e.id, first.id, forms[i].form);
            }
            i = j;
        }
        free(forms);
    }
    return rc;
}

/* refit: the models changed, so the quality fit (over all models) is redone. */
static int finish(struct lm_catalog *cat, struct lm_diags *diags, int rc, int refit)
{
    if (cat->nmodels > 1)
        qsort(cat->models, cat->nmodels, sizeof(*cat->models), cmp_model);
    if (cat->nhardware > 1)
        qsort(cat->hardware, cat->nhardware, sizeof(*cat->hardware), cmp_hw);
    rc = worse(rc, cross_check(cat, diags));
    rc = worse(rc, check_aliases(cat, diags));
    /* The quality fit is over the whole loaded catalog (DESIGN §9.4). Out
     * of memory leaves the models on their published scores only. */
    if (refit)
        (void)lm_quality_fit_catalog(cat, NULL);
    return rc;
}

int lm_catalog_load_builtin(struct lm_catalog *cat, const struct lm_limits *limits,
                            struct lm_diags *diags)
{
    return finish(cat, diags, load_builtin_layer(cat, limits, diags), 1);
}

int lm_catalog_load(struct lm_catalog *cat, const char *const *dirs, size_t ndirs,
                    const struct lm_limits *limits, struct lm_diags *diags)
{
    int rc = load_builtin_layer(cat, limits, diags);
    for (size_t i = 0; i < ndirs; i++)
        rc = worse(rc, load_dir_layer(cat, dirs[i], limits, diags));
    return finish(cat, diags, rc, 1);
}

int lm_catalog_load_file(struct lm_catalog *cat, const char *kind,
                         const char *display, const char *data, size_t len,
                         int check_name, const struct lm_limits *limits,
                         struct lm_diags *diags)
{
    enum kind k;
    if (strcmp(kind, "model") == 0)
        k = KIND_MODEL;
    else if (strcmp(kind, "hardware") == 0)
        k = KIND_HARDWARE;
    else if (strcmp(kind, "quantizations") == 0)
        k = KIND_QUANTS;
    else
        k = KIND_RUNTIMES;
    struct source src;
    snprintf(src.display, sizeof(src.display), "%s", display);
    snprintf(src.path, sizeof(src.path), "%s", display);
    src.data = data;
    src.len = len;
    src.builtin = NULL;
    size_t before = diags->nerrors;
    int rc = load_file_checked(cat, k, &src, limits, diags, NULL, check_name);
    int xrc = finish(cat, diags, LM_OK, k == KIND_MODEL);
    if (rc == LM_OK && diags->nerrors > before)
        rc = xrc != LM_OK ? xrc : LM_ESCHEMA;
    return rc;
}

/* ----------------------------------------------------------------- lookups */

const struct lm_model *lm_catalog_model(const struct lm_catalog *cat, const char *id)
{
    size_t lo = 0, hi = cat->nmodels;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(cat->models[mid]->id, id);
        if (c == 0)
            return cat->models[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct lm_hardware *lm_catalog_hardware(const struct lm_catalog *cat, const char *id)
{
    size_t lo = 0, hi = cat->nhardware;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(cat->hardware[mid]->id, id);
        if (c == 0)
            return cat->hardware[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct lm_quant *lm_catalog_quant(const struct lm_catalog *cat, const char *id)
{
    for (size_t i = 0; i < cat->nquants; i++)
        if (strcmp(cat->quants[i]->id, id) == 0)
            return cat->quants[i];
    return NULL;
}

const struct lm_runtime *lm_catalog_runtime(const struct lm_catalog *cat, const char *id)
{
    for (size_t i = 0; i < cat->nruntimes; i++)
        if (strcmp(cat->runtimes[i]->id, id) == 0)
            return cat->runtimes[i];
    return NULL;
}

/* Adds id to the candidates of r unless it is there; counts the overflow. */
static void add_candidate(struct lm_name_result *r, const char *id)
{
    for (size_t i = 0; i < r->ncandidates; i++)
        if (strcmp(r->candidates[i], id) == 0)
            return;
    if (r->ncandidates < LM_NAME_MAX_CANDIDATES)
        r->candidates[r->ncandidates++] = id;
    else
        r->nmore++;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether the normalised name q starts (length >= 2) or contains (length
 * >= 3) the normalised query. */
static int partial_match(const char *form, const char *q, size_t ql)
{
    if (ql >= 2 && strncmp(form, q, ql) == 0)
        return 1;
    return ql >= 3 && strstr(form, q) != NULL;
}

int lm_catalog_resolve(const struct lm_catalog *cat, enum lm_id_kind kind,
                       const char *name, const char *keyword, struct lm_name_result *out)
{
    memset(out, 0, sizeof(*out));
    out->status = LM_NAME_UNKNOWN;
    int strip = kind == LM_KIND_HARDWARE;
    size_t n = kind_count(cat, kind);
    for (size_t i = 0; i < n; i++) {
        struct entry_names e = kind_entry(cat, kind, i);
        if (strcmp(e.id, name) == 0) {
            out->status = LM_NAME_FOUND;
            out->id = e.id;
            out->entry = e.entry;
            return out->status;
        }
    }
    char q[NAME_CAP], f[NAME_CAP];
    size_t ql = lm__name_normalise(name, strip, q, sizeof(q));
    if (ql == 0 || ql >= sizeof(q))
        return out->status;

    /* 1. The same normalised form: an id or an alias. */
    size_t nexact = 0;
    for (size_t i = 0; i < n; i++) {
        struct entry_names e = kind_entry(cat, kind, i);
        int hit = 0;
        for (long a = -1; !hit && a < (long)(e.aliases ? e.aliases->n : 0); a++) {
            const char *nm = a < 0 ? e.id : e.aliases->items[a];
            hit = lm__name_normalise(nm, strip, f, sizeof(f)) < sizeof(f) && strcmp(f, q) == 0;
        }
        if (hit) {
            if (nexact++ == 0) {
                out->id = e.id;
                out->entry = e.entry;
            }
            add_candidate(out, e.id);
        }
    }
    if (nexact == 1) {
        out->ncandidates = 0;
        out->status = LM_NAME_FOUND;
        return out->status;
    }
    if (nexact > 1) {
        out->id = NULL;
        out->entry = NULL;
        out->status = LM_NAME_AMBIGUOUS;
        qsort(out->candidates, out->ncandidates, sizeof(*out->candidates), cmp_cstr);
        return out->status;
    }

    /* 2. Entries the name starts or is part of: one is a suggestion,
     * several make the name ambiguous ("H100": SXM or PCIe). */
    for (size_t i = 0; i < n; i++) {
        struct entry_names e = kind_entry(cat, kind, i);
        int hit = 0;
        for (long a = -1; !hit && a < (long)(e.aliases ? e.aliases->n : 0); a++) {
            const char *nm = a < 0 ? e.id : e.aliases->items[a];
            hit = lm__name_normalise(nm, strip, f, sizeof(f)) < sizeof(f) && partial_match(f, q, ql);
        }
        if (hit)
            add_candidate(out, e.id);
    }
    if (keyword != NULL && partial_match(keyword, q, ql))
        add_candidate(out, keyword);
    if (out->ncandidates + out->nmore > 1) {
        out->status = LM_NAME_AMBIGUOUS;
        qsort(out->candidates, out->ncandidates, sizeof(*out->candidates), cmp_cstr);
        return out->status;
    }
    if (out->ncandidates == 1)
        return out->status;

    /* 3. The nearest entries by edit distance on the normalised forms. */
    size_t limit = ql / 3 > 2 ? ql / 3 : 2, best = (size_t)-1;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i <= n; i++) {
            const char *id;
            size_t d = (size_t)-1;
            if (i == n) {
                if (keyword == NULL)
                    continue;
                id = keyword;
                d = lm__name_distance(q, keyword);
            } else {
                struct entry_names e = kind_entry(cat, kind, i);
                id = e.id;
                for (long a = -1; a < (long)(e.aliases ? e.aliases->n : 0); a++) {
                    const char *nm = a < 0 ? e.id : e.aliases->items[a];
                    if (lm__name_normalise(nm, strip, f, sizeof(f)) >= sizeof(f))
                        continue;
                    size_t da = lm__name_distance(q, f);
                    if (da < d)
                        d = da;
                }
            }
            if (pass == 0 && d < best)
                best = d;
            else if (pass == 1 && d == best && d <= limit)
                add_candidate(out, id);
        }
    }
    qsort(out->candidates, out->ncandidates, sizeof(*out->candidates), cmp_cstr);
    return out->status;
}

int lm_catalog_resolve_tag(const struct lm_catalog *cat, const char *name,
                           const struct lm_model **model, const struct lm_quant **quant)
{
    char buf[NAME_CAP], rest[NAME_CAP];
    struct lm_name_result r;
    *model = NULL;
    *quant = NULL;
    size_t n = strlen(name);
    const char *colon = strchr(name, ':');
    const char *dash = strrchr(name, '-');
    if (n >= sizeof(buf) || colon == NULL || dash == NULL || dash < colon || dash[1] == '\0')
        return 0;
    if (lm_catalog_resolve(cat, LM_KIND_QUANT, dash + 1, NULL, &r) != LM_NAME_FOUND)
        return 0;
    const struct lm_quant *q = r.entry;
    /* NAME:REST as written, then without the flavour segments. */
    memcpy(buf, name, (size_t)(dash - name));
    buf[dash - name] = '\0';
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            size_t head = (size_t)(colon - name) + 1, used = head;
            memcpy(rest, buf, head);
            char *save = NULL;
            for (char *seg = strtok_r(buf + head, "-", &save); seg != NULL;
                 seg = strtok_r(NULL, "-", &save)) {
                if (strcmp(seg, "instruct") == 0 || strcmp(seg, "chat") == 0 ||
                    strcmp(seg, "it") == 0)
                    continue;
                used += (size_t)snprintf(rest + used, sizeof(rest) - used, "%s%s",
                                         used > head ? "-" : "", seg);
            }
            rest[used < sizeof(rest) ? used : sizeof(rest) - 1] = '\0';
            memcpy(buf, rest, sizeof(buf));
        }
        if (lm_catalog_resolve(cat, LM_KIND_MODEL, buf, NULL, &r) == LM_NAME_FOUND) {
            *model = r.entry;
            *quant = q;
            return 1;
        }
    }
    return 0;
}

char *lm_name_message(const char *what, const char *name, const struct lm_name_result *r)
{
    char list[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < r->ncandidates && used < sizeof(list); i++) {
        const char *sep = i == 0 ? "" : (i + 1 == r->ncandidates && r->nmore == 0) ? " or " : ", ";
        int w = snprintf(list + used, sizeof(list) - used, "%s'%s'", sep, r->candidates[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (r->nmore > 0 && used < sizeof(list))
        snprintf(list + used, sizeof(list) - used, " or %zu more", r->nmore);
    const char *adj = r->status == LM_NAME_AMBIGUOUS ? "ambiguous" : "unknown";
    if (r->ncandidates == 0)
        return lm__asprintf("%s %s '%s'", adj, what, name);
    return lm__asprintf("%s %s '%s' (did you mean %s?)", adj, what, name, list);
}

const char *lm_model_class(const struct lm_catalog *cat, const struct lm_model *m)
{
    if (m->class_override == 0)
        return "slm";
    if (m->class_override == 1)
        return "llm";
    if (isnan(m->params_b))
        return "llm";
    return m->params_b <= cat->slm_max_params_b ? "slm" : "llm";
}

const struct lm_api_offer *lm_model_offer(const struct lm_model *m, const char *provider)
{
    for (size_t i = 0; i < m->napi; i++)
        if (provider == NULL || strcmp(m->api[i].provider, provider) == 0)
            return &m->api[i];
    return NULL;
}

const struct lm_calibration *lm_runtime_calibration(const struct lm_runtime *rt,
                                                    const struct lm_hardware *hw)
{
    for (size_t i = 0; i < rt->ncalibration; i++) {
        const struct lm_calibration *c = &rt->calibration[i];
        if (!(c->class_mask & (1u << hw->hw_class)))
            continue;
        if (c->vendor >= 0 && c->vendor != hw->vendor)
            continue;
        return c;
    }
    return NULL;
}

void lm_catalog_release(struct lm_catalog *cat)
{
    if (cat == NULL)
        return;
    lm_arena_release(&cat->arena);
    free(cat->models);
    free(cat->hardware);
    free(cat->quants);
    free(cat->runtimes);
    struct lm_catalog init = LM_CATALOG_INIT;
    *cat = init;
}

const struct lm_schema *lm__catalog_schema(const char *kind)
{
    if (strcmp(kind, "model") == 0)
        return &model_schema;
    if (strcmp(kind, "hardware") == 0)
        return &hardware_schema;
    if (strcmp(kind, "quantization") == 0)
        return &quant_schema;
    if (strcmp(kind, "runtime") == 0)
        return &runtime_schema;
    return NULL;
}
