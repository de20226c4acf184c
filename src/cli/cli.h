/*
 * Private interface of the command-line tool (main.c, cli.c, cmd_*.c): the
 * run context every command receives, the command table and option helpers.
 * Nothing here is part of lmchoose_core.
 */
#ifndef LMCHOOSE_CLI_H
#define LMCHOOSE_CLI_H

#include <stdio.h>

#include "lmchoose/catalog.h"
#include "lmchoose/diag.h"
#include "lmchoose/limits.h"
#include "cli/options.h"

enum lm_format { LM_FMT_TEXT, LM_FMT_JSON, LM_FMT_MARKDOWN, LM_FMT_SARIF,
                 LM_FMT_JUNIT, LM_FMT_GITHUB, LM_FMT_HTML };
extern const char *const lm_format_names[8];

/* Everything a command needs; owned by main(). */
struct lm_ctx {
    const char *cmd;              /* command name, for messages */
    struct lm_limits limits;
    const char **profile_dirs;    /* LMCHOOSE_PROFILES entries, then --profiles */
    size_t nprofile_dirs, capprofile_dirs;
    struct lm_catalog cat;
    struct lm_diags diags;
    int format;                   /* enum lm_format */
    const char *output;           /* --output FILE, or NULL */
    int quiet;
    int color;                    /* resolved: 1 = emit colour */
    int color_mode;               /* 0 auto, 1 always, 2 never */
    FILE *out;                    /* results go here (a memory stream) */
    char *outbuf;
    size_t outlen;
};

typedef int (*lm_cmd_fn)(int argc, char **argv, struct lm_ctx *ctx);

struct lm_cmd {
    const char *name;
    lm_cmd_fn fn;
    const char *summary;
    const struct lm_cmd_spec *spec; /* --help text and option table (options.h) */
};

/* Exit codes of DESIGN §6. */
enum { LM_EXIT_OK = 0, LM_EXIT_FINDINGS = 1, LM_EXIT_USAGE = 2,
       LM_EXIT_INPUT = 3, LM_EXIT_INTERNAL = 4 };

/* A usage error: prints "lmchoose: error: MSG" and "Try 'lmchoose CMD
 * --help'." to stderr; returns LM_EXIT_USAGE. */
int lm_cli_usage_error(const struct lm_ctx *ctx, const char *fmt, ...) LM_PRINTF(2, 3);

/* Whether text output gets ANSI colour: --color always, or auto with stdout
 * a terminal, NO_COLOR unset or empty, TERM not "dumb" and no --output. */
int lm_cli_color(const struct lm_ctx *ctx);

/* Loads the catalog (builtin + layers); on errors prints the diagnostics and
 * returns LM_EXIT_INPUT, else 0. */
int lm_cli_load_catalog(struct lm_ctx *ctx);

/* Parses a positive integer option value; -1 after a usage error. */
int lm_cli_parse_count(const struct lm_ctx *ctx, const char *opt, const char *arg,
                       double min, double max, double *out);

struct lm_scenario;
struct lm_ruleset;

/* Checks the scenario's ids that must name something: constraints.hardware
 * (catalog ids or local), rules.disable and rules.waive (rule ids). Errors go
 * to ctx->diags at the value, with "did you mean". Returns LM_OK or
 * LM_ESCHEMA. */
int lm_cli_check_scenario_ids(struct lm_ctx *ctx, const struct lm_catalog *cat,
                              struct lm_scenario *sc, const struct lm_ruleset *rs);

/* Resolves deployment.model, .hardware (or local), .quantization (or auto)
 * and .runtime to catalog ids (DESIGN §9.7), rewriting the scenario's
 * values. With report, a name that resolves to nothing is an error at its
 * value, with "did you mean" (validate); without, it is left as written
 * (recommend and explain, which echo the deployment but do not judge it).
 * Returns LM_OK or LM_ESCHEMA. */
int lm_cli_resolve_deployment_ids(struct lm_ctx *ctx, const struct lm_catalog *cat,
                                  struct lm_scenario *sc, int report);

/* Resolves the name at *slot (a value written at loc in an input file) to
 * its catalog entry, rewriting *slot to the catalog id so that everything
 * downstream, the JSON echo included, sees the id. NULL when *slot is NULL
 * or the keyword; NULL with an error at loc ("did you mean") and *rc set to
 * LM_ESCHEMA when it names nothing or several entries. */
