/*
 * `lmchoose list models|hardware|quantizations|runtimes`: every entry of the
 * catalog with its origin. An invalid profile still lets list print the valid
 * entries (DESIGN §3.1), with the errors on stderr and exit 3.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "lmchoose/render.h"
#include "lmchoose/status.h"

const char *const lm_list_usage[] = {
    "usage: lmchoose list models|hardware|quantizations|runtimes [options]",
    "",
    "Print every entry of the catalog, one row each, with its origin.",
    "",
    "Options:",
    "  --format text|json      text rows (default) or a bare JSON array",
    "  --output FILE           write the result to FILE atomically",
    "  --profiles DIR          add a profile layer (repeatable; also LMCHOOSE_PROFILES)",
    "  --max-input-size BYTES  --max-depth N  --max-nodes N  --max-scalar BYTES",
    "                          input limits (defaults: 4 MiB, 64, 100000, 65536)",
    "  -q, --quiet             print no text result",
    "  --help                  print this help",
    NULL
};

int cmd_list(int argc, char **argv, struct lm_ctx *ctx)
{
    static const struct option opts[] = { LM_COMMON_LONG_OPTIONS, { NULL, 0, NULL, 0 } };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":q", opts, NULL)) != -1) {
        if (c == OPT_HELP) {
            lm_cli_print_usage(lm_cli_find_command("list"), ctx->out);
            return LM_EXIT_OK;
        }
        if (c == '?')
            return lm_cli_usage_error(ctx, "unknown option '%s'", argv[optind - 1]);
        if (c == ':')
            return lm_cli_usage_error(ctx, "option '%s' needs a value", argv[optind - 1]);
        int r = lm_cli_common_option(ctx, c, optarg);
        if (r < 0)
            return LM_EXIT_USAGE;
    }
    if (ctx->format != LM_FMT_TEXT && ctx->format != LM_FMT_JSON)
        return lm_cli_usage_error(ctx, "list supports --format text or json");
    if (optind >= argc)
        return lm_cli_usage_error(ctx, "list needs a kind: models, hardware, quantizations or runtimes");
    if (optind + 1 < argc)
        return lm_cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
    static const char *const kinds[] = { "models", "hardware", "quantizations", "runtimes" };
    const char *kind = argv[optind];
    int known = 0;
    for (size_t i = 0; i < 4; i++)
        if (strcmp(kinds[i], kind) == 0)
            known = 1;
    if (!known) {
        if (strcmp(kind, "rules") == 0)
            return lm_cli_usage_error(ctx, "'list rules' needs the rules engine, which this version does not have yet");
        return lm_cli_unknown_id(ctx, "kind", kind, kinds, 4);
    }
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
