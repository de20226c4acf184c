/*
 * `lmchoose init [FILE] [--force]`: write the default scenario (DESIGN §6.2),
 * commented, to FILE (default lmchoose.yaml; - for stdout). It never
 * overwrites an existing file unless --force, and always writes atomically,
 * so an interrupted run leaves either the old file or the new one.
 */
#include <string.h>

#include "cli/cli.h"
#include "util/fs.h"
#include "lmchoose/scenario.h"
#include "lmchoose/status.h"

static const char *const usage[] = {
    "usage: lmchoose init [FILE|-] [--force]",
    "",
    "Write a commented starter scenario (the defaults lmchoose uses with no",
    "scenario) to FILE, default lmchoose.yaml, or to standard output with -.",
    "An existing FILE is never replaced unless --force is given; the file is",
    "written atomically (a temporary file, then rename).",
    "",
    "Options:",
    NULL
};

/* init takes no common option: it reads no profile and writes no report. */
static const struct lm_opt opts[] = {
    { "force", 0, NULL, "replace an existing FILE", LM_OPT_FLAG, 0, 0, 0, 0, NULL },
    LM_OPT_HELP_ROW("print this help", 0),
    LM_OPT_TABLE_END
};

const struct lm_cmd_spec lm_init_spec = { usage, opts, NULL };

int cmd_init(int argc, char **argv, struct lm_ctx *ctx)
{
    int force = 0, first;
    int rc = lm_cli_parse(ctx, &lm_init_spec, argc, argv, &force, &first);
    if (rc != LM_CLI_PARSED)
        return rc;
    if (first + 1 < argc)
        return lm_cli_usage_error(ctx, "unexpected argument '%s'", argv[first + 1]);
    const char *path = first < argc ? argv[first] : "lmchoose.yaml";
    if (strcmp(path, "-") == 0) {
        fputs(lm_scenario_default_text, ctx->out);
        return LM_EXIT_OK;
    }
    size_t len = strlen(lm_scenario_default_text);
    int r = force ? lm__write_atomic(path, lm_scenario_default_text, len, &ctx->diags)
                  : lm__write_new(path, lm_scenario_default_text, len, &ctx->diags);
    if (r == LM_EUSAGE)
        return lm_cli_usage_error(ctx, "%s exists; use --force to replace it", path);
    if (r != LM_OK)
        return LM_EXIT_INTERNAL;
    fprintf(stderr, "lmchoose: wrote %s\n", path);
    return LM_EXIT_OK;
}
