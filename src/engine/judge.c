/*
 * One candidate, from its profiles to its verdict (DESIGN §4, §5 steps 2–4):
 * the estimate input of a scenario, privacy and break-even, the sub-scores
 * and their weighted mean, and the rules. lm_recommend() runs this on every
 * candidate as it generates it; the renderers, the flip search and `check`
 * run it again on the few candidates they need in full (lm__rebuild,
 * lm_recommend_evaluate). Estimates are pure functions of the candidate's
 * indices and the scenario, so a rebuilt candidate is the one judged.
 */
#include "engine/recommend_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/expr.h"
#include "rules/facts.h"
#include "lmchoose/status.h"
#include "util/numfmt.h"

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

void lm__fill_input(const struct lm_scenario *sc, const struct lm_rec_options *opt,
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
    in->window_hours = sc->workload.window_hours;
    in->target_utilization = sc->assumptions.target_utilization;
    in->scale_to_zero = sc->assumptions.scale_to_zero;
    in->usd_per_kwh = sc->assumptions.usd_per_kwh;
    in->amortization_months = sc->assumptions.amortization_months;
    in->labeled_examples = sc->constraints.data.labeled_examples;
    in->task_kind = lm_task_kind_names[sc->task.kind];
    in->task_has_image = has_modality(&sc->task.modalities, "image");
    in->weights_formula = opt->weights_formula;
}

int lm__runtime_allows(const struct lm_quant *q, const char *rt)
{
    for (size_t i = 0; i < q->runtimes.n; i++)
        if (strcmp(q->runtimes.items[i], rt) == 0)
            return 1;
    return 0;
}

/* §6.4's order: quality_delta ascending, bits per weight descending, id. */
int lm__quant_better(const struct lm_quant *a, const struct lm_quant *b)
{
    if (a->quality_delta != b->quality_delta)
        return a->quality_delta < b->quality_delta;
    if (a->bits_per_weight != b->bits_per_weight)
        return a->bits_per_weight > b->bits_per_weight;
    return strcmp(a->id, b->id) < 0;
}

/* Clears a candidate's fields (not its id buffer, which is large and only
 * filled for printed candidates). */
void lm__cand_clear(struct lm_candidate *c)
{
    memset(c, 0, offsetof(struct lm_candidate, id));
    c->id[0] = '\0';
}

void lm__cand_clear_but_est(struct lm_candidate *c)
{
    memset(c, 0, offsetof(struct lm_candidate, est));
    memset(c->scores, 0, offsetof(struct lm_candidate, id) - offsetof(struct lm_candidate, scores));
    c->id[0] = '\0';
}

/* ---------------------------------------------------------------- scoring */

static double clamp100(double v)
{
    return v < 0 ? 0 : v > 100 ? 100 : v;
}

/* The privacy sub-score of c, whose privacy lm_candidate_privacy has set
 * for sc (see lm__subscores). It saturates at the required level
 * (docs/scoring.md, "Privacy and fit, as decided"). With no level, every
 * candidate meets "public": 100 for all, unless the team weighs privacy
 * above the default, a preference without a line, which the graded table
 * expresses ("Privacy without a level, and cost without a floor"). */
double lm__privacy_score(const struct lm_candidate *c, const struct lm_scenario *sc)
{
    static const double privacy[] = { 0, 30, 50, 50, 70, 90, 100, 100 };
    int graded = sc->constraints.privacy < 0 ? sc->priorities[LM_S_PRIVACY] > 1 : !c->meets_privacy;
    return graded ? privacy[c->privacy_level] : 100;
}

/* The sub-scores of §5 step 4, each rounded to 0.1, with departures from
 * §5 that docs/scoring.md argues ("Privacy and fit, as decided"; "Privacy
 * without a level, and cost without a floor"): privacy saturates at the
 * level the scenario requires (a candidate that meets it scores 100; more
 * privacy than was asked for is not worth points), an API candidate's fit
 * is 100 (nothing to fit), not null, and cost is capped at 100 but not
 * floored at 0 (a million USD a month must not score like a hundred
 * thousand). docs/scoring.md gives the reasoning for each constant. */
