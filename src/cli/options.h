/*
 * One option table per command (docs/cli.md, "Adding an option"). A table
 * is an array of struct lm_opt rows, in the order `--help` lists them and
 * ended by a row of zeros. From it come getopt_long's option array and
 * short-option string (lm_cli_parse), the option list of `--help`
 * (lm_cli_print_usage), the man page (which prints --help) and the shell
 * completions (cli_docs.c). The parser accepts exactly the table's options.
 *
 * A row with a name is an option. Its value goes where the row says:
 * `off` is an offsetof() into the command's own argument struct (the
 * `target` given to lm_cli_parse), or into struct lm_ctx with LM_OPT_CTX.
 * A row without a name (LM_OPT_LINE) is a line of --help's option list
 * printed as written: a blank separator, or one line that documents several
 * options at once (their rows carry LM_OPT_GROUPED).
 */
#ifndef LMCHOOSE_CLI_OPTIONS_H
#define LMCHOOSE_CLI_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

struct lm_ctx;
struct lm_opt;

/* What parsing an option does. */
enum lm_opt_kind {
    LM_OPT_END = 0, /* the row of zeros that ends a table */
    LM_OPT_LINE,    /* not an option: `help` is a line of --help's option list */
    LM_OPT_HELP,    /* print the command's --help and exit 0 */
    LM_OPT_FLAG,    /* int at off = 1 */
    LM_OPT_STRING,  /* const char * at off = the value (the last one wins) */
    LM_OPT_LIST,    /* append the value to the struct lm_cli_list at off (repeatable) */
    LM_OPT_COUNT,   /* double at off = a whole number from min to max */
    LM_OPT_CALL,    /* fn(ctx, target, row, value): checks and stores the value itself */
    LM_OPT_REFUSE   /* another command's option, refused with `help` as the message */
};

/* Row flags. */
enum {
    LM_OPT_CTX = 1,      /* off is in struct lm_ctx, not in the command's struct */
    LM_OPT_GROUPED = 2,  /* --help names it in a LM_OPT_LINE row, not on a line of its own */
    LM_OPT_UNLISTED = 4  /* accepted, but --help does not name it (see docs/cli.md) */
};

/* An LM_OPT_CALL handler: 0 when the value was taken, -1 after it printed a
 * usage error (lm_cli_usage_error). */
typedef int (*lm_opt_fn)(struct lm_ctx *ctx, void *target, const struct lm_opt *row,
                         const char *arg);

struct lm_opt {
    const char *name;     /* long name without "--"; NULL for a LM_OPT_LINE row */
    char short_name;      /* a one-letter alias ('q'), or 0 */
    const char *metavar;  /* the value's placeholder as --help shows it; NULL: no value */
    const char *help;     /* the text at column 27 of --help; '\n' starts a line there */
    enum lm_opt_kind kind;
    unsigned flags;       /* LM_OPT_CTX | LM_OPT_GROUPED | LM_OPT_UNLISTED */
    size_t off;           /* where the value goes (see above) */
    double min, max;      /* LM_OPT_COUNT bounds */
    lm_opt_fn fn;         /* LM_OPT_CALL */
};

/* What a command prints for --help: `usage` (synopsis and description,
 * through the "Options:" heading), the option list made from `opts`, then
 * `tail`. */
struct lm_cmd_spec {
    const char *const *usage; /* NULL-terminated lines */
    const struct lm_opt *opts; /* NULL: the command parses its arguments itself */
    const char *const *tail;   /* NULL-terminated lines, or NULL */
};

/* The values of a repeatable option, in command-line order (LM_OPT_LIST). */
struct lm_cli_list {
    const char **items;
    size_t n, cap;
};
void lm_cli_list_release(struct lm_cli_list *l);

/* lm_cli_parse's "go on": the options were taken and the operands start at
 * *first. Any other return value is the exit code to end the command with
 * (0 after --help, 2 after a usage error, 4 out of memory). */
#define LM_CLI_PARSED (-1)

/* Parses argv (argv[0] is the command) with getopt_long, permuting it as
 * getopt_long does, so the operands are argv[*first .. argc-1]. An unknown
 * option prints "unknown option 'ARG'", a missing value "option 'ARG' needs
 * a value"; options are taken in order, so --help prints the usage unless an
 * earlier option was refused. */
int lm_cli_parse(struct lm_ctx *ctx, const struct lm_cmd_spec *spec, int argc, char **argv,
                 void *target, int *first);

/* Prints spec's --help: usage lines, option list, tail. */
void lm_cli_print_spec(const struct lm_cmd_spec *spec, FILE *f);

