/*
 * The report: what a recommendation says, as plain data, between the engine
 * and every renderer (DESIGN §6.1, §6.5, §9.5, §9.6). The engine computes a
 * recommendation (recommend.h); lm_report_build() reads it once and
 * materialises the verdict, its English summary, the flips and the
 * relaxations with their sentences and candidate ids. Renderers (text,
 * markdown, JSON, HTML) read only this header's structures and functions;
 * none of them includes recommend.h or calls into the engine.
 *
 * The candidate lists are a cursor, not an array: lm_report_row() fills
 * one row (the candidate in full, its estimate's basis, every fired rule's
 * rendered message) at a position of the ranked order, into a row the
 * caller reuses. `recommend --all --format json` prints a million rows in
 * bounded memory that way (DESIGN §7); rows are built only when printed.
 *
 * Ownership: a report borrows the recommendation it was built from (which
 * borrows catalog, scenario and rules); lm_report_release() frees what the
 * report allocated, lm_report_row_release() a row's message storage.
 */
#ifndef LMCHOOSE_REPORT_H
#define LMCHOOSE_REPORT_H

#include <stddef.h>

#include "lmchoose/candidate.h"
#include "lmchoose/catalog.h"
#include "lmchoose/estimate.h"
#include "lmchoose/rules.h"
#include "lmchoose/scenario.h"

struct lm_recommendation;

/* A flip (DESIGN §5 step 6): one constraint set to another value makes a
 * candidate of the other class rank first. */
struct lm_report_flip {
    int dimension;             /* enum lm_dimension */
    const char *constraint;    /* key under constraints */
    int is_privacy;
    double from, to;           /* numbers; NAN from = introduced */
    int from_level, to_level;  /* privacy levels (-1 = unset) */
    char winner[LM_CANDIDATE_ID_MAX];
    const char *winner_class;  /* "slm" / "llm" */
    char summary[512];
};

/* One change of a relaxation (§9.5). */
struct lm_report_change {
    const char *constraint;
    int is_privacy, is_region, is_offline;
    double from, to;
    int from_level, to_level;
};

/* A relaxation: a rejected candidate and every change that admits it. */
struct lm_report_relax {
    char candidate[LM_CANDIDATE_ID_MAX];
    const char *klass;         /* "slm" / "llm" */
    double score, quality;
    size_t nchanges;
    struct lm_report_change changes[8];
    double total_change;
    char summary[1024];
};

struct lm_report {
    const struct lm_catalog *cat;
    const struct lm_scenario *sc;
    const struct lm_ruleset *rules;
    /* Verdict. */
    const char *verdict_class;          /* "slm", "llm", or NULL when none is feasible */
    char best[2][LM_CANDIDATE_ID_MAX];  /* best SLM / LLM id, "" when none */
    char summary[1024];                 /* verdict.summary */
    const char *deciding[3];
    size_t ndeciding;
    double break_even;                  /* requests a day, NAN when null */
    struct lm_report_flip *flips;
    size_t nflips;
    struct lm_report_relax *relax;      /* nearest feasible candidates (none feasible) */
    size_t nrelax;
    struct lm_report_relax upgrade;     /* within-class upgrade, when has_upgrade */
    int has_upgrade;
    /* Counts. Positions 0..nfeasible-1 of the ranked order are the feasible
     * candidates by rank, nfeasible..ncandidates-1 the rejected by score. */
    size_t ncandidates, nfeasible, nmodels, nhardware;
    const struct lm_recommendation *rec; /* private: the cursor's source */
};

/* One candidate at a position of the ranked order, built in full. */
struct lm_report_row {
    size_t position;           /* in the ranked order */
    size_t rank;               /* position + 1 when feasible, else 0 */
    const char *klass;         /* "slm" / "llm" */
    struct lm_candidate c;     /* profiles, estimate, sub-scores, fired rules, total, id */
    struct lm_basis basis;     /* how each estimate field was computed */
    const char *message[LM_MAX_RULES]; /* rule i's rendered message, NULL unless it fired */
    char *text;                /* storage of the messages (private) */
    size_t text_len, text_cap;
};

/* Builds the report of rec. Returns LM_OK or LM_ENOMEM. */
int lm_report_build(const struct lm_recommendation *rec, struct lm_report *out);
void lm_report_release(struct lm_report *rep);

/* The model of the candidate at position k (no estimate is computed). */
const struct lm_model *lm_report_model_at(const struct lm_report *rep, size_t k);

/* The index into rep->cat->models of the candidate at position k. */
size_t lm_report_model_index_at(const struct lm_report *rep, size_t k);

/* Fills row with the candidate at position k. The row's message storage is
 * reused across calls; release it with lm_report_row_release(). Returns
 * LM_OK or LM_ENOMEM. */
int lm_report_row(const struct lm_report *rep, size_t k, struct lm_report_row *row);
void lm_report_row_init(struct lm_report_row *row);
void lm_report_row_release(struct lm_report_row *row);

/* The candidate at position k with its estimate, sub-scores and total, but
 * no basis and no messages (the HTML chart's points). */
void lm_report_candidate_at(const struct lm_report *rep, size_t k, struct lm_candidate *c);

/* True when the candidate at position k is an LLM. */
int lm_report_llm_at(const struct lm_report *rep, size_t k);

/* True when rule ri fired for the candidate at position k. */
int lm_report_fired_at(const struct lm_report *rep, size_t k, size_t ri);

/* explain's per-rule summary (§9.6) over one model's candidates: count[ri]
 * of them fired rule ri, example[ri] is the position of the first (in rank
 * order), -1 when none. Both arrays hold rep->rules->n entries. Returns how
 * many candidates the model has. */
size_t lm_report_tally(const struct lm_report *rep, const struct lm_model *m, size_t *count,
                       long *example);

#endif
