/*
 * What recommend and explain share (CLI side): their arguments (filled by
 * their option tables, cmd_recommend.c and cmd_explain.c), and preparing a run — catalog, command-line ids, rules, scenario, overrides,
 * host detection — then computing the recommendation.
 */
#ifndef LMCHOOSE_RUN_H
#define LMCHOOSE_RUN_H

#include "cli/cli.h"
#include "lmchoose/recommend.h"
#include "lmchoose/rules.h"
#include "lmchoose/scenario.h"

struct lm_run_args {
    const char *scenario_path; /* NULL: the default scenario */
    int default_open;          /* explain: drop hardware and privacy from the default */
    struct lm_cli_list hw;     /* --hardware, repeatable */
    const char *quant_id, *runtime_id;
    double context;            /* NAN: unset */
    int weights_formula;
    struct lm_cli_list rules;  /* --rules, repeatable */
    int no_default_rules;
    double top;
    int all;
    int variants;              /* --variants: every format/hardware row (§9.6) */
    const char *model_id;      /* explain: MODEL, checked with the other ids */
    double threads;            /* --threads: 0 = one per usable CPU */
};

struct lm_run {
    struct lm_ruleset rs;
    struct lm_scenario sc;
    struct lm_rec_options ropt;
    struct lm_recommendation rec;
    const struct lm_model *model; /* explain */
};

/* Sets the defaults: --top 5, no --context. */
void lm_run_args_init(struct lm_run_args *a);
void lm_run_args_release(struct lm_run_args *a);

/* Loads everything and computes the recommendation. Returns 0, or the exit
 * code to stop with (2 usage, 3 input, 4 internal); with --format json and
 * exit 3 the error document has been printed. */
int lm_run_prepare(struct lm_ctx *ctx, const struct lm_run_args *a, struct lm_run *run);

void lm_run_release(struct lm_run *run);

#endif
