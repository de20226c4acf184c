/*
 * JSON output, the only file besides json_read.c that includes cJSON.
 *
 * Every document is built with cJSON (create -> check -> attach -> fill,
 * with one cJSON_Delete at the end) and printed formatted. Two cJSON traps
 * are closed here: strings are made valid UTF-8 (invalid bytes become
 * U+FFFD, which cJSON would otherwise copy through), and non-finite numbers
 * never reach cJSON (they are written as null, which the schemas allow only
 * where a value can be unknown). Keys are always present, in the order of
 * docs/schema/.
 */
#include "lmchoose/render.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lmchoose/quality.h"
#include "lmchoose/report.h"
#include "lmchoose/rules.h"
#include "lmchoose/scenario.h"
#include "lmchoose/status.h"
#include "util/strutil.h"
#include "util/numfmt.h"

/* A copy of s with invalid UTF-8 sequences replaced by U+FFFD. */
static char *utf8_sanitize(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(len * 3 + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0, i = 0;
    while (i < len) {
        size_t n = 1;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
            if (n == 0 || i + n > len || !lm__utf8_valid(s + i, n)) {
                memcpy(out + o, "\xEF\xBF\xBD", 3);
                o += 3;
                i++;
                continue;
            }
        }
        memcpy(out + o, s + i, n);
        o += n;
        i += n;
    }
    out[o] = '\0';
    return out;
}

static cJSON *str_item(const char *s)
{
    if (s == NULL)
        return cJSON_CreateNull();
    char *clean = utf8_sanitize(s);
    if (clean == NULL)
        return NULL;
    cJSON *it = cJSON_CreateString(clean);
    free(clean);
    return it;
}

static cJSON *num_item(double v, int decimals)
{
    if (!isfinite(v))
        return cJSON_CreateNull();
    return cJSON_CreateNumber(decimals >= 0 ? lm_round(v, decimals) : v);
}

/* Attach helpers; each returns 0, or -1 when memory ran out. */
static int add(cJSON *obj, const char *key, cJSON *item)
{
    if (item == NULL)
        return -1;
    cJSON_bool ok = cJSON_IsArray(obj) ? cJSON_AddItemToArray(obj, item)
                                       : cJSON_AddItemToObject(obj, key, item);
    if (!ok) {
        cJSON_Delete(item);
        return -1;
    }
    return 0;
}

static int add_str(cJSON *obj, const char *key, const char *s)
{
    return add(obj, key, str_item(s));
}

static int add_num(cJSON *obj, const char *key, double v, int decimals)
{
    return add(obj, key, num_item(v, decimals));
}

static int add_bool(cJSON *obj, const char *key, int b)
{
    return add(obj, key, b < 0 ? cJSON_CreateNull() : cJSON_CreateBool(b));
}

static int add_strlist(cJSON *obj, const char *key, const struct lm_strlist *l)
{
    cJSON *a = cJSON_CreateArray();
    if (add(obj, key, a) != 0)
        return -1;
    for (size_t i = 0; i < l->n; i++)
        if (add_str(a, NULL, l->items[i]) != 0)
            return -1;
    return 0;
}

static int add_enum(cJSON *obj, const char *key, int v, const char *const *names)
{
    return add_str(obj, key, v >= 0 ? names[v] : NULL);
}

static int print_doc(cJSON *root, FILE *out)
{
    char *s = cJSON_Print(root);
    if (s == NULL)
        return LM_ENOMEM;
    fputs(s, out);
    fputc('\n', out);
    cJSON_free(s);
    return LM_OK;
}

/* ----------------------------------------------------------------- profiles */

