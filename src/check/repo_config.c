/*
 * `.lmchoose.yaml` (repo_config.h): found upward from the current directory,
 * parsed as lmchoose's own strict YAML, and turned into one scenario per
 * service (the defaults merged with the service's blocks, mapping by
 * mapping) so that check judges a Kubernetes or compose deployment exactly
 * as it judges a scenario's `deployment` block.
 */
/* realpath(3) is XSI. */
#define _XOPEN_SOURCE 700
#include "check/repo_config.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "lmchoose/check.h"
#include "lmchoose/status.h"
#include "util/strutil.h"

const char *const lm_repo_deploy_keys[8] = { "model", "quantization", "hardware", "devices",
                                             "placement", "runtime", "provider", NULL };

static const char *const top_keys[] = { "lmchoose", "exclude", "fail_on", "profiles",
                                        "defaults", "services", NULL };
static const char *const block_keys[] = { "task", "workload", "constraints", "priorities",
                                          "assumptions", "rules", NULL };
static const char *const service_keys[] = { "name", "path", "task", "workload", "constraints",
                                            "priorities", "assumptions", "rules", "deployment",
                                            NULL };

char *lm__repo_config_find(void)
{
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        return NULL;
    char rel[PATH_MAX] = "";
    for (int up = 0; up < 64; up++) {
        char *path = lm__asprintf("%s%s/.lmchoose.yaml", cwd, "");
        if (path == NULL)
            return NULL;
        struct stat st;
        int found = stat(path, &st) == 0 && S_ISREG(st.st_mode);
        free(path);
        if (found)
            return lm__asprintf("%s.lmchoose.yaml", rel);
        char *slash = strrchr(cwd, '/');
        if (slash == NULL || slash == cwd)
            break;
        *slash = '\0';
        size_t n = strlen(rel);
        if (n + 4 >= sizeof(rel))
            break;
        memcpy(rel + n, "../", 4);
    }
    return NULL;
}

static const char *str_of(const struct lm_ynode *map, const char *key)
{
    const struct lm_ynode *v = lm__ymap_get(map, key);
    return v != NULL && v->kind == LM_Y_SCALAR && v->len > 0 ? v->text : NULL;
}

/* file relative to the config's directory (both resolved), in buf; file
 * itself when it is not under it or cannot be resolved. */
static const char *rel_path(const struct lm_repo_config *c, const char *file, char *buf,
                            size_t cap)
{
    char real[PATH_MAX];
    if (c->absdir == NULL || realpath(file, real) == NULL)
        return file;
    size_t dl = strlen(c->absdir);
    if (strncmp(real, c->absdir, dl) != 0 || (real[dl] != '/' && real[dl] != '\0'))
        return file;
    snprintf(buf, cap, "%s", real[dl] == '/' ? real + dl + 1 : real + dl);
    return buf;
}

static int err_at(struct lm_diags *d, const char *file, const struct lm_ynode *n,
                  const char *fmt, ...) LM_PRINTF(4, 5);

static int err_at(struct lm_diags *d, const char *file, const struct lm_ynode *n,
                  const char *fmt, ...)
{
    struct lm_loc loc = { file, n ? n->line : 0, n ? n->col : 0 };
    va_list ap;
    va_start(ap, fmt);
    int rc = lm_diag_verror(d, LM_ESCHEMA, &loc, fmt, ap);
    va_end(ap);
    return rc;
}

/* Tree nodes are shared between merged mappings, never modified. */
static struct lm_ynode *unconst(const struct lm_ynode *n)
{
    return (struct lm_ynode *)(uintptr_t)n;
}

static int check_keys(struct lm_diags *d, const char *file, const struct lm_ynode *map,
                      const char *const *allowed)
{
    int rc = LM_OK;
    size_t n = 0;
    while (allowed[n] != NULL)
        n++;
    for (size_t i = 0; i < map->n; i++) {
        const struct lm_ynode *k = map->items[2 * i];
        size_t j = 0;
        while (allowed[j] != NULL && strcmp(allowed[j], k->text) != 0)
            j++;
        if (allowed[j] != NULL)
            continue;
        const char *sug = lm__suggest(k->text, allowed, n);
        rc = sug ? err_at(d, file, k, "unknown key '%s' (did you mean '%s'?)", k->text, sug)
                 : err_at(d, file, k, "unknown key '%s'", k->text);
    }
    return rc;
}