/* Handlers of the options every command accepts, for the LM_OPT_* macros. */
int lm_cli_opt_format(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg);
int lm_cli_opt_profiles(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg);
int lm_cli_opt_limit(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg);
int lm_cli_opt_color(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg);
/* --weights formula|auto: the int at off = 1 for formula. */
int lm_cli_opt_weights(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg);

/* Adds a profile layer directory (--profiles, LMCHOOSE_PROFILES); -1 when
 * out of memory. */
int lm_cli_add_profile_dir(struct lm_ctx *ctx, const char *dir);

/* Rows of the options every command accepts (init takes only --force and
 * --help). Each command words its own help; pass flags LM_OPT_GROUPED or
 * LM_OPT_UNLISTED (help NULL) when --help does not give the option a line. */
#define LM_OPT_FORMAT(meta, text, fl) \
    { "format", 0, meta, text, LM_OPT_CALL, LM_OPT_CTX | (fl), 0, 0, 0, lm_cli_opt_format }
#define LM_OPT_OUTPUT(text, fl) \
    { "output", 0, "FILE", text, LM_OPT_STRING, LM_OPT_CTX | (fl), offsetof(struct lm_ctx, output), 0, 0, NULL }
#define LM_OPT_PROFILES(text, fl) \
    { "profiles", 0, "DIR", text, LM_OPT_CALL, LM_OPT_CTX | (fl), 0, 0, 0, lm_cli_opt_profiles }
#define LM_OPT_LIMIT(nm, meta, field, text, fl)                                          \
    { nm, 0, meta, text, LM_OPT_CALL, LM_OPT_CTX | (fl), offsetof(struct lm_ctx, limits.field), \
      1, 1e15, lm_cli_opt_limit }
#define LM_OPT_MAX_INPUT_SIZE(text, fl) LM_OPT_LIMIT("max-input-size", "BYTES", max_input_size, text, fl)
#define LM_OPT_MAX_DEPTH(text, fl) LM_OPT_LIMIT("max-depth", "N", max_depth, text, fl)
#define LM_OPT_MAX_NODES(text, fl) LM_OPT_LIMIT("max-nodes", "N", max_nodes, text, fl)
#define LM_OPT_MAX_SCALAR(text, fl) LM_OPT_LIMIT("max-scalar", "BYTES", max_scalar, text, fl)
#define LM_OPT_MAX_FILES(text, fl) LM_OPT_LIMIT("max-files", "N", max_files, text, fl)
#define LM_OPT_COLOR(text, fl) \
    { "color", 0, "auto|always|never", text, LM_OPT_CALL, LM_OPT_CTX | (fl), 0, 0, 0, lm_cli_opt_color }
#define LM_OPT_QUIET(text, fl) \
    { "quiet", 'q', NULL, text, LM_OPT_FLAG, LM_OPT_CTX | (fl), offsetof(struct lm_ctx, quiet), 0, 0, NULL }
#define LM_OPT_HELP_ROW(text, fl) { "help", 0, NULL, text, LM_OPT_HELP, (fl), 0, 0, 0, NULL }
/* A line of the option list, printed as written. */
#define LM_OPT_TEXT(text) { NULL, 0, NULL, text, LM_OPT_LINE, 0, 0, 0, 0, NULL }

/* The shared options as one `--help` line pair ("as for every command"),
 * each still a row of its own for parsing, the man page and completions. */
#define LM_OPT_SHARED_GROUPED                                                                     \
    LM_OPT_TEXT("  --color auto|always|never, -q/--quiet, --max-input-size, --max-depth, --max-nodes,"), \
    LM_OPT_TEXT("  --max-scalar, --max-files   as for every command (docs/cli.md)"),            \
    LM_OPT_COLOR(NULL, LM_OPT_GROUPED), LM_OPT_QUIET(NULL, LM_OPT_GROUPED),                       \
    LM_OPT_MAX_INPUT_SIZE(NULL, LM_OPT_GROUPED), LM_OPT_MAX_DEPTH(NULL, LM_OPT_GROUPED),         \
    LM_OPT_MAX_NODES(NULL, LM_OPT_GROUPED), LM_OPT_MAX_SCALAR(NULL, LM_OPT_GROUPED),             \
    LM_OPT_MAX_FILES(NULL, LM_OPT_GROUPED)
#define LM_OPT_TABLE_END { NULL, 0, NULL, NULL, LM_OPT_END, 0, 0, 0, 0, NULL }

#endif
