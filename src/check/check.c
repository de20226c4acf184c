/*
 * `lmchoose check` (DESIGN §6.3): every scenario file with a `deployment`
 * block, and every deployment in the files teams already have (Kubernetes,
 * compose, vLLM/TGI command lines, LiteLLM, SkyPilot, Ollama; read by
 * deploy_*.c and judged against the workload .lmchoose.yaml gives the
 * service), is judged — the declared candidate is estimated and run through the
 * rules exactly as recommend judges its own candidates (recommend.c,
 * lm_recommend_evaluate), the findings are located at the YAML key they are
 * about and matched against the file's waivers, and an advisory finding is
 * added when another candidate of the scenario scores clearly higher.
 *
 * Every input is evaluated even when others fail; an input that cannot be
 * evaluated is reported on stderr (ctx->diags) and as a file entry with an
 * error, and makes the run exit 3.
 */
#include "check/check.h"
#include "check/check_int.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "deploy/deploy_read.h"
#include "rules/facts.h"
#include "util/fs.h"
#include "lmchoose/host.h"
#include "lmchoose/recommend.h"
#include "lmchoose/scenario.h"
#include "lmchoose/status.h"
#include "check/repo_config.h"
#include "util/strutil.h"
#include "io/ynode.h"
#include "util/numfmt.h"

/* Deployments judged per file: each is a full ranking (about 10 ms), and a
 * hostile 4 MiB script could hold 100 000 `vllm serve` lines. */
#define MAX_DEPLOYS_PER_FILE 64

/* ------------------------------------------------------------- discovery */

struct pathlist {
    char **v;
    size_t n, cap;
    int full; /* a walk stopped at --max-files */
};

static int pl_add(struct pathlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **g = realloc(l->v, cap * sizeof(*g));
        if (g == NULL)
            return LM_ENOMEM;
        l->v = g;
        l->cap = cap;
    }
    if ((l->v[l->n] = strdup(s)) == NULL)
        return LM_ENOMEM;
    l->n++;
    return LM_OK;
}

