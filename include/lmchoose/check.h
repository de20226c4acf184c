/*
 * The result of `lmchoose check` (DESIGN §6.3): per input file, whether it
 * was skipped, could not be evaluated, or was judged, and the findings of
 * its deployment with their locations and waivers. The CLI computes it
 * (src/check/check.c); the renderers (render_json.c for JSON and SARIF,
 * render_check.c for text, markdown, JUnit and GitHub annotations) print it.
 *
 * Ownership: every string lives in the result's arena; the rule set is
 * borrowed and must outlive the result. lm_check_result_release() frees it.
 */
#ifndef LMCHOOSE_CHECK_H
#define LMCHOOSE_CHECK_H

#include <stddef.h>

#include "lmchoose/arena.h"
#include "lmchoose/candidate.h"
#include "lmchoose/rules.h"

/* --fail-on: the lowest severity that fails a file (LM_CHECK_FAIL_NEVER:
 * none). Values match enum lm_rule_severity. */
enum { LM_CHECK_FAIL_ERROR = 0, LM_CHECK_FAIL_WARNING = 1, LM_CHECK_FAIL_INFO = 2,
       LM_CHECK_FAIL_NEVER = 3 };
extern const char *const lm_check_fail_on_names[5];

/* Rule indices of the findings check makes itself (not in the rule set):
 * the advisory, then those about deployment files (DESIGN §6.3). */
#define LM_CHECK_RULE_BETTER ((size_t)LM_MAX_RULES)
#define LM_CHECK_RULE_DRIFT (LM_CHECK_RULE_BETTER + 1)      /* ops.drift */
#define LM_CHECK_RULE_UNRESOLVED (LM_CHECK_RULE_BETTER + 2) /* ops.unresolved */
#define LM_CHECK_RULE_UNREADABLE (LM_CHECK_RULE_BETTER + 3) /* ops.unreadable */
#define LM_CHECK_RULE_CONTEXT (LM_CHECK_RULE_BETTER + 4)    /* ops.context-limit */
#define LM_CHECK_NPSEUDO 5

struct lm_check_pseudo {
    const char *id;
    int severity; /* enum lm_rule_severity */
    const char *summary, *description;
};
/* Indexed by rule - LM_CHECK_RULE_BETTER; the advisory's severity is the
 * default (warning with --suggest). */
extern const struct lm_check_pseudo lm_check_pseudo_rules[LM_CHECK_NPSEUDO];
/* The index (from LM_CHECK_RULE_BETTER) of one of check's own rule ids, or -1. */
int lm_check_own_rule(const char *id);

struct lm_check_finding {
    size_t rule;            /* index in the rule set, or LM_CHECK_RULE_BETTER */
    const char *rule_id;
    int dimension;          /* enum lm_dimension */
    int severity;           /* enum lm_rule_severity */
    const char *message;    /* with " (waiver expired DATE)" when it applies */
    unsigned line, col;     /* the YAML key's start mark */
    int waived;
    const char *waiver_reason, *waiver_expires; /* NULL without a waiver */
    int waiver_expired;
    int failing;            /* unwaived and at or above --fail-on */
    const char *file;       /* where the finding is, when not the entry's file
                               (a deployment file a scenario points at) */
    const char *deployment; /* the deployment's name in a deployment file, or NULL */
};

/* One deployment found in a file (a scenario has one; a Kubernetes file
 * may have several). */
struct lm_check_deploy {
    const char *name, *format; /* format: lmchoose, kubernetes, compose, ... */
    const char *file;          /* where it is declared */
    unsigned line, col;
    const char *service;       /* the .lmchoose.yaml service matched, or NULL */
    const char *candidate;     /* NULL when it could not be judged */
    /* Resolved catalog ids (NULL when unresolved) and runtime options as
     * read (NAN / NULL when absent). */
    const char *model, *provider, *quantization, *hardware, *placement, *runtime, *region;
    double devices, max_model_len, gpu_memory_utilization;
    const char *kv_cache_dtype;
};

/* An input error of a file (check keeps every one, not only the first). */
struct lm_check_error {
    const char *message;
    unsigned line, col;
};

struct lm_check_file {
    const char *file;           /* as given, or found under a directory */
    const char *skipped;        /* the reason, or NULL */
    int error;                  /* could not be evaluated */
    const char *error_message;  /* the first diagnostic */
    unsigned error_line, error_col; /* 0 for a file-level error */
    const char *candidate;      /* the deployment's candidate id, or NULL */
    struct lm_check_finding *findings;
    size_t nfindings;
    int passed;                 /* 1, 0, or -1 when skipped */
    /* Rules enabled for this file (JUnit's testcases); indices from
     * LM_CHECK_RULE_BETTER on are check's own. */
    unsigned char enabled[LM_MAX_RULES + LM_CHECK_NPSEUDO];
    const char *format;         /* lmchoose, kubernetes, compose, ...; NULL if unknown */
    struct lm_check_deploy *deploys;
    size_t ndeploys;
    struct lm_check_error *errors; /* every input error, errors[0] = error_message */
    size_t nerrors;
};

struct lm_check_result {
    struct lm_arena arena;
    const struct lm_ruleset *rules;
    struct lm_check_file *files;
    size_t n, cap;
    int fail_on;
    int exit_code;
    struct {
        size_t files, passed, failed, skipped, errors, warnings, infos, waived;
    } summary;
};

/* Fills r->summary from the files. */
void lm_check_summarize(struct lm_check_result *r);

/* The rule id of index i (check's own included). */
const char *lm_check_rule_id(const struct lm_check_result *r, size_t i);

void lm_check_result_release(struct lm_check_result *r);

#endif
