/*
 * `lmchoose [recommend] [SCENARIO|-]`: rank every deployment option against
 * a scenario and print the verdict, the ranked options and the notable
 * rejections (DESIGN §5, §6.1). With no scenario it advises for this machine
 * with the default scenario of §6.2.
 */
#include <getopt.h>
#include <string.h>

#include "cli/run.h"
#include "lmchoose/render.h"
#include "lmchoose/status.h"

const char *const lm_recommend_usage[] = {
    "usage: lmchoose [recommend] [SCENARIO|-] [options]",
    "",
    "Rank every deployment option (model x quantization x hardware x devices x",
    "placement, and every API offer) against the scenario's constraints and",
    "priorities, and say whether a small or a large model wins, why, and what",
    "single change would flip the answer. Without SCENARIO: this machine, with",
    "the default scenario (private, on this device, general chat).",
    "",
    "Options:",
    "  --format text|json|markdown|html  output format (default text); html: one",
    "                          self-contained page with a quality/cost chart",
    "  --top N                 recommendations and rejections to print (default 5)",
    "  --all                   print every candidate, feasible and rejected",
    "  --variants              text: every format and hardware row, not one row per model",
    "  --hardware ID|local     replace constraints.hardware (repeatable)",
    "  --quant ID|auto         only this weight format; auto: the best that fits per option",
    "  --runtime NAME          force the runtime; formats it cannot load are dropped",
    "  --context N             replace task.context_tokens",
    "  --weights formula|auto  weights from the formula, or published file sizes (default auto)",
    "  --rules FILE            add rules (repeatable); a rule with an existing id replaces it",
    "  --no-default-rules      start from an empty rule set",
    "  --profiles DIR          add a profile layer (repeatable; also LMCHOOSE_PROFILES)",
    "  --output FILE           write the result to FILE atomically",
    "  --color auto|always|never, -q/--quiet, --max-input-size, --max-depth, --max-nodes,",
    "  --max-scalar, --max-files   as for every command (docs/cli.md)",
    "",
    "Exit 0 with a recommendation, 1 when no candidate satisfies the hard",
    "constraints, 2 usage, 3 invalid input, 4 internal or output error.",
    NULL
};

int cmd_recommend(int argc, char **argv, struct lm_ctx *ctx)
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
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":q", opts, NULL)) != -1) {
        if (c == OPT_HELP) {
            lm_cli_print_usage(lm_cli_find_command("recommend"), ctx->out);
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
        if (lm_run_option(ctx, &a, c, optarg) < 0) {
            rc = LM_EXIT_USAGE;
            goto out;
        }
    }
    if (ctx->format != LM_FMT_TEXT && ctx->format != LM_FMT_JSON &&
        ctx->format != LM_FMT_MARKDOWN && ctx->format != LM_FMT_HTML) {
        rc = lm_cli_usage_error(ctx, "recommend supports --format text, json, markdown or html");
        goto out;
    }
    if (optind + 1 < argc) {
        rc = lm_cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
        goto out;
    }
    a.scenario_path = optind < argc ? argv[optind] : NULL;
    rc = lm_run_prepare(ctx, &a, &run);
    if (rc != LM_EXIT_OK)
        goto out;
    rc = run.rec.nfeasible > 0 ? LM_EXIT_OK : LM_EXIT_FINDINGS;
    struct lm_report rep;
    if (lm_report_build(&run.rec, &rep) != LM_OK) {
        rc = LM_EXIT_INTERNAL;
        goto out;
    }
    struct lm_recommend_view view = { &rep, (size_t)a.top, a.all, a.variants, rc,
                                      run.ropt.local, run.ropt.local_built };
    int r = LM_OK;
    if (ctx->format == LM_FMT_JSON)
        r = lm_render_json_recommend(&view, ctx->out);
    else if (ctx->format == LM_FMT_HTML)
        r = lm_render_html_recommend(&view, ctx->out);
    else if (!ctx->quiet)
        r = lm_render_text_recommend(&view, ctx->format == LM_FMT_MARKDOWN, lm_cli_color(ctx), ctx->out);
    if (r != LM_OK)
        rc = LM_EXIT_INTERNAL;
    lm_report_release(&rep);
out:
    lm_run_release(&run);
    lm_run_args_release(&a);
    return rc;
}