static struct lm_ynode *new_node(struct lm_arena *a, enum lm_ykind kind, unsigned line,
                                 unsigned col)
{
    struct lm_ynode *n = lm_arena_alloc(a, sizeof(*n));
    if (n != NULL) {
        n->kind = kind;
        n->line = line;
        n->col = col;
    }
    return n;
}

static struct lm_ynode *scalar(struct lm_arena *a, const char *text, unsigned line, unsigned col)
{
    struct lm_ynode *n = new_node(a, LM_Y_SCALAR, line, col);
    if (n != NULL) {
        n->text = text;
        n->len = strlen(text);
    }
    return n;
}

/* base with over's keys laid on top, mappings merged recursively; a
 * non-mapping in over replaces. Nodes are shared, not copied. */
static const struct lm_ynode *merge(struct lm_arena *a, const struct lm_ynode *base,
                                    const struct lm_ynode *over)
{
    if (base == NULL)
        return over;
    if (over == NULL)
        return base;
    if (base->kind != LM_Y_MAP || over->kind != LM_Y_MAP)
        return over;
    struct lm_ynode *m = new_node(a, LM_Y_MAP, over->line, over->col);
    if (m == NULL)
        return NULL;
    m->items = lm_arena_alloc(a, 2 * (base->n + over->n) * sizeof(*m->items) + 1);
    if (m->items == NULL)
        return NULL;
    for (size_t i = 0; i < base->n; i++) {
        const struct lm_ynode *k = base->items[2 * i];
        const struct lm_ynode *ov = lm__ymap_get(over, k->text);
        const struct lm_ynode *v = ov ? merge(a, base->items[2 * i + 1], ov) : base->items[2 * i + 1];
        if (v == NULL)
            return NULL;
        m->items[2 * m->n] = unconst(k);
        m->items[2 * m->n + 1] = unconst(v);
        m->n++;
    }
    for (size_t i = 0; i < over->n; i++) {
        const struct lm_ynode *k = over->items[2 * i];
        if (lm__ymap_get(base, k->text) != NULL)
            continue;
        m->items[2 * m->n] = unconst(k);
        m->items[2 * m->n + 1] = over->items[2 * i + 1];
        m->n++;
    }
    return m;
}

/* The scenario of one service: lmchoose: 1, then every block merged. */
static int build_service(struct lm_repo_config *c, struct lm_repo_service *svc,
                         const struct lm_ynode *defaults, const struct lm_ynode *entry,
                         struct lm_diags *diags)
{
    struct lm_arena *a = &c->arena;
    unsigned line = entry ? entry->line : defaults ? defaults->line : 1;
    unsigned col = entry ? entry->col : defaults ? defaults->col : 1;
    struct lm_ynode *root = new_node(a, LM_Y_MAP, line, col);
    if (root == NULL || (root->items = lm_arena_alloc(a, 16 * sizeof(*root->items))) == NULL)
        return LM_ENOMEM;
    root->items[0] = scalar(a, "lmchoose", line, col);
    root->items[1] = scalar(a, "1", line, col);
    root->n = 1;
    for (int b = 0; block_keys[b] != NULL; b++) {
        const struct lm_ynode *v = merge(a, lm__ymap_get(defaults, block_keys[b]),
                                         lm__ymap_get(entry, block_keys[b]));
        if (v == NULL && strcmp(block_keys[b], "task") == 0) {
            /* No task anywhere: judge as a chat service (documented). */
            struct lm_ynode *t = new_node(a, LM_Y_MAP, line, col);
            if (t == NULL || (t->items = lm_arena_alloc(a, 2 * sizeof(*t->items))) == NULL)
                return LM_ENOMEM;
            t->items[0] = scalar(a, "kind", line, col);
            t->items[1] = scalar(a, "chat", line, col);
            t->n = 1;
            v = t;
        }
        if (v == NULL)
            continue;
        root->items[2 * root->n] = scalar(a, block_keys[b], v->line, v->col);
        root->items[2 * root->n + 1] = unconst(v);
        root->n++;
    }
    for (size_t i = 0; i < 2 * root->n; i++)
        if (root->items[i] == NULL)
            return LM_ENOMEM;
    int rc = lm_scenario_load_tree(&svc->sc, c->path, root, diags);
    svc->sc_ok = rc == LM_OK;
    const struct lm_ynode *dep = lm__ymap_get(entry, "deployment");
    if (dep != NULL) {
        if (dep->kind != LM_Y_MAP)
            return err_at(diags, c->path, dep, "'deployment' must be a mapping");
        int r2 = check_keys(diags, c->path, dep, lm_repo_deploy_keys);
        for (int k = 0; lm_repo_deploy_keys[k] != NULL; k++) {
            const struct lm_ynode *v = lm__ymap_get(dep, lm_repo_deploy_keys[k]);
            if (v == NULL)
                continue;
            if (v->kind != LM_Y_SCALAR) {
                r2 = err_at(diags, c->path, v, "'%s' must be a string", lm_repo_deploy_keys[k]);
                continue;
            }
            svc->deploy[k].s = v->text;
            svc->deploy[k].line = v->line;
            svc->deploy[k].col = v->col;
        }
        if (r2 != LM_OK && rc == LM_OK)
            rc = r2;
    }
    return rc;
}

