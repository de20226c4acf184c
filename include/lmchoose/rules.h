/*
 * Rules (DESIGN §3.3): YAML entries with an id, a dimension, a severity, a
 * condition over a candidate's facts and a message template, compiled once
 * when loaded. The default set is profiles/rules/default.yaml (compiled into
 * the binary); --rules FILE adds rules and replaces by id.
 *
 * Ownership: a rule set owns an arena with its strings and the compiled
 * conditions and templates; lm_rules_release() frees all of it.
 */
#ifndef LMCHOOSE_RULES_H
#define LMCHOOSE_RULES_H

#include <stddef.h>

#include "lmchoose/arena.h"
#include "lmchoose/diag.h"
#include "lmchoose/limits.h"

enum lm_dimension { LM_DIM_MEMORY, LM_DIM_LATENCY, LM_DIM_BUDGET, LM_DIM_PRIVACY,
                    LM_DIM_DATA, LM_DIM_QUALITY, LM_DIM_TASK, LM_DIM_LICENSE,
                    LM_DIM_OPS, LM_DIM_CAPACITY, LM_DIM_COUNT };
extern const char *const lm_dimension_names[LM_DIM_COUNT + 1];

enum lm_rule_severity { LM_SEV_RULE_ERROR, LM_SEV_RULE_WARNING, LM_SEV_RULE_INFO };
extern const char *const lm_rule_severity_names[4];

struct lm_expr;
struct lm_template;

struct lm_rule {
    const char *id;
    int dimension;  /* enum lm_dimension */
    int severity;   /* enum lm_rule_severity */
    const char *when_src, *message_src;
    double score;   /* warning default -5, info default 0; error 0 */
    const char *at; /* a fact path, or NULL */
    const char *source, *rationale;
    const char *origin;  /* file the rule came from */
    unsigned line, col;  /* of the rule's mapping */
    struct lm_expr *when;
    struct lm_template *message;
};

struct lm_ruleset {
    struct lm_arena arena;
    struct lm_rule **rules;   /* in load order; replaced in place */
    size_t n;
    double slm_max_params_b;  /* classify.slm_max_params_b (default 15) */
};

#define LM_RULESET_INIT { LM_ARENA_INIT, NULL, 0, 15.0 }

/* The id `check` uses for its advisory finding; it can be disabled or
 * waived like a rule (DESIGN §3.3). */
#define LM_RULE_BETTER_CANDIDATE "ops.better-candidate"

/* Fired rules are a bitmap per candidate (candidate.h), so a run holds at
 * most this many rules. */
#define LM_MAX_RULES_TOTAL 255

/* Loads a rules file (`rules: [...]`, optional `classify:`), compiling every
 * condition and template. Rules whose id exists already replace it. Every
 * error goes to diags (expression errors at the character's FILE:LINE:COL).
 * Returns LM_OK or an input error; on error nothing of the file is kept. */
int lm_rules_load(struct lm_ruleset *rs, const char *display, const char *data,
                  size_t len, const struct lm_limits *limits, struct lm_diags *diags);

/* Loads the builtin profiles/rules/default.yaml. */
int lm_rules_load_builtin(struct lm_ruleset *rs, const struct lm_limits *limits,
                          struct lm_diags *diags);

/* The index of the rule with that id, or -1. */
long lm_rules_find(const struct lm_ruleset *rs, const char *id);

void lm_rules_release(struct lm_ruleset *rs);

#endif
