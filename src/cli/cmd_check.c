/*
 * `lmchoose check FILE|DIR|GLOB...`: judge each scenario file's `deployment`
 * against its scenario and gate CI on the findings (DESIGN §6.3). The work
 * is in check.c; this file parses the options, loads the catalog and rules,
 * and picks the renderer. The exit code does not depend on --format.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "util/fs.h"
#include "lmchoose/render.h"
#include "lmchoose/status.h"
#include "check/repo_config.h"

const char *const lm_check_usage[] = {
    "usage: lmchoose check FILE|DIR|GLOB... [options]",
    "",
    "Judge the deployments of a repository: the `deployment` block of lmchoose",
    "scenarios, and the deployment files teams already have (Kubernetes and",
    "KServe manifests, helm template output, docker-compose, vLLM and TGI",
    "command lines in shell scripts and Dockerfiles, vLLM --config files,",
    "Ollama Modelfiles, LiteLLM proxy configs, SkyPilot tasks), each against",
    "the workload and constraints .lmchoose.yaml gives its service. Every",
    "finding is reported at the line it is about. Directories are searched for",
    "*.yaml, *.yml, Dockerfile, Modelfile and *.sh; a pattern is expanded",
    "(glob); files that are not deployments are skipped. '-' reads stdin.",
    "",
    "Options:",
    "  --fail-on error|warning|info|never  lowest severity that fails (default error)",
    "  --suggest               report a clearly better candidate as a warning, not info",
    "  --format text|json|markdown|sarif|junit|github  output format (default text)",
    "  --output FILE           write the result to FILE atomically",
    "  --rules FILE            add rules (repeatable); a rule with an existing id replaces it",
    "  --no-default-rules      start from an empty rule set",
    "  --weights formula|auto  weights from the formula, or published file sizes (default auto)",
    "  --profiles DIR          add a profile layer (repeatable; also LMCHOOSE_PROFILES)",
    "  --exclude GLOB          skip files a directory or pattern finds (repeatable)",
    "  --config FILE           the repository config (default: .lmchoose.yaml found",
    "                          in the current directory or a parent)",
    "  --no-config             read no repository config",
    "  --color auto|always|never, -q/--quiet, --max-input-size, --max-depth, --max-nodes,",
    "  --max-scalar, --max-files   as for every command (docs/cli.md)",
    "",
    "Waive a finding in the scenario (rules.waive: [{rule, reason, expires}]) or",
    "with a comment in any file: # lmchoose:waive RULE \"reason\" YYYY-MM-DD.",
    "",
    "Exit 0 when no unwaived finding is at or above --fail-on, 1 when one is,",
    "2 usage, 3 when an input could not be evaluated or nothing matched,",
    "4 internal or output error; the same for every --format.",
    NULL
};

enum { OPT_CHK_FAIL_ON = OPT_CMD_BASE, OPT_CHK_SUGGEST, OPT_CHK_RULES, OPT_CHK_NO_DEFAULT_RULES,
       OPT_CHK_WEIGHTS, OPT_CHK_EXCLUDE, OPT_CHK_CONFIG, OPT_CHK_NO_CONFIG };

static int render(struct lm_ctx *ctx, const struct lm_check_result *res)
{
    switch (ctx->format) {
    case LM_FMT_JSON:
        return lm_render_json_check(res, ctx->out);
    case LM_FMT_SARIF:
        return lm_render_sarif_check(res, &ctx->diags, ctx->out);
    case LM_FMT_JUNIT:
        return lm_render_junit_check(res, ctx->out);
    case LM_FMT_GITHUB:
        return lm_render_github_check(res, ctx->out);
    default:
        if (ctx->quiet)
            return LM_OK;
        return lm_render_text_check(res, ctx->format == LM_FMT_MARKDOWN, ctx->out);
    }
}

int cmd_check(int argc, char **argv, struct lm_ctx *ctx)
{
    static const struct option opts[] = {
        { "fail-on", required_argument, NULL, OPT_CHK_FAIL_ON },
        { "suggest", no_argument, NULL, OPT_CHK_SUGGEST },
        { "rules", required_argument, NULL, OPT_CHK_RULES },
        { "no-default-rules", no_argument, NULL, OPT_CHK_NO_DEFAULT_RULES },
        { "weights", required_argument, NULL, OPT_CHK_WEIGHTS },
        { "exclude", required_argument, NULL, OPT_CHK_EXCLUDE },
        { "config", required_argument, NULL, OPT_CHK_CONFIG },
        { "no-config", no_argument, NULL, OPT_CHK_NO_CONFIG },
        LM_COMMON_LONG_OPTIONS, { NULL, 0, NULL, 0 }
    };
    struct lm_check_opts o = { LM_CHECK_FAIL_ERROR, 0, 0, NULL, 0, NULL };
    const char **rule_files = calloc((size_t)argc + 1, sizeof(*rule_files));
    const char **excludes = calloc((size_t)argc + 1, sizeof(*excludes));
    size_t nrules = 0, nexcludes = 0;
    int fail_on_given = 0, no_config = 0;
    const char *config_path = NULL;
    char *found_config = NULL;
    struct lm_repo_config cfg;
    int have_cfg = 0;
    memset(&cfg, 0, sizeof(cfg));
    int no_default = 0, rc = LM_EXIT_OK, c;
    struct lm_ruleset rs = LM_RULESET_INIT;
    struct lm_check_result res;
    memset(&res, 0, sizeof(res));
    if (rule_files == NULL || excludes == NULL) {
        free(rule_files);
        free(excludes);
        return LM_EXIT_INTERNAL;
    }
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":q", opts, NULL)) != -1) {
        if (c == OPT_HELP) {
            lm_cli_print_usage(lm_cli_find_command("check"), ctx->out);
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
        switch (c) {
        case OPT_CHK_FAIL_ON: {
            int found = -1;
            for (int i = 0; lm_check_fail_on_names[i] != NULL; i++)
                if (strcmp(lm_check_fail_on_names[i], optarg) == 0)
                    found = i;
            if (found < 0) {
                rc = lm_cli_usage_error(ctx, "--fail-on must be error, warning, info or never, got '%s'",
                                        optarg);
                goto out;
            }
            o.fail_on = found;
            fail_on_given = 1;
            break;
        }
        case OPT_CHK_EXCLUDE:
            excludes[nexcludes++] = optarg;
            break;
        case OPT_CHK_CONFIG:
            config_path = optarg;
            break;
        case OPT_CHK_NO_CONFIG:
            no_config = 1;
            break;
        case OPT_CHK_SUGGEST:
            o.suggest = 1;
            break;
        case OPT_CHK_RULES:
            rule_files[nrules++] = optarg;
            break;
        case OPT_CHK_NO_DEFAULT_RULES:
            no_default = 1;
            break;
        case OPT_CHK_WEIGHTS:
            if (strcmp(optarg, "formula") != 0 && strcmp(optarg, "auto") != 0) {
                rc = lm_cli_usage_error(ctx, "--weights must be formula or auto, got '%s'", optarg);
                goto out;
            }
            o.weights_formula = strcmp(optarg, "formula") == 0;
            break;
        default:
            if (lm_cli_common_option(ctx, c, optarg) <= 0) {
                rc = LM_EXIT_USAGE;
                goto out;
            }
        }
    }
    if (ctx->format == LM_FMT_HTML) {
        /* html is recommend's page (render_html.c) */
        rc = lm_cli_usage_error(ctx, "check supports --format text, json, markdown, sarif, junit or github");
        goto out;
    }
    if (optind >= argc) {
        rc = lm_cli_usage_error(ctx, "check needs at least one FILE, DIR or GLOB");
        goto out;
    }
    int nstdin = 0;
    for (int i = optind; i < argc; i++)
        nstdin += strcmp(argv[i], "-") == 0;
    for (size_t i = 0; i < nrules; i++)
        nstdin += strcmp(rule_files[i], "-") == 0;
    if (nstdin > 1) {
        rc = lm_cli_usage_error(ctx, "'-' (standard input) given twice");
        goto out;
    }
    if ((size_t)(argc - optind) > ctx->limits.max_files) {
        rc = lm_cli_usage_error(ctx, "%d files exceed --max-files (%zu)", argc - optind,
                                ctx->limits.max_files);
        goto out;
    }

    /* The repository config comes first: it may add profile layers and set
     * the default --fail-on. */
    int r = LM_EXIT_OK;
    if (!no_config && config_path == NULL)
        config_path = found_config = lm__repo_config_find();
    if (!no_config && config_path != NULL) {
        have_cfg = 1;
        r = lm_status_exit_code(lm__repo_config_load(&cfg, config_path, &ctx->limits, &ctx->diags));
        for (size_t i = 0; r == LM_EXIT_OK && i < cfg.profiles.n; i++) {
            if (ctx->nprofile_dirs == ctx->capprofile_dirs) {
                size_t ncap = ctx->capprofile_dirs ? ctx->capprofile_dirs * 2 : 4;
                const char **g = realloc(ctx->profile_dirs, ncap * sizeof(*g));
                if (g == NULL) {
                    r = LM_EXIT_INTERNAL;
                    break;
                }
                ctx->profile_dirs = g;
                ctx->capprofile_dirs = ncap;
            }
            /* Config layers go before --profiles ones (the command line wins). */
            memmove(ctx->profile_dirs + 1, ctx->profile_dirs,
                    ctx->nprofile_dirs * sizeof(*ctx->profile_dirs));
            ctx->profile_dirs[0] = cfg.profiles.items[cfg.profiles.n - 1 - i];
            ctx->nprofile_dirs++;
        }
        if (r == LM_EXIT_OK && !fail_on_given && cfg.fail_on >= 0)
            o.fail_on = cfg.fail_on;
        o.config = &cfg;
    }
    o.exclude = excludes;
    o.nexclude = nexcludes;
    res.rules = &rs;
    res.fail_on = o.fail_on;
    if (r == LM_EXIT_OK)
        r = lm_cli_load_catalog(ctx);
    if (r == LM_EXIT_OK) {
        r = lm_status_exit_code(lm_cli_load_rules(ctx, &rs, (const char *const *)rule_files,
                                                  nrules, no_default));
    }
    /* The config's scenarios name hardware and rule ids like any scenario:
     * checked (and aliases rewritten to ids) now that both are loaded. */
    if (r == LM_EXIT_OK && have_cfg) {
        int worst = LM_OK;
        size_t d0 = ctx->diags.count;
        if (cfg.defaults.sc_ok)
            worst = lm_cli_check_scenario_ids(ctx, &ctx->cat, &cfg.defaults.sc, &rs);
        for (size_t i = 0; i < cfg.nservices; i++) {
            int r2 = cfg.services[i].sc_ok
                         ? lm_cli_check_scenario_ids(ctx, &ctx->cat, &cfg.services[i].sc, &rs)
                         : LM_OK;
            if (lm_status_exit_code(r2) > lm_status_exit_code(worst))
                worst = r2;
        }
        /* Every service inherits the defaults: report an error there once. */
        size_t keep = d0;
        for (size_t i = d0; i < ctx->diags.count; i++) {
            struct lm_diag *g = &ctx->diags.items[i];
            int dup = 0;
            for (size_t k = d0; k < keep && !dup; k++) {
                const struct lm_diag *h = &ctx->diags.items[k];
                dup = h->line == g->line && h->col == g->col && strcmp(h->msg, g->msg) == 0 &&
                      (h->file == NULL) == (g->file == NULL) &&
                      (h->file == NULL || strcmp(h->file, g->file) == 0);
            }
            if (dup) {
                free(g->file);
                free(g->msg);
                if (g->sev == LM_SEV_ERROR && ctx->diags.nerrors > 0)
                    ctx->diags.nerrors--;
            } else {
                ctx->diags.items[keep++] = *g;
            }
        }
        ctx->diags.count = keep;
        r = lm_status_exit_code(worst);
    }
    if (r == LM_EXIT_OK) {
        ctx->cat.slm_max_params_b = rs.slm_max_params_b;
        rc = lm__check_run(ctx, &rs, argv + optind, (size_t)(argc - optind), &o, &res);
    } else {
        /* The catalog or a rule file is invalid: nothing is judged. */
        rc = r;
        res.exit_code = rc;
        lm_check_summarize(&res);
    }
    if (render(ctx, &res) != LM_OK) {
        lm_diag_error(&ctx->diags, LM_ENOMEM, NULL, "out of memory");
        rc = LM_EXIT_INTERNAL;
    }
out:
    lm_check_result_release(&res);
    lm_rules_release(&rs);
    if (have_cfg)
        lm__repo_config_release(&cfg);
    free(found_config);
    free(rule_files);
    free(excludes);
    return rc;
}