void lm__subscores(struct lm_candidate *c, const struct lm_scenario *sc)
{
    const struct lm_estimate *e = &c->est;
    double q = isnan(e->quality) ? 0 : e->quality;
    double usd = isnan(e->usd_per_month) ? 1e5 : e->usd_per_month;
    double cost = 25 * (5 - log10(usd > 10 ? usd : 10));
    double lat = isfinite(e->e2e_ms) && e->e2e_ms > 0 ? 100 * log(60000 / e->e2e_ms) / log(240) : 0;
    double fit;
    if (c->offer != NULL) {
        fit = 100;
    } else if (e->fit == LM_FIT_NO) {
        fit = 0;
    } else {
        double u = e->memory_gib / e->usable_gib;
        fit = u <= 0.70 ? 100 : 100 - (u - 0.70) * 166.7;
    }
    /* A device the team does not own is bought, set up and run like an
     * on-prem machine (§9.2): it gets on-prem's simplicity, not the 80 of a
     * machine already in use (docs/scoring.md). */
    double simp = c->offer != NULL ? 100
                : c->placement == LM_PLACE_DEVICE ? (c->owned > 0 ? 80 : 55)
                : c->placement == LM_PLACE_CLOUD ? 65 : 55;
    if (c->offer == NULL) {
        if (c->devices != 1) /* log2(1) is 0: most candidates skip the call */
            simp -= 15 * log2(c->devices);
        if (e->instances > 1)
            simp -= 10;
    }
    c->scores[LM_S_QUALITY] = lm_round1(clamp100(q));
    c->scores[LM_S_COST] = lm_round1(cost > 100 ? 100 : cost);
    c->scores[LM_S_LATENCY] = lm_round1(clamp100(lat));
    c->scores[LM_S_PRIVACY] = lm__privacy_score(c, sc);
    c->scores[LM_S_FIT] = isnan(fit) ? DNAN : lm_round1(clamp100(fit));
    c->scores[LM_S_SIMPLICITY] = lm_round1(clamp100(simp));
}

double lm__weighted_mean(const struct lm_candidate *c, const struct lm_scenario *sc)
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
double lm__request_cost(const struct lm_scenario *sc, const struct lm_api_offer *o)
{
    return (sc->workload.input_tokens * o->input_usd_per_mtok +
            sc->workload.output_tokens * o->output_usd_per_mtok) / 1e6;
}

/* Privacy (§3.5), break-even against the cheapest API request (§4) and
 * the sub-scores of a freshly estimated candidate. */
void lm__finish(const struct lm_recommendation *r, const struct lm_scenario *sc,
                   struct lm_candidate *c)
{
    lm__finish_owned(r, sc, c, c->offer == NULL ? lm__owned_count(r, sc, c->hw) : 0);
}

/* lm__finish with the owned count already known (generation has it per
 * hardware: r->hw_owned). */
void lm__finish_owned(const struct lm_recommendation *r, const struct lm_scenario *sc,
                      struct lm_candidate *c, double owned)
{
    lm_candidate_privacy(c, sc);
    lm__finish_privacy_known(r, sc, c, owned);
}

void lm__finish_privacy_known(const struct lm_recommendation *r, const struct lm_scenario *sc,
                              struct lm_candidate *c, double owned)
{
    c->owned = owned;
    c->est.break_even_requests_per_day =
        c->offer == NULL && isfinite(r->per_request) && r->per_request > 0
            ? c->est.usd_per_month / (r->per_request * 30.42)
            : DNAN;
    lm__subscores(c, sc);
}

/* ----------------------------------------------------------------- rules */

/* Whether a fact is fixed for the run (task, workload, constraints), read
 * off the model (not its API offer), off the candidate's setting, or off
 * the candidate itself (estimates, scores, ids). */
enum fact_scope { SCOPE_FIXED, SCOPE_MODEL, SCOPE_SETTING, SCOPE_CANDIDATE };

static enum fact_scope fact_scope(const char *p);


/* See recommend_int.h. An enum equals the literal exactly when its index
 * is the literal's (-1: none is). */
void lm__inline_test_of(const struct lm_expr *e, int32_t *off, uint8_t *cmp, double *num)
{
    size_t fact;
    enum lm_cmp op;
    double v;
    long o;
    const char *lit;
    const char *const *names;
    int equal;
    *off = 0;
    if (lm_expr_fact_cmp(e, &fact, &op, &v) && (o = lm__fact_num_offset(fact)) >= 0) {
        *off = (int32_t)o + 1;
        *cmp = (uint8_t)op;
        *num = v;
    } else if (lm_expr_fact_null(e, &fact, &equal) && (o = lm__fact_num_offset(fact)) >= 0) {
        *off = (int32_t)o + 1;
        *cmp = equal ? LM__CMP_NULL_EQ : LM__CMP_NULL_NE;
        *num = 0;
    } else if (lm_expr_fact_str(e, &fact, &lit, &equal) &&
               (o = lm__fact_enum_offset(fact, &names)) >= 0) {
        int idx = -1;
        for (int k = 0; names[k] != NULL; k++)
            if (strcmp(names[k], lit) == 0)
                idx = k;
        *off = (int32_t)o + 1;
        *cmp = equal ? LM__CMP_ENUM_EQ : LM__CMP_ENUM_NE;
        *num = idx;
    }
}

