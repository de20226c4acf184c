/*
 * The recommendation engine (DESIGN §5): generate every candidate the
 * scenario allows, estimate it, judge it by the rules, score it, rank the
 * feasible ones, and compute the verdict (best SLM against best LLM, the
 * dimensions that decided it, and the smallest single change of a
 * constraint that flips the class).
 *
 * Ownership: a recommendation borrows the catalog, scenario and rule set it
 * was computed from; they must outlive it. lm_recommendation_release() frees
 * the candidate array and the flips.
 */
#ifndef LMCHOOSE_RECOMMEND_H
#define LMCHOOSE_RECOMMEND_H

#include <stddef.h>
#include <stdint.h>

#include "lmchoose/candidate.h"
#include "lmchoose/catalog.h"
#include "lmchoose/diag.h"
#include "lmchoose/rules.h"
#include "lmchoose/scenario.h"

struct lm_expr;

struct lm_rec_options {
    const struct lm_quant *quant;     /* --quant ID: only this format */
    int quant_auto;                   /* --quant auto: one format per (model, hw, placement, devices) */
    const struct lm_runtime *runtime; /* --runtime: force it, drop formats it cannot load */
    int weights_formula;              /* --weights formula */
    int no_flips;                     /* skip the flip search (benchmark comparisons) */
    const struct lm_hardware *local;  /* what `local` resolved to, or NULL */
    int local_built;
    /* Threads that generate and judge candidates, and workers that share
     * the flip searches. 0: by the CPUs this process may use and the run's
     * size (generation: one per CPU while each gets 4 096 candidates, at
     * most LM_REC_MAX_THREADS; flips: two from 4 096 candidates); 1: the
     * calling thread only. The result is the same for every value. */
    int threads;
};
#define LM_REC_MAX_THREADS 8

struct lm_flip {
    int dimension;          /* enum lm_dimension */
    const char *constraint; /* key under constraints, e.g. "budget.usd_per_month" */
    int is_privacy;
    double from, to;        /* numbers; NAN from = introduced */
    int from_level, to_level; /* privacy levels (-1 = unset) */
    size_t winner;          /* candidate index of the new rank 1 */
    int winner_class;       /* 0 slm, 1 llm */
    double rel_change;
};

/* One change of a relaxation (DESIGN §9.5): a number moved, a privacy level
 * stepped, a region dropped or offline lifted. */
struct lm_relax_change {
    const char *constraint;   /* key under constraints */
    int is_privacy, is_region, is_offline;
    double from, to;          /* numbers */
    int from_level, to_level; /* privacy levels */
};

/* A rejected candidate and every change that admits it, verified. */
struct lm_relaxation {
    size_t cand;              /* candidate index */
    size_t nchanges;
    struct lm_relax_change changes[8];
    double total_change;      /* Σ relative changes (a categorical change counts 1) */
};

/*
 * One candidate as a recommendation keeps it: indices and the verdict of the
 * rules, 32 bytes (DESIGN §7 "Fast"; the fired-rule bits live in
 * lm_recommendation.fired). lm_recommendation_candidate() rebuilds the full
 * candidate, estimate and sub-scores included; estimates are pure functions
 * of these indices and the scenario, so the rebuilt one is the one judged.
 */
struct lm_ranked {
    double total;       /* rounded to 0.1 */
    double base;        /* priority-weighted mean of the sub-scores (the flip search) */
    uint32_t model;     /* index into cat->models */
    uint32_t where;     /* self-hosted: index into hws; API: into the model's offers */
    uint16_t quant;     /* index into cat->quants (self-hosted) */
    uint16_t runtime;   /* index into cat->runtimes (self-hosted) */
    uint8_t placement;  /* enum lm_placement */
    uint8_t devices;
    uint8_t rejected;
};

