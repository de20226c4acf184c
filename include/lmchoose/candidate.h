/*
 * A candidate (DESIGN §2): one deployable option, self-hosted
 * (model × quantization × hardware × devices × placement) or an API offer,
 * with its estimate, sub-scores, fired rules and total, in full. A
 * recommendation keeps only a compact record per candidate (struct
 * lm_ranked in recommend.h) and rebuilds this one for what it prints;
 * messages are rendered only for printed candidates too.
 *
 * Ownership: profile pointers are borrowed from the catalog.
 */
#ifndef LMCHOOSE_CANDIDATE_H
#define LMCHOOSE_CANDIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "lmchoose/catalog.h"
#include "lmchoose/estimate.h"
#include "lmchoose/limits.h"
#include "lmchoose/scenario.h"

#define LM_MAX_RULES 256

struct lm_candidate {
    const struct lm_model *model;
    const struct lm_api_offer *offer;   /* API candidates */
    const struct lm_hardware *hw;       /* self-hosted */
    const struct lm_quant *quant;
    const struct lm_runtime *runtime;
    struct lm_estimate est;
    double scores[LM_S_COUNT];          /* NAN when null (fit of an API candidate) */
    double adjust;                      /* sum of fired warning/info scores */
    double owned;                       /* §9.2: devices of hw the team owns; 0 bought */
    double total;                       /* rounded to 0.1 */
    uint64_t fired[LM_MAX_RULES / 64];  /* bit i: rule i fired */
    uint8_t placement;                  /* enum lm_placement */
    uint8_t devices;
    uint8_t privacy_level;              /* enum lm_privacy, on the chain of §3.5 */
    uint8_t meets_privacy;
    int8_t in_region;                   /* -1 when no region is set */
    uint8_t rejected;
    char id[LM_CANDIDATE_ID_MAX];       /* see lm_candidate_id; "" until named */
};

/* True when rule ri fired for c. */
static inline int lm_candidate_fired(const struct lm_candidate *c, size_t ri)
{
    return (int)((c->fired[ri / 64] >> (ri % 64)) & 1);
}

/* "<model>/<quant>/<hardware>/<devices>/<placement>" or "<model>/api/<provider>". */
void lm_candidate_id(const struct lm_candidate *c, char *buf, size_t cap);

/* "cloud (2× NVIDIA L4)", "device (Apple M4)", "OpenAI API". */
void lm_candidate_placement_name(const struct lm_candidate *c, char *buf, size_t cap);

/* Fills privacy_level, meets_privacy and in_region from the scenario (§3.5). */
void lm_candidate_privacy(struct lm_candidate *c, const struct lm_scenario *sc);

#endif
