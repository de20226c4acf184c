/*
 * Evaluation with some facts left open, done once per run (or per model or
 * setting) rather than per candidate: lm_expr_outcomes() tells which
 * outcomes a condition can still have, so that rules that can never fire
 * are skipped, and lm_expr_specialize() folds the facts held fixed into a
 * new, shorter program (with fused fact-comparison instructions) for the
 * evaluator to run per candidate.
 *
 * Separate from the evaluator because neither is on the per-candidate path
 * and both reason about the program's structure (arity, which instructions
 * read facts) rather than run it; for every concrete operation they call
 * the evaluator's instruction step, lm__expr_exec_one().
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/expr_int.h"

/* ===================================================================== */
/* Outcomes                                                              */
/* ===================================================================== */

/*
 * Abstract evaluation for rule pruning: facts marked in `varies` may take any
 * value of their type; the others are read through get. Returns the set of
 * outcomes the condition can have, as bits (1 << LM_FALSE, LM_TRUE,
 * LM_UNKNOWN). An instruction whose operands are all known runs with the
 * concrete semantics (lm__expr_exec_one); otherwise its result is "any",
 * except that a comparison with a known null is unknown whatever the other
 * side, a null test against a known non-null value is false, and and/or/not
 * combine the possible outcomes of their operands (Kleene).
 */
struct aslot {
    int vary;      /* the value is not known */
    unsigned mask; /* vary: possible tri outcomes, as bits */
};

#define TRI_ALL ((1u << LM_FALSE) | (1u << LM_TRUE) | (1u << LM_UNKNOWN))

static unsigned tri_bit(const struct slot *s)
{
    return 1u << (s->t == S_BOOL ? (s->b ? LM_TRUE : LM_FALSE) : LM_UNKNOWN);
}

static int kleene(int op_and, int x, int y)
{
    if (op_and) {
        if (x == LM_FALSE || y == LM_FALSE)
            return LM_FALSE;
        return x == LM_TRUE && y == LM_TRUE ? LM_TRUE : LM_UNKNOWN;
    }
    if (x == LM_TRUE || y == LM_TRUE)
        return LM_TRUE;
    return x == LM_FALSE && y == LM_FALSE ? LM_FALSE : LM_UNKNOWN;
}

static size_t ins_arity(const struct ins *in)
{
    switch (in->op) {
    case OP_NUM: case OP_STR: case OP_BOOL: case OP_NULL: case OP_FACT:
    case OP_SLIST: case OP_NLIST: case OP_JFALSE: case OP_JTRUE:
    case OP_FACT_CMP_NUM: case OP_FACT_EQ_STR: case OP_FACT_NE_STR:
        return 0;
    case OP_NEG: case OP_NOT: case OP_ABS:
        return 1;
    case OP_MIN: case OP_MAX:
        return in->n;
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_EQ: case OP_NE:
    case OP_LT: case OP_LE: case OP_GT: case OP_GE: case OP_EQ_NULL: case OP_NE_NULL:
    case OP_IN: case OP_CONTAINS: case OP_AND: case OP_OR:
    default:
        return 2;
    }
}

/* True for the instructions that read fact in->a. */
static int reads_fact(const struct ins *in)
{
    return in->op == OP_FACT || in->op == OP_FACT_CMP_NUM ||
           in->op == OP_FACT_EQ_STR || in->op == OP_FACT_NE_STR;
}

