/*
 * The recommendation engine of DESIGN §5: generate, estimate, judge, score,
 * rank, and the verdict with its flips.
 *
 * A run may hold a million candidates, and on the machines we measure
 * touching fresh memory costs about 3 ns a byte (docs/performance.md), so a
 * candidate is estimated, scored and judged on the stack the moment it is
 * generated and only a 32-byte record (struct lm_ranked) and its fired-rule
 * bits are kept. Estimates are pure functions of the record's indices and
 * the scenario: lm_recommendation_candidate() rebuilds the full candidate
 * for what is printed, and the flip search rebuilds the few it visits.
 *
 * Generation emits candidates in the order of their ids (model id, then the
 * rest of the candidate id, compared as strcmp would compare the whole id),
 * so a candidate's index is the tie-break of the total order of §5 step 5
 * and ranking is a stable counting sort on the rounded total.
 *
 * The flip search re-evaluates only what a constraint can change: the rules
 * whose compiled condition reads that constraint (or candidate.meets_privacy
 * for the privacy level), on candidates that no other rule rejects; the
 * other rules' verdicts are the ones stored (§5 "Cost bound"). Candidates
 * are scanned by total, and the scan stops when no later candidate can reach
 * the best one found. Changing latency.output_tokens_per_s also changes
 * instance sizing, so that flip re-estimates the sized (on-prem and cloud)
 * candidates it visits.
 */
#include "lmchoose/recommend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "facts.h"
#include "lmchoose/render.h"
#include "lmchoose/status.h"

#define DNAN ((double)NAN)

/* ------------------------------------------------------------- estimates */

static int has_modality(const struct lm_strlist *l, const char *m)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i], m) == 0)
            return 1;
    return 0;
}

/* The sizing target of §4: the scenario's output speed floor, else 10. */
static double sizing_target(const struct lm_scenario *sc)
{
    double t = sc->constraints.latency.output_tokens_per_s;
    return isnan(t) ? 10 : t;
}

static void fill_input(const struct lm_scenario *sc, const struct lm_rec_options *opt,
                       struct lm_est_input *in)
{
    lm_est_input_init(in);
    in->context_tokens = sc->task.context_tokens;
    in->input_tokens = sc->workload.input_tokens;
    in->output_tokens = sc->workload.output_tokens;
    in->requests_per_day = sc->workload.requests_per_day;
    in->peak_concurrency = sc->workload.peak_concurrency;
    /* §4: decode reads the KV of input + output/2 tokens; TTFT is for a
     * prompt of input_tokens. */
    in->decode_context = in->input_tokens + in->output_tokens / 2;
    in->prompt_tokens = in->input_tokens;
    in->target_tokens_per_s = sizing_target(sc);
    in->usd_per_kwh = sc->assumptions.usd_per_kwh;
    in->amortization_months = sc->assumptions.amortization_months;
    in->labeled_examples = sc->constraints.data.labeled_examples;
    in->task_kind = lm_task_kind_names[sc->task.kind];
    in->task_has_image = has_modality(&sc->task.modalities, "image");
    in->weights_formula = opt->weights_formula;
}

static int runtime_allows(const struct lm_quant *q, const char *rt)
{
    for (size_t i = 0; i < q->runtimes.n; i++)
        if (strcmp(q->runtimes.items[i], rt) == 0)
            return 1;
    return 0;
}

/* §6.4's order: quality_delta ascending, bits per weight descending, id. */
static int quant_better(const struct lm_quant *a, const struct lm_quant *b)
{
    if (a->quality_delta != b->quality_delta)
        return a->quality_delta < b->quality_delta;
    if (a->bits_per_weight != b->bits_per_weight)
        return a->bits_per_weight > b->bits_per_weight;
    return strcmp(a->id, b->id) < 0;
}

/* Clears a candidate's fields (not its id buffer, which is large and only
 * filled for printed candidates). */
static void cand_clear(struct lm_candidate *c)
{
    memset(c, 0, offsetof(struct lm_candidate, id));
    c->id[0] = '\0';
}

/* ---------------------------------------------------------------- scoring */

static double clamp100(double v)
{
    return v < 0 ? 0 : v > 100 ? 100 : v;
}

/* The sub-scores of §5 step 4, each 0–100 rounded to 0.1 (fit is null for
 * API candidates). docs/scoring.md gives the reasoning for each constant. */
static void subscores(struct lm_candidate *c)
{
    const struct lm_estimate *e = &c->est;
    double q = isnan(e->quality) ? 0 : e->quality;
    double usd = isnan(e->usd_per_month) ? 1e5 : e->usd_per_month;
    double cost = 25 * (5 - log10(usd > 10 ? usd : 10));
    double lat = isfinite(e->e2e_ms) && e->e2e_ms > 0 ? 100 * log(60000 / e->e2e_ms) / log(240) : 0;
    static const double privacy[] = { 0, 30, 50, 50, 70, 90, 100, 100 };
    double fit;
    if (c->offer != NULL) {
        fit = DNAN;
    } else if (e->fit == LM_FIT_NO) {
        fit = 0;
    } else {
        double u = e->memory_gib / e->usable_gib;
        fit = u <= 0.70 ? 100 : 100 - (u - 0.70) * 166.7;
    }
    double simp = c->offer != NULL ? 100
                : c->placement == LM_PLACE_DEVICE ? 80
                : c->placement == LM_PLACE_CLOUD ? 65 : 55;
    if (c->offer == NULL) {
        simp -= 15 * log2(c->devices);
        if (e->instances > 1)
            simp -= 10;
    }
    c->scores[LM_S_QUALITY] = lm_round(clamp100(q), 1);
    c->scores[LM_S_COST] = lm_round(clamp100(cost), 1);
    c->scores[LM_S_LATENCY] = lm_round(clamp100(lat), 1);
    c->scores[LM_S_PRIVACY] = privacy[c->privacy_level];
    c->scores[LM_S_FIT] = isnan(fit) ? DNAN : lm_round(clamp100(fit), 1);
    c->scores[LM_S_SIMPLICITY] = lm_round(clamp100(simp), 1);
}

static double weighted_mean(const struct lm_candidate *c, const struct lm_scenario *sc)
{
    double sw = 0, s = 0;
    for (int k = 0; k < LM_S_COUNT; k++) {
        if (isnan(c->scores[k]))
            continue;
        sw += sc->priorities[k];
        s += sc->priorities[k] * c->scores[k];
    }
    return sw > 0 ? s / sw : 0;
}

/* The API price of one request of the scenario's workload (§4). */
static double request_cost(const struct lm_scenario *sc, const struct lm_api_offer *o)
{
    return (sc->workload.input_tokens * o->input_usd_per_mtok +
            sc->workload.output_tokens * o->output_usd_per_mtok) / 1e6;
}

/* Privacy (§3.5), break-even against the cheapest API request (§4) and
 * the sub-scores of a freshly estimated candidate. */
static void finish(const struct lm_recommendation *r, const struct lm_scenario *sc,
                   struct lm_candidate *c)
{
    lm_candidate_privacy(c, sc);
    c->est.break_even_requests_per_day =
        c->offer == NULL && isfinite(r->per_request) && r->per_request > 0
            ? c->est.usd_per_month / (r->per_request * 30.42)
            : DNAN;
    subscores(c);
}

/* ----------------------------------------------------------------- rules */

/* Verdicts of the rules that read only model and scenario facts, for the
 * last model judged: candidates are generated model by model, so each such
 * rule runs once per model rather than once per candidate. */
struct model_cache {
    const struct lm_model *model;
    uint64_t fired[LM_MAX_RULES / 64];
};

/* Runs every enabled rule that can fire on candidate c under scenario sc,
 * setting c->fired, c->rejected, c->adjust and c->total. */
static void judge(const struct lm_recommendation *r, const struct lm_scenario *sc,
                  struct lm_candidate *c, struct model_cache *mc)
{
    struct lm_fact_ctx ctx;
    ctx.cat = r->cat;
    ctx.sc = sc;
    ctx.c = c;
    memset(c->fired, 0, sizeof(c->fired));
    c->rejected = 0;
    c->adjust = 0;
    int cached = mc != NULL && mc->model == c->model;
    if (mc != NULL && !cached) {
        mc->model = c->model;
        memset(mc->fired, 0, sizeof(mc->fired));
    }
    for (size_t i = 0; i < r->rules->n; i++) {
        if (!r->enabled[i] || !r->live[i])
            continue;
        const struct lm_rule *rule = r->rules->rules[i];
        uint64_t bit = (uint64_t)1 << (i % 64);
        if (mc != NULL && r->per_model[i]) {
            if (!cached && lm_expr_eval(rule->when, lm__fact_get, &ctx) == LM_TRUE)
                mc->fired[i / 64] |= bit;
            if (!(mc->fired[i / 64] & bit))
                continue;
        } else if (lm_expr_eval(rule->when, lm__fact_get, &ctx) != LM_TRUE) {
            continue;
        }
        c->fired[i / 64] |= bit;
        if (rule->severity == LM_SEV_RULE_ERROR)
            c->rejected = 1;
        else
            c->adjust += rule->score;
    }
    c->total = lm_round(weighted_mean(c, sc) + c->adjust, 1);
}