static void pl_free(struct pathlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_yaml_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* What a directory walk reads: YAML, and the text deployment formats
 * (Dockerfile, Modelfile, shell scripts). */
static int is_checked_name(const char *name)
{
    return is_yaml_name(name) || lm__deploy_text_name(name);
}

/* Appends every *.yaml / *.yml under dir (recursively; names starting with
 * '.' skipped, symlinked directories not followed). Nothing under dir is
 * passed over in silence (issue 15): a directory deeper than --max-depth, an
 * entry that cannot be examined or read, and listing past --max-files are
 * errors, in *status; a symbolic link to a directory is a warning. The walk
 * goes on after an error, so every problem is reported; it stops at
 * --max-files. Returns LM_OK, or LM_ENOMEM. */
static int walk(struct lm_ctx *ctx, const char *dir, struct pathlist *out, size_t depth,
                int *status)
{
    struct lm_loc loc = { dir, 0, 0 };
    if (depth > ctx->limits.max_depth) {
        *status = lm_diag_error(&ctx->diags, LM_ELIMIT, &loc,
                                "directory nesting exceeds --max-depth (%zu); not read",
                                ctx->limits.max_depth);
        return LM_OK;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        *status = lm_diag_error(&ctx->diags, LM_EIO, &loc, "cannot read directory: %s",
                                strerror(errno));
        return LM_OK;
    }
    int rc = LM_OK;
    size_t dl = strlen(dir);
    int slash = dl > 0 && dir[dl - 1] == '/';
    /* `check .` lists "k8s/x.yaml", not "./k8s/x.yaml". */
    int here = strcmp(dir, ".") == 0 || strcmp(dir, "./") == 0;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (e == NULL) {
            if (errno != 0)
                *status = lm_diag_error(&ctx->diags, LM_EIO, &loc, "cannot read directory: %s",
                                        strerror(errno));
            break;
        }
        if (e->d_name[0] == '.')
            continue;
        char *path = here ? lm__asprintf("%s", e->d_name)
                          : lm__asprintf("%s%s%s", dir, slash ? "" : "/", e->d_name);
        if (path == NULL) {
            rc = LM_ENOMEM;
            break;
        }
        struct stat st;
        struct lm_loc at = { path, 0, 0 };
        if (lstat(path, &st) != 0) {
            *status = lm_diag_error(&ctx->diags, LM_EIO, &at, "cannot read: %s", strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(ctx, path, out, depth + 1, status);
        } else {
            /* A symlink to a file is read; one to a directory is not
             * followed (no loops), and says so. */
            struct stat t;
            int link_dir = S_ISLNK(st.st_mode) && stat(path, &t) == 0 && S_ISDIR(t.st_mode);
            if (link_dir)
                lm_diag_warning(&ctx->diags, &at, "symbolic link to a directory not followed");
            else if (is_checked_name(e->d_name) && out->n >= ctx->limits.max_files) {
                *status = lm_diag_error(&ctx->diags, LM_ELIMIT, &loc,
                                        "more than --max-files (%zu) files; none was checked",
                                        ctx->limits.max_files);
                out->full = 1;
            } else if (is_checked_name(e->d_name))
                rc = pl_add(out, path);
        }
        free(path);
        if (rc != LM_OK || out->full)
            break;
    }
    closedir(d);
    return rc;
}

/* ------------------------------------------------------------ the result */

static struct lm_check_file *new_file(struct lm_check_result *res, const char *name)
{
    if (res->n == res->cap) {
        size_t cap = res->cap ? res->cap * 2 : 16;
        struct lm_check_file *g = realloc(res->files, cap * sizeof(*g));
        if (g == NULL)
            return NULL;
        res->files = g;
        res->cap = cap;
    }
    struct lm_check_file *f = &res->files[res->n];
    memset(f, 0, sizeof(*f));
    f->file = lm_arena_strdup(&res->arena, name);
    if (f->file == NULL)
        return NULL;
    f->passed = 0;
    res->n++;
    return f;
}

/* Marks f as not evaluated, with every error diagnostic from d0 on (the
 * first is error_message). */
static void set_error(struct lm_check_result *res, struct lm_check_file *f,
                      const struct lm_diags *diags, size_t d0)
{
    f->error = 1;
    f->passed = 0;
    size_t n = 0;
    for (size_t i = d0; i < diags->count; i++)
        n += diags->items[i].sev == LM_SEV_ERROR;
    f->errors = n ? lm_arena_alloc(&res->arena, n * sizeof(*f->errors)) : NULL;
    f->nerrors = 0;
    for (size_t i = d0; i < diags->count && f->errors != NULL; i++) {
        const struct lm_diag *g = &diags->items[i];
        if (g->sev != LM_SEV_ERROR)
            continue;
        struct lm_check_error *e = &f->errors[f->nerrors++];
        e->message = lm_arena_strdup(&res->arena, g->msg);
        e->line = g->line;
        e->col = g->line ? g->col : 0;
        if (e->message == NULL)
            e->message = "out of memory";
    }
    if (f->nerrors > 0) {
        f->error_message = f->errors[0].message;
        f->error_line = f->errors[0].line;
        f->error_col = f->errors[0].col;
        return;
    }
    f->error_message = "input error";
}

/* --------------------------------------------------------------- waivers */

/* Today (UTC) as YYYY-MM-DD: SOURCE_DATE_EPOCH when set (and not empty),
 * else the clock. A malformed value is an error, never a silent fall-back
 * to the clock (issue 15): the reproducible-builds specification asks for a
 * decimal count of seconds, and clang refuses anything else the same way.
 * Returns 0, or -1 after adding the diagnostic. */
static int today(struct lm_diags *diags, char buf[32])
{
    time_t t = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde != NULL && sde[0] != '\0') {
        char *end;
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        if (!(sde[0] >= '0' && sde[0] <= '9') || *end != '\0' || errno == ERANGE ||
            v > 253402300799LL) {
            lm_diag_error(diags, LM_EUSAGE, NULL,
                          "SOURCE_DATE_EPOCH '%s' must be a non-negative decimal integer "
                          "(seconds since 1970-01-01 UTC) no larger than 253402300799", sde);
            return -1;
        }
        t = (time_t)v;
    }
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0)
        snprintf(buf, 32, "9999-12-31");
    else
        snprintf(buf, 32, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return 0;
}

static int valid_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return 0;
    return !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

static int known_rule(const struct state *s, const char *id)
{
    return lm_rules_find(s->rs, id) >= 0 || lm_check_own_rule(id) >= 0;
}

/* `# lmchoose:waive RULE "reason" YYYY-MM-DD` comments of a file (any line;
 * they waive the rule for every deployment of the file, like checkov's
 * `checkov:skip=` comments). A malformed comment or an unknown rule is an
 * input error at the comment: a waiver that silently waives nothing is
 * worse than none. */
