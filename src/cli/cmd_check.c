/*
 * `lmchoose check FILE|DIR|GLOB...`: judge each scenario file's `deployment`
 * against its scenario and gate CI on the findings (DESIGN §6.3). The work
 * is in check.c; this file parses the options, loads the catalog and rules,
 * and picks the renderer. The exit code does not depend on --format.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "util/fs.h"
#include "lmchoose/render.h"
#include "lmchoose/status.h"
#include "check/repo_config.h"

static const char *const usage[] = {
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
    NULL
};

/* What check's options set (its table below). */
struct check_args {
    struct lm_check_opts o;
    struct lm_cli_list rules, excludes;
    int fail_on_given, no_config, no_default;
    const char *config_path;
};

static int opt_fail_on(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg)
{
    (void)row;
    struct check_args *a = target;
    for (int i = 0; lm_check_fail_on_names[i] != NULL; i++) {
        if (strcmp(lm_check_fail_on_names[i], arg) == 0) {
            a->o.fail_on = i;
            a->fail_on_given = 1;
            return 0;
        }
    }
    lm_cli_usage_error(ctx, "--fail-on must be error, warning, info or never, got '%s'", arg);
    return -1;
}

#define CHK(field) offsetof(struct check_args, field)
static const struct lm_opt opts[] = {
    { "fail-on", 0, "error|warning|info|never", "lowest severity that fails (default error)",
      LM_OPT_CALL, 0, 0, 0, 0, opt_fail_on },
    { "suggest", 0, NULL, "report a clearly better candidate as a warning, not info",
      LM_OPT_FLAG, 0, CHK(o.suggest), 0, 0, NULL },
    LM_OPT_FORMAT("text|json|markdown|sarif|junit|github", "output format (default text)", 0),
    LM_OPT_OUTPUT("write the result to FILE atomically", 0),
    { "rules", 0, "FILE", "add rules (repeatable); a rule with an existing id replaces it",
      LM_OPT_LIST, 0, CHK(rules), 0, 0, NULL },
    { "no-default-rules", 0, NULL, "start from an empty rule set", LM_OPT_FLAG, 0,
      CHK(no_default), 0, 0, NULL },
    { "weights", 0, "formula|auto",
      "weights from the formula, or published file sizes (default auto)", LM_OPT_CALL, 0,
      CHK(o.weights_formula), 0, 0, lm_cli_opt_weights },
    LM_OPT_PROFILES("add a profile layer (repeatable; also LMCHOOSE_PROFILES)", 0),
    { "exclude", 0, "GLOB", "skip files a directory or pattern finds (repeatable)", LM_OPT_LIST,
      0, CHK(excludes), 0, 0, NULL },
    { "config", 0, "FILE", "the repository config (default: .lmchoose.yaml found\n"
      "in the current directory or a parent)", LM_OPT_STRING, 0, CHK(config_path), 0, 0, NULL },
    { "no-config", 0, NULL, "read no repository config", LM_OPT_FLAG, 0, CHK(no_config), 0, 0,
      NULL },
    LM_OPT_SHARED_GROUPED,
    LM_OPT_HELP_ROW(NULL, LM_OPT_UNLISTED),
    LM_OPT_TABLE_END
};

static const char *const tail[] = {
    "",
    "Waive a finding in the scenario (rules.waive: [{rule, reason, expires}]) or",
    "with a comment in any file: # lmchoose:waive RULE \"reason\" YYYY-MM-DD.",
    "",
    "Exit 0 when no unwaived finding is at or above --fail-on, 1 when one is,",
    "2 usage, 3 when an input could not be evaluated or nothing matched,",
    "4 internal or output error; the same for every --format.",
    NULL
};

const struct lm_cmd_spec lm_check_spec = { usage, opts, tail };

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
    struct check_args a;
    memset(&a, 0, sizeof(a));
    a.o.fail_on = LM_CHECK_FAIL_ERROR;
    char *found_config = NULL;
    struct lm_repo_config cfg;
    int have_cfg = 0;
    memset(&cfg, 0, sizeof(cfg));
    int first;
    struct lm_ruleset rs = LM_RULESET_INIT;
    struct lm_check_result res;
    memset(&res, 0, sizeof(res));
    int rc = lm_cli_parse(ctx, &lm_check_spec, argc, argv, &a, &first);
    if (rc != LM_CLI_PARSED)
        goto out;
    rc = LM_EXIT_OK;
    if (ctx->format == LM_FMT_HTML) {
        /* html is recommend's page (render_html.c) */
        rc = lm_cli_usage_error(ctx, "check supports --format text, json, markdown, sarif, junit or github");
        goto out;
    }
    if (first >= argc) {
        rc = lm_cli_usage_error(ctx, "check needs at least one FILE, DIR or GLOB");
        goto out;
    }
    int nstdin = 0;
    for (int i = first; i < argc; i++)
        nstdin += strcmp(argv[i], "-") == 0;
    for (size_t i = 0; i < a.rules.n; i++)
        nstdin += strcmp(a.rules.items[i], "-") == 0;
    if (nstdin > 1) {
        rc = lm_cli_usage_error(ctx, "'-' (standard input) given twice");
        goto out;
    }
    if ((size_t)(argc - first) > ctx->limits.max_files) {
        rc = lm_cli_usage_error(ctx, "%d files exceed --max-files (%zu)", argc - first,
                                ctx->limits.max_files);
        goto out;
    }

    /* The repository config comes first: it may add profile layers and set
     * the default --fail-on. */
    int r = LM_EXIT_OK;
    if (!a.no_config && a.config_path == NULL)
        a.config_path = found_config = lm__repo_config_find();
    if (!a.no_config && a.config_path != NULL) {
        have_cfg = 1;
        r = lm_status_exit_code(lm__repo_config_load(&cfg, a.config_path, &ctx->limits, &ctx->diags));
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
        if (r == LM_EXIT_OK && !a.fail_on_given && cfg.fail_on >= 0)
            a.o.fail_on = cfg.fail_on;
        a.o.config = &cfg;
    }
    a.o.exclude = a.excludes.items;
    a.o.nexclude = a.excludes.n;
    res.rules = &rs;
    res.fail_on = a.o.fail_on;
    if (r == LM_EXIT_OK)
        r = lm_cli_load_catalog(ctx);
    if (r == LM_EXIT_OK) {
        r = lm_status_exit_code(lm_cli_load_rules(ctx, &rs, (const char *const *)a.rules.items,
                                                  a.rules.n, a.no_default));
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
        rc = lm__check_run(ctx, &rs, argv + first, (size_t)(argc - first), &a.o, &res);
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
    lm_cli_list_release(&a.rules);
    lm_cli_list_release(&a.excludes);
    return rc;
}
