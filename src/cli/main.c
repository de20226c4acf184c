/*
 * main(): the command dispatch of DESIGN §6, the run context, output
 * buffering and the exit code. The only file that calls exit().
 *
 * Results are written to a memory stream and copied to stdout (or written
 * atomically to --output) at the end, so that a failed write is one place to
 * handle: EPIPE ends the run with exit 4 and no message, any other write
 * error prints "cannot write output" and exits 4.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/heap.h"
#include "lmchoose/quality.h"
#include "util/fs.h"
#include "lmchoose/status.h"
#include "util/strutil.h"

/* help parses its arguments itself (help --man [--output FILE] is positional),
 * so it has no option table. */
static const char *const help_usage[] = {
    "usage: lmchoose help [COMMAND]",
    "       lmchoose help --man [--output FILE]",
    "       lmchoose help --completions bash|zsh|fish [--output FILE]",
    "",
    "Print the usage of COMMAND, or the list of commands; or the man page",
    "lmchoose(1), or a shell completion script, generated from these texts.",
    NULL
};
const struct lm_cmd_spec lm_help_spec = { help_usage, NULL, NULL };

static void print_top_usage(FILE *f)
{
    fprintf(f,
            "usage: lmchoose [recommend] [SCENARIO|-] [options]\n"
            "       lmchoose COMMAND [options]\n"
            "       lmchoose --help | --version\n"
            "\n"
            "lmchoose tells a team whether their application should run a small or a\n"
            "large language model, which one, and where.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < lm_ncommands; i++)
        fprintf(f, "  %-10s %s\n", lm_commands[i].name, lm_commands[i].summary);
    fprintf(f, "\nExit codes:\n");
    for (size_t i = 0; lm_exit_code_help[i] != NULL; i++)
        fprintf(f, "  %s\n", lm_exit_code_help[i]);
    fprintf(f, "\nRun 'lmchoose help COMMAND' for a command's options. Documentation: docs/cli.md.\n");
}

int cmd_help(int argc, char **argv, struct lm_ctx *ctx)
{
    if (argc < 2) {
        print_top_usage(ctx->out);
        return LM_EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0) {
        lm_cli_print_usage(lm_cli_find_command("help"), ctx->out);
        return LM_EXIT_OK;
    }
    /* The generated texts may be written with --output FILE (the build
     * writes them so, atomically). */
    int gen = strcmp(argv[1], "--man") == 0 || strcmp(argv[1], "--completions") == 0;
    int want = strcmp(argv[1], "--man") == 0 ? 2 : 3;
    if (gen && argc == want + 2 && strcmp(argv[want], "--output") == 0) {
        ctx->output = argv[want + 1];
        argc = want;
    } else if (gen && argc > want) {
        return lm_cli_usage_error(ctx, "unexpected argument '%s'", argv[want]);
    }
    if (strcmp(argv[1], "--man") == 0)
        return lm_cli_print_man(ctx->out) == 0 ? LM_EXIT_OK : LM_EXIT_INTERNAL;
    if (strcmp(argv[1], "--completions") == 0) {
        if (argc < 3)
            return lm_cli_usage_error(ctx, "--completions needs a shell: bash, zsh or fish");
        int r = lm_cli_print_completion(ctx->out, argv[2]);
        if (r > 0)
            return lm_cli_usage_error(ctx, "unknown shell '%s' (bash, zsh or fish)", argv[2]);
        return r == 0 ? LM_EXIT_OK : LM_EXIT_INTERNAL;
    }
    const struct lm_cmd *c = lm_cli_find_command(argv[1]);
    if (c == NULL) {
        const char *names[16];
        for (size_t i = 0; i < lm_ncommands && i < 16; i++)
            names[i] = lm_commands[i].name;
        return lm_cli_unknown_id(ctx, "command", argv[1], names, lm_ncommands);
    }
    lm_cli_print_usage(c, ctx->out);
    return LM_EXIT_OK;
}

/* A first argument that is not a command is a scenario for recommend when
 * it is -, an option, an existing path, contains '/', or ends in .yaml/.yml. */
static int looks_like_scenario(const char *a)
{
    size_t n = strlen(a);
    if (a[0] == '-' || strchr(a, '/') != NULL || access(a, F_OK) == 0)
        return 1;
    return (n > 5 && strcmp(a + n - 5, ".yaml") == 0) || (n > 4 && strcmp(a + n - 4, ".yml") == 0);
}

static int add_env_profiles(struct lm_ctx *ctx, char **env_copy)
{
    const char *env = getenv("LMCHOOSE_PROFILES");
    *env_copy = NULL;
    if (env == NULL || env[0] == '\0')
        return 0;
    *env_copy = strdup(env);
    if (*env_copy == NULL)
        return -1;
    char *save = NULL;
    for (char *tok = strtok_r(*env_copy, ":", &save); tok != NULL;
         tok = strtok_r(NULL, ":", &save))
        if (lm_cli_add_profile_dir(ctx, tok) < 0)
            return -1;
    return 0;
}

static int flush_output(struct lm_ctx *ctx, int run_rc)
{
    if (ctx->out != NULL) {
        if (fclose(ctx->out) != 0) {
            ctx->out = NULL;
            return LM_EXIT_INTERNAL;
        }
        ctx->out = NULL;
    }
    /* Nothing produced (a failed run, or -q): never create or truncate
     * --output, so a run that fails does not lose the user's file. */
    if (ctx->outlen == 0)
        return LM_EXIT_OK;
    /* A run that failed (exit 3 or 4) may still have produced a document
     * (JSON's errors); it goes to a new --output file, but never replaces
     * an existing one (docs/reliability.md). */
    if (ctx->output != NULL && strcmp(ctx->output, "-") != 0 && run_rc >= LM_EXIT_INPUT) {
        int r = lm__write_new(ctx->output, ctx->outbuf, ctx->outlen, &ctx->diags);
        if (r == LM_EUSAGE) {
            struct lm_loc loc = { ctx->output, 0, 0 };
            lm_diag_warning(&ctx->diags, &loc, "not replaced, because the run failed");
            return LM_EXIT_OK;
        }
        return r == LM_OK ? LM_EXIT_OK : LM_EXIT_INTERNAL;
    }
    int rc = lm__write_atomic(ctx->output ? ctx->output : "-", ctx->outbuf,
                              ctx->outlen, &ctx->diags);
    return rc == LM_OK ? LM_EXIT_OK : LM_EXIT_INTERNAL;
}

int main(int argc, char **argv)
{
    /* A closed pipe is reported as a failed write (exit 4), not a signal. */
    signal(SIGPIPE, SIG_IGN);
    lm_cli_heap_setup();
    /* The shipped catalog's quality fit, made at build time. */
    lm_quality_use_precomputed(&lm_builtin_quality_fit);

    struct lm_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_catalog cat = LM_CATALOG_INIT;
    struct lm_diags diags = LM_DIAGS_INIT;
    ctx.limits = limits;
    ctx.cat = cat;
    ctx.diags = diags;
    char *env_copy = NULL;
    int rc;

    /* Dispatch (DESIGN §6): the first argument is a command if it names
     * one; otherwise a scenario path (or options) for recommend. */
    const char *first = argc >= 2 ? argv[1] : "";
    int implicit_recommend = argc < 2;
    /* --version is accepted by every command, anywhere before "--" (clig.dev):
     * the version, then the date of the compiled-in catalog. */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--version") != 0)
            continue;
        if (printf("lmchoose %s\ncatalog %s\n", LM_VERSION_STRING, LM_CATALOG_DATE) < 0 ||
            fflush(stdout) != 0)
            return LM_EXIT_INTERNAL;
        return LM_EXIT_OK;
    }
    const struct lm_cmd *cmd = NULL;
    if (implicit_recommend)
        cmd = lm_cli_find_command("recommend");
    else if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0)
        cmd = lm_cli_find_command("help");
    else
        cmd = lm_cli_find_command(first);
    if (cmd == NULL && looks_like_scenario(first)) {
        cmd = lm_cli_find_command("recommend");
        implicit_recommend = 1;
    }
    if (cmd == NULL) {
        const char *names[16];
        for (size_t i = 0; i < lm_ncommands && i < 16; i++)
            names[i] = lm_commands[i].name;
        return lm_cli_unknown_id(NULL, "command", first, names, lm_ncommands);
    }
    ctx.cmd = cmd->name;
    ctx.color_mode = 0;
    if (add_env_profiles(&ctx, &env_copy) != 0) {
        rc = LM_EXIT_INTERNAL;
        goto out;
    }
    ctx.out = open_memstream(&ctx.outbuf, &ctx.outlen);
    if (ctx.out == NULL) {
        fprintf(stderr, "lmchoose: error: out of memory\n");
        rc = LM_EXIT_INTERNAL;
        goto out;
    }
    /* An implicit recommend sees every argument after the program name. */
    rc = implicit_recommend ? cmd->fn(argc, argv, &ctx) : cmd->fn(argc - 1, argv + 1, &ctx);
    if (rc == LM_EXIT_USAGE) {
        /* Usage errors print nothing on stdout (DESIGN §6.1). */
        fclose(ctx.out);
        ctx.out = NULL;
        goto out;
    }
    int wrc = flush_output(&ctx, rc);
    if (wrc != LM_EXIT_OK)
        rc = LM_EXIT_INTERNAL;
out:
    lm_diags_print(&ctx.diags, stderr);
    if (ctx.out != NULL)
        fclose(ctx.out);
    free(ctx.outbuf);
    free(ctx.profile_dirs);
    free(env_copy);
    lm_catalog_release(&ctx.cat);
    lm_diags_release(&ctx.diags);
    if (fflush(stdout) != 0 && rc < LM_EXIT_INTERNAL && errno != EPIPE) {
        fprintf(stderr, "lmchoose: error: cannot write output: %s\n", strerror(errno));
        rc = LM_EXIT_INTERNAL;
    }
    return rc;
}