static int comment_waivers(struct state *s, const char *file, const char *buf, size_t len,
                           struct lm_waiver **out, size_t *nout)
{
    static const char tag[] = "lmchoose:waive";
    *out = NULL;
    *nout = 0;
    size_t cap = 0;
    int rc = LM_OK;
    unsigned line = 1;
    size_t ls = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && buf[i] != '\n')
            continue;
        /* the line is buf[ls, i) */
        const char *p = NULL;
        for (size_t k = ls; k + sizeof(tag) - 1 <= i; k++)
            if (buf[k] == '#') {
                size_t j = k + 1;
                while (j < i && buf[j] == ' ')
                    j++;
                if (j + sizeof(tag) - 1 <= i && memcmp(buf + j, tag, sizeof(tag) - 1) == 0)
                    p = buf + j;
                break;
            }
        if (p != NULL) {
            unsigned col = (unsigned)(p - (buf + ls)) + 1;
            struct lm_loc loc = { file, line, col };
            const char *e = buf + i;
            const char *q = p + sizeof(tag) - 1;
            char rule[128] = "", reason[512] = "", date[32] = "";
            int ok = 1;
            while (q < e && *q == ' ')
                q++;
            size_t n = 0;
            while (q < e && *q != ' ' && n + 1 < sizeof(rule))
                rule[n++] = *q++;
            rule[n] = '\0';
            while (q < e && *q == ' ')
                q++;
            if (q < e && *q == '"') {
                q++;
                n = 0;
                while (q < e && *q != '"' && n + 1 < sizeof(reason))
                    reason[n++] = *q++;
                reason[n] = '\0';
                ok = q < e && *q == '"' && n > 0;
                q++;
            } else {
                ok = 0;
            }
            while (q < e && *q == ' ')
                q++;
            n = 0;
            while (q < e && *q != ' ' && *q != '\r' && n + 1 < sizeof(date))
                date[n++] = *q++;
            date[n] = '\0';
            if (!ok || rule[0] == '\0' || !valid_date(date)) {
                rc = lm_diag_error(s->diags, LM_ESCHEMA, &loc,
                                   "malformed waiver: write `# lmchoose:waive RULE \"reason\" "
                                   "YYYY-MM-DD`");
            } else if (!known_rule(s, rule)) {
                size_t nid = s->rs->n + LM_CHECK_NPSEUDO;
                const char **ids = malloc(nid * sizeof(*ids));
                const char *sug = NULL;
                if (ids != NULL) {
                    for (size_t k = 0; k < s->rs->n; k++)
                        ids[k] = s->rs->rules[k]->id;
                    for (size_t k = 0; k < LM_CHECK_NPSEUDO; k++)
                        ids[s->rs->n + k] = lm_check_pseudo_rules[k].id;
                    sug = lm__suggest(rule, ids, nid);
                }
                rc = sug ? lm_diag_error(s->diags, LM_ESCHEMA, &loc,
                                         "waiver for unknown rule '%s' (did you mean '%s'?)", rule, sug)
                         : lm_diag_error(s->diags, LM_ESCHEMA, &loc,
                                         "waiver for unknown rule '%s'", rule);
                free(ids);
            } else {
                if (*nout == cap) {
                    cap = cap ? cap * 2 : 4;
                    struct lm_waiver *g = lm_arena_alloc(&s->res->arena, cap * sizeof(*g));
                    if (g == NULL)
                        return LM_ENOMEM;
                    if (*nout)
                        memcpy(g, *out, *nout * sizeof(*g));
                    *out = g;
                }
                struct lm_waiver *w = &(*out)[(*nout)++];
                w->rule = lm_arena_strdup(&s->res->arena, rule);
                w->reason = lm_arena_strdup(&s->res->arena, reason);
                w->expires = lm_arena_strdup(&s->res->arena, date);
                w->line = line;
                w->col = col;
                if (w->rule == NULL || w->reason == NULL || w->expires == NULL)
                    return LM_ENOMEM;
            }
        }
        line++;
        ls = i + 1;
    }
    return rc;
}

/* Why a parsed YAML document is not a deployment to check, or NULL. */
static const char *skip_reason(const struct lm_ynode *root)
{
    if (root == NULL || root->kind != LM_Y_MAP || lm__ymap_get(root, "lmchoose") == NULL)
        return "no lmchoose: key";
    if (lm__ymap_get(root, "deployment") == NULL)
        return "no deployment: key";
    return NULL;
}

