/*
 * Rule conditions and message templates (DESIGN §3.3, §3.4).
 *
 * A condition such as `model.class == "slm" and scenario.data.labeled_examples
 * >= 1000` is parsed and type-checked once against a table of facts, compiled
 * to a flat postfix program, and then evaluated per candidate with Kleene
 * (three-valued) logic. Evaluation reads facts through a caller-supplied
 * resolver and never allocates. Message templates (`"{model.name} needs
 * {estimate.weights_gib:.1f} GiB"`) are compiled and rendered the same way.
 * The language itself is documented for rule authors in docs/expressions.md.
 *
 * The module depends only on libc and libm, never prints, and keeps no global
 * state.
 *
 * Ownership: lm_expr_compile() and lm_template_compile() copy everything they
 * need out of the source text and the fact table; the compiled object keeps
 * no pointer into either, so both may be freed right after compiling. A
 * compiled object is read-only afterwards and may be evaluated from several
 * threads at once. The strings and lists a resolver returns in struct lm_value
 * are borrowed: they must stay valid until the lm_expr_eval() or
 * lm_template_render() call that asked for them returns.
 */
#ifndef LMCHOOSE_EXPR_H
#define LMCHOOSE_EXPR_H

#include <math.h>
#include <stddef.h>

/* Limits of one condition (DESIGN §3.3). The character limit counts bytes. */
#define LM_EXPR_MAX_LEN 4096
#define LM_EXPR_MAX_DEPTH 64
#define LM_EXPR_MAX_NODES 256

/* A buffer of this many bytes always holds lm_format_number()'s output. */
#define LM_NUMBER_BUF 384

enum lm_vtype { LM_V_NULL, LM_V_NUM, LM_V_STR, LM_V_BOOL, LM_V_LIST };

/*
 * A fact value, filled by the caller's resolver. The evaluator sets the type
 * to LM_V_NULL before calling the resolver, so a resolver that writes nothing
 * reports an absent fact. A value whose type does not match the fact's
 * declared type (LM_T_ENUM expects LM_V_STR), a non-finite number, a NULL
 * string, or a NULL list with nlist > 0 is treated as null.
 */
struct lm_value {
    enum lm_vtype type;      /* LM_V_NULL = absent/unknown */
    double num;              /* LM_V_NUM (always finite when type is NUM) */
    const char *str;         /* LM_V_STR; borrowed */
    int b;                   /* LM_V_BOOL: 0 or 1 */
    const char *const *list; /* LM_V_LIST: strings; borrowed */
    size_t nlist;
};

enum lm_fact_type { LM_T_NUM, LM_T_STR, LM_T_BOOL, LM_T_LIST, LM_T_ENUM };

struct lm_fact_def {
    const char *path; /* "model.params_b", "scenario.latency.ttft_ms" */
    enum lm_fact_type type;
    const char *const
        *enum_values; /* LM_T_ENUM: NULL-terminated allowed values */
};

/* The facts rules may read; a fact's id is its index in defs. */
struct lm_fact_table {
    const struct lm_fact_def *defs;
    size_t n;
};

/* Writes the value of fact fact_id into *out (see struct lm_value). */
typedef void (*lm_fact_get_fn)(void *ctx, size_t fact_id, struct lm_value *out);

/*
 * A compile error. offset is the byte offset, in the source string, of the
 * offending character (len when the input ended too early). message is
 * lower-case, without a final period, and always NUL-terminated.
 */
struct lm_expr_error {
    size_t offset;
    char message[256];
};

enum lm_tri { LM_FALSE = 0, LM_TRUE = 1, LM_UNKNOWN = 2 };

struct lm_expr;     /* a compiled condition */
struct lm_template; /* a compiled message template */

/*
 * Parses and type-checks the condition src[0..len) against facts. On success
 * returns 0 and stores a heap object in *out that the caller frees with
 * lm_expr_free(). On error returns -1, sets *out to NULL and fills *err when
 * err is not NULL. src need not be NUL-terminated. Allocation failure is
 * reported as an error with the message "out of memory" at offset 0.
 */
int lm_expr_compile(const char *src, size_t len,
                    const struct lm_fact_table *facts, struct lm_expr **out,
                    struct lm_expr_error *err);

/*
 * Evaluates a compiled condition. get is called for each fact the condition
 * reads (possibly more than once, possibly not at all when the outcome is
 * already known). Returns LM_TRUE, LM_FALSE or LM_UNKNOWN; a rule fires only
 * on LM_TRUE. Never allocates and uses a bounded amount of stack.
 */
enum lm_tri lm_expr_eval(const struct lm_expr *e, lm_fact_get_fn get,
                         void *ctx);

/*
 * Stores in *ids the distinct fact ids the condition reads, in order of first
 * appearance in the source, and returns how many there are. The array belongs
 * to e and lives until lm_expr_free().
 */
size_t lm_expr_facts(const struct lm_expr *e, const size_t **ids);

/* Frees a compiled condition; NULL is allowed. */
void lm_expr_free(struct lm_expr *e);

/* The outcomes e can have when the facts marked in varies[fact_id] may take
 * any value and the others are read through get: a set of bits
 * (1 << LM_FALSE) | (1 << LM_TRUE) | (1 << LM_UNKNOWN). A rule whose set
 * lacks LM_TRUE can never fire for the facts held fixed; recommend uses this
 * to skip such rules once per run instead of once per candidate. */
