/*
 * The evaluator of compiled conditions: lm_expr_eval() runs the postfix
 * program (expr_int.h) on a value stack with Kleene logic, reading facts
 * through the caller's resolver and never allocating.
 *
 * Separate because it is the hot path of a recommendation: it runs every
 * live rule on every candidate. exec_ins() holds the semantics of every
 * instruction; it is inlined into lm_expr_eval()'s loop here (with the fact
 * loads of expr_int.h), and the specializer and lm_expr_outcomes() reach
 * the same code through lm__expr_exec_one(), so what they fold ahead of
 * time and what runs per candidate cannot disagree.
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "rules/expr_int.h"

static void set_num(struct slot *s, double v)
{
    if (isfinite(v)) {
        s->t = S_NUM;
        s->num = v;
    } else {
        s->t = S_NULL;
    }
}

/* Resolvers hand out the same catalog strings again and again, so equal
 * pointers are worth checking before comparing bytes. */
static int str_eq(const char *x, const char *y)
{
    return x == y || strcmp(x, y) == 0;
}

static int list_has(const struct slot *list, const char *s)
{
    for (size_t i = 0; i < list->n; i++)
        if (list->u.l[i] != NULL && str_eq(list->u.l[i], s))
            return 1;
    return 0;
}

static int eval_in(const struct slot *l, const struct slot *r)
{
    if (l->t == S_NUM) {
        if (r->t == S_NLIST)
            for (size_t i = 0; i < r->n; i++)
                if (r->u.nl[i] == l->num)
                    return 1;
        return 0;
    }
    if (l->t == S_STR)
        return r->t == S_LIST && list_has(r, l->u.s);
    if (l->t == S_LIST) {
        for (size_t i = 0; i < l->n; i++)
            if (l->u.l[i] != NULL &&
                (r->t != S_LIST || !list_has(r, l->u.l[i])))
                return 0;
        return 1;
    }
    if (l->t == S_NLIST) {
        for (size_t i = 0; i < l->n; i++) {
            size_t j = 0;
            if (r->t == S_NLIST)
                while (j < r->n && r->u.nl[j] != l->u.nl[i])
                    j++;
            if (r->t != S_NLIST || j == r->n)
                return 0;
        }
        return 1;
    }
    return 0;
}

/* a OP b for the four ordering comparisons (op is OP_LT .. OP_GE). */
static int num_cmp(enum op op, double a, double b)
{
    if (op == OP_LT)
        return a < b;
    if (op == OP_LE)
        return a <= b;
    if (op == OP_GT)
        return a > b;
    return a >= b;
}

/* Executes one instruction on the value stack (the concrete semantics,
 * shared by lm_expr_eval, lm_expr_outcomes and the constant folding of
 * lm_expr_specialize). *pc may be moved by a jump. Inlined into the
 * evaluator's loop, where a call per instruction would cost more than most
 * instructions do; the others call it through lm__expr_exec_one. */
