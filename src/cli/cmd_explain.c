/*
 * `lmchoose explain MODEL [SCENARIO]`: how each candidate of MODEL was judged
 * (DESIGN §6.5): every estimate with its basis and error band, every
 * sub-score with its weight, the arithmetic of the total, every fired rule,
 * and where it ranks against its neighbour. The whole scenario is evaluated
 * so the ranks are the global ones. Exit 0 when MODEL has a feasible
 * candidate, 1 when it has none.
 */
#include <stddef.h>
#include <string.h>

#include "cli/run.h"
#include "lmchoose/render.h"
#include "lmchoose/status.h"

static const char *const usage[] = {
    "usage: lmchoose explain MODEL [SCENARIO|-] [options]",
    "",
    "Show every candidate of MODEL: each estimate with its basis and error band,",
    "each sub-score with its weight, the total's arithmetic, every rule that fired",
    "and why it ranks where it does. Without SCENARIO: the default scenario with",
    "no hardware or privacy constraint, so every candidate of MODEL appears.",
    "MODEL, --hardware and --quant take ids or aliases (llama3.1:8b, 'RTX 4090').",
    "",
    "Options:",
    NULL
};

#define RUN(field) offsetof(struct lm_run_args, field)
static const struct lm_opt opts[] = {
    LM_OPT_FORMAT("text|json|markdown", "output format (default text)", 0),
    { "top", 0, "N", "candidates per group, feasible and rejected (default all)", LM_OPT_COUNT,
      0, RUN(top), 1, 1e9, NULL },
    { "hardware", 0, "ID|local", "replace constraints.hardware (repeatable)", LM_OPT_LIST, 0,
      RUN(hw), 0, 0, NULL },
    { "quant", 0, "ID|auto", "only this weight format", LM_OPT_STRING, 0, RUN(quant_id), 0, 0,
      NULL },
    LM_OPT_TEXT("  --runtime NAME, --context N, --weights formula|auto, --rules FILE,"),
    LM_OPT_TEXT("  --no-default-rules, --profiles DIR, --output FILE   as for recommend"),
    { "runtime", 0, "NAME", NULL, LM_OPT_STRING, LM_OPT_GROUPED, RUN(runtime_id), 0, 0, NULL },
    { "context", 0, "N", NULL, LM_OPT_COUNT, LM_OPT_GROUPED, RUN(context), 1, 1e8, NULL },
    { "weights", 0, "formula|auto", NULL, LM_OPT_CALL, LM_OPT_GROUPED, RUN(weights_formula), 0,
      0, lm_cli_opt_weights },
    { "rules", 0, "FILE", NULL, LM_OPT_LIST, LM_OPT_GROUPED, RUN(rules), 0, 0, NULL },
    { "no-default-rules", 0, NULL, NULL, LM_OPT_FLAG, LM_OPT_GROUPED, RUN(no_default_rules), 0,
      0, NULL },
    LM_OPT_PROFILES(NULL, LM_OPT_GROUPED),
    LM_OPT_OUTPUT(NULL, LM_OPT_GROUPED),
    /* recommend's --all is refused with a hint: explain prints all already. */
    { "all", 0, NULL, "unknown option '--all' (explain prints all by default)", LM_OPT_REFUSE,
      LM_OPT_UNLISTED, 0, 0, 0, NULL },
    /* Accepted, but not named by --help (docs/cli.md); --variants changes
     * nothing in explain's output. */
    { "variants", 0, NULL, NULL, LM_OPT_FLAG, LM_OPT_UNLISTED, RUN(variants), 0, 0, NULL },
    LM_OPT_MAX_INPUT_SIZE(NULL, LM_OPT_UNLISTED),
    LM_OPT_MAX_DEPTH(NULL, LM_OPT_UNLISTED),
    LM_OPT_MAX_NODES(NULL, LM_OPT_UNLISTED),
    LM_OPT_MAX_SCALAR(NULL, LM_OPT_UNLISTED),
    LM_OPT_MAX_FILES(NULL, LM_OPT_UNLISTED),
    LM_OPT_COLOR(NULL, LM_OPT_UNLISTED),
    LM_OPT_QUIET(NULL, LM_OPT_UNLISTED),
    LM_OPT_HELP_ROW(NULL, LM_OPT_UNLISTED),
    LM_OPT_TABLE_END
};

static const char *const tail[] = {
    "",
    "Exit 0 when MODEL has a feasible candidate, 1 when it has none.",
    NULL
};

const struct lm_cmd_spec lm_explain_spec = { usage, opts, tail };

int cmd_explain(int argc, char **argv, struct lm_ctx *ctx)
{
    struct lm_run_args a;
    struct lm_run run;
    memset(&run, 0, sizeof(run));
    int first;
    lm_run_args_init(&a);
    a.top = 1e9; /* explain: all by default */
    int rc = lm_cli_parse(ctx, &lm_explain_spec, argc, argv, &a, &first);
    if (rc != LM_CLI_PARSED)
        goto out;
    rc = LM_EXIT_OK;
    if (ctx->format != LM_FMT_TEXT && ctx->format != LM_FMT_JSON &&
        ctx->format != LM_FMT_MARKDOWN) {
        rc = lm_cli_usage_error(ctx, "explain supports --format text, json or markdown");
        goto out;
    }
    if (first >= argc) {
        rc = lm_cli_usage_error(ctx, "explain needs a MODEL id");
        goto out;
    }
    if (first + 2 < argc) {
        rc = lm_cli_usage_error(ctx, "unexpected argument '%s'", argv[first + 2]);
        goto out;
    }
    a.model_id = argv[first];
    a.scenario_path = first + 1 < argc ? argv[first + 1] : NULL;
    a.default_open = 1;
    rc = lm_run_prepare(ctx, &a, &run);
    if (rc != LM_EXIT_OK)
        goto out;
    struct lm_report rep;
    if (lm_report_build(&run.rec, &rep) != LM_OK) {
        rc = LM_EXIT_INTERNAL;
        goto out;
    }
    rc = LM_EXIT_FINDINGS;
    for (size_t k = 0; k < rep.nfeasible; k++)
        if (lm_report_model_at(&rep, k) == run.model)
            rc = LM_EXIT_OK;
    struct lm_explain_view view = { &rep, run.model, (size_t)a.top, rc, run.ropt.local,
                                    run.ropt.local_built };
    int r = LM_OK;
    if (ctx->format == LM_FMT_JSON)
        r = lm_render_json_explain(&view, ctx->out);
    else if (!ctx->quiet)
        r = lm_render_text_explain(&view, ctx->format == LM_FMT_MARKDOWN, ctx->out);
    if (r != LM_OK)
        rc = LM_EXIT_INTERNAL;
    lm_report_release(&rep);
out:
    lm_run_release(&run);
    lm_run_args_release(&a);
    return rc;
}
