/*
 * Null in every required field (issue 15, class 1), generated from the
 * schema tables themselves so that a field flagged LM_FF_REQUIRED tomorrow is
 * covered without editing this file.
 *
 * For every file type the required fields are enumerated by walking its
 * field table (into nested mappings, and into the mappings custom fields
 * declare in `sub`: api offers, architecture, calibration entries, waivers,
 * deployment). For each one, a shipped file that has the field is parsed,
 * re-emitted as block YAML with that one value replaced by `~`, and given to
 * the CLI:
 *   - `validate --kind K FILE` must exit 3 and print
 *     `lmchoose: FILE:LINE:COL: error: 'KEY' is required and cannot be null`
 *     at the `~` (the emitter records where it wrote it);
 *   - then the command that used to crash on it: `check` and `recommend` for
 *     a scenario, `recommend --rules` for a rule file, and `estimate` with
 *     the file in a --profiles layer, host detection on and a fake
 *     nvidia-smi first in PATH, for profiles. Each must exit 3 (an input
 *     error), never die by a signal.
 * A required field that no shipped file has fails the test: the coverage is
 * complete or the test says what is missing.
 *
 * usage: test_required_null LMCHOOSE SOURCE_DIR [WRAPPER...]
 * WRAPPER (valgrind and its options, in the LM_VALGRIND build) is put before
 * every `validate` run; a memcheck error there exits 99, not 3, and fails.
 */
#define _DEFAULT_SOURCE 1 /* realpath */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lmchoose/limits.h"
#include "lmchoose/status.h"
#include "model/schema.h"
#include "io/ynode.h"

#define MAXSTEPS 8

struct kind {
    const char *name;       /* --kind */
    const char *wrap_key;   /* entries live in a list under this key, or NULL */
    const struct lm_schema *schema;
    const char *layer_name; /* where the file goes in a profile layer, NULL: not a profile */
    char *bases[64];        /* shipped files to take values from */
    size_t nbases;
};

struct path {
    const char *steps[MAXSTEPS];
    size_t n;
};

static const char *lm, *srcdir, *tmpdir;
static char wrapper[2048];
static int failures, cases;

static void fail(const char *what, const char *a, const char *b)
{
    fprintf(stderr, "FAILED: %s: %s %s\n", a, what, b);
    failures++;
}

/* ------------------------------------------------------------ enumeration */

static void collect(const struct lm_schema *s, struct path prefix, struct path *out, size_t *n,
                    size_t cap)
{
    for (size_t i = 0; i < s->n && prefix.n < MAXSTEPS; i++) {
        const struct lm_field *f = &s->fields[i];
        struct path p = prefix;
        p.steps[p.n++] = f->key;
        if ((f->flags & LM_FF_REQUIRED) && *n < cap)
            out[(*n)++] = p;
        if (f->sub != NULL && (f->type == LM_F_MAP || f->type == LM_F_CUSTOM))
            collect(f->sub, p, out, n, cap);
    }
}

/* The node at p: keys step into mappings; a list on the way is entered at
 * its first entry. */
static const struct lm_ynode *find(const struct lm_ynode *root, const struct path *p)
{
    const struct lm_ynode *n = root;
    for (size_t i = 0; i < p->n && n != NULL; i++) {
        if (n->kind == LM_Y_SEQ)
            n = n->n > 0 ? n->items[0] : NULL;
        n = lm__ymap_get(n, p->steps[i]);
    }
    return n;
}

/* --------------------------------------------------------------- emitter */