/* Marks the rules that can fire at all under this scenario: facts of the
 * task, workload and constraints are fixed for the whole run, so a rule
 * such as `estimate.ttft_ms > scenario.latency.ttft_ms` with no TTFT target
 * can never be true and is skipped for every candidate (expr.c,
 * lm_expr_outcomes). */
static void find_live_rules(struct lm_recommendation *r)
{
    static unsigned char varies[512];
    size_t nf = lm_fact_table.n < 512 ? lm_fact_table.n : 512;
    for (size_t i = 0; i < nf; i++) {
        const char *p = lm_fact_table.defs[i].path;
        varies[i] = strncmp(p, "task.", 5) != 0 && strncmp(p, "workload.", 9) != 0 &&
                    strncmp(p, "scenario.", 9) != 0;
    }
    struct lm_candidate none;
    cand_clear(&none);
    struct lm_fact_ctx ctx;
    ctx.cat = r->cat;
    ctx.sc = r->sc;
    ctx.c = &none;
    for (size_t i = 0; i < r->rules->n; i++) {
        const struct lm_expr *e = r->rules->rules[i]->when;
        r->live[i] = r->enabled[i] &&
                     (lm_expr_outcomes(e, lm__fact_get, &ctx, varies) & (1u << LM_TRUE)) != 0;
        const size_t *ids;
        size_t n = lm_expr_facts(e, &ids);
        int only_model = 1;
        for (size_t k = 0; k < n && only_model; k++) {
            const char *p = lm_fact_table.defs[ids[k]].path;
            only_model = !varies[ids[k]] ||
                         (strncmp(p, "model.", 6) == 0 && strncmp(p, "model.api.", 10) != 0);
        }
        r->per_model[i] = (unsigned char)only_model;
    }
}

/* ------------------------------------------------------------ id order */

/* strcmp of a + "/" against b + "/": how two components of a candidate id
 * compare inside the whole id (ids cannot contain '/'). */
static int cmp_slash(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    unsigned char x = *a ? (unsigned char)*a : '/', y = *b ? (unsigned char)*b : '/';
    return (x > y) - (x < y);
}

/* The run's id order of quantizations and hardware (by cmp_slash), and
 * where "api" falls among the quantization ids. */
struct id_order {
    size_t *quant;  /* cat->quants indices in id order */
    size_t api_pos; /* API offers come before quant[api_pos] */
    size_t *hw;     /* r->hws indices in id order */
    long *runtime;  /* [q * nhws + h]: cat->runtimes index, -1 none */
};

static const struct lm_catalog *sort_cat;
static const struct lm_hardware *const *sort_hws;

static int quant_id_cmp(const void *pa, const void *pb)
{
    return cmp_slash(sort_cat->quants[*(const size_t *)pa]->id,
                     sort_cat->quants[*(const size_t *)pb]->id);
}

static int hw_id_cmp(const void *pa, const void *pb)
{
    return cmp_slash(sort_hws[*(const size_t *)pa]->id, sort_hws[*(const size_t *)pb]->id);
}

static long runtime_index(const struct lm_catalog *cat, const struct lm_runtime *rt)
{
    for (size_t i = 0; rt != NULL && i < cat->nruntimes; i++)
        if (cat->runtimes[i] == rt)
            return (long)i;
    return -1;
}

static int id_order_init(struct id_order *o, const struct lm_recommendation *r,
                         const struct lm_rec_options *opt)
{
    const struct lm_catalog *cat = r->cat;
    size_t nq = cat->nquants, nh = r->nhardware;
    o->quant = malloc((nq ? nq : 1) * sizeof(*o->quant));
    o->hw = malloc((nh ? nh : 1) * sizeof(*o->hw));
    o->runtime = malloc((nq * nh != 0 ? nq * nh : 1) * sizeof(*o->runtime));
    if (o->quant == NULL || o->hw == NULL || o->runtime == NULL)
        return LM_ENOMEM;
    for (size_t i = 0; i < nq; i++)
        o->quant[i] = i;
    for (size_t i = 0; i < nh; i++)
        o->hw[i] = i;
    sort_cat = cat;
    sort_hws = r->hws;
    qsort(o->quant, nq, sizeof(*o->quant), quant_id_cmp);
    qsort(o->hw, nh, sizeof(*o->hw), hw_id_cmp);
    sort_cat = NULL;
    sort_hws = NULL;
    o->api_pos = 0;
    while (o->api_pos < nq && cmp_slash(cat->quants[o->quant[o->api_pos]]->id, "api") <= 0)
        o->api_pos++;
    for (size_t q = 0; q < nq; q++)
        for (size_t h = 0; h < nh; h++) {
            const struct lm_quant *qq = cat->quants[q];
            const struct lm_runtime *rt;
            if (opt->runtime != NULL)
                rt = runtime_allows(qq, opt->runtime->id) ? opt->runtime : NULL;
            else
                rt = lm_runtime_for(cat, qq, r->hws[h]);
            o->runtime[q * nh + h] = runtime_index(cat, rt);
        }
    return LM_OK;
}

static void id_order_release(struct id_order *o)
{
    free(o->quant);
    free(o->hw);
    free(o->runtime);
}

/* The order of two candidates of one model and one quantization and
 * hardware: by the devices field, then the placement, as in their ids. */
static int devices_placement_cmp(const struct lm_candidate *a, const struct lm_candidate *b)
{
    char da[8], db[8];
    snprintf(da, sizeof(da), "%u", (unsigned)a->devices);
    snprintf(db, sizeof(db), "%u", (unsigned)b->devices);
    int c = cmp_slash(da, db);
    return c ? c : strcmp(lm_placement_names[a->placement], lm_placement_names[b->placement]);
}

/* ------------------------------------------------------------- generation */

struct pending {
    struct lm_candidate c;
    size_t h, q;               /* hws and cat->quants indices */
};

struct gen {
    struct lm_recommendation *r;
    const struct lm_rec_options *opt;
    struct id_order ord;
    struct lm_est_input base;  /* the scenario's estimate input */
    struct model_cache mc;
    /* --quant auto: the model's chosen candidates, before id ordering. */
    struct pending *pending;
    size_t npending, cap_pending;
    size_t *qrank;             /* cat->quants index -> position in id order */
    size_t *hrank;             /* hws index -> position in id order */
};

/* Judges c and appends its compact record. */
static int emit(struct gen *g, struct lm_candidate *c, size_t mi, size_t where, size_t qi,
                long rti)
{
    struct lm_recommendation *r = g->r;
    finish(r, r->sc, c);
    judge(r, r->sc, c, &g->mc);
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        struct lm_ranked *nc = realloc(r->cands, cap * sizeof(*nc));
        if (nc == NULL)
            return LM_ENOMEM;
        r->cands = nc;
        uint64_t *nf = realloc(r->fired, cap * r->nwords * sizeof(*nf));
        if (nf == NULL)
            return LM_ENOMEM;
        r->fired = nf;
        r->cap = cap;
    }
    struct lm_ranked *k = &r->cands[r->n];
    k->total = c->total;
    k->model = (uint32_t)mi;
    k->where = (uint32_t)where;
    k->quant = (uint32_t)qi;
    k->runtime = (uint16_t)(rti < 0 ? 0 : rti);
    k->placement = c->placement;
    k->devices = c->devices;
    k->rejected = c->rejected;
    memcpy(&r->fired[r->n * r->nwords], c->fired, r->nwords * sizeof(uint64_t));
    r->n++;
    return LM_OK;
}

/* Estimates the self-hosted candidate (model, hws[h], quant q, placement p)
 * with the device count of §5 step 1. */
static void estimate_self_hosted(const struct gen *g, const struct lm_model *m, size_t h,
                                 size_t q, int p, struct lm_candidate *c)
{
    const struct lm_recommendation *r = g->r;
    struct lm_est_input in = g->base;
    in.model = m;
    in.hw = r->hws[h];
    in.quant = r->cat->quants[q];
    in.runtime = r->cat->runtimes[g->ord.runtime[q * r->nhardware + h]];
    in.placement = p;
    in.extra_flags = r->hw_built[h] ? LM_EST_LOCAL_BUILT : 0;
    cand_clear(c);
    lm_estimate_devices(&in, &c->est);
    c->model = m;
    c->hw = in.hw;
    c->quant = in.quant;
    c->runtime = in.runtime;
    c->placement = (uint8_t)p;
    c->devices = (uint8_t)in.devices;
}

