/*
 * Advice when nothing fits, and the within-class upgrade (DESIGN §9.5).
 *
 * A rejected candidate is "near" when every error rule that rejected it
 * reads one constraint that can be relaxed to a value the candidate meets:
 * a ceiling (budget, TTFT, memory, fine-tuning budget) raised to the
 * candidate's figure, a floor (output speed, quality) lowered to it, the
 * privacy level stepped to the candidate's own level, a region dropped, an
 * offline requirement lifted. Its relaxation is every such change; its size
 * is the sum of the relative changes (a level step, a dropped region or
 * offline counts 1.0, as a privacy flip does in §5 step 6). Rules that no
 * constraint can relax (the model does not fit, the context is too short,
 * an unknown figure) make a candidate not near.
 *
 * Every relaxation reported is verified: the candidate is rebuilt and judged
 * in full, with every enabled rule's original condition, under the relaxed
 * scenario, and kept only when it is then feasible. Numbers are rounded
 * outward to two significant digits first (as flips are) and verified at the
 * rounded value, falling back to the exact one.
 */
#include "engine/recommend_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rules/expr.h"
#include "rules/facts.h"
#include "lmchoose/status.h"

/* How many near candidates a recommendation keeps (one per model). */
#define NEAR_MAX 5

enum relax_kind { RK_CEILING, RK_FLOOR };

/* The numeric constraints a relaxation may move, with the estimate figure
 * that a candidate must meet. */
struct relax_num {
    const char *constraint; /* key under constraints */
    const char *path;       /* the scenario.* fact */
    size_t offset;          /* into struct lm_scenario */
    size_t est_offset;      /* into struct lm_estimate */
    enum relax_kind kind;
};

#define SCOFF(f) offsetof(struct lm_scenario, f)
#define ESTOFF(f) offsetof(struct lm_estimate, f)
static const struct relax_num relax_nums[] = {
    { "budget.usd_per_month", "scenario.budget.usd_per_month",
      SCOFF(constraints.budget.usd_per_month), ESTOFF(usd_per_month), RK_CEILING },
    { "latency.ttft_ms", "scenario.latency.ttft_ms", SCOFF(constraints.latency.ttft_ms),
      ESTOFF(ttft_ms), RK_CEILING },
    { "latency.output_tokens_per_s", "scenario.latency.output_tokens_per_s",
      SCOFF(constraints.latency.output_tokens_per_s), ESTOFF(decode_tokens_per_s), RK_FLOOR },
    { "memory_gib", "scenario.memory_gib", SCOFF(constraints.memory_gib), ESTOFF(memory_gib),
      RK_CEILING },
    { "quality.min_score", "scenario.quality.min_score", SCOFF(constraints.quality.min_score),
      ESTOFF(quality), RK_FLOOR },
    { "budget.finetune_usd", "scenario.budget.finetune_usd", SCOFF(constraints.budget.finetune_usd),
      ESTOFF(finetune_usd), RK_CEILING },
};
#define NRELAX_NUMS (sizeof(relax_nums) / sizeof(relax_nums[0]))

static double *sc_num(struct lm_scenario *sc, size_t off)
{
    return (double *)(void *)((char *)sc + off);
}

static double est_num(const struct lm_estimate *e, size_t off)
{
    return *(const double *)(const void *)((const char *)e + off);
}

/* v rounded outward (up for a ceiling, down for a floor) to two significant
 * digits. */
static double round2(double v, enum relax_kind kind)
{
    if (!(v > 0) || !isfinite(v))
        return v;
    double p = pow(10, floor(log10(v)) - 1);
    return kind == RK_CEILING ? ceil(v / p - 1e-9) * p : floor(v / p + 1e-9) * p;
}

/* Which constraint rule ri reads: a relax_nums index, or RELAX_PRIVACY,
 * RELAX_REGION, RELAX_OFFLINE; -1 when it reads none (or several). */
#define RELAX_PRIVACY 100
#define RELAX_REGION 101
#define RELAX_OFFLINE 102

static int rule_constraint(const struct lm_rule *rule)
{
    const size_t *ids;
    size_t n = lm_expr_facts(rule->when, &ids);
    int found = -1;
    for (size_t i = 0; i < n; i++) {
        const char *p = lm_fact_table.defs[ids[i]].path;
        int k = -1;
        if (strcmp(p, "scenario.privacy") == 0)
            k = RELAX_PRIVACY;
        else if (strcmp(p, "scenario.region") == 0)
            k = RELAX_REGION;
        else if (strcmp(p, "scenario.offline") == 0)
            k = RELAX_OFFLINE;
        for (size_t j = 0; k < 0 && j < NRELAX_NUMS; j++)
            if (strcmp(p, relax_nums[j].path) == 0)
                k = (int)j;
        if (k < 0)
            continue;
        if (found >= 0 && found != k)
            return -1; /* two constraints: no single relaxation */
        found = k;
    }
    return found;
}

