/*
 * The flip of DESIGN §5 step 6: the smallest change of one constraint
 * (budget, latency, memory, labelled examples, privacy level) that makes
 * the other class rank first, found by re-evaluating the ranking at trial
 * values (a geometric scan, then bisection to 1 %; a walk along the privacy
 * chain).
 *
 * A trial re-ranks exactly but re-runs only what the constraint can change
 * (§5 "Cost bound"): the rules whose condition reads it (or
 * candidate.meets_privacy for the privacy level), on candidates that no
 * other rule rejects, and what the constraint feeds: the output-speed floor
 * re-sizes on-prem and cloud candidates, the number of labelled examples
 * re-estimates fine-tuning, the privacy level re-prices break-even. Every
 * other rule's verdict is the one stored. Rules that read nothing but model
 * and scenario facts are re-run once per model; the others only on the
 * candidates whose bound can still reach the best of the trial, rebuilt
 * once and kept. A search that re-estimates nothing judges "light"
 * candidates instead, from the monthly cost generation kept (struct
 * lm__columns), when its re-run rules read nothing else of the estimate;
 * an error rule that, folded to the trial, reads only that cost rejects
 * from the column before anything is built; rules that read only the
 * setting run once per trial and setting. docs/performance.md describes
 * the bounds and the caches; tests/unit/test_recommend.c recomputes every
 * reported flip in full.
 *
 * The searches are independent jobs (lm__find_flips): up to two workers by
 * default take them, each with its own caches, and the flips are sorted
 * once all are done.
 */
#include "engine/recommend_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/expr.h"
#include "rules/facts.h"
#include "lmchoose/arena.h"
#include "lmchoose/status.h"
#include "util/numfmt.h"

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

/* What a rebuilt candidate adds to its record: the estimate, sub-scores
 * and privacy (kept_expand makes a full candidate of it with the record's
 * profiles). About 330 bytes; a full candidate is about 700, half of it the
 * id buffer, and fresh memory is the dearest part of a small run on our
 * VMs (docs/performance.md, "Session 6"). */
struct rebuilt {
    struct lm_estimate est;
    double scores[LM_S_COUNT];
    uint8_t privacy_level, meets_privacy;
    int8_t in_region;
};

/* Copies the parts of c a record lacks into *k; returns k. */
static struct rebuilt *kept_copy(struct rebuilt *k, const struct lm_candidate *c)
{
    k->est = c->est;
    memcpy(k->scores, c->scores, sizeof(k->scores));
    k->privacy_level = c->privacy_level;
    k->meets_privacy = c->meets_privacy;
    k->in_region = c->in_region;
    return k;
}

/* Candidate i in full (but its verdict) from its record and k, into c. */
static void kept_expand(const struct lm_recommendation *r, size_t i, const struct rebuilt *k,
                        struct lm_candidate *c)
{
    lm__record_profiles(r, i, c);
    c->est = k->est;
    memcpy(c->scores, k->scores, sizeof(c->scores));
    c->privacy_level = k->privacy_level;
    c->meets_privacy = k->meets_privacy;
    c->in_region = k->in_region;
}

/* What the flip searches of one thread share: the candidates rebuilt so
 * far, by index, in an arena; the estimate memo of its rebuilds; the flips
 * it found. */
struct flipshare {
    struct lm_est_memo *memo;
    struct lm_flip *flips;
    size_t nflips;
    const struct lm__columns *cols; /* what generation kept (light candidates) */
    const float *run_scores;        /* its sub-scores column, or NULL */
    struct rebuilt **built; /* NULL until rebuilt */
    struct lm_arena arena;
    /* Scratch of build_by_kept, reused by every search. */
    int32_t *key;
    uint32_t *by_kept;
    /* The monthly cost of each candidate in by_kept order (from the
     * columns), so that a scan skips the ones a prefilter rejects without
     * touching their records, which by_kept visits out of order. */
    double *usd_by_kept;
};

#define NW (LM_MAX_RULES / 64)

/* What one flip search needs: the rules it re-runs and how far a total can
 * move. When the flip changes instance sizing (resize), the sized
 * candidates' estimates change too, so for them the rules that read a
 * sizing-dependent fact are re-run as well. */