static int emit_api(struct gen *g, size_t mi)
{
    const struct lm_model *m = g->r->cat->models[mi];
    /* Offers by provider id: their ids differ only there. */
    size_t n = m->napi;
    size_t *order = malloc((n ? n : 1) * sizeof(*order));
    if (order == NULL)
        return LM_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        size_t j = k;
        while (j > 0 && strcmp(m->api[order[j - 1]].provider, m->api[k].provider) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    for (size_t k = 0; k < n; k++) {
        struct lm_candidate c;
        cand_clear(&c);
        struct lm_est_input in = g->base;
        in.model = m;
        in.offer = &m->api[order[k]];
        in.placement = LM_PLACE_API;
        in.devices = DNAN;
        lm_estimate_compute(&in, &c.est, NULL);
        c.model = m;
        c.offer = in.offer;
        c.placement = LM_PLACE_API;
        if (emit(g, &c, mi, order[k], 0, -1) != LM_OK) {
            free(order);
            return LM_ENOMEM;
        }
    }
    free(order);
    return LM_OK;
}

/* Every format (or only --quant's), in id order: quantization, hardware,
 * then devices and placement. */
static int gen_model(struct gen *g, size_t mi)
{
    struct lm_recommendation *r = g->r;
    const struct lm_catalog *cat = r->cat;
    const struct lm_model *m = cat->models[mi];
    for (size_t qpos = 0; qpos <= cat->nquants; qpos++) {
        if (qpos == g->ord.api_pos && emit_api(g, mi) != LM_OK)
            return LM_ENOMEM;
        if (qpos == cat->nquants || m->open_weights != 1)
            continue;
        size_t q = g->ord.quant[qpos];
        if (g->opt->quant != NULL && cat->quants[q] != g->opt->quant)
            continue;
        for (size_t hpos = 0; hpos < r->nhardware; hpos++) {
            size_t h = g->ord.hw[hpos];
            long rti = g->ord.runtime[q * r->nhardware + h];
            if (rti < 0)
                continue;
            struct lm_candidate c[3];
            size_t n = 0;
            for (int p = 0; p < 3; p++) {
                if (!(r->hws[h]->placements & (1u << p)))
                    continue;
                estimate_self_hosted(g, m, h, q, p, &c[n]);
                /* Insertion into devices-then-placement order. */
                size_t j = n++;
                while (j > 0 && devices_placement_cmp(&c[j - 1], &c[j]) > 0) {
                    struct lm_candidate t = c[j];
                    c[j] = c[j - 1];
                    c[j - 1] = t;
                    j--;
                }
            }
            for (size_t k = 0; k < n; k++)
                if (emit(g, &c[k], mi, h, q, rti) != LM_OK)
                    return LM_ENOMEM;
        }
    }
    return LM_OK;
}

static const struct gen *pending_gen;

/* Id order of two chosen --quant auto candidates of one model. */
static int pending_cmp(const void *pa, const void *pb)
{
    const struct pending *a = pa, *b = pb;
    const struct gen *g = pending_gen;
    if (g->qrank[a->q] != g->qrank[b->q])
        return g->qrank[a->q] < g->qrank[b->q] ? -1 : 1;
    if (g->hrank[a->h] != g->hrank[b->h])
        return g->hrank[a->h] < g->hrank[b->h] ? -1 : 1;
    return devices_placement_cmp(&a->c, &b->c);
}

/* --quant auto (§6.4): per hardware and placement, the best-quality format
 * that fits, else the best tight one, else the smallest; then in id order. */
static int gen_model_auto(struct gen *g, size_t mi)
{
    struct lm_recommendation *r = g->r;
    const struct lm_catalog *cat = r->cat;
    const struct lm_model *m = cat->models[mi];
    g->npending = 0;
    for (size_t h = 0; h < r->nhardware && m->open_weights == 1; h++) {
        for (int p = 0; p < 3; p++) {
            if (!(r->hws[h]->placements & (1u << p)))
                continue;
            struct lm_candidate best, c;
            size_t best_q = 0;
            int have = 0, slot_best = 3;
            for (size_t q = 0; q < cat->nquants; q++) {
                if (g->ord.runtime[q * r->nhardware + h] < 0)
                    continue;
                estimate_self_hosted(g, m, h, q, p, &c);
                int slot = c.est.fit == LM_FIT_FITS ? 0 : c.est.fit == LM_FIT_TIGHT ? 1 : 2;
                int take = !have || slot < slot_best ||
                           (slot == slot_best && slot < 2 && quant_better(c.quant, best.quant)) ||
                           (slot == slot_best && slot == 2 && c.est.memory_gib < best.est.memory_gib);
                if (take) {
                    best = c;
                    best_q = q;
                    have = 1;
                    slot_best = slot;
                }
            }
            if (!have)
                continue;
            if (g->npending == g->cap_pending) {
                size_t cap = g->cap_pending ? g->cap_pending * 2 : 64;
                struct pending *np = realloc(g->pending, cap * sizeof(*np));
                if (np == NULL)
                    return LM_ENOMEM;
                g->pending = np;
                g->cap_pending = cap;
            }
            g->pending[g->npending].c = best;
            g->pending[g->npending].h = h;
            g->pending[g->npending++].q = best_q;
        }
    }
    pending_gen = g;
    qsort(g->pending, g->npending, sizeof(*g->pending), pending_cmp);
    pending_gen = NULL;
    size_t k = 0;
    for (size_t qpos = 0; qpos <= cat->nquants; qpos++) {
        if (qpos == g->ord.api_pos && emit_api(g, mi) != LM_OK)
            return LM_ENOMEM;
        if (qpos == cat->nquants)
            break;
        size_t q = g->ord.quant[qpos];
        for (; k < g->npending && g->pending[k].q == q; k++) {
            struct pending *p = &g->pending[k];
            if (emit(g, &p->c, mi, p->h, q, g->ord.runtime[q * r->nhardware + p->h]) != LM_OK)
                return LM_ENOMEM;
        }
    }
    return LM_OK;
}

/* The hardware the scenario allows: its list (local = this machine), or
 * every profile. */
static int allowed_hardware(struct lm_recommendation *r, const struct lm_rec_options *opt)
{
    const struct lm_catalog *cat = r->cat;
    const struct lm_scenario *sc = r->sc;
    r->hws = malloc((cat->nhardware + 1) * sizeof(*r->hws));
    r->hw_built = calloc(cat->nhardware + 1, 1);
    if (r->hws == NULL || r->hw_built == NULL)
        return LM_ENOMEM;
    size_t nhw = 0;
    if (sc->constraints.hardware_set) {
        for (size_t i = 0; i < sc->constraints.hardware.n; i++) {
            const char *id = sc->constraints.hardware.items[i];
            const struct lm_hardware *h = strcmp(id, "local") == 0 ? opt->local
                                                                    : lm_catalog_hardware(cat, id);
            int dup = 0;
            for (size_t k = 0; k < nhw; k++)
                dup |= r->hws[k] == h;
            if (h != NULL && !dup && nhw <= cat->nhardware) {
                r->hw_built[nhw] = strcmp(id, "local") == 0 && opt->local_built;
                r->hws[nhw++] = h;
            }
        }
    } else {
        for (size_t i = 0; i < cat->nhardware; i++)
            r->hws[nhw++] = cat->hardware[i];
    }
    r->nhardware = nhw;
    return LM_OK;
}

/* §4 Break-even: cost per request of the cheapest API candidate that meets
 * the privacy level, the region and offline (before the rules). */
static double cheapest_api_request(const struct lm_catalog *cat, const struct lm_scenario *sc)
{
    double best = (double)INFINITY;
    if (sc->constraints.offline == 1 || sc->constraints.privacy == LM_PRIV_AIR_GAPPED)
        return DNAN;
    for (size_t mi = 0; mi < cat->nmodels; mi++) {
        const struct lm_model *m = cat->models[mi];
        for (size_t k = 0; k < m->napi; k++) {
            struct lm_candidate c;
            cand_clear(&c);
            c.model = m;
            c.offer = &m->api[k];
            c.placement = LM_PLACE_API;
            lm_candidate_privacy(&c, sc);
            if (!c.meets_privacy || c.in_region == 0)
                continue;
            double per = request_cost(sc, c.offer);
            if (per < best)
                best = per;
        }
    }
    return isinf(best) ? DNAN : best;
}

static int generate(struct lm_recommendation *r, const struct lm_rec_options *opt)
{
    struct gen g;
    memset(&g, 0, sizeof(g));
    g.r = r;
    g.opt = opt;
    fill_input(r->sc, opt, &g.base);
    int rc = id_order_init(&g.ord, r, opt);
    if (rc == LM_OK && opt->quant_auto) {
        g.qrank = malloc((r->cat->nquants + 1) * sizeof(*g.qrank));
        g.hrank = malloc((r->nhardware + 1) * sizeof(*g.hrank));
        if (g.qrank == NULL || g.hrank == NULL)
            rc = LM_ENOMEM;
        for (size_t i = 0; rc == LM_OK && i < r->cat->nquants; i++)
            g.qrank[g.ord.quant[i]] = i;
        for (size_t i = 0; rc == LM_OK && i < r->nhardware; i++)
            g.hrank[g.ord.hw[i]] = i;
    }
    for (size_t mi = 0; mi < r->cat->nmodels && rc == LM_OK; mi++) {
        r->nmodels++;
        rc = opt->quant_auto ? gen_model_auto(&g, mi) : gen_model(&g, mi);
    }
    id_order_release(&g.ord);
    free(g.pending);
    free(g.qrank);
    free(g.hrank);
    return rc;
}

/* ---------------------------------------------------------------- ranking */

int lm_recommendation_class(const struct lm_recommendation *r, size_t i)
{
    return r->model_llm[r->cands[i].model];
}

const struct lm_model *lm_recommendation_model(const struct lm_recommendation *r, size_t i)
{
    return r->cat->models[r->cands[i].model];
}

int lm_recommendation_fired(const struct lm_recommendation *r, size_t i, size_t ri)
{
    return (int)((r->fired[i * r->nwords + ri / 64] >> (ri % 64)) & 1);
}

/* The total order of §5 step 5 on records: feasible first, then total
 * descending, then id (the index, by the generation order). */
static const struct lm_ranked *rank_sort_cands;

static int rank_cmp(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    const struct lm_ranked *x = &rank_sort_cands[a], *y = &rank_sort_cands[b];
    if (x->rejected != y->rejected)
        return x->rejected ? 1 : -1;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return (a > b) - (a < b);
}

/* Fills r->order. Totals are multiples of 0.1, so a stable counting sort on
 * (rejected, total in tenths) gives the total order in linear time; a
 * comparison sort takes over when the totals span too wide a range. */
static int rank(struct lm_recommendation *r)
{
    size_t n = r->n;
    r->order = malloc((n ? n : 1) * sizeof(*r->order));
    if (r->order == NULL)
        return LM_ENOMEM;
    double lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        double t = r->cands[i].total;
        if (i == 0 || t < lo)
            lo = t;
        if (i == 0 || t > hi)
            hi = t;
    }
    double span = n ? (hi - lo) * 10 : 0;
    if (!(isfinite(span) && span <= (double)n / 2 + 4096)) {
        for (size_t i = 0; i < n; i++)
            r->order[i] = i;
        rank_sort_cands = r->cands;
        qsort(r->order, n, sizeof(*r->order), rank_cmp);
        rank_sort_cands = NULL;
    } else {
        long top = lround(hi * 10);
        size_t nb = 2 * ((size_t)(top - lround(lo * 10)) + 1);
        size_t *count = calloc(nb + 1, sizeof(*count));
        if (count == NULL)
            return LM_ENOMEM;
        /* Bucket: rejected ones after every feasible one, each by total
         * descending. */
        size_t half = nb / 2;
#define BUCKET(k) ((size_t)(top - lround((k)->total * 10)) + ((k)->rejected ? half : 0))
        for (size_t i = 0; i < n; i++)
            count[BUCKET(&r->cands[i]) + 1]++;
        for (size_t b = 0; b < nb; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++)
            r->order[count[BUCKET(&r->cands[i])]++] = i;
#undef BUCKET
        free(count);
    }
    r->nfeasible = 0;
    while (r->nfeasible < n && !r->cands[r->order[r->nfeasible]].rejected)
        r->nfeasible++;
    return LM_OK;
}

