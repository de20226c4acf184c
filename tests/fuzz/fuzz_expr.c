/*
 * libFuzzer harness for the rule expression language: the input is compiled
 * as a condition and as a message template against the real fact table;
 * what compiles is evaluated and rendered against a resolver that returns
 * values of the declared type, nulls, and now and then a value of the wrong
 * type or a non-finite number, and abstractly evaluated (lm_expr_outcomes).
 * A condition is also specialized (lm_expr_specialize) with a varies mask
 * drawn from the input, and the specialized form must evaluate exactly like
 * the original for several values of the varying facts: any difference
 * aborts.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/expr.h"
#include "rules/facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FACTS 512

static const char *const list_a[] = { "text", "image" };
static const char *const list_b[] = { "audio", NULL, "text" };

/* Fixed facts (not in varies) always read salt 0, varying ones the salt of
 * the round, so that one context serves the specialization (salt 0) and
 * every round of evaluation. */
struct fctx {
    const unsigned char *varies;
    unsigned salt;
};

static void get(void *vctx, size_t id, struct lm_value *out)
{
    const struct fctx *c = vctx;
    const struct lm_fact_def *d = &lm_fact_table.defs[id];
    unsigned salt = c != NULL && c->varies != NULL && id < MAX_FACTS && c->varies[id]
                        ? c->salt : 0;
    unsigned h = ((unsigned)id + 1) * 2654435761u ^ (salt * 40503u + salt);
    h ^= h >> 15;
    out->type = LM_V_NULL;
    if (h % 3 == 0)
        return;
    if (h % 19 == 0) { /* the wrong type: counts as null */
        out->type = d->type == LM_T_NUM ? LM_V_STR : LM_V_NUM;
        out->num = (double)NAN;
        out->str = "text";
        return;
    }
    switch (d->type) {
    case LM_T_NUM:
        out->type = LM_V_NUM;
        out->num = h % 23 == 0 ? (double)INFINITY : (double)(h % 7) * 1.5 - 3.0;
        break;
    case LM_T_STR:
        out->type = LM_V_STR;
        out->str = h % 4 == 0 ? "llama" : "text";
        break;
    case LM_T_ENUM: {
        size_t n = 0;
        out->type = LM_V_STR;
        while (d->enum_values != NULL && d->enum_values[n] != NULL)
            n++;
        out->str = n > 0 ? d->enum_values[(h / 3) % n] : "x";
        break;
    }
    case LM_T_BOOL:
        out->type = LM_V_BOOL;
        out->b = (int)(h / 3 & 1);
        break;
    case LM_T_LIST:
        out->type = LM_V_LIST;
        out->list = h % 4 == 0 ? list_b : list_a;
        out->nlist = h % 5 == 0 ? 0 : h % 4 == 0 ? 3 : 2;
        break;
    default:
        break;
    }
}

/* Specializes e with a mask derived from the input and checks it against
 * the original in a few rounds. */
static void check_specialize(const struct lm_expr *e, const uint8_t *data, size_t size)
{
    static unsigned char varies[MAX_FACTS];
    uint32_t hash = 2166136261u; /* FNV-1a of the input seeds the mask */
    struct lm_expr *s = NULL;
    struct fctx ctx = { varies, 0 };

    for (size_t i = 0; i < size; i++)
        hash = (hash ^ data[i]) * 16777619u;
    for (size_t i = 0; i < MAX_FACTS; i++) {
        hash ^= hash << 13;
        hash ^= hash >> 17;
        hash ^= hash << 5;
        varies[i] = (unsigned char)(hash & 1);
    }
    if (lm_expr_specialize(e, get, &ctx, varies, &s) != 0)
        return; /* out of memory */
    for (unsigned salt = 1; salt <= 6; salt++) {
        ctx.salt = salt;
        enum lm_tri want = lm_expr_eval(e, get, &ctx);
        if (lm_expr_eval(s, get, &ctx) != want)
            abort();
        if ((lm_expr_outcomes(s, get, &ctx, varies) & (1u << want)) == 0)
            abort();
    }
    lm_expr_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lm_expr *e = NULL;
    struct lm_template *t = NULL;
    struct lm_expr_error err;
    static unsigned char varies[MAX_FACTS];
    for (size_t i = 0; i < lm_fact_table.n && i < MAX_FACTS; i++)
        varies[i] = (unsigned char)(i & 1);
    if (lm_expr_compile((const char *)data, size, &lm_fact_table, &e, &err) == 0) {
        (void)lm_expr_eval(e, get, NULL);
        (void)lm_expr_outcomes(e, get, NULL, varies);
        check_specialize(e, data, size);
        lm_expr_free(e);
    }
    if (lm_template_compile((const char *)data, size, &lm_fact_table, &t, &err) == 0) {
        char buf[256];
        lm_template_render(t, get, NULL, buf, sizeof(buf));
        lm_template_free(t);
    }
    return 0;
}
