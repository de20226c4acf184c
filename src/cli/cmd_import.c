/*
 * `lmchoose import KIND FILE [--out DIR] [--date YYYY-MM-DD]`: turn a foreign
 * file into a profile layer directory (docs/import.md). The importers
 * (import_*.c) build every file in memory; this command writes them, each
 * atomically, and prints a summary.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "util/fs.h"
#include "import/import.h"
#include "util/strutil.h"
#include "lmchoose/status.h"

static const char *const usage[] = {
    "usage: lmchoose import litellm FILE [--all-offers] [--out DIR] [--date YYYY-MM-DD]",
    "       lmchoose import gguf FILE [--id ID] [--out DIR] [--date YYYY-MM-DD] [options]",
    "       lmchoose import hf-config config.json|DIR [--id ID] [--out DIR] [options]",
    "",
    "Turn a foreign file into a profile layer directory for --profiles.",
    "",
    "  litellm FILE   LiteLLM's model_prices_and_context_window.json: each chat",
    "                 offer with a per-token price whose model name equals a",
    "                 catalog id or alias (ignoring case, after the provider path,",
    "                 region prefix and vendor namespace) is written to",
    "                 DIR/models/ID.yaml as a partial override holding the API",
    "                 offers; every other offer is listed in DIR/unmatched.txt.",
    "  gguf FILE      a llama.cpp GGUF file: its header (never the weights) gives",
    "                 DIR/models/ID.yaml with the architecture and files: {QUANT:",
    "                 bytes}, the tensor bytes summed by ggml type, which estimate",
    "                 then uses exactly. A catalog ID gets a partial override.",
    "  hf-config F    a Hugging Face config.json (or a DIR holding it, with",
    "                 model.safetensors or its index for an exact count):",
    "                 architecture, context and parameters (formula printed).",
    "",
    "Options:",
    NULL
};

/* YYYY-MM-DD naming a real calendar day. */
static int valid_date(const char *s)
{
    int y, m, d;
    char extra;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3)
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

/* Today (UTC): SOURCE_DATE_EPOCH when set (reproducible runs), else the
 * clock. */
static void today(char buf[32])
{
    time_t t = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde != NULL && sde[0] >= '0' && sde[0] <= '9') {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (*end == '\0')
            t = (time_t)v;
    }
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0)
        snprintf(buf, 32, "9999-12-31");
    else
        snprintf(buf, 32, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static int make_dir(struct lm_ctx *ctx, const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return LM_OK;
        errno = ENOTDIR;
    }
    struct lm_loc loc = { path, 0, 0 };
    return lm_diag_error(&ctx->diags, LM_EOUTPUT, &loc, "cannot create directory: %s",
                         strerror(errno));
}

/* Writes every file of res under dir. */
static int write_result(struct lm_ctx *ctx, const char *dir, const struct lm_import_result *res)
{
    int rc = make_dir(ctx, dir);
    for (size_t i = 0; i < res->nfiles && rc == LM_OK; i++) {
        char *path = lm__asprintf("%s/%s", dir, res->files[i].name);
        if (path == NULL)
            return lm_diag_error(&ctx->diags, LM_ENOMEM, NULL, "out of memory");
        char *slash = strrchr(path, '/');
        if (slash != NULL && slash - path > (ptrdiff_t)strlen(dir)) {
            *slash = '\0';
            rc = make_dir(ctx, path);
            *slash = '/';
        }
        if (rc == LM_OK)
            rc = lm__write_atomic(path, res->files[i].text, res->files[i].len, &ctx->diags);
        free(path);
    }
    return rc;
}

