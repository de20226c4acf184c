/*
 * Text output for a terminal: aligned rows for `list`, a labelled breakdown
 * for `estimate`. Numbers use the precision of DESIGN §6.1, rounded by
 * lm_round() exactly as the JSON renderer does.
 */
#include "lmchoose/render.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lmchoose/quality.h"
#include "lmchoose/report.h"
#include "lmchoose/rules.h"
#include "lmchoose/status.h"
#include "util/numfmt.h"

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

/* The aliases of a list entry on indented lines under its row, wrapped
 * before column 100 (a long alias gets a line of its own). Nothing when
 * there are none. */
static void print_aliases(const struct lm_strlist *aliases, FILE *out)
{
    static const char lead[] = "    aliases: ";
    size_t col = 0;
    for (size_t i = 0; i < aliases->n; i++) {
        const char *a = aliases->items[i];
        size_t need = strlen(a) + (i + 1 < aliases->n ? 1 : 0);
        if (i == 0) {
            fputs(lead, out);
            col = sizeof(lead) - 1;
        } else if (col + 1 + need > 100) {
            fprintf(out, "\n%*s", (int)(sizeof(lead) - 1), "");
            col = sizeof(lead) - 1;
        } else {
            fputc(' ', out);
            col++;
        }
        fprintf(out, "%s%s", a, i + 1 < aliases->n ? "," : "");
        col += need;
    }
    if (aliases->n > 0)
        fputc('\n', out);
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
                    lm_model_class(cat, m), lm_format_fixed(a, sizeof(a), m->params_b, 2),
                    m->context_tokens, m->open_weights == 1 ? "open" : "closed", api,
                    m->origin);
            print_aliases(&m->aliases, out);
        }
    } else if (strcmp(kind, "hardware") == 0) {
        fprintf(out, "%-28s %-14s %8s %9s %9s %-22s %s\n", "ID", "CLASS", "MEM_GIB",
                "BW_GBPS", "FP16_TF", "PLACEMENTS", "ORIGIN");
        for (size_t i = 0; i < cat->nhardware; i++) {
            const struct lm_hardware *h = cat->hardware[i];
            char pl[64];
            join(pl, sizeof(pl), h->placement_names.items, h->placement_names.n);
            fprintf(out, "%-28s %-14s %8s %9s %9s %-22s %s\n", h->id,
                    lm_hw_class_names[h->hw_class], lm_format_fixed(a, sizeof(a), h->memory_gib, 0),
                    lm_format_fixed(b, sizeof(b), h->bandwidth_gbps, 0),
                    lm_format_fixed(c, sizeof(c), h->fp16_tflops, 1), pl, h->origin);
            print_aliases(&h->aliases, out);
        }
    } else if (strcmp(kind, "quantizations") == 0) {
        fprintf(out, "%-10s %6s %6s %6s %7s %-34s %s\n", "ID", "BPW", "EMB", "OUT",
                "QDELTA", "RUNTIMES", "ORIGIN");
        for (size_t i = 0; i < cat->nquants; i++) {
            const struct lm_quant *q = cat->quants[i];
            char rts[128];
            join(rts, sizeof(rts), q->runtimes.items, q->runtimes.n);
            fprintf(out, "%-10s %6s %6s %6s %7s %-34s %s\n", q->id,
                    lm_format_fixed(a, sizeof(a), q->bits_per_weight, 3),
                    lm_format_fixed(b, sizeof(b), isnan(q->embedding_bits_per_weight) ? q->bits_per_weight : q->embedding_bits_per_weight, 3),
                    lm_format_fixed(c, sizeof(c), isnan(q->output_bits_per_weight) ? q->bits_per_weight : q->output_bits_per_weight, 3),
                    lm_format_fixed(d, sizeof(d), q->quality_delta, 1), rts, q->origin);
            print_aliases(&q->aliases, out);
        }
    } else {
        fprintf(out, "%-13s %-28s %-8s %10s %6s %9s %5s %7s %s\n", "ID", "CLASSES", "VENDOR",
                "EFFICIENCY", "KV_EFF", "LAYER_US", "MFU", "TTFT_MS", "ORIGIN");
        for (size_t i = 0; i < cat->nruntimes; i++) {
            const struct lm_runtime *r = cat->runtimes[i];
            if (r->ncalibration == 0)
                fprintf(out, "%-13s %-28s %-8s %10s %6s %9s %5s %7s %s\n", r->id, "-", "-", "-",
                        "-", "-", "-", "-", r->origin);
            for (size_t k = 0; k < r->ncalibration; k++) {
                const struct lm_calibration *cl = &r->calibration[k];
                const char *names[LM_HW_CLASS_COUNT];
                size_t nn = 0;
                for (int j = 0; j < LM_HW_CLASS_COUNT; j++)
                    if (cl->class_mask & (1u << j))
                        names[nn++] = lm_hw_class_names[j];
                char cls[128];
                join(cls, sizeof(cls), names, nn);
                /* kv_efficiency absent: the KV is read at the weights' efficiency. */
                char kv[32], tt[32];
                lm_format_fixed(kv, sizeof(kv), isnan(cl->kv_efficiency) ? cl->efficiency : cl->kv_efficiency, 2);
                lm_format_fixed(tt, sizeof(tt), isnan(cl->ttft_overhead_ms) ? 0 : cl->ttft_overhead_ms, 0);
                fprintf(out, "%-13s %-28s %-8s %10s %6s %9s %5s %7s %s\n", r->id, cls,
                        cl->vendor >= 0 ? lm_vendor_names[cl->vendor] : "any",
                        lm_format_fixed(a, sizeof(a), cl->efficiency, 2), kv,
                        lm_format_fixed(b, sizeof(b), cl->per_layer_overhead_us, 1),
                        lm_format_fixed(c, sizeof(c), cl->mfu, 2), tt, r->origin);
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
                lm_placement_names[d->placement], lm_format_fixed(a, sizeof(a), d->devices, 0),
                d->devices > 1 ? "s" : "", d->runtime ? d->runtime->id : "-");
        if (d->quant_reason != NULL)
            fprintf(out, "  quantization: %s\n", d->quant_reason);
        fprintf(out, "  context %s tokens, batch %s, prompt %s tokens\n",
                lm_format_fixed(a, sizeof(a), d->context_tokens, 0), lm_format_fixed(b, sizeof(b), d->batch, 0),
                lm_format_fixed(c, sizeof(c), d->prompt_tokens, 0));
        fprintf(out, "\nMemory (±%.0f%%)\n", lm_round(e->error_bands.memory * 100, 0));
        fprintf(out, "  weights     %10s GiB\n", lm_format_fixed(a, sizeof(a), e->weights_gib, 3));
        fprintf(out, "  kv cache    %10s GiB\n", lm_format_fixed(a, sizeof(a), e->kv_cache_gib, 3));
        fprintf(out, "  overhead    %10s GiB\n", lm_format_fixed(a, sizeof(a), e->overhead_gib, 3));
        fprintf(out, "  total       %10s GiB (%s GiB per device)\n",
                lm_format_fixed(a, sizeof(a), e->memory_gib, 3),
                lm_format_fixed(b, sizeof(b), e->memory_per_device_gib, 3));
        fprintf(out, "  usable      %10s GiB\n", lm_format_fixed(a, sizeof(a), e->usable_gib, 3));
        fprintf(out, "  headroom    %10s GiB\n", lm_format_fixed(a, sizeof(a), e->headroom_gib, 3));
        fprintf(out, "  fit         %10s\n", e->fit >= 0 ? lm_fit_names[e->fit] : "-");
        if (d->host != NULL && e->cpu_moe_layers > 0) {
            fprintf(out, "\nHost memory (expert offload, %s layers' experts on %s)\n",
                    lm_format_fixed(a, sizeof(a), e->cpu_moe_layers, 0), d->host->name);
            fprintf(out, "  experts     %10s GiB\n", lm_format_fixed(a, sizeof(a), e->host_memory_gib, 3));
            fprintf(out, "  usable      %10s GiB\n", lm_format_fixed(a, sizeof(a), e->host_usable_gib, 3));
            fprintf(out, "  fit         %10s\n", e->host_fit >= 0 ? lm_fit_names[e->host_fit] : "-");
        }
    }
    fprintf(out, "\nSpeed\n");
    fprintf(out, "  decode      %10s tokens/s per stream (±%.0f%%)\n",
            lm_format_fixed(a, sizeof(a), e->decode_tokens_per_s, 1),
            lm_round(e->error_bands.decode * 100, 0));
    if (d->offer == NULL)
        fprintf(out, "  prefill     %10s tokens/s\n",
                lm_format_fixed(a, sizeof(a), e->prefill_tokens_per_s, 1));
    fprintf(out, "  first token %10s ms (±%.0f%%)\n", lm_format_fixed(a, sizeof(a), e->ttft_ms, 0),
            lm_round(e->error_bands.ttft * 100, 0));
    fprintf(out, "\nCost\n");
    fprintf(out, "  per month   %10s USD (±%.0f%%)\n", lm_format_fixed(a, sizeof(a), e->usd_per_month, 2),
            lm_round(e->error_bands.usd_per_month * 100, 0));
    if (d->offer == NULL) {
        fprintf(out, "  concurrency %10s streams per instance, %s instance(s)\n",
                lm_format_fixed(a, sizeof(a), e->max_concurrency, 0),
                lm_format_fixed(b, sizeof(b), e->instances, 0));
        fprintf(out, "  capacity    %10s requests a day per instance, utilization %s\n",
                lm_format_fixed(a, sizeof(a), e->capacity_requests_per_day, 0),
                lm_format_fixed(b, sizeof(b), e->utilization, 2));
    }
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

/* a and b within 1 % of each other (both finite), or both null. */
static int within1(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return fabs(a - b) <= 0.01 * fmax(fabs(a), fabs(b));
}

/* "0.35", "1,234.50"-free plain money with 2 decimals. */
static const char *money(char *buf, size_t cap, double v)
{
    return lm_format_fixed(buf, cap, v, 2);
}

int lm_render_text_recommend(const struct lm_recommend_view *v, int md, int color,
                             FILE *out)
{
    const struct lm_report *r = v->rep;
    char a[32], b[32], c2[32], d[32], e[32];
    /* Colour marks only the verdict and the section titles, so the text
     * reads the same without it (NO_COLOR, pipes, --color never). */
    const char *bold = color && !md ? "\033[1m" : "", *reset = color && !md ? "\033[0m" : "";
    const char *hue = !color || md ? "" : r->verdict_class == NULL ? "\033[1;31m" : "\033[1;32m";
    const char *cls = r->verdict_class == NULL ? "none feasible"
                      : strcmp(r->verdict_class, "llm") == 0 ? "LLM" : "SLM";
    if (md)
        fprintf(out, "## Verdict: %s\n\n%s\n\n", cls, r->summary);
    else
        fprintf(out, "%sVerdict: %s%s\n  %s\n", hue, cls, reset, r->summary);
    if (r->verdict_class != NULL) {
        const char *lead = md ? "- " : "  ";
        for (int k = 0; k < 2; k++)
            fprintf(out, "%sbest %s: %s\n", lead, k ? "LLM" : "SLM",
                    r->best[k][0] ? r->best[k] : "none feasible");
        if (isfinite(r->break_even))
            fprintf(out, "%sbreak-even against the cheapest API: %s requests a day\n", lead,
                    lm_format_fixed(a, sizeof(a), r->break_even, 0));
    }
    size_t limit = v->all ? r->ncandidates : v->top;
    /* §9.6: one row per model (its best variant) unless --variants or
     * --all; with every row, rows whose printed figures equal an earlier
     * row of the same model, hardware and placement collapse into it. */
    int per_model = !v->variants && !v->all;
    unsigned char *seen = calloc(r->cat->nmodels ? r->cat->nmodels : 1, 1);
    struct lm_report_row *row = malloc(sizeof(*row)), *prev = malloc(sizeof(*prev));
    if (seen == NULL || row == NULL || prev == NULL) {
        free(seen);
        free(row);
        free(prev);
        return LM_ENOMEM;
    }
    lm_report_row_init(row);
    lm_report_row_init(prev);
    int rc = LM_OK;
    if (r->nfeasible > 0) {
        if (md)
            fprintf(out, "\n## Recommendations\n\n| rank | score | candidate | class | quality | USD/month | tokens/s | TTFT ms | memory GiB | fit |\n|---:|---:|---|---|---:|---:|---:|---:|---:|---|\n");
        else
            fprintf(out, "\n%-4s %6s  %-52s %-5s %7s %10s %8s %8s %9s %s\n", "RANK", "SCORE",
                    "CANDIDATE", "CLASS", "QUALITY", "USD/MONTH", "TOK/S", "TTFT_MS",
                    "MEM_GIB", "FIT");
    }
    int have_prev = 0;
    size_t prev_model = 0;
    char prev_q[32] = "", prev_usd[32] = "", prev_ttft[32] = "";
    size_t collapsed = 0, shown = 0;
    for (size_t k = 0; k < r->nfeasible && shown < limit; k++) {
        size_t mi = lm_report_model_index_at(r, k);
        if (per_model && seen[mi])
            continue;
        seen[mi] = 1;
        if ((rc = lm_report_row(r, k, row)) != LM_OK)
            break;
        const struct lm_candidate *c = &row->c;
        const char *fit = c->est.fit >= 0 ? lm_fit_names[c->est.fit] : "-";
        lm_format_fixed(a, sizeof(a), c->total, 1);
        lm_format_fixed(b, sizeof(b), c->est.quality, 1);
        money(c2, sizeof(c2), c->est.usd_per_month);
        lm_format_fixed(d, sizeof(d), c->est.decode_tokens_per_s, 1);
        lm_format_fixed(e, sizeof(e), c->est.ttft_ms, 0);
        char mem[32];
        lm_format_fixed(mem, sizeof(mem), c->est.memory_gib, 3);
        if (!per_model) {
            /* Same model, hardware, placement and devices, the same score,
             * quality, cost, TTFT and fit, tokens/s and memory within 1 %:
             * another name for the same deployment (bf16/f16, awq/gptq). */
            const struct lm_candidate *p = &prev->c;
            int same = have_prev && prev_model == mi && p->hw == c->hw &&
                       p->placement == c->placement && p->devices == c->devices &&
                       p->total == c->total && strcmp(prev_q, b) == 0 &&
                       strcmp(prev_usd, c2) == 0 && strcmp(prev_ttft, e) == 0 &&
                       p->est.fit == c->est.fit &&
                       within1(p->est.decode_tokens_per_s, c->est.decode_tokens_per_s) &&
                       within1(p->est.memory_gib, c->est.memory_gib);
            if (same) {
                collapsed++;
                if (!md)
                    fprintf(out, "       = %s: the same figures within 1 %%\n", c->id);
                continue;
            }
            /* Keep this row as the one later rows are compared with; the
             * next row is built into the other buffer. */
            struct lm_report_row *t = prev;
            prev = row;
            row = t;
            have_prev = 1;
            prev_model = mi;
            snprintf(prev_q, sizeof(prev_q), "%s", b);
            snprintf(prev_usd, sizeof(prev_usd), "%s", c2);
            snprintf(prev_ttft, sizeof(prev_ttft), "%s", e);
            c = &prev->c;
        }
        const struct lm_report_row *shown_row = per_model ? row : prev;
        shown++;
        if (md)
            fprintf(out, "| %zu | %s | `%s` | %s | %s | %s | %s | %s | %s | %s |\n", k + 1, a, c->id,
                    shown_row->klass, b, c2, d, e, mem, fit);
        else
            fprintf(out, "%-4zu %6s  %-52s %-5s %7s %10s %8s %8s %9s %s\n", k + 1, a, c->id,
                    shown_row->klass, b, c2, d, e, mem, fit);
        if (md)
            continue;
        const char *last_msg = "";
        for (size_t ri = 0; ri < r->rules->n; ri++) {
            const struct lm_rule *rule = r->rules->rules[ri];
            /* A rule line that changes nothing (+0) is not printed (§9.6). */
            if (!lm_candidate_fired(c, ri) || rule->severity == LM_SEV_RULE_ERROR ||
                rule->score == 0)
                continue;
            const char *msg = shown_row->message[ri];
            if (strcmp(msg, last_msg) == 0)
                continue;
            last_msg = msg;
            fprintf(out, "       %+g %s: %s\n", rule->score, rule->id, msg);
        }
        if (isnan(c->est.quality))
            fprintf(out, "       quality unknown: no published benchmark for task kind %s\n",
                    lm_task_kind_names[r->sc->task.kind]);
    }
    if (rc != LM_OK)
        goto out;
    if (collapsed > 0 && md)
        fprintf(out, "\n%zu row%s with the same figures as the row above (within 1 %%) not shown.\n",
                collapsed, collapsed == 1 ? "" : "s");
    if (r->has_upgrade) {
        if (md)
            fprintf(out, "\n## Within-class upgrade\n\n- %s\n", r->upgrade.summary);
        else
            fprintf(out, "\n%sWithin-class upgrade%s\n  - %s\n", bold, reset, r->upgrade.summary);
    }
    if (r->nflips > 0) {
        if (md)
            fprintf(out, "\n## What would change the answer\n\n");
        else
            fprintf(out, "\n%sWhat would change the answer%s\n", bold, reset);
        for (size_t k = 0; k < r->nflips; k++)
            fprintf(out, md ? "- %s\n" : "  - %s\n", r->flips[k].summary);
    }
    if (r->nrelax > 0) {
        if (md)
            fprintf(out, "\n## Nearest feasible candidates\n\n");
        else
            fprintf(out, "\n%sNearest feasible candidates%s\n", bold, reset);
        for (size_t k = 0; k < r->nrelax; k++)
            fprintf(out, md ? "- %s\n" : "  - %s\n", r->relax[k].summary);
    }
    if (r->nfeasible < r->ncandidates) {
        if (md)
            fprintf(out, "\n## Best-scoring rejections\n\n");
        else
            fprintf(out, "\n%sBest-scoring rejections%s\n", bold, reset);
        memset(seen, 0, r->cat->nmodels ? r->cat->nmodels : 1);
        shown = 0;
        for (size_t k = r->nfeasible; k < r->ncandidates && shown < limit; k++) {
            size_t mi = lm_report_model_index_at(r, k);
            if (per_model && seen[mi])
                continue;
            seen[mi] = 1;
            shown++;
            if ((rc = lm_report_row(r, k, row)) != LM_OK)
                break;
            const struct lm_candidate *c = &row->c;
            fprintf(out, md ? "- `%s` (%s):" : "  %s (%s):", c->id, lm_format_fixed(a, sizeof(a), c->total, 1));
            /* One message per dimension; the other rules of that dimension
             * that also rejected it are listed beside it (§9.6). */
            int first = 1;
            unsigned dims_done = 0;
            for (size_t ri = 0; ri < r->rules->n; ri++) {
                const struct lm_rule *rule = r->rules->rules[ri];
                if (!lm_candidate_fired(c, ri) || rule->severity != LM_SEV_RULE_ERROR ||
                    (dims_done >> rule->dimension) & 1u)
                    continue;
                dims_done |= 1u << rule->dimension;
                fprintf(out, "%s %s [%s", first ? "" : ";", row->message[ri], rule->id);
                for (size_t rj = ri + 1; rj < r->rules->n; rj++) {
                    const struct lm_rule *o = r->rules->rules[rj];
                    if (lm_candidate_fired(c, rj) && o->severity == LM_SEV_RULE_ERROR &&
                        o->dimension == rule->dimension)
                        fprintf(out, ", %s", o->id);
                }
                fputc(']', out);
                first = 0;
            }
            fputc('\n', out);
        }
    }
    if (rc == LM_OK)
        fprintf(out, "\n%zu candidate%s (%zu model%s, %zu hardware profile%s), %zu rejected\n",
                r->ncandidates, r->ncandidates == 1 ? "" : "s", r->nmodels,
                r->nmodels == 1 ? "" : "s", r->nhardware, r->nhardware == 1 ? "" : "s",
                r->ncandidates - r->nfeasible);
out:
    lm_report_row_release(row);
    lm_report_row_release(prev);
    free(row);
    free(prev);
    free(seen);
    return rc;
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
        EF(capacity_requests_per_day, 0, 1), EF(utilization, 2, -1),
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

/* The model's quality row for the scenario's task (DESIGN §9.4): the
 * composite and its band, then each benchmark with a value, the published
 * ones first (with the fit's residual), then the imputed ones (with their
 * band), each with its weight in the task's composite. */
static void explain_quality(const struct lm_explain_view *v, int md, FILE *out)
{
    const struct lm_scenario *sc = v->rep->sc;
    const char *kind = lm_task_kind_names[sc->task.kind];
    int image = 0;
    for (size_t i = 0; i < sc->task.modalities.n; i++)
        image |= strcmp(sc->task.modalities.items[i], "image") == 0;
    char a[32], b[40], c[32], d[32];
    double q = lm_quality_composite(v->model, kind, image);
    /* Family order (docs/scoring.md): the composite is the fitted row's, so
     * the value column (published where published) is not what it used. */
    const char *basis = lm_quality_family_fit(v->model, kind, image)
                            ? "every benchmark from the fit, because the published ones put it out "
                              "of its family's size order; value - residual is the fit"
                            : "published and imputed benchmarks";
    fprintf(out, md ? "\nQuality for %s: %s ±%s (%s, weighted; "
                      "before the quantization's quality_delta)\n\n"
                      "| benchmark | value | source | band | residual | weight |\n"
                      "|---|---|---|---|---|---|\n"
                    : "  quality for %s: %s ±%s (%s, weighted; "
                      "before the quantization's quality_delta)\n"
                      "    benchmark               value  source     band  residual  weight\n",
            kind, lm_format_fixed(a, sizeof(a), q, 1),
            lm_format_fixed(b, sizeof(b), lm_quality_composite_band(v->model, kind, image), 1),
            basis);
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < LM_Q_COUNT; k++) {
            int imputed = 0;
            double band, resid;
            double val = lm_quality_value(v->model, k, &imputed, &band, &resid);
            if (isnan(val) || imputed != pass)
                continue;
            if (imputed)
                snprintf(b, sizeof(b), "±%s", lm_format_fixed(d, sizeof(d), band, 1));
            else
                snprintf(b, sizeof(b), "%s", "");
            if (!isnan(resid))
                snprintf(c, sizeof(c), "%+.1f", lm_round(resid, 1));
            else
                snprintf(c, sizeof(c), "%s", "");
            lm_format_fixed(a, sizeof(a), val, 1);
            double w = lm_quality_weight(kind, image, k);
            if (w > 0)
                lm_format_fixed(d, sizeof(d), w, 2);
            else
                snprintf(d, sizeof(d), "-");
            fprintf(out, md ? "| %s | %s | %s | %s | %s | %s |\n"
                            : "    %-20s %8s  %-9s %6s  %8s  %6s\n",
                    lm_quality_names[k], a, imputed ? "imputed" : "published", b, c, d);
        }
}

int lm_render_text_explain(const struct lm_explain_view *v, int md, FILE *out)
{
    const struct lm_report *r = v->rep;
    const struct lm_scenario *sc = r->sc;
    char a[64], b[64];
    size_t shown_f = 0, shown_r = 0, total_f = 0;
    for (size_t k = 0; k < r->nfeasible; k++)
        total_f += lm_report_model_at(r, k) == v->model;
    fprintf(out, md ? "# %s (%s)\n\n%zu feasible candidate%s of %zu feasible overall\n"
                    : "%s (%s): %zu feasible candidate%s of %zu feasible overall\n",
            v->model->id, strcmp(lm_model_class(r->cat, v->model), "llm") == 0 ? "llm" : "slm",
            total_f, total_f == 1 ? "" : "s", r->nfeasible);
    explain_quality(v, md, out);
    /* §9.6: what the rules did to the model's candidates, one line per
     * rule, before the candidates one by one. */
    size_t *count = calloc(r->rules->n ? r->rules->n : 1, sizeof(*count));
    long *example = malloc((r->rules->n ? r->rules->n : 1) * sizeof(*example));
    struct lm_report_row *row = malloc(sizeof(*row)), *other = malloc(sizeof(*other));
    int rc = LM_ENOMEM;
    if (row != NULL)
        lm_report_row_init(row);
    if (other != NULL)
        lm_report_row_init(other);
    if (count == NULL || example == NULL || row == NULL || other == NULL)
        goto out;
    size_t nmine = lm_report_tally(r, v->model, count, example);
    fprintf(out, md ? "\n## Rules over its %zu candidates\n\n" : "\nrules over its %zu candidates\n",
            nmine);
    rc = LM_OK;
    for (size_t ri = 0; ri < r->rules->n && rc == LM_OK; ri++) {
        if (count[ri] == 0)
            continue;
        const struct lm_rule *rule = r->rules->rules[ri];
        if ((rc = lm_report_row(r, (size_t)example[ri], other)) != LM_OK)
            break;
        fprintf(out, md ? "- `%s` (%s, %+g): %zu of %zu, e.g. %s\n" : "  %-7s %-32s %+3g  %zu of %zu, e.g. %s\n",
                lm_rule_severity_names[rule->severity], rule->id, rule->score, count[ri], nmine,
                other->message[ri]);
    }
    double sw = 0;
    for (int k = 0; k < LM_S_COUNT; k++)
        sw += sc->priorities[k];
    for (size_t k = 0; k < r->ncandidates && rc == LM_OK; k++) {
        if (lm_report_model_at(r, k) != v->model)
            continue;
        int feasible = k < r->nfeasible;
        if (feasible ? shown_f >= v->top : shown_r >= v->top)
            continue;
        feasible ? shown_f++ : shown_r++;
        if ((rc = lm_report_row(r, k, row)) != LM_OK)
            break;
        const struct lm_candidate *c = &row->c;
        if (feasible)
            fprintf(out, md ? "\n## `%s`: rank %zu of %zu feasible\n\n" : "\n%s: rank %zu of %zu feasible\n",
                    c->id, k + 1, r->nfeasible);
        else
            fprintf(out, md ? "\n## `%s`: rejected\n\n" : "\n%s: rejected\n", c->id);
        /* Estimates with their basis and error band. */
        const struct lm_basis *basis = &row->basis;
        fprintf(out, md ? "Estimates:\n\n" : "  estimates\n");
        for (size_t bi = 0; bi < basis->n; bi++) {
            const struct lm_basis_entry *be = &basis->entries[bi];
            double val, band;
            int dec;
            if (est_field(&c->est, be->field, &val, &dec, &band))
                snprintf(a, sizeof(a), "%s", lm_format_fixed(b, sizeof(b), val, dec));
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
                    lm_format_fixed(a, sizeof(a), sc->priorities[s], 1), lm_format_fixed(b, sizeof(b), c->scores[s], 1));
            used += sc->priorities[s];
            sum += sc->priorities[s] * c->scores[s];
        }
        fputc('\n', out);
        fprintf(out, md ? "\nTotal: %s / %s" : "  total: %s / %s", lm_format_fixed(a, sizeof(a), sum, 1),
                lm_format_fixed(b, sizeof(b), used, 1));
        for (size_t ri = 0; ri < r->rules->n; ri++) {
            const struct lm_rule *rule = r->rules->rules[ri];
            if (lm_candidate_fired(c, ri) && rule->severity != LM_SEV_RULE_ERROR && rule->score != 0)
                fprintf(out, " %c %g", rule->score < 0 ? '-' : '+', fabs(rule->score));
        }
        fprintf(out, " = %s\n", lm_format_fixed(a, sizeof(a), c->total, 1));
        /* Every fired rule. */
        for (size_t ri = 0; ri < r->rules->n; ri++) {
            const struct lm_rule *rule = r->rules->rules[ri];
            if (!lm_candidate_fired(c, ri))
                continue;
            fprintf(out, md ? "- %s %s (%+g): %s" : "  %-7s %-30s %+4g %s", lm_rule_severity_names[rule->severity],
                    rule->id, rule->score, row->message[ri]);
            if (rule->source)
                fprintf(out, md ? " — source: %s" : " [source: %s]", rule->source);
            fputc('\n', out);
        }
        /* Where it stands against its neighbour. */
        if (feasible && k == 0 && r->nfeasible > 1) {
            if ((rc = lm_report_row(r, 1, other)) != LM_OK)
                break;
            const struct lm_candidate *n2 = &other->c;
            fprintf(out, md ? "\nRank 1 by %s points over `%s`.\n" : "  rank 1 by %s points over %s\n",
                    lm_format_fixed(a, sizeof(a), c->total - n2->total, 1), n2->id);
        } else if (feasible && k > 0) {
            if ((rc = lm_report_row(r, k - 1, other)) != LM_OK)
                break;
            const struct lm_candidate *up = &other->c;
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
                    lm_format_fixed(a, sizeof(a), up->total - c->total, 1), up->id, k,
                    worst >= 0 && gap > 0 ? lm_subscore_names[worst] : "the rule adjustments");
        }
    }
out:
    if (row != NULL)
        lm_report_row_release(row);
    if (other != NULL)
        lm_report_row_release(other);
    free(row);
    free(other);
    free(count);
    free(example);
    return rc;
}
