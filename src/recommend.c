/*
 * The recommendation engine of DESIGN §5: generate, estimate, judge, score,
 * rank, and the verdict with its flips.
 *
 * Candidates are compact records (candidate.h) in one growing array; their
 * ids are formatted once into the run's arena so that ranking compares
 * strings without formatting. Rule messages are rendered only for what is
 * printed (lm_recommendation_message).
 *
 * The flip search re-evaluates only what a constraint can change: the rules
 * whose compiled condition reads that constraint (or candidate.meets_privacy
 * for the privacy level), on candidates that no other rule rejects; the
 * other rules' verdicts and adjustments are computed once (§5 "Cost bound").
 * Changing latency.output_tokens_per_s also changes instance sizing, so that
 * flip re-estimates the sized (on-prem and cloud) candidates.
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

/* ------------------------------------------------------------- generation */

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

static int push(struct lm_recommendation *r, const struct lm_candidate *c)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        struct lm_candidate *g = realloc(r->cands, cap * sizeof(*g));
        if (g == NULL)
            return LM_ENOMEM;
        r->cands = g;
        r->cap = cap;
    }
    r->cands[r->n++] = *c;
    return LM_OK;
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

static int gen_self_hosted(struct lm_recommendation *r, const struct lm_rec_options *opt,
                           const struct lm_model *m, const struct lm_hardware *hw,
                           int local_built)
{
    const struct lm_catalog *cat = r->cat;
    for (int p = 0; p < 3; p++) {
        if (!(hw->placements & (1u << p)))
            continue;
        struct lm_candidate best_auto;
        int have_auto = 0, auto_slot = 3;
        double auto_mem = (double)INFINITY;
        for (size_t qi = 0; qi < cat->nquants; qi++) {
            const struct lm_quant *q = cat->quants[qi];
            if (opt->quant != NULL && q != opt->quant)
                continue;
            const struct lm_runtime *rt;
            if (opt->runtime != NULL)
                rt = runtime_allows(q, opt->runtime->id) ? opt->runtime : NULL;
            else
                rt = lm_runtime_for(cat, q, hw);
            if (rt == NULL)
                continue;
            struct lm_est_input in;
            fill_input(r->sc, opt, &in);
            in.model = m;
            in.hw = hw;
            in.quant = q;
            in.runtime = rt;
            in.placement = p;
            in.extra_flags = local_built ? LM_EST_LOCAL_BUILT : 0;
            struct lm_candidate c;
            memset(&c, 0, sizeof(c));
            lm_estimate_devices(&in, &c.est);
            c.model = m;
            c.hw = hw;
            c.quant = q;
            c.runtime = rt;
            c.placement = (uint8_t)p;
            c.devices = (uint8_t)in.devices;
            if (!opt->quant_auto) {
                if (push(r, &c) != LM_OK)
                    return LM_ENOMEM;
                continue;
            }
            /* --quant auto (§6.4): the best-quality format that fits, else
             * the best tight one, else the smallest. */
            int slot = c.est.fit == LM_FIT_FITS ? 0 : c.est.fit == LM_FIT_TIGHT ? 1 : 2;
            int take = !have_auto || slot < auto_slot ||
                       (slot == auto_slot && slot < 2 && quant_better(q, best_auto.quant)) ||
                       (slot == auto_slot && slot == 2 && c.est.memory_gib < auto_mem);
            if (take) {
                best_auto = c;
                have_auto = 1;
                auto_slot = slot;
                auto_mem = c.est.memory_gib;
            }
        }
        if (have_auto && push(r, &best_auto) != LM_OK)
            return LM_ENOMEM;
    }
    return LM_OK;
}