/* One input file. Returns LM_OK (judged or skipped), an input error status,
 * or LM_ENOMEM. */
static int check_file(struct state *s, const char *path)
{
    struct lm_ctx *ctx = s->ctx;
    const char *display = strcmp(path, "-") == 0 ? "<stdin>" : path;
    struct lm_check_file *f = new_file(s->res, display);
    if (f == NULL)
        return LM_ENOMEM;
    size_t d0 = ctx->diags.count;
    size_t cap = 0;
    char *buf = NULL;
    size_t len = 0;
    s->diags = &ctx->diags;
    s->dlocs = NULL;
    s->ndlocs = 0;
    s->sc_keys = 1;
    s->deploy_name = NULL;
    s->extra_waive = NULL;
    s->nextra_waive = 0;
    int rc = lm__read_input(path, display, ctx->limits.max_input_size, &ctx->diags, &buf, &len);
    if (rc != LM_OK) {
        set_error(s->res, f, &ctx->diags, d0);
        return rc;
    }
    struct lm_waiver *cw = NULL;
    size_t ncw = 0;
    rc = comment_waivers(s, display, buf, len, &cw, &ncw);
    if (rc != LM_OK) {
        free(buf);
        set_error(s->res, f, &ctx->diags, d0);
        return rc;
    }
    s->extra_waive = cw;
    s->nextra_waive = ncw;
    struct foreign fo;
    memset(&fo, 0, sizeof(fo));
    struct lm_ynode **docs = NULL;
    size_t ndocs = 0;
    int text = lm__deploy_text_name(lm__check_base_of(display));
    int scenario = 0;
    if (!text) {
        int prc = lm__yaml_parse_foreign(&fo.arena, display, buf, len, &ctx->limits, &fo.perr,
                                         &docs, &ndocs);
        if (prc == LM_ENOMEM) {
            free(buf);
            lm__check_foreign_release(&fo);
            return prc;
        }
        fo.parse_failed = prc != LM_OK;
        scenario = fo.parse_failed ? lm__check_looks_like_scenario(buf, len)
                                   : ndocs >= 1 && docs[0]->kind == LM_Y_MAP &&
                                         lm__ymap_get(docs[0], "lmchoose") != NULL;
    }
    if (scenario) {
        lm__check_foreign_release(&fo);
        /* lmchoose's own file: strict, as before. */
        struct lm_arena arena = LM_ARENA_INIT;
        struct lm_ynode *root = NULL;
        rc = lm__yaml_parse(&arena, display, buf, len, &ctx->limits, &ctx->diags, &root);
        const char *why = rc == LM_OK ? skip_reason(root) : NULL;
        lm_arena_release(&arena);
        if (rc != LM_OK) {
            free(buf);
            set_error(s->res, f, &ctx->diags, d0);
            return rc;
        }
        if (why != NULL) {
            free(buf);
            f->skipped = why;
            f->passed = -1;
            return LM_OK;
        }
        f->format = "lmchoose";
        struct lm_scenario sc;
        memset(&sc, 0, sizeof(sc));
        rc = lm_scenario_load(&sc, display, buf, len, &ctx->limits, &ctx->diags);
        free(buf);
        if (rc == LM_OK)
            rc = lm_cli_check_scenario_ids(ctx, &ctx->cat, &sc, s->rs);
        if (rc == LM_OK && sc.deployment.from != NULL)
            rc = lm__check_judge_from(s, f, &cap, &sc);
        else if (rc == LM_OK)
            rc = lm__check_judge_deployment(s, f, &cap, &sc, NULL);
        lm_scenario_release(&sc);
        if (rc != LM_OK) {
            f->nfindings = 0;
            f->candidate = NULL;
            f->ndeploys = 0;
            set_error(s->res, f, &ctx->diags, d0);
            return rc;
        }
        lm__check_finish_file(f);
        return LM_OK;
    }
    /* Someone else's file. */
    if (fo.parse_failed) {
        /* Malformed YAML that is not lmchoose's: a located warning, so one
         * broken chart does not stop the gate (hadolint's DL1000 pattern). */
        const struct lm_diag *g = fo.perr.count ? &fo.perr.items[0] : NULL;
        const struct lm_scenario *base = s->cfg ? &s->cfg->defaults.sc : &s->builtin;
        if (s->cfg == NULL || !s->cfg->defaults.sc_ok)
            base = &s->builtin;
        rc = lm__check_own_finding(s, f, &cap, base, LM_CHECK_RULE_UNREADABLE, display, g ? g->line : 1,
                         g ? g->col : 1, "not read: %s", g ? g->msg : "YAML parse error");
        free(buf);
        lm__check_foreign_release(&fo);
        if (rc != LM_OK)
            return rc;
        lm__check_finish_file(f);
        return LM_OK;
    }
    rc = lm__check_read_foreign(s, display, buf, len, docs, ndocs, &fo);
    free(buf);
    if (rc != LM_OK) {
        lm__check_foreign_release(&fo);
        return rc;
    }
    f->format = fo.ff.format;
    if (fo.ff.n == 0 && fo.ff.nnotes == 0) {
        if (fo.ff.format == NULL) {
            f->skipped = text ? "no model server found" : "no lmchoose: key";
        } else {
            char *why = lm__asprintf("no model server found in this %s file", fo.ff.format);
            f->skipped = why ? lm_arena_strdup(&s->res->arena, why) : "no model server found";
            free(why);
        }
        f->passed = -1;
        lm__check_foreign_release(&fo);
        return LM_OK;
    }
    s->sc_keys = 0;
    if (fo.ff.n > MAX_DEPLOYS_PER_FILE) {
        const struct lm_fdeploy *x = &fo.ff.d[MAX_DEPLOYS_PER_FILE];
        rc = lm__check_own_finding(s, f, &cap, &s->builtin, LM_CHECK_RULE_UNREADABLE, display, x->line,
                         x->col, "%zu deployments in one file; the first %d are judged",
                         fo.ff.n + fo.ff.dropped, MAX_DEPLOYS_PER_FILE);
        fo.ff.n = MAX_DEPLOYS_PER_FILE;
    }
    for (size_t i = 0; i < fo.ff.n && rc == LM_OK; i++) {
        struct declared decl;
        const char *service;
        const struct lm_scenario *base = lm__check_service_scenario(s, display, fo.ff.d[i].name, &decl, &service);
        rc = lm__check_judge_foreign(s, f, &cap, display, &fo.ff.d[i], base, &decl, service);
    }
    if (rc == LM_OK)
        rc = lm__check_note_findings(s, f, &cap, display, &fo.ff,
                           s->cfg && s->cfg->defaults.sc_ok ? &s->cfg->defaults.sc : &s->builtin);
    lm__check_foreign_release(&fo);
    if (rc != LM_OK)
        return rc;
    lm__check_finish_file(f);
    return LM_OK;
}