static EXPR_ALWAYS_INLINE void exec_ins(const struct lm_expr *e,
                                        const struct ins *in, struct slot *st,
                                        size_t *spp, size_t *pcp,
                                        lm_fact_get_fn get, void *ctx)
{
    size_t sp = *spp;
    /* top[-1] is the right (or only) operand and top[-2] the left one. Each
     * case forms only the operand pointers its instruction has, so no
     * bounds check is needed on the way. */
    struct slot *top = st + sp;

    switch (in->op) {
    case OP_NUM:
        top->t = S_NUM;
        top->num = in->num;
        sp++;
        break;
    case OP_STR:
        top->t = S_STR;
        top->u.s = e->strs[in->a];
        sp++;
        break;
    case OP_BOOL:
        lm__set_bool(top, (int)in->a);
        sp++;
        break;
    case OP_NULL:
        top->t = S_NULL;
        sp++;
        break;
    case OP_FACT:
        lm__load_fact(get, ctx, in->a, (enum lm_vtype)in->n, top);
        sp++;
        break;
    case OP_SLIST:
        top->t = S_LIST;
        top->n = in->n;
        top->u.l = e->strs + in->a;
        sp++;
        break;
    case OP_NLIST:
        top->t = S_NLIST;
        top->n = in->n;
        top->u.nl = e->nums + in->a;
        sp++;
        break;
    case OP_FACT_CMP_NUM:
        /* Fused `fact CMP number` (lm_expr_specialize): OP_FACT, OP_NUM,
         * then the comparison in n, without the two pushes. */
        lm__load_fact(get, ctx, in->a, LM_V_NUM, top);
        if (top->t == S_NUM) {
            double x = top->num;
            enum op cmp = (enum op)in->n;
            lm__set_bool(top, cmp == OP_EQ   ? x == in->num
                              : cmp == OP_NE ? x != in->num
                                             : num_cmp(cmp, x, in->num));
        }
        sp++;
        break;
    case OP_FACT_EQ_STR:
    case OP_FACT_NE_STR:
        /* Fused `fact == "literal"` / `!=` (lm_expr_specialize). */
        lm__load_fact(get, ctx, in->a, LM_V_STR, top);
        if (top->t == S_STR) {
            int eq = str_eq(top->u.s, e->strs[in->n]);
            lm__set_bool(top, in->op == OP_FACT_EQ_STR ? eq : !eq);
        }
        sp++;
        break;
    case OP_NEG:
        if (top[-1].t == S_NUM)
            top[-1].num = -top[-1].num;
        break;
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV: {
        struct slot *a = top - 2, *b = top - 1;
        sp--;
        if (a->t != S_NUM || b->t != S_NUM)
            a->t = S_NULL;
        else if (in->op == OP_ADD)
            set_num(a, a->num + b->num);
        else if (in->op == OP_SUB)
            set_num(a, a->num - b->num);
        else if (in->op == OP_MUL)
            set_num(a, a->num * b->num);
        else if (b->num == 0.0)
            a->t = S_NULL;
        else
            set_num(a, a->num / b->num);
        break;
    }
    case OP_EQ:
    case OP_NE: {
        struct slot *a = top - 2, *b = top - 1;
        int eq;
        sp--;
        if (a->t == S_NULL || b->t == S_NULL || a->t != b->t) {
            a->t = S_NULL;
            break;
        }
        if (a->t == S_NUM)
            eq = a->num == b->num;
        else if (a->t == S_STR)
            eq = str_eq(a->u.s, b->u.s);
        else
            eq = a->b == b->b;
        lm__set_bool(a, in->op == OP_EQ ? eq : !eq);
        break;
    }
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE: {
        struct slot *a = top - 2, *b = top - 1;
        sp--;
        if (a->t != S_NUM || b->t != S_NUM)
            a->t = S_NULL;
        else
            lm__set_bool(a, num_cmp(in->op, a->num, b->num));
        break;
    }
    case OP_EQ_NULL:
    case OP_NE_NULL: {
        struct slot *a = top - 2;
        int both = a->t == S_NULL && top[-1].t == S_NULL;
        sp--;
        lm__set_bool(a, in->op == OP_EQ_NULL ? both : !both);
        break;
    }
    case OP_IN: {
        struct slot *a = top - 2, *b = top - 1;
        sp--;
        if (a->t == S_NULL || b->t == S_NULL)
            a->t = S_NULL;
        else
            lm__set_bool(a, eval_in(a, b));
        break;
    }
    case OP_CONTAINS: {
        struct slot *a = top - 2, *b = top - 1;
        sp--;
        if (a->t == S_NULL || b->t != S_STR)
            a->t = S_NULL;
        else if (a->t == S_LIST)
            lm__set_bool(a, list_has(a, b->u.s));
        else if (a->t == S_STR)
            lm__set_bool(a, strstr(a->u.s, b->u.s) != NULL);
        else
            a->t = S_NULL;
        break;
    }
    case OP_NOT:
        if (top[-1].t == S_BOOL)
            top[-1].b = !top[-1].b;
        break;
    case OP_AND:
    case OP_OR: {
        struct slot *a = top - 2;
        int x = lm__tri(a), y = lm__tri(&top[-1]);
        sp--;
        if (in->op == OP_AND) {
            if (x == 0 || y == 0)
                lm__set_bool(a, 0);
            else if (x == 1 && y == 1)
                lm__set_bool(a, 1);
            else
                a->t = S_NULL;
        } else {
            if (x == 1 || y == 1)
                lm__set_bool(a, 1);
            else if (x == 0 && y == 0)
                lm__set_bool(a, 0);
            else
                a->t = S_NULL;
        }
        break;
    }
    case OP_JFALSE:
        if (lm__tri(&top[-1]) == 0)
            *pcp = in->a - 1;
        break;
    case OP_JTRUE:
        if (lm__tri(&top[-1]) == 1)
            *pcp = in->a - 1;
        break;
    case OP_MIN:
    case OP_MAX: {
        struct slot *first = top - in->n;
        double v = 0.0;
        int null = 0;
        for (size_t i = 0; i < in->n; i++) {
            const struct slot *s = first + i;
            if (s->t != S_NUM)
                null = 1;
            else if (i == 0 || (in->op == OP_MIN ? s->num < v : s->num > v))
                v = s->num;
        }
        sp -= in->n - 1;
        if (null)
            first->t = S_NULL;
        else
            set_num(first, v);
        break;
    }
    case OP_ABS:
        if (top[-1].t == S_NUM)
            top[-1].num = fabs(top[-1].num);
        break;
    }
    *spp = sp;
}

