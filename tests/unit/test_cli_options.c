/*
 * The option tables (src/cli/options.h) against what is made from them:
 * every option a table lists appears in the command's --help, in its man
 * page section and in its bash, zsh and fish completions; every option
 * --help names is a row of the table; and the parser accepts exactly the
 * table's options: each row parses (with a value when it takes one), and
 * every other command's option name is refused as unknown.
 *
 * Linked with the CLI's sources except main.c, whose `help` command (no
 * table: its arguments are positional) is stubbed below.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli.h"

static const char *const help_usage[] = { "usage: lmchoose help [COMMAND]", NULL };
const struct lm_cmd_spec lm_help_spec = { help_usage, NULL, NULL };
int cmd_help(int argc, char **argv, struct lm_ctx *ctx)
{
    (void)argc;
    (void)argv;
    (void)ctx;
    return LM_EXIT_OK;
}

/* spec's --help, as a string the caller frees. */
__attribute__((noinline)) static char *capture_spec(const struct lm_cmd_spec *spec)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    lm_cli_print_spec(spec, f);
    assert_int_equal(fclose(f), 0);
    return buf;
}

__attribute__((noinline)) static char *capture_man(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(lm_cli_print_man(f), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

__attribute__((noinline)) static char *capture_completion(const char *shell)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(lm_cli_print_completion(f, shell), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Whether text names option opt as a whole word after dashes ("--"); the
 * man page, which escapes every hyphen, is searched with roff_name. */
static int names_option(const char *text, const char *dashes, const char *opt)
{
    size_t dl = strlen(dashes), ol = strlen(opt);
    for (const char *p = strstr(text, dashes); p != NULL; p = strstr(p + 1, dashes)) {
        const char *q = p + dl;
        if (strncmp(q, opt, ol) == 0 && !is_name_char(q[ol]) &&
            (p == text || !is_name_char(p[-1])))
            return 1;
    }
    return 0;
}

/* opt as the man page writes it: "\-\-max\-depth". */
static void roff_name(const char *opt, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = "--"; *p && n + 2 < cap; p++) {
        out[n++] = '\\';
        out[n++] = '-';
    }
    for (const char *p = opt; *p && n + 2 < cap; p++) {
        if (*p == '-')
            out[n++] = '\\';
        out[n++] = *p;
    }
    out[n] = '\0';
}

/* The man page section of command name (from ".SS name" to the next .SS
 * or .SH), in a buffer the caller frees. */
static char *man_section(const char *man, const char *name)
{
    static char head[64]; /* static: gcc's -Wdangling-pointer misreads strstr */
    snprintf(head, sizeof(head), ".SS %s\n", name);
    const char *s = strstr(man, head);
    assert_non_null(s);
    s += strlen(head);
    const char *e1 = strstr(s, "\n.SS "), *e2 = strstr(s, "\n.SH ");
    const char *e = e1 == NULL || (e2 != NULL && e2 < e1) ? e2 : e1;
    assert_non_null(e);
    char *out = strndup(s, (size_t)(e - s));
    assert_non_null(out);
    return out;
}

/* The line of text that starts with prefix, or NULL (caller frees). */
static char *line_starting(const char *text, const char *prefix)
{
    for (const char *l = text; l != NULL && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, prefix, strlen(prefix)) == 0) {
            const char *e = strchr(l, '\n');
            return strndup(l, e ? (size_t)(e - l) : strlen(l));
        }
    }
    return NULL;
}

static int is_option(const struct lm_opt *row)
{
    return row->name != NULL && row->kind != LM_OPT_REFUSE;
}

/* Row flags agree with the help text: a listed row has help, a grouped or
 * unlisted one has none, and a grouped one is named by a LM_OPT_LINE row. */
static void test_rows_are_consistent(void **state)
{
    (void)state;
    for (size_t c = 0; c < lm_ncommands; c++) {
        const struct lm_opt *rows = lm_commands[c].spec->opts;
        for (size_t i = 0; rows != NULL && rows[i].kind != LM_OPT_END; i++) {
            const struct lm_opt *r = &rows[i];
            if (r->name == NULL) {
                assert_int_equal(r->kind, LM_OPT_LINE);
                assert_non_null(r->help);
                continue;
            }
            for (size_t k = 0; k < i; k++)
                if (rows[k].name != NULL && strcmp(rows[k].name, r->name) == 0)
                    fail_msg("%s: --%s is in the table twice", lm_commands[c].name, r->name);
            int hidden = (r->flags & (LM_OPT_GROUPED | LM_OPT_UNLISTED)) != 0;
            if (r->kind != LM_OPT_REFUSE && hidden != (r->help == NULL))
                fail_msg("%s: --%s: help text %s its flags", lm_commands[c].name, r->name,
                         r->help ? "contradicts" : "is missing for");
            if (r->flags & LM_OPT_GROUPED) {
                int found = 0;
                for (size_t k = 0; rows[k].kind != LM_OPT_END; k++)
                    found |= rows[k].kind == LM_OPT_LINE && names_option(rows[k].help, "--", r->name);
                if (!found)
                    fail_msg("%s: --%s is grouped, but no line names it", lm_commands[c].name,
                             r->name);
            }
        }
    }
}