/* An argument that leaves nothing to judge. */
static int nothing_to_check(struct state *s, const char *arg)
{
    struct lm_loc loc = { arg, 0, 0 };
    size_t d0 = s->ctx->diags.count;
    lm_diag_error(&s->ctx->diags, LM_EIO, &loc, "no deployment files to check");
    struct lm_check_file *f = new_file(s->res, arg);
    if (f == NULL)
        return LM_ENOMEM;
    set_error(s->res, f, &s->ctx->diags, d0);
    return LM_EIO;
}

static int has_glob_chars(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

/* Expands the arguments into files, in order; arguments that match
 * nothing are reported here. */
static int expand(struct state *s, char *const *args, size_t nargs, struct pathlist *files,
                  int *worst)
{
    for (size_t a = 0; a < nargs; a++) {
        const char *arg = args[a];
        size_t before = files->n;
        struct stat st;
        int exists = strcmp(arg, "-") != 0 && stat(arg, &st) == 0;
        int rc = LM_OK;
        struct pathlist found = { NULL, 0, 0, 0 };
        int walked = LM_OK;
        if (exists && S_ISDIR(st.st_mode)) {
            rc = walk(s->ctx, arg, &found, 0, &walked);
        } else if (!exists && strcmp(arg, "-") != 0 && has_glob_chars(arg)) {
            glob_t g;
            memset(&g, 0, sizeof(g));
            int gr = glob(arg, GLOB_NOSORT, NULL, &g);
            for (size_t i = 0; gr == 0 && i < g.gl_pathc && rc == LM_OK && !found.full; i++) {
                struct stat t;
                if (stat(g.gl_pathv[i], &t) == 0 && S_ISDIR(t.st_mode))
                    rc = walk(s->ctx, g.gl_pathv[i], &found, 0, &walked);
                else
                    rc = pl_add(&found, g.gl_pathv[i]);
            }
            if (gr == 0)
                globfree(&g);
            if (gr == GLOB_NOSPACE)
                rc = LM_ENOMEM;
        } else {
            rc = pl_add(&found, arg);
        }
        if (found.n > 1)
            qsort(found.v, found.n, sizeof(*found.v), str_cmp);
        /* Exclude globs apply to what a directory or pattern found; a file
         * named on the command line is always read. */
        int named = !(exists && S_ISDIR(st.st_mode)) && !(!exists && has_glob_chars(arg));
        size_t nexcluded = 0;
        for (size_t i = 0; i < found.n && rc == LM_OK; i++) {
            if (!named && lm__repo_excluded(s->cfg, s->o->exclude, s->o->nexclude, found.v[i])) {
                nexcluded++;
                continue;
            }
            rc = pl_add(files, found.v[i]);
        }
        (void)nexcluded;
        if (found.full)
            s->walk_limited = 1;
        pl_free(&found);
        if (rc == LM_OK && files->n == before && walked == LM_OK)
            rc = nothing_to_check(s, arg);
        if (rc == LM_OK)
            rc = walked;
        if (rc == LM_ENOMEM)
            return rc;
        if (lm_status_exit_code(rc) > lm_status_exit_code(*worst))
            *worst = rc;
    }
    return LM_OK;
}

int lm__check_run(struct lm_ctx *ctx, const struct lm_ruleset *rs, char *const *args,
                  size_t nargs, const struct lm_check_opts *o, struct lm_check_result *res)
{
    res->rules = rs;
    res->fail_on = o->fail_on;
    struct state s;
    memset(&s, 0, sizeof(s));
    s.ctx = ctx;
    s.rs = rs;
    s.o = o;
    s.res = res;
    s.diags = &ctx->diags;
    s.cfg = o->config;
    if (today(&ctx->diags, s.today) != 0) {
        res->exit_code = lm_status_exit_code(LM_EUSAGE);
        return res->exit_code;
    }
    /* Without a .lmchoose.yaml service, a deployment file is judged as a
     * chat service with the scenario defaults of DESIGN §3.2. */
    static const char builtin[] = "lmchoose: 1\ntask:\n  kind: chat\n";
    if (lm_scenario_load(&s.builtin, "<builtin>", builtin, sizeof(builtin) - 1, &ctx->limits,
                         &ctx->diags) != LM_OK) {
        lm_scenario_release(&s.builtin);
        return LM_EXIT_INTERNAL;
    }
    struct pathlist files = { NULL, 0, 0, 0 };
    int worst = LM_OK;
    int rc = expand(&s, args, nargs, &files, &worst);
    if (rc == LM_OK && (files.n > ctx->limits.max_files || s.walk_limited)) {
        if (!s.walk_limited) /* a walk that stopped has said so */
            lm_diag_error(&ctx->diags, LM_ELIMIT, NULL, "%zu files exceed --max-files (%zu)",
                          files.n, ctx->limits.max_files);
        worst = LM_ELIMIT;
        pl_free(&files); /* judge none of them */
    }
    size_t njudged = 0;
    for (size_t i = 0; i < files.n && rc == LM_OK; i++) {
        size_t before = res->n;
        int r = check_file(&s, files.v[i]);
        if (r == LM_ENOMEM) {
            rc = r;
            break;
        }
        if (lm_status_exit_code(r) > lm_status_exit_code(worst))
            worst = r;
        if (res->n > before && res->files[before].skipped == NULL)
            njudged++;
    }
    /* Nothing left to judge (everything skipped) is an input error too. The
     * skipped files are listed once each; the error is a diagnostic per
     * argument, not another file entry (which counted a file twice). */
    if (rc == LM_OK && njudged == 0 && worst == LM_OK) {
        worst = LM_EIO;
        for (size_t a = 0; a < nargs; a++) {
            struct lm_loc loc = { args[a], 0, 0 };
            lm_diag_error(&ctx->diags, LM_EIO, &loc, "no deployment files to check");
        }
    }
    pl_free(&files);
    lm_scenario_release(&s.builtin);
    lm_check_summarize(res);
    if (rc == LM_ENOMEM) {
        lm_diag_error(&ctx->diags, LM_ENOMEM, NULL, "out of memory");
        res->exit_code = LM_EXIT_INTERNAL;
        return res->exit_code;
    }
    int code = lm_status_exit_code(worst);
    for (size_t i = 0; code < LM_EXIT_FINDINGS && i < res->n; i++)
        if (res->files[i].passed == 0)
            code = LM_EXIT_FINDINGS;
    res->exit_code = code;
    return code;
}