/* -------------------------------------------------------------- rebuilding */

/* Rebuilds candidate i's profiles, estimate, privacy and sub-scores under
 * scenario sc (the run's, or a flip's), without judging it. */
static void rebuild(const struct lm_recommendation *r, const struct lm_scenario *sc, size_t i,
                    struct lm_candidate *c)
{
    const struct lm_ranked *k = &r->cands[i];
    const struct lm_model *m = r->cat->models[k->model];
    struct lm_est_input in;
    fill_input(sc, &r->opt, &in);
    cand_clear(c);
    c->model = m;
    c->placement = k->placement;
    in.model = m;
    in.placement = k->placement;
    if (k->placement == LM_PLACE_API) {
        c->offer = &m->api[k->where];
        in.offer = c->offer;
        in.devices = DNAN;
    } else {
        c->hw = r->hws[k->where];
        c->quant = r->cat->quants[k->quant];
        c->runtime = r->cat->runtimes[k->runtime];
        c->devices = k->devices;
        in.hw = c->hw;
        in.quant = c->quant;
        in.runtime = c->runtime;
        in.devices = k->devices;
        in.extra_flags = r->hw_built[k->where] ? LM_EST_LOCAL_BUILT : 0;
    }
    lm_estimate_compute(&in, &c->est, NULL);
    finish(r, sc, c);
}

/* The stored verdict of the rules on candidate i, into c. */
static void restore_verdict(const struct lm_recommendation *r, size_t i, struct lm_candidate *c)
{
    memset(c->fired, 0, sizeof(c->fired));
    memcpy(c->fired, &r->fired[i * r->nwords], r->nwords * sizeof(uint64_t));
    c->rejected = r->cands[i].rejected;
    c->total = r->cands[i].total;
    c->adjust = 0;
    for (size_t ri = 0; ri < r->rules->n; ri++)
        if (lm_recommendation_fired(r, i, ri) &&
            r->rules->rules[ri]->severity != LM_SEV_RULE_ERROR)
            c->adjust += r->rules->rules[ri]->score;
}

void lm_recommendation_candidate(const struct lm_recommendation *r, size_t i,
                                 struct lm_candidate *out)
{
    rebuild(r, r->sc, i, out);
    restore_verdict(r, i, out);
    lm_candidate_id(out, out->id, sizeof(out->id));
}

void lm_recommendation_id(const struct lm_recommendation *r, size_t i, char *buf, size_t cap)
{
    const struct lm_ranked *k = &r->cands[i];
    const struct lm_model *m = r->cat->models[k->model];
    if (k->placement == LM_PLACE_API)
        snprintf(buf, cap, "%s/api/%s", m->id, m->api[k->where].provider);
    else
        snprintf(buf, cap, "%s/%s/%s/%u/%s", m->id, r->cat->quants[k->quant]->id,
                 r->hws[k->where]->id, (unsigned)k->devices, lm_placement_names[k->placement]);
}

/* ---------------------------------------------------------------- verdict */

struct contribution {
    const char *name;
    double v;
};