void lm__expr_exec_one(const struct lm_expr *e, const struct ins *in,
                       struct slot *st, size_t *spp, size_t *pcp,
                       lm_fact_get_fn get, void *ctx)
{
    exec_ins(e, in, st, spp, pcp, get, ctx);
}

static enum lm_tri tri_of(const struct slot *s)
{
    switch (lm__tri(s)) {
    case 0:
        return LM_FALSE;
    case 1:
        return LM_TRUE;
    default:
        return LM_UNKNOWN;
    }
}

/* A program of more than one instruction: the loop, on a stack as deep as
 * the largest program (apart, so that the one-instruction path below does
 * not set up that frame). */
static EXPR_NOINLINE enum lm_tri eval_program(const struct lm_expr *e, lm_fact_get_fn get,
                                              void *ctx)
{
    /* Every push comes from a distinct node, so this cannot overflow. Two
     * null slots lie below the stack: the code never reads them, but with
     * them every operand pointer stays in bounds and initialized whatever
     * the compiler assumes about the code. */
    struct slot mem[2 + LM_EXPR_MAX_NODES];
    struct slot *st = mem + 2;
    const struct ins *code = e->code;
    size_t ncode = e->ncode, sp = 0;

    memset(mem, 0, 2 * sizeof mem[0]);
    for (size_t pc = 0; pc < ncode; pc++)
        exec_ins(e, &code[pc], st, &sp, &pc, get, ctx);
    assert(sp == 1);
    return tri_of(&st[0]);
}

enum lm_tri lm_expr_eval(const struct lm_expr *e, lm_fact_get_fn get, void *ctx)
{
    /* Most conditions a run evaluates are one instruction once specialized
     * (a fused fact comparison, or a constant): the same instruction, on a
     * small stack, without the loop. */
    if (e->ncode == 1) {
        struct slot one[3];
        size_t sp = 0, pc = 0;
        memset(one, 0, 2 * sizeof one[0]);
        one[2].t = S_NULL;
        exec_ins(e, &e->code[0], one + 2, &sp, &pc, get, ctx);
        assert(sp == 1);
        return tri_of(&one[2]);
    }
    return eval_program(e, get, ctx);
}

int lm_expr_fact_cmp(const struct lm_expr *e, size_t *fact, enum lm_cmp *cmp, double *num)
{
    if (e->ncode != 1 || e->code[0].op != OP_FACT_CMP_NUM)
        return 0;
    enum op op = (enum op)e->code[0].n;
    if (op == OP_EQ)
        *cmp = LM_CMP_EQ;
    else if (op == OP_NE)
        *cmp = LM_CMP_NE;
    else if (op == OP_LT)
        *cmp = LM_CMP_LT;
    else if (op == OP_LE)
        *cmp = LM_CMP_LE;
    else if (op == OP_GT)
        *cmp = LM_CMP_GT;
    else if (op == OP_GE)
        *cmp = LM_CMP_GE;
    else
        return 0;
    *fact = e->code[0].a;
    *num = e->code[0].num;
    return 1;
}

int lm_expr_fact_null(const struct lm_expr *e, size_t *fact, int *equal)
{
    if (e->ncode != 3 || (e->code[2].op != OP_EQ_NULL && e->code[2].op != OP_NE_NULL))
        return 0;
    const struct ins *f = &e->code[0], *n = &e->code[1];
    if (f->op == OP_NULL) {
        const struct ins *t = f;
        f = n;
        n = t;
    }
    if (f->op != OP_FACT || n->op != OP_NULL)
        return 0;
    *fact = f->a;
    *equal = e->code[2].op == OP_EQ_NULL;
    return 1;
}

int lm_expr_fact_str(const struct lm_expr *e, size_t *fact, const char **lit, int *equal)
{
    if (e->ncode != 1 || (e->code[0].op != OP_FACT_EQ_STR && e->code[0].op != OP_FACT_NE_STR))
        return 0;
    *fact = e->code[0].a;
    *lit = e->strs[e->code[0].n];
    *equal = e->code[0].op == OP_FACT_EQ_STR;
    return 1;
}
