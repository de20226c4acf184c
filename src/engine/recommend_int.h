/*
 * What the three parts of the recommendation engine share: recommend.c
 * (generation, ranking, verdict), judge.c (one candidate's estimate,
 * sub-scores and rules) and flip.c (the flip search). Not installed.
 */
#ifndef LMCHOOSE_RECOMMEND_INT_H
#define LMCHOOSE_RECOMMEND_INT_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "lmchoose/recommend.h"
#include "rules/expr.h"

#define DNAN ((double)NAN)

/* The index of the lowest set bit of b (b != 0): fired-rule masks are
 * walked bit by bit. */
static inline int lm__lowest_bit(uint64_t b)
{
#if defined(__GNUC__)
    return __builtin_ctzll(b);
#else
    int n = 0;
    while (!(b & 1)) {
        b >>= 1;
        n++;
    }
    return n;
#endif
}

/* The estimate input of scenario sc (workload, positions of §4, sizing
 * target, assumptions, task); the caller sets the profiles. */
void lm__fill_input(const struct lm_scenario *sc, const struct lm_rec_options *opt,
                    struct lm_est_input *in);

/* True when quantization q lists runtime id rt. */
int lm__runtime_allows(const struct lm_quant *q, const char *rt);

/* §6.4's order of formats: true when a is better than b. */
int lm__quant_better(const struct lm_quant *a, const struct lm_quant *b);

/* Clears a candidate's fields (its id buffer only to ""). */
void lm__cand_clear(struct lm_candidate *c);
/* The same but for c->est, which the caller is about to overwrite whole
 * (lm_estimate_compute assigns every field). */
void lm__cand_clear_but_est(struct lm_candidate *c);

/* The sub-scores of §5 step 4 and their priority-weighted mean. */
void lm__subscores(struct lm_candidate *c, const struct lm_scenario *sc);
double lm__privacy_score(const struct lm_candidate *c, const struct lm_scenario *sc);
double lm__weighted_mean(const struct lm_candidate *c, const struct lm_scenario *sc);

/* The API price of one request of the scenario's workload (§4). */
double lm__request_cost(const struct lm_scenario *sc, const struct lm_api_offer *o);

/* Privacy, break-even (against r->per_request) and sub-scores of a freshly
 * estimated candidate. */
void lm__finish(const struct lm_recommendation *r, const struct lm_scenario *sc,
                struct lm_candidate *c);
void lm__finish_owned(const struct lm_recommendation *r, const struct lm_scenario *sc,
                      struct lm_candidate *c, double owned);
/* lm__finish_owned after c's privacy level, meets_privacy and in_region are
 * set (lm_candidate_privacy: for a self-hosted candidate they depend on the
 * placement and the scenario only). */
void lm__finish_privacy_known(const struct lm_recommendation *r, const struct lm_scenario *sc,
                              struct lm_candidate *c, double owned);

/* Verdicts of the rules that need not run on every candidate (judge.c):
 * those that read only model and scenario facts, for the last model judged
 * (candidates come model by model), and those that read only the
 * candidate's setting (hardware, format, runtime, placement, devices) and
 * scenario facts, for every self-hosted setting seen, in a table indexed by
 * the setting (lm__judge_setting). */
#define LM__MAX_FACTS 512
/* The candidates of one setting judged before its conditions are
 * specialized to it (judge.c). */
#define LM__SPECIALIZE_AT 64