struct out {
    char *buf;
    size_t len, cap;
    size_t line_start;
    unsigned line;
    const struct lm_ynode *target;
    unsigned tline, tcol;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        o->cap = (o->len + n + 1) * 2;
        o->buf = realloc(o->buf, o->cap);
        if (o->buf == NULL)
            abort();
    }
    for (size_t i = 0; i < n; i++) {
        o->buf[o->len++] = s[i];
        if (s[i] == '\n') {
            o->line++;
            o->line_start = o->len;
        }
    }
    o->buf[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void indent(struct out *o, int n)
{
    for (int i = 0; i < n; i++)
        put(o, " ", 1);
}

static void scalar(struct out *o, const struct lm_ynode *n)
{
    if (!n->quoted && memchr(n->text, '\n', n->len) == NULL) {
        put(o, n->text, n->len);
        return;
    }
    put(o, "\"", 1);
    for (size_t i = 0; i < n->len; i++) {
        unsigned char c = (unsigned char)n->text[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(o, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof(esc), "\\x%02X", c);
            puts_(o, esc);
        } else {
            put(o, (const char *)&c, 1);
        }
    }
    put(o, "\"", 1);
}

static void emit(struct out *o, const struct lm_ynode *n, int ind);

/* The value after "key:" or "-": inline when it is a scalar or empty. */
static void value(struct out *o, const struct lm_ynode *v, int ind)
{
    if (v == o->target) {
        put(o, " ", 1);
        o->tline = o->line;
        o->tcol = (unsigned)(o->len - o->line_start) + 1;
        puts_(o, "~\n");
    } else if (v->kind == LM_Y_SCALAR) {
        put(o, " ", 1);
        scalar(o, v);
        put(o, "\n", 1);
    } else if (v->n == 0) {
        puts_(o, v->kind == LM_Y_MAP ? " {}\n" : " []\n");
    } else {
        put(o, "\n", 1);
        emit(o, v, ind + 2);
    }
}

static void emit(struct out *o, const struct lm_ynode *n, int ind)
{
    for (size_t i = 0; i < n->n; i++) {
        indent(o, ind);
        if (n->kind == LM_Y_MAP) {
            scalar(o, n->items[2 * i]);
            put(o, ":", 1);
            value(o, n->items[2 * i + 1], ind);
        } else {
            put(o, "-", 1);
            value(o, n->items[i], ind);
        }
    }
}

/* ------------------------------------------------------------------ runs */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    size_t got;
    while (b != NULL && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            b = realloc(b, cap + 1);
        }
    }
    fclose(f);
    if (b != NULL)
        b[n] = '\0';
    *len = n;
    return b;
}

static void spit(const char *path, const char *data)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fputs(data, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}

/* Runs `cd tmpdir && ENV [WRAPPER] lmchoose ARGS 2>err`; the exit status,
 * or 128+signal. */
static int run(const char *env, const char *args, int wrapped)
{
    char cmd[16384];
    int n = snprintf(cmd, sizeof(cmd), "cd '%s' && %s %s '%s' %s >out.txt 2>err.txt", tmpdir,
                     env, wrapped ? wrapper : "", lm, args);
    if (n < 0 || (size_t)n >= sizeof(cmd)) {
        fprintf(stderr, "command too long for the test's buffer\n");
        exit(2);
    }
    int st = system(cmd);
    if (st == -1)
        return -1;
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WEXITSTATUS(st);
}

static char *err_text(void)
{
    char p[4096];
    size_t n;
    snprintf(p, sizeof(p), "%s/err.txt", tmpdir);
    char *e = slurp(p, &n);
    return e ? e : strdup("");
}

