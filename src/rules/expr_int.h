/*
 * What the parts of the rule-expression module share (src/rules/expr_*.c;
 * the public interface is rules/expr.h). Not installed, and included by
 * nothing outside src/rules/expr_*.c.
 *
 * The module is one language in stages, split where the stages meet:
 *   expr_error.c       error messages and "did you mean" suggestions
 *   expr_lex.c         the lexer (tokens of a condition)
 *   expr_number.c      number literals in and formatted numbers out
 *   expr_compile.c     parser, type checker and code generator (one pass)
 *   expr_eval.c        the evaluator, the hot path of a recommendation
 *   expr_specialize.c  evaluation with some facts left open (pruning, folding)
 *   expr_template.c    message templates
 * This header holds the tokens (lexer to parser), the compiled program
 * (compiler to evaluator and specializer), the value slots the evaluator,
 * specializer and template renderer compute with, and the helpers more than
 * one part calls. Functions one part defines and another calls are
 * lm__expr_*; the small helpers that run per character, per fact load or
 * per instruction are static inline lm__* here, so that splitting the
 * module costs the evaluator no call.
 */
#ifndef LMCHOOSE_EXPR_INT_H
#define LMCHOOSE_EXPR_INT_H

#include <math.h>
#include <stddef.h>

#include "rules/expr.h"

#if defined(__GNUC__)
#define EXPR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define EXPR_ALWAYS_INLINE __attribute__((always_inline)) inline
#define EXPR_NOINLINE __attribute__((noinline))
#else
#define EXPR_PRINTF(f, a)
#define EXPR_ALWAYS_INLINE inline
#define EXPR_NOINLINE
#endif

/* ===================================================================== */
/* Errors and suggestions (expr_error.c)                                 */
/* ===================================================================== */

/* Fills *err (when err is not NULL) with offset and the formatted message. */
void lm__expr_set_error(struct lm_expr_error *err, size_t offset,
                        const char *fmt, ...) EXPR_PRINTF(3, 4);

/*
 * Describes the character at s[0..n) for "unexpected character" messages.
 * Printable ASCII is quoted as is; a complete UTF-8 sequence is copied so
 * that the message names the character the author typed; anything else is
 * shown as a byte in hex, which keeps messages valid UTF-8.
 */
void lm__expr_describe_char(const char *s, size_t n, char *buf, size_t cap);

/*
 * Returns the candidate closest to word[0..n) when its distance is at most
 * max(2, n/3), else NULL. Ties go to the earlier candidate, so suggestions
 * are deterministic. Candidates come either from a fact table or from a
 * NULL-terminated name list.
 */
const char *lm__expr_suggest(const char *word, size_t n,
                             const struct lm_fact_table *facts,
                             const char *const *names);

/* ===================================================================== */
/* Lexer (expr_lex.c)                                                    */
/* ===================================================================== */

enum tk {
    TK_EOF,
    TK_NUM,
    TK_STR,
    TK_NAME,
    TK_AND,
    TK_OR,
    TK_NOT,
    TK_IN,
    TK_CONTAINS,
    TK_TRUE,
    TK_FALSE,
    TK_NULL,
    TK_EQ,
    TK_NE,
    TK_LT,
    TK_LE,
    TK_GT,
    TK_GE,
    TK_PLUS,
    TK_MINUS,
    TK_STAR,
    TK_SLASH,
    TK_LPAREN,
    TK_RPAREN,
    TK_LBRACK,
    TK_RBRACK,
    TK_COMMA
};

struct tok {
    enum tk kind;
    size_t off; /* first byte */
    size_t end; /* one past the last byte */
    int dotted; /* TK_NAME: the name contains a '.' */
};

/* Character classes of the language, shared by the lexer, the number
 * converter and formatter, the parser's call detection and the template
 * placeholder parser. */
static inline int lm__is_name_start(int c)
{
    return (c >= 'a' && c <= 'z') || c == '_';
}

static inline int lm__is_name_char(int c)
{
    return lm__is_name_start(c) || (c >= '0' && c <= '9');
}

static inline int lm__is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static inline int lm__is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Reads one token starting at pos. Returns 0, or -1 with *err filled. The
 * lexer only validates strings and numbers; the parser converts them when it
 * consumes them, so peeking ahead never writes anything.
 */
int lm__expr_lex(const char *s, size_t len, size_t pos, struct tok *t,
                 struct lm_expr_error *err);

/* ===================================================================== */
/* Numbers (expr_number.c)                                               */
/* ===================================================================== */

/*
 * Converts a number literal that lm__expr_lex() already validated against
 * [0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?, independently of LC_NUMERIC.
 * Returns 0, or -1 when the value overflows a double (or memory runs out).
 */
int lm__expr_convert_number(const char *s, size_t n, double *out);

/* ===================================================================== */
/* Compiled form (expr_compile.c, read by the evaluator and specializer) */
/* ===================================================================== */