struct lm__judge_cache {
    /* The enabled rules that can fire, by what their verdict depends on. */
    uint16_t model_rules[LM_MAX_RULES], setting_rules[LM_MAX_RULES], cand_rules[LM_MAX_RULES];
    size_t nmodel, nsetting, ncand;
    /* Facts that vary once the model, or the setting, is known. */
    unsigned char vary_model_fixed[LM__MAX_FACTS], vary_setting_fixed[LM__MAX_FACTS];
    const struct lm_model *model;
    uint64_t model_fired[LM_MAX_RULES / 64];
    uint64_t model_can[LM_MAX_RULES / 64]; /* the candidate rules the model lets fire */
    /* Of the candidate rules, those whose condition reads a model fact
     * (positions in cand_rules): the only ones whose can-fire bit depends
     * on the model; the others' bits, found once, are model_free_can. */
    uint16_t model_dep[LM_MAX_RULES];
    size_t nmodel_dep;
    uint64_t model_free_can[LM_MAX_RULES / 64];
    /* Per candidate rule (position in cand_rules): when the run's condition
     * is one comparison the candidate holds in place, as setting_off and
     * the rest below hold them for a setting's conditions (0: evaluate). */
    int32_t cand_off[LM_MAX_RULES];
    uint8_t cand_cmp[LM_MAX_RULES];
    double cand_num[LM_MAX_RULES];
    /* Per setting: 2 × nwords words (the setting rules that fired, the
     * candidate rules that can), and whether they are known yet. */
    uint64_t *setting_words;
    unsigned char *setting_known;
    /* Per setting, the candidate rules' conditions with the setting's facts
     * folded in as well (ncand per setting; NULL: the run's condition), made
     * once the setting has judged LM__SPECIALIZE_AT candidates; NULL when
     * the table would be too large. */
    struct lm_expr **setting_cond;
    /* When that condition is one comparison of a number the candidate
     * holds as a double (lm_expr_fact_cmp, lm__fact_num_offset): the
     * double's offset + 1 (0: evaluate the condition), comparison and
     * number, tested in place. */
    int32_t *setting_off;
    uint8_t *setting_cmp;
    double *setting_num;
    unsigned char *setting_uses;
    /* Per setting, the candidate rules (positions in cand_rules) that can
     * fire there, in order: ncand per setting, setting_nk of them used. */
    uint16_t *setting_k, *setting_nk;
    size_t nquants, nhardware, nwords;
    size_t setting;      /* of the candidate about to be judged, or SIZE_MAX */
};

/* Sorts r's live rules into jc (after lm__find_live_rules) and sizes the
 * setting table for r's formats and hardware; returns LM_OK or LM_ENOMEM
 * (a table too large to allocate only disables it). */
int lm__judge_cache_init(struct lm__judge_cache *jc, const struct lm_recommendation *r);
void lm__judge_cache_release(struct lm__judge_cache *jc);

/* Tells jc the setting of the next candidate judged: cat->quants index q,
 * r->hws index h, placement p, device count devices. Candidates whose
 * device count is not 1, 2, 4 or 8 (never generated) are judged uncached. */
void lm__judge_setting(struct lm__judge_cache *jc, size_t q, size_t h, int p, unsigned devices);

/* When condition e is one comparison of a number the candidate holds in
 * place with a number or with null, or of an enum it holds with a literal
 * (lm_expr_fact_cmp, lm_expr_fact_null, lm_expr_fact_str with
 * lm__fact_num_offset or lm__fact_enum_offset), sets *off to the field's
 * offset + 1, with *cmp and *num for lm__inline_fires; else *off = 0. */
void lm__inline_test_of(const struct lm_expr *e, int32_t *off, uint8_t *cmp, double *num);
/* Its *cmp past enum lm_cmp: an enum compared with a literal, and a
 * number compared with null (a number fact is null when not finite,
 * lm__fact_get). */
#define LM__CMP_ENUM_EQ 16
#define LM__CMP_ENUM_NE 17
#define LM__CMP_NULL_EQ 18
#define LM__CMP_NULL_NE 19

/* That test on candidate c (off != 0): lm_expr_eval(e) == LM_TRUE, without
 * evaluating e. The fused comparison's own test (OP_FACT_CMP_NUM: a number
 * when finite, else null, which never fires), null's (OP_EQ_NULL /
 * NE_NULL), or an enum's (OP_FACT_EQ_STR / NE_STR: null, below 0, never
 * fires). Inline: the judge runs it hundreds of thousands of times. */
static inline int lm__inline_fires(const struct lm_candidate *c, int32_t off, uint8_t cmp,
                                   double num)
{
    double x;
    if (cmp >= LM__CMP_NULL_EQ) {
        memcpy(&x, (const char *)c + off - 1, sizeof(x));
        return (cmp == LM__CMP_NULL_EQ) == !isfinite(x);
    }
    if (cmp >= LM__CMP_ENUM_EQ) {
        int v;
        memcpy(&v, (const char *)c + off - 1, sizeof(v));
        int same = (double)v == num;
        return v >= 0 && (cmp == LM__CMP_ENUM_EQ ? same : !same);
    }
    memcpy(&x, (const char *)c + off - 1, sizeof(x));
    return lm_cmp_fires((enum lm_cmp)cmp, x, num);
}

/* Runs every enabled rule that can fire on c under sc, which must be r->sc
 * (the conditions are specialized to it): sets c->fired, c->rejected,
 * c->adjust and c->total. jc may be NULL (no caching). */
void lm__judge(const struct lm_recommendation *r, const struct lm_scenario *sc,
               struct lm_candidate *c, struct lm__judge_cache *jc);

