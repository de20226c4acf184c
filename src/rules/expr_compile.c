/*
 * The compiler of rule conditions: lm_expr_compile(), a recursive-descent
 * parser that type-checks every operand against the fact table and emits
 * its postfix code as it returns (expr_int.h describes the program), and
 * lm_expr_free() / lm_expr_facts() for what it builds.
 *
 * Parsing, type checking and code generation are one pass over the tokens,
 * so they share one file; they are separate from the lexer (expr_lex.c),
 * which they call for each token, and from everything that runs the
 * program (expr_eval.c, expr_specialize.c), which sees only the compiled
 * form.
 */
#include <assert.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/expr_int.h"

/* ===================================================================== */
/* Parser                                                                */
/* ===================================================================== */

/* Compile-time types. An empty list literal goes with any list. */
enum ct { CT_NULL, CT_NUM, CT_STR, CT_BOOL, CT_LIST, CT_NLIST, CT_ELIST };

static const char *ct_name(enum ct t)
{
    switch (t) {
    case CT_NULL:
        return "null";
    case CT_NUM:
        return "num";
    case CT_STR:
        return "str";
    case CT_BOOL:
        return "bool";
    case CT_LIST:
        return "list";
    case CT_NLIST:
        return "list";
    case CT_ELIST:
        return "list";
    }
    return "?";
}

/* What the parser knows about an operand it has compiled. */
struct info {
    enum ct type;
    size_t off;   /* first byte, for errors about the operand */
    size_t fact;  /* bare path: fact id, else SIZE_MAX */
    int str_lit;  /* a string literal: strs[lit] */
    int list_lit; /* a list literal of strings: strs[lit .. lit+nlit) */
    size_t lit, nlit;
};

struct parser {
    const char *src;
    size_t len;
    const struct lm_fact_table *facts;
    struct lm_expr_error *err;
    struct tok cur;
    size_t depth;
    size_t nodes;
    /* Output, bounded by the node limit. */
    struct ins code[MAX_CODE];
    size_t ncode;
    const char *strs[LM_EXPR_MAX_NODES];
    size_t str_off[LM_EXPR_MAX_NODES]; /* source offset of each literal */
    size_t nstrs;
    double nums[LM_EXPR_MAX_NODES];
    size_t nnums;
    size_t facts_used[LM_EXPR_MAX_NODES];
    size_t nfacts;
    char *pool; /* len + 1 bytes: enough for every unescaped literal */
    size_t pool_used;
};

static int parse_or(struct parser *p, struct info *out);

static int advance(struct parser *p)
{
    return lm__expr_lex(p->src, p->len, p->cur.end, &p->cur, p->err);
}

static int fail(struct parser *p, size_t off, const char *fmt, ...)
    EXPR_PRINTF(3, 4);