/*
 * The postfix program. Each instruction pops its operands from the value
 * stack and pushes one result; the two jumps implement short-circuit and/or
 * and leave their operand in place. Every push comes from one node, so the
 * stack never holds more than LM_EXPR_MAX_NODES values.
 */
enum op {
    OP_NUM,   /* push num */
    OP_STR,   /* push strs[a] */
    OP_BOOL,  /* push a (0 or 1) */
    OP_NULL,  /* push null */
    OP_FACT,  /* push fact a, expected value type n */
    OP_SLIST, /* push strs[a .. a+n) as a list */
    OP_NLIST, /* push nums[a .. a+n) as a list of numbers */
    OP_NEG,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_EQ_NULL, /* both null (one side is the literal null) */
    OP_NE_NULL,
    OP_IN,
    OP_CONTAINS,
    OP_NOT,
    OP_AND,
    OP_OR,
    OP_JFALSE, /* top is false: jump to a, keeping it */
    OP_JTRUE,  /* top is true: jump to a, keeping it */
    OP_MIN,
    OP_MAX, /* n arguments */
    OP_ABS,
    /* Fused instructions, emitted only by lm_expr_specialize: */
    OP_FACT_CMP_NUM, /* push fact a (a number) CMP num, CMP an op in n */
    OP_FACT_EQ_STR,  /* push fact a (a string) == strs[n] */
    OP_FACT_NE_STR   /* push fact a (a string) != strs[n] */
};

struct ins {
    enum op op;
    size_t a;
    size_t n;
    double num;
};

struct lm_expr {
    struct ins *code;
    size_t ncode;
    const char **strs; /* into pool */
    double *nums;
    size_t *facts;
    size_t nfacts;
    char *pool; /* unescaped string literals, NUL-terminated */
};

/* The most instructions a program has: one per node, plus at most one jump
 * per node. The compiler and the specializer size their buffers with it. */
#define MAX_CODE (2 * LM_EXPR_MAX_NODES)

/* ===================================================================== */
/* Values (expr_eval.c, expr_specialize.c, expr_template.c)              */
/* ===================================================================== */

/* A value on the evaluator's stack, or a constant the specializer folded. */
enum sk { S_NULL, S_NUM, S_STR, S_BOOL, S_LIST, S_NLIST };

struct slot {
    enum sk t;
    int b;
    double num;
    size_t n;
    union {
        const char *s;
        const char *const *l;
        const double *nl;
    } u;
};

/*
 * Keeps a resolver's value only when it has the declared type and is
 * well-formed; anything else counts as null, so a resolver bug can make a
 * rule not fire but never crash the evaluator.
 */
static EXPR_ALWAYS_INLINE void
lm__value_to_slot(const struct lm_value *v, enum lm_vtype want, struct slot *s)
{
    s->t = S_NULL;
    if (v->type != want)
        return;
    switch (v->type) {
    case LM_V_NUM:
        if (isfinite(v->num)) {
            s->t = S_NUM;
            s->num = v->num;
        }
        break;
    case LM_V_STR:
        if (v->str != NULL) {
            s->t = S_STR;
            s->u.s = v->str;
        }
        break;
    case LM_V_BOOL:
        s->t = S_BOOL;
        s->b = v->b != 0;
        break;
    case LM_V_LIST:
        if (v->list != NULL || v->nlist == 0) {
            s->t = S_LIST;
            s->u.l = v->list;
            s->n = v->list != NULL ? v->nlist : 0;
        }
        break;
    case LM_V_NULL:
        break;
    }
}

/* Asks the resolver for one fact. The whole value starts zeroed, so a
 * resolver that sets only the type still hands over NULL pointers. Inlined
 * (with lm__value_to_slot) because fact loads are most of what the evaluator
 * does, and the fused instructions then convert with a constant type. */
static EXPR_ALWAYS_INLINE void lm__load_fact(lm_fact_get_fn get, void *ctx,
                                             size_t id, enum lm_vtype want,
                                             struct slot *s)
{
    struct lm_value v = {.type = LM_V_NULL};

    s->t = S_NULL;
    if (get == NULL)
        return;
    get(ctx, id, &v);
    lm__value_to_slot(&v, want, s);
}

static inline void lm__set_bool(struct slot *s, int b)
{
    s->t = S_BOOL;
    s->b = b != 0;
}

/* Kleene values of a boolean slot: 0 false, 1 true, 2 unknown. */
static inline int lm__tri(const struct slot *s)
{
    return s->t == S_BOOL ? s->b : 2;
}

/* ===================================================================== */
/* Evaluation (expr_eval.c)                                              */
/* ===================================================================== */

/* Executes instruction in of e on the value stack st[0..*spp) with the
 * evaluator's concrete semantics; a jump moves *pcp. The specializer folds
 * constants and lm_expr_outcomes() runs known operations through it, so
 * that they cannot drift from what lm_expr_eval() computes. */
void lm__expr_exec_one(const struct lm_expr *e, const struct ins *in,
                       struct slot *st, size_t *spp, size_t *pcp,
                       lm_fact_get_fn get, void *ctx);

#endif