static const struct lm_expr *condition(const struct lm_recommendation *r, size_t i);

int lm__judge_cache_init(struct lm__judge_cache *jc, const struct lm_recommendation *r)
{
    memset(jc, 0, sizeof(*jc));
    jc->setting = SIZE_MAX;
    size_t nf = lm_fact_table.n < LM__MAX_FACTS ? lm_fact_table.n : LM__MAX_FACTS;
    for (size_t f = 0; f < nf; f++) {
        enum fact_scope sc = fact_scope(lm_fact_table.defs[f].path);
        jc->vary_model_fixed[f] = sc == SCOPE_SETTING || sc == SCOPE_CANDIDATE;
        jc->vary_setting_fixed[f] = sc == SCOPE_MODEL || sc == SCOPE_CANDIDATE;
    }
    for (size_t i = 0; i < r->rules->n && i < LM_MAX_RULES; i++) {
        if (!r->enabled[i] || !r->live[i])
            continue;
        if (r->per_model[i])
            jc->model_rules[jc->nmodel++] = (uint16_t)i;
        else if (r->per_setting[i])
            jc->setting_rules[jc->nsetting++] = (uint16_t)i;
        else
            jc->cand_rules[jc->ncand++] = (uint16_t)i;
    }
    for (size_t k = 0; k < jc->ncand; k++)
        lm__inline_test_of(condition(r, jc->cand_rules[k]), &jc->cand_off[k], &jc->cand_cmp[k],
                       &jc->cand_num[k]);
    /* A candidate rule that reads no model fact can fire, or not, whatever
     * the model: decided here once instead of for every model (can_fire). */
    struct lm_candidate none;
    lm__cand_clear(&none);
    struct lm_fact_ctx ctx;
    ctx.cat = r->cat;
    ctx.sc = r->sc;
    ctx.c = &none;
    for (size_t k = 0; k < jc->ncand; k++) {
        size_t i = jc->cand_rules[k];
        const size_t *ids;
        size_t nids = lm_expr_facts(condition(r, i), &ids), f = 0;
        while (f < nids && fact_scope(lm_fact_table.defs[ids[f]].path) != SCOPE_MODEL)
            f++;
        if (f < nids)
            jc->model_dep[jc->nmodel_dep++] = (uint16_t)k;
        else if (lm_expr_outcomes(condition(r, i), lm__fact_get, &ctx, jc->vary_model_fixed) &
                 (1u << LM_TRUE))
            jc->model_free_can[i / 64] |= (uint64_t)1 << (i % 64);
    }
    /* Settings: format × hardware × 3 placements × 4 device counts, in the
     * order generation visits them (format outermost), so that the table is
     * read nearly sequentially. Beyond 2^22 settings it is not worth it. */
    jc->nquants = r->cat->nquants;
    jc->nhardware = r->nhardware;
    jc->nwords = r->nwords;
    size_t n = jc->nquants * jc->nhardware * 12;
    if (jc->nquants == 0 || jc->nhardware == 0 || n / 12 / jc->nquants != jc->nhardware ||
        n > ((size_t)1 << 22))
        return LM_OK;
    jc->setting_known = calloc(n, 1);
    jc->setting_words = malloc(n * 2 * jc->nwords * sizeof(uint64_t));
    if (jc->setting_known == NULL || jc->setting_words == NULL) {
        lm__judge_cache_release(jc);
        return LM_ENOMEM;
    }
    /* Each setting's own conditions, while the table stays small. */
    if (jc->ncand > 0 && n * jc->ncand <= ((size_t)1 << 20)) {
        jc->setting_cond = calloc(n * jc->ncand, sizeof(*jc->setting_cond));
        jc->setting_off = calloc(n * jc->ncand, sizeof(*jc->setting_off));
        jc->setting_cmp = calloc(n * jc->ncand, sizeof(*jc->setting_cmp));
        jc->setting_num = calloc(n * jc->ncand, sizeof(*jc->setting_num));
        jc->setting_uses = calloc(n, 1);
        jc->setting_k = malloc(n * jc->ncand * sizeof(*jc->setting_k));
        jc->setting_nk = malloc(n * sizeof(*jc->setting_nk));
        if (jc->setting_cond == NULL || jc->setting_uses == NULL || jc->setting_k == NULL ||
            jc->setting_nk == NULL || jc->setting_off == NULL || jc->setting_cmp == NULL ||
            jc->setting_num == NULL) {
            lm__judge_cache_release(jc);
            return LM_ENOMEM;
        }
    }
    return LM_OK;
}