static cJSON *model_object(const struct lm_catalog *cat, const struct lm_model *m)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int e = 0;
    e |= add_str(o, "id", m->id);
    e |= add_str(o, "name", m->name);
    e |= add_str(o, "family", m->family);
    e |= add_strlist(o, "aliases", &m->aliases);
    e |= add_num(o, "params_b", m->params_b, -1);
    e |= add_num(o, "active_params_b", m->active_params_b, -1);
    e |= add_str(o, "class", lm_model_class(cat, m));
    if (m->arch.present) {
        cJSON *a = cJSON_CreateObject();
        e |= add(o, "architecture", a);
        if (a != NULL) {
            e |= add_num(a, "layers", m->arch.layers, -1);
            e |= add_num(a, "hidden", m->arch.hidden, -1);
            e |= add_num(a, "attention_heads", m->arch.attention_heads, -1);
            e |= add_num(a, "kv_heads", m->arch.kv_heads, -1);
            e |= add_num(a, "head_dim", m->arch.head_dim, -1);
            e |= add_num(a, "vocab", m->arch.vocab, -1);
            e |= add_bool(a, "tied_embeddings", m->arch.tied_embeddings < 0 ? 0 : m->arch.tied_embeddings);
            e |= add_num(a, "sliding_window", m->arch.sliding_window, -1);
            e |= add_num(a, "sliding_window_layers", m->arch.sliding_window_layers, -1);
            e |= add_num(a, "intermediate_size", m->arch.intermediate_size, -1);
        }
    } else {
        e |= add(o, "architecture", cJSON_CreateNull());
    }
    e |= add_num(o, "context_tokens", m->context_tokens, -1);
    e |= add_strlist(o, "modalities", &m->modalities);
    e |= add_bool(o, "open_weights", m->open_weights);
    e |= add_str(o, "license", m->license);
    e |= add_bool(o, "commercial_use", m->commercial_use < 0 ? 1 : m->commercial_use);
    cJSON *q = cJSON_CreateObject();
    e |= add(o, "quality", q);
    for (int k = 0; q != NULL && k < LM_Q_COUNT; k++)
        e |= add_num(q, lm_quality_names[k], m->quality[k], -1);
    cJSON *f = cJSON_CreateObject();
    e |= add(o, "files", f);
    for (size_t k = 0; f != NULL && k < m->nfiles; k++)
        e |= add_num(f, m->files[k].quant, m->files[k].bytes, -1);
    e |= add_bool(o, "gguf_separate_output", m->gguf_separate_output < 0 ? 0 : m->gguf_separate_output);
    e |= add_strlist(o, "finetune", &m->finetune);
    cJSON *api = cJSON_CreateArray();
    e |= add(o, "api", api);
    for (size_t k = 0; api != NULL && k < m->napi; k++) {
        const struct lm_api_offer *a = &m->api[k];
        cJSON *x = cJSON_CreateObject();
        e |= add(api, NULL, x);
        if (x == NULL)
            break;
        e |= add_str(x, "provider", a->provider);
        e |= add_num(x, "input_usd_per_mtok", a->input_usd_per_mtok, -1);
        e |= add_num(x, "output_usd_per_mtok", a->output_usd_per_mtok, -1);
        e |= add_num(x, "ttft_ms", a->ttft_ms, -1);
        e |= add_num(x, "output_tokens_per_s", a->output_tokens_per_s, -1);
        e |= add_enum(x, "data_use", a->data_use, lm_data_use_names);
        e |= add_strlist(x, "regions", &a->regions);
        e |= add_num(x, "finetune_usd_per_mtok", a->finetune_usd_per_mtok, -1);
    }
    e |= add_strlist(o, "sources", &m->sources);
    e |= add_str(o, "origin", m->origin);
    if (e) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *hardware_object(const struct lm_hardware *h)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int e = 0;
    e |= add_str(o, "id", h->id);
    e |= add_str(o, "name", h->name);
    e |= add_strlist(o, "aliases", &h->aliases);
    e |= add_enum(o, "vendor", h->vendor, lm_vendor_names);
    e |= add_enum(o, "class", h->hw_class, lm_hw_class_names);
    e |= add_strlist(o, "detect", &h->detect);
    e |= add_num(o, "memory_gib", h->memory_gib, -1);
    e |= add_num(o, "usable_fraction", h->usable_fraction, -1);
    e |= add_num(o, "bandwidth_gbps", h->bandwidth_gbps, -1);
    e |= add_num(o, "fp16_tflops", h->fp16_tflops, -1);
    e |= add_num(o, "fp8_tflops", h->fp8_tflops, -1);
    e |= add_num(o, "power_w", h->power_w, -1);
    e |= add_strlist(o, "placements", &h->placement_names);
    e |= add_num(o, "max_devices", h->max_devices, -1);
    cJSON *p = cJSON_CreateObject();
    e |= add(o, "price", p);
    if (p != NULL) {
        e |= add_num(p, "purchase_usd", h->purchase_usd, -1);
        e |= add_num(p, "usd_per_hour", h->listed_usd_per_hour, -1);
        cJSON *offers = cJSON_CreateArray();
        e |= add(p, "cloud_offers", offers);
        for (size_t k = 0; offers != NULL && k < h->ncloud_offers; k++) {
            const struct lm_cloud_offer *c = &h->cloud_offers[k];
            cJSON *x = cJSON_CreateObject();
            e |= add(offers, NULL, x);
            if (x == NULL)
                break;
            e |= add_str(x, "provider", c->provider);
            e |= add_enum(x, "tier", c->tier, lm_cloud_tier_names);
            e |= add_num(x, "usd_per_hour", c->usd_per_hour, -1);
        }
        /* The rate the cost model uses for the cloud placement, and whose. */
        e |= add_num(p, "cloud_usd_per_hour", h->usd_per_hour, -1);
        e |= add_str(p, "cloud_provider", h->cloud_provider);
    }
    e |= add_strlist(o, "sources", &h->sources);
    e |= add_str(o, "origin", h->origin);
    if (e) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *quant_object(const struct lm_quant *q)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int e = 0;
    e |= add_str(o, "id", q->id);
    e |= add_strlist(o, "aliases", &q->aliases);
    e |= add_num(o, "bits_per_weight", q->bits_per_weight, -1);
    e |= add_num(o, "embedding_bits_per_weight",
                 isnan(q->embedding_bits_per_weight) ? q->bits_per_weight
                                                     : q->embedding_bits_per_weight, -1);
    e |= add_num(o, "output_bits_per_weight",
                 isnan(q->output_bits_per_weight) ? q->bits_per_weight
                                                  : q->output_bits_per_weight, -1);
    e |= add_num(o, "fallback_bits_per_weight", q->fallback_bits_per_weight, -1);
    e |= add_num(o, "quality_delta", q->quality_delta, -1);
    e |= add_strlist(o, "runtimes", &q->runtimes);
    e |= add_strlist(o, "sources", &q->sources);
    e |= add_str(o, "origin", q->origin);
    if (e) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *runtime_object(const struct lm_runtime *r)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int e = 0;
    e |= add_str(o, "id", r->id);
    e |= add_num(o, "overhead_gib", r->overhead_gib, -1);
    e |= add_num(o, "compute_buffer_ubatch", r->compute_buffer_ubatch, -1);
    e |= add_num(o, "weights_overhead_fraction", r->weights_overhead_fraction, -1);
    e |= add_num(o, "activation_gib", r->activation_gib, -1);
    e |= add_num(o, "activation_moe_gib", r->activation_moe_gib, -1);
    e |= add_num(o, "non_torch_gib", r->non_torch_gib, -1);
    e |= add_num(o, "non_torch_multi_gib", r->non_torch_multi_gib, -1);
    e |= add_num(o, "max_usable_fraction", r->max_usable_fraction, -1);
    cJSON *cal = cJSON_CreateArray();
    e |= add(o, "calibration", cal);
    for (size_t i = 0; cal != NULL && i < r->ncalibration; i++) {
        const struct lm_calibration *c = &r->calibration[i];
        cJSON *x = cJSON_CreateObject();
        e |= add(cal, NULL, x);
        if (x == NULL)
            break;
        cJSON *cls = cJSON_CreateArray();
        e |= add(x, "classes", cls);
        for (int k = 0; cls != NULL && k < LM_HW_CLASS_COUNT; k++)
            if (c->class_mask & (1u << k))
                e |= add_str(cls, NULL, lm_hw_class_names[k]);
        e |= add_enum(x, "vendor", c->vendor, lm_vendor_names);
        e |= add_num(x, "efficiency", c->efficiency, -1);
        e |= add_num(x, "per_layer_overhead_us", c->per_layer_overhead_us, -1);
        e |= add_num(x, "mfu", c->mfu, -1);
        if (!isnan(c->kv_efficiency))
            e |= add_num(x, "kv_efficiency", c->kv_efficiency, -1);
        if (!isnan(c->ttft_overhead_ms))
            e |= add_num(x, "ttft_overhead_ms", c->ttft_overhead_ms, -1);
        e |= add_str(x, "source", c->source);
    }
    e |= add_strlist(o, "sources", &r->sources);
    e |= add_str(o, "origin", r->origin);
    if (e) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int lm_render_json_list(const struct lm_catalog *cat, const char *kind, FILE *out)
{
    cJSON *root = cJSON_CreateArray();
    int rc = LM_OK;
    if (root == NULL)
        return LM_ENOMEM;
    size_t n = strcmp(kind, "models") == 0 ? cat->nmodels
             : strcmp(kind, "hardware") == 0 ? cat->nhardware
             : strcmp(kind, "quantizations") == 0 ? cat->nquants
             : cat->nruntimes;
    for (size_t i = 0; i < n; i++) {
        cJSON *it = strcmp(kind, "models") == 0 ? model_object(cat, cat->models[i])
                  : strcmp(kind, "hardware") == 0 ? hardware_object(cat->hardware[i])
                  : strcmp(kind, "quantizations") == 0 ? quant_object(cat->quants[i])
                  : runtime_object(cat->runtimes[i]);
        if (add(root, NULL, it) != 0) {
            rc = LM_ENOMEM;
            goto out;
        }
    }
    rc = print_doc(root, out);
out:
    cJSON_Delete(root);
    return rc;
}

/* ----------------------------------------------------------------- estimate */

static int add_header(cJSON *root, const char *command, int exit_code)
{
    int e = 0;
    e |= add_num(root, "schema_version", LM_JSON_SCHEMA_VERSION, 0);
    e |= add_str(root, "lmchoose_version", LM_VERSION_STRING);
    e |= add_str(root, "command", command);
    e |= add_num(root, "exit_code", exit_code, 0);
    return e;
}

static cJSON *basis_object(const struct lm_basis *b)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int e = 0;
    for (size_t i = 0; i < b->n; i++) {
        const struct lm_basis_entry *be = &b->entries[i];
        cJSON *x = cJSON_CreateObject();
        e |= add(o, be->field, x);
        if (x == NULL)
            break;
        e |= add_str(x, "method", be->method);
        cJSON *in = cJSON_CreateObject();
        e |= add(x, "inputs", in);
        for (size_t k = 0; in != NULL && k < be->ninputs; k++) {
            if (be->inputs[k].text != NULL)
                e |= add_str(in, be->inputs[k].name, be->inputs[k].text);
            else
                e |= add_num(in, be->inputs[k].name, be->inputs[k].value, 6);
        }
        e |= add_str(x, "formula", be->formula);
        e |= add_str(x, "source", be->source);
    }
    if (e) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* The estimate object of DESIGN §6.1, shared by every command. */
