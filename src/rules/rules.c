/*
 * Rule files: typing (schema.c), compilation of `when` and `message` against
 * the fact table (expr_compile.c), and the mapping of an expression error's byte
 * offset back to FILE:LINE:COL in the YAML source.
 *
 * The mapping is exact for a condition written on one line, plain or quoted
 * without escapes: the column is the scalar's column, plus one for an opening
 * quote, plus the code points before the offset. For block scalars,
 * multi-line scalars and quoted scalars with escapes the decoded text no
 * longer lines up with the source, and the error is placed at the scalar.
 */
#include "lmchoose/rules.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/builtin.h"
#include "rules/expr.h"
#include "rules/facts.h"
#include "lmchoose/status.h"
#include "model/schema.h"
#include "util/strutil.h"
#include "io/ynode.h"

const char *const lm_dimension_names[LM_DIM_COUNT + 1] = {
    "memory", "latency", "budget", "privacy", "data", "quality", "task", "license", "ops", "capacity", NULL
};
const char *const lm_rule_severity_names[4] = { "error", "warning", "info", NULL };

#define F(key, type, member, flags) \
    { key, type, offsetof(struct lm_rule, member), flags, -1000, 1000, NULL, NULL, NULL }

static const struct lm_field rule_fields[] = {
    F("id", LM_F_STR, id, LM_FF_REQUIRED),
    { "dimension", LM_F_ENUM, offsetof(struct lm_rule, dimension), LM_FF_REQUIRED, 0, 0,
      lm_dimension_names, NULL, NULL },
    { "severity", LM_F_ENUM, offsetof(struct lm_rule, severity), LM_FF_REQUIRED, 0, 0,
      lm_rule_severity_names, NULL, NULL },
    F("when", LM_F_STR, when_src, LM_FF_REQUIRED),
    F("message", LM_F_STR, message_src, LM_FF_REQUIRED),
    F("score", LM_F_NUM, score, 0),
    F("at", LM_F_STR, at, 0),
    F("source", LM_F_STR, source, 0),
    F("rationale", LM_F_STR, rationale, 0),
    F("assumption", LM_F_STR, assumption, 0),
};
static const struct lm_schema rule_schema = { rule_fields, sizeof(rule_fields) / sizeof(rule_fields[0]) };

struct classify {
    double slm_max_params_b;
};
static const struct lm_field classify_fields[] = {
    { "slm_max_params_b", LM_F_NUM, offsetof(struct classify, slm_max_params_b),
      LM_FF_REQUIRED | LM_FF_MIN_OPEN, 0, 10000, NULL, NULL, NULL },
};
static const struct lm_schema classify_schema = { classify_fields, 1 };

/* The source position of byte offset off inside scalar node v. */
static struct lm_loc offset_loc(const char *file, const struct lm_ynode *v, size_t off)
{
    struct lm_loc loc = { file, v->line, v->col };
    int one_line = memchr(v->text, '\n', v->len) == NULL;
    int exact = one_line && (v->style == LM_YS_PLAIN ||
                             (v->style == LM_YS_SINGLE && memchr(v->text, '\'', v->len) == NULL) ||
                             (v->style == LM_YS_DOUBLE && memchr(v->text, '\\', v->len) == NULL &&
                              memchr(v->text, '"', v->len) == NULL));
    if (exact) {
        if (off > v->len)
            off = v->len;
        loc.col = v->col + (v->style != LM_YS_PLAIN) + (unsigned)lm__utf8_count(v->text, off);
    }
    return loc;
}

static void free_compiled(struct lm_rule *r)
{
    lm_expr_free(r->when);
    lm_template_free(r->message);
    r->when = NULL;
    r->message = NULL;
}