static int read_globs(struct lm_repo_config *c, const struct lm_ynode *v, const char *key,
                      struct lm_strlist *out, int join_dir, struct lm_diags *diags)
{
    if (v == NULL)
        return LM_OK;
    if (v->kind != LM_Y_SEQ)
        return err_at(diags, c->path, v, "'%s' must be a list of strings%s", key, "");
    out->items = lm_arena_alloc(&c->arena, (v->n + 1) * sizeof(*out->items));
    if (out->items == NULL)
        return LM_ENOMEM;
    int rc = LM_OK;
    for (size_t i = 0; i < v->n; i++) {
        const struct lm_ynode *it = v->items[i];
        if (it->kind != LM_Y_SCALAR || it->len == 0) {
            rc = err_at(diags, c->path, it, "'%s' entries must be non-empty strings%s", key, "");
            continue;
        }
        const char *s = it->text;
        if (join_dir && c->dir[0] != '\0' && s[0] != '/') {
            char *j = lm__asprintf("%s%s", c->dir, s);
            s = j ? lm_arena_strdup(&c->arena, j) : NULL;
            free(j);
            if (s == NULL)
                return LM_ENOMEM;
        }
        out->items[out->n++] = s;
    }
    return rc;
}

int lm__repo_config_load(struct lm_repo_config *c, const char *path,
                         const struct lm_limits *limits, struct lm_diags *diags)
{
    memset(c, 0, sizeof(*c));
    c->fail_on = -1;
    c->path = lm_arena_strdup(&c->arena, path);
    const char *slash = strrchr(path, '/');
    c->dir = lm_arena_strndup(&c->arena, path, slash ? (size_t)(slash - path + 1) : 0);
    if (c->path == NULL || c->dir == NULL)
        return LM_ENOMEM;
    char real[PATH_MAX];
    if (realpath(c->dir[0] ? c->dir : ".", real) != NULL)
        c->absdir = lm_arena_strdup(&c->arena, real);
    char *buf = NULL;
    size_t len = 0;
    int rc = lm__read_input(path, c->path, limits->max_input_size, diags, &buf, &len);
    if (rc != LM_OK)
        return rc;
    struct lm_ynode *root = NULL;
    rc = lm__yaml_parse(&c->arena, c->path, buf, len, limits, diags, &root);
    free(buf);
    if (rc != LM_OK)
        return rc;
    if (root->kind != LM_Y_MAP)
        return err_at(diags, c->path, root, "expected a mapping");
    rc = check_keys(diags, c->path, root, top_keys);
    const struct lm_ynode *ver = lm__ymap_get(root, "lmchoose");
    if (ver == NULL)
        rc = err_at(diags, c->path, root, "missing required key 'lmchoose'");
    else if (ver->kind != LM_Y_SCALAR || strcmp(ver->text, "1") != 0)
        rc = err_at(diags, c->path, ver,
                    "unsupported config version %s (this lmchoose reads version 1)%s",
                    ver->kind == LM_Y_SCALAR ? ver->text : "?", "");
    int r;
    if ((r = read_globs(c, lm__ymap_get(root, "exclude"), "exclude", &c->exclude, 0, diags)) != LM_OK)
        rc = r;
    if ((r = read_globs(c, lm__ymap_get(root, "profiles"), "profiles", &c->profiles, 1, diags)) != LM_OK)
        rc = r;
    const struct lm_ynode *fo = lm__ymap_get(root, "fail_on");
    if (fo != NULL) {
        for (int i = 0; lm_check_fail_on_names[i] != NULL && fo->kind == LM_Y_SCALAR; i++)
            if (strcmp(fo->text, lm_check_fail_on_names[i]) == 0)
                c->fail_on = i;
        if (c->fail_on < 0)
            rc = err_at(diags, c->path, fo, "'fail_on' must be error, warning, info or never, got '%s'%s",
                        fo->kind == LM_Y_SCALAR ? fo->text : "?", "");
    }
    const struct lm_ynode *defaults = lm__ymap_get(root, "defaults");
    if (defaults != NULL) {
        if (defaults->kind != LM_Y_MAP)
            return err_at(diags, c->path, defaults, "'defaults' must be a mapping");
        if ((r = check_keys(diags, c->path, defaults, block_keys)) != LM_OK)
            rc = r;
    }
    if ((r = build_service(c, &c->defaults, defaults, NULL, diags)) != LM_OK)
        rc = r;
    const struct lm_ynode *svcs = lm__ymap_get(root, "services");
    if (svcs != NULL && svcs->kind != LM_Y_SEQ)
        return err_at(diags, c->path, svcs, "'services' must be a list");
    if (svcs != NULL && svcs->n > 0) {
        c->services = lm_arena_alloc(&c->arena, svcs->n * sizeof(*c->services));
        if (c->services == NULL)
            return LM_ENOMEM;
        for (size_t i = 0; i < svcs->n; i++) {
            const struct lm_ynode *e = svcs->items[i];
            if (e->kind != LM_Y_MAP) {
                rc = err_at(diags, c->path, e, "each service must be a mapping");
                continue;
            }
            if ((r = check_keys(diags, c->path, e, service_keys)) != LM_OK)
                rc = r;
            struct lm_repo_service *svc = &c->services[c->nservices++];
            svc->line = e->line;
            svc->col = e->col;
            svc->name_glob = str_of(e, "name");
            svc->path_glob = str_of(e, "path");
            if (svc->name_glob == NULL && svc->path_glob == NULL)
                rc = err_at(diags, c->path, e, "a service needs 'name' or 'path' (globs)");
            if ((r = build_service(c, svc, defaults, e, diags)) != LM_OK)
                rc = r;
        }
    }
    return rc;
}

