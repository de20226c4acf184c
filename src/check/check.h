/*
 * `check` (DESIGN §6.3), CLI side: finding the files, deciding which are
 * scenarios with a deployment, checking the deployment's ids, judging it and
 * locating and waiving its findings. The result (lmchoose/check.h) is
 * printed by the renderers.
 */
#ifndef LMCHOOSE_CHECK_PRIV_H
#define LMCHOOSE_CHECK_PRIV_H

#include "cli/cli.h"
#include "lmchoose/check.h"
#include "lmchoose/rules.h"

struct lm_repo_config;

struct lm_check_opts {
    int fail_on;          /* LM_CHECK_FAIL_* */
    int suggest;          /* the advisory is a warning */
    int weights_formula;  /* --weights formula */
    const char *const *exclude; /* --exclude GLOB... */
    size_t nexclude;
    const struct lm_repo_config *config; /* .lmchoose.yaml, or NULL */
};

/* Judges every input of args (files, directories, glob patterns, "-").
 * Input errors go to ctx->diags. Fills res (res->rules = rs) and returns
 * the exit code: 0, 1 (findings at or above --fail-on), 3 (an input could
 * not be evaluated, or nothing was left to judge) or 4. */
int lm__check_run(struct lm_ctx *ctx, const struct lm_ruleset *rs, char *const *args,
                  size_t nargs, const struct lm_check_opts *o, struct lm_check_result *res);

#endif