unsigned lm_expr_outcomes(const struct lm_expr *e, lm_fact_get_fn get, void *ctx,
                          const unsigned char *varies)
{
    struct slot st[LM_EXPR_MAX_NODES];
    struct aslot ab[LM_EXPR_MAX_NODES];
    size_t sp = 0;
    for (size_t pc = 0; pc < e->ncode; pc++) {
        const struct ins *in = &e->code[pc];
        size_t n = ins_arity(in);
        int any_vary = 0;
        for (size_t k = 0; k < n; k++)
            any_vary |= ab[sp - 1 - k].vary;
        if (reads_fact(in) && varies[in->a]) {
            /* A fused comparison of a varying fact can also be anything. */
            ab[sp].vary = 1;
            ab[sp].mask = TRI_ALL;
            st[sp].t = S_NULL;
            sp++;
            continue;
        }
        if (in->op == OP_JFALSE || in->op == OP_JTRUE) {
            /* Jump only on a known deciding value; otherwise both sides
             * are evaluated and combined by the and/or that follows. */
            if (!ab[sp - 1].vary)
                lm__expr_exec_one(e, in, st, &sp, &pc, get, ctx);
            continue;
        }
        if (!any_vary) {
            size_t before = sp;
            lm__expr_exec_one(e, in, st, &sp, &pc, get, ctx);
            for (size_t k = before - n; k < sp; k++)
                ab[k].vary = 0;
            continue;
        }
        struct aslot *a = n >= 2 ? &ab[sp - 2] : NULL, *b = &ab[sp - 1];
        struct slot *sa = n >= 2 ? &st[sp - 2] : NULL, *sb = &st[sp - 1];
        struct aslot res = { 1, TRI_ALL };
        switch (in->op) {
        case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
        case OP_IN: case OP_CONTAINS:
            /* A comparison with a known null is unknown. */
            if ((!a->vary && sa->t == S_NULL) || (!b->vary && sb->t == S_NULL))
                res.mask = 1u << LM_UNKNOWN;
            break;
        case OP_EQ_NULL: case OP_NE_NULL:
            if ((!a->vary && sa->t != S_NULL) || (!b->vary && sb->t != S_NULL))
                res.mask = 1u << (in->op == OP_EQ_NULL ? LM_FALSE : LM_TRUE);
            else
                res.mask = (1u << LM_FALSE) | (1u << LM_TRUE);
            break;
        case OP_NOT: {
            unsigned m = b->vary ? b->mask : tri_bit(sb);
            res.mask = ((m >> LM_FALSE) & 1u) << LM_TRUE | ((m >> LM_TRUE) & 1u) << LM_FALSE |
                       (m & (1u << LM_UNKNOWN));
            break;
        }
        case OP_AND: case OP_OR: {
            unsigned ma = a->vary ? a->mask : tri_bit(sa);
            unsigned mb = b->vary ? b->mask : tri_bit(sb);
            res.mask = 0;
            for (int x = 0; x < 3; x++)
                for (int y = 0; y < 3; y++)
                    if ((ma >> x & 1u) && (mb >> y & 1u))
                        res.mask |= 1u << kleene(in->op == OP_AND, x, y);
            break;
        }
        case OP_NUM: case OP_STR: case OP_BOOL: case OP_NULL: case OP_FACT:
        case OP_SLIST: case OP_NLIST: case OP_NEG: case OP_ADD: case OP_SUB:
        case OP_MUL: case OP_DIV: case OP_JFALSE: case OP_JTRUE: case OP_MIN:
        case OP_MAX: case OP_ABS: case OP_FACT_CMP_NUM: case OP_FACT_EQ_STR:
        case OP_FACT_NE_STR:
        default:
            break; /* arithmetic, functions: any value */
        }
        sp -= n;
        ab[sp] = res;
        st[sp].t = S_NULL;
        if (res.mask != TRI_ALL && res.mask != ((1u << LM_FALSE) | (1u << LM_TRUE)) &&
            (res.mask & (res.mask - 1)) == 0) {
            /* A single known outcome becomes a concrete value again. */
            ab[sp].vary = 0;
            if (res.mask == 1u << LM_UNKNOWN)
                st[sp].t = S_NULL;
            else
                lm__set_bool(&st[sp], res.mask == 1u << LM_TRUE);
        }
        sp++;
    }
    return ab[0].vary ? ab[0].mask : tri_bit(&st[0]);
}

/* ===================================================================== */
/* Specialization                                                        */
/* ===================================================================== */