static int generate(struct lm_recommendation *r, const struct lm_rec_options *opt)
{
    const struct lm_catalog *cat = r->cat;
    const struct lm_scenario *sc = r->sc;
    /* The hardware the scenario allows: its list (local = this machine), or
     * every profile. */
    const struct lm_hardware **hws = malloc((cat->nhardware + 1) * sizeof(*hws));
    size_t nhw = 0;
    int *built = calloc(cat->nhardware + 1, sizeof(*built));
    if (hws == NULL || built == NULL) {
        free(hws);
        free(built);
        return LM_ENOMEM;
    }
    if (sc->constraints.hardware_set) {
        for (size_t i = 0; i < sc->constraints.hardware.n; i++) {
            const char *id = sc->constraints.hardware.items[i];
            const struct lm_hardware *h = strcmp(id, "local") == 0 ? opt->local
                                                                    : lm_catalog_hardware(cat, id);
            int dup = 0;
            for (size_t k = 0; k < nhw; k++)
                dup |= hws[k] == h;
            if (h != NULL && !dup && nhw <= cat->nhardware) {
                built[nhw] = strcmp(id, "local") == 0 && opt->local_built;
                hws[nhw++] = h;
            }
        }
    } else {
        for (size_t i = 0; i < cat->nhardware; i++)
            hws[nhw++] = cat->hardware[i];
    }
    r->nhardware = nhw;
    int rc = LM_OK;
    for (size_t mi = 0; mi < cat->nmodels && rc == LM_OK; mi++) {
        const struct lm_model *m = cat->models[mi];
        r->nmodels++;
        if (m->open_weights == 1)
            for (size_t h = 0; h < nhw && rc == LM_OK; h++)
                rc = gen_self_hosted(r, opt, m, hws[h], built[h]);
        /* API offers are not hardware: --quant and --runtime do not apply. */
        for (size_t k = 0; k < m->napi && rc == LM_OK; k++) {
            struct lm_candidate c;
            memset(&c, 0, sizeof(c));
            struct lm_est_input in;
            fill_input(sc, opt, &in);
            in.model = m;
            in.offer = &m->api[k];
            in.placement = LM_PLACE_API;
            in.devices = DNAN;
            lm_estimate_compute(&in, &c.est, NULL);
            c.model = m;
            c.offer = &m->api[k];
            c.placement = LM_PLACE_API;
            rc = push(r, &c);
        }
    }
    free(hws);
    free(built);
    return rc;
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

/* Verdicts of the rules that read only model and scenario facts, for the
 * last model judged: candidates are generated model by model, so each such
 * rule runs once per model rather than once per candidate. */
struct model_cache {
    const struct lm_model *model;
    uint64_t fired[LM_MAX_RULES / 64];
};

/* Runs every enabled rule on candidate c under scenario sc. */
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

/* ---------------------------------------------------------------- ranking */

static const struct lm_recommendation *sort_ctx;

/* The total order of §5 step 5: total descending, model id, candidate id. */
static int cand_cmp(const struct lm_candidate *a, const struct lm_candidate *b)
{
    if (a->total != b->total)
        return a->total > b->total ? -1 : 1;
    int c = strcmp(a->model->id, b->model->id);
    if (c != 0)
        return c;
    return strcmp(a->id, b->id);
}

static int order_cmp(const void *pa, const void *pb)
{
    const struct lm_candidate *a = &sort_ctx->cands[*(const size_t *)pa];
    const struct lm_candidate *b = &sort_ctx->cands[*(const size_t *)pb];
    /* Feasible first, then rejected, each by the total order. */
    if (a->rejected != b->rejected)
        return a->rejected ? 1 : -1;
    return cand_cmp(a, b);
}

int lm_recommendation_class(const struct lm_recommendation *r, size_t i)
{
    return strcmp(lm_model_class(r->cat, r->cands[i].model), "llm") == 0;
}

/* ------------------------------------------------------------- break-even */

/* The API price of one request of the scenario's workload (§4). */
static double request_cost(const struct lm_scenario *sc, const struct lm_api_offer *o)
{
    return (sc->workload.input_tokens * o->input_usd_per_mtok +
            sc->workload.output_tokens * o->output_usd_per_mtok) / 1e6;
}

/* §4 Break-even: cost per request of the cheapest API candidate that meets
 * the privacy level, the region and offline (before the rules). */
static double cheapest_api_request(const struct lm_recommendation *r)
{
    const struct lm_scenario *sc = r->sc;
    double best = (double)INFINITY;
    if (sc->constraints.offline == 1 || sc->constraints.privacy == LM_PRIV_AIR_GAPPED)
        return DNAN;
    for (size_t i = 0; i < r->n; i++) {
        const struct lm_candidate *c = &r->cands[i];
        if (c->offer == NULL || !c->meets_privacy || c->in_region == 0)
            continue;
        double per = request_cost(sc, c->offer);
        if (per < best)
            best = per;
    }
    return isinf(best) ? DNAN : best;
}

/* ---------------------------------------------------------------- verdict */

struct contribution {
    const char *name;
    double v;
};

static void verdict(struct lm_recommendation *r)
{
    r->best[0] = r->best[1] = -1;
    for (size_t k = 0; k < r->nfeasible; k++) {
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
        const struct lm_candidate *c = &r->cands[r->order[k]];
        if (c->offer == NULL && self < 0)
            self = (long)r->order[k];
        if (c->offer != NULL && request_cost(r->sc, c->offer) < api)
            api = request_cost(r->sc, c->offer);
    }
    if (self >= 0 && isfinite(api) && api > 0)
        r->break_even = r->cands[self].est.usd_per_month / (api * 30.42);

    /* Deciding dimensions (§5 step 6). */
    r->ndeciding = 0;
    if (r->verdict_class < 0)
        return;
    int win = r->verdict_class, other = !win;
    const struct lm_candidate *w = &r->cands[r->best[win]];
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
            if (rule->severity != LM_SEV_RULE_ERROR ||
                !(r->cands[bo].fired[ri / 64] & ((uint64_t)1 << (ri % 64))))
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
    const struct lm_candidate *o = &r->cands[r->best[other]];
    double sw = 0;
    for (int k = 0; k < LM_S_COUNT; k++)
        if (!isnan(w->scores[k]) && !isnan(o->scores[k]))
            sw += r->sc->priorities[k];
    for (int k = 0; k < LM_S_COUNT && sw > 0; k++) {
        if (isnan(w->scores[k]) || isnan(o->scores[k]))
            continue;
        double v = r->sc->priorities[k] * (w->scores[k] - o->scores[k]) / sw;
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
        if (w->fired[ri / 64] & bit)
            dims[rule->dimension] += rule->score;
        if (o->fired[ri / 64] & bit)
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

/* What one flip search needs: which rules the constraint can change, and
 * each candidate's verdict under the other rules (computed once). When the
 * flip changes instance sizing (resize), the sized candidates' estimates
 * change too, so for them every rule that reads an estimate or a score is
 * re-run as well; the others only re-run the rules that read the
 * constraint. */
struct flipctx {
    struct lm_recommendation *r;
    unsigned char reads[LM_MAX_RULES];       /* read the constraint */
    unsigned char reads_est[LM_MAX_RULES];   /* resize: read estimate.* or score.* */
    unsigned char *other_reject; /* per candidate */
    double *other_adjust;        /* per candidate */
    int resize;                  /* latency.output_tokens_per_s: re-estimate sizing */
    const struct lm_rec_options *opt;
    /* Early exit: candidates by base total (weighted mean + other_adjust),
     * descending; none can gain more than max_gain from the re-run rules. */
    size_t *by_base;
    double *base;
    double max_gain;
};

static const double *base_sort_key;

static int base_cmp(const void *pa, const void *pb)
{
    double a = base_sort_key[*(const size_t *)pa], b = base_sort_key[*(const size_t *)pb];
    return a > b ? -1 : a < b ? 1 : 0;
}

static int rule_reads(const struct lm_rule *rule, const char *const *paths, size_t npaths)
{
    const size_t *ids;
    size_t n = lm_expr_facts(rule->when, &ids);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < npaths; k++) {
            const char *p = lm_fact_table.defs[ids[i]].path;
            size_t l = strlen(paths[k]);
            /* A path ending in '.' is a prefix ("estimate."). */
            if (paths[k][l - 1] == '.' ? strncmp(p, paths[k], l) == 0 : strcmp(p, paths[k]) == 0)
                return 1;
        }
    return 0;
}

/* True when the candidate's estimate depends on the sizing target. */
static int is_sized(const struct lm_candidate *c)
{
    return c->offer == NULL && c->placement != LM_PLACE_DEVICE;
}

/* Re-estimates a sized candidate for a new output-speed target. */
static void resize_candidate(const struct lm_recommendation *r, const struct lm_scenario *sc,
                             const struct lm_rec_options *opt, struct lm_candidate *t)
{
    struct lm_est_input in;
    fill_input(sc, opt, &in);
    in.model = t->model;
    in.hw = t->hw;
    in.quant = t->quant;
    in.runtime = t->runtime;
    in.placement = t->placement;
    in.devices = t->devices;
    (void)r;
    double be = t->est.break_even_requests_per_day;
    lm_estimate_compute(&in, &t->est, NULL);
    t->est.break_even_requests_per_day = be;
    subscores(t);
}

static int flipctx_init(struct flipctx *f, struct lm_recommendation *r,
                        const struct lm_rec_options *opt, const char *const *paths, size_t npaths,
                        int resize)
{
    static const char *const est_paths[] = { "estimate.", "score." };
    memset(f, 0, sizeof(*f));
    f->r = r;
    f->opt = opt;
    f->resize = resize;
    f->other_reject = calloc(r->n ? r->n : 1, 1);
    f->other_adjust = calloc(r->n ? r->n : 1, sizeof(double));
    if (f->other_reject == NULL || f->other_adjust == NULL)
        return LM_ENOMEM;
    for (size_t ri = 0; ri < r->rules->n; ri++) {
        f->reads[ri] = r->enabled[ri] && rule_reads(r->rules->rules[ri], paths, npaths);
        f->reads_est[ri] = r->enabled[ri] && resize && rule_reads(r->rules->rules[ri], est_paths, 2);
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct lm_candidate *c = &r->cands[i];
        int sized = resize && is_sized(c);
        for (size_t ri = 0; ri < r->rules->n; ri++) {
            if (!r->enabled[ri] || f->reads[ri] || (sized && f->reads_est[ri]) ||
                !(c->fired[ri / 64] & ((uint64_t)1 << (ri % 64))))
                continue;
            if (r->rules->rules[ri]->severity == LM_SEV_RULE_ERROR)
                f->other_reject[i] = 1;
            else
                f->other_adjust[i] += r->rules->rules[ri]->score;
        }
    }
    /* Scanning candidates in order of an upper bound on their total lets the
     * evaluation stop early. Without resizing, a total can only change by
     * the scores of the re-run rules. With resizing, the sized candidates'
     * cost, simplicity and latency sub-scores change too; their bound uses
     * the most favourable sizing (one stream, one instance: the cheapest and
     * fastest per stream) plus one point of slack for the on-prem energy
     * term, which does not move monotonically with the sizing. */
    f->by_base = malloc((r->n ? r->n : 1) * sizeof(*f->by_base));
    f->base = malloc((r->n ? r->n : 1) * sizeof(*f->base));
    if (f->by_base == NULL || f->base == NULL)
        return LM_ENOMEM;
    for (size_t ri = 0; ri < r->rules->n; ri++)
        if ((f->reads[ri] || f->reads_est[ri]) && r->rules->rules[ri]->severity != LM_SEV_RULE_ERROR &&
            r->rules->rules[ri]->score > 0)
            f->max_gain += r->rules->rules[ri]->score;
    struct lm_scenario best_case = *r->sc;
    best_case.workload.peak_concurrency = 1;
    best_case.constraints.latency.output_tokens_per_s = 1e-9;
    for (size_t i = 0; i < r->n; i++) {
        f->by_base[i] = i;
        const struct lm_candidate *c = &r->cands[i];
        if (resize && is_sized(c)) {
            struct lm_candidate t = *c;
            resize_candidate(r, &best_case, opt, &t);
            for (int k = 0; k < LM_S_COUNT; k++)
                if (!isnan(c->scores[k]) && c->scores[k] > t.scores[k])
                    t.scores[k] = c->scores[k];
            f->base[i] = weighted_mean(&t, r->sc) + f->other_adjust[i] + 1.0;
        } else {
            f->base[i] = weighted_mean(c, r->sc) + f->other_adjust[i];
        }
    }
    base_sort_key = f->base;
    qsort(f->by_base, r->n, sizeof(*f->by_base), base_cmp);
    base_sort_key = NULL;
    return LM_OK;
}

static void flipctx_release(struct flipctx *f)
{
    free(f->other_reject);
    free(f->other_adjust);
    free(f->by_base);
    free(f->base);
}

/* The rank-1 candidate under the modified scenario sc; -1 when none is
 * feasible. */
static long evaluate(struct flipctx *f, const struct lm_scenario *sc)
{
    struct lm_recommendation *r = f->r;
    struct lm_fact_ctx ctx;
    ctx.cat = r->cat;
    ctx.sc = sc;
    long best = -1;
    struct lm_candidate best_c;
    memset(&best_c, 0, sizeof(best_c));
    for (size_t k = 0; k < r->n; k++) {
        size_t i = f->by_base ? f->by_base[k] : k;
        if (f->by_base && best >= 0 && lm_round(f->base[i] + f->max_gain, 1) < best_c.total)
            break; /* no later candidate can reach the current best */
        if (f->other_reject[i])
            continue;
        struct lm_candidate t = r->cands[i];
        int sized = f->resize && is_sized(&t);
        if (sized)
            resize_candidate(r, sc, f->opt, &t);
        lm_candidate_privacy(&t, sc);
        ctx.c = &t;
        double adjust = f->other_adjust[i];
        int rejected = 0;
        for (size_t ri = 0; ri < r->rules->n && !rejected; ri++) {
            if (!f->reads[ri] && !(sized && f->reads_est[ri]))
                continue;
            const struct lm_rule *rule = r->rules->rules[ri];
            if (lm_expr_eval(rule->when, lm__fact_get, &ctx) != LM_TRUE)
                continue;
            if (rule->severity == LM_SEV_RULE_ERROR)
                rejected = 1;
            else
                adjust += rule->score;
        }
        if (rejected)
            continue;
        t.total = lm_round(weighted_mean(&t, sc) + adjust, 1);
        if (best < 0 || cand_cmp(&t, &best_c) < 0) {
            best = (long)i;
            best_c = t;
        }
    }
    return best;
}

/* True when the rank-1 class under sc differs from the current verdict
 * (or, when nothing is feasible now, when anything is). */
static int flips_at(struct flipctx *f, struct lm_scenario *sc, const struct flipdim *d,
                    double v, long *winner)
{
    *(double *)(void *)((char *)sc + d->offset) = v;
    long w = evaluate(f, sc);
    *winner = w;
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
    const struct lm_estimate *e = &r->cands[r->order[0]].est;
    if (strcmp(d->constraint, "budget.usd_per_month") == 0)
        return e->usd_per_month > 0 ? e->usd_per_month : 1;
    if (strcmp(d->constraint, "latency.ttft_ms") == 0)
        return e->ttft_ms;
    if (strcmp(d->constraint, "latency.output_tokens_per_s") == 0)
        return e->decode_tokens_per_s;
    return e->memory_gib;
}

static int search_number(struct lm_recommendation *r, const struct lm_rec_options *opt,
                         const struct flipdim *d)
{
    const char *paths[1];
    char path[96];
    snprintf(path, sizeof(path), "scenario.%s", d->constraint);
    paths[0] = path;
    struct flipctx f;
    int resize = strcmp(d->constraint, "latency.output_tokens_per_s") == 0;
    /* With resize, candidates' sizing changes even while the constraint is
     * absent; score.* reads cover the cost sub-score's rules. */
    if (flipctx_init(&f, r, opt, paths, 1, resize) != LM_OK) {
        flipctx_release(&f);
        return LM_ENOMEM;
    }
    struct lm_scenario sc = *r->sc;
    double from = *(const double *)(const void *)((const char *)r->sc + d->offset);
    double start = isnan(from) ? introduced_start(r, d) : from;
    int found = 0;
    struct lm_flip best;
    memset(&best, 0, sizeof(best));
    if (!(isfinite(start) && start > 0)) {
        flipctx_release(&f);
        return LM_OK;
    }
    /* Geometric scan over [start/100, start×100] in steps of 10^0.2 (ten
     * per direction), then bisection to 1 %; the nearest flip of the two
     * directions wins. */
    for (int dir = -1; dir <= 1; dir += 2) {
        double prev = start;
        long w;
        for (int k = isnan(from) ? 0 : 1; k <= 10; k++) {
            double v = start * pow(10, dir * k / 5.0);
            if (d->integer)
                v = dir > 0 ? ceil(v) : floor(v);
            if (!flips_at(&f, &sc, d, v, &w)) {
                prev = v;
                continue;
            }
            /* Bisect between prev (no flip) and v (flip) to 1 %. */
            double lo = prev, hi = v;
            for (int it = 0; it < 40; it++) {
                if (d->integer ? fabs(hi - lo) <= 1 : fabs(hi - lo) <= 0.01 * fabs(hi))
                    break;
                double mid = d->integer ? floor((lo + hi) / 2) : (lo + hi) / 2;
                long wm;
                if (flips_at(&f, &sc, d, mid, &wm))
                    hi = mid;
                else
                    lo = mid;
            }
            double to = round_outward(hi, start, d->integer);
            if (!flips_at(&f, &sc, d, to, &w)) {
                to = hi;
                flips_at(&f, &sc, d, to, &w);
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

static int search_privacy(struct lm_recommendation *r, const struct lm_rec_options *opt)
{
    static const char *const paths[] = { "scenario.privacy", "candidate.meets_privacy",
                                         "candidate.privacy_level", "scenario.offline" };
    struct flipctx f;
    if (flipctx_init(&f, r, opt, paths, 4, 0) != LM_OK) {
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

static int find_flips(struct lm_recommendation *r, const struct lm_rec_options *opt)
{
    for (size_t k = 0; k < NFLIPDIMS; k++)
        if (search_number(r, opt, &flipdims[k]) != LM_OK)
            return LM_ENOMEM;
    if (search_privacy(r, opt) != LM_OK)
        return LM_ENOMEM;
    if (r->nflips > 1)
        qsort(r->flips, r->nflips, sizeof(*r->flips), flip_cmp);
    return LM_OK;
}

/* ------------------------------------------------------------------- main */

static char *append_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

/* Writes lm_candidate_id's text and its NUL at p; returns the byte after. */
static char *append_id(char *p, const struct lm_candidate *c)
{
    p = append_str(p, c->model->id);
    if (c->offer != NULL) {
        p = append_str(p, "/api/");
        p = append_str(p, c->offer->provider);
    } else {
        *p++ = '/';
        p = append_str(p, c->quant->id);
        *p++ = '/';
        p = append_str(p, c->hw->id);
        *p++ = '/';
        if (c->devices >= 10)
            *p++ = (char)('0' + c->devices / 10);
        *p++ = (char)('0' + c->devices % 10);
        *p++ = '/';
        p = append_str(p, lm_placement_names[c->placement]);
    }
    *p++ = '\0';
    return p;
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
    memset(&none, 0, sizeof(none));
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
    for (size_t i = 0; i < rules->n && i < LM_MAX_RULES; i++) {
        r->enabled[i] = 1;
        for (size_t k = 0; k < sc->rules.disable.n; k++)
            if (strcmp(sc->rules.disable.items[k], rules->rules[i]->id) == 0)
                r->enabled[i] = 0;
    }
    find_live_rules(r);
    int rc = generate(r, opt);
    if (rc != LM_OK)
        return rc;
    /* Ids, formatted once (the total order compares them): an upper bound
     * on their size first, then one pass of copies (snprintf per candidate
     * was an eighth of a run). */
    size_t idbytes = 1;
    for (size_t i = 0; i < r->n; i++) {
        const struct lm_candidate *c = &r->cands[i];
        idbytes += strlen(c->model->id) + 16 +
                   (c->offer ? strlen(c->offer->provider)
                             : strlen(c->quant->id) + strlen(c->hw->id) + 8);
    }
    r->idbuf = malloc(idbytes);
    if (r->idbuf == NULL)
        return LM_ENOMEM;
    char *p = r->idbuf;
    for (size_t i = 0; i < r->n; i++) {
        struct lm_candidate *c = &r->cands[i];
        c->id = p;
        p = append_id(p, c);
    }
    for (size_t i = 0; i < r->n; i++)
        lm_candidate_privacy(&r->cands[i], sc);
    double per_request = cheapest_api_request(r);
    struct model_cache mc;
    memset(&mc, 0, sizeof(mc));
    for (size_t i = 0; i < r->n; i++) {
        struct lm_candidate *c = &r->cands[i];
        c->est.break_even_requests_per_day =
            c->offer == NULL && isfinite(per_request) && per_request > 0
                ? c->est.usd_per_month / (per_request * 30.42)
                : DNAN;
        subscores(c);
        judge(r, sc, c, &mc);
    }
    r->order = malloc((r->n ? r->n : 1) * sizeof(*r->order));
    if (r->order == NULL)
        return LM_ENOMEM;
    for (size_t i = 0; i < r->n; i++)
        r->order[i] = i;
    sort_ctx = r;
    qsort(r->order, r->n, sizeof(*r->order), order_cmp);
    sort_ctx = NULL;
    r->nfeasible = 0;
    while (r->nfeasible < r->n && !r->cands[r->order[r->nfeasible]].rejected)
        r->nfeasible++;
    verdict(r);
    if (!opt->no_flips && find_flips(r, opt) != LM_OK)
        return LM_ENOMEM;
    return LM_OK;
}

void lm_recommendation_basis(const struct lm_recommendation *r, size_t i, struct lm_basis *b)
{
    const struct lm_candidate *c = &r->cands[i];
    struct lm_est_input in;
    struct lm_estimate e;
    fill_input(r->sc, &r->opt, &in);
    in.model = c->model;
    in.offer = c->offer;
    in.hw = c->hw;
    in.quant = c->quant;
    in.runtime = c->runtime;
    in.placement = c->placement;
    in.devices = c->offer ? DNAN : c->devices;
    in.extra_flags = c->offer == NULL && r->opt.local_built && c->hw == r->opt.local
                         ? LM_EST_LOCAL_BUILT : 0;
    lm_estimate_compute(&in, &e, b);
}

void lm_recommendation_message(const struct lm_recommendation *r, size_t ci, size_t ri,
                               char *buf, size_t cap)
{
    struct lm_fact_ctx ctx;
    ctx.cat = r->cat;
    ctx.sc = r->sc;
    ctx.c = &r->cands[ci];
    lm_template_render(r->rules->rules[ri]->message, lm__fact_get, &ctx, buf, cap);
}

static void format_value(double v, char *buf, size_t cap)
{
    lm_format_number(v, -1, buf, cap);
}

void lm_flip_summary(const struct lm_recommendation *r, const struct lm_flip *f, char *buf,
                     size_t cap)
{
    const struct lm_candidate *w = &r->cands[f->winner];
    const char *cls = f->winner_class ? "llm" : "slm";
    if (f->is_privacy) {
        if (f->from_level < 0)
            snprintf(buf, cap, "with privacy %s (unset now), %s (%s) ranks first",
                     lm_privacy_names[f->to_level], w->id, cls);
        else
            snprintf(buf, cap, "with privacy %s instead of %s, %s (%s) ranks first",
                     lm_privacy_names[f->to_level], lm_privacy_names[f->from_level], w->id, cls);
        return;
    }
    char to[64], from[64];
    format_value(f->to, to, sizeof(to));
    if (isnan(f->from)) {
        snprintf(buf, cap, "with %s %s (unset now), %s (%s) ranks first", f->constraint, to,
                 w->id, cls);
    } else {
        format_value(f->from, from, sizeof(from));
        snprintf(buf, cap, "with %s %s instead of %s, %s (%s) ranks first", f->constraint, to,
                 from, w->id, cls);
    }
}

void lm_recommendation_summary(const struct lm_recommendation *r, char *buf, size_t cap)
{
    char flip[512];
    if (r->nflips > 0)
        lm_flip_summary(r, &r->flips[0], flip, sizeof(flip));
    else
        snprintf(flip, sizeof(flip), "no single change within x100 flips the class");
    if (r->verdict_class < 0) {
        snprintf(buf, cap, "no candidate satisfies the constraints; %s", flip);
        return;
    }
    const struct lm_candidate *w = &r->cands[r->order[0]];
    char where[160];
    if (w->offer != NULL)
        snprintf(where, sizeof(where), "the %s API", w->offer->provider);
    else
        snprintf(where, sizeof(where), "%s", w->hw->id);
    char dec[160] = "";
    for (size_t k = 0; k < r->ndeciding; k++) {
        size_t used = strlen(dec);
        snprintf(dec + used, sizeof(dec) - used, "%s%s",
                 k == 0 ? "" : k + 1 == r->ndeciding ? " and " : ", ", r->deciding[k]);
    }
    if (r->ndeciding > 0)
        snprintf(buf, cap, "%s (%s) on %s wins on %s; %s", w->model->id,
                 r->verdict_class ? "llm" : "slm", where, dec, flip);
    else
        snprintf(buf, cap, "%s (%s) on %s ranks first; %s", w->model->id,
                 r->verdict_class ? "llm" : "slm", where, flip);
}

void lm_recommendation_release(struct lm_recommendation *r)
{
    if (r == NULL)
        return;
    free(r->cands);
    free(r->order);
    free(r->flips);
    free(r->idbuf);
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
    memset(c, 0, sizeof(*c));
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
    memset(&c, 0, sizeof(c));
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
    lm_candidate_privacy(&c, r->sc);
    double per_request = cheapest_api_request(r);
    c.est.break_even_requests_per_day =
        c.offer == NULL && isfinite(per_request) && per_request > 0
            ? c.est.usd_per_month / (per_request * 30.42)
            : DNAN;
    subscores(&c);
    judge(r, r->sc, &c, NULL);
    c.id = NULL;
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