void lm__judge_cache_release(struct lm__judge_cache *jc)
{
    if (jc->setting_cond != NULL) {
        size_t n = jc->nquants * jc->nhardware * 12 * jc->ncand;
        for (size_t k = 0; k < n; k++)
            lm_expr_free(jc->setting_cond[k]);
        free(jc->setting_cond);
        jc->setting_cond = NULL;
    }
    free(jc->setting_uses);
    free(jc->setting_off);
    free(jc->setting_cmp);
    free(jc->setting_num);
    jc->setting_off = NULL;
    jc->setting_cmp = NULL;
    jc->setting_num = NULL;
    free(jc->setting_k);
    free(jc->setting_nk);
    jc->setting_uses = NULL;
    jc->setting_k = jc->setting_nk = NULL;
    free(jc->setting_known);
    free(jc->setting_words);
    jc->setting_known = NULL;
    jc->setting_words = NULL;
}

void lm__judge_setting(struct lm__judge_cache *jc, size_t q, size_t h, int p, unsigned devices)
{
    int d = devices == 1 ? 0 : devices == 2 ? 1 : devices == 4 ? 2 : devices == 8 ? 3 : -1;
    jc->setting = jc->setting_known == NULL || d < 0 || p < 0 || p > 2
                      ? SIZE_MAX
                      : ((q * jc->nhardware + h) * 3 + (size_t)p) * 4 + (size_t)d;
}

/* Rule i's condition for r's scenario: specialized when it could be. */
static const struct lm_expr *condition(const struct lm_recommendation *r, size_t i)
{
    return r->when[i] != NULL ? r->when[i] : r->rules->rules[i]->when;
}

/* Evaluates rules list[0..n) on ctx's candidate, setting their bits in
 * fired. */
static void run_rules(const struct lm_recommendation *r, struct lm_fact_ctx *ctx,
                      const uint16_t *list, size_t n, uint64_t *fired)
{
    for (size_t k = 0; k < n; k++) {
        size_t i = list[k];
        if (lm_expr_eval(condition(r, i), lm__fact_get, ctx) == LM_TRUE)
            fired[i / 64] |= (uint64_t)1 << (i % 64);
    }
}

/* The candidate rules that can still fire with the facts vary[] leaves
 * fixed read off ctx's candidate (its model, or its setting): a rule such
 * as `candidate.placement == "device" and estimate.memory_gib > …` need
 * not run on any candidate of a cloud setting (expr_specialize.c, lm_expr_outcomes). */
static void can_fire(const struct lm_recommendation *r, struct lm_fact_ctx *ctx,
                     const struct lm__judge_cache *jc, const unsigned char *vary,
                     uint64_t *can)
{
    memset(can, 0, sizeof(uint64_t) * (LM_MAX_RULES / 64));
    for (size_t k = 0; k < jc->ncand; k++) {
        size_t i = jc->cand_rules[k];
        if (lm_expr_outcomes(condition(r, i), lm__fact_get, ctx, vary) & (1u << LM_TRUE))
            can[i / 64] |= (uint64_t)1 << (i % 64);
    }
}

/* can_fire with the model's facts fixed: only the rules that read one are
 * asked again (jc->model_dep); the others' bits are the model-free ones. */
static void model_can_fire(const struct lm_recommendation *r, struct lm_fact_ctx *ctx,
                           const struct lm__judge_cache *jc, uint64_t *can)
{
    memcpy(can, jc->model_free_can, sizeof(uint64_t) * (LM_MAX_RULES / 64));
    for (size_t d = 0; d < jc->nmodel_dep; d++) {
        size_t i = jc->cand_rules[jc->model_dep[d]];
        if (lm_expr_outcomes(condition(r, i), lm__fact_get, ctx, jc->vary_model_fixed) &
            (1u << LM_TRUE))
            can[i / 64] |= (uint64_t)1 << (i % 64);
    }
}