/* varies[f] = 1 for the facts that differ between candidates, 0 for the
 * task, workload and constraint facts a scenario fixes (LM__MAX_FACTS). */
void lm__candidate_facts(unsigned char *varies);

/* Fills r->live and r->per_model for r's scenario and rules. */
void lm__find_live_rules(struct lm_recommendation *r);

/* Candidate i's profiles (model, offer or hardware, format, runtime,
 * placement, devices) from its record, into c, cleared first. */
void lm__record_profiles(const struct lm_recommendation *r, size_t i, struct lm_candidate *c);

/* The estimate input of c's profiles under scenario sc; local_built when
 * c's hardware is the built `local` profile. */
void lm__input_of(const struct lm_recommendation *r, const struct lm_scenario *sc,
                  const struct lm_candidate *c, int local_built, struct lm_est_input *in);

/* Sets in's quality composite from r->model_quality for model index mi,
 * when in is for the run's task (it always is: no flip or relaxation
 * changes the task); else leaves in to compute it. */
void lm__input_quality(const struct lm_recommendation *r, size_t mi, struct lm_est_input *in);

/* §9.2: devices of hw that sc declares owned; 0 when bought. */
double lm__owned_count(const struct lm_recommendation *r, const struct lm_scenario *sc,
                       const struct lm_hardware *hw);

/* The CPUs this process may run on (recommend.c): how many threads pay. */
long lm__usable_cpus(void);
/* Runs fn on each of the n items (stride bytes apart): items 1 to n - 1 on
 * threads of their own, item 0 on the calling thread; an item whose thread
 * cannot be started runs on the calling thread afterwards. Returns when
 * every item is done. n is at most LM_REC_MAX_THREADS. */
void lm__run_threads(void *(*fn)(void *), void *items, size_t stride, size_t n);

/* Rebuilds candidate i's profiles, estimate, privacy and sub-scores under
 * scenario sc, without judging it; lm__restore_verdict() adds the stored
 * verdict of the rules. */
void lm__rebuild(const struct lm_recommendation *r, const struct lm_scenario *sc, size_t i,
                 struct lm_candidate *c);
/* The same with the estimate memo of the caller's thread for the run's own
 * scenario (r->rebuild_memo is the calling thread's). */
void lm__rebuild_memo(const struct lm_recommendation *r, const struct lm_scenario *sc, size_t i,
                      struct lm_candidate *c, struct lm_est_memo *memo);
void lm__restore_verdict(const struct lm_recommendation *r, size_t i, struct lm_candidate *c);

/* §4 break-even: the price of one request of sc's workload at the cheapest
 * API offer that meets sc's privacy level, region and offline; NAN if none. */
double lm__cheapest_api_request(const struct lm_catalog *cat, const struct lm_scenario *sc);

/* What generation keeps of each candidate besides its record, by index, so
 * that the flip search can judge a candidate again without estimating it
 * (flip.c, "light" candidates) and bound how far a privacy level moves its
 * total: its monthly cost, its privacy sub-score (a whole number, 0–100)
 * and which of its sub-scores are null (bit k: sub-score k). 10 bytes a
 * candidate. exact is 0 when some privacy sub-score is not a whole number
 * in 0–100 (never: lm__privacy_score gives 0, 30, 50, 70, 90 or 100); the
 * search then rebuilds. */
struct lm__columns {
    double *usd;
    uint8_t *privacy, *nulls;
    /* When the scenario's batch cap exceeds 1 (the output-speed flip then
     * bounds each sized candidate, flip.c resize_bounds): its sub-scores,
     * LM_S_COUNT a candidate, each the float nearest above (NAN kept), so
     * that the bound need not rebuild it. NULL otherwise. */
    float *scores;
    size_t cap;
    int exact;
    int want_scores;
};

/* True when fact id reads nothing a light candidate lacks: the scenario,
 * the model, the setting (hardware, format, runtime, placement, devices,
 * offer, privacy, owned), the monthly cost and break-even. */
int lm__fact_light(size_t id);

/* True when fact id is fixed for the run or read off the candidate's
 * setting alone (hardware, format, runtime, placement, devices, offer,
 * privacy, owned): the same for every self-hosted candidate of a setting. */
int lm__fact_of_setting(size_t id);

/* Relaxations (relax.c): fills r->relax or r->upgrade. LM_OK or LM_ENOMEM. */
int lm__find_relaxations(struct lm_recommendation *r);

/* The flip search (flip.c): fills r->flips. Returns LM_OK or LM_ENOMEM. */
int lm__find_flips(struct lm_recommendation *r, const struct lm__columns *cols);

#endif