static cJSON *estimate_object(const struct lm_estimate *est, const struct lm_basis *basis)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int e = 0;
    e |= add_num(o, "memory_gib", est->memory_gib, 3);
    e |= add_num(o, "memory_per_device_gib", est->memory_per_device_gib, 3);
    e |= add_num(o, "weights_gib", est->weights_gib, 3);
    e |= add_num(o, "kv_cache_gib", est->kv_cache_gib, 3);
    e |= add_num(o, "overhead_gib", est->overhead_gib, 3);
    e |= add_num(o, "usable_gib", est->usable_gib, 3);
    e |= add_num(o, "headroom_gib", est->headroom_gib, 3);
    e |= add_enum(o, "fit", est->fit, lm_fit_names);
    e |= add_num(o, "decode_tokens_per_s", est->decode_tokens_per_s, 1);
    e |= add_num(o, "prefill_tokens_per_s", est->prefill_tokens_per_s, 1);
    e |= add_num(o, "ttft_ms", est->ttft_ms, 0);
    e |= add_num(o, "max_concurrency", est->max_concurrency, 0);
    e |= add_num(o, "instances", est->instances, 0);
    e |= add_num(o, "capacity_requests_per_day", est->capacity_requests_per_day, 0);
    e |= add_num(o, "utilization", est->utilization, 2);
    e |= add_num(o, "usd_per_month", est->usd_per_month, 2);
    e |= add_num(o, "break_even_requests_per_day", est->break_even_requests_per_day, 0);
    e |= add_num(o, "quality", est->quality, 1);
    e |= add_enum(o, "finetune_method", est->finetune_method, lm_ft_method_names);
    e |= add_num(o, "finetune_hours", est->finetune_hours, 2);
    e |= add_num(o, "finetune_usd", est->finetune_usd, 2);
    e |= add_num(o, "error_band", est->error_bands.decode, 2);
    cJSON *b = cJSON_CreateObject();
    e |= add(o, "error_bands", b);
    if (b != NULL) {
        e |= add_num(b, "memory", est->error_bands.memory, 2);
        e |= add_num(b, "decode", est->error_bands.decode, 2);
        e |= add_num(b, "ttft", est->error_bands.ttft, 2);
        e |= add_num(b, "usd_per_month", est->error_bands.usd_per_month, 2);
    }
    e |= add(o, "basis", basis ? basis_object(basis) : cJSON_CreateObject());
    if (e) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int lm_render_json_estimate(const struct lm_estimate_doc *d, FILE *out)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return LM_ENOMEM;
    int e = add_header(root, "estimate", d->exit_code);
    e |= add_str(root, "model", d->model->id);
    e |= add_str(root, "provider", d->offer ? d->offer->provider : NULL);
    e |= add_str(root, "hardware", d->offer ? NULL : d->hardware_id);
    e |= add_str(root, "quantization", d->quant ? d->quant->id : NULL);
    e |= add_str(root, "runtime", d->runtime ? d->runtime->id : NULL);
    e |= add_str(root, "placement", lm_placement_names[d->placement]);
    e |= add_num(root, "context_tokens", d->offer ? (double)NAN : d->context_tokens, 0);
    e |= add_num(root, "prompt_tokens", d->prompt_tokens, 0);
    e |= add_num(root, "batch", d->offer ? (double)NAN : d->batch, 0);
    e |= add_num(root, "devices", d->offer ? (double)NAN : d->devices, 0);
    if (d->host != NULL && d->est.cpu_moe_layers > 0) {
        /* Expert offload (estimate --cpu-moe): the host side of memory. */
        cJSON *off = cJSON_CreateObject();
        e |= add(root, "offload", off);
        if (off != NULL) {
            e |= add_str(off, "host", d->host->id);
            e |= add_num(off, "cpu_moe_layers", d->est.cpu_moe_layers, 0);
            e |= add_num(off, "host_memory_gib", d->est.host_memory_gib, 3);
            e |= add_num(off, "host_usable_gib", d->est.host_usable_gib, 3);
            e |= add_enum(off, "host_fit", d->est.host_fit, lm_fit_names);
        }
    }
    e |= add(root, "estimate", estimate_object(&d->est, &d->basis));
    int rc = e ? LM_ENOMEM : print_doc(root, out);
    cJSON_Delete(root);
    return rc;
}

int lm_render_json_errors(const char *command, int exit_code,
                          const struct lm_diags *diags, FILE *out)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return LM_ENOMEM;
    int e = add_header(root, command, exit_code);
    cJSON *errs = cJSON_CreateArray();
    e |= add(root, "errors", errs);
    for (size_t i = 0; errs != NULL && i < diags->count; i++) {
        const struct lm_diag *g = &diags->items[i];
        if (g->sev != LM_SEV_ERROR)
            continue;
        cJSON *x = cJSON_CreateObject();
        e |= add(errs, NULL, x);
        if (x == NULL)
            break;
        e |= add_str(x, "file", g->file);
        e |= add_num(x, "line", g->line ? (double)g->line : (double)NAN, 0);
        e |= add_num(x, "col", g->col ? (double)g->col : (double)NAN, 0);
        e |= add_str(x, "message", g->msg);
    }
    int rc = e ? LM_ENOMEM : print_doc(root, out);
    cJSON_Delete(root);
    return rc;
}

/* ---------------------------------------------------------------- recommend */