void lm__judge(const struct lm_recommendation *r, const struct lm_scenario *sc,
               struct lm_candidate *c, struct lm__judge_cache *jc)
{
    struct lm_fact_ctx ctx;
    ctx.cat = r->cat;
    ctx.sc = sc;
    ctx.c = c;
    memset(c->fired, 0, sizeof(c->fired));
    size_t nw = r->nwords;
    if (jc == NULL) {
        for (size_t i = 0; i < r->rules->n && i < LM_MAX_RULES; i++)
            if (r->enabled[i] && r->live[i] &&
                lm_expr_eval(condition(r, i), lm__fact_get, &ctx) == LM_TRUE)
                c->fired[i / 64] |= (uint64_t)1 << (i % 64);
    } else {
        if (jc->model != c->model) {
            jc->model = c->model;
            memset(jc->model_fired, 0, sizeof(jc->model_fired));
            run_rules(r, &ctx, jc->model_rules, jc->nmodel, jc->model_fired);
            model_can_fire(r, &ctx, jc, jc->model_can);
        }
        /* The setting's verdicts: from the table, or judged here (an API
         * offer, or no table). */
        uint64_t local[2 * (LM_MAX_RULES / 64)];
        uint64_t *fired_s = local, *can_s = local + nw;
        struct lm_expr **cond_s = NULL;
        int known = 0;
        if (jc->setting != SIZE_MAX && c->offer == NULL) {
            fired_s = &jc->setting_words[jc->setting * 2 * nw];
            can_s = fired_s + nw;
            known = jc->setting_known[jc->setting];
            jc->setting_known[jc->setting] = 1;
            if (jc->setting_cond != NULL && jc->setting_uses[jc->setting] <= LM__SPECIALIZE_AT) {
                /* Specialized conditions cost about 13 evaluations each:
                 * made for a setting once it has had a few candidates. */
                cond_s = &jc->setting_cond[jc->setting * jc->ncand];
                if (jc->setting_uses[jc->setting]++ == LM__SPECIALIZE_AT)
                    for (size_t k = 0; k < jc->ncand; k++) {
                        size_t i = jc->cand_rules[k];
                        if (!(can_s[i / 64] & ((uint64_t)1 << (i % 64))) ||
                            lm_expr_specialize(condition(r, i), lm__fact_get, &ctx,
                                               jc->vary_setting_fixed, &cond_s[k]) != 0) {
                            cond_s[k] = NULL;
                            continue;
                        }
                        size_t at = jc->setting * jc->ncand + k;
                        lm__inline_test_of(cond_s[k], &jc->setting_off[at], &jc->setting_cmp[at],
                                       &jc->setting_num[at]);
                    }
            } else if (jc->setting_cond != NULL) {
                cond_s = &jc->setting_cond[jc->setting * jc->ncand];
            }
        }
        if (!known) {
            memset(fired_s, 0, 2 * nw * sizeof(uint64_t));
            run_rules(r, &ctx, jc->setting_rules, jc->nsetting, fired_s);
            uint64_t can[LM_MAX_RULES / 64];
            can_fire(r, &ctx, jc, jc->vary_setting_fixed, can);
            memcpy(can_s, can, nw * sizeof(uint64_t));
            if (cond_s != NULL) {
                uint16_t *ks = &jc->setting_k[jc->setting * jc->ncand], nk = 0;
                for (size_t k = 0; k < jc->ncand; k++) {
                    size_t i = jc->cand_rules[k];
                    if (can[i / 64] & ((uint64_t)1 << (i % 64)))
                        ks[nk++] = (uint16_t)k;
                }
                jc->setting_nk[jc->setting] = nk;
            }
        }
        for (size_t w = 0; w < nw; w++)
            c->fired[w] |= jc->model_fired[w] | fired_s[w];
        /* The candidate rules that both the model and the setting let fire:
         * from the setting's list, or all of them. */
        if (cond_s != NULL) {
            const uint16_t *ks = &jc->setting_k[jc->setting * jc->ncand];
            const int32_t *off_s = &jc->setting_off[jc->setting * jc->ncand];
            for (size_t j = 0, nk = jc->setting_nk[jc->setting]; j < nk; j++) {
                size_t k = ks[j], i = jc->cand_rules[k];
                uint64_t bit = (uint64_t)1 << (i % 64);
                if (!(jc->model_can[i / 64] & bit))
                    continue;
                size_t at = jc->setting * jc->ncand + k;
                int fires;
                if (off_s[k] != 0)
                    fires = lm__inline_fires(c, off_s[k], jc->setting_cmp[at], jc->setting_num[at]);
                else if (cond_s[k] == NULL && jc->cand_off[k] != 0)
                    fires = lm__inline_fires(c, jc->cand_off[k], jc->cand_cmp[k], jc->cand_num[k]);
                else
                    fires = lm_expr_eval(cond_s[k] != NULL ? cond_s[k] : condition(r, i),
                                         lm__fact_get, &ctx) == LM_TRUE;
                if (fires)
                    c->fired[i / 64] |= bit;
            }
        }
        for (size_t k = 0; cond_s == NULL && k < jc->ncand; k++) {
            size_t i = jc->cand_rules[k];
            uint64_t bit = (uint64_t)1 << (i % 64);
            if (!(jc->model_can[i / 64] & bit) || !(can_s[i / 64] & bit))
                continue;
            if (jc->cand_off[k] != 0 ? lm__inline_fires(c, jc->cand_off[k], jc->cand_cmp[k],
                                                    jc->cand_num[k])
                                     : lm_expr_eval(condition(r, i), lm__fact_get, &ctx) ==
                                           LM_TRUE)
                c->fired[i / 64] |= bit;
        }
    }
    /* Their effect, in rule order (so that the sum is the same however the
     * verdicts were found). */
    c->rejected = 0;
    c->adjust = 0;
    for (size_t w = 0; w < nw; w++)
        for (uint64_t b = c->fired[w]; b != 0; b &= b - 1) {
            const struct lm_rule *rule = r->rules->rules[w * 64 + (size_t)lm__lowest_bit(b)];
            if (rule->severity == LM_SEV_RULE_ERROR)
                c->rejected = 1;
            else
                c->adjust += rule->score;
        }
    c->total = lm_round1(lm__weighted_mean(c, sc) + c->adjust);
}

