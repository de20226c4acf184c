/*
 * `lmchoose list models|hardware|quantizations|runtimes`: every entry of the
 * catalog with its origin. An invalid profile still lets list print the valid
 * entries (DESIGN §3.1), with the errors on stderr and exit 3.
 */
#include <stddef.h>
#include <string.h>

#include "cli/cli.h"
#include "lmchoose/render.h"
#include "lmchoose/rules.h"
#include "lmchoose/status.h"
#include "util/fs.h"
#include <stdlib.h>

struct list_args;
static int list_kind(int argc, char **argv, int first, struct lm_ctx *ctx,
                     const struct list_args *a);

static const char *const usage[] = {
    "usage: lmchoose list models|hardware|quantizations|runtimes|rules [options]",
    "",
    "Print every entry of the catalog, one row each, with its origin.",
    "",
    "Options:",
    NULL
};

/* What list's own options set. */
struct list_args {
    struct lm_cli_list rules;
    int no_default;
};

static const struct lm_opt opts[] = {
    LM_OPT_FORMAT("text|json", "text rows (default) or a bare JSON array", 0),
    LM_OPT_OUTPUT("write the result to FILE atomically", 0),
    LM_OPT_PROFILES("add a profile layer (repeatable; also LMCHOOSE_PROFILES)", 0),
    { "rules", 0, "FILE", "list rules: add rules (repeatable; replaces by id)", LM_OPT_LIST, 0,
      offsetof(struct list_args, rules), 0, 0, NULL },
    { "no-default-rules", 0, NULL, "list rules: start from an empty rule set", LM_OPT_FLAG, 0,
      offsetof(struct list_args, no_default), 0, 0, NULL },
    LM_OPT_TEXT("  --max-input-size BYTES  --max-depth N  --max-nodes N  --max-scalar BYTES"),
    LM_OPT_TEXT("                          input limits (defaults: 4 MiB, 64, 100000, 65536)"),
    LM_OPT_MAX_INPUT_SIZE(NULL, LM_OPT_GROUPED),
    LM_OPT_MAX_DEPTH(NULL, LM_OPT_GROUPED),
    LM_OPT_MAX_NODES(NULL, LM_OPT_GROUPED),
    LM_OPT_MAX_SCALAR(NULL, LM_OPT_GROUPED),
    LM_OPT_QUIET("print no text result", 0),
    LM_OPT_HELP_ROW("print this help", 0),
    /* Accepted, but not named by --help (docs/cli.md). */
    LM_OPT_MAX_FILES(NULL, LM_OPT_UNLISTED),
    LM_OPT_COLOR(NULL, LM_OPT_UNLISTED),
    LM_OPT_TABLE_END
};

const struct lm_cmd_spec lm_list_spec = { usage, opts, NULL };

/* list rules: the default set (unless --no-default-rules) and each --rules
 * file, as recommend would load them. */
static int list_rules(struct lm_ctx *ctx, const char *const *files, size_t nfiles, int no_default)
{
    struct lm_ruleset rs = LM_RULESET_INIT;
    int r = lm_cli_load_rules(ctx, &rs, files, nfiles, no_default);
    int rc = lm_status_exit_code(r);
    int w = ctx->format == LM_FMT_JSON ? lm_render_json_rules(&rs, ctx->out)
          : ctx->quiet ? LM_OK : lm_render_text_rules(&rs, ctx->out);
    lm_rules_release(&rs);
    return w == LM_OK ? rc : LM_EXIT_INTERNAL;
}

int cmd_list(int argc, char **argv, struct lm_ctx *ctx)
{
    struct list_args a;
    memset(&a, 0, sizeof(a));
    int first;
    int rc = lm_cli_parse(ctx, &lm_list_spec, argc, argv, &a, &first);
    if (rc == LM_CLI_PARSED)
        rc = list_kind(argc, argv, first, ctx, &a);
    lm_cli_list_release(&a.rules);
    return rc;
}

static int list_kind(int argc, char **argv, int first, struct lm_ctx *ctx,
                     const struct list_args *a)
{
    if (ctx->format != LM_FMT_TEXT && ctx->format != LM_FMT_JSON)
        return lm_cli_usage_error(ctx, "list supports --format text or json");
    if (first >= argc)
        return lm_cli_usage_error(ctx, "list needs a kind: models, hardware, quantizations, runtimes or rules");
    if (first + 1 < argc)
        return lm_cli_usage_error(ctx, "unexpected argument '%s'", argv[first + 1]);
    static const char *const kinds[] = { "models", "hardware", "quantizations", "runtimes", "rules" };
    const char *kind = argv[first];
    int known = 0;
    for (size_t i = 0; i < 4; i++)
        if (strcmp(kinds[i], kind) == 0)
            known = 1;
    if (strcmp(kind, "rules") == 0)
        return list_rules(ctx, a->rules.items, a->rules.n, a->no_default);
    if (!known)
        return lm_cli_unknown_id(ctx, "kind", kind, kinds, 5);
    int rc = lm_cli_load_catalog(ctx);
    if (rc == LM_EXIT_INTERNAL)
        return rc;
    int r;
    if (ctx->format == LM_FMT_JSON)
        r = lm_render_json_list(&ctx->cat, kind, ctx->out);
    else if (!ctx->quiet)
        r = lm_render_text_list(&ctx->cat, kind, ctx->out);
    else
        r = LM_OK;
    if (r != LM_OK)
        return LM_EXIT_INTERNAL;
    return rc;
}