struct flipctx {
    struct lm_recommendation *r;
    struct flipshare *sh;
    int resize;    /* the output-speed floor: sized candidates are re-estimated */
    int finetune;  /* labelled examples: every candidate is re-estimated */
    double per_request; /* the trial's cheapest API request (privacy flips) */
    uint64_t rerun[NW];       /* re-run on every candidate: read the constraint */
    uint64_t rerun_sized[NW]; /* re-run on sized candidates (resize) */
    uint64_t model_only[NW];  /* of rerun, the ones read only model and scenario facts */
    uint64_t errors[NW];
    double score[LM_MAX_RULES];
    /* A total can move by at most gain; the rules re-run per candidate can
     * add at most pos_gain (pos_gain_sized on sized ones). */
    double gain, pos_gain, pos_gain_sized;
    /* The model-only rules' verdict on each model, for trial number trial. */
    uint32_t trial;
    uint32_t *m_trial;
    double *m_adjust;
    unsigned char *m_reject;
    /* Resize with peak_concurrency > 1: each candidate's own bound and the
     * candidates in its descending order. */
    double *ub;
    uint32_t *scan;
    /* Resize with one stream at peak: each sized candidate estimated once,
     * at the sizing target 0 (sized_variant). */
    struct rebuilt **sized_hi;
    /* Resize with more streams at peak: each sized candidate's last
     * estimate and the targets it holds for (sized_at). */
    struct sized_interval **sized_iv;
    /* When a trial scans deep: the candidates not rejected by another rule,
     * by the part of their total no re-run rule touches (base + kept
     * scores), descending; nx of them. */
    uint32_t *by_kept;           /* into the flipshare's buffer */
    size_t nx;
    /* A candidate's kept part in tenths, rounded down, is sh->key[i] +
     * key_origin (with its own privacy gap in a light privacy search:
     * own_gain_part); key_lead is what the re-run rules can add to it. */
    double key_origin, key_lead;
    int tried_by_kept;
    int privacy_changes;  /* the search moves the privacy level */
    /* The rules re-run on candidates that are not re-estimated read nothing
     * a light candidate lacks (light_candidate): they are judged from the
     * columns generation kept, without rebuilding. */
    int light;
    /* judge_model's candidate (cleared; only its model is set). */
    struct lm_candidate model_cand;
    /* Of the model-only rules, those that can fire at this trial
     * (model_live_trial); none_live when there are none, so every model's
     * verdict is the same: no adjustment, not rejected. */
    uint64_t model_live[NW];
    int none_live;
    /* kept_part's sums by pattern of kept rules (one word of rules). */
#define KEPT_CACHE_BITS 8
    uint64_t kc_key[1 << KEPT_CACHE_BITS];
    double kc_val[1 << KEPT_CACHE_BITS];
    unsigned char kc_valid[1 << KEPT_CACHE_BITS];
    /* Privacy flips: the rise of a total allowed for the privacy sub-score
     * (in gain and pos_gain), which a light search narrows per candidate
     * (own_privacy_gain). */
    double privacy_gain;
    /* Of the error rules re-run per candidate, those whose condition, once
     * the trial's scenario is folded in, reads nothing but the monthly cost
     * (prefilter_trial): a candidate they reject is skipped without being
     * built, from its column. */
    struct lm_expr *pre[LM_MAX_RULES];
    /* When a prefilter is one in-place test of the cost (lm__inline_test_of:
     * a comparison, or a test for null): the field's offset + 1, else 0
     * (evaluated). */
    int32_t pre_off[LM_MAX_RULES];
    uint8_t pre_cmp[LM_MAX_RULES];
    double pre_num[LM_MAX_RULES];
    size_t npre;
    size_t usd_fact;
    /* Re-run rules that read only setting and scenario facts (not
     * model_only): their verdict on a self-hosted candidate is its
     * setting's, found once per trial and setting (setting_fired, keyed as
     * lm__judge_setting keys settings) and read in rule order. */
    uint64_t setting_only[NW];
    uint64_t *set_fired; /* nsettings × nwords */
    uint32_t *set_trial; /* the trial each entry is for; 0 none */
    size_t nsettings;
    unsigned char varies[LM__MAX_FACTS]; /* lm__candidate_facts */
    /* The re-run rules' conditions specialized to the trial's scenario
     * once evaluated often in it (trial_condition), and their uses. */
    struct lm_expr *cond[LM_MAX_RULES];
    unsigned uses[LM_MAX_RULES];
    /* When a specialized condition is one in-place test
     * (lm__inline_test_of): the field's offset + 1, else 0. */
    int32_t cond_off[LM_MAX_RULES];
    uint8_t cond_cmp[LM_MAX_RULES];
    double cond_num[LM_MAX_RULES];
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


/* The sum of the scores of the rules in bits, in rule order. */
static double score_sum(const struct flipctx *f, const uint64_t *bits)
{
    double s = 0;
    for (size_t w = 0; w < f->r->nwords; w++)
        for (uint64_t b = bits[w]; b != 0; b &= b - 1)
            s += f->score[w * 64 + (size_t)lm__lowest_bit(b)];
    return s;
}

/* Re-estimates a sized candidate for a new output-speed target; with the
 * interval of targets the estimate holds for (sized_at) when `interval`.
 * memo: NULL, or one shared by the calls of one scenario sc
 * (lm_est_input.memo). */
static void resize_candidate(const struct lm_recommendation *r, const struct lm_scenario *sc,
                             size_t i, struct lm_candidate *t, int interval,
                             struct lm_est_memo *memo)
{
    struct lm_est_input in;
    lm__input_of(r, sc, t, t->offer == NULL && r->hw_built[r->cands[i].where], &in);
    lm__input_quality(r, r->cands[i].model, &in);
    in.want_sizing_interval = interval;
    in.memo = memo;
    lm_estimate_compute(&in, &t->est, NULL);
    lm__finish(r, sc, t); /* break-even follows the new cost */
}

/* Rebuilt candidates are kept up to this many bytes; past it one is rebuilt
 * at each visit (32 MiB: about 110 000 candidates). */
#define CACHE_MAX_BYTES ((size_t)32 << 20)

/* A sized candidate's estimate and the sizing targets it holds for. */
struct sized_interval {
    double lo, hi; /* (lo, hi] */
    struct rebuilt k;
};

/* Keeps the parts of c a record lacks, in the shared arena. */
static struct rebuilt *keep(struct flipshare *sh, const struct lm_candidate *c)
{
    struct rebuilt *k = lm_arena_alloc(&sh->arena, sizeof(*k));
    return k != NULL ? kept_copy(k, c) : NULL;
}

/* Candidate i's profiles, estimate, privacy and sub-scores as the run had
 * them (its stored verdict is read off r->fired), into *c; rebuilt once.
 * Returns 0, or -1 when out of memory. */
static int built(struct flipctx *f, size_t i, struct lm_candidate *c)
{
    struct flipshare *sh = f->sh;
    if (sh->built[i] == NULL) {
        lm__rebuild_memo(f->r, f->r->sc, i, c, sh->memo);
        if (sh->arena.used_bytes >= CACHE_MAX_BYTES)
            return 0;
        return (sh->built[i] = keep(sh, c)) != NULL ? 0 : -1;
    }
    kept_expand(f->r, i, sh->built[i], c);
    return 0;
}

/* Candidate i as the rules of a light search see it (f->light): its
 * profiles, privacy and owned count as lm__finish sets them under the run's
 * scenario, and its monthly cost and break-even from the columns generation
 * kept; the other estimate fields and the sub-scores are left unset, and no
 * rule the search runs reads them (lm__fact_light), nor is its weighted mean
 * taken (a privacy search, which moves sub-scores, builds candidates). */
static void light_candidate(const struct flipctx *f, size_t i, struct lm_candidate *c)
{
    const struct lm_recommendation *r = f->r;
    const struct lm__columns *col = f->sh->cols;
    lm__record_profiles(r, i, c);
    lm_candidate_privacy(c, r->sc);
    c->owned = c->offer == NULL ? r->hw_owned[r->cands[i].where] : 0;
    c->est.usd_per_month = col->usd[i];
    c->est.break_even_requests_per_day =
        c->offer == NULL && isfinite(r->per_request) && r->per_request > 0
            ? c->est.usd_per_month / (r->per_request * 30.42)
            : DNAN;
}

/* True when every fact the rules in mask read is one a light candidate
 * has. */
static int rules_light(const struct lm_recommendation *r, const uint64_t *mask)
{
    for (size_t w = 0; w < r->nwords; w++)
        for (uint64_t b = mask[w]; b != 0; b &= b - 1) {
            const size_t *ids;
            size_t n = lm_expr_facts(r->rules->rules[w * 64 + (size_t)lm__lowest_bit(b)]->when, &ids);
            for (size_t k = 0; k < n; k++)
                if (!lm__fact_light(ids[k]))
                    return 0;
        }
    return 1;
}

static int flipshare_init(struct flipshare *sh, const struct lm_recommendation *r,
                          const struct lm__columns *cols)
{
    memset(sh, 0, sizeof(*sh));
    sh->cols = cols != NULL && cols->exact && cols->cap >= r->n ? cols : NULL;
    sh->run_scores = cols != NULL && cols->cap >= r->n ? cols->scores : NULL;
    sh->built = calloc(r->n ? r->n : 1, sizeof(*sh->built));
    sh->memo = lm_est_memo_new();
    return sh->built != NULL && sh->memo != NULL ? LM_OK : LM_ENOMEM;
}

/* The candidates by total descending, then index: r->order's feasible and
 * rejected runs, each in that order, merged as the scan goes. */
struct by_total {
    size_t a, b;
};

static size_t by_total_next(const struct lm_recommendation *r, struct by_total *it)
{
    int take_a;
    if (it->a == r->nfeasible)
        take_a = 0;
    else if (it->b == r->n)
        take_a = 1;
    else {
        const struct lm_ranked *x = &r->cands[r->order[it->a]], *y = &r->cands[r->order[it->b]];
        take_a = x->total > y->total || (x->total == y->total && r->order[it->a] < r->order[it->b]);
    }
    return take_a ? r->order[it->a++] : r->order[it->b++];
}

static void flipshare_release(struct flipshare *sh)
{
    lm_arena_release(&sh->arena);
    free(sh->built);
    free(sh->key);
    free(sh->by_kept);
    free(sh->usd_by_kept);
    lm_est_memo_free(sh->memo);
    free(sh->flips);
}

static _Thread_local const double *ub_sort_key; /* qsort has no context argument */

static int ub_cmp(const void *pa, const void *pb)
{
    double a = ub_sort_key[*(const uint32_t *)pa], b = ub_sort_key[*(const uint32_t *)pb];
    return a > b ? -1 : a < b ? 1 : 0;
}

/* Sizing moves a candidate's estimate with the latency target: on-prem and
 * cloud always; a device too when some candidate's batch cap (estimate.c,
 * §9.1; it does not depend on the target) lets it batch. */
static int sized_cap; /* set per flip search: some candidate's batch cap exceeds 1 */

static int is_sized(const struct lm_ranked *k)
{
    return k->placement == LM_PLACE_ONPREM || k->placement == LM_PLACE_CLOUD ||
           (sized_cap && k->placement == LM_PLACE_DEVICE);
}

/* True when the search re-estimates candidate k at each trial: the rules in
 * rerun_sized are then re-run on it. */
static int reestimated(const struct flipctx *f, const struct lm_ranked *k)
{
    return f->finetune || (f->resize && is_sized(k));
}

/* Resize with more than one stream at peak: sizing moves the sized
 * candidates' cost, latency and simplicity sub-scores, so each gets its own
 * bound from the most favourable sizing (one stream, one instance: the
 * cheapest and fastest per stream) plus one point of slack for the on-prem
 * energy term, which does not move monotonically with the sizing; the scan
 * goes by that bound. */
static int resize_bounds(struct flipctx *f)
{
    struct lm_recommendation *r = f->r;
    size_t n = r->n;
    f->ub = malloc((n ? n : 1) * sizeof(*f->ub));
    f->scan = malloc((n ? n : 1) * sizeof(*f->scan));
    if (f->ub == NULL || f->scan == NULL)
        return LM_ENOMEM;
    /* The most favourable sizing: one stream, one instance, no volume (the
     * cheapest, fastest per stream and simplest any target can give). */
    struct lm_scenario best_case = *r->sc;
    best_case.workload.peak_concurrency = 1;
    best_case.workload.requests_per_day = 0;
    best_case.constraints.latency.output_tokens_per_s = 1e-9;
    /* One scenario for every bound: the placements of a setting, next to
     * each other in generation order, share their estimates' memory,
     * speed set-up and sizing. */
    struct lm_est_memo *memo = lm_est_memo_new();
    if (memo == NULL)
        return LM_ENOMEM;
    size_t front = 0, back = n; /* the scan: bounded ones first, then the rest */
    for (size_t i = 0; i < n; i++) {
        const struct lm_ranked *k = &r->cands[i];
        /* Rejected by a rule the search does not re-run: rejected at every
         * trial (kept_part skips it), so it never needs a bound; last in
         * the scan, in any order. */
        const uint64_t *fw = &r->fired[i * r->nwords];
        const uint64_t *mask = reestimated(f, k) ? f->rerun_sized : f->rerun;
        int stays_rejected = 0;
        for (size_t w = 0; w < r->nwords; w++)
            stays_rejected |= (fw[w] & f->errors[w] & ~mask[w]) != 0;
        if (stays_rejected) {
            f->ub[i] = -(double)INFINITY;
            f->scan[--back] = (uint32_t)i;
            continue;
        }
        f->scan[front++] = (uint32_t)i;
        if (!is_sized(k)) {
            f->ub[i] = k->total + f->gain + 0.1;
            continue;
        }
        struct lm_candidate c, t;
        double run[LM_S_COUNT];
        if (f->sh->run_scores != NULL) {
            /* The run's sub-scores from the column (each the float just
             * above: the bound can only grow), the sizing from profiles. */
            for (int s = 0; s < LM_S_COUNT; s++)
                run[s] = (double)f->sh->run_scores[i * LM_S_COUNT + (size_t)s];
            lm__record_profiles(r, i, &t);
        } else {
            lm__rebuild_memo(r, r->sc, i, &c, f->sh->memo);
            memcpy(run, c.scores, sizeof(run));
            t = c;
        }
        resize_candidate(r, &best_case, i, &t, 0, memo);
        for (int s = 0; s < LM_S_COUNT; s++)
            if (!isnan(run[s]) && run[s] > t.scores[s])
                t.scores[s] = run[s];
        uint64_t kept[NW];
        for (size_t w = 0; w < r->nwords; w++)
            kept[w] = fw[w] & ~f->rerun_sized[w] & ~f->errors[w];
        f->ub[i] = lm__weighted_mean(&t, r->sc) + score_sum(f, kept) + f->pos_gain_sized +
                   1.0 + 0.1;
    }
    lm_est_memo_free(memo);
    ub_sort_key = f->ub;
    qsort(f->scan, front, sizeof(*f->scan), ub_cmp);
    ub_sort_key = NULL;
    return LM_OK;
}

static int flipctx_init(struct flipctx *f, struct lm_recommendation *r, struct flipshare *sh,
                        const char *const *paths, size_t npaths, int resize, int finetune)
{
    /* The facts fine-tuning changes with the number of examples (estimate.c:
     * the training tokens); nothing else in an estimate depends on it. */
    static const char *const finetune_paths[] = {
        "estimate.finetune_method", "estimate.finetune_hours", "estimate.finetune_usd",
    };
    /* The facts instance sizing changes (estimate.c: B_max feeds the decode
     * batch, decode the end-to-end time, and both the cost); the others
     * (memory, fit, TTFT, quality, fine-tuning) do not depend on it. */
    static const char *const sizing_paths[] = {
        "estimate.max_concurrency", "estimate.instances", "estimate.decode_tokens_per_s",
        "estimate.usd_per_month", "estimate.break_even_requests_per_day",
        "estimate.capacity_requests_per_day", "estimate.utilization",
        "score.cost", "score.latency", "score.simplicity",
    };
    memset(f, 0, sizeof(*f));
    f->r = r;
    f->sh = sh;
    f->resize = resize;
    f->finetune = finetune;
    lm__candidate_facts(f->varies);
    for (size_t ri = 0; ri < r->rules->n && ri < LM_MAX_RULES; ri++) {
        const struct lm_rule *rule = r->rules->rules[ri];
        uint64_t bit = (uint64_t)1 << (ri % 64);
        int reads = r->enabled[ri] && rule_reads(rule, paths, npaths);
        int sized = r->enabled[ri] &&
                    ((resize && rule_reads(rule, sizing_paths,
                                           sizeof(sizing_paths) / sizeof(*sizing_paths))) ||
                     (finetune && rule_reads(rule, finetune_paths,
                                             sizeof(finetune_paths) / sizeof(*finetune_paths))));
        int error = rule->severity == LM_SEV_RULE_ERROR;
        f->score[ri] = error ? 0 : rule->score;
        if (error)
            f->errors[ri / 64] |= bit;
        if (reads)
            f->rerun[ri / 64] |= bit;
        if (reads || sized)
            f->rerun_sized[ri / 64] |= bit;
        if (reads && r->model_only[ri])
            f->model_only[ri / 64] |= bit;
        if (!(reads || sized) || error)
            continue;
        f->gain += fabs(rule->score);
        if (rule->score > 0 && !(reads && r->model_only[ri])) {
            f->pos_gain_sized += rule->score;
            if (reads)
                f->pos_gain += rule->score;
        }
    }
    if (sh->cols != NULL && !finetune) {
        uint64_t percand[NW];
        for (size_t w = 0; w < NW; w++)
            percand[w] = f->rerun[w] & ~f->model_only[w];
        f->light = rules_light(r, percand);
    }
    f->usd_fact = lm__fact_find("estimate.usd_per_month");
    lm__cand_clear(&f->model_cand);
    /* The setting table, when some re-run rule reads only the setting. */
    int any_setting = 0;
    for (size_t ri = 0; ri < r->rules->n && ri < LM_MAX_RULES; ri++) {
        uint64_t bit = (uint64_t)1 << (ri % 64);
        if (!((f->rerun_sized[ri / 64] & ~f->model_only[ri / 64]) & bit))
            continue;
        const size_t *ids;
        size_t n = lm_expr_facts(r->rules->rules[ri]->when, &ids), k = 0;
        while (k < n && lm__fact_of_setting(ids[k]))
            k++;
        if (k == n) {
            f->setting_only[ri / 64] |= bit;
            any_setting = 1;
        }
    }
    size_t ns = r->cat->nquants * r->nhardware * 12;
    if (any_setting && ns > 0 && ns / 12 / r->cat->nquants == r->nhardware &&
        ns <= ((size_t)1 << 22)) {
        f->set_fired = malloc(ns * r->nwords * sizeof(*f->set_fired));
        f->set_trial = calloc(ns, sizeof(*f->set_trial));
        if (f->set_fired == NULL || f->set_trial == NULL)
            return LM_ENOMEM;
        f->nsettings = ns;
    }
    size_t nm = r->cat->nmodels ? r->cat->nmodels : 1;
    f->m_trial = calloc(nm, sizeof(*f->m_trial));
    f->m_adjust = calloc(nm, sizeof(*f->m_adjust));
    f->m_reject = calloc(nm, 1);
    if (f->m_trial == NULL || f->m_adjust == NULL || f->m_reject == NULL)
        return LM_ENOMEM;
    /* With one stream at peak (the default), sizing only decides between
     * B_max 1 and 0: the decode batch, the instance count used for cost and
     * the sub-scores stay what they are, so totals move only by the re-run
     * rules. */
    if (resize && r->max_batch_cap > 1)
        return resize_bounds(f);
    return LM_OK;
}

static void flipctx_release(struct flipctx *f)
{
    free(f->set_fired);
    free(f->set_trial);
    free(f->m_trial);
    free(f->m_adjust);
    free(f->m_reject);
    free(f->ub);
    free(f->scan);
    free(f->sized_hi); /* the entries are in the flipshare's arena */
    free(f->sized_iv);
}

/* *ctx reads the facts of trial scenario sc and of *none, a cleared
 * candidate: what a condition holds fixed when every candidate fact is
 * left free (specializing, or asking what it can be). */
static void trial_ctx(const struct flipctx *f, const struct lm_scenario *sc,
                      struct lm_candidate *none, struct lm_fact_ctx *ctx)
{
    lm__cand_clear(none);
    ctx->cat = f->r->cat;
    ctx->sc = sc;
    ctx->c = none;
}

/* Rule ri's condition in the current trial, whose scenario is sc: the
 * original for its first evaluations, then (a trial that evaluates it often)
 * specialized to sc, which costs about as much as 20 evaluations and makes
 * each later one about twice as fast, or a field compared in place
 * (lm__inline_test_of) ten times as fast. A failed specialization keeps the
 * original. 16: the shipped scenarios' least instructions (docs/performance.md). */
#define SPECIALIZE_AFTER 16

static const struct lm_expr *trial_condition(struct flipctx *f, const struct lm_scenario *sc,
                                             size_t ri)
{
    if (f->cond[ri] != NULL)
        return f->cond[ri];
    const struct lm_expr *e = f->r->rules->rules[ri]->when;
    if (f->uses[ri]++ != SPECIALIZE_AFTER)
        return e;
    struct lm_candidate none;
    struct lm_fact_ctx ctx;
    trial_ctx(f, sc, &none, &ctx);
    if (lm_expr_specialize(e, lm__fact_get, &ctx, f->varies, &f->cond[ri]) != 0)
        f->cond[ri] = NULL;
    if (f->cond[ri] != NULL)
        lm__inline_test_of(f->cond[ri], &f->cond_off[ri], &f->cond_cmp[ri], &f->cond_num[ri]);
    return f->cond[ri] != NULL ? f->cond[ri] : e;
}

/* Whether rule ri fires on ctx's candidate in the current trial. */
static inline int trial_fires(struct flipctx *f, const struct lm_scenario *sc,
                              struct lm_fact_ctx *ctx, size_t ri)
{
    const struct lm_expr *e = f->cond[ri];
    if (e == NULL)
        e = trial_condition(f, sc, ri);
    else if (f->cond_off[ri] != 0)
        return lm__inline_fires(ctx->c, f->cond_off[ri], f->cond_cmp[ri], f->cond_num[ri]);
    return lm_expr_eval(e, lm__fact_get, ctx) == LM_TRUE;
}

/* Finds this trial's prefilter rules (f->pre), when the search is light. */
static void prefilter_trial(struct flipctx *f, const struct lm_scenario *sc)
{
    const struct lm_recommendation *r = f->r;
    f->npre = 0;
    if (!f->light || f->usd_fact == SIZE_MAX)
        return;
    struct lm_candidate none;
    struct lm_fact_ctx ctx;
    trial_ctx(f, sc, &none, &ctx);
    for (size_t w = 0; w < r->nwords; w++)
        for (uint64_t b = f->rerun[w] & ~f->model_only[w] & f->errors[w]; b != 0; b &= b - 1) {
            size_t ri = w * 64 + (size_t)lm__lowest_bit(b);
            struct lm_expr *e = NULL;
            if (lm_expr_specialize(r->rules->rules[ri]->when, lm__fact_get, &ctx, f->varies, &e) !=
                0)
                continue;
            const size_t *ids;
            if (lm_expr_facts(e, &ids) == 1 && ids[0] == f->usd_fact) {
                lm__inline_test_of(e, &f->pre_off[f->npre], &f->pre_cmp[f->npre],
                                   &f->pre_num[f->npre]);
                f->pre[f->npre++] = e;
            } else {
                lm_expr_free(e);
            }
        }
}

/* True when a prefilter rule rejects, at this trial, a candidate whose
 * monthly cost is x: its condition is true of that cost. *scratch is a
 * cleared candidate; only its monthly cost is read. */
static int prefilter_rejects(const struct flipctx *f, const struct lm_scenario *sc,
                             struct lm_candidate *scratch, double x)
{
    scratch->est.usd_per_month = x;
    for (size_t k = 0; k < f->npre; k++) {
        if (f->pre_off[k] != 0) {
            /* The evaluator's own test, inline. */
            if (lm__inline_fires(scratch, f->pre_off[k], f->pre_cmp[k], f->pre_num[k]))
                return 1;
        } else {
            struct lm_fact_ctx ctx;
            ctx.cat = f->r->cat;
            ctx.sc = sc;
            ctx.c = scratch;
            if (lm_expr_eval(f->pre[k], lm__fact_get, &ctx) == LM_TRUE)
                return 1;
        }
    }
    return 0;
}

/* Privacy flips, light search: how far candidate i's weighted mean can
 * rise with its privacy sub-score, which can at most reach 100: its
 * privacy weight over its own weights (those of its non-null sub-scores,
 * as lm__weighted_mean divides) times its gap to 100, with slack for
 * rounding. Never above what the search allows every candidate. */
static double own_privacy_gain(const struct flipctx *f, size_t i)
{
    const struct lm__columns *col = f->sh->cols;
    const double *w = f->r->sc->priorities;
    double sw = 0;
    for (int s = 0; s < LM_S_COUNT; s++)
        if (!(col->nulls[i] & (1u << s)))
            sw += w[s];
    if (!(sw > 0))
        return f->privacy_gain;
    double g = w[LM_S_PRIVACY] * (100 - (double)col->privacy[i]) / sw;
    g = g < 0 ? 0 : g + 1e-6;
    return g < f->privacy_gain ? g : f->privacy_gain;
}

/* A light privacy search bounds each candidate by its own privacy gap
 * (own_privacy_gain) instead of the gain every candidate is allowed: the
 * part of that bound by_kept sorts on, with the kept part. Elsewhere 0. */
static int own_gain_sorted(const struct flipctx *f)
{
    return f->privacy_changes && f->sh->cols != NULL;
}

static double own_gain_part(const struct flipctx *f, size_t i)
{
    return own_gain_sorted(f) ? own_privacy_gain(f, i) : 0;
}

/* Ends a trial: its specialized conditions go. */
static void unspecialize_trial(struct flipctx *f)
{
    for (size_t k = 0; k < f->npre; k++)
        lm_expr_free(f->pre[k]);
    f->npre = 0;
    for (size_t ri = 0; ri < LM_MAX_RULES; ri++) {
        lm_expr_free(f->cond[ri]);
        f->cond[ri] = NULL;
        f->uses[ri] = 0;
        f->cond_off[ri] = 0;
    }
}

/* Runs the rules in mask on ctx's candidate under the trial's scenario sc,
 * adding the scores of those that fire to *adjust; 1 as soon as an error
 * rule fires (rejected), else 0. */
static int rerun_rules(struct flipctx *f, const struct lm_scenario *sc, struct lm_fact_ctx *ctx,
                       const uint64_t *mask, double *adjust, size_t setting)
{
    size_t nw = f->r->nwords;
    const uint64_t *sfired = NULL;
    if (setting < f->nsettings) {
        uint64_t *sf = &f->set_fired[setting * nw];
        if (f->set_trial[setting] != f->trial) {
            /* Every setting-only re-run rule, on this candidate: the
             * setting's verdict for the trial. */
            for (size_t w = 0; w < nw; w++) {
                sf[w] = 0;
                for (uint64_t b = f->setting_only[w]; b != 0; b &= b - 1) {
                    size_t ri = w * 64 + (size_t)lm__lowest_bit(b);
                    if (trial_fires(f, sc, ctx, ri))
                        sf[w] |= (uint64_t)1 << (ri % 64);
                }
            }
            f->set_trial[setting] = f->trial;
        }
        sfired = sf;
    }
    for (size_t w = 0; w < nw; w++)
        for (uint64_t b = mask[w]; b != 0; b &= b - 1) {
            size_t ri = w * 64 + (size_t)lm__lowest_bit(b);
            uint64_t bit = (uint64_t)1 << (ri % 64);
            if (sfired != NULL && (f->setting_only[w] & bit) ? !(sfired[w] & bit)
                                                             : !trial_fires(f, sc, ctx, ri))
                continue;
            if (f->errors[w] & ((uint64_t)1 << (ri % 64)))
                return 1;
            *adjust += f->score[ri];
        }
    return 0;
}

/* Candidate k's setting-table index (lm__judge_setting's key); SIZE_MAX for
 * an API candidate or without the table. */
static size_t setting_of(const struct flipctx *f, const struct lm_ranked *k)
{
    int d = k->devices == 1 ? 0 : k->devices == 2 ? 1 : k->devices == 4 ? 2 : k->devices == 8 ? 3 : -1;
    if (f->nsettings == 0 || k->placement > 2 || d < 0)
        return SIZE_MAX;
    size_t s = (((size_t)k->quant * f->r->nhardware + k->where) * 3 + k->placement) * 4 + (size_t)d;
    return s < f->nsettings ? s : SIZE_MAX;
}

/* The model-only re-run rules' verdict on model mi under sc, once a trial. */
static void judge_model(struct flipctx *f, const struct lm_scenario *sc, size_t mi)
{
    struct lm_recommendation *r = f->r;
    if (f->m_trial[mi] == f->trial)
        return;
    double adjust = 0;
    int reject = 0;
    if (!f->none_live) {
        /* The rules read only model and scenario facts: one cleared
         * candidate serves every model. */
        struct lm_candidate *m = &f->model_cand;
        m->model = r->cat->models[mi];
        struct lm_fact_ctx ctx;
        ctx.cat = r->cat;
        ctx.sc = sc;
        ctx.c = m;
        reject = rerun_rules(f, sc, &ctx, f->model_live, &adjust, SIZE_MAX);
    }
    f->m_trial[mi] = f->trial;
    f->m_adjust[mi] = adjust;
    f->m_reject[mi] = (unsigned char)reject;
}

/* Candidate i's stored verdict without the rules re-run on it: 1 when
 * another rule rejects it; else its kept scores' sum in *kept. */
static int kept_part(struct flipctx *f, size_t i, double *kept)
{
    const struct lm_recommendation *r = f->r;
    const struct lm_ranked *rec = &r->cands[i];
    const uint64_t *mask = reestimated(f, rec) ? f->rerun_sized : f->rerun;
    const uint64_t *fw = &r->fired[i * r->nwords];
    uint64_t bits[NW];
    for (size_t w = 0; w < r->nwords; w++) {
        if (fw[w] & f->errors[w] & ~mask[w])
            return 1;
        bits[w] = fw[w] & ~mask[w] & ~f->errors[w];
    }
    if (r->nwords == 1) {
        /* Candidates share a few patterns of fired rules: their sums, by
         * pattern, in a small direct-mapped table (the same sum in the same
         * order, so the same double). */
        size_t h = (size_t)((bits[0] * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - KEPT_CACHE_BITS));
        if (f->kc_valid[h] && f->kc_key[h] == bits[0]) {
            *kept = f->kc_val[h];
            return 0;
        }
        *kept = score_sum(f, bits);
        f->kc_valid[h] = 1;
        f->kc_key[h] = bits[0];
        f->kc_val[h] = *kept;
        return 0;
    }
    *kept = score_sum(f, bits);
    return 0;
}

/* floor(v × 10), without the libm call below 2^52 (where every double is
 * whole), for the bounds on kept parts, run once per candidate and search.
 * It can give 0 where floor gives −0, which no use of it tells apart. */
static inline double floor_tenths(double v)
{
    double y = v * 10;
    if (!(fabs(y) < 4503599627370496.0))
        return floor(y);
    double t = (double)(int64_t)y; /* toward zero */
    return t > y ? t - 1 : t;
}

/* Builds by_kept with a counting sort on the kept part in tenths, in the
 * shared buffers; leaves it NULL (the scan stays by total) when the parts
 * span too wide a range. */
static int build_by_kept(struct flipctx *f)
{
    struct lm_recommendation *r = f->r;
    struct flipshare *sh = f->sh;
    size_t n = r->n;
    f->tried_by_kept = 1;
    if (sh->key == NULL) {
        sh->key = malloc((n ? n : 1) * sizeof(*sh->key));
        sh->by_kept = malloc((n ? n : 1) * sizeof(*sh->by_kept));
        if (sh->key == NULL || sh->by_kept == NULL)
            return LM_ENOMEM;
    }
    /* Tenths of the kept part, relative to the first candidate's; a
     * candidate another rule rejects gets INT32_MIN. */
    double origin = 0;
    int32_t lo = 0, hi = 0;
    size_t nx = 0;
    for (size_t i = 0; i < n; i++) {
        double kept;
        if (kept_part(f, i, &kept)) {
            sh->key[i] = INT32_MIN;
            continue;
        }
        double x = floor_tenths(r->cands[i].base + kept + own_gain_part(f, i));
        if (nx == 0)
            origin = x;
        x -= origin;
        if (!(fabs(x) < (double)n / 2 + 4096))
            return LM_OK; /* too wide a range for buckets */
        int32_t b = (int32_t)x;
        if (nx == 0 || b < lo)
            lo = b;
        if (nx == 0 || b > hi)
            hi = b;
        sh->key[i] = b;
        nx++;
    }
    if (!((double)hi - (double)lo <= (double)n / 2 + 4096))
        return LM_OK;
    size_t nb = (size_t)(hi - lo) + 1;
    size_t *count = calloc(nb + 1, sizeof(*count));
    if (count == NULL)
        return LM_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (sh->key[i] != INT32_MIN)
            count[(size_t)(hi - sh->key[i]) + 1]++;
    for (size_t b = 0; b < nb; b++)
        count[b + 1] += count[b];
    for (size_t i = 0; i < n; i++)
        if (sh->key[i] != INT32_MIN)
            sh->by_kept[count[(size_t)(hi - sh->key[i])]++] = (uint32_t)i;
    free(count);
    if (sh->cols != NULL) {
        if (sh->usd_by_kept == NULL &&
            (sh->usd_by_kept = malloc((n ? n : 1) * sizeof(*sh->usd_by_kept))) == NULL)
            return LM_ENOMEM;
        for (size_t k = 0; k < nx; k++)
            sh->usd_by_kept[k] = sh->cols->usd[sh->by_kept[k]];
    }
    f->by_kept = sh->by_kept;
    f->nx = nx;
    f->key_origin = origin;
    f->key_lead = own_gain_sorted(f) ? f->pos_gain_sized - f->privacy_gain
                                          : f->pos_gain_sized;
    return LM_OK;
}

/* Resize with one stream at peak: B_max is 1 when the weights and one
 * sequence fit and the one-stream decode speed reaches the target, else 0
 * (estimate.c, size_bmax). Either way the decode batch is 1 and cost counts
 * one instance, so the two sizings differ only in max_concurrency (1 or 0)
 * and instances (1 or null): the candidate is estimated once, at target 0,
 * and the other sizing is that estimate with those two fields changed
 * (test_recommend checks this against estimating at an unreachable
 * target). The candidate at this trial's target goes to *c; returns 0,
 * or -1 when out of memory. */
static int sized_variant(struct flipctx *f, const struct lm_scenario *sc, size_t i,
                         struct lm_candidate *c)
{
    struct lm_recommendation *r = f->r;
    if (f->sized_hi == NULL) {
        f->sized_hi = calloc(r->n ? r->n : 1, sizeof(*f->sized_hi));
        if (f->sized_hi == NULL)
            return -1;
    }
    if (f->sized_hi[i] == NULL) {
        struct lm_scenario s = *r->sc;
        s.constraints.latency.output_tokens_per_s = 0;
        lm__rebuild(r, &s, i, c);
        if (f->sh->arena.used_bytes < CACHE_MAX_BYTES && (f->sized_hi[i] = keep(f->sh, c)) == NULL)
            return -1;
    } else {
        kept_expand(r, i, f->sized_hi[i], c);
    }
    double target = sc->constraints.latency.output_tokens_per_s;
    if (isnan(target))
        target = 10; /* the sizing target of §4 without a floor */
    if (c->est.max_concurrency >= 1 && !(c->est.decode_tokens_per_s >= target)) {
        c->est.max_concurrency = 0; /* B_max 0 at this target */
        c->est.instances = DNAN;
    }
    return 0;
}

/* Resize with more streams at peak: the estimate depends on the target
 * only through B_max, the largest batch whose per-stream decode speed
 * reaches it (estimate.c, size_bmax; that speed falls as the batch grows),
 * so it holds for every target in the interval the estimate reports
 * (est.sizing_lo_tps, est.sizing_hi_tps]: down to the speed at which one
 * more stream would pass, up to the speed at B_max. Each sized candidate
 * keeps its last estimate and interval. The candidate at this trial's
 * target goes to *c; returns 0, or -1 when out of memory. */
static int sized_at(struct flipctx *f, const struct lm_scenario *sc, size_t i,
                    struct lm_candidate *c)
{
    struct lm_recommendation *r = f->r;
    double target = sc->constraints.latency.output_tokens_per_s;
    if (isnan(target))
        target = 10; /* the sizing target of §4 without a floor */
    if (f->sized_iv == NULL) {
        f->sized_iv = calloc(r->n ? r->n : 1, sizeof(*f->sized_iv));
        if (f->sized_iv == NULL)
            return -1;
    }
    struct sized_interval *iv = f->sized_iv[i];
    if (iv != NULL && target > iv->lo && target <= iv->hi) {
        kept_expand(r, i, &iv->k, c);
        return 0;
    }
    /* Re-estimated from its profiles: privacy and sub-scores follow
     * (lm__finish), so the run's estimate of it is not needed. */
    lm__record_profiles(r, i, c);
    resize_candidate(r, sc, i, c, 1, NULL);
    if (f->sh->arena.used_bytes >= CACHE_MAX_BYTES)
        return 0;
    if (iv == NULL && (iv = f->sized_iv[i] = lm_arena_alloc(&f->sh->arena, sizeof(*iv))) == NULL)
        return -1;
    iv->lo = c->est.sizing_lo_tps;
    iv->hi = c->est.sizing_hi_tps;
    if (!(iv->lo < target && target <= iv->hi)) {
        /* Not an interval around the target it was made at (a NAN bound):
         * it holds for that target alone. */
        iv->lo = nextafter(target, -(double)INFINITY);
        iv->hi = target;
    }
    kept_copy(&iv->k, c);
    return 0;
}

/* The rank-1 candidate under the modified scenario sc; -1 when none is
 * feasible; -2 when out of memory.
 *
 * A candidate's new total is its stored weighted mean (re-computed when
 * resized) plus the scores of the rules not re-run that fired (kept), of
 * the model-only re-run rules (once per model) and of the other re-run
 * rules (on the rebuilt candidate). Candidates are scanned by stored total,
 * by kept part once a trial has had to scan deep, or by their own bound
 * when resizing moves sub-scores; the scan stops when no later candidate
 * can reach the best found, and a candidate is rebuilt only when its own
 * bound can. */
static long evaluate_trial(struct flipctx *f, const struct lm_scenario *sc);

/* The model-only rules that can fire at this trial: a rule whose condition,
 * with the trial's scenario read in and every candidate fact free, cannot
 * be true (lm_expr_outcomes) fires on no model, and judge_model need not
 * run it. With none left, every model's verdict is known without running
 * anything (a 10 800-model catalog: the fine-tuning flip's 22 trials judged
 * every model to bound their scans). */
static void model_live_trial(struct flipctx *f, const struct lm_scenario *sc)
{
    const struct lm_recommendation *r = f->r;
    struct lm_candidate none;
    struct lm_fact_ctx ctx;
    trial_ctx(f, sc, &none, &ctx);
    f->none_live = 1;
    for (size_t w = 0; w < r->nwords; w++) {
        f->model_live[w] = 0;
        for (uint64_t b = f->model_only[w]; b != 0; b &= b - 1) {
            size_t ri = w * 64 + (size_t)lm__lowest_bit(b);
            if (lm_expr_outcomes(r->rules->rules[ri]->when, lm__fact_get, &ctx, f->varies) &
                (1u << LM_TRUE)) {
                f->model_live[w] |= (uint64_t)1 << (ri % 64);
                f->none_live = 0;
            }
        }
    }
}

static long evaluate(struct flipctx *f, const struct lm_scenario *sc)
{
    prefilter_trial(f, sc);
    model_live_trial(f, sc);
    long best = evaluate_trial(f, sc);
    unspecialize_trial(f);
    return best;
}

static long evaluate_trial(struct flipctx *f, const struct lm_scenario *sc)
{
    struct lm_recommendation *r = f->r;
    struct lm_fact_ctx ctx;
    ctx.cat = r->cat;
    ctx.sc = sc;
    long best = -1;
    double best_total = 0;
    struct lm_candidate scratch;
    lm__cand_clear(&scratch);
    f->trial++;
again:;
    struct by_total it = { 0, r->nfeasible };
    /* With by_kept, the model-only rules' largest adjustment bounds the
     * scan; it needs every model's verdict up front. */
    double max_model = 0;
    if (f->by_kept != NULL && !f->none_live) {
        int first = 1;
        for (size_t mi = 0; mi < r->cat->nmodels; mi++) {
            judge_model(f, sc, mi);
            if (!f->m_reject[mi] && (first || f->m_adjust[mi] > max_model)) {
                max_model = f->m_adjust[mi];
                first = 0;
            }
        }
    }
    size_t limit = f->by_kept != NULL ? f->nx : r->n;
    for (size_t k = 0; k < limit; k++) {
        /* Scanning deep by total: from now on, by kept part. */
        if (f->by_kept == NULL && f->scan == NULL && !f->tried_by_kept && k > r->n / 16 + 64) {
            if (build_by_kept(f) != LM_OK)
                return -2;
            if (f->by_kept != NULL) {
                best = -1;
                best_total = 0;
                goto again;
            }
        }
        /* Rejected at this trial by its cost alone, read in scan order:
         * skipped before its record is touched (no candidate is
         * re-estimated: the search is light and resizes nothing). */
        if (f->by_kept != NULL && f->npre > 0 && !f->resize && !f->finetune &&
            f->sh->usd_by_kept != NULL &&
            prefilter_rejects(f, sc, &scratch, f->sh->usd_by_kept[k]))
            continue;
        size_t i = f->scan      ? f->scan[k]
                 : f->by_kept ? f->by_kept[k]
                              : by_total_next(r, &it);
        const struct lm_ranked *rec = &r->cands[i];
        int sized = reestimated(f, rec);
        double kept;
        if (f->by_kept == NULL && best >= 0) {
            double stop = f->scan ? f->ub[i] : rec->total + f->gain + 0.1;
            if (stop + 1e-9 < best_total)
                break; /* no later candidate can reach the current best */
        }
        /* Rejected at this trial whatever else it scores: skipped before
         * anything else is looked at. */
        if (!sized && f->npre > 0 && prefilter_rejects(f, sc, &scratch, f->sh->cols->usd[i]))
            continue;
        if (kept_part(f, i, &kept))
            continue;
        double pos = sized ? f->pos_gain_sized : f->pos_gain;
        if (f->by_kept != NULL && best >= 0 &&
            (f->sh->key[i] + f->key_origin + 1) / 10 + max_model + f->key_lead + 0.05 + 1e-9 <
                best_total)
            break; /* later ones have a smaller key */
        judge_model(f, sc, rec->model);
        if (f->m_reject[rec->model])
            continue;
        double adjust = kept + f->m_adjust[rec->model];
        const uint64_t *mask = sized ? f->rerun_sized : f->rerun;
        uint64_t percand[NW], any_percand = 0;
        for (size_t w = 0; w < r->nwords; w++) {
            percand[w] = mask[w] & ~f->model_only[w];
            any_percand |= percand[w];
        }
        if (!any_percand && !sized && !f->privacy_changes) {
            double total = lm_round(rec->base + adjust, 1);
            if (best < 0 || total > best_total || (total == best_total && (long)i < best)) {
                best = (long)i;
                best_total = total;
            }
            continue;
        }
        if (!f->scan && best >= 0 && rec->base + adjust + pos + 0.05 + 1e-9 < best_total)
            continue; /* cannot reach the best: no need to rebuild it */
        if (f->privacy_changes && f->sh->cols != NULL && !sized && best >= 0 &&
            rec->base + adjust + (pos - f->privacy_gain) + own_privacy_gain(f, i) + 0.05 + 1e-9 <
                best_total)
            continue; /* nor with its own privacy gap */
        /* The candidate as this trial sees it: the stored one, one of its
         * two sizings, or (when the trial changes it) a copy re-estimated
         * or with the new privacy level and break-even. */
        struct lm_candidate t;
        if (f->finetune) {
            lm__rebuild(r, sc, i, &t);
        } else {
            int rc = 0;
            if (!sized && f->light && !f->privacy_changes)
                light_candidate(f, i, &t);
            else
                rc = !sized       ? built(f, i, &t)
                     : !f->scan   ? sized_variant(f, sc, i, &t)
                                  : sized_at(f, sc, i, &t);
            if (rc != 0)
                return -2;
            if (f->privacy_changes) {
                /* The level moves privacy, break-even and, since the
                 * privacy sub-score saturates at the required level, the
                 * sub-scores (lm__finish). */
                lm__finish(r, sc, &t);
                t.est.break_even_requests_per_day =
                    t.offer == NULL && isfinite(f->per_request) && f->per_request > 0
                        ? t.est.usd_per_month / (f->per_request * 30.42)
                        : DNAN;
            }
        }
        const struct lm_candidate *c = &t;
        ctx.c = c;
        if (rerun_rules(f, sc, &ctx, percand, &adjust, setting_of(f, rec)))
            continue;
        double wm = (f->resize && is_sized(rec)) || f->privacy_changes ? lm__weighted_mean(c, sc)
                                                                        : rec->base;
        double total = lm_round(wm + adjust, 1);
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

static int add_flip(struct flipshare *sh, const struct lm_flip *fl)
{
    struct lm_flip *g = realloc(sh->flips, (sh->nflips + 1) * sizeof(*g));
    if (g == NULL)
        return LM_ENOMEM;
    sh->flips = g;
    sh->flips[sh->nflips++] = *fl;
    return LM_OK;
}

/* The starting value of an absent constraint: the current winner's value of
 * the quantity it bounds (§5 step 6); labeled examples start at 1000. */
static double introduced_start(const struct lm_recommendation *r, struct flipshare *sh,
                               const struct flipdim *d)
{
    if (strcmp(d->constraint, "data.labeled_examples") == 0)
        return 1000;
    if (r->nfeasible == 0)
        return DNAN;
    struct lm_candidate w;
    lm__rebuild_memo(r, r->sc, r->order[0], &w, sh->memo);
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

/* §9.5: the values a user could mean for a constraint. A flip or a value
 * outside [lo, hi] is never reported: a TTFT ceiling under 100 ms (network
 * round trips alone take that), an output floor above twice the fastest
 * candidate's speed, a budget under 1 USD, a memory ceiling under 1 GiB (no
 * machine in the catalog has less than 8 GiB). */
static void plausible_range(const struct lm_recommendation *r, const struct flipdim *d,
                            double *lo, double *hi)
{
    *lo = 0;
    *hi = (double)INFINITY;
    if (strcmp(d->constraint, "latency.ttft_ms") == 0)
        *lo = 100;
    else if (strcmp(d->constraint, "latency.output_tokens_per_s") == 0)
        *hi = isfinite(r->max_decode) && r->max_decode > 0 ? 2 * r->max_decode : *hi;
    else if (strcmp(d->constraint, "budget.usd_per_month") == 0)
        *lo = 1;
    else if (strcmp(d->constraint, "memory_gib") == 0)
        *lo = 1;
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
    int finetune = strcmp(d->constraint, "data.labeled_examples") == 0;
    if (flipctx_init(&f, r, sh, paths, 1, resize, finetune) != LM_OK) {
        flipctx_release(&f);
        return LM_ENOMEM;
    }
    struct lm_scenario sc = *r->sc;
    double from = *(const double *)(const void *)((const char *)r->sc + d->offset);
    double start = isnan(from) ? introduced_start(r, sh, d) : from;
    double plo, phi;
    plausible_range(r, d, &plo, &phi);
    /* A zero ceiling is relaxed additively (§9.5): upward from the smallest
     * plausible value, the change counted in units of that value. */
    int additive = from == 0;
    if (additive)
        start = plo > 0 ? plo : 1;
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
    for (int dir = additive ? 1 : -1; dir <= 1 && rc == LM_OK; dir += 2) {
        double prev = start;
        long w;
        for (int k = isnan(from) || additive ? 0 : 1; k <= 10; k++) {
            double v = start * pow(10, dir * k / 5.0);
            if (d->integer)
                v = dir > 0 ? ceil(v) : floor(v);
            if (v < plo || v > phi)
                break; /* beyond what a user could mean: stop this direction */
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
            if (to < plo || to > phi)
                break;
            double rel = isnan(from) ? 1.0 : additive ? to / start : fabs(to - from) / from;
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
    return found ? add_flip(sh, &best) : LM_OK;
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
    /* The level decides which API offers count for break-even (§4), so the
     * rules on break-even are re-run too. */
    static const char *const paths[] = { "scenario.privacy", "candidate.meets_privacy",
                                         "candidate.privacy_level", "scenario.offline",
                                         "estimate.break_even_requests_per_day" };
    struct flipctx f;
    if (flipctx_init(&f, r, sh, paths, 5, 0, 0) != LM_OK) {
        flipctx_release(&f);
        return LM_ENOMEM;
    }
    f.privacy_changes = 1;
    /* A trial level can raise a candidate's privacy sub-score to 100 (it
     * saturates at the required level, lm__subscores): its total by at most
     * w_privacy × 100 / Σw, which every bound of evaluate() must allow. */
    double sw = 0;
    for (int k = 0; k < LM_S_COUNT; k++)
        sw += r->sc->priorities[k];
    double privacy_gain = sw > 0 ? r->sc->priorities[LM_S_PRIVACY] * 100 / sw : 0;
    f.gain += privacy_gain;
    f.pos_gain += privacy_gain;
    f.pos_gain_sized += privacy_gain;
    f.privacy_gain = privacy_gain;
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
            f.per_request = lm__cheapest_api_request(r->cat, &sc);
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
    return found ? add_flip(sh, &best) : LM_OK;
}

static int flip_cmp(const void *pa, const void *pb)
{
    const struct lm_flip *a = pa, *b = pb;
    if (a->rel_change != b->rel_change)
        return a->rel_change < b->rel_change ? -1 : 1;
    int c = strcmp(lm_dimension_names[a->dimension], lm_dimension_names[b->dimension]);
    return c ? c : strcmp(a->constraint, b->constraint);
}

/* The searches, one job each: the flipdims by index, then the privacy
 * level. Workers take them in this order, the dearest first (the output
 * speed re-sizes candidates; privacy re-judges most of them), so that two
 * workers end close together. */
static const unsigned char flip_jobs[] = { 2, NFLIPDIMS, 0, 1, 3, 4 };
#define NFLIPJOBS (sizeof(flip_jobs) / sizeof(flip_jobs[0]))

struct flipworker {
    _Alignas(64) struct lm_recommendation *r; /* a worker's lines are its own */
    const struct lm__columns *cols;
    pthread_mutex_t *lock;
    size_t *next_job;
    struct flipshare sh;
    int rc;
};

/* Runs jobs until none is left. A worker writes only its flipshare; the
 * recommendation is read-only until every worker is done. */
static void *flip_worker(void *arg)
{
    struct flipworker *w = arg;
    w->rc = flipshare_init(&w->sh, w->r, w->cols);
    while (w->rc == LM_OK) { /* out of memory ends the search (lm__find_flips) */
        pthread_mutex_lock(w->lock);
        size_t j = (*w->next_job)++;
        pthread_mutex_unlock(w->lock);
        if (j >= NFLIPJOBS)
            break;
        size_t d = flip_jobs[j];
        w->rc = d == NFLIPDIMS ? search_privacy(w->r, &w->sh)
                               : search_number(w->r, &w->sh, &flipdims[d]);
    }
    return NULL;
}

/* Below this many candidates the whole flip search takes about 3 ms, and a
 * second thread costs 0.1 ms to start and, on the VMs we measure, 0.5 to
 * 3 ms before it gets its CPU (docs/performance.md, "Threads"). */
#define FLIP_PARALLEL_MIN 4096

/* How many workers: opt.threads when given; by default two when two CPUs
 * are usable and the run is large enough (each worker keeps its own cache
 * of rebuilt candidates, so not more); never more than there are jobs. */
static size_t flip_workers(const struct lm_recommendation *r)
{
    long n = r->opt.threads;
    if (n <= 0) {
        n = r->n >= FLIP_PARALLEL_MIN ? lm__usable_cpus() : 1;
        if (n > 2)
            n = 2;
    }
    if (n > (long)NFLIPJOBS)
        n = (long)NFLIPJOBS;
    return n < 1 ? 1 : (size_t)n;
}

int lm__find_flips(struct lm_recommendation *r, const struct lm__columns *cols)
{
    sized_cap = r->max_batch_cap > 1; /* read by every worker, written only here */
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    size_t next_job = 0, nw = flip_workers(r);
    struct flipworker w[NFLIPJOBS];
    for (size_t k = 0; k < nw; k++) {
        w[k].r = r;
        w[k].cols = cols;
        w[k].lock = &lock;
        w[k].next_job = &next_job;
        w[k].rc = LM_OK;
    }
    /* A worker run late, on this thread, finds no job left. */
    lm__run_threads(flip_worker, w, sizeof(w[0]), nw);
    int rc = LM_OK;
    for (size_t k = 0; k < nw; k++) {
        if (rc == LM_OK)
            rc = w[k].rc;
        /* Every flip, then one order: flip_cmp is total (one flip per
         * constraint at most), so which worker found which is invisible. */
        if (rc == LM_OK && w[k].sh.nflips > 0) {
            struct lm_flip *g = realloc(r->flips, (r->nflips + w[k].sh.nflips) * sizeof(*g));
            if (g == NULL) {
                rc = LM_ENOMEM;
            } else {
                r->flips = g;
                memcpy(&r->flips[r->nflips], w[k].sh.flips, w[k].sh.nflips * sizeof(*g));
                r->nflips += w[k].sh.nflips;
            }
        }
        flipshare_release(&w[k].sh);
    }
    pthread_mutex_destroy(&lock);
    if (rc != LM_OK)
        return rc;
    if (r->nflips > 1)
        qsort(r->flips, r->nflips, sizeof(*r->flips), flip_cmp);
    return LM_OK;
}