static int import_litellm(struct lm_ctx *ctx, const char *file, const char *dir,
                          const char *date, int all_offers)
{
    int rc = lm_cli_load_catalog(ctx);
    if (rc != LM_EXIT_OK)
        return rc;
    const char *display = strcmp(file, "-") == 0 ? "<stdin>" : file;
    char *buf;
    size_t len;
    int r = lm__read_input(file, display, ctx->limits.max_input_size, &ctx->diags, &buf, &len);
    if (r != LM_OK)
        return lm_status_exit_code(r);
    const char *base = strrchr(display, '/');
    base = base ? base + 1 : display;
    struct lm_import_result res;
    r = lm_import_litellm(&ctx->cat, display, base, buf, len, date, all_offers, &ctx->diags,
                          &res);
    free(buf);
    if (r == LM_OK)
        r = write_result(ctx, dir, &res);
    if (r == LM_OK && !ctx->quiet)
        fprintf(ctx->out,
                "Imported %s (dated %s) into %s:\n%s"
                "Unmatched offers are listed in %s/unmatched.txt: give a model an alias\n"
                "(docs/profiles.md) or write its profile, then import again.\n"
                "Use the layer with --profiles %s (check it: lmchoose validate --profiles %s).\n",
                display, date, dir, res.summary ? res.summary : "", dir, dir, dir);
    lm_import_result_release(&res);
    return lm_status_exit_code(r);
}

static int import_gguf(struct lm_ctx *ctx, const char *file, const char *dir, const char *id,
                       const char *date)
{
    int rc = lm_cli_load_catalog(ctx);
    if (rc != LM_EXIT_OK)
        return rc;
    if (strcmp(file, "-") == 0)
        return lm_cli_usage_error(ctx, "import gguf reads a file, not standard input");
    struct stat st;
    if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
        struct lm_loc loc = { file, 0, 0 };
        lm_diag_error(&ctx->diags, LM_EIO, &loc, "cannot read: %s",
                      stat(file, &st) != 0 ? strerror(errno) : "not a regular file");
        return LM_EXIT_INPUT;
    }
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    struct lm_import_result res;
    int r = lm_import_gguf(&ctx->cat, file, file, base, id, date, &ctx->limits, &ctx->diags, &res);
    if (r == LM_OK)
        r = write_result(ctx, dir, &res);
    if (r == LM_OK && !ctx->quiet)
        fprintf(ctx->out, "Imported %s into %s/%s:\n%s", file, dir, res.files[0].name,
                res.summary ? res.summary : "");
    lm_import_result_release(&res);
    return lm_status_exit_code(r);
}

static int import_hf(struct lm_ctx *ctx, const char *path, const char *dir, const char *id,
                     const char *date)
{
    int rc = lm_cli_load_catalog(ctx);
    if (rc != LM_EXIT_OK)
        return rc;
    struct lm_import_result res;
    int r = lm_import_hf_config(&ctx->cat, path, id, date, &ctx->limits, &ctx->diags, &res);
    if (r == LM_OK)
        r = write_result(ctx, dir, &res);
    if (r == LM_OK && !ctx->quiet)
        fprintf(ctx->out, "Imported %s into %s/%s:\n%s", path, dir, res.files[0].name,
                res.summary ? res.summary : "");
    lm_import_result_release(&res);
    return lm_status_exit_code(r);
}

/* What import's own options set. */
struct import_args {
    const char *dir, *date, *id;
    int all_offers;
};

/* --id: a profile id, [a-z0-9][a-z0-9._-]*, at most 100 bytes. */
static int opt_id(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg)
{
    (void)row;
    size_t n = strlen(arg);
    int ok = n > 0 && n <= 100 && ((arg[0] >= 'a' && arg[0] <= 'z') || (arg[0] >= '0' && arg[0] <= '9'));
    for (size_t i = 0; ok && i < n; i++)
        ok = (arg[i] >= 'a' && arg[i] <= 'z') || (arg[i] >= '0' && arg[i] <= '9') ||
             arg[i] == '.' || arg[i] == '_' || arg[i] == '-';
    if (!ok) {
        lm_cli_usage_error(ctx, "--id needs an id ([a-z0-9][a-z0-9._-]*, at most "
                           "100 bytes), got '%s'", arg);
        return -1;
    }
    ((struct import_args *)target)->id = arg;
    return 0;
}

static int opt_date(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg)
{
    (void)row;
    if (!valid_date(arg)) {
        lm_cli_usage_error(ctx, "--date needs a day as YYYY-MM-DD, got '%s'", arg);
        return -1;
    }
    ((struct import_args *)target)->date = arg;
    return 0;
}