static enum fact_scope fact_scope(const char *p)
{
    static const char *const setting[] = {
        "model.api.", "hardware.", "quant.", "candidate.kind", "candidate.placement",
        "candidate.devices", "candidate.runtime", "candidate.provider",
        "candidate.privacy_level", "candidate.meets_privacy", "candidate.in_region",
        "candidate.owned", /* and candidate.owned_count: the hardware's, §9.2 */
    };
    if (strncmp(p, "task.", 5) == 0 || strncmp(p, "workload.", 9) == 0 ||
        strncmp(p, "scenario.", 9) == 0)
        return SCOPE_FIXED;
    /* Privacy depends on the placement and the offer only (candidate.c);
     * candidate.placement_name names the hardware, still the setting. */
    for (size_t k = 0; k < sizeof(setting) / sizeof(*setting); k++)
        if (strncmp(p, setting[k], strlen(setting[k])) == 0)
            return SCOPE_SETTING;
    if (strncmp(p, "model.", 6) == 0)
        return SCOPE_MODEL;
    return SCOPE_CANDIDATE;
}

int lm__fact_of_setting(size_t id)
{
    if (id >= lm_fact_table.n)
        return 0;
    enum fact_scope sc = fact_scope(lm_fact_table.defs[id].path);
    return sc == SCOPE_FIXED || sc == SCOPE_SETTING;
}

int lm__fact_light(size_t id)
{
    static const char *const columns[] = {
        "estimate.usd_per_month", "estimate.break_even_requests_per_day",
    };
    if (id >= lm_fact_table.n)
        return 0;
    const char *p = lm_fact_table.defs[id].path;
    if (fact_scope(p) != SCOPE_CANDIDATE)
        return 1;
    for (size_t k = 0; k < sizeof(columns) / sizeof(*columns); k++)
        if (strncmp(p, columns[k], strlen(columns[k])) == 0)
            return 1;
    return 0;
}

/* Marks the rules that can fire at all under this scenario: facts of the
 * task, workload and constraints are fixed for the whole run, so a rule
 * such as `estimate.ttft_ms > scenario.latency.ttft_ms` with no TTFT target
 * can never be true and is skipped for every candidate (expr_specialize.c,
 * lm_expr_outcomes). Also marks the rules whose verdict depends only on the
 * model, or only on the setting, which lm__judge caches, and specializes the
 * live ones to the scenario. */
void lm__candidate_facts(unsigned char *varies)
{
    size_t nf = lm_fact_table.n < LM__MAX_FACTS ? lm_fact_table.n : LM__MAX_FACTS;
    for (size_t i = 0; i < nf; i++)
        varies[i] = fact_scope(lm_fact_table.defs[i].path) != SCOPE_FIXED;
}

/* Estimate facts that are null for every candidate of a run, which
 * estimate.c guarantees: fine-tuning without labelled examples, break-even
 * without an API offer that meets the privacy level (r->per_request NAN). */
struct run_ctx {
    struct lm_fact_ctx fc; /* first: the resolver's own context */
    size_t null_facts[4];
    size_t nnull;
};

static void run_fact_get(void *ctx, size_t id, struct lm_value *out)
{
    const struct run_ctx *rc = ctx;
    for (size_t k = 0; k < rc->nnull; k++)
        if (rc->null_facts[k] == id) {
            out->type = LM_V_NULL;
            return;
        }
    lm__fact_get(ctx, id, out);
}