/* Types, checks and compiles one rule; returns the errors added. */
static size_t read_rule(struct lm_sctx *c, const struct lm_ynode *node, struct lm_rule *r)
{
    size_t before = c->errors;
    r->score = (double)NAN;
    lm__schema_map(c, node, &rule_schema, r);
    r->line = node->line;
    r->col = node->col;
    if (c->errors > before)
        return c->errors - before;
    const struct lm_ynode *idn = lm__ymap_get(node, "id");
    const char *dot = strchr(r->id, '.');
    size_t dl = dot ? (size_t)(dot - r->id) : 0;
    if (dot == NULL || dot[1] == '\0' || strlen(lm_dimension_names[r->dimension]) != dl ||
        strncmp(r->id, lm_dimension_names[r->dimension], dl) != 0)
        lm__schema_error(c, idn, "rule id '%s' must be '%s.<name>' (its dimension)", r->id,
                         lm_dimension_names[r->dimension]);
    if (r->severity == LM_SEV_RULE_ERROR && !isnan(r->score))
        lm__schema_error(c, lm__ymap_get(node, "score"),
                         "'score' applies to warning and info rules only (an error rejects)");
    if (isnan(r->score))
        r->score = r->severity == LM_SEV_RULE_WARNING ? -5 : 0;
    /* Every shipped rule says what it rests on: a published source, or an
     * assumption with its reasoning (issue 11); a rationale alone is not a
     * basis. User rule files need neither. */
    if (r->source == NULL && r->assumption == NULL && strncmp(c->file, "<builtin>", 9) == 0)
        lm__schema_error(c, node, "shipped rule '%s' needs a 'source' or an 'assumption'", r->id);
    if (r->at != NULL && lm__fact_find(r->at) == (size_t)-1) {
        const char *sugg = NULL;
        const char *paths[256];
        size_t n = lm_fact_table.n < 256 ? lm_fact_table.n : 256;
        for (size_t i = 0; i < n; i++)
            paths[i] = lm_fact_table.defs[i].path;
        sugg = lm__suggest(r->at, paths, n);
        if (sugg)
            lm__schema_error(c, lm__ymap_get(node, "at"), "unknown fact '%s' (did you mean '%s'?)",
                             r->at, sugg);
        else
            lm__schema_error(c, lm__ymap_get(node, "at"), "unknown fact '%s'", r->at);
    }
    struct lm_expr_error err;
    const struct lm_ynode *wn = lm__ymap_get(node, "when");
    if (lm_expr_compile(r->when_src, wn->len, &lm_fact_table, &r->when, &err) != 0) {
        struct lm_loc loc = offset_loc(c->file, wn, err.offset);
        lm_diag_error(c->diags, LM_ESCHEMA, &loc, "%s", err.message);
        c->errors++;
    }
    const struct lm_ynode *mn = lm__ymap_get(node, "message");
    if (lm_template_compile(r->message_src, mn->len, &lm_fact_table, &r->message,
                            &err) != 0) {
        struct lm_loc loc = offset_loc(c->file, mn, err.offset);
        lm_diag_error(c->diags, LM_ESCHEMA, &loc, "%s", err.message);
        c->errors++;
    }
    return c->errors - before;
}

long lm_rules_find(const struct lm_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->rules[i]->id, id) == 0)
            return (long)i;
    return -1;
}