/* The resolved scenario (§3.2), every key present. */
static cJSON *scenario_object(const struct lm_recommend_view *v)
{
    const struct lm_scenario *sc = v->rep->sc;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int e = add_num(o, "lmchoose", 1, 0);
    cJSON *t = cJSON_CreateObject();
    e |= add(o, "task", t);
    if (t) {
        e |= add_str(t, "kind", lm_task_kind_names[sc->task.kind]);
        e |= add_str(t, "breadth", lm_breadth_names[sc->task.breadth]);
        e |= add_strlist(t, "modalities", &sc->task.modalities);
        e |= add_num(t, "context_tokens", sc->task.context_tokens, 0);
    }
    cJSON *w = cJSON_CreateObject();
    e |= add(o, "workload", w);
    if (w) {
        e |= add_num(w, "requests_per_day", sc->workload.requests_per_day, 0);
        e |= add_num(w, "input_tokens", sc->workload.input_tokens, 0);
        e |= add_num(w, "output_tokens", sc->workload.output_tokens, 0);
        e |= add_num(w, "peak_concurrency", sc->workload.peak_concurrency, 0);
        e |= add_num(w, "window_hours", sc->workload.window_hours, -1);
    }
    cJSON *c = cJSON_CreateObject();
    e |= add(o, "constraints", c);
    if (c) {
        if (sc->constraints.hardware_set) {
            cJSON *h = cJSON_CreateArray();
            e |= add(c, "hardware", h);
            for (size_t i = 0; h && i < sc->constraints.hardware.n; i++) {
                const char *id = sc->constraints.hardware.items[i];
                if (strcmp(id, "local") == 0 && v->local != NULL && !v->local_built)
                    id = v->local->id;
                e |= add_str(h, NULL, id);
            }
        } else {
            e |= add(c, "hardware", cJSON_CreateNull());
        }
        e |= add_num(c, "memory_gib", sc->constraints.memory_gib, -1);
        cJSON *l = cJSON_CreateObject();
        e |= add(c, "latency", l);
        if (l) {
            e |= add_num(l, "ttft_ms", sc->constraints.latency.ttft_ms, -1);
            e |= add_num(l, "output_tokens_per_s", sc->constraints.latency.output_tokens_per_s, -1);
        }
        cJSON *b = cJSON_CreateObject();
        e |= add(c, "budget", b);
        if (b) {
            e |= add_num(b, "usd_per_month", sc->constraints.budget.usd_per_month, -1);
            e |= add_num(b, "finetune_usd", sc->constraints.budget.finetune_usd, -1);
        }
        e |= add_enum(c, "privacy", sc->constraints.privacy, lm_privacy_names);
        e |= add_str(c, "region", sc->constraints.region);
        cJSON *d = cJSON_CreateObject();
        e |= add(c, "data", d);
        if (d)
            e |= add_num(d, "labeled_examples", sc->constraints.data.labeled_examples, 0);
        cJSON *q = cJSON_CreateObject();
        e |= add(c, "quality", q);
        if (q)
            e |= add_num(q, "min_score", sc->constraints.quality.min_score, -1);
        cJSON *li = cJSON_CreateObject();
        e |= add(c, "license", li);
        if (li)
            e |= add_bool(li, "commercial", sc->constraints.license.commercial);
        e |= add_bool(c, "offline", sc->constraints.offline);
        cJSON *ow = cJSON_CreateArray();
        e |= add(c, "owned", ow);
        for (size_t i = 0; ow && i < sc->constraints.nowned; i++) {
            cJSON *x = cJSON_CreateObject();
            e |= add(ow, NULL, x);
            if (x == NULL)
                break;
            const char *id = sc->constraints.owned[i].hardware;
            if (id != NULL && strcmp(id, "local") == 0 && v->local != NULL && !v->local_built)
                id = v->local->id;
            e |= add_str(x, "hardware", id);
            e |= add_num(x, "count", sc->constraints.owned[i].count, 0);
        }
        e |= add_bool(c, "self_hosted", sc->constraints.self_hosted);
    }
    cJSON *p = cJSON_CreateObject();
    e |= add(o, "priorities", p);
    for (int k = 0; p && k < LM_S_COUNT; k++)
        e |= add_num(p, lm_subscore_names[k], sc->priorities[k], -1);
    cJSON *a = cJSON_CreateObject();
    e |= add(o, "assumptions", a);
    if (a) {
        e |= add_num(a, "usd_per_kwh", sc->assumptions.usd_per_kwh, -1);
        e |= add_num(a, "amortization_months", sc->assumptions.amortization_months, -1);
        e |= add_num(a, "target_utilization", sc->assumptions.target_utilization, -1);
        e |= add_bool(a, "scale_to_zero", sc->assumptions.scale_to_zero < 0 ? 0 : sc->assumptions.scale_to_zero);
    }
    cJSON *r = cJSON_CreateObject();
    e |= add(o, "rules", r);
    if (r) {
        e |= add_strlist(r, "disable", &sc->rules.disable);
        cJSON *wv = cJSON_CreateArray();
        e |= add(r, "waive", wv);
        for (size_t i = 0; wv && i < sc->rules.nwaive; i++) {
            cJSON *x = cJSON_CreateObject();
            e |= add(wv, NULL, x);
            if (x == NULL)
                break;
            e |= add_str(x, "rule", sc->rules.waive[i].rule);
            e |= add_str(x, "reason", sc->rules.waive[i].reason);
            e |= add_str(x, "expires", sc->rules.waive[i].expires);
        }
    }
    if (sc->deployment.present) {
        cJSON *dp = cJSON_CreateObject();
        e |= add(o, "deployment", dp);
        if (dp) {
            e |= add_str(dp, "model", sc->deployment.model);
            e |= add_str(dp, "provider", sc->deployment.provider);
            e |= add_str(dp, "quantization", sc->deployment.quantization);
            e |= add_str(dp, "hardware", sc->deployment.hardware);
            e |= add_num(dp, "devices", sc->deployment.hardware ? sc->deployment.devices : (double)NAN, 0);
            e |= add_str(dp, "placement", sc->deployment.placement);
            e |= add_str(dp, "runtime", sc->deployment.runtime);
        }
    } else {
        e |= add(o, "deployment", cJSON_CreateNull());
    }
    if (e) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* A recommendation entry of §6.1 (rank 0 = null). */
static cJSON *candidate_entry(const struct lm_report *r, const struct lm_report_row *row,
                              long rank)
{
    const struct lm_candidate *c = &row->c;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int e = add_num(o, "rank", rank > 0 ? (double)rank : (double)NAN, 0);
    e |= add_str(o, "candidate", c->id);
    e |= add_str(o, "model", c->model->id);
    e |= add_str(o, "class", row->klass);
    e |= add_str(o, "kind", c->offer ? "api" : "self-hosted");
    e |= add_str(o, "provider", c->offer ? c->offer->provider : NULL);
    e |= add_str(o, "hardware", c->offer ? NULL : c->hw->id);
    e |= add_str(o, "quantization", c->offer ? NULL : c->quant->id);
    e |= add_str(o, "runtime", c->offer ? NULL : c->runtime->id);
    e |= add_num(o, "devices", c->offer ? (double)NAN : c->devices, 0);
    e |= add_str(o, "placement", lm_placement_names[c->placement]);
    e |= add_num(o, "score", c->total, 1);
    cJSON *s = cJSON_CreateObject();
    e |= add(o, "scores", s);
    for (int k = 0; s && k < LM_S_COUNT; k++)
        e |= add_num(s, lm_subscore_names[k], c->scores[k], 1);
    e |= add(o, "estimate", estimate_object(&c->est, &row->basis));
    cJSON *ra = cJSON_CreateArray();
    e |= add(o, "rationale", ra);
    if (ra && isnan(c->est.quality)) {
        cJSON *x = cJSON_CreateObject();
        char msg[128];
        snprintf(msg, sizeof(msg), "no published benchmark for task kind %s",
                 lm_task_kind_names[r->sc->task.kind]);
        e |= add(ra, NULL, x);
        if (x) {
            e |= add(x, "rule", cJSON_CreateNull());
            e |= add_str(x, "severity", "warning");
            e |= add_num(x, "score", 0, 1);
            e |= add_str(x, "message", msg);
        }
    }
    for (size_t ri = 0; ra && ri < r->rules->n; ri++) {
        const struct lm_rule *rule = r->rules->rules[ri];
        if (!lm_candidate_fired(c, ri) || rule->severity == LM_SEV_RULE_ERROR)
            continue;
        cJSON *x = cJSON_CreateObject();
        e |= add(ra, NULL, x);
        if (x == NULL)
            break;
        e |= add_str(x, "rule", rule->id);
        e |= add_str(x, "severity", lm_rule_severity_names[rule->severity]);
        e |= add_num(x, "score", rule->score, 1);
        e |= add_str(x, "message", row->message[ri]);
    }
    if (e) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *rejected_entry(const struct lm_report *r, const struct lm_report_row *row)
{
    const struct lm_candidate *c = &row->c;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int e = add_str(o, "candidate", c->id);
    e |= add_num(o, "score", c->total, 1);
    cJSON *rl = cJSON_CreateArray(), *ms = cJSON_CreateArray();
    e |= add(o, "rules", rl);
    e |= add(o, "messages", ms);
    for (size_t ri = 0; rl && ms && ri < r->rules->n; ri++) {
        const struct lm_rule *rule = r->rules->rules[ri];
        if (!lm_candidate_fired(c, ri) || rule->severity != LM_SEV_RULE_ERROR)
            continue;
        e |= add_str(rl, NULL, rule->id);
        e |= add_str(ms, NULL, row->message[ri]);
    }
    if (e) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *flip_object(const struct lm_report_flip *f)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int e = add_str(o, "dimension", lm_dimension_names[f->dimension]);
    e |= add_str(o, "constraint", f->constraint);
    if (f->is_privacy) {
        e |= add_str(o, "from", f->from_level >= 0 ? lm_privacy_names[f->from_level] : NULL);
        e |= add_str(o, "to", lm_privacy_names[f->to_level]);
    } else {
        e |= add_num(o, "from", f->from, 6);
        e |= add_num(o, "to", f->to, 6);
    }
    e |= add_str(o, "winner", f->winner);
    e |= add_str(o, "winner_class", f->winner_class);
    e |= add_str(o, "summary", f->summary);
    if (e) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* A relaxation of §9.5: {candidate, class, score, quality, changes:
 * [{constraint, from, to}], total_change, summary}. */
static cJSON *relaxation_object(const struct lm_report *r, const struct lm_report_relax *x)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int e = add_str(o, "candidate", x->candidate);
    e |= add_str(o, "class", x->klass);
    e |= add_num(o, "score", x->score, 1);
    e |= add_num(o, "quality", x->quality, 1);
    cJSON *ch = cJSON_CreateArray();
    e |= add(o, "changes", ch);
    for (size_t k = 0; ch && k < x->nchanges; k++) {
        const struct lm_report_change *g = &x->changes[k];
        cJSON *co = cJSON_CreateObject();
        e |= add(ch, NULL, co);
        if (co == NULL)
            break;
        e |= add_str(co, "constraint", g->constraint);
        if (g->is_privacy) {
            e |= add_str(co, "from", lm_privacy_names[g->from_level]);
            e |= add_str(co, "to", lm_privacy_names[g->to_level]);
        } else if (g->is_region) {
            e |= add_str(co, "from", r->sc->constraints.region);
            e |= add(co, "to", cJSON_CreateNull());
        } else if (g->is_offline) {
            e |= add(co, "from", cJSON_CreateBool(1));
            e |= add(co, "to", cJSON_CreateBool(0));
        } else {
            e |= add_num(co, "from", g->from, 6);
            e |= add_num(co, "to", g->to, 6);
        }
    }
    e |= add_num(o, "total_change", x->total_change, 2);
    e |= add_str(o, "summary", x->summary);
    if (e) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Writes s with `tabs` more tabs after each newline: an element printed on
 * its own, at the depth it has inside the document. */
static void put_indented(const char *s, int tabs, FILE *out)
{
    for (const char *nl; (nl = strchr(s, '\n')) != NULL; s = nl + 1) {
        fwrite(s, 1, (size_t)(nl - s) + 1, out);
        for (int t = 0; t < tabs; t++)
            fputc('\t', out);
    }
    fputs(s, out);
}

/* Writes the entries of one candidate list, as cJSON_Print would inside the
 * document: elements at depth 2, separated by ", ". */
static int stream_list(const struct lm_report *r, int rejected, size_t limit, FILE *out)
{
    size_t first = rejected ? r->nfeasible : 0, end = rejected ? r->ncandidates : r->nfeasible;
    struct lm_report_row *row = malloc(sizeof(*row));
    if (row == NULL)
        return LM_ENOMEM;
    lm_report_row_init(row);
    int rc = LM_OK;
    for (size_t k = first; k < end && k - first < limit; k++) {
        if ((rc = lm_report_row(r, k, row)) != LM_OK)
            break;
        cJSON *x = rejected ? rejected_entry(r, row) : candidate_entry(r, row, (long)k + 1);
        char *s = x != NULL ? cJSON_Print(x) : NULL;
        cJSON_Delete(x);
        if (s == NULL) {
            rc = LM_ENOMEM;
            break;
        }
        if (k > first)
            fputs(", ", out);
        put_indented(s, 2, out);
        cJSON_free(s);
    }
    lm_report_row_release(row);
    free(row);
    return rc;
}

/* Prints root, whose "recommendations" and "rejected" arrays are empty
 * placeholders, with the candidate entries streamed into them: the whole
 * document is never held in memory (50 MB for --all on every hardware
 * profile). The bytes are those cJSON_Print would give for the full tree. */
static int print_lists(cJSON *root, const struct lm_recommend_view *v, FILE *out)
{
    static const char *const marks[2] = { "\"recommendations\":\t[]", "\"rejected\":\t[]" };
    const struct lm_report *r = v->rep;
    size_t limit = v->all ? r->ncandidates : v->top;
    char *s = cJSON_Print(root);
    if (s == NULL)
        return LM_ENOMEM;
    const char *p = s;
    int rc = LM_OK;
    for (int k = 0; k < 2 && rc == LM_OK; k++) {
        const char *m = strstr(p, marks[k]);
        if (m == NULL) {
            rc = LM_EINTERNAL;
            break;
        }
        size_t upto = (size_t)(m - p) + strlen(marks[k]) - 1; /* through '[' */
        fwrite(p, 1, upto, out);
        rc = stream_list(r, k == 1, limit, out);
        p += upto; /* at the ']' */
    }
    if (rc == LM_OK) {
        fputs(p, out);
        fputc('\n', out);
    }
    cJSON_free(s);
    return rc;
}

int lm_render_json_recommend(const struct lm_recommend_view *v, FILE *out)
{
    const struct lm_report *r = v->rep;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return LM_ENOMEM;
    int e = add_header(root, "recommend", v->exit_code);
    e |= add(root, "scenario", scenario_object(v));
    cJSON *vd = cJSON_CreateObject();
    e |= add(root, "verdict", vd);
    if (vd) {
        e |= add_str(vd, "class", r->verdict_class);
        e |= add_str(vd, "slm", r->best[0][0] ? r->best[0] : NULL);
        e |= add_str(vd, "llm", r->best[1][0] ? r->best[1] : NULL);
        e |= add_str(vd, "summary", r->summary);
        cJSON *d = cJSON_CreateArray();
        e |= add(vd, "deciding", d);
        for (size_t k = 0; d && k < r->ndeciding; k++)
            e |= add_str(d, NULL, r->deciding[k]);
        e |= add(vd, "flip", r->nflips ? flip_object(&r->flips[0]) : cJSON_CreateNull());
        cJSON *fl = cJSON_CreateArray();
        e |= add(vd, "flips", fl);
        for (size_t k = 0; fl && k < r->nflips; k++)
            e |= add(fl, NULL, flip_object(&r->flips[k]));
        e |= add_num(vd, "break_even_requests_per_day", r->break_even, 0);
        cJSON *rl = cJSON_CreateArray();
        e |= add(vd, "relaxations", rl);
        for (size_t k = 0; rl && k < r->nrelax; k++)
            e |= add(rl, NULL, relaxation_object(r, &r->relax[k]));
        e |= add(vd, "upgrade", r->has_upgrade ? relaxation_object(r, &r->upgrade)
                                               : cJSON_CreateNull());
    }
    /* The two candidate lists are streamed into the document (print_lists):
     * with --all they can hold a million entries. */
    e |= add(root, "recommendations", cJSON_CreateArray());
    e |= add(root, "rejected", cJSON_CreateArray());
    cJSON *cnt = cJSON_CreateObject();
    e |= add(root, "counts", cnt);
    if (cnt) {
        e |= add_num(cnt, "models", (double)r->nmodels, 0);
        e |= add_num(cnt, "hardware", (double)r->nhardware, 0);
        e |= add_num(cnt, "candidates", (double)r->ncandidates, 0);
        e |= add_num(cnt, "rejected", (double)(r->ncandidates - r->nfeasible), 0);
    }
    int rc = e ? LM_ENOMEM : print_lists(root, v, out);
    cJSON_Delete(root);
    return rc;
}

/* ------------------------------------------------------------------ rules */

int lm_render_json_rules(const struct lm_ruleset *rs, FILE *out)
{
    cJSON *root = cJSON_CreateArray();
    if (root == NULL)
        return LM_ENOMEM;
    int e = 0;
    for (size_t i = 0; i < rs->n && !e; i++) {
        const struct lm_rule *r = rs->rules[i];
        cJSON *o = cJSON_CreateObject();
        e |= add(root, NULL, o);
        if (o == NULL)
            break;
        e |= add_str(o, "id", r->id);
        e |= add_str(o, "dimension", lm_dimension_names[r->dimension]);
        e |= add_str(o, "severity", lm_rule_severity_names[r->severity]);
        e |= add_str(o, "when", r->when_src);
        e |= add_str(o, "message", r->message_src);
        e |= add_num(o, "score", r->score, -1);
        e |= add_str(o, "at", r->at);
        e |= add_str(o, "source", r->source);
        e |= add_str(o, "rationale", r->rationale);
        e |= add_str(o, "assumption", r->assumption);
        e |= add_str(o, "basis", lm_rule_basis(r));
        e |= add_str(o, "origin", r->origin);
    }
    int rc = e ? LM_ENOMEM : print_doc(root, out);
    cJSON_Delete(root);
    return rc;
}

/* ---------------------------------------------------------------- explain */

static cJSON *breakdown_object(const struct lm_report *r, const struct lm_candidate *c)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON *w = cJSON_CreateObject(), *s = cJSON_CreateObject(), *adj = cJSON_CreateArray();
    int e = add(o, "weights", w);
    e |= add(o, "subscores", s);
    for (int k = 0; w && s && k < LM_S_COUNT; k++) {
        e |= add_num(w, lm_subscore_names[k], r->sc->priorities[k], -1);
        e |= add_num(s, lm_subscore_names[k], c->scores[k], 1);
    }
    e |= add(o, "adjustments", adj);
    for (size_t ri = 0; adj && ri < r->rules->n; ri++) {
        const struct lm_rule *rule = r->rules->rules[ri];
        if (!lm_candidate_fired(c, ri) || rule->severity == LM_SEV_RULE_ERROR)
            continue;
        cJSON *x = cJSON_CreateObject();
        e |= add(adj, NULL, x);
        if (x == NULL)
            break;
        e |= add_str(x, "rule", rule->id);
        e |= add_num(x, "score", rule->score, 1);
    }
    e |= add_num(o, "total", c->total, 1);
    if (e) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* The positions explain prints: MODEL's feasible candidates by rank, then
 * its rejected ones by score; each group bounded by top. Returns the count;
 * *rank_of receives the global rank (0 when rejected). */
static size_t explain_rows(const struct lm_explain_view *v, size_t *rows, long *rank_of)
{
    const struct lm_report *r = v->rep;
    size_t n = 0, nf = 0, nr = 0;
    for (size_t k = 0; k < r->ncandidates; k++) {
        if (lm_report_model_at(r, k) != v->model)
            continue;
        int feasible = k < r->nfeasible;
        if (feasible ? nf >= v->top : nr >= v->top)
            continue;
        feasible ? nf++ : nr++;
        rows[n] = k;
        rank_of[n++] = feasible ? (long)k + 1 : 0;
    }
    return n;
}

/* The model's quality row for the scenario's task (DESIGN §9.4), as the
 * text renderer prints it: {task_kind, image, composite, band, benchmarks:
 * [{benchmark, value, source: published|imputed, band, residual, weight}]},
 * published cells first, then imputed ones, each group in key order. */
static cJSON *explain_quality_object(const struct lm_explain_view *v)
{
    const struct lm_scenario *sc = v->rep->sc;
    const char *kind = lm_task_kind_names[sc->task.kind];
    int image = 0;
    for (size_t i = 0; i < sc->task.modalities.n; i++)
        image |= strcmp(sc->task.modalities.items[i], "image") == 0;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int e = add_str(o, "task_kind", kind);
    e |= add_bool(o, "image", image);
    e |= add_num(o, "composite", lm_quality_composite(v->model, kind, image), 1);
    e |= add_num(o, "band", lm_quality_composite_band(v->model, kind, image), 1);
    e |= add_bool(o, "family_order", lm_quality_family_fit(v->model, kind, image));
    cJSON *list = cJSON_CreateArray();
    e |= add(o, "benchmarks", list);
    for (int pass = 0; list && pass < 2; pass++)
        for (int k = 0; k < LM_Q_COUNT; k++) {
            int imputed = 0;
            double band, resid;
            double val = lm_quality_value(v->model, k, &imputed, &band, &resid);
            if (isnan(val) || imputed != pass)
                continue;
            cJSON *x = cJSON_CreateObject();
            e |= add(list, NULL, x);
            if (x == NULL)
                break;
            e |= add_str(x, "benchmark", lm_quality_names[k]);
            e |= add_num(x, "value", val, 1);
            e |= add_str(x, "source", imputed ? "imputed" : "published");
            e |= add_num(x, "band", band, 1);
            e |= add_num(x, "residual", resid, 1);
            e |= add_num(x, "weight", lm_quality_weight(kind, image, k), 3);
        }
    if (e) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int lm_render_json_explain(const struct lm_explain_view *v, FILE *out)
{
    const struct lm_report *r = v->rep;
    size_t *rows = malloc((r->ncandidates ? r->ncandidates : 1) * sizeof(*rows));
    long *ranks = malloc((r->ncandidates ? r->ncandidates : 1) * sizeof(*ranks));
    struct lm_report_row *row = malloc(sizeof(*row));
    cJSON *root = cJSON_CreateObject();
    int rc = LM_ENOMEM;
    if (row != NULL)
        lm_report_row_init(row);
    if (rows == NULL || ranks == NULL || row == NULL || root == NULL)
        goto out;
    struct lm_recommend_view rv = { r, 0, 0, 0, v->exit_code, v->local, v->local_built };
    int e = add_header(root, "explain", v->exit_code);
    e |= add(root, "scenario", scenario_object(&rv));
    e |= add(root, "model", model_object(r->cat, v->model));
    e |= add(root, "quality", explain_quality_object(v));
    cJSON *cands = cJSON_CreateArray();
    e |= add(root, "candidates", cands);
    size_t n = explain_rows(v, rows, ranks);
    for (size_t k = 0; cands && k < n && !e; k++) {
        if (lm_report_row(r, rows[k], row) != LM_OK) {
            e = 1;
            break;
        }
        cJSON *x = candidate_entry(r, row, ranks[k]);
        e |= add(cands, NULL, x);
        if (x == NULL)
            break;
        cJSON *rb = cJSON_CreateArray();
        e |= add(x, "rejected_by", rb);
        for (size_t ri = 0; rb && ri < r->rules->n; ri++)
            if (lm_candidate_fired(&row->c, ri) &&
                r->rules->rules[ri]->severity == LM_SEV_RULE_ERROR)
                e |= add_str(rb, NULL, r->rules->rules[ri]->id);
        e |= add(x, "breakdown", breakdown_object(r, &row->c));
    }
    rc = e ? LM_ENOMEM : print_doc(root, out);
out:
    cJSON_Delete(root);
    if (row != NULL)
        lm_report_row_release(row);
    free(row);
    free(rows);
    free(ranks);
    return rc;
}

/* ------------------------------------------------------------------ check */

#include "lmchoose/check.h"

static cJSON *check_violation(const struct lm_check_file *f, const struct lm_check_finding *x)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int e = 0;
    e |= add_str(o, "rule", x->rule_id);
    e |= add_str(o, "dimension", lm_dimension_names[x->dimension]);
    e |= add_str(o, "severity", lm_rule_severity_names[x->severity]);
    e |= add_str(o, "message", x->message);
    e |= add_str(o, "file", x->file != NULL ? x->file : f->file);
    e |= add_str(o, "deployment", x->deployment);
    e |= add_num(o, "line", x->line, 0);
    e |= add_num(o, "col", x->col, 0);
    e |= add_bool(o, "waived", x->waived);
    if (x->waiver_reason != NULL) {
        cJSON *w = cJSON_CreateObject();
        e |= add(o, "waiver", w);
        if (w != NULL) {
            e |= add_str(w, "reason", x->waiver_reason);
            e |= add_str(w, "expires", x->waiver_expires);
        }
    } else {
        e |= add(o, "waiver", cJSON_CreateNull());
    }
    e |= add_bool(o, "waiver_expired", x->waiver_expired);
    if (e) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *check_file_object(const struct lm_check_file *f)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int e = 0;
    e |= add_str(o, "file", f->file);
    e |= add_bool(o, "passed", f->skipped != NULL ? -1 : f->passed == 1);
    e |= add_str(o, "skipped", f->skipped);
    if (f->error) {
        cJSON *er = cJSON_CreateObject();
        e |= add(o, "error", er);
        if (er != NULL) {
            e |= add_str(er, "message", f->error_message);
            e |= add_num(er, "line", f->error_line ? (double)f->error_line : (double)NAN, 0);
            e |= add_num(er, "col", f->error_line && f->error_col ? (double)f->error_col : (double)NAN, 0);
        }
    } else {
        e |= add(o, "error", cJSON_CreateNull());
    }
    /* Every input error of the file, the first being `error`. */
    cJSON *errs = cJSON_CreateArray();
    e |= add(o, "errors", errs);
    for (size_t k = 0; errs != NULL && k < f->nerrors; k++) {
        cJSON *er = cJSON_CreateObject();
        e |= add(errs, NULL, er);
        if (er != NULL) {
            e |= add_str(er, "message", f->errors[k].message);
            e |= add_num(er, "line", f->errors[k].line ? (double)f->errors[k].line : (double)NAN, 0);
            e |= add_num(er, "col", f->errors[k].line && f->errors[k].col ? (double)f->errors[k].col
                                                                          : (double)NAN, 0);
        }
    }
    e |= add_str(o, "format", f->format);
    e |= add_str(o, "candidate", f->candidate);
    cJSON *deps = cJSON_CreateArray();
    e |= add(o, "deployments", deps);
    for (size_t k = 0; deps != NULL && k < f->ndeploys; k++) {
        const struct lm_check_deploy *d = &f->deploys[k];
        cJSON *dj = cJSON_CreateObject();
        e |= add(deps, NULL, dj);
        if (dj == NULL)
            continue;
        e |= add_str(dj, "name", d->name);
        e |= add_str(dj, "format", d->format);
        e |= add_str(dj, "file", d->file);
        e |= add_num(dj, "line", d->line, 0);
        e |= add_num(dj, "col", d->col, 0);
        e |= add_str(dj, "service", d->service);
        e |= add_str(dj, "candidate", d->candidate);
        e |= add_str(dj, "model", d->model);
        e |= add_str(dj, "provider", d->provider);
        e |= add_str(dj, "region", d->region);
        e |= add_str(dj, "quantization", d->quantization);
        e |= add_str(dj, "hardware", d->hardware);
        e |= add_num(dj, "devices", d->devices, 0);
        e |= add_str(dj, "placement", d->placement);
        e |= add_str(dj, "runtime", d->runtime);
        e |= add_num(dj, "max_model_len", d->max_model_len, 0);
        e |= add_num(dj, "gpu_memory_utilization", d->gpu_memory_utilization, 3);
        e |= add_str(dj, "kv_cache_dtype", d->kv_cache_dtype);
    }
    cJSON *v = cJSON_CreateArray();
    e |= add(o, "violations", v);
    for (size_t k = 0; v != NULL && k < f->nfindings; k++)
        e |= add(v, NULL, check_violation(f, &f->findings[k]));
    if (e) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int lm_render_json_check(const struct lm_check_result *r, FILE *out)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return LM_ENOMEM;
    int e = add_header(root, "check", r->exit_code);
    e |= add_str(root, "fail_on", lm_check_fail_on_names[r->fail_on]);
    cJSON *files = cJSON_CreateArray();
    e |= add(root, "files", files);
    for (size_t i = 0; files != NULL && i < r->n; i++)
        e |= add(files, NULL, check_file_object(&r->files[i]));
    cJSON *s = cJSON_CreateObject();
    e |= add(root, "summary", s);
    if (s != NULL) {
        e |= add_num(s, "files", (double)r->summary.files, 0);
        e |= add_num(s, "passed", (double)r->summary.passed, 0);
        e |= add_num(s, "failed", (double)r->summary.failed, 0);
        e |= add_num(s, "skipped", (double)r->summary.skipped, 0);
        e |= add_num(s, "errors", (double)r->summary.errors, 0);
        e |= add_num(s, "warnings", (double)r->summary.warnings, 0);
        e |= add_num(s, "infos", (double)r->summary.infos, 0);
        e |= add_num(s, "waived", (double)r->summary.waived, 0);
    }
    int rc = e ? LM_ENOMEM : print_doc(root, out);
    cJSON_Delete(root);
    return rc;
}

/* --------------------------------------------------------------- validate */

int lm_render_json_validate(const struct lm_validate_file *files, size_t n,
                            const struct lm_diags *diags, int exit_code, FILE *out)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return LM_ENOMEM;
    int e = add_header(root, "validate", exit_code);
    cJSON *arr = cJSON_CreateArray();
    e |= add(root, "files", arr);
    size_t nvalid = 0;
    for (size_t i = 0; arr != NULL && i < n; i++) {
        const struct lm_validate_file *v = &files[i];
        cJSON *o = cJSON_CreateObject();
        e |= add(arr, NULL, o);
        if (o == NULL)
            continue;
        nvalid += v->valid != 0;
        e |= add_str(o, "file", v->file);
        e |= add_str(o, "kind", v->kind);
        e |= add_bool(o, "valid", v->valid);
        cJSON *errs = cJSON_CreateArray();
        e |= add(o, "errors", errs);
        for (size_t k = v->d0; errs != NULL && k < v->d1 && k < diags->count; k++) {
            const struct lm_diag *g = &diags->items[k];
            cJSON *er = cJSON_CreateObject();
            e |= add(errs, NULL, er);
            if (er == NULL)
                continue;
            e |= add_str(er, "severity", g->sev == LM_SEV_ERROR ? "error" : "warning");
            e |= add_str(er, "message", g->msg);
            e |= add_num(er, "line", g->line ? (double)g->line : (double)NAN, 0);
            e |= add_num(er, "col", g->line && g->col ? (double)g->col : (double)NAN, 0);
        }
    }
    cJSON *s = cJSON_CreateObject();
    e |= add(root, "summary", s);
    if (s != NULL) {
        e |= add_num(s, "files", (double)n, 0);
        e |= add_num(s, "valid", (double)nvalid, 0);
        e |= add_num(s, "invalid", (double)(n - nvalid), 0);
    }
    int rc = e ? LM_ENOMEM : print_doc(root, out);
    cJSON_Delete(root);
    return rc;
}

/* ------------------------------------------------------------------ SARIF */

static const char *const sarif_levels[] = { "error", "warning", "note" };

/* A path as a relative URI reference: bytes outside RFC 3986's unreserved,
 * sub-delims, ':', '@' and '/' are percent-encoded. */
static char *sarif_uri(const char *path)
{
    static const char ok[] = "-._~!$&'()*+,;=:@/";
    size_t n = strlen(path);
    char *u = malloc(n * 3 + 1);
    if (u == NULL)
        return NULL;
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr(ok, *p) != NULL) {
            u[o++] = (char)*p;
        } else {
            snprintf(u + o, 4, "%%%02X", *p);
            o += 3;
        }
    }
    u[o] = '\0';
    return u;
}

