/*
 * `lmchoose [recommend] [SCENARIO|-]`: rank every deployment option against
 * a scenario and print the verdict, the ranked options and the notable
 * rejections (DESIGN §5, §6.1). With no scenario it advises for this machine
 * with the default scenario of §6.2.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fs.h"
#include "lmchoose/host.h"
#include "lmchoose/recommend.h"
#include "lmchoose/render.h"
#include "lmchoose/rules.h"
#include "lmchoose/scenario.h"
#include "lmchoose/status.h"
#include "strutil.h"

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
    "  --format text|json|markdown  output format (default text)",
    "  --top N                 recommendations and rejections to print (default 5)",
    "  --all                   print every candidate, feasible and rejected",
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

enum { OPT_TOP = OPT_CMD_BASE, OPT_ALL, OPT_HW, OPT_QUANT, OPT_RUNTIME, OPT_CONTEXT,
       OPT_WEIGHTS, OPT_RULES, OPT_NO_DEFAULT_RULES };

static int load_rule_file(struct lm_ctx *ctx, struct lm_ruleset *rs, const char *path)
{
    char *buf;
    size_t len;
    const char *display = strcmp(path, "-") == 0 ? "<stdin>" : path;
    int rc = lm__read_input(path, display, ctx->limits.max_input_size, &ctx->diags, &buf, &len);
    if (rc != LM_OK)
        return rc;
    rc = lm_rules_load(rs, display, buf, len, &ctx->limits, &ctx->diags);
    free(buf);
    return rc;
}

int cmd_recommend(int argc, char **argv, struct lm_ctx *ctx)
{
    static const struct option opts[] = {
        { "top", required_argument, NULL, OPT_TOP },
        { "all", no_argument, NULL, OPT_ALL },
        { "hardware", required_argument, NULL, OPT_HW },
        { "quant", required_argument, NULL, OPT_QUANT },
        { "runtime", required_argument, NULL, OPT_RUNTIME },
        { "context", required_argument, NULL, OPT_CONTEXT },
        { "weights", required_argument, NULL, OPT_WEIGHTS },
        { "rules", required_argument, NULL, OPT_RULES },
        { "no-default-rules", no_argument, NULL, OPT_NO_DEFAULT_RULES },
        LM_COMMON_LONG_OPTIONS, { NULL, 0, NULL, 0 }
    };
    double top = 5, context = NAN;
    int all = 0, no_default = 0, weights_formula = 0;
    const char *quant_id = NULL, *runtime_id = NULL;
    const char **hw_ids = calloc((size_t)argc + 1, sizeof(*hw_ids));
    const char **rule_files = calloc((size_t)argc + 1, sizeof(*rule_files));
    size_t nhw = 0, nrules = 0;
    struct lm_ruleset rs = LM_RULESET_INIT;
    struct lm_scenario sc;
    memset(&sc, 0, sizeof(sc));
    struct lm_recommendation rec;
    memset(&rec, 0, sizeof(rec));
    int rc = LM_EXIT_OK, c;
    if (hw_ids == NULL || rule_files == NULL) {
        rc = LM_EXIT_INTERNAL;
        goto out;
    }
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":q", opts, NULL)) != -1) {
        switch (c) {
        case OPT_HELP:
            lm_cli_print_usage(lm_cli_find_command("recommend"), ctx->out);
            goto out;
        case '?':
            rc = lm_cli_usage_error(ctx, "unknown option '%s'", argv[optind - 1]);
            goto out;
        case ':':
            rc = lm_cli_usage_error(ctx, "option '%s' needs a value", argv[optind - 1]);
            goto out;
        case OPT_TOP:
            if (lm_cli_parse_count(ctx, "--top", optarg, 1, 1e9, &top) != 0) {
                rc = LM_EXIT_USAGE;
                goto out;
            }
            break;
        case OPT_ALL:
            all = 1;
            break;
        case OPT_HW:
            hw_ids[nhw++] = optarg;
            break;
        case OPT_QUANT:
            quant_id = optarg;
            break;
        case OPT_RUNTIME:
            runtime_id = optarg;
            break;
        case OPT_CONTEXT:
            if (lm_cli_parse_count(ctx, "--context", optarg, 1, 1e8, &context) != 0) {
                rc = LM_EXIT_USAGE;
                goto out;
            }
            break;
        case OPT_WEIGHTS:
            if (strcmp(optarg, "formula") != 0 && strcmp(optarg, "auto") != 0) {
                rc = lm_cli_usage_error(ctx, "--weights must be formula or auto, got '%s'", optarg);
                goto out;
            }
            weights_formula = strcmp(optarg, "formula") == 0;
            break;
        case OPT_RULES:
            rule_files[nrules++] = optarg;
            break;
        case OPT_NO_DEFAULT_RULES:
            no_default = 1;
            break;
        default:
            if (lm_cli_common_option(ctx, c, optarg) < 0) {
                rc = LM_EXIT_USAGE;
                goto out;
            }
            break;
        }
    }
    if (ctx->format != LM_FMT_TEXT && ctx->format != LM_FMT_JSON &&
        ctx->format != LM_FMT_MARKDOWN) {
        rc = lm_cli_usage_error(ctx, "recommend supports --format text, json or markdown");
        goto out;
    }
    if (optind + 1 < argc) {
        rc = lm_cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
        goto out;
    }
    const char *scenario_path = optind < argc ? argv[optind] : NULL;
    int nstdin = (scenario_path && strcmp(scenario_path, "-") == 0);
    for (size_t i = 0; i < nrules; i++)
        nstdin += strcmp(rule_files[i], "-") == 0;
    if (nstdin > 1) {
        rc = lm_cli_usage_error(ctx, "'-' (standard input) given twice");
        goto out;
    }

    rc = lm_cli_load_catalog(ctx);
    if (rc != LM_EXIT_OK)
        goto fail;
    /* Command-line ids are checked after the catalog, before any file. */
    const struct lm_catalog *cat = &ctx->cat;
    for (size_t i = 0; i < nhw; i++) {
        if (strcmp(hw_ids[i], "local") == 0 || lm_catalog_hardware(cat, hw_ids[i]) != NULL)
            continue;
        const char **ids = malloc((cat->nhardware + 1) * sizeof(*ids));
        for (size_t k = 0; ids && k < cat->nhardware; k++)
            ids[k] = cat->hardware[k]->id;
        if (ids)
            ids[cat->nhardware] = "local";
        rc = lm_cli_unknown_id(ctx, "hardware", hw_ids[i], ids, ids ? cat->nhardware + 1 : 0);
        free(ids);
        goto out;
    }
    struct lm_rec_options ropt;
    memset(&ropt, 0, sizeof(ropt));
    ropt.weights_formula = weights_formula;
    if (quant_id != NULL && strcmp(quant_id, "auto") == 0) {
        ropt.quant_auto = 1;
    } else if (quant_id != NULL && (ropt.quant = lm_catalog_quant(cat, quant_id)) == NULL) {
        const char **ids = malloc((cat->nquants + 1) * sizeof(*ids));
        for (size_t k = 0; ids && k < cat->nquants; k++)
            ids[k] = cat->quants[k]->id;
        if (ids)
            ids[cat->nquants] = "auto";
        rc = lm_cli_unknown_id(ctx, "quantization", quant_id, ids, ids ? cat->nquants + 1 : 0);
        free(ids);
        goto out;
    }
    if (runtime_id != NULL && (ropt.runtime = lm_catalog_runtime(cat, runtime_id)) == NULL) {
        const char **ids = malloc(cat->nruntimes * sizeof(*ids));
        for (size_t k = 0; ids && k < cat->nruntimes; k++)
            ids[k] = cat->runtimes[k]->id;
        rc = lm_cli_unknown_id(ctx, "runtime", runtime_id, ids, ids ? cat->nruntimes : 0);
        free(ids);
        goto out;
    }

    int r = LM_OK;
    if (!no_default)
        r = lm_rules_load_builtin(&rs, &ctx->limits, &ctx->diags);
    for (size_t i = 0; i < nrules && r == LM_OK; i++)
        r = load_rule_file(ctx, &rs, rule_files[i]);
    if (r != LM_OK) {
        rc = lm_status_exit_code(r);
        goto fail;
    }
    ctx->cat.slm_max_params_b = rs.slm_max_params_b;

    if (scenario_path != NULL) {
        const char *display = strcmp(scenario_path, "-") == 0 ? "<stdin>" : scenario_path;
        char *buf;
        size_t len;
        r = lm__read_input(scenario_path, display, ctx->limits.max_input_size, &ctx->diags,
                           &buf, &len);
        if (r == LM_OK) {
            r = lm_scenario_load(&sc, display, buf, len, &ctx->limits, &ctx->diags);
            free(buf);
        }
        if (r == LM_OK)
            r = lm_cli_check_scenario_ids(ctx, &ctx->cat, &sc, &rs);
        if (r != LM_OK) {
            rc = lm_status_exit_code(r);
            goto fail;
        }
    } else {
        lm_scenario_default(&sc);
    }
    /* Command-line overrides (§3.2). */
    if (nhw > 0) {
        sc.constraints.hardware.items = hw_ids;
        sc.constraints.hardware.n = nhw;
        sc.constraints.hardware_set = 1;
        sc.constraints.hardware_pos = NULL;
    }
    if (!isnan(context))
        sc.task.context_tokens = context;
    int need_local = 0;
    for (size_t i = 0; sc.constraints.hardware_set && i < sc.constraints.hardware.n; i++)
        need_local |= strcmp(sc.constraints.hardware.items[i], "local") == 0;
    if (need_local) {
        r = lm_host_resolve(&ctx->cat, &ctx->limits, &ctx->diags, &ropt.local, &ropt.local_built);
        if (r != LM_OK) {
            rc = lm_status_exit_code(r);
            goto fail;
        }
    }
    if (lm_recommend(&ctx->cat, &sc, &rs, &ropt, &rec) != LM_OK) {
        lm_diag_error(&ctx->diags, LM_ENOMEM, NULL, "out of memory");
        rc = LM_EXIT_INTERNAL;
        goto out;
    }
    rc = rec.nfeasible > 0 ? LM_EXIT_OK : LM_EXIT_FINDINGS;
    struct lm_recommend_view view = { &rec, (size_t)top, all, rc, ropt.local, ropt.local_built };
    if (ctx->format == LM_FMT_JSON)
        r = lm_render_json_recommend(&view, ctx->out);
    else if (ctx->quiet)
        r = LM_OK;
    else
        r = lm_render_text_recommend(&view, ctx->format == LM_FMT_MARKDOWN, ctx->color, ctx->out);
    if (r != LM_OK)
        rc = LM_EXIT_INTERNAL;
    goto out;
fail:
    if (ctx->format == LM_FMT_JSON && rc == LM_EXIT_INPUT)
        lm_render_json_errors("recommend", rc, &ctx->diags, ctx->out);
out:
    lm_recommendation_release(&rec);
    lm_scenario_release(&sc);
    lm_rules_release(&rs);
    free(hw_ids);
    free(rule_files);
    return rc;
}
