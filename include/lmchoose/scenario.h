/*
 * Scenarios (DESIGN §3.2): what a team declares — task, workload,
 * constraints, priorities, assumptions, rule switches and, for `check`, the
 * deployment. Loaded with the same diagnostics discipline as profiles, with
 * the defaults of §3.2 applied and every key's location recorded (check
 * points its findings at them).
 *
 * Ownership: a scenario owns an arena holding all its strings; the key
 * locations array is malloc'd. lm_scenario_release() frees both.
 */
#ifndef LMCHOOSE_SCENARIO_H
#define LMCHOOSE_SCENARIO_H

#include <stddef.h>

#include "lmchoose/arena.h"
#include "lmchoose/catalog.h"
#include "lmchoose/diag.h"
#include "lmchoose/limits.h"

enum lm_privacy {
    LM_PRIV_PUBLIC, LM_PRIV_NO_TRAINING, LM_PRIV_ZERO_RETENTION, LM_PRIV_REGION,
    LM_PRIV_PRIVATE_CLOUD, LM_PRIV_ON_PREM, LM_PRIV_ON_DEVICE, LM_PRIV_AIR_GAPPED,
    LM_PRIV_COUNT
};
extern const char *const lm_privacy_names[LM_PRIV_COUNT + 1];

enum lm_task_kind {
    LM_TASK_CHAT, LM_TASK_CLASSIFICATION, LM_TASK_EXTRACTION, LM_TASK_SUMMARIZATION,
    LM_TASK_CODE, LM_TASK_REASONING, LM_TASK_TRANSLATION, LM_TASK_RAG, LM_TASK_AGENT,
    LM_TASK_COUNT
};
extern const char *const lm_task_kind_names[LM_TASK_COUNT + 1];
extern const char *const lm_breadth_names[3]; /* narrow, broad */

/* Priority order in arrays: quality cost latency privacy fit simplicity. */
enum lm_subscore { LM_S_QUALITY, LM_S_COST, LM_S_LATENCY, LM_S_PRIVACY, LM_S_FIT,
                   LM_S_SIMPLICITY, LM_S_COUNT };
extern const char *const lm_subscore_names[LM_S_COUNT + 1];

struct lm_waiver {
    const char *rule, *reason, *expires; /* expires: YYYY-MM-DD */
    unsigned line, col;                  /* the rule: value */
};

/* constraints.owned: hardware the team already has (DESIGN §9.2). */
struct lm_owned {
    const char *hardware; /* a hardware id, or "local" */
    double count;         /* devices owned, ≥ 1 */
    unsigned line, col;   /* of the hardware: value */
};

struct lm_deployment {
    int present;
    const char *model, *provider, *quantization, *hardware, *placement, *runtime;
    double devices;
};

struct lm_scenario {
    struct lm_arena arena;
    const char *file;
    double version;
    struct {
        int kind;   /* enum lm_task_kind */
        int breadth; /* 0 narrow, 1 broad */
        struct lm_strlist modalities;
        double context_tokens;
    } task;
    struct {
        double requests_per_day, input_tokens, output_tokens, peak_concurrency;
        double window_hours; /* hours a day the requests arrive in (§9.1), default 24 */
    } workload;
    struct {
        struct lm_strlist hardware; /* !hardware_set: every profile */
        unsigned *hardware_pos;     /* line << 16 | col of each entry */
        int hardware_set;
        double memory_gib;
        struct { double ttft_ms, output_tokens_per_s; } latency;
        struct { double usd_per_month, finetune_usd; } budget;
        int privacy; /* enum lm_privacy, -1 unset */
        const char *region;
        struct { double labeled_examples; } data;
        struct { double min_score; } quality;
        struct { int commercial; } license; /* -1 unset */
        int offline; /* -1 unset */
        struct lm_owned *owned;  /* §9.2: hardware the team has */
        size_t nowned;
        struct lm_strlist owned_ids; /* the owned hardware ids, for rules */
        int self_hosted;         /* -1 unset; 0: API candidates only (§9.2) */
    } constraints;
    double priorities[LM_S_COUNT];
    struct {
        double usd_per_kwh, amortization_months;
        double target_utilization; /* ρ of §9.1, default 0.7 */
        int scale_to_zero;         /* -1 unset (false): cloud billed only in the window */
    } assumptions;
    struct { struct lm_strlist disable; struct lm_waiver *waive; size_t nwaive; } rules;
    struct lm_deployment deployment;
    /* Where each key was written (dotted path → key and value marks). */
    struct lm_keyloc_pub { const char *path; unsigned line, col, vline, vcol; } *locs;
    size_t nlocs;
};

/* Loads a scenario from data (len bytes, named display in diagnostics),
 * applying the defaults of §3.2. Returns LM_OK or an input error with every
 * problem in diags. sc must be zeroed (or released) first. */
int lm_scenario_load(struct lm_scenario *sc, const char *display, const char *data,
                     size_t len, const struct lm_limits *limits, struct lm_diags *diags);

/* Fills sc with the default scenario of §6.2 (no file). */
void lm_scenario_default(struct lm_scenario *sc);

/* The text of the default scenario with comments, as `init` writes it. */
extern const char lm_scenario_default_text[];

/* The recorded location of a dotted key path ("constraints.budget.usd_per_month"),
 * or NULL when the file does not set it. */
const struct lm_keyloc_pub *lm_scenario_key(const struct lm_scenario *sc, const char *path);

void lm_scenario_release(struct lm_scenario *sc);

#endif
