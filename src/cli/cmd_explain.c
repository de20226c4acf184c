/*
 * `lmchoose explain MODEL [SCENARIO]`: how each candidate of MODEL was judged
 * (DESIGN §6.5): every estimate with its basis and error band, every
 * sub-score with its weight, the arithmetic of the total, every fired rule,
 * and where it ranks against its neighbour. The whole scenario is evaluated
 * so the ranks are the global ones. Exit 0 when MODEL has a feasible
 * candidate, 1 when it has none.
 */
#include <getopt.h>
#include <string.h>

#include "cli/run.h"
#include "lmchoose/render.h"
#include "lmchoose/status.h"

const char *const lm_explain_usage[] = {
    "usage: lmchoose explain MODEL [SCENARIO|-] [options]",
    "",
    "Show every candidate of MODEL: each estimate with its basis and error band,",
    "each sub-score with its weight, the total's arithmetic, every rule that fired",
    "and why it ranks where it does. Without SCENARIO: the default scenario with",
    "no hardware or privacy constraint, so every candidate of MODEL appears.",
    "MODEL, --hardware and --quant take ids or aliases (llama3.1:8b, 'RTX 4090').",
    "",
    "Options:",
    "  --format text|json|markdown  output format (default text)",
    "  --top N                 candidates per group, feasible and rejected (default all)",
    "  --hardware ID|local     replace constraints.hardware (repeatable)",
    "  --quant ID|auto         only this weight format",
    "  --runtime NAME, --context N, --weights formula|auto, --rules FILE,",
    "  --no-default-rules, --profiles DIR, --output FILE   as for recommend",
    "",
    "Exit 0 when MODEL has a feasible candidate, 1 when it has none.",
    NULL
};

int cmd_explain(int argc, char **argv, struct lm_ctx *ctx)
{
    static const struct option opts[] = {
        LM_RUN_LONG_OPTIONS, LM_COMMON_LONG_OPTIONS, { NULL, 0, NULL, 0 }
    };
    struct lm_run_args a;
    struct lm_run run;
    memset(&run, 0, sizeof(run));
    int rc = LM_EXIT_OK, c;
    if (lm_run_args_init(&a, argc) != 0) {
        lm_run_args_release(&a);
        return LM_EXIT_INTERNAL;
    }
    a.top = 1e9; /* explain: all by default */
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":q", opts, NULL)) != -1) {
        if (c == OPT_HELP) {
            lm_cli_print_usage(lm_cli_find_command("explain"), ctx->out);
            goto out;
        }
        if (c == '?') {
            rc = lm_cli_usage_error(ctx, "unknown option '%s'", argv[optind - 1]);
            goto out;
        }
        if (c == ':') {
            rc = lm_cli_usage_error(ctx, "option '%s' needs a value", argv[optind - 1]);
            goto out;
        }
        if (c == OPT_RUN_ALL) {
            rc = lm_cli_usage_error(ctx, "unknown option '--all' (explain prints all by default)");
            goto out;
        }
        if (lm_run_option(ctx, &a, c, optarg) < 0) {
            rc = LM_EXIT_USAGE;
            goto out;
        }
    }
    if (ctx->format != LM_FMT_TEXT && ctx->format != LM_FMT_JSON &&
        ctx->format != LM_FMT_MARKDOWN) {
        rc = lm_cli_usage_error(ctx, "explain supports --format text, json or markdown");
        goto out;
    }
    if (optind >= argc) {
        rc = lm_cli_usage_error(ctx, "explain needs a MODEL id");
        goto out;
    }
    if (optind + 2 < argc) {
        rc = lm_cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 2]);
        goto out;
    }
    a.model_id = argv[optind];
    a.scenario_path = optind + 1 < argc ? argv[optind + 1] : NULL;
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