const struct lm_repo_service *lm__repo_config_match(const struct lm_repo_config *c,
                                                    const char *file, const char *name)
{
    /* Paths are matched relative to the config's directory. */
    char buf[PATH_MAX];
    const char *rel = rel_path(c, file, buf, sizeof(buf));
    for (size_t i = 0; i < c->nservices; i++) {
        const struct lm_repo_service *s = &c->services[i];
        if (s->name_glob != NULL && (name == NULL || fnmatch(s->name_glob, name, 0) != 0))
            continue;
        if (s->path_glob != NULL && fnmatch(s->path_glob, rel, 0) != 0)
            continue;
        return s;
    }
    return &c->defaults;
}

static int excluded_by(const char *pat, const char *file)
{
    while (strncmp(file, "./", 2) == 0)
        file += 2;
    if (fnmatch(pat, file, 0) == 0)
        return 1;
    const char *b = strrchr(file, '/');
    if (b != NULL && fnmatch(pat, b + 1, 0) == 0)
        return 1;
    /* A pattern naming a directory excludes what is under it. */
    size_t n = strlen(file);
    char *prefix = malloc(n + 1);
    if (prefix == NULL)
        return 0;
    int hit = 0;
    for (size_t i = 0; i < n && !hit; i++)
        if (file[i] == '/') {
            memcpy(prefix, file, i);
            prefix[i] = '\0';
            char trail[PATH_MAX];
            snprintf(trail, sizeof(trail), "%s/", prefix);
            hit = fnmatch(pat, prefix, 0) == 0 || fnmatch(pat, trail, 0) == 0;
        }
    free(prefix);
    return hit;
}

int lm__repo_excluded(const struct lm_repo_config *c, const char *const *extra, size_t nextra,
                      const char *file)
{
    for (size_t i = 0; i < nextra; i++)
        if (excluded_by(extra[i], file))
            return 1;
    if (c == NULL)
        return 0;
    char buf[PATH_MAX];
    const char *rel = rel_path(c, file, buf, sizeof(buf));
    for (size_t i = 0; i < c->exclude.n; i++)
        if (excluded_by(c->exclude.items[i], rel))
            return 1;
    return 0;
}

void lm__repo_config_release(struct lm_repo_config *c)
{
    if (c == NULL)
        return;
    lm_scenario_release(&c->defaults.sc);
    for (size_t i = 0; i < c->nservices; i++)
        lm_scenario_release(&c->services[i].sc);
    lm_arena_release(&c->arena);
    memset(c, 0, sizeof(*c));
}
