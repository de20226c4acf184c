/*
 * Text output for a terminal: aligned rows for `list`, a labelled breakdown
 * for `estimate`. Numbers use the precision of DESIGN §6.1, rounded by
 * lm_round() exactly as the JSON renderer does.
 */
#include "lmchoose/render.h"

#include <math.h>
#include <string.h>

#include "lmchoose/recommend.h"
#include "lmchoose/rules.h"
#include "lmchoose/status.h"

/* Formats v with decimals places, or "-" when unknown. */
static const char *fmt_num(char *buf, size_t cap, double v, int decimals)
{
    if (!isfinite(v))
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%.*f", decimals, lm_round(v, decimals));
    return buf;
}

/* Joins n strings with "," into buf (truncated to cap); "-" when empty. */
static const char *join(char *buf, size_t cap, const char *const *items, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < n && used < cap; k++) {
        int w = snprintf(buf + used, cap - used, "%s%s", k ? "," : "", items[k]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (n == 0)
        snprintf(buf, cap, "-");
    return buf;
}

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

int lm_render_text_list(const struct lm_catalog *cat, const char *kind, FILE *out)
{
    char a[32], b[32], c[32], d[32];
    if (strcmp(kind, "models") == 0) {
        fprintf(out, "%-30s %-5s %9s %9s %-8s %-28s %s\n", "ID", "CLASS", "PARAMS_B",
                "CONTEXT", "WEIGHTS", "API", "ORIGIN");
        for (size_t i = 0; i < cat->nmodels; i++) {
            const struct lm_model *m = cat->models[i];
            const char *providers[16];
            size_t np = 0;
            for (size_t k = 0; k < m->napi && np < 16; k++)
                providers[np++] = m->api[k].provider;
            char api[128];
            join(api, sizeof(api), providers, np);
            fprintf(out, "%-30s %-5s %9s %9.0f %-8s %-28s %s\n", m->id,
                    lm_model_class(cat, m), fmt_num(a, sizeof(a), m->params_b, 2),
                    m->context_tokens, m->open_weights == 1 ? "open" : "closed", api,
                    m->origin);
        }
    } else if (strcmp(kind, "hardware") == 0) {
        fprintf(out, "%-28s %-14s %8s %9s %9s %-22s %s\n", "ID", "CLASS", "MEM_GIB",
                "BW_GBPS", "FP16_TF", "PLACEMENTS", "ORIGIN");
        for (size_t i = 0; i < cat->nhardware; i++) {
            const struct lm_hardware *h = cat->hardware[i];
            char pl[64];
            join(pl, sizeof(pl), h->placement_names.items, h->placement_names.n);
            fprintf(out, "%-28s %-14s %8s %9s %9s %-22s %s\n", h->id,
                    lm_hw_class_names[h->hw_class], fmt_num(a, sizeof(a), h->memory_gib, 0),
                    fmt_num(b, sizeof(b), h->bandwidth_gbps, 0),
                    fmt_num(c, sizeof(c), h->fp16_tflops, 1), pl, h->origin);
        }
    } else if (strcmp(kind, "quantizations") == 0) {
        fprintf(out, "%-10s %6s %6s %6s %7s %-34s %s\n", "ID", "BPW", "EMB", "OUT",
                "QDELTA", "RUNTIMES", "ORIGIN");
        for (size_t i = 0; i < cat->nquants; i++) {
            const struct lm_quant *q = cat->quants[i];
            char rts[128];
            join(rts, sizeof(rts), q->runtimes.items, q->runtimes.n);
            fprintf(out, "%-10s %6s %6s %6s %7s %-34s %s\n", q->id,
                    fmt_num(a, sizeof(a), q->bits_per_weight, 3),
                    fmt_num(b, sizeof(b), isnan(q->embedding_bits_per_weight) ? q->bits_per_weight : q->embedding_bits_per_weight, 3),
                    fmt_num(c, sizeof(c), isnan(q->output_bits_per_weight) ? q->bits_per_weight : q->output_bits_per_weight, 3),
                    fmt_num(d, sizeof(d), q->quality_delta, 1), rts, q->origin);
        }
    } else {
        fprintf(out, "%-13s %-28s %-8s %10s %9s %5s %s\n", "ID", "CLASSES", "VENDOR",
                "EFFICIENCY", "LAYER_US", "MFU", "ORIGIN");
        for (size_t i = 0; i < cat->nruntimes; i++) {
            const struct lm_runtime *r = cat->runtimes[i];
            if (r->ncalibration == 0)
                fprintf(out, "%-13s %-28s %-8s %10s %9s %5s %s\n", r->id, "-", "-", "-",
                        "-", "-", r->origin);
            for (size_t k = 0; k < r->ncalibration; k++) {
                const struct lm_calibration *cl = &r->calibration[k];
                const char *names[LM_HW_CLASS_COUNT];
                size_t nn = 0;
                for (int j = 0; j < LM_HW_CLASS_COUNT; j++)
                    if (cl->class_mask & (1u << j))
                        names[nn++] = lm_hw_class_names[j];
                char cls[128];
                join(cls, sizeof(cls), names, nn);
                fprintf(out, "%-13s %-28s %-8s %10s %9s %5s %s\n", r->id, cls,
                        cl->vendor >= 0 ? lm_vendor_names[cl->vendor] : "any",
                        fmt_num(a, sizeof(a), cl->efficiency, 2),
                        fmt_num(b, sizeof(b), cl->per_layer_overhead_us, 1),
                        fmt_num(c, sizeof(c), cl->mfu, 2), r->origin);
            }
        }
    }
    return LM_OK;
}

int lm_render_text_estimate(const struct lm_estimate_doc *d, FILE *out)
{
    char a[32], b[32], c[32];
    const struct lm_estimate *e = &d->est;
    if (d->offer != NULL) {
        fprintf(out, "%s via the %s API\n", d->model->name, d->offer->provider);
    } else {
        fprintf(out, "%s, %s, on %s (%s, %s device%s, %s)\n", d->model->name,
                d->quant->id, d->hw ? d->hw->name : d->hardware_id,
                lm_placement_names[d->placement], fmt_num(a, sizeof(a), d->devices, 0),
                d->devices > 1 ? "s" : "", d->runtime ? d->runtime->id : "-");
        if (d->quant_reason != NULL)
            fprintf(out, "  quantization: %s\n", d->quant_reason);
        fprintf(out, "  context %s tokens, batch %s, prompt %s tokens\n",
                fmt_num(a, sizeof(a), d->context_tokens, 0), fmt_num(b, sizeof(b), d->batch, 0),
                fmt_num(c, sizeof(c), d->prompt_tokens, 0));
        fprintf(out, "\nMemory (±%.0f%%)\n", lm_round(e->error_bands.memory * 100, 0));
        fprintf(out, "  weights     %10s GiB\n", fmt_num(a, sizeof(a), e->weights_gib, 3));
        fprintf(out, "  kv cache    %10s GiB\n", fmt_num(a, sizeof(a), e->kv_cache_gib, 3));
        fprintf(out, "  overhead    %10s GiB\n", fmt_num(a, sizeof(a), e->overhead_gib, 3));
        fprintf(out, "  total       %10s GiB (%s GiB per device)\n",
                fmt_num(a, sizeof(a), e->memory_gib, 3),
                fmt_num(b, sizeof(b), e->memory_per_device_gib, 3));
        fprintf(out, "  usable      %10s GiB\n", fmt_num(a, sizeof(a), e->usable_gib, 3));
        fprintf(out, "  headroom    %10s GiB\n", fmt_num(a, sizeof(a), e->headroom_gib, 3));
        fprintf(out, "  fit         %10s\n", e->fit >= 0 ? lm_fit_names[e->fit] : "-");
    }
    fprintf(out, "\nSpeed\n");
    fprintf(out, "  decode      %10s tokens/s per stream (±%.0f%%)\n",
            fmt_num(a, sizeof(a), e->decode_tokens_per_s, 1),
            lm_round(e->error_bands.decode * 100, 0));
    if (d->offer == NULL)
        fprintf(out, "  prefill     %10s tokens/s\n",
                fmt_num(a, sizeof(a), e->prefill_tokens_per_s, 1));
    fprintf(out, "  first token %10s ms (±%.0f%%)\n", fmt_num(a, sizeof(a), e->ttft_ms, 0),
            lm_round(e->error_bands.ttft * 100, 0));
    fprintf(out, "\nCost\n");
    fprintf(out, "  per month   %10s USD (±%.0f%%)\n", fmt_num(a, sizeof(a), e->usd_per_month, 2),
            lm_round(e->error_bands.usd_per_month * 100, 0));
    if (d->offer == NULL)
        fprintf(out, "  concurrency %10s streams per instance, %s instance(s)\n",
                fmt_num(a, sizeof(a), e->max_concurrency, 0),
                fmt_num(b, sizeof(b), e->instances, 0));
    fprintf(out, "\nBasis\n");
    for (size_t i = 0; i < d->basis.n; i++) {
        const struct lm_basis_entry *be = &d->basis.entries[i];
        fprintf(out, "  %-22s %s: %s\n", be->field, or_dash(be->method), or_dash(be->formula));
        if (be->source != NULL)
            fprintf(out, "  %-22s source: %s\n", "", be->source);
    }
    return LM_OK;
}

/* ---------------------------------------------------------------- recommend */

static int rule_fired(const struct lm_candidate *c, size_t ri)
{
    return (c->fired[ri / 64] >> (ri % 64)) & 1;
}

/* "0.35", "1,234.50"-free plain money with 2 decimals. */
static const char *money(char *buf, size_t cap, double v)
{
    return fmt_num(buf, cap, v, 2);
}

int lm_render_text_recommend(const struct lm_recommend_view *v, int md, int color,
                             FILE *out)
{
    const struct lm_recommendation *r = v->rec;
    char summary[1024], a[32], b[32], c2[32], d[32], e[32];
    /* Colour marks only the verdict and the section titles, so the text
     * reads the same without it (NO_COLOR, pipes, --color never). */
    const char *bold = color && !md ? "\033[1m" : "", *reset = color && !md ? "\033[0m" : "";
    const char *hue = !color || md ? "" : r->verdict_class < 0 ? "\033[1;31m" : "\033[1;32m";
    lm_recommendation_summary(r, summary, sizeof(summary));
    const char *cls = r->verdict_class < 0 ? "none feasible" : r->verdict_class ? "LLM" : "SLM";
    if (md)
        fprintf(out, "## Verdict: %s\n\n%s\n\n", cls, summary);
    else
        fprintf(out, "%sVerdict: %s%s\n  %s\n", hue, cls, reset, summary);
    if (r->verdict_class >= 0) {
        const char *lead = md ? "- " : "  ";
        for (int k = 0; k < 2; k++) {
            char id[LM_CANDIDATE_ID_MAX] = "none feasible";
            if (r->best[k] >= 0)
                lm_recommendation_id(r, (size_t)r->best[k], id, sizeof(id));
            fprintf(out, "%sbest %s: %s\n", lead, k ? "LLM" : "SLM", id);
        }
        if (isfinite(r->break_even))
            fprintf(out, "%sbreak-even against the cheapest API: %s requests a day\n", lead,
                    fmt_num(a, sizeof(a), r->break_even, 0));
    }
    size_t limit = v->all ? r->n : v->top;
    if (r->nfeasible > 0) {
        if (md)
            fprintf(out, "\n## Recommendations\n\n| rank | score | candidate | class | quality | USD/month | tokens/s | TTFT ms | memory GiB | fit |\n|---:|---:|---|---|---:|---:|---:|---:|---:|---|\n");
        else
            fprintf(out, "\n%-4s %6s  %-52s %-5s %7s %10s %8s %8s %9s %s\n", "RANK", "SCORE",
                    "CANDIDATE", "CLASS", "QUALITY", "USD/MONTH", "TOK/S", "TTFT_MS",
                    "MEM_GIB", "FIT");
    }
    for (size_t k = 0; k < r->nfeasible && k < limit; k++) {
        size_t i = r->order[k];
        struct lm_candidate built;
        lm_recommendation_candidate(r, i, &built);
        const struct lm_candidate *c = &built;
        const char *klass = lm_recommendation_class(r, i) ? "llm" : "slm";
        const char *fit = c->est.fit >= 0 ? lm_fit_names[c->est.fit] : "-";
        if (md)
            fprintf(out, "| %zu | %s | `%s` | %s | %s | %s | %s | %s | %s | %s |\n", k + 1,
                    fmt_num(a, sizeof(a), c->total, 1), c->id, klass,
                    fmt_num(b, sizeof(b), c->est.quality, 1), money(c2, sizeof(c2), c->est.usd_per_month),
                    fmt_num(d, sizeof(d), c->est.decode_tokens_per_s, 1),
                    fmt_num(e, sizeof(e), c->est.ttft_ms, 0),
                    fmt_num(summary, sizeof(summary), c->est.memory_gib, 3), fit);
        else
            fprintf(out, "%-4zu %6s  %-52s %-5s %7s %10s %8s %8s %9s %s\n", k + 1,
                    fmt_num(a, sizeof(a), c->total, 1), c->id, klass,
                    fmt_num(b, sizeof(b), c->est.quality, 1), money(c2, sizeof(c2), c->est.usd_per_month),
                    fmt_num(d, sizeof(d), c->est.decode_tokens_per_s, 1),
                    fmt_num(e, sizeof(e), c->est.ttft_ms, 0),
                    fmt_num(summary, sizeof(summary), c->est.memory_gib, 3), fit);
        if (md)
            continue;
        for (size_t ri = 0; ri < r->rules->n; ri++) {
            const struct lm_rule *rule = r->rules->rules[ri];
            if (!rule_fired(c, ri) || rule->severity == LM_SEV_RULE_ERROR)
                continue;
            char msg[1024];
            lm_candidate_message(r, c, ri, msg, sizeof(msg));
            fprintf(out, "       %+g %s: %s\n", rule->score, rule->id, msg);
        }
        if (isnan(c->est.quality))
            fprintf(out, "       quality unknown: no published benchmark for task kind %s\n",
                    lm_task_kind_names[r->sc->task.kind]);
    }
    if (r->nflips > 0) {
        if (md)
            fprintf(out, "\n## What would change the answer\n\n");
        else
            fprintf(out, "\n%sWhat would change the answer%s\n", bold, reset);
        for (size_t k = 0; k < r->nflips; k++) {
            lm_flip_summary(r, &r->flips[k], summary, sizeof(summary));
            fprintf(out, md ? "- %s\n" : "  - %s\n", summary);
        }
    }
    if (r->nfeasible < r->n) {
        if (md)
            fprintf(out, "\n## Best-scoring rejections\n\n");
        else
            fprintf(out, "\n%sBest-scoring rejections%s\n", bold, reset);
        for (size_t k = r->nfeasible; k < r->n && k - r->nfeasible < limit; k++) {
            struct lm_candidate built;
            lm_recommendation_candidate(r, r->order[k], &built);
            const struct lm_candidate *c = &built;
            fprintf(out, md ? "- `%s` (%s):" : "  %s (%s):", c->id, fmt_num(a, sizeof(a), c->total, 1));
            int first = 1;
            for (size_t ri = 0; ri < r->rules->n; ri++) {
                const struct lm_rule *rule = r->rules->rules[ri];
                if (!rule_fired(c, ri) || rule->severity != LM_SEV_RULE_ERROR)
                    continue;
                char msg[1024];
                lm_candidate_message(r, c, ri, msg, sizeof(msg));
                fprintf(out, "%s %s [%s]", first ? "" : ";", msg, rule->id);
                first = 0;
            }
            fputc('\n', out);
        }
    }
    fprintf(out, "\n%zu candidate%s (%zu model%s, %zu hardware profile%s), %zu rejected\n",
            r->n, r->n == 1 ? "" : "s", r->nmodels, r->nmodels == 1 ? "" : "s", r->nhardware,
            r->nhardware == 1 ? "" : "s", r->n - r->nfeasible);
    return LM_OK;
}

int lm_render_text_rules(const struct lm_ruleset *rs, FILE *out)
{
    fprintf(out, "%-34s %-9s %-8s %6s %-10s %s\n", "ID", "DIMENSION", "SEVERITY", "SCORE", "BASIS",
            "ORIGIN");
    for (size_t i = 0; i < rs->n; i++) {
        const struct lm_rule *r = rs->rules[i];
        fprintf(out, "%-34s %-9s %-8s %+6g %-10s %s\n", r->id, lm_dimension_names[r->dimension],
                lm_rule_severity_names[r->severity], r->score, lm_rule_basis(r), r->origin);
    }
    return LM_OK;
}

/* ---------------------------------------------------------------- explain */

/* An estimate field's value, precision (§6.1) and error band, by name. */
static int est_field(const struct lm_estimate *e, const char *f, double *v, int *dec, double *band)
{
    static const struct { const char *name; size_t off; int dec; int band; } fields[] = {
#define EF(n, d, b) { #n, offsetof(struct lm_estimate, n), d, b }
        EF(memory_gib, 3, 0), EF(memory_per_device_gib, 3, 0), EF(weights_gib, 3, 0),
        EF(kv_cache_gib, 3, 0), EF(overhead_gib, 3, 0), EF(usable_gib, 3, -1),
        EF(headroom_gib, 3, 0), EF(decode_tokens_per_s, 1, 1), EF(prefill_tokens_per_s, 1, 1),
        EF(ttft_ms, 0, 2), EF(max_concurrency, 0, 1), EF(instances, 0, 1),
        EF(usd_per_month, 2, 3), EF(break_even_requests_per_day, 0, 3), EF(quality, 1, -1),
        EF(finetune_hours, 2, -1), EF(finetune_usd, 2, -1),
#undef EF
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (strcmp(fields[i].name, f) != 0)
            continue;
        *v = *(const double *)(const void *)((const char *)e + fields[i].off);
        *dec = fields[i].dec;
        const double bands[4] = { e->error_bands.memory, e->error_bands.decode,
                                  e->error_bands.ttft, e->error_bands.usd_per_month };
        *band = fields[i].band >= 0 ? bands[fields[i].band] : (double)NAN;
        return 1;
    }
    return 0;
}

int lm_render_text_explain(const struct lm_explain_view *v, int md, FILE *out)
{
    const struct lm_recommendation *r = v->rec;
    const struct lm_scenario *sc = r->sc;
    char a[64], b[64];
    size_t shown_f = 0, shown_r = 0, total_f = 0;
    for (size_t k = 0; k < r->nfeasible; k++)
        total_f += lm_recommendation_model(r, r->order[k]) == v->model;
    fprintf(out, md ? "# %s (%s)\n\n%zu feasible candidate%s of %zu feasible overall\n"
                    : "%s (%s): %zu feasible candidate%s of %zu feasible overall\n",
            v->model->id, strcmp(lm_model_class(r->cat, v->model), "llm") == 0 ? "llm" : "slm",
            total_f, total_f == 1 ? "" : "s", r->nfeasible);
    double sw = 0;
    for (int k = 0; k < LM_S_COUNT; k++)
        sw += sc->priorities[k];
    for (size_t k = 0; k < r->n; k++) {
        size_t i = r->order[k];
        if (lm_recommendation_model(r, i) != v->model)
            continue;
        int feasible = k < r->nfeasible;
        if (feasible ? shown_f >= v->top : shown_r >= v->top)
            continue;
        feasible ? shown_f++ : shown_r++;
        struct lm_candidate built;
        lm_recommendation_candidate(r, i, &built);
        const struct lm_candidate *c = &built;
        if (feasible)
            fprintf(out, md ? "\n## `%s`: rank %zu of %zu feasible\n\n" : "\n%s: rank %zu of %zu feasible\n",
                    c->id, k + 1, r->nfeasible);
        else
            fprintf(out, md ? "\n## `%s`: rejected\n\n" : "\n%s: rejected\n", c->id);
        /* Estimates with their basis and error band. */
        struct lm_basis basis;
        lm_recommendation_basis(r, i, &basis);
        fprintf(out, md ? "Estimates:\n\n" : "  estimates\n");
        for (size_t bi = 0; bi < basis.n; bi++) {
            const struct lm_basis_entry *be = &basis.entries[bi];
            double val, band;
            int dec;
            if (est_field(&c->est, be->field, &val, &dec, &band))
                snprintf(a, sizeof(a), "%s", fmt_num(b, sizeof(b), val, dec));
            else if (strcmp(be->field, "fit") == 0 && c->est.fit >= 0)
                snprintf(a, sizeof(a), "%s", lm_fit_names[c->est.fit]);
            else if (strcmp(be->field, "finetune_method") == 0 && c->est.finetune_method >= 0)
                snprintf(a, sizeof(a), "%s", lm_ft_method_names[c->est.finetune_method]);
            else
                snprintf(a, sizeof(a), "-");
            if (!est_field(&c->est, be->field, &val, &dec, &band))
                band = (double)NAN;
            char bandtxt[32] = "";
            if (isfinite(band))
                snprintf(bandtxt, sizeof(bandtxt), " ±%.0f%%", lm_round(band * 100, 0));
            fprintf(out, md ? "- `%s` = %s%s — %s: %s" : "    %-28s %12s%-6s %s: %s", be->field, a,
                    bandtxt, be->method ? be->method : "-", be->formula ? be->formula : "-");
            if (be->source)
                fprintf(out, " [%s]", be->source);
            fputc('\n', out);
        }
        /* Sub-scores and the total's arithmetic. */
        fprintf(out, md ? "\nSub-scores (weight × score):" : "  sub-scores (weight × score):");
        double used = 0, sum = 0;
        for (int s = 0; s < LM_S_COUNT; s++) {
            if (isnan(c->scores[s])) {
                fprintf(out, " %s null;", lm_subscore_names[s]);
                continue;
            }
            fprintf(out, " %s %s × %s;", lm_subscore_names[s],
                    fmt_num(a, sizeof(a), sc->priorities[s], 1), fmt_num(b, sizeof(b), c->scores[s], 1));
            used += sc->priorities[s];
            sum += sc->priorities[s] * c->scores[s];
        }
        fputc('\n', out);
        fprintf(out, md ? "\nTotal: %s / %s" : "  total: %s / %s", fmt_num(a, sizeof(a), sum, 1),
                fmt_num(b, sizeof(b), used, 1));
        for (size_t ri = 0; ri < r->rules->n; ri++) {
            const struct lm_rule *rule = r->rules->rules[ri];
            if (rule_fired(c, ri) && rule->severity != LM_SEV_RULE_ERROR && rule->score != 0)
                fprintf(out, " %c %g", rule->score < 0 ? '-' : '+', fabs(rule->score));
        }
        fprintf(out, " = %s\n", fmt_num(a, sizeof(a), c->total, 1));
        /* Every fired rule. */
        for (size_t ri = 0; ri < r->rules->n; ri++) {
            const struct lm_rule *rule = r->rules->rules[ri];
            if (!rule_fired(c, ri))
                continue;
            char msg[1024];
            lm_candidate_message(r, c, ri, msg, sizeof(msg));
            fprintf(out, md ? "- %s %s (%+g): %s" : "  %-7s %-30s %+4g %s", lm_rule_severity_names[rule->severity],
                    rule->id, rule->score, msg);
            if (rule->source)
                fprintf(out, md ? " — source: %s" : " [source: %s]", rule->source);
            fputc('\n', out);
        }
        /* Where it stands against its neighbour. */
        if (feasible && k == 0 && r->nfeasible > 1) {
            struct lm_candidate n2b;
            lm_recommendation_candidate(r, r->order[1], &n2b);
            const struct lm_candidate *n2 = &n2b;
            fprintf(out, md ? "\nRank 1 by %s points over `%s`.\n" : "  rank 1 by %s points over %s\n",
                    fmt_num(a, sizeof(a), c->total - n2->total, 1), n2->id);
        } else if (feasible && k > 0) {
            struct lm_candidate upb;
            lm_recommendation_candidate(r, r->order[k - 1], &upb);
            const struct lm_candidate *up = &upb;
            int worst = -1;
            double gap = 0;
            for (int s = 0; s < LM_S_COUNT && sw > 0; s++) {
                if (isnan(up->scores[s]) || isnan(c->scores[s]))
                    continue;
                double g = sc->priorities[s] * (up->scores[s] - c->scores[s]) / sw;
                if (worst < 0 || g > gap) {
                    worst = s;
                    gap = g;
                }
            }
            fprintf(out, md ? "\n%s points behind `%s` (rank %zu); the largest weighted gap is %s.\n"
                            : "  %s points behind %s (rank %zu); the largest weighted gap is %s\n",
                    fmt_num(a, sizeof(a), up->total - c->total, 1), up->id, k,
                    worst >= 0 && gap > 0 ? lm_subscore_names[worst] : "the rule adjustments");
        }
    }
    return LM_OK;
}