struct lm_recommendation {
    const struct lm_catalog *cat;
    const struct lm_scenario *sc;
    const struct lm_ruleset *rules;
    unsigned char enabled[LM_MAX_RULES];  /* rule i enabled */
    unsigned char live[LM_MAX_RULES];     /* rule i can fire for this scenario */
    /* What rule i's verdict depends on once specialized to sc (the judge's
     * caches), and, for the flip search, whether its original condition
     * reads only model and scenario facts. */
    unsigned char per_model[LM_MAX_RULES];
    unsigned char per_setting[LM_MAX_RULES];
    unsigned char model_only[LM_MAX_RULES];
    struct lm_expr *when[LM_MAX_RULES];   /* rule i's condition specialized to sc, or NULL */
    /* Candidates in the order of their ids (model id, then candidate id):
     * generation emits them so, which makes the index the tie-break of the
     * total order. */
    struct lm_ranked *cands;
    size_t n, cap;
    uint64_t *fired;      /* nwords words per candidate: bit r = rule r fired */
    size_t nwords;
    uint32_t *order;      /* feasible by rank, then rejected by score */
    size_t nfeasible;
    size_t nmodels, nhardware;
    const struct lm_hardware **hws;  /* the hardware the scenario allows */
    unsigned char *hw_built;         /* hws[i] is the built `local` profile */
    double *hw_owned;                /* devices of hws[i] the team owns (§9.2), 0 bought */
    unsigned char *model_llm;        /* per model: 1 when its class is llm */
    double per_request;   /* cheapest API request price (break-even), NAN if none */
    double max_decode;    /* the fastest candidate's decode tokens/s (§9.5 plausible flips) */
    double max_batch_cap; /* the largest batch cap of any candidate (§9.1; flip.c) */
    /* Verdict. */
    int verdict_class;    /* -1 none feasible, 0 slm, 1 llm */
    long best[2];         /* best feasible slm / llm, or -1 */
    const char *deciding[3];
    size_t ndeciding;
    double break_even;    /* verdict.break_even_requests_per_day, NAN when null */
    struct lm_flip *flips;
    size_t nflips;
    /* §9.5: when nothing is feasible, the nearest feasible candidates (one
     * per model, smallest total change first); else the within-class
     * upgrade: the better-quality candidate of the winning class that the
     * smallest relaxation admits. */
    struct lm_relaxation *relax;
    size_t nrelax;
    struct lm_relaxation upgrade;
    int has_upgrade;
    struct lm_rec_options opt;
    /* Internal: each model's task composite (lm_quality_composite) for the
     * run's task kind and image modality, by model index; NULL until
     * generation fills it. Re-estimates read it instead of recomputing. */
    double *model_quality;
    const char *quality_kind;
    int quality_image;
    /* Internal: the estimate memo (estimate.h) of candidates rebuilt under
     * the run's scenario; consecutive candidates of one setting share its
     * placement-free part. */
    struct lm_est_memo *rebuild_memo;
};

/* Rebuilds candidate i in full: profiles, estimate, privacy, sub-scores,
 * fired rules, total and id. */
void lm_recommendation_candidate(const struct lm_recommendation *r, size_t i,
                                 struct lm_candidate *out);

/* The model of candidate i. */
const struct lm_model *lm_recommendation_model(const struct lm_recommendation *r, size_t i);

/* The id of candidate i into buf (LM_CANDIDATE_ID_MAX bytes always suffice). */
void lm_recommendation_id(const struct lm_recommendation *r, size_t i, char *buf, size_t cap);

/* True when rule ri fired for candidate i. */
int lm_recommendation_fired(const struct lm_recommendation *r, size_t i, size_t ri);


/* Computes the recommendation. The scenario's ids (constraints.hardware,
 * rules.disable) must have been checked already. Returns LM_OK or LM_ENOMEM. */
int lm_recommend(const struct lm_catalog *cat, const struct lm_scenario *sc,
                 const struct lm_ruleset *rules, const struct lm_rec_options *opt,
                 struct lm_recommendation *out);

/* "slm" or "llm" for candidate i. */
int lm_recommendation_class(const struct lm_recommendation *r, size_t i);





/* Candidate i in full, as lm_recommendation_candidate() does, with the
 * basis of its estimate when basis is not NULL (the report's rows). */
void lm_recommendation_build(const struct lm_recommendation *r, size_t i,
                             struct lm_candidate *out, struct lm_basis *basis);

void lm_recommendation_release(struct lm_recommendation *r);

/* One declared deployment (`check`, DESIGN §6.3), resolved to profiles. */
struct lm_deploy_spec {
    const struct lm_model *model;
    const struct lm_api_offer *offer;   /* API deployment when not NULL */
    const struct lm_hardware *hw;       /* self-hosted */
    const struct lm_quant *quant;       /* NULL: --quant auto's choice (§6.4) */
    const struct lm_runtime *runtime;   /* NULL: the runtime §5 step 1 picks */
    int placement;                      /* enum lm_placement */
    double devices;                     /* as declared; not re-sized */
    int local_built;                    /* hw is the built `local` profile */
};

/* Builds the candidate of spec and estimates, scores and judges it under r's
 * scenario, rules and options exactly as lm_recommend() does its own
 * candidates (privacy, break-even against r's cheapest API, sub-scores,
 * every enabled rule, total). out->id is left NULL. Returns LM_OK, or
 * LM_ESCHEMA when no runtime can load the format (or, for quant NULL, any
 * format) on the hardware. */
int lm_recommend_evaluate(const struct lm_recommendation *r, const struct lm_deploy_spec *spec,
                          struct lm_candidate *out);

/* Renders the message of rule ri for a candidate outside r->cands. */
void lm_candidate_message(const struct lm_recommendation *r, const struct lm_candidate *c,
                          size_t ri, char *buf, size_t cap);

#endif
