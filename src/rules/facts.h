/*
 * The facts of DESIGN §3.4: the only paths rules and message templates may
 * read, their types, and the resolver that reads them off a candidate.
 * docs/rules.md lists them with units.
 */
#ifndef LMCHOOSE_FACTS_H
#define LMCHOOSE_FACTS_H

#include "rules/expr.h"
#include "lmchoose/candidate.h"
#include "lmchoose/catalog.h"
#include "lmchoose/scenario.h"

/* What the resolver reads. The buffers hold the two computed strings
 * (candidate.id, candidate.placement_name); they are filled on demand. */
struct lm_fact_ctx {
    const struct lm_catalog *cat;
    const struct lm_scenario *sc;
    const struct lm_candidate *c;
    char id_buf[LM_CANDIDATE_ID_MAX];
    char place_buf[160];
};

extern const struct lm_fact_table lm_fact_table;

/* lm_fact_get_fn over a struct lm_fact_ctx. */
void lm__fact_get(void *ctx, size_t fact_id, struct lm_value *out);

/* True when fact_id is a scenario.* path; its constraint key (without the
 * "scenario." prefix, i.e. the path under `constraints`) goes to *key. */
int lm__fact_is_scenario(size_t fact_id, const char **key);

/* When lm__fact_get reads fact_id as nothing but one double of the
 * candidate (a number when finite, else null), that double's offset in
 * struct lm_candidate; else -1. Lets a caller compare the field itself
 * (judge.c); tests/unit/test_recommend.c checks every offset against the
 * resolver. */
long lm__fact_num_offset(size_t fact_id);

/* When lm__fact_get reads fact_id as names[v] for the int v at the
 * returned offset of struct lm_candidate (null when v < 0), that offset,
 * with the NULL-terminated names in *names; else -1. */
long lm__fact_enum_offset(size_t fact_id, const char *const **names);

/* The index of path in the table, or (size_t)-1. */
size_t lm__fact_find(const char *path);

#endif