static int fail(struct parser *p, size_t off, const char *fmt, ...)
{
    va_list ap;

    if (p->err == NULL)
        return -1;
    p->err->offset = off;
    va_start(ap, fmt);
    vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* Names the current token for "expected X, found Y" messages. */
static int fail_expected(struct parser *p, const char *what)
{
    size_t n = p->cur.end - p->cur.off;

    if (p->cur.kind == TK_EOF)
        return fail(p, p->cur.off, "expected %s, found end of expression",
                    what);
    if (n > 40)
        return fail(p, p->cur.off, "expected %s, found '%.40s...'", what,
                    p->src + p->cur.off);
    return fail(p, p->cur.off, "expected %s, found '%.*s'", what, (int)n,
                p->src + p->cur.off);
}

/* Counts one node created by the token at off. */
static int node(struct parser *p, size_t off)
{
    if (++p->nodes > LM_EXPR_MAX_NODES)
        return fail(p, off, "expression has more than %d nodes",
                    LM_EXPR_MAX_NODES);
    return 0;
}

/* Enters one nesting level opened by the token at off. */
static int enter(struct parser *p, size_t off)
{
    if (++p->depth > LM_EXPR_MAX_DEPTH)
        return fail(p, off, "expression nested deeper than %d levels",
                    LM_EXPR_MAX_DEPTH);
    return 0;
}

static size_t emit(struct parser *p, enum op op, size_t a, size_t n, double num)
{
    /* Every instruction but a jump comes from a counted node, and there is
     * at most one jump per node, so MAX_CODE cannot overflow. */
    assert(p->ncode < MAX_CODE);
    p->code[p->ncode].op = op;
    p->code[p->ncode].a = a;
    p->code[p->ncode].n = n;
    p->code[p->ncode].num = num;
    return p->ncode++;
}

static void info_init(struct info *in, enum ct type, size_t off)
{
    in->type = type;
    in->off = off;
    in->fact = SIZE_MAX;
    in->str_lit = 0;
    in->list_lit = 0;
    in->lit = 0;
    in->nlit = 0;
}

static int is_bool(const struct info *in)
{
    return in->type == CT_BOOL;
}

/* --------------------------------------------------------------------- */
/* Primaries                                                             */
/* --------------------------------------------------------------------- */

/* Unescapes the current string token into the pool and records it. */
static size_t take_string(struct parser *p)
{
    char *dst = p->pool + p->pool_used;
    size_t w = 0;

    for (size_t i = p->cur.off + 1; i + 1 < p->cur.end; i++) {
        if (p->src[i] == '\\')
            i++;
        dst[w++] = p->src[i];
    }
    dst[w] = '\0';
    p->pool_used += w + 1;
    p->strs[p->nstrs] = dst;
    p->str_off[p->nstrs] = p->cur.off;
    return p->nstrs++;
}

static int take_number(struct parser *p, double *v)
{
    if (lm__expr_convert_number(p->src + p->cur.off, p->cur.end - p->cur.off,
                                v) != 0)
        return fail(p, p->cur.off, "number out of range");
    return 0;
}

static const char *const function_names[] = {"abs", "max", "min", NULL};

static int parse_call(struct parser *p, struct info *out)
{
    struct tok name = p->cur;
    size_t n = name.end - name.off;
    enum op op;
    size_t nargs = 0;

    if (n == 3 && memcmp(p->src + name.off, "abs", 3) == 0) {
        op = OP_ABS;
    } else if (n == 3 && memcmp(p->src + name.off, "min", 3) == 0) {
        op = OP_MIN;
    } else if (n == 3 && memcmp(p->src + name.off, "max", 3) == 0) {
        op = OP_MAX;
    } else {
        const char *s =
            lm__expr_suggest(p->src + name.off, n, NULL, function_names);
        if (s != NULL)
            return fail(p, name.off,
                        "unknown function '%.*s' (did you mean '%s'?)", (int)n,
                        p->src + name.off, s);
        return fail(p, name.off,
                    "unknown function '%.*s' (functions: abs, max, min)",
                    (int)n, p->src + name.off);
    }
    if (node(p, name.off) != 0 || advance(p) != 0) /* the name */
        return -1;
    if (enter(p, p->cur.off) != 0 || advance(p) != 0) /* the '(' */
        return -1;
    if (p->cur.kind != TK_RPAREN) {
        for (;;) {
            struct info arg;
            if (parse_or(p, &arg) != 0)
                return -1;
            if (arg.type != CT_NUM)
                return fail(p, arg.off, "'%.*s' needs numbers, not %s", (int)n,
                            p->src + name.off, ct_name(arg.type));
            nargs++;
            if (p->cur.kind != TK_COMMA)
                break;
            if (advance(p) != 0)
                return -1;
        }
    }
    if (p->cur.kind != TK_RPAREN)
        return fail_expected(p, "',' or ')'");
    if (op == OP_ABS && nargs != 1)
        return fail(p, name.off, "'abs' takes 1 argument, not %zu", nargs);
    if (nargs == 0)
        return fail(p, name.off, "'%.*s' needs at least 1 argument", (int)n,
                    p->src + name.off);
    p->depth--;
    if (advance(p) != 0)
        return -1;
    emit(p, op, 0, nargs, 0.0);
    info_init(out, CT_NUM, name.off);
    return 0;
}

static int parse_path(struct parser *p, struct info *out)
{
    const char *s = p->src + p->cur.off;
    size_t n = p->cur.end - p->cur.off;
    size_t id;

    for (id = 0; id < p->facts->n; id++) {
        const char *path = p->facts->defs[id].path;
        if (path != NULL && strlen(path) == n && memcmp(path, s, n) == 0)
            break;
    }
    if (id == p->facts->n) {
        const char *sug = lm__expr_suggest(s, n, p->facts, NULL);
        int shown = n > 100 ? 100 : (int)n;
        if (sug != NULL)
            return fail(p, p->cur.off,
                        "unknown fact '%.*s' (did you mean '%s'?)", shown, s,
                        sug);
        return fail(p, p->cur.off, "unknown fact '%.*s'", shown, s);
    }
    if (node(p, p->cur.off) != 0)
        return -1;

    enum ct type = CT_NULL;
    enum lm_vtype want = LM_V_NULL;
    switch (p->facts->defs[id].type) {
    case LM_T_NUM:
        type = CT_NUM;
        want = LM_V_NUM;
        break;
    case LM_T_STR:
        type = CT_STR;
        want = LM_V_STR;
        break;
    case LM_T_ENUM:
        type = CT_STR;
        want = LM_V_STR;
        break;
    case LM_T_BOOL:
        type = CT_BOOL;
        want = LM_V_BOOL;
        break;
    case LM_T_LIST:
        type = CT_LIST;
        want = LM_V_LIST;
        break;
    }
    emit(p, OP_FACT, id, (size_t)want, 0.0);
    info_init(out, type, p->cur.off);
    out->fact = id;

    size_t i;
    for (i = 0; i < p->nfacts; i++)
        if (p->facts_used[i] == id)
            break;
    if (i == p->nfacts)
        p->facts_used[p->nfacts++] = id;
    return advance(p);
}

static int parse_list(struct parser *p, struct info *out)
{
    size_t open = p->cur.off;
    enum ct elem = CT_NULL;
    size_t count = 0;
    size_t first_str = p->nstrs, first_num = p->nnums;

    if (node(p, open) != 0 || enter(p, open) != 0 || advance(p) != 0)
        return -1;
    if (p->cur.kind != TK_RBRACK) {
        for (;;) {
            enum ct t;
            if (p->cur.kind == TK_STR) {
                t = CT_STR;
            } else if (p->cur.kind == TK_NUM) {
                t = CT_NUM;
            } else if (p->cur.kind == TK_EOF || p->cur.kind == TK_COMMA ||
                       p->cur.kind == TK_RBRACK) {
                return fail_expected(p, "a string or number");
            } else {
                return fail(p, p->cur.off,
                            "list elements must be string or number literals");
            }
            if (count > 0 && t != elem)
                return fail(p, p->cur.off,
                            "list elements must all have the same type");
            elem = t;
            if (node(p, p->cur.off) != 0)
                return -1;
            if (t == CT_STR) {
                take_string(p);
            } else {
                double v;
                if (take_number(p, &v) != 0)
                    return -1;
                p->nums[p->nnums++] = v;
            }
            count++;
            if (advance(p) != 0)
                return -1;
            if (p->cur.kind != TK_COMMA)
                break;
            if (advance(p) != 0)
                return -1;
        }
    }
    if (p->cur.kind != TK_RBRACK)
        return fail_expected(p, "',' or ']'");
    p->depth--;
    if (count == 0) {
        emit(p, OP_SLIST, first_str, 0, 0.0);
        info_init(out, CT_ELIST, open);
    } else if (elem == CT_STR) {
        emit(p, OP_SLIST, first_str, count, 0.0);
        info_init(out, CT_LIST, open);
        out->list_lit = 1;
        out->lit = first_str;
        out->nlit = count;
    } else {
        emit(p, OP_NLIST, first_num, count, 0.0);
        info_init(out, CT_NLIST, open);
    }
    return advance(p);
}

static int parse_primary(struct parser *p, struct info *out)
{
    size_t off = p->cur.off;

    switch (p->cur.kind) {
    case TK_NUM: {
        double v;
        if (node(p, off) != 0 || take_number(p, &v) != 0)
            return -1;
        emit(p, OP_NUM, 0, 0, v);
        info_init(out, CT_NUM, off);
        return advance(p);
    }
    case TK_STR: {
        if (node(p, off) != 0)
            return -1;
        size_t idx = take_string(p);
        emit(p, OP_STR, idx, 0, 0.0);
        info_init(out, CT_STR, off);
        out->str_lit = 1;
        out->lit = idx;
        return advance(p);
    }
    case TK_TRUE:
    case TK_FALSE:
        if (node(p, off) != 0)
            return -1;
        emit(p, OP_BOOL, p->cur.kind == TK_TRUE, 0, 0.0);
        info_init(out, CT_BOOL, off);
        return advance(p);
    case TK_NULL:
        if (node(p, off) != 0)
            return -1;
        emit(p, OP_NULL, 0, 0, 0.0);
        info_init(out, CT_NULL, off);
        return advance(p);
    case TK_NAME: {
        /* A name followed by '(' is a call. Peeking at the character rather
         * than lexing the next token keeps a later lexical error from
         * hiding an unknown fact. */
        size_t q = p->cur.end;
        while (q < p->len && lm__is_space((unsigned char)p->src[q]))
            q++;
        if (q < p->len && p->src[q] == '(')
            return parse_call(p, out);
        return parse_path(p, out);
    }
    case TK_LPAREN:
        if (enter(p, off) != 0 || advance(p) != 0)
            return -1;
        if (parse_or(p, out) != 0)
            return -1;
        if (p->cur.kind != TK_RPAREN)
            return fail_expected(p, "')'");
        p->depth--;
        return advance(p);
    case TK_LBRACK:
        return parse_list(p, out);
    case TK_EOF:
    case TK_AND:
    case TK_OR:
    case TK_NOT:
    case TK_IN:
    case TK_CONTAINS:
    case TK_EQ:
    case TK_NE:
    case TK_LT:
    case TK_LE:
    case TK_GT:
    case TK_GE:
    case TK_PLUS:
    case TK_MINUS:
    case TK_STAR:
    case TK_SLASH:
    case TK_RPAREN:
    case TK_RBRACK:
    case TK_COMMA:
        break;
    }
    return fail_expected(p, "a value");
}

/* --------------------------------------------------------------------- */
/* Operators                                                             */
/* --------------------------------------------------------------------- */

static int parse_unary(struct parser *p, struct info *out)
{
    if (p->cur.kind != TK_MINUS)
        return parse_primary(p, out);

    size_t off = p->cur.off;
    if (node(p, off) != 0 || enter(p, off) != 0 || advance(p) != 0)
        return -1;
    if (parse_unary(p, out) != 0)
        return -1;
    p->depth--;
    if (out->type != CT_NUM)
        return fail(p, off, "'-' needs a number, not %s", ct_name(out->type));
    emit(p, OP_NEG, 0, 0, 0.0);
    info_init(out, CT_NUM, off);
    return 0;
}

/* Checks both operands of + - * / and emits the operation. */
static int arith(struct parser *p, const struct tok *opt, struct info *l,
                 const struct info *r, enum op op)
{
    const struct info *bad = l->type != CT_NUM ? l : r;

    if (bad->type != CT_NUM)
        return fail(p, opt->off, "'%.*s' needs numbers, not %s",
                    (int)(opt->end - opt->off), p->src + opt->off,
                    ct_name(bad->type));
    emit(p, op, 0, 0, 0.0);
    info_init(l, CT_NUM, l->off);
    return 0;
}

static int parse_mul(struct parser *p, struct info *out)
{
    if (parse_unary(p, out) != 0)
        return -1;
    while (p->cur.kind == TK_STAR || p->cur.kind == TK_SLASH) {
        struct tok opt = p->cur;
        struct info r;
        if (node(p, opt.off) != 0 || advance(p) != 0 || parse_unary(p, &r) != 0)
            return -1;
        if (arith(p, &opt, out, &r, opt.kind == TK_STAR ? OP_MUL : OP_DIV) != 0)
            return -1;
    }
    return 0;
}

static int parse_add(struct parser *p, struct info *out)
{
    if (parse_mul(p, out) != 0)
        return -1;
    while (p->cur.kind == TK_PLUS || p->cur.kind == TK_MINUS) {
        struct tok opt = p->cur;
        struct info r;
        if (node(p, opt.off) != 0 || advance(p) != 0 || parse_mul(p, &r) != 0)
            return -1;
        if (arith(p, &opt, out, &r, opt.kind == TK_PLUS ? OP_ADD : OP_SUB) != 0)
            return -1;
    }
    return 0;
}

static int is_cmp(enum tk k)
{
    return k == TK_EQ || k == TK_NE || k == TK_LT || k == TK_LE || k == TK_GT ||
           k == TK_GE || k == TK_IN || k == TK_CONTAINS;
}

/* Checks string literal strs[idx] against the enum fact behind info f. */
static int check_enum_value(struct parser *p, const struct info *f, size_t idx)
{
    const struct lm_fact_def *def;
    char values[160];
    size_t w = 0;

    if (f->fact == SIZE_MAX)
        return 0;
    def = &p->facts->defs[f->fact];
    if (def->type != LM_T_ENUM || def->enum_values == NULL)
        return 0;
    for (size_t i = 0; def->enum_values[i] != NULL; i++)
        if (strcmp(def->enum_values[i], p->strs[idx]) == 0)
            return 0;
    values[0] = '\0';
    for (size_t i = 0; def->enum_values[i] != NULL && w < sizeof values; i++) {
        int r = snprintf(values + w, sizeof values - w, "%s%s",
                         i > 0 ? ", " : "", def->enum_values[i]);
        if (r < 0)
            break;
        w += (size_t)r;
    }
    if (w >= sizeof values) /* Too many values to list: end with an ellipsis. */
        memcpy(values + sizeof values - 4, "...", 4);
    return fail(p, p->str_off[idx], "'%.60s' is not a value of %s (%s)",
                p->strs[idx], def->path, values);
}

static int check_equality(struct parser *p, const struct tok *opt,
                          const struct info *l, const struct info *r,
                          enum op *op)
{
    int eq = opt->kind == TK_EQ;

    if (l->type == CT_NULL || r->type == CT_NULL) {
        *op = eq ? OP_EQ_NULL : OP_NE_NULL;
        return 0;
    }
    if (l->type != r->type && !(l->type == CT_ELIST || r->type == CT_ELIST ||
                                ((l->type == CT_LIST || l->type == CT_NLIST) &&
                                 (r->type == CT_LIST || r->type == CT_NLIST))))
        return fail(p, opt->off, "cannot compare %s with %s", ct_name(l->type),
                    ct_name(r->type));
    if (l->type == CT_LIST || l->type == CT_NLIST || l->type == CT_ELIST)
        return fail(p, opt->off,
                    "'%s' cannot compare lists; use 'in' or 'contains'",
                    eq ? "==" : "!=");
    if (l->type == CT_STR) {
        if (r->str_lit && check_enum_value(p, l, r->lit) != 0)
            return -1;
        if (l->str_lit && check_enum_value(p, r, l->lit) != 0)
            return -1;
    }
    *op = eq ? OP_EQ : OP_NE;
    return 0;
}

static int check_in(struct parser *p, const struct tok *opt,
                    const struct info *l, const struct info *r)
{
    enum ct want;

    if (r->type != CT_LIST && r->type != CT_NLIST && r->type != CT_ELIST)
        return fail(p, opt->off, "'in' needs a list on the right, not %s",
                    ct_name(r->type));
    if (l->type == CT_ELIST)
        return 0;
    if (l->type == CT_STR || l->type == CT_LIST)
        want = CT_STR;
    else if (l->type == CT_NUM || l->type == CT_NLIST)
        want = CT_NUM;
    else
        return fail(p, opt->off,
                    "'in' needs a str, num or list on the left, not %s",
                    ct_name(l->type));
    if (r->type != CT_ELIST && (r->type == CT_NLIST) != (want == CT_NUM))
        return fail(p, opt->off, "cannot look for %s in a list of %s",
                    ct_name(want), r->type == CT_NLIST ? "num" : "str");
    if (r->list_lit)
        for (size_t i = 0; i < r->nlit; i++)
            if (check_enum_value(p, l, r->lit + i) != 0)
                return -1;
    return 0;
}

static int check_contains(struct parser *p, const struct tok *opt,
                          const struct info *l, const struct info *r)
{
    if (l->type != CT_LIST && l->type != CT_STR && l->type != CT_ELIST)
        return fail(p, opt->off,
                    "'contains' needs a list or str on the left, not %s",
                    l->type == CT_NLIST ? "list of num" : ct_name(l->type));
    if (r->type != CT_STR)
        return fail(p, opt->off, "'contains' needs a str on the right, not %s",
                    ct_name(r->type));
    return 0;
}

static int parse_cmp(struct parser *p, struct info *out)
{
    struct info r;
    struct tok opt;
    enum op op = OP_EQ;

    if (parse_add(p, out) != 0)
        return -1;
    if (!is_cmp(p->cur.kind))
        return 0;
    opt = p->cur;
    if (node(p, opt.off) != 0 || advance(p) != 0 || parse_add(p, &r) != 0)
        return -1;

    switch (opt.kind) {
    case TK_EQ:
    case TK_NE:
        if (check_equality(p, &opt, out, &r, &op) != 0)
            return -1;
        break;
    case TK_LT:
    case TK_LE:
    case TK_GT:
    case TK_GE:
        if (out->type != r.type && out->type != CT_NULL && r.type != CT_NULL)
            return fail(p, opt.off, "cannot compare %s with %s",
                        ct_name(out->type), ct_name(r.type));
        if (out->type != CT_NUM || r.type != CT_NUM)
            return fail(p, opt.off, "'%.*s' compares numbers, not %s",
                        (int)(opt.end - opt.off), p->src + opt.off,
                        ct_name(out->type != CT_NUM ? out->type : r.type));
        op = opt.kind == TK_LT   ? OP_LT
             : opt.kind == TK_LE ? OP_LE
             : opt.kind == TK_GT ? OP_GT
                                 : OP_GE;
        break;
    case TK_IN:
        if (check_in(p, &opt, out, &r) != 0)
            return -1;
        op = OP_IN;
        break;
    case TK_CONTAINS:
        if (check_contains(p, &opt, out, &r) != 0)
            return -1;
        op = OP_CONTAINS;
        break;
    case TK_EOF:
    case TK_NUM:
    case TK_STR:
    case TK_NAME:
    case TK_AND:
    case TK_OR:
    case TK_NOT:
    case TK_TRUE:
    case TK_FALSE:
    case TK_NULL:
    case TK_PLUS:
    case TK_MINUS:
    case TK_STAR:
    case TK_SLASH:
    case TK_LPAREN:
    case TK_RPAREN:
    case TK_LBRACK:
    case TK_RBRACK:
    case TK_COMMA:
        assert(0 && "not a comparison");
        break;
    }
    emit(p, op, 0, 0, 0.0);
    info_init(out, CT_BOOL, out->off);
    if (is_cmp(p->cur.kind))
        return fail(p, p->cur.off, "comparisons cannot be chained");
    return 0;
}

static int parse_not(struct parser *p, struct info *out)
{
    if (p->cur.kind != TK_NOT)
        return parse_cmp(p, out);

    size_t off = p->cur.off;
    if (node(p, off) != 0 || enter(p, off) != 0 || advance(p) != 0)
        return -1;
    if (parse_not(p, out) != 0)
        return -1;
    p->depth--;
    if (!is_bool(out))
        return fail(p, off, "'not' needs a boolean, not %s",
                    ct_name(out->type));
    emit(p, OP_NOT, 0, 0, 0.0);
    info_init(out, CT_BOOL, off);
    return 0;
}

/* One level of and/or: left (op right)*, with a short-circuit jump. */
static int parse_logic(struct parser *p, struct info *out, enum tk kind,
                       int (*sub)(struct parser *, struct info *))
{
    const char *name = kind == TK_AND ? "and" : "or";

    if (sub(p, out) != 0)
        return -1;
    while (p->cur.kind == kind) {
        size_t off = p->cur.off;
        struct info r;
        if (!is_bool(out))
            return fail(p, off, "'%s' needs booleans, not %s", name,
                        ct_name(out->type));
        if (node(p, off) != 0 || advance(p) != 0)
            return -1;
        size_t jump = emit(p, kind == TK_AND ? OP_JFALSE : OP_JTRUE, 0, 0, 0.0);
        if (sub(p, &r) != 0)
            return -1;
        if (!is_bool(&r))
            return fail(p, off, "'%s' needs booleans, not %s", name,
                        ct_name(r.type));
        emit(p, kind == TK_AND ? OP_AND : OP_OR, 0, 0, 0.0);
        p->code[jump].a = p->ncode;
        info_init(out, CT_BOOL, out->off);
    }
    return 0;
}

static int parse_and(struct parser *p, struct info *out)
{
    return parse_logic(p, out, TK_AND, parse_not);
}

static int parse_or(struct parser *p, struct info *out)
{
    return parse_logic(p, out, TK_OR, parse_and);
}

/* ===================================================================== */
/* Compile                                                               */
/* ===================================================================== */

static void *dup_array(const void *src, size_t n, size_t size)
{
    void *d = malloc(n > 0 ? n * size : 1);
    if (d != NULL && n > 0)
        memcpy(d, src, n * size);
    return d;
}

int lm_expr_compile(const char *src, size_t len,
                    const struct lm_fact_table *facts, struct lm_expr **out,
                    struct lm_expr_error *err)
{
    static const struct lm_fact_table no_facts = {NULL, 0};
    struct parser *p = NULL;
    struct lm_expr *e = NULL;
    struct info top;
    int rc = -1;

    *out = NULL;
    if (facts == NULL)
        facts = &no_facts;
    if (src == NULL)
        len = 0;
    if (len > LM_EXPR_MAX_LEN) {
        lm__expr_set_error(err, LM_EXPR_MAX_LEN,
                           "expression longer than %d characters",
                           LM_EXPR_MAX_LEN);
        return -1;
    }
    /* The parser is about 16 KB, nearly all output arrays that are only
     * read below their counts: clearing it all cost more than compiling a
     * rule, so only the fields before them are cleared (and the counts). */
    p = malloc(sizeof *p);
    if (p != NULL) {
        memset(p, 0, offsetof(struct parser, code));
        p->ncode = p->nstrs = p->nnums = p->nfacts = p->pool_used = 0;
    }
    e = calloc(1, sizeof *e);
    if (p == NULL || e == NULL)
        goto oom;
    p->src = src != NULL ? src : "";
    p->len = len;
    p->facts = facts;
    p->err = err;
    p->pool = malloc(len + 1);
    if (p->pool == NULL)
        goto oom;
    e->pool = p->pool; /* e owns it from now on */

    if (lm__expr_lex(p->src, len, 0, &p->cur, err) != 0)
        goto out;
    if (p->cur.kind == TK_EOF) {
        lm__expr_set_error(err, 0, "empty condition");
        goto out;
    }
    if (parse_or(p, &top) != 0)
        goto out;
    if (p->cur.kind != TK_EOF) {
        fail_expected(p, "an operator or end of expression");
        goto out;
    }
    if (!is_bool(&top)) {
        lm__expr_set_error(err, 0, "condition must be a boolean");
        goto out;
    }

    e->ncode = p->ncode;
    e->nfacts = p->nfacts;
    e->code = dup_array(p->code, p->ncode, sizeof p->code[0]);
    e->strs = dup_array(p->strs, p->nstrs, sizeof p->strs[0]);
    e->nums = dup_array(p->nums, p->nnums, sizeof p->nums[0]);
    e->facts = dup_array(p->facts_used, p->nfacts, sizeof p->facts_used[0]);
    if (e->code == NULL || e->strs == NULL || e->nums == NULL ||
        e->facts == NULL)
        goto oom;
    *out = e;
    e = NULL;
    rc = 0;
    goto out;

oom:
    lm__expr_set_error(err, 0, "out of memory");
out:
    free(p);
    lm_expr_free(e);
    return rc;
}

void lm_expr_free(struct lm_expr *e)
{
    if (e == NULL)
        return;
    free(e->code);
    free(e->strs);
    free(e->nums);
    free(e->facts);
    free(e->pool);
    free(e);
}

size_t lm_expr_facts(const struct lm_expr *e, const size_t **ids)
{
    *ids = e->facts;
    return e->nfacts;
}
