/*
 * What recommend and explain share (CLI side): their common options, and
 * preparing a run — catalog, command-line ids, rules, scenario, overrides,
 * host detection — then computing the recommendation.
 */
#ifndef LMCHOOSE_RUN_H
#define LMCHOOSE_RUN_H

#include "cli/cli.h"
#include "lmchoose/recommend.h"
#include "lmchoose/rules.h"
#include "lmchoose/scenario.h"

enum {
    OPT_RUN_TOP = OPT_CMD_BASE, OPT_RUN_ALL, OPT_RUN_HW, OPT_RUN_QUANT, OPT_RUN_RUNTIME,
    OPT_RUN_CONTEXT, OPT_RUN_WEIGHTS, OPT_RUN_RULES, OPT_RUN_NO_DEFAULT_RULES, OPT_RUN_VARIANTS
};

#define LM_RUN_LONG_OPTIONS                                              \
    { "top", required_argument, NULL, OPT_RUN_TOP },                     \
    { "all", no_argument, NULL, OPT_RUN_ALL },                           \
    { "hardware", required_argument, NULL, OPT_RUN_HW },                 \
    { "quant", required_argument, NULL, OPT_RUN_QUANT },                 \
    { "runtime", required_argument, NULL, OPT_RUN_RUNTIME },             \
    { "context", required_argument, NULL, OPT_RUN_CONTEXT },             \
    { "weights", required_argument, NULL, OPT_RUN_WEIGHTS },             \
    { "rules", required_argument, NULL, OPT_RUN_RULES },                 \
    { "no-default-rules", no_argument, NULL, OPT_RUN_NO_DEFAULT_RULES }, \
    { "variants", no_argument, NULL, OPT_RUN_VARIANTS }

struct lm_run_args {
    const char *scenario_path; /* NULL: the default scenario */
    int default_open;          /* explain: drop hardware and privacy from the default */
    const char **hw_ids;
    size_t nhw;
    const char *quant_id, *runtime_id;
    double context;            /* NAN: unset */
    int weights_formula;
    const char **rule_files;
    size_t nrules;
    int no_default_rules;
    double top;
    int all;
    int variants;              /* --variants: every format/hardware row (§9.6) */
    const char *model_id;      /* explain: MODEL, checked with the other ids */
};

struct lm_run {
    struct lm_ruleset rs;
    struct lm_scenario sc;
    struct lm_rec_options ropt;
    struct lm_recommendation rec;
    const struct lm_model *model; /* explain */
};

/* Initialises args (allocates room for argc repeatable values). */
int lm_run_args_init(struct lm_run_args *a, int argc);
void lm_run_args_release(struct lm_run_args *a);

/* Handles one of LM_RUN_LONG_OPTIONS: 1 handled, 0 not one of them, -1 after
 * a usage error. */
int lm_run_option(struct lm_ctx *ctx, struct lm_run_args *a, int opt, const char *arg);

/* Loads everything and computes the recommendation. Returns 0, or the exit
 * code to stop with (2 usage, 3 input, 4 internal); with --format json and
 * exit 3 the error document has been printed. */
int lm_run_prepare(struct lm_ctx *ctx, const struct lm_run_args *a, struct lm_run *run);

void lm_run_release(struct lm_run *run);

#endif