/* Per rule: whether one constraint can relax it, and which (computed once
 * a run). */
struct relaxable {
    uint64_t ok[LM_MAX_RULES / 64];
    uint64_t errors[LM_MAX_RULES / 64];
    short constraint[LM_MAX_RULES]; /* rule_constraint of each error rule */
};

static void relaxable_init(const struct lm_recommendation *r, struct relaxable *x)
{
    memset(x, 0, sizeof(*x));
    for (size_t ri = 0; ri < r->rules->n && ri < LM_MAX_RULES; ri++) {
        const struct lm_rule *rule = r->rules->rules[ri];
        x->constraint[ri] = -1;
        if (rule->severity != LM_SEV_RULE_ERROR)
            continue;
        x->errors[ri / 64] |= (uint64_t)1 << (ri % 64);
        x->constraint[ri] = (short)rule_constraint(rule);
        if (x->constraint[ri] >= 0)
            x->ok[ri / 64] |= (uint64_t)1 << (ri % 64);
    }
}

/* The relaxed scenario for candidate c: fills rel and *out (a copy of r's
 * scenario with the changes). Returns 0 when every fired error rule can be
 * relaxed, else -1. exact: use the candidate's figures unrounded. */
static int relax_for(const struct lm_recommendation *r, const struct relaxable *x,
                     const struct lm_candidate *c, int exact, struct lm_relaxation *rel,
                     struct lm_scenario *out)
{
    *out = *r->sc;
    memset(rel->changes, 0, sizeof(rel->changes));
    rel->nchanges = 0;
    rel->total_change = 0;
    unsigned done = 0; /* bit per relax kind already changed */
    for (size_t ri = 0; ri < r->rules->n && ri < LM_MAX_RULES; ri++) {
        if (!((c->fired[ri / 64] >> (ri % 64)) & 1))
            continue;
        if (!((x->errors[ri / 64] >> (ri % 64)) & 1))
            continue;
        int k = x->constraint[ri];
        if (k < 0)
            return -1;
        unsigned bit = k >= RELAX_PRIVACY ? 1u << (16 + k - RELAX_PRIVACY) : 1u << k;
        if (done & bit)
            continue;
        done |= bit;
        if (rel->nchanges == sizeof(rel->changes) / sizeof(rel->changes[0]))
            return -1;
        struct lm_relax_change *ch = &rel->changes[rel->nchanges++];
        ch->from_level = ch->to_level = -1;
        ch->from = ch->to = DNAN;
        if (k == RELAX_PRIVACY) {
            if (out->constraints.privacy < 0 || c->privacy_level >= out->constraints.privacy)
                return -1; /* not a privacy-level problem this step can fix */
            ch->constraint = "privacy";
            ch->is_privacy = 1;
            ch->from_level = out->constraints.privacy;
            ch->to_level = c->privacy_level;
            out->constraints.privacy = c->privacy_level;
            rel->total_change += 1.0;
        } else if (k == RELAX_REGION) {
            if (out->constraints.region == NULL)
                return -1;
            ch->constraint = "region";
            ch->is_region = 1;
            out->constraints.region = NULL;
            if (out->constraints.privacy == LM_PRIV_REGION)
                out->constraints.privacy = LM_PRIV_NO_TRAINING; /* §3.5's looser neighbour */
            rel->total_change += 1.0;
        } else if (k == RELAX_OFFLINE) {
            if (out->constraints.offline != 1)
                return -1;
            ch->constraint = "offline";
            ch->is_offline = 1;
            out->constraints.offline = 0;
            if (out->constraints.privacy == LM_PRIV_AIR_GAPPED)
                out->constraints.privacy = LM_PRIV_ON_PREM;
            rel->total_change += 1.0;
        } else {
            const struct relax_num *d = &relax_nums[k];
            double from = *sc_num(out, d->offset);
            double need = est_num(&c->est, d->est_offset);
            if (isnan(from) || !isfinite(need) || need < 0)
                return -1; /* an unknown figure is not relaxable (§9.3) */
            double to = exact ? need : round2(need, d->kind);
            if (d->kind == RK_CEILING ? to <= from : to >= from)
                return -1; /* the constraint is not what rejects it */
            ch->constraint = d->constraint;
            ch->from = from;
            ch->to = to;
            *sc_num(out, d->offset) = to;
            /* A zero ceiling is relaxed additively: the change counts the
             * new value in units of 1 (1 USD, 1 ms, 1 GiB). */
            rel->total_change += from > 0 ? fabs(to - from) / from : to;
        }
    }
    return rel->nchanges > 0 ? 0 : -1;
}