static cJSON *sarif_text(const char *s)
{
    cJSON *o = cJSON_CreateObject();
    if (o != NULL && add_str(o, "text", s) != 0) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *sarif_location(const char *file, unsigned line, unsigned col)
{
    cJSON *loc = cJSON_CreateObject(), *phys = cJSON_CreateObject();
    cJSON *art = cJSON_CreateObject(), *reg = line > 0 ? cJSON_CreateObject() : NULL;
    char *uri = sarif_uri(file);
    int e = loc == NULL || uri == NULL;
    e |= add(loc, "physicalLocation", phys);
    e |= add(phys, "artifactLocation", art);
    e |= add_str(art, "uri", uri ? uri : "");
    if (line > 0) {
        e |= add(phys, "region", reg);
        e |= add_num(reg, "startLine", line, 0);
        e |= add_num(reg, "startColumn", col > 0 ? col : 1, 0);
    }
    free(uri);
    if (e) {
        cJSON_Delete(loc);
        return NULL;
    }
    return loc;
}

/* The rule's descriptions: shortDescription, fullDescription, help. */
static cJSON *sarif_rule(const struct lm_check_result *r, size_t ri, int *e)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL) {
        *e = 1;
        return NULL;
    }
    const struct lm_rule *rule = ri >= LM_CHECK_RULE_BETTER ? NULL : r->rules->rules[ri];
    const char *id = lm_check_rule_id(r, ri);
    char *shortd, *full, *help;
    int sev;
    if (ri == LM_CHECK_RULE_BETTER) {
        sev = LM_SEV_RULE_INFO;
        shortd = lm__asprintf("another candidate of the scenario scores clearly higher");
        full = lm__asprintf("The best feasible candidate of the file's scenario outscores the "
                            "declared deployment by at least 10.0 points (warning with --suggest).");
        help = lm__asprintf("%s Consider deploying the named candidate, or waive the rule in "
                            "rules.waive with a reason and an expiry date.", full ? full : "");
    } else if (rule == NULL) {
        const struct lm_check_pseudo *p = &lm_check_pseudo_rules[ri - LM_CHECK_RULE_BETTER];
        sev = p->severity;
        shortd = lm__asprintf("%s", p->summary);
        full = lm__asprintf("%s", p->description);
        help = lm__asprintf("%s Waive it with a `# lmchoose:waive %s \"reason\" YYYY-MM-DD` "
                            "comment in the file, or in rules.waive.", p->description, p->id);
    } else {
        sev = rule->severity;
        const char *why = rule->rationale ? rule->rationale : rule->source ? rule->source : id;
        shortd = lm__asprintf("%s", why);
        /* The rule's basis (issue 11): its source, else its assumption. */
        const char *basis = rule->source ? rule->source : rule->assumption;
        const char *label = rule->source ? "Source: " : "Assumption: ";
        full = lm__asprintf("%s%s%s%s", rule->rationale ? rule->rationale : "",
                            rule->rationale && basis ? ". " : "", basis ? label : "",
                            basis ? basis : "");
        help = lm__asprintf("%s rule (%s): fires when %s.%s%s%s%s%s Waive it in the scenario's "
                            "rules.waive with a reason and an expiry date.",
                            lm_dimension_names[rule->dimension], lm_rule_severity_names[sev],
                            rule->when_src, rule->rationale ? " " : "",
                            rule->rationale ? rule->rationale : "", basis ? " " : "",
                            basis ? label : "", basis ? basis : "");
    }
    *e |= add_str(o, "id", id);
    *e |= add_str(o, "name", id);
    *e |= add(o, "shortDescription", sarif_text(shortd ? shortd : id));
    *e |= add(o, "fullDescription", sarif_text(full && full[0] ? full : id));
    *e |= add(o, "help", sarif_text(help ? help : id));
    cJSON *dc = cJSON_CreateObject();
    *e |= add(o, "defaultConfiguration", dc);
    *e |= add_str(dc, "level", sarif_levels[sev]);
    cJSON *props = cJSON_CreateObject();
    *e |= add(o, "properties", props);
    cJSON *tags = cJSON_CreateArray();
    *e |= add(props, "tags", tags);
    *e |= add_str(tags, NULL, rule ? lm_dimension_names[rule->dimension] : "ops");
    free(shortd);
    free(full);
    free(help);
    return o;
}