const void *lm_cli_resolve_at(struct lm_ctx *ctx, const struct lm_catalog *cat,
                              enum lm_id_kind kind, const char **slot, const char *keyword,
                              const struct lm_loc *loc, int *rc);

/* MODEL as typed on the command line: an id, an alias, or an Ollama tag
 * that also names the quantization (lm_catalog_resolve_tag), which is then
 * returned in *tag_quant (else NULL). On failure prints the usage error,
 * sets *rc to LM_EXIT_USAGE and returns NULL. */
const struct lm_model *lm_cli_resolve_model(const struct lm_ctx *ctx, const char **name,
                                           const struct lm_quant **tag_quant, int *rc);

/* When deployment.model is an Ollama tag naming the quantization too
 * ("llama3.1:8b-instruct-q4_K_M"), rewrites deployment.model and
 * deployment.quantization to their ids. A deployment.quantization that
 * names another format is an error at its value when report is set (else
 * the scenario is left as written). Returns LM_OK or LM_ESCHEMA. */
int lm_cli_deployment_tag(struct lm_ctx *ctx, const struct lm_catalog *cat,
                          struct lm_scenario *sc, int report);

/* Resolves a name typed on the command line (an id or an alias, DESIGN
 * §9.7) in ctx->cat: returns the entry and sets *name to its catalog id, or
 * prints the usage error ("unknown …" or "ambiguous …" with "did you
 * mean"), sets *rc to LM_EXIT_USAGE and returns NULL. keyword ("local",
 * "auto") is the caller's to handle; it is only suggested here. */
const void *lm_cli_resolve(const struct lm_ctx *ctx, enum lm_id_kind kind, const char **name,
                           const char *keyword, int *rc);

/* Loads the default rule set (unless no_default), then each file in order
 * (- is standard input); later rules replace earlier ones by id. Returns an
 * lm_status; diagnostics go to ctx->diags. */
int lm_cli_load_rules(struct lm_ctx *ctx, struct lm_ruleset *rs, const char *const *files,
                      size_t nfiles, int no_default);

/* Prints the --help of cmd to f (lm_cli_print_spec). */
void lm_cli_print_usage(const struct lm_cmd *cmd, FILE *f);

/* "did you mean" over a list of ids, for unknown ids on the command line. */
int lm_cli_unknown_id(const struct lm_ctx *ctx, const char *what, const char *id,
                      const char *const *ids, size_t n);

/* Exit-code lines of the top --help, shared with the man page. */
extern const char *const lm_exit_code_help[];

/* lmchoose(1) from the command table and each command's --help (cli_docs.c). */
int lm_cli_print_man(FILE *f);
/* A completion script for shell ("bash", "zsh", "fish"); 1 when the shell
 * is unknown, -1 on a write error. */
int lm_cli_print_completion(FILE *f, const char *shell);

extern const struct lm_cmd lm_commands[];
extern const size_t lm_ncommands;
const struct lm_cmd *lm_cli_find_command(const char *name);

int cmd_check(int argc, char **argv, struct lm_ctx *ctx);
int cmd_estimate(int argc, char **argv, struct lm_ctx *ctx);
int cmd_explain(int argc, char **argv, struct lm_ctx *ctx);
int cmd_help(int argc, char **argv, struct lm_ctx *ctx);
int cmd_import(int argc, char **argv, struct lm_ctx *ctx);
int cmd_init(int argc, char **argv, struct lm_ctx *ctx);
int cmd_list(int argc, char **argv, struct lm_ctx *ctx);
int cmd_recommend(int argc, char **argv, struct lm_ctx *ctx);
int cmd_show(int argc, char **argv, struct lm_ctx *ctx);
int cmd_validate(int argc, char **argv, struct lm_ctx *ctx);

extern const struct lm_cmd_spec lm_check_spec;
extern const struct lm_cmd_spec lm_estimate_spec;
extern const struct lm_cmd_spec lm_explain_spec;
extern const struct lm_cmd_spec lm_help_spec;
extern const struct lm_cmd_spec lm_import_spec;
extern const struct lm_cmd_spec lm_init_spec;
extern const struct lm_cmd_spec lm_list_spec;
extern const struct lm_cmd_spec lm_recommend_spec;
extern const struct lm_cmd_spec lm_show_spec;
extern const struct lm_cmd_spec lm_validate_spec;

#endif