/* Candidate i, rebuilt and judged with every enabled rule's original
 * condition under scenario sc: 1 when no error rule fires. */
static int feasible_under(const struct lm_recommendation *r, const struct lm_scenario *sc,
                          size_t i)
{
    struct lm_candidate c;
    lm__rebuild(r, sc, i, &c);
    struct lm_fact_ctx ctx;
    ctx.cat = r->cat;
    ctx.sc = sc;
    ctx.c = &c;
    for (size_t ri = 0; ri < r->rules->n && ri < LM_MAX_RULES; ri++) {
        const struct lm_rule *rule = r->rules->rules[ri];
        if (!r->enabled[ri] || rule->severity != LM_SEV_RULE_ERROR)
            continue;
        if (lm_expr_eval(rule->when, lm__fact_get, &ctx) == LM_TRUE)
            return 0;
    }
    return 1;
}

/* From the stored verdict alone: every error rule that rejected candidate
 * i can be relaxed. */
static int maybe_near(const struct lm_recommendation *r, const struct relaxable *x, size_t i)
{
    const uint64_t *fw = &r->fired[i * r->nwords];
    for (size_t w = 0; w < r->nwords; w++)
        if (fw[w] & x->errors[w] & ~x->ok[w])
            return 0;
    return 1;
}

/* The verified relaxation of rejected candidate i into rel: 0, or -1 when
 * it has none. */
static int relaxation_of(const struct lm_recommendation *r, const struct relaxable *x, size_t i,
                         struct lm_relaxation *rel)
{
    struct lm_candidate c;
    lm_recommendation_candidate(r, i, &c);
    struct lm_scenario sc;
    for (int exact = 0; exact <= 1; exact++) {
        if (relax_for(r, x, &c, exact, rel, &sc) != 0)
            return -1;
        if (feasible_under(r, &sc, i)) {
            rel->cand = i;
            return 0;
        }
    }
    return -1;
}

static int rel_better(const struct lm_recommendation *r, const struct lm_relaxation *a,
                      const struct lm_relaxation *b)
{
    if (a->total_change != b->total_change)
        return a->total_change < b->total_change;
    if (r->cands[a->cand].total != r->cands[b->cand].total)
        return r->cands[a->cand].total > r->cands[b->cand].total;
    return a->cand < b->cand;
}

/* §9.5 "nearest feasible candidates": the best relaxation of each model,
 * the NEAR_MAX smallest. */
static int find_near(struct lm_recommendation *r)
{
    size_t nm = r->cat->nmodels;
    struct lm_relaxation *best = calloc(nm ? nm : 1, sizeof(*best));
    unsigned char *have = calloc(nm ? nm : 1, 1);
    if (best == NULL || have == NULL) {
        free(best);
        free(have);
        return LM_ENOMEM;
    }
    struct relaxable x;
    relaxable_init(r, &x);
    for (size_t i = 0; i < r->n; i++) {
        const struct lm_ranked *k = &r->cands[i];
        if (!k->rejected || !maybe_near(r, &x, i))
            continue;
        struct lm_relaxation rel;
        if (relaxation_of(r, &x, i, &rel) != 0)
            continue;
        if (!have[k->model] || rel_better(r, &rel, &best[k->model])) {
            best[k->model] = rel;
            have[k->model] = 1;
        }
    }
    r->relax = calloc(NEAR_MAX, sizeof(*r->relax));
    if (r->relax == NULL) {
        free(best);
        free(have);
        return LM_ENOMEM;
    }
    for (size_t m = 0; m < nm; m++) {
        if (!have[m])
            continue;
        /* Insertion into the bounded, sorted list. */
        size_t pos = r->nrelax;
        while (pos > 0 && rel_better(r, &best[m], &r->relax[pos - 1]))
            pos--;
        if (pos >= NEAR_MAX)
            continue;
        size_t last = r->nrelax < NEAR_MAX ? r->nrelax : NEAR_MAX - 1;
        memmove(&r->relax[pos + 1], &r->relax[pos], (last - pos) * sizeof(*r->relax));
        r->relax[pos] = best[m];
        if (r->nrelax < NEAR_MAX)
            r->nrelax++;
    }
    free(best);
    free(have);
    return LM_OK;
}