/*
 * lm_expr_specialize rebuilds the expression tree from the postfix code,
 * folds it bottom-up while building it, and emits postfix code again. A
 * node is either known (a constant slot) or dynamic (an instruction whose
 * operands are other nodes). Folding applies only rules that give what
 * the evaluator (expr_eval.c) gives for every value of the dynamic
 * operands, and computes known operations with the evaluator's own
 * instruction step (lm__expr_exec_one), so the two cannot drift apart.
 */

#define KIND(k) (1u << (k))
#define KINDS_BOOL (KIND(S_NULL) | KIND(S_BOOL))

struct snode {
    int known;
    struct slot val;    /* known: the value (borrowed until emitted) */
    struct ins ins;     /* dynamic: the instruction */
    unsigned kinds;     /* dynamic: the slot kinds it can produce */
    size_t kid, nkids;  /* operands: spec.kids[kid .. kid + nkids) */
};

struct spec {
    const struct lm_expr *e;
    lm_fact_get_fn get;
    void *ctx;
    const unsigned char *varies;
    /* Fixed facts, read once each; indexed like e->facts. */
    struct lm_value fixed[LM_EXPR_MAX_NODES];
    unsigned char have[LM_EXPR_MAX_NODES];
    /* Every instruction but a jump makes one node (a fused one three),
     * never more in all than the original condition had nodes (at most
     * LM_EXPR_MAX_NODES); a node is at most one other node's operand and
     * emits at most two instructions. */
    struct snode nodes[MAX_CODE];
    size_t nnodes;
    size_t kids[MAX_CODE];
    size_t nkids;
    size_t stack[MAX_CODE];
    size_t sp;
    /* Emitted code; a constant string or list keeps its node index in a
     * until spec_finish copies it into the new expression. */
    struct ins code[MAX_CODE];
    size_t ncode;
};

static unsigned node_kinds(const struct snode *nd)
{
    return nd->known ? KIND(nd->val.t) : nd->kinds;
}

static void make_known(struct snode *nd, const struct slot *v)
{
    nd->known = 1;
    nd->val = *v;
}

static void make_null(struct snode *nd)
{
    struct slot v = {.t = S_NULL};
    make_known(nd, &v);
}

static void make_bool(struct snode *nd, int b)
{
    struct slot v = {.t = S_NULL};
    lm__set_bool(&v, b);
    make_known(nd, &v);
}

/* The value of a fixed fact, asked of the resolver the first time only. */
static void spec_fixed_fact(struct spec *s, struct snode *nd)
{
    const struct lm_expr *e = s->e;
    struct lm_value local = {.type = LM_V_NULL};
    struct lm_value *v = &local;
    int ask = 1;
    size_t i = 0;

    while (i < e->nfacts && e->facts[i] != nd->ins.a)
        i++;
    if (i < e->nfacts) {
        v = &s->fixed[i];
        ask = !s->have[i];
        if (ask)
            *v = local;
        s->have[i] = 1;
    }
    if (ask && s->get != NULL)
        s->get(s->ctx, nd->ins.a, v);
    nd->known = 1;
    lm__value_to_slot(v, (enum lm_vtype)nd->ins.n, &nd->val);
}

/* and/or with at least one dynamic operand. A known operand that decides
 * (false for and, true for or) decides the whole; a known neutral one
 * leaves the other operand's value, but only when that is always a
 * boolean or null: lm__tri() maps any other kind to unknown. */
static size_t spec_logic(struct spec *s, size_t i)
{
    struct snode *nd = &s->nodes[i];
    size_t side[2] = {s->kids[nd->kid], s->kids[nd->kid + 1]};
    int decide = nd->ins.op == OP_AND ? 0 : 1;

    nd->kinds = KINDS_BOOL;
    for (int k = 0; k < 2; k++) {
        const struct snode *x = &s->nodes[side[k]];
        const struct snode *other = &s->nodes[side[!k]];
        if (!x->known)
            continue;
        int t = lm__tri(&x->val);
        if (t == decide) {
            make_bool(nd, decide);
            return i;
        }
        if (t == !decide && (node_kinds(other) & ~KINDS_BOOL) == 0)
            return side[!k];
    }
    return i;
}