static void one_case(const struct kind *k, const char *base, const struct lm_ynode *root,
                     const struct lm_ynode *target, const char *key, const char *pathtext)
{
    struct out o = { NULL, 0, 0, 0, 1, target, 0, 0 };
    emit(&o, root, 0);
    if (o.tline == 0) {
        fail("emitter lost the target", base, pathtext);
        free(o.buf);
        return;
    }
    char file[64], path[4096], want[1024], args[8192];
    snprintf(file, sizeof(file), "case-%d.yaml", cases++);
    snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
    spit(path, o.buf);

    snprintf(args, sizeof(args), "validate --kind %s %s", k->name, file);
    int rc = run("", args, 1);
    char *err = err_text();
    snprintf(want, sizeof(want), "lmchoose: %s:%u:%u: error: '%s' is required and cannot be null\n",
             file, o.tline, o.tcol, key);
    if (rc != 3 || strstr(err, want) == NULL) {
        fprintf(stderr, "--- %s (%s from %s), exit %d, stderr:\n%s--- wanted:\n%s--- file:\n%s",
                pathtext, key, base, rc, err, want, o.buf);
        fail("validate with ~ in", base, pathtext);
    }
    free(err);

    /* The commands that crashed on such files. */
    char cmds[3][8192];
    int ncmds = 0;
    if (strcmp(k->name, "scenario") == 0) {
        snprintf(cmds[ncmds++], sizeof(cmds[0]), "check %s", file);
        snprintf(cmds[ncmds++], sizeof(cmds[0]), "recommend %s", file);
    } else if (strcmp(k->name, "rules") == 0) {
        snprintf(cmds[ncmds++], sizeof(cmds[0]), "recommend --rules %s", file);
    } else {
        char layer[16384];
        snprintf(layer, sizeof(layer), "rm -rf '%s/layer' && mkdir -p '%s/layer/models' "
                 "'%s/layer/hardware' && cp '%s' '%s/layer/%s'", tmpdir, tmpdir, tmpdir, path,
                 tmpdir, k->layer_name);
        if (system(layer) != 0) {
            fail("cannot build a layer for", base, pathtext);
            free(o.buf);
            return;
        }
        snprintf(cmds[ncmds++], sizeof(cmds[0]), "estimate gemma-2-2b-it --profiles layer");
    }
    for (int i = 0; i < ncmds; i++) {
        /* Not under the wrapper: a crash shows in the exit status, the
         * ASan build checks these runs' memory, and memcheck on every one
         * would take many minutes. */
        rc = run("env -u LMCHOOSE_HOST PATH=\"$PWD/fakebin:$PATH\"", cmds[i], 0);
        if (rc != 3) {
            err = err_text();
            fprintf(stderr, "--- lmchoose %s: exit %d (want 3), stderr:\n%s--- file:\n%s", cmds[i],
                    rc, err, o.buf);
            free(err);
            fail("did not exit 3:", base, cmds[i]);
        }
    }
    free(o.buf);
}