unsigned lm_expr_outcomes(const struct lm_expr *e, lm_fact_get_fn get, void *ctx,
                          const unsigned char *varies);

/* A copy of e with every fact not marked in varies[fact_id] read once
 * through get and folded in as a constant, and every operation whose
 * operands are then all known computed at compile time (including
 * and/or/not short-circuits decided by a known operand), so that per-
 * candidate evaluation does less work. For every assignment of the
 * varying facts, lm_expr_eval on the result returns exactly what
 * lm_expr_eval on e returns with the fixed facts read through get.
 * The result owns copies of every string and list it folded in (it
 * keeps no pointer into what get returned, which need only stay valid
 * until this call returns). lm_expr_facts() on the result lists only the
 * varying facts it still reads. Fact ids stay those of e's fact table; a
 * NULL varies holds every fact fixed. The result may be specialized
 * again, and lm_expr_outcomes() accepts it. Free it with lm_expr_free().
 * Returns 0 and *out, or -1 on allocation failure (*out NULL). */
int lm_expr_specialize(const struct lm_expr *e, lm_fact_get_fn get, void *ctx,
                       const unsigned char *varies, struct lm_expr **out);

/* The comparisons of lm_expr_fact_cmp. */
enum lm_cmp { LM_CMP_EQ, LM_CMP_NE, LM_CMP_LT, LM_CMP_LE, LM_CMP_GT, LM_CMP_GE };

/* Whether `x op v` fires as the evaluator's fused comparison
 * (OP_FACT_CMP_NUM) decides it: x is the fact's value, which fires only
 * when finite (a non-finite fact reads as null, and null never fires). */
static inline int lm_cmp_fires(enum lm_cmp op, double x, double v)
{
    int fires = op == LM_CMP_EQ   ? x == v
                : op == LM_CMP_NE ? x != v
                : op == LM_CMP_LT ? x < v
                : op == LM_CMP_LE ? x <= v
                : op == LM_CMP_GT ? x > v
                                  : x >= v;
    return fires && isfinite(x);
}

/* When e is a single comparison of a numeric fact with a number (the fused
 * form lm_expr_specialize makes of `fact CMP number`), sets *fact, *cmp and
 * *num and returns 1: lm_expr_eval(e) is then LM_TRUE exactly when the fact
 * is a number x (finite) with x CMP num. Else returns 0. */
int lm_expr_fact_cmp(const struct lm_expr *e, size_t *fact, enum lm_cmp *cmp, double *num);

/* When e is a single comparison of a string fact with a string (the fused
 * form of `fact == "literal"` or `!=`), sets *fact, *lit and *equal (1 for
 * ==) and returns 1: lm_expr_eval(e) is then LM_TRUE exactly when the fact
 * is a string and equals *lit (==) or differs from it (!=). Else 0. */
int lm_expr_fact_str(const struct lm_expr *e, size_t *fact, const char **lit, int *equal);

/* When e is a fact compared with the literal null (`fact == null` or
 * `!=`, either side first), sets *fact and *equal (1 for ==) and returns
 * 1: lm_expr_eval(e) is then LM_TRUE exactly when the fact is null (==) or
 * is not (!=). Else 0. */
int lm_expr_fact_null(const struct lm_expr *e, size_t *fact, int *equal);

/*
 * Compiles the message template src[0..len): literal text with `{path}` and
 * `{path:.Nf}` (N in 0-6) placeholders and `{{`/`}}` escapes. Same return,
 * ownership and error conventions as lm_expr_compile(). Templates have no
 * length limit of their own; the YAML scalar limit bounds them.
 */
int lm_template_compile(const char *src, size_t len,
                        const struct lm_fact_table *facts,
                        struct lm_template **out, struct lm_expr_error *err);

/*
 * Renders a template into buf, like snprintf: writes at most cap bytes,
 * always NUL-terminates when cap > 0, and returns the length the whole
 * message needs (excluding the NUL), so a return value >= cap means the
 * output was truncated. buf may be NULL when cap is 0. Never allocates.
 */
size_t lm_template_render(const struct lm_template *t, lm_fact_get_fn get,
                          void *ctx, char *buf, size_t cap);

/* Same contract as lm_expr_facts(), for the placeholders of a template. */
size_t lm_template_facts(const struct lm_template *t, const size_t **ids);

/* Frees a compiled template; NULL is allowed. */
void lm_template_free(struct lm_template *t);

/*
 * Formats v the way templates do, independently of the locale's decimal
 * point (the program keeps LC_NUMERIC at "C"; see DESIGN §7).
 * decimals < 0: up to 6 significant digits, trailing zeros removed, no
 * exponent when 1e-4 <= |v| < 1e15 (2400, 0.35, 0.333333, 123457000), else
 * C's %g style exponent (1e+20, 1.23457e-05). decimals >= 0: fixed decimals
 * like "%.*f" (values above 20 are treated as 20). Negative zero prints
 * without a sign; non-finite values print as "nan", "inf" or "-inf".
 * Always NUL-terminates when cap > 0 (truncating if needed; LM_NUMBER_BUF
 * bytes are always enough) and returns the length it needed.
 */
size_t lm_format_number(double v, int decimals, char *buf, size_t cap);

#endif