/* A candidate find_upgrade may verify, with its bound. */
struct upgrade_try {
    size_t cand;
    double bound, quality;
};

static int upgrade_try_cmp(const void *pa, const void *pb)
{
    const struct upgrade_try *a = pa, *b = pb;
    if (a->bound != b->bound)
        return a->bound < b->bound ? -1 : 1;
    return (a->cand > b->cand) - (a->cand < b->cand);
}

/* §9.5 "within-class upgrade": among the winning class's rejected
 * candidates of higher quality than the winner, the one whose verified
 * relaxation is smallest (ties: higher quality). */
static int find_upgrade(struct lm_recommendation *r)
{
    if (r->verdict_class < 0 || r->nfeasible == 0)
        return LM_OK;
    size_t win = r->order[0];
    struct lm_candidate w;
    lm_recommendation_candidate(r, win, &w);
    double wq = w.est.quality;
    if (isnan(wq))
        return LM_OK;
    int found = 0;
    double best_q = 0;
    struct relaxable x;
    relaxable_init(r, &x);
    /* Each model's quality before its format's delta (generation's
     * r->model_quality): a candidate whose model cannot beat the winner is
     * not rebuilt. */
    const double *mq = r->model_quality;
    /* The candidates that can be upgrades, each with a lower bound on its
     * relaxation's size: the exact relaxation when it can be made (the
     * reported one is rounded outward, never smaller, or the exact one),
     * else the rounded one (then the only one relaxation_of can report).
     * They are verified in the order of that bound, and the search stops
     * once the bound exceeds the best verified size, which a later one can
     * then neither beat nor tie. */
    struct upgrade_try *tries = NULL;
    size_t ntries = 0, cap = 0;
    int rc = LM_OK;
    for (size_t i = 0; i < r->n && rc == LM_OK; i++) {
        const struct lm_ranked *k = &r->cands[i];
        if (!k->rejected || r->model_llm[k->model] != (unsigned char)r->verdict_class)
            continue;
        /* A different model only: another format of the winner is no upgrade. */
        if (k->model == r->cands[win].model || !(mq[k->model] > wq + 0.05) ||
            !maybe_near(r, &x, i))
            continue;
        struct lm_candidate c;
        lm__rebuild(r, r->sc, i, &c);
        if (!(c.est.quality > wq + 0.05))
            continue;
        memcpy(c.fired, &r->fired[i * r->nwords], r->nwords * sizeof(uint64_t)); /* relax_for */
        struct lm_relaxation rel;
        struct lm_scenario sc;
        if (relax_for(r, &x, &c, 1, &rel, &sc) != 0 && relax_for(r, &x, &c, 0, &rel, &sc) != 0)
            continue;
        if (ntries == cap) {
            cap = cap ? 2 * cap : 64;
            struct upgrade_try *nt = realloc(tries, cap * sizeof(*nt));
            if (nt == NULL) {
                rc = LM_ENOMEM;
                break;
            }
            tries = nt;
        }
        tries[ntries].cand = i;
        tries[ntries].bound = rel.total_change;
        tries[ntries].quality = c.est.quality;
        ntries++;
    }
    if (rc == LM_OK && ntries > 1)
        qsort(tries, ntries, sizeof(*tries), upgrade_try_cmp);
    size_t best_i = 0;
    for (size_t t = 0; t < ntries && rc == LM_OK; t++) {
        if (found && tries[t].bound > r->upgrade.total_change)
            break;
        size_t i = tries[t].cand;
        double q = tries[t].quality;
        struct lm_relaxation rel;
        if (relaxation_of(r, &x, i, &rel) != 0)
            continue;
        /* Smallest relaxation, then higher quality, then the first in the
         * total order of ids (the index). */
        if (!found || rel.total_change < r->upgrade.total_change ||
            (rel.total_change == r->upgrade.total_change &&
             (q > best_q || (q == best_q && i < best_i)))) {
            r->upgrade = rel;
            best_q = q;
            best_i = i;
            found = 1;
        }
    }
    free(tries);
    if (rc != LM_OK)
        return rc;
    r->has_upgrade = found;
    return LM_OK;
}


int lm__find_relaxations(struct lm_recommendation *r)
{
    if (r->nfeasible == 0)
        return find_near(r);
    return find_upgrade(r);
}