/* Folds node i, some of whose operands are dynamic, where a known operand
 * fixes the result whatever the others are; else records the kinds the
 * node can produce. Returns the node that stands for it. */
static size_t spec_partial(struct spec *s, size_t i)
{
    struct snode *nd = &s->nodes[i];
    const size_t *kid = s->kids + nd->kid;
    unsigned known = 0; /* kinds of the known operands */

    for (size_t k = 0; k < nd->nkids; k++)
        if (s->nodes[kid[k]].known)
            known |= KIND(s->nodes[kid[k]].val.t);
    switch (nd->ins.op) {
    case OP_DIV: {
        /* Division by a known zero is null, like any non-number operand. */
        const struct snode *r = &s->nodes[kid[1]];
        nd->kinds = KIND(S_NULL) | KIND(S_NUM);
        if ((known & ~KIND(S_NUM)) ||
            (r->known && r->val.t == S_NUM && r->val.num == 0.0))
            make_null(nd);
        break;
    }
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_MIN: case OP_MAX:
        /* Any operand that is not a number makes the result null. */
        nd->kinds = KIND(S_NULL) | KIND(S_NUM);
        if (known & ~KIND(S_NUM))
            make_null(nd);
        break;
    case OP_LT: case OP_LE: case OP_GT: case OP_GE:
        nd->kinds = KINDS_BOOL;
        if (known & ~KIND(S_NUM))
            make_null(nd);
        break;
    case OP_EQ: case OP_NE: case OP_IN:
        nd->kinds = KINDS_BOOL;
        if (known & KIND(S_NULL))
            make_null(nd);
        break;
    case OP_CONTAINS: {
        const struct snode *l = &s->nodes[kid[0]], *r = &s->nodes[kid[1]];
        nd->kinds = KINDS_BOOL;
        if ((l->known && l->val.t == S_NULL) || (r->known && r->val.t != S_STR))
            make_null(nd);
        break;
    }
    case OP_EQ_NULL: case OP_NE_NULL:
        /* One side is the literal null, so a known other side has already
         * been folded with it. */
        nd->kinds = KIND(S_BOOL);
        break;
    case OP_AND: case OP_OR:
        return spec_logic(s, i);
    case OP_NEG: case OP_ABS: case OP_NOT:
        /* They change a value of their kind and pass any other through. */
        nd->kinds = node_kinds(&s->nodes[kid[0]]);
        break;
    case OP_NUM: case OP_STR: case OP_BOOL: case OP_NULL: case OP_FACT:
    case OP_SLIST: case OP_NLIST: case OP_JFALSE: case OP_JTRUE:
    case OP_FACT_CMP_NUM: case OP_FACT_EQ_STR: case OP_FACT_NE_STR:
    default:
        nd->kinds = KIND(S_NULL) | KIND(S_NUM) | KIND(S_STR) | KIND(S_BOOL) |
                    KIND(S_LIST) | KIND(S_NLIST);
        break;
    }
    return i;
}

/* Adds a node for instruction in, whose operands are the top nkids nodes
 * of the stack, folds it and pushes what stands for it. */