void lm__find_live_rules(struct lm_recommendation *r)
{
    unsigned char varies[LM__MAX_FACTS];
    lm__candidate_facts(varies);
    struct lm_candidate none;
    lm__cand_clear(&none);
    struct run_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.fc.cat = r->cat;
    ctx.fc.sc = r->sc;
    ctx.fc.c = &none;
    static const char *const finetune[] = { "estimate.finetune_method", "estimate.finetune_hours",
                                            "estimate.finetune_usd" };
    if (isnan(r->sc->constraints.data.labeled_examples))
        for (size_t k = 0; k < 3; k++)
            ctx.null_facts[ctx.nnull++] = lm__fact_find(finetune[k]);
    if (!(isfinite(r->per_request) && r->per_request > 0))
        ctx.null_facts[ctx.nnull++] = lm__fact_find("estimate.break_even_requests_per_day");
    for (size_t k = 0; k < ctx.nnull; k++)
        if (ctx.null_facts[k] < LM__MAX_FACTS)
            varies[ctx.null_facts[k]] = 0; /* fixed: null */
    for (size_t i = 0; i < r->rules->n && i < LM_MAX_RULES; i++) {
        const struct lm_expr *e = r->rules->rules[i]->when;
        r->live[i] = r->enabled[i] &&
                     (lm_expr_outcomes(e, run_fact_get, &ctx, varies) & (1u << LM_TRUE)) != 0;
        /* The task, workload and constraints folded in once (expr_specialize.c); on
         * failure the original condition serves. */
        if (r->live[i] && lm_expr_specialize(e, run_fact_get, &ctx, varies, &r->when[i]) != 0)
            r->when[i] = NULL;
        /* What the verdict depends on, after folding and as written. */
        for (int pass = 0; pass < 2; pass++) {
            const size_t *ids;
            size_t n = lm_expr_facts(pass == 0 && r->when[i] != NULL ? r->when[i] : e, &ids);
            int model = 1, setting = 1;
            for (size_t k = 0; k < n; k++) {
                enum fact_scope sc = fact_scope(lm_fact_table.defs[ids[k]].path);
                model &= sc == SCOPE_FIXED || sc == SCOPE_MODEL;
                setting &= sc == SCOPE_FIXED || sc == SCOPE_SETTING;
            }
            if (pass == 0) {
                r->per_model[i] = (unsigned char)model;
                r->per_setting[i] = (unsigned char)(setting && !model);
            } else {
                r->model_only[i] = (unsigned char)model;
            }
        }
    }
}

/* -------------------------------------------------------------- rebuilding */

/* Rebuilds candidate i's profiles, estimate, privacy and sub-scores under
 * scenario sc (the run's, or a flip's), without judging it. */
void lm__record_profiles(const struct lm_recommendation *r, size_t i, struct lm_candidate *c)
{
    const struct lm_ranked *k = &r->cands[i];
    const struct lm_model *m = r->cat->models[k->model];
    lm__cand_clear(c);
    c->model = m;
    c->placement = k->placement;
    if (k->placement == LM_PLACE_API) {
        c->offer = &m->api[k->where];
    } else {
        c->hw = r->hws[k->where];
        c->quant = r->cat->quants[k->quant];
        c->runtime = r->cat->runtimes[k->runtime];
        c->devices = k->devices;
    }
}

void lm__input_of(const struct lm_recommendation *r, const struct lm_scenario *sc,
                  const struct lm_candidate *c, int local_built, struct lm_est_input *in)
{
    lm__fill_input(sc, &r->opt, in);
    in->model = c->model;
    in->placement = c->placement;
    if (c->offer != NULL) {
        in->offer = c->offer;
        in->devices = DNAN;
    } else {
        in->hw = c->hw;
        in->quant = c->quant;
        in->runtime = c->runtime;
        in->devices = c->devices;
        in->extra_flags = local_built ? LM_EST_LOCAL_BUILT : 0;
        in->owned_count = lm__owned_count(r, sc, c->hw);
    }
}

void lm__input_quality(const struct lm_recommendation *r, size_t mi, struct lm_est_input *in)
{
    if (r->model_quality == NULL || mi >= r->cat->nmodels || in->task_kind != r->quality_kind ||
        in->task_has_image != r->quality_image)
        return;
    in->quality_model = r->cat->models[mi];
    in->quality_composite = r->model_quality[mi];
}

/* §9.2: how many devices of hw the scenario declares owned (0: bought).
 * "local" names the machine `local` resolved to. */
double lm__owned_count(const struct lm_recommendation *r, const struct lm_scenario *sc,
                       const struct lm_hardware *hw)
{
    for (size_t i = 0; hw != NULL && i < sc->constraints.nowned; i++) {
        const char *id = sc->constraints.owned[i].hardware;
        if (id == NULL)
            continue;
        int match = strcmp(id, "local") == 0 ? r->opt.local == hw : strcmp(id, hw->id) == 0;
        if (match)
            return sc->constraints.owned[i].count;
    }
    return 0;
}