int lm_render_sarif_check(const struct lm_check_result *r, const struct lm_diags *diags,
                          FILE *out)
{
    size_t nr = r->rules ? r->rules->n : 0;
    /* Every rule enabled for some judged file (every rule when none was
     * judged); the advisory last. */
    long *index = malloc((nr + LM_CHECK_NPSEUDO) * sizeof(*index));
    if (index == NULL)
        return LM_ENOMEM;
    int any = 0;
    for (size_t i = 0; i < r->n; i++)
        any |= r->files[i].candidate != NULL || r->files[i].ndeploys > 0;
    long next = 0;
    for (size_t k = 0; k < nr + LM_CHECK_NPSEUDO; k++) {
        size_t ri = k < nr ? k : LM_CHECK_RULE_BETTER + (k - nr);
        /* check's own rules about deployment files are listed only when a
         * file enabled them. */
        int on = !any && ri <= LM_CHECK_RULE_BETTER;
        for (size_t i = 0; i < r->n && !on; i++)
            on = r->files[i].enabled[ri];
        index[k] = on ? next++ : -1;
    }
    cJSON *root = cJSON_CreateObject();
    int e = root == NULL;
    e |= add_str(root, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    e |= add_str(root, "version", "2.1.0");
    cJSON *runs = cJSON_CreateArray();
    e |= add(root, "runs", runs);
    cJSON *run = cJSON_CreateObject();
    e |= add(runs, NULL, run);
    cJSON *tool = cJSON_CreateObject(), *driver = cJSON_CreateObject();
    e |= add(run, "tool", tool);
    e |= add(tool, "driver", driver);
    e |= add_str(driver, "name", "lmchoose");
    e |= add_str(driver, "version", LM_VERSION_STRING);
    e |= add_str(driver, "semanticVersion", LM_VERSION_STRING);
    cJSON *rules = cJSON_CreateArray();
    e |= add(driver, "rules", rules);
    for (size_t k = 0; k < nr + LM_CHECK_NPSEUDO && !e; k++)
        if (index[k] >= 0)
            e |= add(rules, NULL, sarif_rule(r, k < nr ? k : LM_CHECK_RULE_BETTER + (k - nr), &e));
    cJSON *inv = cJSON_CreateArray(), *inv0 = cJSON_CreateObject();
    e |= add(run, "invocations", inv);
    e |= add(inv, NULL, inv0);
    e |= add_bool(inv0, "executionSuccessful", r->exit_code <= 1);
    e |= add_num(inv0, "exitCode", r->exit_code, 0);
    cJSON *notes = cJSON_CreateArray();
    e |= add(inv0, "toolExecutionNotifications", notes);
    for (size_t i = 0; diags != NULL && i < diags->count && !e; i++) {
        const struct lm_diag *g = &diags->items[i];
        cJSON *n = cJSON_CreateObject();
        e |= add(notes, NULL, n);
        e |= add_str(n, "level", g->sev == LM_SEV_ERROR ? "error" : "warning");
        e |= add(n, "message", sarif_text(g->msg));
        if (g->file != NULL) {
            cJSON *locs = cJSON_CreateArray();
            e |= add(n, "locations", locs);
            e |= add(locs, NULL, sarif_location(g->file, g->line, g->col));
        }
    }
    e |= add_str(run, "columnKind", "unicodeCodePoints");
    cJSON *results = cJSON_CreateArray();
    e |= add(run, "results", results);
    for (size_t i = 0; i < r->n && !e; i++) {
        const struct lm_check_file *f = &r->files[i];
        for (size_t k = 0; k < f->nfindings && !e; k++) {
            const struct lm_check_finding *x = &f->findings[k];
            cJSON *res = cJSON_CreateObject();
            e |= add(results, NULL, res);
            e |= add_str(res, "ruleId", x->rule_id);
            size_t slot = x->rule >= LM_CHECK_RULE_BETTER ? nr + (x->rule - LM_CHECK_RULE_BETTER)
                                                          : x->rule;
            e |= add_num(res, "ruleIndex", (double)index[slot], 0);
            e |= add_str(res, "level", sarif_levels[x->severity]);
            e |= add(res, "message", sarif_text(x->message));
            cJSON *locs = cJSON_CreateArray();
            e |= add(res, "locations", locs);
            e |= add(locs, NULL, sarif_location(x->file != NULL ? x->file : f->file, x->line, x->col));
            if (x->waived) {
                cJSON *sup = cJSON_CreateArray(), *s0 = cJSON_CreateObject();
                e |= add(res, "suppressions", sup);
                e |= add(sup, NULL, s0);
                e |= add_str(s0, "kind", "external");
                char *just = lm__asprintf("%s (until %s)", x->waiver_reason, x->waiver_expires);
                e |= add_str(s0, "justification", just ? just : x->waiver_reason);
                free(just);
            }
        }
    }
    free(index);
    int rc = e ? LM_ENOMEM : print_doc(root, out);
    cJSON_Delete(root);
    return rc;
}