static void spec_node(struct spec *s, const struct ins *in, size_t nkids)
{
    size_t i = s->nnodes++;
    struct snode *nd = &s->nodes[i];
    const size_t *kid;
    size_t nknown = 0;

    assert(i < MAX_CODE && s->sp >= nkids && s->nkids + nkids <= MAX_CODE);
    nd->known = 0;
    nd->ins = *in;
    nd->kinds = 0;
    nd->kid = s->nkids;
    nd->nkids = nkids;
    s->sp -= nkids;
    memcpy(s->kids + s->nkids, s->stack + s->sp, nkids * sizeof s->kids[0]);
    s->nkids += nkids;
    kid = s->kids + nd->kid;
    for (size_t k = 0; k < nkids; k++)
        nknown += s->nodes[kid[k]].known;

    if (in->op == OP_FACT) {
        if (s->varies != NULL && s->varies[in->a])
            nd->kinds = KIND(S_NULL) | (in->n == LM_V_NUM    ? KIND(S_NUM)
                                        : in->n == LM_V_STR  ? KIND(S_STR)
                                        : in->n == LM_V_BOOL ? KIND(S_BOOL)
                                        : in->n == LM_V_LIST ? KIND(S_LIST)
                                                             : 0u);
        else
            spec_fixed_fact(s, nd);
    } else if (nknown == nkids) {
        /* Literals and operations on constants: run them. */
        struct slot st[LM_EXPR_MAX_NODES];
        size_t sp = nkids, pc = 0;
        for (size_t k = 0; k < nkids; k++)
            st[k] = s->nodes[kid[k]].val;
        lm__expr_exec_one(s->e, in, st, &sp, &pc, NULL, NULL);
        make_known(nd, &st[0]);
    } else {
        i = spec_partial(s, i);
    }
    s->stack[s->sp++] = i;
}

/* Turns a fused instruction of an already specialized expression back into
 * the fact, the constant and the comparison it stands for. */
static void spec_unfuse(struct spec *s, const struct ins *in)
{
    struct ins fact = {OP_FACT, in->a, LM_V_NUM, 0.0};
    struct ins k = {OP_NUM, 0, 0, in->num};
    struct ins cmp = {(enum op)in->n, 0, 0, 0.0};

    if (in->op != OP_FACT_CMP_NUM) {
        fact.n = LM_V_STR;
        k.op = OP_STR;
        k.a = in->n;
        cmp.op = in->op == OP_FACT_EQ_STR ? OP_EQ : OP_NE;
    }
    spec_node(s, &fact, 0);
    spec_node(s, &k, 0);
    spec_node(s, &cmp, 2);
}

static size_t spec_put(struct spec *s, enum op op, size_t a, size_t n, double num)
{
    assert(s->ncode < MAX_CODE);
    s->code[s->ncode].op = op;
    s->code[s->ncode].a = a;
    s->code[s->ncode].n = n;
    s->code[s->ncode].num = num;
    return s->ncode++;
}

static void spec_put_const(struct spec *s, size_t i)
{
    const struct slot *v = &s->nodes[i].val;

    switch (v->t) {
    case S_NULL:
        spec_put(s, OP_NULL, 0, 0, 0.0);
        break;
    case S_NUM:
        spec_put(s, OP_NUM, 0, 0, v->num);
        break;
    case S_BOOL:
        spec_put(s, OP_BOOL, (size_t)v->b, 0, 0.0);
        break;
    case S_STR:
        spec_put(s, OP_STR, i, 0, 0.0);
        break;
    case S_LIST:
        spec_put(s, OP_SLIST, i, v->n, 0.0);
        break;
    case S_NLIST:
        spec_put(s, OP_NLIST, i, v->n, 0.0);
        break;
    }
}

/* Emits `fact CMP constant` (either way round) as one fused instruction
 * when it has that shape; returns 0 when it does not. */
static int spec_put_fused(struct spec *s, const struct snode *nd)
{
    enum op op = nd->ins.op;
    const struct snode *l, *r;

    if (nd->nkids != 2 || (op != OP_EQ && op != OP_NE && op != OP_LT &&
                           op != OP_LE && op != OP_GT && op != OP_GE))
        return 0;
    l = &s->nodes[s->kids[nd->kid]];
    r = &s->nodes[s->kids[nd->kid + 1]];
    if (l->known) {
        const struct snode *t = l;
        l = r;
        r = t;
        /* 3 < x is x > 3; both sides are finite numbers, so this is exact. */
        op = op == OP_LT ? OP_GT : op == OP_GT ? OP_LT : op == OP_LE ? OP_GE
             : op == OP_GE ? OP_LE : op;
    }
    if (l->known || !r->known || l->ins.op != OP_FACT)
        return 0;
    if (r->val.t == S_NUM && l->ins.n == LM_V_NUM) {
        spec_put(s, OP_FACT_CMP_NUM, l->ins.a, (size_t)op, r->val.num);
        return 1;
    }
    if (r->val.t == S_STR && l->ins.n == LM_V_STR &&
        (op == OP_EQ || op == OP_NE)) {
        size_t i = (size_t)(r - s->nodes);
        spec_put(s, op == OP_EQ ? OP_FACT_EQ_STR : OP_FACT_NE_STR, l->ins.a,
                 i, 0.0);
        return 1;
    }
    return 0;
}

