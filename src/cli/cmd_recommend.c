/*
 * `lmchoose [recommend] [SCENARIO|-]`: rank every deployment option against
 * a scenario and print the verdict, the ranked options and the notable
 * rejections (DESIGN §5, §6.1). With no scenario it advises for this machine
 * with the default scenario of §6.2.
 */
#include <stddef.h>
#include <string.h>

#include "cli/run.h"
#include "lmchoose/render.h"
#include "lmchoose/status.h"

static const char *const usage[] = {
    "usage: lmchoose [recommend] [SCENARIO|-] [options]",
    "",
    "Rank every deployment option (model x quantization x hardware x devices x",
    "placement, and every API offer) against the scenario's constraints and",
    "priorities, and say whether a small or a large model wins, why, and what",
    "single change would flip the answer. Without SCENARIO: this machine, with",
    "the default scenario (private, on this device, general chat).",
    "",
    "Options:",
    NULL
};

#define RUN(field) offsetof(struct lm_run_args, field)
static const struct lm_opt opts[] = {
    LM_OPT_FORMAT("text|json|markdown|html", "output format (default text); html: one\n"
                  "self-contained page with a quality/cost chart", 0),
    { "top", 0, "N", "recommendations and rejections to print (default 5)", LM_OPT_COUNT, 0,
      RUN(top), 1, 1e9, NULL },
    { "all", 0, NULL, "print every candidate, feasible and rejected", LM_OPT_FLAG, 0, RUN(all),
      0, 0, NULL },
    { "variants", 0, NULL, "text: every format and hardware row, not one row per model",
      LM_OPT_FLAG, 0, RUN(variants), 0, 0, NULL },
    { "hardware", 0, "ID|local", "replace constraints.hardware (repeatable)", LM_OPT_LIST, 0,
      RUN(hw), 0, 0, NULL },
    { "quant", 0, "ID|auto", "only this weight format; auto: the best that fits per option",
      LM_OPT_STRING, 0, RUN(quant_id), 0, 0, NULL },
    { "runtime", 0, "NAME", "force the runtime; formats it cannot load are dropped",
      LM_OPT_STRING, 0, RUN(runtime_id), 0, 0, NULL },
    { "context", 0, "N", "replace task.context_tokens", LM_OPT_COUNT, 0, RUN(context), 1, 1e8,
      NULL },
    { "weights", 0, "formula|auto",
      "weights from the formula, or published file sizes (default auto)", LM_OPT_CALL, 0,
      RUN(weights_formula), 0, 0, lm_cli_opt_weights },
    { "rules", 0, "FILE", "add rules (repeatable); a rule with an existing id replaces it",
      LM_OPT_LIST, 0, RUN(rules), 0, 0, NULL },
    { "no-default-rules", 0, NULL, "start from an empty rule set", LM_OPT_FLAG, 0,
      RUN(no_default_rules), 0, 0, NULL },
    { "threads", 0, "N", "threads for generating candidates and the flip search\n"
      "(default: by CPUs and catalog size); same result", LM_OPT_COUNT, 0, RUN(threads), 1,
      LM_REC_MAX_THREADS, NULL },
    LM_OPT_PROFILES("add a profile layer (repeatable; also LMCHOOSE_PROFILES)", 0),
    LM_OPT_OUTPUT("write the result to FILE atomically", 0),
    LM_OPT_SHARED_GROUPED,
    LM_OPT_HELP_ROW(NULL, LM_OPT_UNLISTED),
    LM_OPT_TABLE_END
};

static const char *const tail[] = {
    "",
    "Exit 0 with a recommendation, 1 when no candidate satisfies the hard",
    "constraints, 2 usage, 3 invalid input, 4 internal or output error.",
    NULL
};

const struct lm_cmd_spec lm_recommend_spec = { usage, opts, tail };

int cmd_recommend(int argc, char **argv, struct lm_ctx *ctx)
{
    struct lm_run_args a;
    struct lm_run run;
    memset(&run, 0, sizeof(run));
    int first;
    lm_run_args_init(&a);
    int rc = lm_cli_parse(ctx, &lm_recommend_spec, argc, argv, &a, &first);
    if (rc != LM_CLI_PARSED)
        goto out;
    rc = LM_EXIT_OK;
    if (ctx->format != LM_FMT_TEXT && ctx->format != LM_FMT_JSON &&
        ctx->format != LM_FMT_MARKDOWN && ctx->format != LM_FMT_HTML) {
        rc = lm_cli_usage_error(ctx, "recommend supports --format text, json, markdown or html");
        goto out;
    }
    if (first + 1 < argc) {
        rc = lm_cli_usage_error(ctx, "unexpected argument '%s'", argv[first + 1]);
        goto out;
    }
    a.scenario_path = first < argc ? argv[first] : NULL;
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
