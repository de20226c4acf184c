/*
 * Renderers: JSON (render_json.c, the only user of cJSON), text and
 * markdown (render_text.c), HTML (render_html.c) and the check formats
 * (render_check.c). A recommendation reaches them as a report (report.h);
 * no renderer calls into the engine. Every renderer writes to a FILE * and
 * returns LM_OK, or LM_ENOMEM when building the document failed. Numbers
 * are rounded to the precision of DESIGN §6.1 before they are written, so
 * text and JSON agree.
 *
 * Ownership: renderers borrow everything they are given.
 */
#ifndef LMCHOOSE_RENDER_H
#define LMCHOOSE_RENDER_H

/* The JSON documents' schema_version (docs/schema-changelog.md): 2 since the
 * decision model of DESIGN §9 (capacity, owned hardware, relaxations). */
#define LM_JSON_SCHEMA_VERSION 2

#include <stdio.h>

#include "lmchoose/catalog.h"
#include "lmchoose/diag.h"
#include "lmchoose/estimate.h"
#include "lmchoose/report.h"

/* What `estimate` prints (DESIGN §6.6). */
struct lm_estimate_doc {
    const struct lm_catalog *cat;
    const struct lm_model *model;
    const struct lm_api_offer *offer;   /* API estimate when not NULL */
    const struct lm_hardware *hw;
    const struct lm_quant *quant;
    const struct lm_runtime *runtime;
    const char *hardware_id;            /* as resolved ("local" or an id) */
    int placement;
    double context_tokens, prompt_tokens, batch, devices;
    const char *quant_reason;           /* why --quant auto chose it, or NULL */
    const struct lm_hardware *host;     /* expert offload (--cpu-moe): the host, else NULL */
    struct lm_estimate est;
    struct lm_basis basis;
    int exit_code;
};

int lm_render_json_estimate(const struct lm_estimate_doc *doc, FILE *out);
int lm_render_text_estimate(const struct lm_estimate_doc *doc, FILE *out);

/* `list KIND --format json`: the bare array (DESIGN §6.1). kind is one of
 * models, hardware, quantizations, runtimes. */
int lm_render_json_list(const struct lm_catalog *cat, const char *kind, FILE *out);
int lm_render_text_list(const struct lm_catalog *cat, const char *kind, FILE *out);

/* What `explain` prints (DESIGN §6.5): MODEL's candidates, feasible by
 * rank then rejected by score, each group bounded by top. */
struct lm_explain_view {
    const struct lm_report *rep;
    const struct lm_model *model;
    size_t top;
    int exit_code;
    const struct lm_hardware *local;
    int local_built;
};

int lm_render_json_explain(const struct lm_explain_view *v, FILE *out);
int lm_render_text_explain(const struct lm_explain_view *v, int markdown, FILE *out);

struct lm_ruleset;
/* `list rules`: text rows, or the bare JSON array of rules. */
int lm_render_json_rules(const struct lm_ruleset *rs, FILE *out);
int lm_render_text_rules(const struct lm_ruleset *rs, FILE *out);

/* The document printed with exit 3 by recommend, estimate and explain:
 * {schema_version, lmchoose_version, command, exit_code, errors}. */
int lm_render_json_errors(const char *command, int exit_code,
                          const struct lm_diags *diags, FILE *out);

struct lm_hardware;

/* What `recommend` prints (DESIGN §6.1). */
struct lm_recommend_view {
    const struct lm_report *rep;
    size_t top;       /* --top */
    int all;          /* --all */
    int variants;     /* --variants: every row, not one per model (§9.6) */
    int exit_code;
    const struct lm_hardware *local; /* what `local` resolved to */
    int local_built;
};

int lm_render_json_recommend(const struct lm_recommend_view *v, FILE *out);
int lm_render_text_recommend(const struct lm_recommend_view *v, int markdown, int color,
                             FILE *out);
/* One self-contained HTML page with an SVG quality-against-cost chart
 * (render_html.c). */
int lm_render_html_recommend(const struct lm_recommend_view *v, FILE *out);

struct lm_check_result;

/* What `check` prints (DESIGN §6.3): JSON and SARIF 2.1.0 (render_json.c;
 * SARIF reports diags' input errors as tool notifications), text or
 * markdown, JUnit XML and GitHub workflow annotations (render_check.c). */
int lm_render_json_check(const struct lm_check_result *r, FILE *out);

/* `validate --format json`: one entry per file with its kind and every
 * diagnostic diags holds for it (items d0..d1). */
struct lm_validate_file {
    const char *file;
    const char *kind; /* NULL when it could not be read or parsed */
    int valid;
    size_t d0, d1;
};
int lm_render_json_validate(const struct lm_validate_file *files, size_t n,
                            const struct lm_diags *diags, int exit_code, FILE *out);
int lm_render_sarif_check(const struct lm_check_result *r, const struct lm_diags *diags,
                          FILE *out);
int lm_render_text_check(const struct lm_check_result *r, int markdown, FILE *out);
int lm_render_junit_check(const struct lm_check_result *r, FILE *out);
int lm_render_github_check(const struct lm_check_result *r, FILE *out);


#endif