/* Emits node i and its operands in postfix order. Recursion depth is at
 * most the number of nodes. */
static void spec_emit(struct spec *s, size_t i)
{
    const struct snode *nd = &s->nodes[i];
    const size_t *kid = s->kids + nd->kid;

    if (nd->known) {
        spec_put_const(s, i);
        return;
    }
    if (nd->ins.op == OP_AND || nd->ins.op == OP_OR) {
        size_t jump = SIZE_MAX;
        spec_emit(s, kid[0]);
        /* A known left operand that is still here does not decide, so its
         * jump would never be taken. */
        if (!s->nodes[kid[0]].known)
            jump = spec_put(s, nd->ins.op == OP_AND ? OP_JFALSE : OP_JTRUE, 0,
                            0, 0.0);
        spec_emit(s, kid[1]);
        spec_put(s, nd->ins.op, 0, 0, 0.0);
        if (jump != SIZE_MAX)
            s->code[jump].a = s->ncode;
        return;
    }
    if (spec_put_fused(s, nd))
        return;
    for (size_t k = 0; k < nd->nkids; k++)
        spec_emit(s, kid[k]);
    spec_put(s, nd->ins.op, nd->ins.a, nd->ins.n, nd->ins.num);
}

/* The strings of the constant that instruction in refers to (its node
 * index is in in->a or, for the fused string comparisons, in in->n); NULL
 * and *n = 0 for any other instruction. */
static const char *const *spec_strings(const struct spec *s,
                                       const struct ins *in, size_t *n)
{
    switch (in->op) {
    case OP_STR:
        *n = 1;
        return &s->nodes[in->a].val.u.s;
    case OP_FACT_EQ_STR:
    case OP_FACT_NE_STR:
        *n = 1;
        return &s->nodes[in->n].val.u.s;
    case OP_SLIST:
        *n = in->n;
        return s->nodes[in->a].val.u.l;
    case OP_NUM: case OP_BOOL: case OP_NULL: case OP_FACT: case OP_NLIST:
    case OP_FACT_CMP_NUM: case OP_NEG: case OP_ADD: case OP_SUB: case OP_MUL:
    case OP_DIV: case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT:
    case OP_GE: case OP_EQ_NULL: case OP_NE_NULL: case OP_IN: case OP_CONTAINS:
    case OP_NOT: case OP_AND: case OP_OR: case OP_JFALSE: case OP_JTRUE:
    case OP_MIN: case OP_MAX: case OP_ABS:
    default:
        *n = 0;
        return NULL;
    }
}

/* Copies the n strings l[0..n) into e's pool (NULL stays NULL: list_has
 * skips it) and returns the index of the first in e->strs. */
static size_t copy_strings(struct lm_expr *e, size_t *nstrs, size_t *w,
                           const char *const *l, size_t n)
{
    size_t first = *nstrs;

    for (size_t j = 0; j < n; j++) {
        char *d = NULL;
        if (l[j] != NULL) {
            size_t len = strlen(l[j]);
            d = e->pool + *w;
            memcpy(d, l[j], len + 1);
            *w += len + 1;
        }
        e->strs[(*nstrs)++] = d;
    }
    return first;
}

/* Saturating size arithmetic: a sum that overflows becomes SIZE_MAX, which
 * no allocation can satisfy. */
static size_t add_size(size_t x, size_t y)
{
    return x > SIZE_MAX - y ? SIZE_MAX : x + y;
}