static void verdict(struct lm_recommendation *r)
{
    r->best[0] = r->best[1] = -1;
    for (size_t k = 0; k < r->nfeasible && (r->best[0] < 0 || r->best[1] < 0); k++) {
        size_t i = r->order[k];
        int cls = lm_recommendation_class(r, i);
        if (r->best[cls] < 0)
            r->best[cls] = (long)i;
    }
    r->verdict_class = r->nfeasible ? lm_recommendation_class(r, r->order[0]) : -1;
    r->break_even = DNAN;
    /* verdict.break_even_requests_per_day: the best feasible self-hosted
     * candidate, at its current sizing, against the cheapest feasible API
     * candidate. */
    long self = -1;
    double api = (double)INFINITY;
    for (size_t k = 0; k < r->nfeasible; k++) {
        const struct lm_ranked *c = &r->cands[r->order[k]];
        if (c->placement != LM_PLACE_API) {
            if (self < 0)
                self = (long)r->order[k];
            continue;
        }
        double per = request_cost(r->sc, &r->cat->models[c->model]->api[c->where]);
        if (per < api)
            api = per;
    }
    if (self >= 0 && isfinite(api) && api > 0) {
        struct lm_candidate s;
        rebuild(r, r->sc, (size_t)self, &s);
        r->break_even = s.est.usd_per_month / (api * 30.42);
    }

    /* Deciding dimensions (§5 step 6). */
    r->ndeciding = 0;
    if (r->verdict_class < 0)
        return;
    int win = r->verdict_class, other = !win;
    struct contribution contrib[LM_S_COUNT + LM_DIM_COUNT];
    size_t nc = 0;
    if (r->best[other] < 0) {
        /* The other class has no feasible candidate: the dimensions whose
         * error rules rejected its best-scoring candidates. */
        long bo = -1;
        for (size_t k = r->nfeasible; k < r->n; k++) {
            size_t i = r->order[k];
            if (lm_recommendation_class(r, i) == other) {
                bo = (long)i;
                break;
            }
        }
        for (size_t ri = 0; bo >= 0 && ri < r->rules->n && r->ndeciding < 3; ri++) {
            const struct lm_rule *rule = r->rules->rules[ri];
            if (rule->severity != LM_SEV_RULE_ERROR || !lm_recommendation_fired(r, (size_t)bo, ri))
                continue;
            const char *dim = lm_dimension_names[rule->dimension];
            int seen = 0;
            for (size_t k = 0; k < r->ndeciding; k++)
                seen |= strcmp(r->deciding[k], dim) == 0;
            if (!seen)
                r->deciding[r->ndeciding++] = dim;
        }
        return;
    }
    struct lm_candidate w, o;
    lm_recommendation_candidate(r, (size_t)r->best[win], &w);
    lm_recommendation_candidate(r, (size_t)r->best[other], &o);
    double sw = 0;
    for (int k = 0; k < LM_S_COUNT; k++)
        if (!isnan(w.scores[k]) && !isnan(o.scores[k]))
            sw += r->sc->priorities[k];
    for (int k = 0; k < LM_S_COUNT && sw > 0; k++) {
        if (isnan(w.scores[k]) || isnan(o.scores[k]))
            continue;
        double v = r->sc->priorities[k] * (w.scores[k] - o.scores[k]) / sw;
        if (v > 0) {
            contrib[nc].name = lm_subscore_names[k];
            contrib[nc++].v = v;
        }
    }
    double dims[LM_DIM_COUNT] = { 0 };
    for (size_t ri = 0; ri < r->rules->n; ri++) {
        const struct lm_rule *rule = r->rules->rules[ri];
        if (rule->severity == LM_SEV_RULE_ERROR)
            continue;
        uint64_t bit = (uint64_t)1 << (ri % 64);
        if (w.fired[ri / 64] & bit)
            dims[rule->dimension] += rule->score;
        if (o.fired[ri / 64] & bit)
            dims[rule->dimension] -= rule->score;
    }
    for (int d = 0; d < LM_DIM_COUNT; d++) {
        if (dims[d] > 0) {
            contrib[nc].name = lm_dimension_names[d];
            contrib[nc++].v = dims[d];
        }
    }
    /* Largest first; ties by name so the order is total. */
    for (size_t a = 0; a < nc; a++)
        for (size_t b = a + 1; b < nc; b++)
            if (contrib[b].v > contrib[a].v ||
                (contrib[b].v == contrib[a].v && strcmp(contrib[b].name, contrib[a].name) < 0)) {
                struct contribution t = contrib[a];
                contrib[a] = contrib[b];
                contrib[b] = t;
            }
    /* A sub-score and a rule dimension can share a name (latency, privacy,
     * quality); list each name once, at its larger contribution. */
    for (size_t k = 0; k < nc && r->ndeciding < 3; k++) {
        int seen = 0;
        for (size_t j = 0; j < r->ndeciding; j++)
            seen |= strcmp(r->deciding[j], contrib[k].name) == 0;
        if (!seen)
            r->deciding[r->ndeciding++] = contrib[k].name;
    }
}

/* ------------------------------------------------------------------ flips */

struct flipdim {
    const char *constraint; /* key under constraints */
    int dimension;
    size_t offset;          /* of the double in struct lm_scenario */
    int integer;
};

#define SCOFF(member) offsetof(struct lm_scenario, member)
static const struct flipdim flipdims[] = {
    { "budget.usd_per_month", LM_DIM_BUDGET, SCOFF(constraints.budget.usd_per_month), 0 },
    { "latency.ttft_ms", LM_DIM_LATENCY, SCOFF(constraints.latency.ttft_ms), 0 },
    { "latency.output_tokens_per_s", LM_DIM_LATENCY, SCOFF(constraints.latency.output_tokens_per_s), 0 },
    { "memory_gib", LM_DIM_MEMORY, SCOFF(constraints.memory_gib), 0 },
    { "data.labeled_examples", LM_DIM_DATA, SCOFF(constraints.data.labeled_examples), 1 },
};
#define NFLIPDIMS (sizeof(flipdims) / sizeof(flipdims[0]))

/* What every flip search shares: the candidates by total (descending, then
 * index), and the candidates rebuilt so far, by position in that order. */
struct flipshare {
    uint32_t *by_total;
    struct lm_candidate **built; /* NULL until rebuilt */
};

/* What one flip search needs: the rules it re-runs and how far a total can
 * move. When the flip changes instance sizing (resize), the sized
 * candidates' estimates change too, so for them the rules that read a
 * sizing-dependent fact are re-run as well. */
struct flipctx {
    struct lm_recommendation *r;
    struct flipshare *sh;
    unsigned char reads[LM_MAX_RULES];       /* read the constraint */
    unsigned char reads_sized[LM_MAX_RULES]; /* resize: read a sizing fact */
    int resize;
    /* Early exit: a candidate's total can rise by at most gain, plus, when
     * resizing changes sub-scores (peak_concurrency > 1), its own bound. */
    double gain;
    double *ub;      /* resize with peak > 1: per scan position */
    uint32_t *scan;  /* resize with peak > 1: candidates by ub */
};

static int rule_reads(const struct lm_rule *rule, const char *const *paths, size_t npaths)
{
    const size_t *ids;
    size_t n = lm_expr_facts(rule->when, &ids);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < npaths; k++)
            if (strcmp(lm_fact_table.defs[ids[i]].path, paths[k]) == 0)
                return 1;
    return 0;
}

/* Re-estimates a sized candidate for a new output-speed target. */
static void resize_candidate(const struct lm_recommendation *r, const struct lm_scenario *sc,
                             struct lm_candidate *t)
{
    struct lm_est_input in;
    fill_input(sc, &r->opt, &in);
    in.model = t->model;
    in.hw = t->hw;
    in.quant = t->quant;
    in.runtime = t->runtime;
    in.placement = t->placement;
    in.devices = t->devices;
    in.extra_flags = t->est.flags & LM_EST_LOCAL_BUILT;
    double be = t->est.break_even_requests_per_day;
    lm_estimate_compute(&in, &t->est, NULL);
    t->est.break_even_requests_per_day = be;
    subscores(t);
}

/* The candidate at scan position k of by_total, rebuilt once. */
static const struct lm_candidate *built_at(struct flipctx *f, size_t k)
{
    struct flipshare *sh = f->sh;
    if (sh->built[k] == NULL) {
        struct lm_candidate *c = malloc(sizeof(*c));
        if (c == NULL)
            return NULL;
        rebuild(f->r, f->r->sc, sh->by_total[k], c);
        restore_verdict(f->r, sh->by_total[k], c);
        sh->built[k] = c;
    }
    return sh->built[k];
}

static int flipshare_init(struct flipshare *sh, const struct lm_recommendation *r)
{
    size_t n = r->n;
    sh->by_total = malloc((n ? n : 1) * sizeof(*sh->by_total));
    sh->built = calloc(n ? n : 1, sizeof(*sh->built));
    if (sh->by_total == NULL || sh->built == NULL)
        return LM_ENOMEM;
    /* Merge the feasible and the rejected runs of r->order, both by total
     * descending then index. */
    size_t a = 0, b = r->nfeasible, k = 0;
    while (a < r->nfeasible || b < n) {
        int take_a;
        if (a == r->nfeasible)
            take_a = 0;
        else if (b == n)
            take_a = 1;
        else {
            const struct lm_ranked *x = &r->cands[r->order[a]], *y = &r->cands[r->order[b]];
            take_a = x->total > y->total || (x->total == y->total && r->order[a] < r->order[b]);
        }
        sh->by_total[k++] = (uint32_t)(take_a ? r->order[a++] : r->order[b++]);
    }
    return LM_OK;
}

static void flipshare_release(struct flipshare *sh, size_t n)
{
    for (size_t k = 0; sh->built != NULL && k < n; k++)
        free(sh->built[k]);
    free(sh->built);
    free(sh->by_total);
}

static const double *ub_sort_key;

static int ub_cmp(const void *pa, const void *pb)
{
    double a = ub_sort_key[*(const uint32_t *)pa], b = ub_sort_key[*(const uint32_t *)pb];
    return a > b ? -1 : a < b ? 1 : 0;
}