void lm__rebuild_memo(const struct lm_recommendation *r, const struct lm_scenario *sc, size_t i,
                      struct lm_candidate *c, struct lm_est_memo *memo)
{
    struct lm_est_input in;
    lm__record_profiles(r, i, c);
    lm__input_of(r, sc, c, c->offer == NULL && r->hw_built[r->cands[i].where], &in);
    lm__input_quality(r, r->cands[i].model, &in);
    if (sc == r->sc)
        in.memo = memo; /* its contract: one scenario's candidates */
    lm_estimate_compute(&in, &c->est, NULL);
    lm__finish(r, sc, c);
}

void lm__rebuild(const struct lm_recommendation *r, const struct lm_scenario *sc, size_t i,
                 struct lm_candidate *c)
{
    lm__rebuild_memo(r, sc, i, c, r->rebuild_memo);
}

/* The stored verdict of the rules on candidate i, into c. */
void lm__restore_verdict(const struct lm_recommendation *r, size_t i, struct lm_candidate *c)
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
    lm__rebuild(r, r->sc, i, out);
    lm__restore_verdict(r, i, out);
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

void lm_recommendation_build(const struct lm_recommendation *r, size_t i,
                             struct lm_candidate *out, struct lm_basis *basis)
{
    struct lm_est_input in;
    lm__record_profiles(r, i, out);
    lm__input_of(r, r->sc, out, out->offer == NULL && r->hw_built[r->cands[i].where], &in);
    lm_estimate_compute(&in, &out->est, basis);
    lm__finish(r, r->sc, out);
    lm__restore_verdict(r, i, out);
    lm_candidate_id(out, out->id, sizeof(out->id));
}

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

/* §4 Break-even: cost per request of the cheapest API candidate that meets
 * the privacy level, the region and offline (before the rules). */
double lm__cheapest_api_request(const struct lm_catalog *cat, const struct lm_scenario *sc)
{
    double best = (double)INFINITY;
    if (sc->constraints.offline == 1 || sc->constraints.privacy == LM_PRIV_AIR_GAPPED)
        return DNAN;
    for (size_t mi = 0; mi < cat->nmodels; mi++) {
        const struct lm_model *m = cat->models[mi];
        for (size_t k = 0; k < m->napi; k++) {
            struct lm_candidate c;
            lm__cand_clear(&c);
            c.model = m;
            c.offer = &m->api[k];
            c.placement = LM_PLACE_API;
            lm_candidate_privacy(&c, sc);
            if (!c.meets_privacy || c.in_region == 0)
                continue;
            double per = lm__request_cost(sc, c.offer);
            if (per < best)
                best = per;
        }
    }
    return isinf(best) ? DNAN : best;
}

/* ------------------------------------------------------ one declared candidate */

static int evaluate_one(const struct lm_recommendation *r, const struct lm_deploy_spec *spec,
                        const struct lm_quant *q, struct lm_candidate *c)
{
    const struct lm_runtime *rt = spec->runtime;
    if (rt != NULL && !lm__runtime_allows(q, rt->id))
        return LM_ESCHEMA;
    if (rt == NULL)
        rt = lm_runtime_for(r->cat, q, spec->hw);
    if (rt == NULL)
        return LM_ESCHEMA;
    lm__cand_clear(c);
    c->model = spec->model;
    c->hw = spec->hw;
    c->quant = q;
    c->runtime = rt;
    c->placement = (uint8_t)spec->placement;
    c->devices = (uint8_t)spec->devices;
    struct lm_est_input in;
    lm__input_of(r, r->sc, c, spec->local_built, &in);
    in.devices = spec->devices; /* as declared, even past 255 */
    lm_estimate_compute(&in, &c->est, NULL);
    return LM_OK;
}

int lm_recommend_evaluate(const struct lm_recommendation *r, const struct lm_deploy_spec *spec,
                          struct lm_candidate *out)
{
    struct lm_candidate c;
    lm__cand_clear(&c);
    if (spec->offer != NULL) {
        c.model = spec->model;
        c.offer = spec->offer;
        c.placement = LM_PLACE_API;
        struct lm_est_input in;
        lm__input_of(r, r->sc, &c, 0, &in);
        lm_estimate_compute(&in, &c.est, NULL);
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
                       (slot == best_slot && slot < 2 && lm__quant_better(q, c.quant)) ||
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
    lm__finish(r, r->sc, &c);
    lm__judge(r, r->sc, &c, NULL);
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