static void add_dir(struct kind *k, const char *rel)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/%s", srcdir, rel);
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    char *names[256];
    size_t n = 0;
    while ((e = readdir(d)) != NULL && n < 256)
        if (strstr(e->d_name, ".yaml") != NULL)
            names[n++] = strdup(e->d_name);
    closedir(d);
    /* Sorted, so the base chosen for a field does not depend on readdir. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++) {
        if (k->nbases < 64) {
            char p[8192];
            snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
            k->bases[k->nbases++] = strdup(p);
        }
        free(names[i]);
    }
}

static void add_file(struct kind *k, const char *rel)
{
    char p[4096];
    snprintf(p, sizeof(p), "%s/%s", srcdir, rel);
    k->bases[k->nbases++] = strdup(p);
}

static void run_kind(struct kind *k, const char *wrap_key2, const struct lm_schema *schema2)
{
    enum { CAP = 256 };
    struct path req[CAP];
    size_t nreq = 0;
    struct path prefix = { { NULL }, 0 };
    if (k->wrap_key != NULL)
        prefix.steps[prefix.n++] = k->wrap_key;
    collect(k->schema, prefix, req, &nreq, CAP);
    if (wrap_key2 != NULL) {
        struct path p2 = { { wrap_key2 }, 1 };
        collect(schema2, p2, req, &nreq, CAP);
    }
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    limits.max_input_size = (size_t)1 << 30;
    for (size_t r = 0; r < nreq; r++) {
        char pathtext[512] = "";
        for (size_t i = 0; i < req[r].n; i++)
            snprintf(pathtext + strlen(pathtext), sizeof(pathtext) - strlen(pathtext), "%s%s",
                     i ? "." : "", req[r].steps[i]);
        int done = 0;
        for (size_t b = 0; b < k->nbases && !done; b++) {
            size_t len;
            char *data = slurp(k->bases[b], &len);
            struct lm_arena arena = LM_ARENA_INIT;
            struct lm_diags diags = LM_DIAGS_INIT;
            struct lm_ynode *root = NULL;
            if (data != NULL &&
                lm__yaml_parse(&arena, k->bases[b], data, len, &limits, &diags, &root) == LM_OK) {
                const struct lm_ynode *t = find(root, &req[r]);
                if (t != NULL && !lm__ynode_is_null(t)) {
                    one_case(k, k->bases[b], root, t, req[r].steps[req[r].n - 1], pathtext);
                    done = 1;
                }
            }
            lm_diags_release(&diags);
            lm_arena_release(&arena);
            free(data);
        }
        if (!done)
            fail("no shipped file has the required field (add one that does):", k->name,
                 pathtext);
        else
            printf("ok: %s %s: ~\n", k->name, pathtext);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_required_null LMCHOOSE SOURCE_DIR [WRAPPER...]\n");
        return 2;
    }
    static char lm_abs[4096], src_abs[4096];
    if (realpath(argv[1], lm_abs) == NULL || realpath(argv[2], src_abs) == NULL) {
        fprintf(stderr, "cannot resolve %s or %s\n", argv[1], argv[2]);
        return 2;
    }
    lm = lm_abs;
    srcdir = src_abs;
    for (int i = 3; i < argc; i++)
        snprintf(wrapper + strlen(wrapper), sizeof(wrapper) - strlen(wrapper), "%s ", argv[i]);
    char tmpl[] = "/tmp/lmchoose-required-null-XXXXXX";
    tmpdir = mkdtemp(tmpl);
    if (tmpdir == NULL)
        return 2;
    /* A fake nvidia-smi that reports a GPU, so that host detection runs
     * (it used to read a null hardware name). */
    char p[4096];
    snprintf(p, sizeof(p), "%s/fakebin", tmpdir);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/fakebin/nvidia-smi", tmpdir);
    spit(p, "#!/bin/sh\necho 'NVIDIA GeForce RTX 4090, 24564 MiB'\n");
    chmod(p, 0755);

    struct kind model = { "model", NULL, lm__catalog_schema("model"), "models/case.yaml", { 0 }, 0 };
    add_dir(&model, "profiles/models");
    struct kind hw = { "hardware", NULL, lm__catalog_schema("hardware"), "hardware/case.yaml",
                       { 0 }, 0 };
    add_dir(&hw, "profiles/hardware");
    struct kind quant = { "quantizations", "quantizations", lm__catalog_schema("quantization"),
                          "quantizations.yaml", { 0 }, 0 };
    add_file(&quant, "profiles/quantizations.yaml");
    struct kind rt = { "runtimes", "runtimes", lm__catalog_schema("runtime"), "runtimes.yaml",
                       { 0 }, 0 };
    add_file(&rt, "profiles/runtimes.yaml");
    struct kind rules = { "rules", "rules", lm__rules_schema("rule"), NULL, { 0 }, 0 };
    add_file(&rules, "profiles/rules/default.yaml");
    struct kind sc = { "scenario", NULL, lm__scenario_schema(), NULL, { 0 }, 0 };
    add_dir(&sc, "profiles/scenarios");
    add_dir(&sc, "tests/check-example/deploy");

    run_kind(&model, NULL, NULL);
    run_kind(&hw, NULL, NULL);
    run_kind(&quant, NULL, NULL);
    run_kind(&rt, NULL, NULL);
    run_kind(&rules, "classify", lm__rules_schema("classify"));
    run_kind(&sc, NULL, NULL);

    struct kind *all[] = { &model, &hw, &quant, &rt, &rules, &sc };
    for (size_t i = 0; i < 6; i++)
        for (size_t b = 0; b < all[i]->nbases; b++)
            free(all[i]->bases[b]);
    snprintf(p, sizeof(p), "rm -rf '%s'", tmpdir);
    if (system(p) != 0)
        failures++;
    printf("%d cases, %d failures\n", cases, failures);
    return failures ? 1 : 0;
}
