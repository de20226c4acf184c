/*
 * `lmchoose list models|hardware|quantizations|runtimes`: every entry of the
 * catalog with its origin. An invalid profile still lets list print the valid
 * entries (DESIGN §3.1), with the errors on stderr and exit 3.
 */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "lmchoose/render.h"
#include "lmchoose/rules.h"
#include "lmchoose/status.h"
#include "util/fs.h"
#include <stdlib.h>

static int list_kind(int argc, char **argv, struct lm_ctx *ctx, char **rule_files,
                     size_t nrules, int no_default);

const char *const lm_list_usage[] = {
    "usage: lmchoose list models|hardware|quantizations|runtimes|rules [options]",
    "",
    "Print every entry of the catalog, one row each, with its origin.",
    "",
    "Options:",
    "  --format text|json      text rows (default) or a bare JSON array",
    "  --output FILE           write the result to FILE atomically",
    "  --profiles DIR          add a profile layer (repeatable; also LMCHOOSE_PROFILES)",
    "  --rules FILE            list rules: add rules (repeatable; replaces by id)",
    "  --no-default-rules      list rules: start from an empty rule set",
    "  --max-input-size BYTES  --max-depth N  --max-nodes N  --max-scalar BYTES",
    "                          input limits (defaults: 4 MiB, 64, 100000, 65536)",
    "  -q, --quiet             print no text result",
    "  --help                  print this help",
    NULL
};

enum { OPT_RULES = OPT_CMD_BASE, OPT_NO_DEFAULT_RULES };

/* list rules: the default set (unless --no-default-rules) and each --rules
 * file, as recommend would load them. */
static int list_rules(struct lm_ctx *ctx, char **files, size_t nfiles, int no_default)
{
    struct lm_ruleset rs = LM_RULESET_INIT;
    int r = lm_cli_load_rules(ctx, &rs, (const char *const *)files, nfiles, no_default);
    int rc = lm_status_exit_code(r);
    int w = ctx->format == LM_FMT_JSON ? lm_render_json_rules(&rs, ctx->out)
          : ctx->quiet ? LM_OK : lm_render_text_rules(&rs, ctx->out);
    lm_rules_release(&rs);
    return w == LM_OK ? rc : LM_EXIT_INTERNAL;
}

int cmd_list(int argc, char **argv, struct lm_ctx *ctx)
{
    static const struct option opts[] = {
        { "rules", required_argument, NULL, OPT_RULES },
        { "no-default-rules", no_argument, NULL, OPT_NO_DEFAULT_RULES },
        LM_COMMON_LONG_OPTIONS, { NULL, 0, NULL, 0 }
    };
    char **rule_files = calloc((size_t)argc + 1, sizeof(*rule_files));
    size_t nrules = 0;
    int no_default = 0;
    int c;
    if (rule_files == NULL)
        return LM_EXIT_INTERNAL;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":q", opts, NULL)) != -1) {
        int r = 0;
        if (c == OPT_HELP) {
            lm_cli_print_usage(lm_cli_find_command("list"), ctx->out);
            free(rule_files);
            return LM_EXIT_OK;
        }
        if (c == OPT_RULES)
            rule_files[nrules++] = optarg;
        else if (c == OPT_NO_DEFAULT_RULES)
            no_default = 1;
        else if (c == '?')
            r = lm_cli_usage_error(ctx, "unknown option '%s'", argv[optind - 1]);
        else if (c == ':')
            r = lm_cli_usage_error(ctx, "option '%s' needs a value", argv[optind - 1]);
        else if (lm_cli_common_option(ctx, c, optarg) < 0)
            r = LM_EXIT_USAGE;
        if (r != 0) {
            free(rule_files);
            return LM_EXIT_USAGE;
        }
    }
    int rc = list_kind(argc, argv, ctx, rule_files, nrules, no_default);
    free(rule_files);
    return rc;
}

static int list_kind(int argc, char **argv, struct lm_ctx *ctx, char **rule_files,
                     size_t nrules, int no_default)
{
    if (ctx->format != LM_FMT_TEXT && ctx->format != LM_FMT_JSON)
        return lm_cli_usage_error(ctx, "list supports --format text or json");
    if (optind >= argc)
        return lm_cli_usage_error(ctx, "list needs a kind: models, hardware, quantizations, runtimes or rules");
    if (optind + 1 < argc)
        return lm_cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
    static const char *const kinds[] = { "models", "hardware", "quantizations", "runtimes", "rules" };
    const char *kind = argv[optind];
    int known = 0;
    for (size_t i = 0; i < 4; i++)
        if (strcmp(kinds[i], kind) == 0)
            known = 1;
    if (strcmp(kind, "rules") == 0)
        return list_rules(ctx, rule_files, nrules, no_default);
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
