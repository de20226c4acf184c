/*
 * `lmchoose init [FILE] [--force]`: write the default scenario (DESIGN §6.2),
 * commented, to FILE (default lmchoose.yaml; - for stdout). It never
 * overwrites an existing file unless --force, and always writes atomically,
 * so an interrupted run leaves either the old file or the new one.
 */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "util/fs.h"
#include "lmchoose/scenario.h"
#include "lmchoose/status.h"

const char *const lm_init_usage[] = {
    "usage: lmchoose init [FILE|-] [--force]",
    "",
    "Write a commented starter scenario (the defaults lmchoose uses with no",
    "scenario) to FILE, default lmchoose.yaml, or to standard output with -.",
    "An existing FILE is never replaced unless --force is given; the file is",
    "written atomically (a temporary file, then rename).",
    "",
    "Options:",
    "  --force                 replace an existing FILE",
    "  --help                  print this help",
    NULL
};

enum { OPT_FORCE = OPT_CMD_BASE };

int cmd_init(int argc, char **argv, struct lm_ctx *ctx)
{
    static const struct option opts[] = {
        { "force", no_argument, NULL, OPT_FORCE },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    int force = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == OPT_HELP) {
            lm_cli_print_usage(lm_cli_find_command("init"), ctx->out);
            return LM_EXIT_OK;
        }
        if (c == OPT_FORCE) {
            force = 1;
            continue;
        }
        return lm_cli_usage_error(ctx, "unknown option '%s'", argv[optind - 1]);
    }
    if (optind + 1 < argc)
        return lm_cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
    const char *path = optind < argc ? argv[optind] : "lmchoose.yaml";
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