static void *alloc_array(size_t n, size_t size)
{
    return n > SIZE_MAX / size ? NULL : malloc(n > 0 ? n * size : 1);
}

/* Copies the emitted code and every constant string and list it refers to
 * into a new expression, and lists the facts it still reads. */
static int spec_finish(struct spec *s, struct lm_expr **out)
{
    size_t nstrs = 0, nnums = 0, pool = 0, w = 0;
    struct lm_expr *e = calloc(1, sizeof *e);

    if (e == NULL)
        return -1;
    for (size_t pc = 0; pc < s->ncode; pc++) {
        const struct ins *in = &s->code[pc];
        size_t n;
        const char *const *l = spec_strings(s, in, &n);
        nstrs = add_size(nstrs, n);
        for (size_t j = 0; j < n; j++)
            if (l[j] != NULL)
                pool = add_size(pool, add_size(strlen(l[j]), 1));
        if (in->op == OP_NLIST)
            nnums = add_size(nnums, in->n);
    }
    e->ncode = s->ncode;
    e->code = alloc_array(s->ncode, sizeof e->code[0]);
    e->strs = alloc_array(nstrs, sizeof e->strs[0]);
    e->nums = alloc_array(nnums, sizeof e->nums[0]);
    e->pool = alloc_array(pool, 1);
    e->facts = alloc_array(s->ncode, sizeof e->facts[0]);
    if (e->code == NULL || e->strs == NULL || e->nums == NULL ||
        e->pool == NULL || e->facts == NULL) {
        lm_expr_free(e);
        return -1;
    }
    nstrs = nnums = 0;
    for (size_t pc = 0; pc < s->ncode; pc++) {
        struct ins *in = &e->code[pc];
        size_t n;
        const char *const *l = spec_strings(s, &s->code[pc], &n);
        size_t first = copy_strings(e, &nstrs, &w, l, n);
        *in = s->code[pc];
        if (in->op == OP_STR || in->op == OP_SLIST) {
            in->a = first;
        } else if (in->op == OP_FACT_EQ_STR || in->op == OP_FACT_NE_STR) {
            in->n = first;
        } else if (in->op == OP_NLIST) {
            if (in->n > 0)
                memcpy(e->nums + nnums, s->nodes[in->a].val.u.nl,
                       in->n * sizeof e->nums[0]);
            in->a = nnums;
            nnums += in->n;
        }
        if (reads_fact(in)) {
            size_t k = 0;
            while (k < e->nfacts && e->facts[k] != in->a)
                k++;
            if (k == e->nfacts)
                e->facts[e->nfacts++] = in->a;
        }
    }
    *out = e;
    return 0;
}

int lm_expr_specialize(const struct lm_expr *e, lm_fact_get_fn get, void *ctx,
                       const unsigned char *varies, struct lm_expr **out)
{
    /* About 100 KB of scratch: only the counters and the fixed-fact flags
     * need clearing (nodes, kids and code are written before they are read),
     * and a run specializes many conditions. */
    struct spec *s = malloc(sizeof *s);
    int rc;

    *out = NULL;
    if (s == NULL)
        return -1;
    memset(s->have, 0, sizeof s->have);
    s->nnodes = s->nkids = s->sp = s->ncode = 0;
    s->e = e;
    s->get = get;
    s->ctx = ctx;
    s->varies = varies;
    for (size_t pc = 0; pc < e->ncode; pc++) {
        const struct ins *in = &e->code[pc];
        if (in->op == OP_JFALSE || in->op == OP_JTRUE)
            continue; /* re-created by spec_emit for the and/or kept */
        if (in->op == OP_FACT_CMP_NUM || in->op == OP_FACT_EQ_STR ||
            in->op == OP_FACT_NE_STR)
            spec_unfuse(s, in);
        else
            spec_node(s, in, ins_arity(in));
    }
    assert(s->sp == 1);
    spec_emit(s, s->stack[0]);
    rc = spec_finish(s, out);
    free(s);
    return rc;
}