/* Every option --help should name is named, no unlisted one is, and every
 * "--name" in the option list is a row. */
static void test_help_names_the_table(void **state)
{
    (void)state;
    for (size_t c = 0; c < lm_ncommands; c++) {
        const struct lm_cmd_spec *spec = lm_commands[c].spec;
        if (spec->opts == NULL)
            continue;
        char *help = capture_spec(spec);
        for (size_t i = 0; spec->opts[i].kind != LM_OPT_END; i++) {
            const struct lm_opt *r = &spec->opts[i];
            if (r->name == NULL)
                continue;
            int listed = !(r->flags & LM_OPT_UNLISTED);
            if (names_option(help, "--", r->name) != listed)
                fail_msg("%s --help %s --%s", lm_commands[c].name,
                         listed ? "does not name" : "names the unlisted", r->name);
        }
        /* The option list: what follows the usage lines. */
        struct lm_cmd_spec only = { (const char *const[]){ NULL }, spec->opts, NULL };
        char *list = capture_spec(&only);
        for (const char *p = strstr(list, "--"); p != NULL; p = strstr(p + 2, "--")) {
            if (p > list && is_name_char(p[-1]))
                continue;
            size_t n = 0;
            while (is_name_char(p[2 + n]))
                n++;
            int known = 0;
            for (size_t i = 0; spec->opts[i].kind != LM_OPT_END; i++)
                known |= is_option(&spec->opts[i]) && strlen(spec->opts[i].name) == n &&
                         strncmp(spec->opts[i].name, p + 2, n) == 0;
            /* estimate's --cpu-moe cites llama.cpp's own flag, "(--n-cpu-moe)" */
            if (!known && !(p > list && p[-1] == '('))
                fail_msg("%s --help names --%.*s, which its table does not accept",
                         lm_commands[c].name, (int)n, p + 2);
        }
        free(list);
        free(help);
    }
}

/* The man page section of each command names every listed option, and the
 * completions offer every option the table accepts (with -r in fish when
 * it takes a value). */
static void test_man_and_completions(void **state)
{
    (void)state;
    char *man = capture_man();
    char *bash = capture_completion("bash"), *zsh = capture_completion("zsh");
    char *fish = capture_completion("fish");
    for (size_t c = 0; c < lm_ncommands; c++) {
        const char *name = lm_commands[c].name;
        const struct lm_opt *rows = lm_commands[c].spec->opts;
        char *sec = man_section(man, name);
        char prefix[64];
        snprintf(prefix, sizeof(prefix), "    %s) opts=\"", name);
        char *bline = line_starting(bash, prefix);
        snprintf(prefix, sizeof(prefix), "    %s) opts=(", name);
        char *zline = line_starting(zsh, prefix);
        assert_non_null(bline);
        assert_non_null(zline);
        assert_true(names_option(bline, "--", "version"));
        for (size_t i = 0; rows != NULL && rows[i].kind != LM_OPT_END; i++) {
            const struct lm_opt *r = &rows[i];
            if (r->name == NULL)
                continue;
            char esc[96];
            roff_name(r->name, esc, sizeof(esc));
            if (!(r->flags & LM_OPT_UNLISTED) && strstr(sec, esc) == NULL)
                fail_msg("man page, %s: no %s", name, esc);
            if (names_option(bline, "--", r->name) != is_option(r) ||
                names_option(zline, "--", r->name) != is_option(r))
                fail_msg("%s completions and --%s disagree", name, r->name);
            char want[160];
            snprintf(want, sizeof(want), "complete -c lmchoose -n '__fish_seen_subcommand_from %s' -l %s%s\n",
                     name, r->name, r->metavar ? " -r" : "");
            if ((strstr(fish, want) != NULL) != is_option(r))
                fail_msg("fish: %s", want);
        }
        free(zline);
        free(bline);
        free(sec);
    }
    free(fish);
    free(zsh);
    free(bash);
    free(man);
}

/* A value the row takes: the first of its choices, a number, or a day. */
static const char *sample_value(const struct lm_opt *r)
{
    static char first[64];
    const char *m = r->metavar;
    if (strcmp(m, "N") == 0 || strcmp(m, "BYTES") == 0 || strcmp(m, "N|all") == 0)
        return "1";
    if (strcmp(m, "YYYY-MM-DD") == 0)
        return "2026-01-01";
    if (strcmp(m, "KIND") == 0)
        return "model";
    if (strcmp(m, "P") == 0)
        return "device";
    if (strcmp(m, "T") == 0)
        return "f16";
    if (strcmp(m, "FORMAT") == 0)
        return "text";
    if (strchr(m, '|') != NULL && m[0] >= 'a' && m[0] <= 'z') {
        snprintf(first, sizeof(first), "%.*s", (int)strcspn(m, "|"), m);
        return first;
    }
    return "x";
}