static int flipctx_init(struct flipctx *f, struct lm_recommendation *r, struct flipshare *sh,
                        const char *const *paths, size_t npaths, int resize)
{
    /* The facts instance sizing changes (estimate.c: B_max feeds the decode
     * batch, decode the end-to-end time, and both the cost); the others
     * (memory, fit, TTFT, quality, fine-tuning) do not depend on it. */
    static const char *const sizing_paths[] = {
        "estimate.max_concurrency", "estimate.instances", "estimate.decode_tokens_per_s",
        "estimate.usd_per_month", "estimate.break_even_requests_per_day",
        "score.cost", "score.latency", "score.simplicity",
    };
    memset(f, 0, sizeof(*f));
    f->r = r;
    f->sh = sh;
    f->resize = resize;
    for (size_t ri = 0; ri < r->rules->n; ri++) {
        const struct lm_rule *rule = r->rules->rules[ri];
        f->reads[ri] = r->enabled[ri] && rule_reads(rule, paths, npaths);
        f->reads_sized[ri] = r->enabled[ri] && resize &&
                             rule_reads(rule, sizing_paths, sizeof(sizing_paths) / sizeof(*sizing_paths));
        if ((f->reads[ri] || f->reads_sized[ri]) && rule->severity != LM_SEV_RULE_ERROR)
            f->gain += fabs(rule->score);
    }
    /* With one stream at peak (the default), sizing only decides between
     * B_max 1 and 0: the decode batch, the instance count used for cost
     * and the sub-scores stay what they are, so totals move only by the
     * re-run rules. With more streams the sized candidates' cost, latency
     * and simplicity sub-scores move too; their bound uses the most
     * favourable sizing (one stream, one instance: the cheapest and
     * fastest per stream) plus one point of slack for the on-prem energy
     * term, which does not move monotonically with the sizing. */
    if (!resize || !(r->sc->workload.peak_concurrency > 1))
        return LM_OK;
    size_t n = r->n;
    f->ub = malloc((n ? n : 1) * sizeof(*f->ub));
    f->scan = malloc((n ? n : 1) * sizeof(*f->scan));
    if (f->ub == NULL || f->scan == NULL)
        return LM_ENOMEM;
    struct lm_scenario best_case = *r->sc;
    best_case.workload.peak_concurrency = 1;
    best_case.constraints.latency.output_tokens_per_s = 1e-9;
    for (size_t i = 0; i < n; i++) {
        f->scan[i] = (uint32_t)i;
        const struct lm_ranked *k = &r->cands[i];
        if (k->placement == LM_PLACE_API || k->placement == LM_PLACE_DEVICE) {
            f->ub[i] = k->total + f->gain + 0.1;
            continue;
        }
        struct lm_candidate c, t;
        rebuild(r, r->sc, i, &c);
        restore_verdict(r, i, &c);
        t = c;
        resize_candidate(r, &best_case, &t);
        for (int s = 0; s < LM_S_COUNT; s++)
            if (!isnan(c.scores[s]) && c.scores[s] > t.scores[s])
                t.scores[s] = c.scores[s];
        double adjust = c.adjust;
        for (size_t ri = 0; ri < r->rules->n; ri++)
            if ((f->reads[ri] || f->reads_sized[ri]) && lm_recommendation_fired(r, i, ri) &&
                r->rules->rules[ri]->severity != LM_SEV_RULE_ERROR)
                adjust -= r->rules->rules[ri]->score;
        double gain = 0;
        for (size_t ri = 0; ri < r->rules->n; ri++)
            if ((f->reads[ri] || f->reads_sized[ri]) &&
                r->rules->rules[ri]->severity != LM_SEV_RULE_ERROR && r->rules->rules[ri]->score > 0)
                gain += r->rules->rules[ri]->score;
        f->ub[i] = weighted_mean(&t, r->sc) + adjust + gain + 1.0 + 0.1;
    }
    ub_sort_key = f->ub;
    qsort(f->scan, n, sizeof(*f->scan), ub_cmp);
    ub_sort_key = NULL;
    return LM_OK;
}

static void flipctx_release(struct flipctx *f)
{
    free(f->ub);
    free(f->scan);
}

/* The rank-1 candidate under the modified scenario sc; -1 when none is
 * feasible; -2 when out of memory. */
static long evaluate(struct flipctx *f, const struct lm_scenario *sc)
{
    struct lm_recommendation *r = f->r;
    struct lm_fact_ctx ctx;
    ctx.cat = r->cat;
    ctx.sc = sc;
    long best = -1;
    double best_total = 0;
    /* Rules whose stored verdict stands: not re-run for any candidate, or
     * (resize) for unsized ones. */
    uint64_t rerun[LM_MAX_RULES / 64] = { 0 }, rerun_sized[LM_MAX_RULES / 64] = { 0 };
    uint64_t errors[LM_MAX_RULES / 64] = { 0 };
    for (size_t ri = 0; ri < r->rules->n; ri++) {
        uint64_t bit = (uint64_t)1 << (ri % 64);
        if (f->reads[ri])
            rerun[ri / 64] |= bit;
        if (f->reads[ri] || f->reads_sized[ri])
            rerun_sized[ri / 64] |= bit;
        if (r->rules->rules[ri]->severity == LM_SEV_RULE_ERROR)
            errors[ri / 64] |= bit;
    }
    for (size_t k = 0; k < r->n; k++) {
        size_t i = f->scan ? f->scan[k] : f->sh->by_total[k];
        double ub = f->scan ? f->ub[i] : r->cands[i].total + f->gain + 0.1;
        if (best >= 0 && ub + 1e-9 < best_total)
            break; /* no later candidate can reach the current best */
        const struct lm_ranked *rec = &r->cands[i];
        int sized = f->resize && rec->placement != LM_PLACE_API &&
                    rec->placement != LM_PLACE_DEVICE;
        const uint64_t *mask = sized ? rerun_sized : rerun;
        const uint64_t *fw = &r->fired[i * r->nwords];
        int other_reject = 0;
        for (size_t w = 0; w < r->nwords; w++)
            other_reject |= (fw[w] & errors[w] & ~mask[w]) != 0;
        if (other_reject)
            continue;
        struct lm_candidate t;
        if (f->scan) {
            rebuild(r, r->sc, i, &t);
            restore_verdict(r, i, &t);
        } else {
            const struct lm_candidate *b = built_at(f, k);
            if (b == NULL)
                return -2;
            memcpy(&t, b, offsetof(struct lm_candidate, id));
        }
        if (sized)
            resize_candidate(r, sc, &t);
        lm_candidate_privacy(&t, sc);
        ctx.c = &t;
        double adjust = 0;
        int rejected = 0;
        for (size_t ri = 0; ri < r->rules->n && !rejected; ri++) {
            const struct lm_rule *rule = r->rules->rules[ri];
            uint64_t bit = (uint64_t)1 << (ri % 64);
            if (!(mask[ri / 64] & bit)) {
                if ((fw[ri / 64] & bit) && rule->severity != LM_SEV_RULE_ERROR)
                    adjust += rule->score;
                continue;
            }
            if (!r->enabled[ri] || lm_expr_eval(rule->when, lm__fact_get, &ctx) != LM_TRUE)
                continue;
            if (rule->severity == LM_SEV_RULE_ERROR)
                rejected = 1;
            else
                adjust += rule->score;
        }
        if (rejected)
            continue;
        double total = lm_round(weighted_mean(&t, sc) + adjust, 1);
        if (best < 0 || total > best_total || (total == best_total && (long)i < best)) {
            best = (long)i;
            best_total = total;
        }
    }
    return best;
}

/* 1 when the rank-1 class under sc differs from the current verdict (or,
 * when nothing is feasible now, when anything is); 0 when not; -1 when out
 * of memory. */
static int flips_at(struct flipctx *f, struct lm_scenario *sc, const struct flipdim *d,
                    double v, long *winner)
{
    *(double *)(void *)((char *)sc + d->offset) = v;
    long w = evaluate(f, sc);
    *winner = w;
    if (w == -2)
        return -1;
    if (w < 0)
        return 0;
    if (f->r->verdict_class < 0)
        return 1;
    return lm_recommendation_class(f->r, (size_t)w) != f->r->verdict_class;
}

/* Rounds v to 2 significant digits away from `from` (outward). */
static double round_outward(double v, double from, int integer)
{
    if (v <= 0)
        return v;
    double p = pow(10, floor(log10(v)) - 1);
    double r = v > from ? ceil(v / p) * p : floor(v / p) * p;
    if (integer)
        r = v > from ? ceil(r) : floor(r);
    return r;
}

static int add_flip(struct lm_recommendation *r, const struct lm_flip *fl)
{
    struct lm_flip *g = realloc(r->flips, (r->nflips + 1) * sizeof(*g));
    if (g == NULL)
        return LM_ENOMEM;
    r->flips = g;
    r->flips[r->nflips++] = *fl;
    return LM_OK;
}

