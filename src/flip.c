/*
 * The flip of DESIGN §5 step 6: the smallest change of one constraint
 * (budget, latency, memory, labelled examples, privacy level) that makes
 * the other class rank first, found by re-evaluating the ranking at trial
 * values (a geometric scan, then bisection to 1 %; a walk along the privacy
 * chain).
 *
 * A trial re-runs only what the constraint can change (§5 "Cost bound"):
 * the rules whose compiled condition reads it (or candidate.meets_privacy
 * for the privacy level), on candidates that no other rule rejects; every
 * other rule's verdict is the one stored. Rules that read nothing but model
 * and scenario facts are re-run once per model; the others on the
 * candidates that could still rank first, rebuilt once and kept. Changing
 * latency.output_tokens_per_s also changes instance sizing, so that flip
 * re-estimates the sized (on-prem and cloud) candidates it visits.
 */
#include "recommend_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "facts.h"
#include "lmchoose/render.h"
#include "lmchoose/status.h"

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
    lm__fill_input(sc, &r->opt, &in);
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
    lm__subscores(t);
}

/* The candidate at scan position k of by_total, rebuilt once. */
static const struct lm_candidate *built_at(struct flipctx *f, size_t k)
{
    struct flipshare *sh = f->sh;
    if (sh->built[k] == NULL) {
        struct lm_candidate *c = malloc(sizeof(*c));
        if (c == NULL)
            return NULL;
        lm__rebuild(f->r, f->r->sc, sh->by_total[k], c);
        lm__restore_verdict(f->r, sh->by_total[k], c);
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
        lm__rebuild(r, r->sc, i, &c);
        lm__restore_verdict(r, i, &c);
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
        f->ub[i] = lm__weighted_mean(&t, r->sc) + adjust + gain + 1.0 + 0.1;
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
            lm__rebuild(r, r->sc, i, &t);
            lm__restore_verdict(r, i, &t);
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
        double total = lm_round(lm__weighted_mean(&t, sc) + adjust, 1);
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
    lm__rebuild(r, r->sc, r->order[0], &w);
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

int lm__find_flips(struct lm_recommendation *r)
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