/* Loads the tree of a rules file named file (in the rule set's arena). */
static int load_tree(struct lm_ruleset *rs, const char *file, const struct lm_ynode *root,
                     struct lm_diags *diags)
{
    int rc = LM_OK;
    struct lm_sctx c = { &rs->arena, diags, file, 0, 0, NULL, 0, 0, "" };
    if (root->kind != LM_Y_MAP) {
        lm__schema_error(&c, root, "expected a mapping with 'rules', not a %s",
                         lm__node_kind_name(root));
        return LM_ESCHEMA;
    }
    const struct lm_ynode *list = NULL;
    struct classify cl = { (double)NAN };
    static const char *const keys[] = { "rules", "classify" };
    for (size_t i = 0; i < root->n; i++) {
        const struct lm_ynode *k = root->items[2 * i], *v = root->items[2 * i + 1];
        if (strcmp(k->text, "rules") == 0 && list == NULL)
            list = v;
        else if (strcmp(k->text, "classify") == 0 && isnan(cl.slm_max_params_b))
            lm__schema_map(&c, v, &classify_schema, &cl);
        else if (strcmp(k->text, "rules") == 0 || strcmp(k->text, "classify") == 0)
            lm__schema_error(&c, k, "duplicate key '%s'", k->text);
        else {
            const char *s = lm__suggest(k->text, keys, 2);
            if (s)
                lm__schema_error(&c, k, "unknown key '%s' (did you mean '%s'?)", k->text, s);
            else
                lm__schema_error(&c, k, "unknown key '%s'", k->text);
        }
    }
    if (list == NULL) {
        lm__schema_error(&c, root, "missing required key 'rules'");
        return LM_ESCHEMA;
    }
    if (list->kind != LM_Y_SEQ) {
        lm__schema_error(&c, list, "'rules' must be a list, not a %s", lm__node_kind_name(list));
        return LM_ESCHEMA;
    }
    struct lm_rule **loaded = list->n ? calloc(list->n, sizeof(*loaded)) : NULL;
    if (list->n && loaded == NULL)
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    size_t nloaded = 0;
    struct lm_strset ids = LM_STRSET_INIT; /* duplicate ids in linear time */
    for (size_t i = 0; i < list->n; i++) {
        struct lm_rule *r = lm_arena_alloc(&rs->arena, sizeof(*r));
        if (r == NULL) {
            c.errors++;
            break;
        }
        r->origin = file;
        if (read_rule(&c, list->items[i], r) > 0) {
            free_compiled(r);
            continue;
        }
        int dup = strcmp(r->id, LM_RULE_BETTER_CANDIDATE) == 0 ||
                  lm__strset_put(&ids, r->id, nloaded) != LM_STRSET_NONE;
        if (dup) {
            lm__schema_error(&c, lm__ymap_get(list->items[i], "id"),
                             strcmp(r->id, LM_RULE_BETTER_CANDIDATE) == 0
                                 ? "rule id '%s' is reserved for check's advisory finding"
                                 : "duplicate rule id '%s'", r->id);
            free_compiled(r);
            continue;
        }
        loaded[nloaded++] = r;
    }
    lm__strset_release(&ids);
    if (rs->n + nloaded > LM_MAX_RULES_TOTAL) {
        lm__schema_error(&c, list, "more than %d rules", LM_MAX_RULES_TOTAL);
    }
    if (c.errors > 0) {
        for (size_t k = 0; k < nloaded; k++)
            free_compiled(loaded[k]);
        free(loaded);
        return LM_ESCHEMA;
    }
    for (size_t k = 0; k < nloaded; k++) {
        long at = lm_rules_find(rs, loaded[k]->id);
        if (at >= 0) {
            free_compiled(rs->rules[at]);
            rs->rules[at] = loaded[k];
            continue;
        }
        struct lm_rule **g = realloc(rs->rules, (rs->n + 1) * sizeof(*g));
        if (g == NULL) {
            free_compiled(loaded[k]);
            rc = lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
            continue;
        }
        rs->rules = g;
        rs->rules[rs->n++] = loaded[k];
    }
    free(loaded);
    if (!isnan(cl.slm_max_params_b))
        rs->slm_max_params_b = cl.slm_max_params_b;
    return rc;
}

int lm_rules_load(struct lm_ruleset *rs, const char *display, const char *data, size_t len,
                  const struct lm_limits *limits, struct lm_diags *diags)
{
    const char *file = lm_arena_strdup(&rs->arena, display);
    if (file == NULL)
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    struct lm_ynode *root;
    int rc = lm__yaml_parse(&rs->arena, file, data, len, limits, diags, &root);
    return rc != LM_OK ? rc : load_tree(rs, file, root, diags);
}

int lm_rules_load_builtin(struct lm_ruleset *rs, const struct lm_limits *limits,
                          struct lm_diags *diags)
{
    const struct lm_builtin_file *f = lm__builtin_find("rules/default.yaml");
    if (f == NULL)
        return lm_diag_error(diags, LM_EINTERNAL, NULL, "the builtin rule set is missing");
    /* Parsed at build time; the user's limits never apply to it (DESIGN §7a). */
    (void)limits;
    const char *file = "<builtin>/rules/default.yaml";
    /* A tree thawed from the embedded tables has its texts in constant
     * data and the rules keep no node, so the nodes go in a scratch arena
     * freed at once (fresh pages are the cost of a small run,
     * docs/performance.md); a tree parsed here keeps its texts in the
     * rule set's arena. */
    struct lm_arena scratch = LM_ARENA_INIT;
    struct lm_ynode *root;
    int rc = lm__builtin_tree(f->tree.nodes != NULL ? &scratch : &rs->arena, f, file, diags,
                              &root);
    if (rc == LM_OK)
        rc = load_tree(rs, file, root, diags);
    lm_arena_release(&scratch);
    return rc;
}

const char *lm_rule_basis(const struct lm_rule *r)
{
    return r->source != NULL ? "source" : r->assumption != NULL ? "assumption" : "-";
}

void lm_rules_release(struct lm_ruleset *rs)
{
    if (rs == NULL)
        return;
    for (size_t i = 0; i < rs->n; i++)
        free_compiled(rs->rules[i]);
    free(rs->rules);
    lm_arena_release(&rs->arena);
    struct lm_ruleset init = LM_RULESET_INIT;
    *rs = init;
}

const struct lm_schema *lm__rules_schema(const char *kind)
{
    if (strcmp(kind, "rule") == 0)
        return &rule_schema;
    if (strcmp(kind, "classify") == 0)
        return &classify_schema;
    return NULL;
}
