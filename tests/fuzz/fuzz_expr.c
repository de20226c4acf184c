/*
 * libFuzzer harness for the rule expression language: the input is compiled
 * as a condition and as a message template against the real fact table;
 * what compiles is evaluated and rendered against a resolver that returns a
 * value of the declared type for every fact (and null for every third), and
 * abstractly evaluated (lm_expr_outcomes).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "expr.h"
#include "facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const list_values[] = { "text", "image" };

static void get(void *ctx, size_t id, struct lm_value *out)
{
    (void)ctx;
    const struct lm_fact_def *d = &lm_fact_table.defs[id];
    out->type = LM_V_NULL;
    if (id % 3 == 0)
        return;
    switch (d->type) {
    case LM_T_NUM:
        out->type = LM_V_NUM;
        out->num = (double)id * 1.5;
        break;
    case LM_T_STR:
        out->type = LM_V_STR;
        out->str = "text";
        break;
    case LM_T_ENUM:
        out->type = LM_V_STR;
        out->str = d->enum_values != NULL ? d->enum_values[0] : "x";
        break;
    case LM_T_BOOL:
        out->type = LM_V_BOOL;
        out->b = (int)(id & 1);
        break;
    case LM_T_LIST:
        out->type = LM_V_LIST;
        out->list = list_values;
        out->nlist = 2;
        break;
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lm_expr *e = NULL;
    struct lm_template *t = NULL;
    struct lm_expr_error err;
    static unsigned char varies[512];
    for (size_t i = 0; i < lm_fact_table.n && i < 512; i++)
        varies[i] = (unsigned char)(i & 1);
    if (lm_expr_compile((const char *)data, size, &lm_fact_table, &e, &err) == 0) {
        (void)lm_expr_eval(e, get, NULL);
        (void)lm_expr_outcomes(e, get, NULL, varies);
        lm_expr_free(e);
    }
    if (lm_template_compile((const char *)data, size, &lm_fact_table, &t, &err) == 0) {
        char buf[256];
        lm_template_render(t, get, NULL, buf, sizeof(buf));
        lm_template_free(t);
    }
    return 0;
}