/* The starting value of an absent constraint: the current winner's value of
 * the quantity it bounds (§5 step 6); labeled examples start at 1000. */
static double introduced_start(const struct lm_recommendation *r, const struct flipdim *d)
{
    if (strcmp(d->constraint, "data.labeled_examples") == 0)
        return 1000;
    if (r->nfeasible == 0)
        return DNAN;
    struct lm_candidate w;
    rebuild(r, r->sc, r->order[0], &w);
    const struct lm_estimate *e = &w.est;
    if (strcmp(d->constraint, "budget.usd_per_month") == 0)
        return e->usd_per_month > 0 ? e->usd_per_month : 1;
    if (strcmp(d->constraint, "latency.ttft_ms") == 0)
        return e->ttft_ms;
    if (strcmp(d->constraint, "latency.output_tokens_per_s") == 0)
        return e->decode_tokens_per_s;
    return e->memory_gib;
}

/* Bisection of search_number between prev (no flip) and v (flip) to 1 %.
 * Returns the flipping value, or NAN when out of memory. */
static double bisect(struct flipctx *f, struct lm_scenario *sc, const struct flipdim *d,
                     double lo, double hi)
{
    for (int it = 0; it < 40; it++) {
        if (d->integer ? fabs(hi - lo) <= 1 : fabs(hi - lo) <= 0.01 * fabs(hi))
            break;
        double mid = d->integer ? floor((lo + hi) / 2) : (lo + hi) / 2;
        long wm;
        int fl = flips_at(f, sc, d, mid, &wm);
        if (fl < 0)
            return DNAN;
        if (fl)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

static int search_number(struct lm_recommendation *r, struct flipshare *sh,
                         const struct flipdim *d)
{
    const char *paths[1];
    char path[96];
    snprintf(path, sizeof(path), "scenario.%s", d->constraint);
    paths[0] = path;
    struct flipctx f;
    int resize = strcmp(d->constraint, "latency.output_tokens_per_s") == 0;
    if (flipctx_init(&f, r, sh, paths, 1, resize) != LM_OK) {
        flipctx_release(&f);
        return LM_ENOMEM;
    }
    struct lm_scenario sc = *r->sc;
    double from = *(const double *)(const void *)((const char *)r->sc + d->offset);
    double start = isnan(from) ? introduced_start(r, d) : from;
    int found = 0, rc = LM_OK;
    struct lm_flip best;
    memset(&best, 0, sizeof(best));
    if (!(isfinite(start) && start > 0)) {
        flipctx_release(&f);
        return LM_OK;
    }
    /* Geometric scan over [start/100, start×100] in steps of 10^0.2 (ten
     * per direction), then bisection to 1 %; the nearest flip of the two
     * directions wins. */
    for (int dir = -1; dir <= 1 && rc == LM_OK; dir += 2) {
        double prev = start;
        long w;
        for (int k = isnan(from) ? 0 : 1; k <= 10; k++) {
            double v = start * pow(10, dir * k / 5.0);
            if (d->integer)
                v = dir > 0 ? ceil(v) : floor(v);
            int fl = flips_at(&f, &sc, d, v, &w);
            if (fl < 0) {
                rc = LM_ENOMEM;
                break;
            }
            if (!fl) {
                prev = v;
                continue;
            }
            double hi = bisect(&f, &sc, d, prev, v);
            if (isnan(hi)) {
                rc = LM_ENOMEM;
                break;
            }
            double to = round_outward(hi, start, d->integer);
            fl = flips_at(&f, &sc, d, to, &w);
            if (fl == 0) {
                to = hi;
                fl = flips_at(&f, &sc, d, to, &w);
            }
            if (fl < 0) {
                rc = LM_ENOMEM;
                break;
            }
            double rel = isnan(from) ? 1.0 : fabs(to - from) / from;
            if (!found || rel < best.rel_change) {
                best.dimension = d->dimension;
                best.constraint = d->constraint;
                best.from = from;
                best.to = to;
                best.winner = (size_t)w;
                best.winner_class = lm_recommendation_class(r, (size_t)w);
                best.rel_change = rel;
                best.from_level = best.to_level = -1;
                found = 1;
            }
            break;
        }
    }
    flipctx_release(&f);
    if (rc != LM_OK)
        return rc;
    return found ? add_flip(r, &best) : LM_OK;
}

/* The privacy chain of §3.5 and each level's looser neighbour. */
static const int chain[] = { LM_PRIV_PUBLIC, LM_PRIV_NO_TRAINING, LM_PRIV_ZERO_RETENTION,
                             LM_PRIV_PRIVATE_CLOUD, LM_PRIV_ON_PREM, LM_PRIV_ON_DEVICE };

static int chain_pos(int level)
{
    switch (level) {
    case LM_PRIV_REGION:
        return 1; /* steps first to no-training */
    case LM_PRIV_AIR_GAPPED:
        return 4; /* steps first to on-prem */
    default:
        for (int i = 0; i < 6; i++)
            if (chain[i] == level)
                return i;
        return 0;
    }
}

static int search_privacy(struct lm_recommendation *r, struct flipshare *sh)
{
    static const char *const paths[] = { "scenario.privacy", "candidate.meets_privacy",
                                         "candidate.privacy_level", "scenario.offline" };
    struct flipctx f;
    if (flipctx_init(&f, r, sh, paths, 4, 0) != LM_OK) {
        flipctx_release(&f);
        return LM_ENOMEM;
    }
    int from = r->sc->constraints.privacy;
    int pos = from < 0 ? 0 : chain_pos(from);
    int special = from == LM_PRIV_REGION || from == LM_PRIV_AIR_GAPPED;
    struct lm_flip best;
    int found = 0;
    for (int dir = -1; dir <= 1; dir += 2) {
        for (int k = 1; k <= 5; k++) {
            /* From region or air-gapped the first looser step is to the
             * looser neighbour itself (§3.5); unset privacy is public. */
            int p = special && dir < 0 ? pos - (k - 1) : pos + dir * k;
            if (p < 0 || p > 5 || (from < 0 && dir < 0))
                break;
            struct lm_scenario sc = *r->sc;
            sc.constraints.privacy = chain[p];
            long w = evaluate(&f, &sc);
            if (w == -2) {
                flipctx_release(&f);
                return LM_ENOMEM;
            }
            int flipped = w >= 0 && (r->verdict_class < 0 ||
                                     lm_recommendation_class(r, (size_t)w) != r->verdict_class);
            if (!flipped)
                continue;
            if (!found || k < best.rel_change) {
                memset(&best, 0, sizeof(best));
                best.dimension = LM_DIM_PRIVACY;
                best.constraint = "privacy";
                best.is_privacy = 1;
                best.from = best.to = DNAN;
                best.from_level = from;
                best.to_level = chain[p];
                best.winner = (size_t)w;
                best.winner_class = lm_recommendation_class(r, (size_t)w);
                best.rel_change = from < 0 ? 1.0 : k;
                found = 1;
            }
            break;
        }
    }
    flipctx_release(&f);
    return found ? add_flip(r, &best) : LM_OK;
}

static int flip_cmp(const void *pa, const void *pb)
{
    const struct lm_flip *a = pa, *b = pb;
    if (a->rel_change != b->rel_change)
        return a->rel_change < b->rel_change ? -1 : 1;
    int c = strcmp(lm_dimension_names[a->dimension], lm_dimension_names[b->dimension]);
    return c ? c : strcmp(a->constraint, b->constraint);
}

static int find_flips(struct lm_recommendation *r)
{
    struct flipshare sh;
    int rc = flipshare_init(&sh, r);
    for (size_t k = 0; k < NFLIPDIMS && rc == LM_OK; k++)
        rc = search_number(r, &sh, &flipdims[k]);
    if (rc == LM_OK)
        rc = search_privacy(r, &sh);
    flipshare_release(&sh, r->n);
    if (rc != LM_OK)
        return rc;
    if (r->nflips > 1)
        qsort(r->flips, r->nflips, sizeof(*r->flips), flip_cmp);
    return LM_OK;
}

/* ------------------------------------------------------------------- main */

int lm_recommend(const struct lm_catalog *cat, const struct lm_scenario *sc,
                 const struct lm_ruleset *rules, const struct lm_rec_options *opt,
                 struct lm_recommendation *r)
{
    memset(r, 0, sizeof(*r));
    r->cat = cat;
    r->sc = sc;
    r->rules = rules;
    r->verdict_class = -1;
    r->best[0] = r->best[1] = -1;
    r->break_even = DNAN;
    r->opt = *opt;
    size_t nrules = rules->n < LM_MAX_RULES ? rules->n : LM_MAX_RULES;
    r->nwords = nrules ? (nrules + 63) / 64 : 1;
    for (size_t i = 0; i < nrules; i++) {
        r->enabled[i] = 1;
        for (size_t k = 0; k < sc->rules.disable.n; k++)
            if (strcmp(sc->rules.disable.items[k], rules->rules[i]->id) == 0)
                r->enabled[i] = 0;
    }
    /* Indices must fit the compact record. */
    if (cat->nmodels > UINT32_MAX || cat->nquants > UINT32_MAX || cat->nruntimes > UINT16_MAX)
        return LM_ENOMEM;
    r->model_llm = malloc(cat->nmodels ? cat->nmodels : 1);
    if (r->model_llm == NULL)
        return LM_ENOMEM;
    for (size_t i = 0; i < cat->nmodels; i++)
        r->model_llm[i] = strcmp(lm_model_class(cat, cat->models[i]), "llm") == 0;
    find_live_rules(r);
    r->per_request = cheapest_api_request(cat, sc);
    int rc = allowed_hardware(r, opt);
    if (rc == LM_OK)
        rc = generate(r, opt);
    if (rc == LM_OK)
        rc = rank(r);
    if (rc != LM_OK)
        return rc;
    verdict(r);
    if (!opt->no_flips && find_flips(r) != LM_OK)
        return LM_ENOMEM;
    return LM_OK;
}

void lm_recommendation_basis(const struct lm_recommendation *r, size_t i, struct lm_basis *b)
{
    const struct lm_ranked *k = &r->cands[i];
    const struct lm_model *m = r->cat->models[k->model];
    struct lm_est_input in;
    struct lm_estimate e;
    fill_input(r->sc, &r->opt, &in);
    in.model = m;
    in.placement = k->placement;
    if (k->placement == LM_PLACE_API) {
        in.offer = &m->api[k->where];
        in.devices = DNAN;
    } else {
        in.hw = r->hws[k->where];
        in.quant = r->cat->quants[k->quant];
        in.runtime = r->cat->runtimes[k->runtime];
        in.devices = k->devices;
        in.extra_flags = r->hw_built[k->where] ? LM_EST_LOCAL_BUILT : 0;
    }
    lm_estimate_compute(&in, &e, b);
}

static void format_value(double v, char *buf, size_t cap)
{
    lm_format_number(v, -1, buf, cap);
}

void lm_flip_summary(const struct lm_recommendation *r, const struct lm_flip *f, char *buf,
                     size_t cap)
{
    char id[LM_CANDIDATE_ID_MAX];
    lm_recommendation_id(r, f->winner, id, sizeof(id));
    const char *cls = f->winner_class ? "llm" : "slm";
    if (f->is_privacy) {
        if (f->from_level < 0)
            snprintf(buf, cap, "with privacy %s (unset now), %s (%s) ranks first",
                     lm_privacy_names[f->to_level], id, cls);
        else
            snprintf(buf, cap, "with privacy %s instead of %s, %s (%s) ranks first",
                     lm_privacy_names[f->to_level], lm_privacy_names[f->from_level], id, cls);
        return;
    }
    char to[64], from[64];
    format_value(f->to, to, sizeof(to));
    if (isnan(f->from)) {
        snprintf(buf, cap, "with %s %s (unset now), %s (%s) ranks first", f->constraint, to,
                 id, cls);
    } else {
        format_value(f->from, from, sizeof(from));
        snprintf(buf, cap, "with %s %s instead of %s, %s (%s) ranks first", f->constraint, to,
                 from, id, cls);
    }
}

void lm_recommendation_summary(const struct lm_recommendation *r, char *buf, size_t cap)
{
    char flip[1024];
    if (r->nflips > 0)
        lm_flip_summary(r, &r->flips[0], flip, sizeof(flip));
    else
        snprintf(flip, sizeof(flip), "no single change within x100 flips the class");
    if (r->verdict_class < 0) {
        snprintf(buf, cap, "no candidate satisfies the constraints; %s", flip);
        return;
    }
    const struct lm_ranked *w = &r->cands[r->order[0]];
    const struct lm_model *m = r->cat->models[w->model];
    char where[160];
    if (w->placement == LM_PLACE_API)
        snprintf(where, sizeof(where), "the %s API", m->api[w->where].provider);
    else
        snprintf(where, sizeof(where), "%s", r->hws[w->where]->id);
    char dec[160] = "";
    for (size_t k = 0; k < r->ndeciding; k++) {
        size_t used = strlen(dec);
        snprintf(dec + used, sizeof(dec) - used, "%s%s",
                 k == 0 ? "" : k + 1 == r->ndeciding ? " and " : ", ", r->deciding[k]);
    }
    if (r->ndeciding > 0)
        snprintf(buf, cap, "%s (%s) on %s wins on %s; %s", m->id,
                 r->verdict_class ? "llm" : "slm", where, dec, flip);
    else
        snprintf(buf, cap, "%s (%s) on %s ranks first; %s", m->id,
                 r->verdict_class ? "llm" : "slm", where, flip);
}

void lm_recommendation_release(struct lm_recommendation *r)
{
    if (r == NULL)
        return;
    free(r->cands);
    free(r->fired);
    free(r->order);
    free(r->flips);
    free(r->hws);
    free(r->hw_built);
    free(r->model_llm);
    memset(r, 0, sizeof(*r));
}

/* ------------------------------------------------------ one declared candidate */

static int evaluate_one(const struct lm_recommendation *r, const struct lm_deploy_spec *spec,
                        const struct lm_quant *q, struct lm_candidate *c)
{
    const struct lm_runtime *rt = spec->runtime;
    if (rt != NULL && !runtime_allows(q, rt->id))
        return LM_ESCHEMA;
    if (rt == NULL)
        rt = lm_runtime_for(r->cat, q, spec->hw);
    if (rt == NULL)
        return LM_ESCHEMA;
    struct lm_est_input in;
    fill_input(r->sc, &r->opt, &in);
    in.model = spec->model;
    in.hw = spec->hw;
    in.quant = q;
    in.runtime = rt;
    in.placement = spec->placement;
    in.devices = spec->devices;
    in.extra_flags = spec->local_built ? LM_EST_LOCAL_BUILT : 0;
    cand_clear(c);
    lm_estimate_compute(&in, &c->est, NULL);
    c->model = spec->model;
    c->hw = spec->hw;
    c->quant = q;
    c->runtime = rt;
    c->placement = (uint8_t)spec->placement;
    c->devices = (uint8_t)spec->devices;
    return LM_OK;
}

int lm_recommend_evaluate(const struct lm_recommendation *r, const struct lm_deploy_spec *spec,
                          struct lm_candidate *out)
{
    struct lm_candidate c;
    cand_clear(&c);
    if (spec->offer != NULL) {
        struct lm_est_input in;
        fill_input(r->sc, &r->opt, &in);
        in.model = spec->model;
        in.offer = spec->offer;
        in.placement = LM_PLACE_API;
        in.devices = DNAN;
        lm_estimate_compute(&in, &c.est, NULL);
        c.model = spec->model;
        c.offer = spec->offer;
        c.placement = LM_PLACE_API;
    } else if (spec->quant != NULL) {
        if (evaluate_one(r, spec, spec->quant, &c) != LM_OK)
            return LM_ESCHEMA;
    } else {
        /* §6.4: the best-quality format that fits, else the best tight one,
         * else the smallest. */
        int have = 0, best_slot = 3;
        for (size_t qi = 0; qi < r->cat->nquants; qi++) {
            struct lm_candidate t;
            const struct lm_quant *q = r->cat->quants[qi];
            if (evaluate_one(r, spec, q, &t) != LM_OK)
                continue;
            int slot = t.est.fit == LM_FIT_FITS ? 0 : t.est.fit == LM_FIT_TIGHT ? 1 : 2;
            int take = !have || slot < best_slot ||
                       (slot == best_slot && slot < 2 && quant_better(q, c.quant)) ||
                       (slot == best_slot && slot == 2 && t.est.memory_gib < c.est.memory_gib);
            if (take) {
                c = t;
                have = 1;
                best_slot = slot;
            }
        }
        if (!have)
            return LM_ESCHEMA;
    }
    finish(r, r->sc, &c);
    judge(r, r->sc, &c, NULL);
    lm_candidate_id(&c, c.id, sizeof(c.id));
    *out = c;
    return LM_OK;
}

void lm_candidate_message(const struct lm_recommendation *r, const struct lm_candidate *c,
                          size_t ri, char *buf, size_t cap)
{
    struct lm_fact_ctx ctx;
    ctx.cat = r->cat;
    ctx.sc = r->sc;
    ctx.c = c;
    lm_template_render(r->rules->rules[ri]->message, lm__fact_get, &ctx, buf, cap);
}