struct parsed {
    int rc;
    char *out;
};

/* Runs cmd's parser on args (after the command name) with a fresh context;
 * the values land in a zeroed buffer standing in for the command's own
 * struct. */
static struct parsed parse(const struct lm_cmd *cmd, int n, const char *const *args)
{
    /* getopt_long permutes argv: its own copies. */
    static char words[8][128];
    static union { max_align_t align; char bytes[4096]; } target;
    memset(&target, 0, sizeof(target));
    struct lm_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    ctx.limits = limits;
    ctx.cmd = cmd->name;
    struct parsed p = { 0, NULL };
    size_t len = 0;
    ctx.out = open_memstream(&p.out, &len);
    assert_non_null(ctx.out);
    char *argv[8];
    for (int i = 0; i <= n && i < 7; i++) {
        snprintf(words[i], sizeof(words[i]), "%s", i == 0 ? cmd->name : args[i - 1]);
        argv[i] = words[i];
    }
    int first;
    p.rc = lm_cli_parse(&ctx, cmd->spec, n + 1, argv, &target, &first);
    fclose(ctx.out);
    free(ctx.profile_dirs);
    /* Repeatable options allocate their lists. */
    for (size_t i = 0; cmd->spec->opts[i].kind != LM_OPT_END; i++)
        if (cmd->spec->opts[i].kind == LM_OPT_LIST)
            lm_cli_list_release((struct lm_cli_list *)(void *)(target.bytes + cmd->spec->opts[i].off));
    return p;
}

/* Each row parses (then --help prints the usage, exit 0); a refused row,
 * an unknown name and every other command's option name that is not an
 * abbreviation of one of this command's are usage errors (exit 2). */
static void test_parser_accepts_exactly_the_table(void **state)
{
    (void)state;
    for (size_t c = 0; c < lm_ncommands; c++) {
        const struct lm_cmd *cmd = &lm_commands[c];
        const struct lm_opt *rows = cmd->spec->opts;
        if (rows == NULL)
            continue;
        char *help = capture_spec(cmd->spec);
        for (size_t i = 0; rows[i].kind != LM_OPT_END; i++) {
            const struct lm_opt *r = &rows[i];
            if (r->name == NULL)
                continue;
            char opt[64];
            snprintf(opt, sizeof(opt), "--%s", r->name);
            const char *args[3] = { opt, r->metavar ? sample_value(r) : "--help", "--help" };
            struct parsed p = parse(cmd, r->metavar ? 3 : 2, args);
            int want = r->kind == LM_OPT_REFUSE ? LM_EXIT_USAGE : LM_EXIT_OK;
            if (p.rc != want)
                fail_msg("%s %s %s: exit %d, expected %d", cmd->name, opt,
                         r->metavar ? args[1] : "", p.rc, want);
            if (want == LM_EXIT_OK)
                assert_string_equal(p.out, help);
            free(p.out);
            if (r->short_name != 0) {
                char s[3] = { '-', r->short_name, '\0' };
                const char *sargs[2] = { s, "--help" };
                p = parse(cmd, 2, sargs);
                assert_int_equal(p.rc, LM_EXIT_OK);
                free(p.out);
            }
        }
        const char *unknown[2] = { "--no-such-option", "--help" };
        struct parsed p = parse(cmd, 2, unknown);
        assert_int_equal(p.rc, LM_EXIT_USAGE);
        assert_string_equal(p.out, "");
        free(p.out);
        /* Other commands' options. */
        for (size_t o = 0; o < lm_ncommands; o++) {
            const struct lm_opt *other = lm_commands[o].spec->opts;
            for (size_t k = 0; other != NULL && other[k].kind != LM_OPT_END; k++) {
                if (other[k].name == NULL)
                    continue;
                int ours = 0;
                for (size_t i = 0; rows[i].kind != LM_OPT_END; i++)
                    ours |= rows[i].name != NULL &&
                            strncmp(rows[i].name, other[k].name, strlen(other[k].name)) == 0;
                if (ours)
                    continue;
                char opt[64];
                snprintf(opt, sizeof(opt), "--%s", other[k].name);
                const char *args[3] = { opt, "1", "--help" };
                p = parse(cmd, 3, args);
                if (p.rc != LM_EXIT_USAGE)
                    fail_msg("%s accepts %s, which its table does not list", cmd->name, opt);
                free(p.out);
            }
        }
        free(help);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_are_consistent),
        cmocka_unit_test(test_help_names_the_table),
        cmocka_unit_test(test_man_and_completions),
        cmocka_unit_test(test_parser_accepts_exactly_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