static const struct lm_opt opts[] = {
    { "out", 0, "DIR", "the layer directory to write (default: lmchoose-layer)", LM_OPT_STRING,
      0, offsetof(struct import_args, dir), 0, 0, NULL },
    { "all-offers", 0, NULL, "litellm: also write each unmatched offer with a context\n"
      "length as an API-only profile of its own (no quality)", LM_OPT_FLAG, 0,
      offsetof(struct import_args, all_offers), 0, 0, NULL },
    { "id", 0, "ID", "gguf, hf-config: the model id (default: general.name,\n"
      "or _name_or_path, as an id)", LM_OPT_CALL, 0, 0, 0, 0, opt_id },
    { "date", 0, "YYYY-MM-DD", "the date the file was downloaded (default: today);\n"
      "a layer imported over 90 days ago warns when loaded", LM_OPT_CALL, 0, 0, 0, 0, opt_date },
    LM_OPT_PROFILES("match against this layer too (repeatable)", 0),
    LM_OPT_MAX_INPUT_SIZE("input limit (default 4 MiB)", 0),
    LM_OPT_QUIET("print no summary", 0),
    LM_OPT_HELP_ROW("print this help", 0),
    /* Accepted, but not named by --help (docs/cli.md); --format is then
     * refused ("import takes no --format"). */
    LM_OPT_FORMAT("FORMAT", NULL, LM_OPT_UNLISTED),
    LM_OPT_OUTPUT(NULL, LM_OPT_UNLISTED),
    LM_OPT_MAX_DEPTH(NULL, LM_OPT_UNLISTED),
    LM_OPT_MAX_NODES(NULL, LM_OPT_UNLISTED),
    LM_OPT_MAX_SCALAR(NULL, LM_OPT_UNLISTED),
    LM_OPT_MAX_FILES(NULL, LM_OPT_UNLISTED),
    LM_OPT_COLOR(NULL, LM_OPT_UNLISTED),
    LM_OPT_TABLE_END
};

const struct lm_cmd_spec lm_import_spec = { usage, opts, NULL };

int cmd_import(int argc, char **argv, struct lm_ctx *ctx)
{
    struct import_args a = { "lmchoose-layer", NULL, NULL, 0 };
    int first;
    int rc = lm_cli_parse(ctx, &lm_import_spec, argc, argv, &a, &first);
    if (rc != LM_CLI_PARSED)
        return rc;
    const char *dir = a.dir, *date = a.date, *id = a.id;
    int all_offers = a.all_offers;
    if (ctx->format != LM_FMT_TEXT)
        return lm_cli_usage_error(ctx, "import takes no --format");
    static const char *const kinds[] = { "litellm", "gguf", "hf-config" };
    if (first >= argc)
        return lm_cli_usage_error(ctx, "import needs a kind (litellm, gguf or hf-config) and a FILE");
    const char *kind = argv[first];
    if (strcmp(kind, "litellm") != 0 && strcmp(kind, "gguf") != 0 && strcmp(kind, "hf-config") != 0)
        return lm_cli_unknown_id(ctx, "import kind", kind, kinds, 3);
    if (id != NULL && strcmp(kind, "litellm") == 0)
        return lm_cli_usage_error(ctx, "--id is for import gguf and hf-config");
    if (all_offers && strcmp(kind, "litellm") != 0)
        return lm_cli_usage_error(ctx, "--all-offers is for import litellm");
    if (argc - first != 2)
        return lm_cli_usage_error(ctx, argc - first < 2 ? "import %s needs a FILE"
                                                         : "import %s takes one FILE", kind);
    if (dir[0] == '\0')
        return lm_cli_usage_error(ctx, "--out needs a directory");
    char now[32];
    today(now);
    if (strcmp(kind, "gguf") == 0)
        return import_gguf(ctx, argv[first + 1], dir, id, date ? date : now);
    if (strcmp(kind, "hf-config") == 0)
        return import_hf(ctx, argv[first + 1], dir, id, date ? date : now);
    return import_litellm(ctx, argv[first + 1], dir, date ? date : now, all_offers);
}
