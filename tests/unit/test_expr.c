/*
 * Unit tests for src/rules/expr_*.c: rule conditions (parse errors with exact
 * offsets, type errors, Kleene logic, arithmetic, lists, functions,
 * precedence, limits), message templates and number formatting.
 *
 * Facts come from a small table modelled on DESIGN §3.4 and a resolver that
 * reads values from a per-test array (struct world), so nothing here is
 * global or mutable.
 */
/* cmocka.h needs these three first; the blank line keeps include sorting
 * from moving it above them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/expr.h"

/* ===================================================================== */
/* Fixture: facts and a resolver                                         */
/* ===================================================================== */

enum {
    F_CLASS,
    F_PARAMS,
    F_MODEL_MODALITIES,
    F_BREADTH,
    F_TASK_MODALITIES,
    F_PRIVACY,
    F_LABELED,
    F_PLACEMENT,
    F_MEETS,
    F_TTFT,
    F_TTFT_MAX,
    F_NAME,
    F_LICENSE,
    F_IN_REGION,
    F_NFACTS
};

static const char *const class_values[] = {"slm", "llm", NULL};
static const char *const breadth_values[] = {"narrow", "broad", NULL};
static const char *const privacy_values[] = {
    "public",  "no-training", "zero-retention", "region", "private-cloud",
    "on-prem", "on-device",   "air-gapped",     NULL};
static const char *const placement_values[] = {"device", "on-prem", "cloud",
                                               "api", NULL};

/* Keep in the order of the enum above: a fact's id is its index. */
static const struct lm_fact_def defs[F_NFACTS] = {
    {"model.class", LM_T_ENUM, class_values},
    {"model.params_b", LM_T_NUM, NULL},
    {"model.modalities", LM_T_LIST, NULL},
    {"task.breadth", LM_T_ENUM, breadth_values},
    {"task.modalities", LM_T_LIST, NULL},
    {"scenario.privacy", LM_T_ENUM, privacy_values},
    {"scenario.data.labeled_examples", LM_T_NUM, NULL},
    {"candidate.placement", LM_T_ENUM, placement_values},
    {"candidate.meets_privacy", LM_T_BOOL, NULL},
    {"estimate.ttft_ms", LM_T_NUM, NULL},
    {"scenario.latency.ttft_ms", LM_T_NUM, NULL},
    {"model.name", LM_T_STR, NULL},
    {"model.license", LM_T_STR, NULL},
    {"candidate.in_region", LM_T_BOOL, NULL},
};

static const struct lm_fact_table table = {defs, F_NFACTS};

struct world {
    struct lm_value v[F_NFACTS];
    unsigned calls[F_NFACTS]; /* how often the resolver was asked */
};

static void get_fact(void *ctx, size_t id, struct lm_value *out)
{
    struct world *w = ctx;

    assert_true(id < F_NFACTS);
    w->calls[id]++;
    *out = w->v[id];
}

static const char *const text_image[] = {"text", "image"};
static const char *const text_only[] = {"text"};

static struct lm_value num(double x)
{
    struct lm_value v = {.type = LM_V_NUM, .num = x};
    return v;
}

static struct lm_value str(const char *s)
{
    struct lm_value v = {.type = LM_V_STR, .str = s};
    return v;
}

static struct lm_value boolean(int b)
{
    struct lm_value v = {.type = LM_V_BOOL, .b = b};
    return v;
}

static struct lm_value list(const char *const *l, size_t n)
{
    struct lm_value v = {.type = LM_V_LIST, .list = l, .nlist = n};
    return v;
}

static struct lm_value null(void)
{
    struct lm_value v = {.type = LM_V_NULL};
    return v;
}

/* A small self-hosted SLM on a device; scenario.latency.ttft_ms and
 * candidate.in_region are unset. */
static void world_init(struct world *w)
{
    memset(w, 0, sizeof *w);
    w->v[F_CLASS] = str("slm");
    w->v[F_PARAMS] = num(8);
    w->v[F_MODEL_MODALITIES] = list(text_image, 2);
    w->v[F_BREADTH] = str("narrow");
    w->v[F_TASK_MODALITIES] = list(text_only, 1);
    w->v[F_PRIVACY] = str("on-device");
    w->v[F_LABELED] = num(5000);
    w->v[F_PLACEMENT] = str("device");
    w->v[F_MEETS] = boolean(1);
    w->v[F_TTFT] = num(120);
    w->v[F_TTFT_MAX] = null();
    w->v[F_NAME] = str("Llama 3.1 8B");
    w->v[F_LICENSE] = str("llama3.1");
    w->v[F_IN_REGION] = null();
}

static const char *tri_name(enum lm_tri t)
{
    return t == LM_TRUE ? "true" : t == LM_FALSE ? "false" : "unknown";
}

/* Compiles src (which must be valid) and evaluates it on w. */
static enum lm_tri eval_on(const char *src, struct world *w)
{
    struct lm_expr *e = NULL;
    struct lm_expr_error err = {0, ""};

    if (lm_expr_compile(src, strlen(src), &table, &e, &err) != 0)
        fail_msg("'%s' did not compile: %zu: %s", src, err.offset, err.message);
    enum lm_tri r = lm_expr_eval(e, get_fact, w);
    lm_expr_free(e);
    return r;
}

struct eval_case {
    const char *src;
    enum lm_tri want;
};

static void run_eval_cases(const struct eval_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct world w;
        world_init(&w);
        enum lm_tri got = eval_on(cases[i].src, &w);
        if (got != cases[i].want)
            fail_msg("'%s': got %s, want %s", cases[i].src, tri_name(got),
                     tri_name(cases[i].want));
    }
}

struct error_case {
    const char *src;
    size_t offset;
    const char *msg;
};

static void run_error_cases(const struct error_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct lm_expr *e = (struct lm_expr *)1; /* must be reset to NULL */
        struct lm_expr_error err = {999, ""};
        int rc = lm_expr_compile(cases[i].src, strlen(cases[i].src), &table, &e,
                                 &err);
        if (rc != -1)
            fail_msg("'%s' compiled but should not", cases[i].src);
        assert_null(e);
        if (err.offset != cases[i].offset ||
            strcmp(err.message, cases[i].msg) != 0)
            fail_msg("'%s':\n  got  %zu: %s\n  want %zu: %s", cases[i].src,
                     err.offset, err.message, cases[i].offset, cases[i].msg);
    }
}

#define RUN(fn, cases) fn(cases, sizeof cases / sizeof cases[0])

/* ===================================================================== */
/* Parse errors                                                          */
/* ===================================================================== */

static void test_parse_errors(void **state)
{
    static const struct error_case cases[] = {
        {"", 0, "empty condition"},
        {"   \n", 0, "empty condition"},
        {"model.params_b >", 16, "expected a value, found end of expression"},
        {"model.params_b > )", 17, "expected a value, found ')'"},
        {"()", 1, "expected a value, found ')'"},
        {"not", 3, "expected a value, found end of expression"},
        {"candidate.meets_privacy or", 26,
         "expected a value, found end of expression"},
        {"model.params_b > -", 18, "expected a value, found end of expression"},
        {"(model.params_b > 1", 19, "expected ')', found end of expression"},
        {"(model.params_b > 1]", 19, "expected ')', found ']'"},
        {"model.params_b @ 1", 15, "unexpected character '@'"},
        {"model.params_b \xe2\x89\xa5 1", 15,
         "unexpected character '\xe2\x89\xa5'"},
        {"model.params_b \xff 1", 15, "unexpected byte 0xff"},
        {"model.params_b = 1", 15,
         "unexpected character '='; use '==' to compare"},
        {"!candidate.meets_privacy", 0,
         "unexpected character '!'; use 'not' or '!='"},
        {"model.params_b > 1 && true", 19,
         "unexpected character '&'; use 'and'"},
        {"model.params_b > 1 || true", 19,
         "unexpected character '|'; use 'or'"},
        {"model.class == 'slm'", 15,
         "strings use double quotes, not single quotes"},
        {"Model.name == \"x\"", 0,
         "unexpected character 'M'; names are lower-case"},
        {"model.name == \"abc", 14, "unterminated string"},
        {"model.name == \"abc\\", 14, "unterminated string"},
        {"model.name == \"a\\nb\"", 16,
         "invalid escape (character 'n' after '\\'); only \\\" and \\\\ are "
         "allowed"},
        {"model.name == \"a\tb\"", 16,
         "control character (byte 0x09) in string"},
        {"model. name == \"x\"", 6, "expected a name after '.' in fact path"},
        {"model.Name == \"x\"", 6, "expected a name after '.' in fact path"},
        {"model.params_b > 1.x", 19, "expected a digit after '.' in number"},
        {"model.params_b > 1e", 19,
         "expected a digit in the exponent of number"},
        {"model.params_b > 1e+", 20,
         "expected a digit in the exponent of number"},
        {"model.params_b > 10gb", 19, "unexpected character 'g' after number"},
        {"model.params_b > 1.5.3", 20, "unexpected character '.' after number"},
        {"model.params_b > 1e999", 17, "number out of range"},
        {"model.params_b > 1 model.name", 19,
         "expected an operator or end of expression, found 'model.name'"},
        {"model.params_b < 1 < 2", 19, "comparisons cannot be chained"},
        {"model.params_b == 8 == true", 20, "comparisons cannot be chained"},
        {"model.name in [\"a\"] contains \"b\"", 20,
         "comparisons cannot be chained"},
        {"model.parms_b > 1", 0,
         "unknown fact 'model.parms_b' (did you mean 'model.params_b'?)"},
        {"candidate.meets_privacy and scenario.privcy == \"public\"", 28,
         "unknown fact 'scenario.privcy' (did you mean 'scenario.privacy'?)"},
        {"x == 1", 0, "unknown fact 'x'"},
        {"foo(1) > 1", 0, "unknown function 'foo' (functions: abs, max, min)"},
        {"mni(1, 2) > 1", 0, "unknown function 'mni' (did you mean 'min'?)"},
        {"model.name(1) > 1", 0,
         "unknown function 'model.name' (functions: abs, max, min)"},
        {"min(1 2) > 1", 6, "expected ',' or ')', found '2'"},
        {"min() > 1", 0, "'min' needs at least 1 argument"},
        {"abs(1, 2) > 1", 0, "'abs' takes 1 argument, not 2"},
        {"model.params_b in [1, model.params_b]", 22,
         "list elements must be string or number literals"},
        {"model.class in [\"slm\", 1]", 23,
         "list elements must all have the same type"},
        {"model.params_b in [1, 2", 23,
         "expected ',' or ']', found end of expression"},
        {"model.params_b in [1,]", 21,
         "expected a string or number, found ']'"},
        {"model.params_b == not true", 18, "expected a value, found 'not'"},
    };
    (void)state;
    RUN(run_error_cases, cases);
}

/* ===================================================================== */
/* Type errors                                                           */
/* ===================================================================== */

static void test_type_errors(void **state)
{
    static const struct error_case cases[] = {
        {"model.params_b == \"8\"", 15, "cannot compare num with str"},
        {"candidate.meets_privacy == 1", 24, "cannot compare bool with num"},
        {"model.params_b < model.name", 15, "cannot compare num with str"},
        {"model.name > \"a\"", 11, "'>' compares numbers, not str"},
        {"true <= false", 5, "'<=' compares numbers, not bool"},
        {"model.params_b < null", 15, "'<' compares numbers, not null"},
        {"model.name + 1 > 2", 11, "'+' needs numbers, not str"},
        {"1 * candidate.meets_privacy > 2", 2, "'*' needs numbers, not bool"},
        {"null + 1 > 0", 5, "'+' needs numbers, not null"},
        {"-model.name == \"x\"", 0, "'-' needs a number, not str"},
        {"model.params_b and true", 15, "'and' needs booleans, not num"},
        {"true and model.params_b", 5, "'and' needs booleans, not num"},
        {"true or model.name", 5, "'or' needs booleans, not str"},
        {"not model.params_b", 0, "'not' needs a boolean, not num"},
        {"model.params_b + 1", 0, "condition must be a boolean"},
        {"model.name", 0, "condition must be a boolean"},
        {"null", 0, "condition must be a boolean"},
        {"model.class == \"foo\"", 15,
         "'foo' is not a value of model.class (slm, llm)"},
        {"\"SLM\" != model.class", 0,
         "'SLM' is not a value of model.class (slm, llm)"},
        {"candidate.placement in [\"device\", \"edge\"]", 34,
         "'edge' is not a value of candidate.placement (device, on-prem, "
         "cloud, api)"},
        {"scenario.privacy == \"onprem\"", 20,
         "'onprem' is not a value of scenario.privacy (public, no-training, "
         "zero-retention, region, private-cloud, on-prem, on-device, "
         "air-gapped)"},
        {"model.modalities == task.modalities", 17,
         "'==' cannot compare lists; use 'in' or 'contains'"},
        {"model.modalities != [\"text\"]", 17,
         "'!=' cannot compare lists; use 'in' or 'contains'"},
        {"model.params_b in [\"a\"]", 15,
         "cannot look for num in a list of str"},
        {"model.name in [1, 2]", 11, "cannot look for str in a list of num"},
        {"model.modalities in [1]", 17, "cannot look for str in a list of num"},
        {"model.params_b in model.modalities", 15,
         "cannot look for num in a list of str"},
        {"model.name in model.name", 11,
         "'in' needs a list on the right, not str"},
        {"true in [\"a\"]", 5,
         "'in' needs a str, num or list on the left, not bool"},
        {"model.params_b contains \"a\"", 15,
         "'contains' needs a list or str on the left, not num"},
        {"[1, 2] contains \"a\"", 7,
         "'contains' needs a list or str on the left, not list of num"},
        {"model.modalities contains 1", 17,
         "'contains' needs a str on the right, not num"},
        {"min(model.name, 1) > 0", 4, "'min' needs numbers, not str"},
        {"abs(true) > 0", 4, "'abs' needs numbers, not bool"},
        {"max(1, null) > 0", 7, "'max' needs numbers, not null"},
    };
    (void)state;
    RUN(run_error_cases, cases);
}

/* ===================================================================== */
/* Kleene logic                                                          */
/* ===================================================================== */

/* Every row of the and/or/not truth tables, with p and q as bool facts
 * that may be null (unknown). */
static void test_kleene_truth_tables(void **state)
{
    static const enum lm_tri T = LM_TRUE, F = LM_FALSE, U = LM_UNKNOWN;
    static const struct {
        enum lm_tri p, q, and_, or_;
    } rows[] = {
        {T, T, T, T}, {T, F, F, T}, {T, U, U, T}, {F, T, F, T}, {F, F, F, F},
        {F, U, F, U}, {U, T, U, T}, {U, F, F, U}, {U, U, U, U},
    };
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct world w;
        world_init(&w);
        w.v[F_MEETS] = rows[i].p == U ? null() : boolean(rows[i].p == T);
        w.v[F_IN_REGION] = rows[i].q == U ? null() : boolean(rows[i].q == T);
        enum lm_tri a =
            eval_on("candidate.meets_privacy and candidate.in_region", &w);
        enum lm_tri o =
            eval_on("candidate.meets_privacy or candidate.in_region", &w);
        enum lm_tri n = eval_on("not candidate.meets_privacy", &w);
        enum lm_tri want_not = rows[i].p == U ? U : rows[i].p == T ? F : T;
        if (a != rows[i].and_ || o != rows[i].or_ || n != want_not)
            fail_msg("p=%s q=%s: and %s (want %s), or %s (want %s), not %s "
                     "(want %s)",
                     tri_name(rows[i].p), tri_name(rows[i].q), tri_name(a),
                     tri_name(rows[i].and_), tri_name(o), tri_name(rows[i].or_),
                     tri_name(n), tri_name(want_not));
        /* Literals and comparisons give the same table as facts. */
        char src[160];
        snprintf(src, sizeof src, "(%s) and (%s)",
                 rows[i].p == U   ? "scenario.latency.ttft_ms > 1"
                 : rows[i].p == T ? "true"
                                  : "false",
                 rows[i].q == U   ? "scenario.latency.ttft_ms < 1"
                 : rows[i].q == T ? "1 == 1"
                                  : "1 != 1");
        assert_int_equal(eval_on(src, &w), rows[i].and_);
    }
}

static void test_null_semantics(void **state)
{
    static const struct eval_case cases[] = {
        /* Comparisons with a null operand are unknown, even under not. */
        {"scenario.latency.ttft_ms > 100", LM_UNKNOWN},
        {"scenario.latency.ttft_ms <= 100", LM_UNKNOWN},
        {"scenario.latency.ttft_ms == 100", LM_UNKNOWN},
        {"scenario.latency.ttft_ms != 100", LM_UNKNOWN},
        {"not (scenario.latency.ttft_ms > 100)", LM_UNKNOWN},
        {"not not (scenario.latency.ttft_ms > 100)", LM_UNKNOWN},
        {"candidate.in_region", LM_UNKNOWN},
        {"not candidate.in_region", LM_UNKNOWN},
        {"candidate.in_region == true", LM_UNKNOWN},
        /* The null tests are always true or false. */
        {"scenario.latency.ttft_ms == null", LM_TRUE},
        {"scenario.latency.ttft_ms != null", LM_FALSE},
        {"null == scenario.latency.ttft_ms", LM_TRUE},
        {"estimate.ttft_ms == null", LM_FALSE},
        {"estimate.ttft_ms != null", LM_TRUE},
        {"candidate.in_region == null", LM_TRUE},
        {"model.modalities != null", LM_TRUE},
        {"model.class != null", LM_TRUE},
        {"null == null", LM_TRUE},
        {"null != null", LM_FALSE},
        {"not (candidate.in_region == null)", LM_FALSE},
        /* An unset constraint never makes a guarded rule fire. */
        {"scenario.latency.ttft_ms != null and estimate.ttft_ms > "
         "scenario.latency.ttft_ms",
         LM_FALSE},
        {"estimate.ttft_ms > scenario.latency.ttft_ms", LM_UNKNOWN},
    };
    (void)state;
    RUN(run_eval_cases, cases);
}

/* A resolver returning the wrong type, NaN or a NULL string gives null. */
static void test_bad_resolver_values(void **state)
{
    struct world w;
    (void)state;

    world_init(&w);
    w.v[F_PARAMS] = str("8");
    assert_int_equal(eval_on("model.params_b == null", &w), LM_TRUE);
    w.v[F_PARAMS] = num((double)NAN);
    assert_int_equal(eval_on("model.params_b == null", &w), LM_TRUE);
    w.v[F_PARAMS] = num((double)INFINITY);
    assert_int_equal(eval_on("model.params_b > 1", &w), LM_UNKNOWN);
    w.v[F_NAME] = str(NULL);
    assert_int_equal(eval_on("model.name == null", &w), LM_TRUE);
    w.v[F_MODEL_MODALITIES] = list(NULL, 3);
    assert_int_equal(eval_on("model.modalities == null", &w), LM_TRUE);
    w.v[F_MEETS] = boolean(7); /* any non-zero is true */
    assert_int_equal(eval_on("candidate.meets_privacy == true", &w), LM_TRUE);
}

/* ===================================================================== */
/* Arithmetic, functions, precedence                                     */
/* ===================================================================== */

static void test_arithmetic(void **state)
{
    static const struct eval_case cases[] = {
        {"model.params_b * 2 == 16", LM_TRUE},
        {"estimate.ttft_ms - 20 == 100", LM_TRUE},
        {"model.params_b / 4 == 2", LM_TRUE},
        {"model.params_b + 0.5 == 8.5", LM_TRUE},
        {"-model.params_b == -8", LM_TRUE},
        {"--2 == 2", LM_TRUE},
        {"- 2 * 3 == -6", LM_TRUE},
        {"2 - -3 == 5", LM_TRUE},
        /* null in, null out */
        {"scenario.latency.ttft_ms + 1 == null", LM_TRUE},
        {"scenario.latency.ttft_ms * 0 == null", LM_TRUE},
        {"-scenario.latency.ttft_ms == null", LM_TRUE},
        {"scenario.latency.ttft_ms + 1 > 0", LM_UNKNOWN},
        /* division by zero and overflow give null */
        {"model.params_b / 0 == null", LM_TRUE},
        {"model.params_b / 0 > 1", LM_UNKNOWN},
        {"0 / 0 == null", LM_TRUE},
        {"1e308 * 10 == null", LM_TRUE},
        {"-1e308 - 1e308 == null", LM_TRUE},
        {"1e308 + 1 != null", LM_TRUE},
        {"1 / 1e-320 == null",
         LM_TRUE}, /* 1e-320 is subnormal: 1e320 overflows */
    };
    (void)state;
    RUN(run_eval_cases, cases);
}

static void test_functions(void **state)
{
    static const struct eval_case cases[] = {
        {"min(3, 1, 2) == 1", LM_TRUE},
        {"max(3, 1, 2) == 3", LM_TRUE},
        {"min(5) == 5", LM_TRUE},
        {"max(-1, -2) == -1", LM_TRUE},
        {"abs(-4.5) == 4.5", LM_TRUE},
        {"abs(4.5) == 4.5", LM_TRUE},
        {"min(model.params_b, estimate.ttft_ms) == 8", LM_TRUE},
        {"max(model.params_b * 2, 10) == 16", LM_TRUE},
        {"abs(model.params_b - estimate.ttft_ms) == 112", LM_TRUE},
        {"min(model.params_b, scenario.latency.ttft_ms) == null", LM_TRUE},
        {"max(scenario.latency.ttft_ms, 1, 2) == null", LM_TRUE},
        {"max(1, scenario.latency.ttft_ms) > 0", LM_UNKNOWN},
        {"abs(scenario.latency.ttft_ms) == null", LM_TRUE},
        {"min (2, max(3, 4)) == 2", LM_TRUE},
        {"abs(1 / 0) == null", LM_TRUE},
    };
    (void)state;
    RUN(run_eval_cases, cases);
}

static void test_precedence(void **state)
{
    static const struct eval_case cases[] = {
        {"true or true and false", LM_TRUE}, /* or (and) */
        {"false and true or true", LM_TRUE}, /* (and) or */
        {"(true or true) and false", LM_FALSE},
        {"not true and false", LM_FALSE}, /* (not true) and false */
        {"not false and false", LM_FALSE},
        {"not (false and false)", LM_TRUE},
        {"not true or true", LM_TRUE},
        {"not model.params_b > 10", LM_TRUE}, /* not (8 > 10) */
        {"not not true", LM_TRUE},
        {"2 + 3 * 4 == 14", LM_TRUE},
        {"(2 + 3) * 4 == 20", LM_TRUE},
        {"10 - 4 - 3 == 3", LM_TRUE}, /* left-associative */
        {"16 / 4 / 2 == 2", LM_TRUE},
        {"-2 * -3 == 6", LM_TRUE},
        {"1 + 2 == 3 and 2 * 3 == 6", LM_TRUE},
        {"(1 < 2) == true", LM_TRUE}, /* parentheses allow it */
        {"model.params_b + 2 > estimate.ttft_ms / 12", LM_FALSE},
        {"  model.params_b\n\t>\r\n7  ", LM_TRUE},
    };
    (void)state;
    RUN(run_eval_cases, cases);
}

/* and/or skip the right operand once the left one decides the result. */
static void test_short_circuit(void **state)
{
    struct world w;
    (void)state;

    world_init(&w);
    assert_int_equal(eval_on("false and model.params_b > 1", &w), LM_FALSE);
    assert_int_equal(w.calls[F_PARAMS], 0);
    assert_int_equal(eval_on("true or model.params_b > 1", &w), LM_TRUE);
    assert_int_equal(w.calls[F_PARAMS], 0);
    assert_int_equal(eval_on("candidate.in_region and model.params_b > 1", &w),
                     LM_UNKNOWN);
    assert_int_equal(w.calls[F_PARAMS], 1);
    assert_int_equal(eval_on("(scenario.latency.ttft_ms > 1) and false", &w),
                     LM_FALSE);
    assert_int_equal(eval_on("(scenario.latency.ttft_ms > 1) or true", &w),
                     LM_TRUE);
    assert_int_equal(eval_on("(false and true) or (true and true)", &w),
                     LM_TRUE);
    assert_int_equal(eval_on("(true or false) and (false or false)", &w),
                     LM_FALSE);
}

/* ===================================================================== */
/* Strings, numbers, lists                                               */
/* ===================================================================== */

static void test_literals(void **state)
{
    static const struct eval_case cases[] = {
        {"model.params_b == 8.0", LM_TRUE},
        {"model.params_b == 08", LM_TRUE},
        {"1e3 == 1000", LM_TRUE},
        {"1E3 == 1000", LM_TRUE},
        {"1.5e-3 == 0.0015", LM_TRUE},
        {"2.5e+1 == 25", LM_TRUE},
        {"0.1 + 0.2 == 0.30000000000000004", LM_TRUE}, /* IEEE, 17 digits */
        {"0.1 + 0.2 != 0.3", LM_TRUE},
        {"12345678901234567890 > 1.2e19", LM_TRUE},
        {"0.000000000000000000000000001 == 1e-27", LM_TRUE},
        {"123456789012345678901234567890 == 1.2345678901234568e29", LM_TRUE},
        {"0.0 == 0", LM_TRUE},
        {"model.name == \"Llama 3.1 8B\"", LM_TRUE},
        {"model.name != \"llama 3.1 8b\"", LM_TRUE},
        {"\"a\\\"b\" contains \"\\\"\"", LM_TRUE},
        {"\"a\\\\b\" contains \"\\\\\"", LM_TRUE},
        {"\"\" == \"\"", LM_TRUE},
        {"\"caf\xc3\xa9\" contains \"\xc3\xa9\"", LM_TRUE},
        {"true == true", LM_TRUE},
        {"true != false", LM_TRUE},
        {"candidate.meets_privacy == true", LM_TRUE},
    };
    (void)state;
    RUN(run_eval_cases, cases);
}

/* Literal conversion does not depend on LC_NUMERIC (when a locale with a
 * decimal comma is installed; otherwise this checks the "C" path again). */
static void test_locale_independence(void **state)
{
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8",
                                        "fr_FR.UTF-8", "de_DE", NULL};
    char *saved = NULL;
    const char *old = setlocale(LC_NUMERIC, NULL);
    char buf[LM_NUMBER_BUF];
    (void)state;

    if (old != NULL) {
        saved = malloc(strlen(old) + 1);
        assert_non_null(saved);
        strcpy(saved, old);
    }
    for (size_t i = 0; names[i] != NULL; i++)
        if (setlocale(LC_NUMERIC, names[i]) != NULL)
            break;
    {
        struct world w;
        world_init(&w);
        assert_int_equal(eval_on("0.1 + 0.2 == 0.30000000000000004", &w),
                         LM_TRUE);
        assert_int_equal(eval_on("1.5 * 2 == 3", &w), LM_TRUE);
    }
    lm_format_number(3.14159, 2, buf, sizeof buf);
    assert_string_equal(buf, "3.14");
    lm_format_number(12.4, -1, buf, sizeof buf);
    assert_string_equal(buf, "12.4");
    lm_format_number(1.5e20, -1, buf, sizeof buf);
    assert_string_equal(buf, "1.5e+20");
    setlocale(LC_NUMERIC, saved != NULL ? saved : "C");
    free(saved);
}

static void test_in_contains(void **state)
{
    static const struct eval_case cases[] = {
        {"model.class in [\"slm\", \"llm\"]", LM_TRUE},
        {"model.class in [\"llm\"]", LM_FALSE},
        {"model.class in []", LM_FALSE},
        {"\"image\" in model.modalities", LM_TRUE},
        {"\"audio\" in model.modalities", LM_FALSE},
        {"model.params_b in [7, 8, 70]", LM_TRUE},
        {"model.params_b in [7, 70]", LM_FALSE},
        /* list in list: every element of the left is on the right */
        {"task.modalities in model.modalities", LM_TRUE},
        {"model.modalities in task.modalities", LM_FALSE},
        {"model.modalities in [\"text\", \"image\", \"audio\"]", LM_TRUE},
        {"model.modalities in [\"text\"]", LM_FALSE},
        {"[\"text\"] in model.modalities", LM_TRUE},
        {"[\"text\", \"video\"] in model.modalities", LM_FALSE},
        {"[] in model.modalities", LM_TRUE},
        {"[1, 2] in [2, 1, 3]", LM_TRUE},
        {"not (model.class in [\"llm\"])", LM_TRUE},
        /* contains: membership for a list, substring for a string */
        {"model.modalities contains \"image\"", LM_TRUE},
        {"model.modalities contains \"audio\"", LM_FALSE},
        {"model.modalities contains \"imag\"", LM_FALSE},
        {"model.name contains \"8B\"", LM_TRUE},
        {"model.name contains \"70B\"", LM_FALSE},
        {"model.name contains \"\"", LM_TRUE},
        {"[\"a\", \"b\"] contains \"b\"", LM_TRUE},
        {"[] contains \"b\"", LM_FALSE},
        /* null operands are unknown */
        {"scenario.latency.ttft_ms in [1, 2]", LM_UNKNOWN},
        {"candidate.in_region == null and \"x\" in model.modalities", LM_FALSE},
    };
    struct world w;
    (void)state;
    RUN(run_eval_cases, cases);

    world_init(&w);
    w.v[F_LICENSE] = null();
    w.v[F_TASK_MODALITIES] = null();
    assert_int_equal(eval_on("model.license contains \"apache\"", &w),
                     LM_UNKNOWN);
    assert_int_equal(eval_on("task.modalities in model.modalities", &w),
                     LM_UNKNOWN);
    assert_int_equal(eval_on("model.modalities in task.modalities", &w),
                     LM_UNKNOWN);
    assert_int_equal(eval_on("task.modalities contains \"text\"", &w),
                     LM_UNKNOWN);
    assert_int_equal(eval_on("\"text\" in task.modalities", &w), LM_UNKNOWN);
    w.v[F_TASK_MODALITIES] = list(NULL, 0); /* empty, not null */
    assert_int_equal(eval_on("task.modalities in [\"x\"]", &w), LM_TRUE);
    assert_int_equal(eval_on("task.modalities contains \"text\"", &w),
                     LM_FALSE);
}

/* ===================================================================== */
/* The DESIGN §3.3 example rules                                         */
/* ===================================================================== */

static void test_design_rules(void **state)
{
    static const char *privacy_level = "not candidate.meets_privacy";
    static const char *on_device = "scenario.privacy == \"on-device\" and "
                                   "candidate.placement != \"device\"";
    static const char *finetune =
        "model.class == \"slm\" and task.breadth == \"narrow\" and "
        "scenario.data.labeled_examples >= 1000";
    struct world w;
    (void)state;

    world_init(&w);
    assert_int_equal(eval_on(privacy_level, &w), LM_FALSE);
    w.v[F_MEETS] = boolean(0);
    assert_int_equal(eval_on(privacy_level, &w), LM_TRUE);
    w.v[F_MEETS] = null();
    assert_int_equal(eval_on(privacy_level, &w), LM_UNKNOWN);

    world_init(&w);
    assert_int_equal(eval_on(on_device, &w), LM_FALSE); /* on the device */
    w.v[F_PLACEMENT] = str("cloud");
    assert_int_equal(eval_on(on_device, &w), LM_TRUE);
    w.v[F_PRIVACY] = str("on-prem");
    assert_int_equal(eval_on(on_device, &w), LM_FALSE);
    w.v[F_PRIVACY] = null(); /* no level set */
    assert_int_equal(eval_on(on_device, &w), LM_UNKNOWN);
    w.v[F_PLACEMENT] = str("device");
    assert_int_equal(eval_on(on_device, &w), LM_FALSE);

    world_init(&w);
    assert_int_equal(eval_on(finetune, &w), LM_TRUE);
    w.v[F_LABELED] = num(999);
    assert_int_equal(eval_on(finetune, &w), LM_FALSE);
    w.v[F_LABELED] = num(1000);
    assert_int_equal(eval_on(finetune, &w), LM_TRUE);
    w.v[F_LABELED] = null();
    assert_int_equal(eval_on(finetune, &w), LM_UNKNOWN);
    w.v[F_CLASS] = str("llm");
    assert_int_equal(eval_on(finetune, &w), LM_FALSE);
    w.v[F_CLASS] = str("slm");
    w.v[F_BREADTH] = str("broad");
    w.v[F_LABELED] = num(50000);
    assert_int_equal(eval_on(finetune, &w), LM_FALSE);
}

/* lm_expr_facts() lists distinct ids in source order. */
static void test_facts_used(void **state)
{
    static const char *src =
        "scenario.privacy == \"on-device\" and candidate.placement != "
        "\"device\" and scenario.privacy != null and "
        "min(scenario.latency.ttft_ms, 1) > 0";
    struct lm_expr *e = NULL;
    struct lm_expr_error err;
    const size_t *ids = NULL;
    (void)state;

    assert_int_equal(lm_expr_compile(src, strlen(src), &table, &e, &err), 0);
    assert_int_equal(lm_expr_facts(e, &ids), 3);
    assert_int_equal(ids[0], F_PRIVACY);
    assert_int_equal(ids[1], F_PLACEMENT);
    assert_int_equal(ids[2], F_TTFT_MAX);
    lm_expr_free(e);

    assert_int_equal(lm_expr_compile("1 < 2", 5, &table, &e, &err), 0);
    assert_int_equal(lm_expr_facts(e, &ids), 0);
    lm_expr_free(e);
    lm_expr_free(NULL);
}

/* src need not be NUL-terminated: only len bytes are read. */
static void test_not_nul_terminated(void **state)
{
    static const char src[] = "model.params_b > 7 garbage";
    struct lm_expr *e = NULL;
    struct lm_expr_error err;
    struct world w;
    (void)state;

    world_init(&w);
    assert_int_equal(lm_expr_compile(src, 18, &table, &e, &err), 0);
    assert_int_equal(lm_expr_eval(e, get_fact, &w), LM_TRUE);
    lm_expr_free(e);
    /* A NULL err is allowed. */
    assert_int_equal(lm_expr_compile(src, sizeof src - 1, &table, &e, NULL),
                     -1);
    assert_null(e);
}

/* ===================================================================== */
/* Limits                                                                */
/* ===================================================================== */

static void expect_limit(const char *src, size_t len, int ok, size_t offset,
                         const char *msg)
{
    struct lm_expr *e = NULL;
    struct lm_expr_error err = {0, ""};
    int rc = lm_expr_compile(src, len, &table, &e, &err);

    if (ok) {
        if (rc != 0)
            fail_msg("expected success, got %zu: %s", err.offset, err.message);
        struct world w;
        world_init(&w);
        assert_int_not_equal(lm_expr_eval(e, get_fact, &w), LM_UNKNOWN);
        lm_expr_free(e);
        return;
    }
    assert_int_equal(rc, -1);
    assert_int_equal(err.offset, offset);
    assert_string_equal(err.message, msg);
}

static void test_limit_length(void **state)
{
    char *src = malloc(LM_EXPR_MAX_LEN + 2);
    (void)state;

    assert_non_null(src);
    memset(src, ' ', LM_EXPR_MAX_LEN + 1);
    memcpy(src, "candidate.meets_privacy", 23);
    expect_limit(src, LM_EXPR_MAX_LEN, 1, 0, NULL);
    expect_limit(src, LM_EXPR_MAX_LEN + 1, 0, 4096,
                 "expression longer than 4096 characters");
    free(src);
}

static void test_limit_depth(void **state)
{
    char src[512];
    size_t n;
    (void)state;

    /* 64 parentheses are fine, the 65th is the error. */
    for (int depth = 64; depth <= 65; depth++) {
        n = 0;
        for (int i = 0; i < depth; i++)
            src[n++] = '(';
        memcpy(src + n, "candidate.meets_privacy", 23);
        n += 23;
        for (int i = 0; i < depth; i++)
            src[n++] = ')';
        expect_limit(src, n, depth == 64, 64,
                     "expression nested deeper than 64 levels");
    }
    /* Prefix operators nest too: the 65th 'not' is reported. */
    n = 0;
    for (int i = 0; i < 65; i++) {
        memcpy(src + n, "not ", 4);
        n += 4;
    }
    memcpy(src + n, "true", 4);
    expect_limit(src, n + 4, 0, 256, "expression nested deeper than 64 levels");
    expect_limit(src + 4, n, 1, 0, NULL);
    /* So do lists and calls. */
    n = 0;
    for (int i = 0; i < 65; i++) {
        memcpy(src + n, "abs(", 4);
        n += 4;
    }
    expect_limit(src, n, 0, 259, "expression nested deeper than 64 levels");
    n = (size_t)snprintf(src, sizeof src, "[] in ");
    for (int i = 0; i < 64; i++)
        src[n++] = '(';
    src[n++] = '[';
    expect_limit(src, n, 0, 70, "expression nested deeper than 64 levels");
}

static void test_limit_nodes(void **state)
{
    char src[8192];
    size_t n = 0, last = 0;
    (void)state;

    /* "not" + 128 facts joined by 127 "or": exactly 256 nodes. */
    n = (size_t)snprintf(src, sizeof src, "not ");
    for (int i = 0; i < 128; i++)
        n +=
            (size_t)snprintf(src + n, sizeof src - n,
                             "%scandidate.meets_privacy", i > 0 ? " or " : "(");
    src[n++] = ')';
    expect_limit(src, n, 1, 0, NULL);

    /* 129 facts and 128 "or": the 129th fact is the 257th node. */
    n = 0;
    for (int i = 0; i < 129; i++) {
        if (i > 0)
            n += (size_t)snprintf(src + n, sizeof src - n, " or ");
        last = n;
        n += (size_t)snprintf(src + n, sizeof src - n,
                              "candidate.meets_privacy");
    }
    expect_limit(src, n, 0, last, "expression has more than 256 nodes");

    /* List elements count: the path, 'in' and '[' are 3 nodes, so the
     * 254th element is the 257th node. */
    n = (size_t)snprintf(src, sizeof src, "model.params_b in [");
    for (int i = 0; i < 254; i++) {
        if (i > 0)
            src[n++] = ',';
        last = n;
        n += (size_t)snprintf(src + n, sizeof src - n, "%d", i % 10);
    }
    src[n++] = ']';
    expect_limit(src, n, 0, last, "expression has more than 256 nodes");
}

/* ===================================================================== */
/* Number formatting                                                     */
/* ===================================================================== */

static void test_format_number(void **state)
{
    static const struct {
        double v;
        int decimals;
        const char *want;
    } cases[] = {
        {2400, -1, "2400"},
        {0.35, -1, "0.35"},
        {12.4, -1, "12.4"},
        {1.0 / 3.0, -1, "0.333333"},
        {2.0 / 3.0, -1, "0.666667"},
        {1e20, -1, "1e+20"},
        {1.234567e20, -1, "1.23457e+20"},
        {123456789, -1, "123457000"},
        {999999.5, -1, "1000000"},
        {999999.4, -1, "999999"},
        {0, -1, "0"},
        {-0.0, -1, "0"},
        {-2.5, -1, "-2.5"},
        {0.0001, -1, "0.0001"},
        {0.00001, -1, "1e-05"},
        {0.000012345678, -1, "1.23457e-05"},
        {1e15, -1, "1e+15"},
        {999999999999999.0, -1, "1e+15"},
        {123456789012345.0, -1, "123457000000000"},
        {7, -1, "7"},
        {3.14159, 2, "3.14"},
        {2.6, 0, "3"},
        {2, 3, "2.000"},
        {-0.001, 2, "0.00"},
        {-0.0, 0, "0"},
        {-1.25, 1, "-1.2"}, /* -1.25 is exact; printf rounds half to even */
        {1.0 / 3.0, 6, "0.333333"},
        {(double)NAN, -1, "nan"},
        {(double)INFINITY, 2, "inf"},
        {-(double)INFINITY, -1, "-inf"},
    };
    char buf[LM_NUMBER_BUF];
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n =
            lm_format_number(cases[i].v, cases[i].decimals, buf, sizeof buf);
        if (strcmp(buf, cases[i].want) != 0 || n != strlen(cases[i].want))
            fail_msg("case %zu: got '%s' (%zu), want '%s'", i, buf, n,
                     cases[i].want);
    }
    /* Truncation is snprintf-like. */
    assert_int_equal(lm_format_number(123456, -1, buf, 4), 6);
    assert_string_equal(buf, "123");
    assert_int_equal(lm_format_number(123456, -1, NULL, 0), 6);
    /* The largest fixed output fits in LM_NUMBER_BUF. */
    size_t n = lm_format_number(-DBL_MAX, 20, buf, sizeof buf);
    assert_true(n < sizeof buf);
    assert_int_equal(strlen(buf), n);
}

/* ===================================================================== */
/* Templates                                                             */
/* ===================================================================== */

static void render(const char *src, struct world *w, char *buf, size_t cap)
{
    struct lm_template *t = NULL;
    struct lm_expr_error err = {0, ""};

    if (lm_template_compile(src, strlen(src), &table, &t, &err) != 0)
        fail_msg("template '%s' did not compile: %zu: %s", src, err.offset,
                 err.message);
    size_t n = lm_template_render(t, get_fact, w, buf, cap);
    assert_int_equal(n, strlen(buf));
    lm_template_free(t);
}

static void test_templates(void **state)
{
    static const struct {
        const char *src;
        int fact;
        double v;
        const char *want;
    } numbers[] = {
        {"{estimate.ttft_ms} ms", F_TTFT, 2400, "2400 ms"},
        {"{estimate.ttft_ms}", F_TTFT, 0.35, "0.35"},
        {"{estimate.ttft_ms}", F_TTFT, 1.0 / 3.0, "0.333333"},
        {"{estimate.ttft_ms}", F_TTFT, 1e20, "1e+20"},
        {"{estimate.ttft_ms}", F_TTFT, 12.4, "12.4"},
        {"{estimate.ttft_ms:.2f}", F_TTFT, 3.14159, "3.14"},
        {"{estimate.ttft_ms:.0f}", F_TTFT, 1234.56, "1235"},
        {"{estimate.ttft_ms:.6f}", F_TTFT, 1.0 / 3.0, "0.333333"},
        {"{estimate.ttft_ms:.1f}", F_TTFT, 2400, "2400.0"},
    };
    char buf[256];
    struct world w;
    (void)state;

    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        world_init(&w);
        w.v[numbers[i].fact] = num(numbers[i].v);
        render(numbers[i].src, &w, buf, sizeof buf);
        if (strcmp(buf, numbers[i].want) != 0)
            fail_msg("'%s': got '%s', want '%s'", numbers[i].src, buf,
                     numbers[i].want);
    }

    world_init(&w);
    render("{scenario.latency.ttft_ms} and {scenario.latency.ttft_ms:.2f}", &w,
           buf, sizeof buf);
    assert_string_equal(buf, "unknown and unknown");
    render("{model.modalities}; {task.modalities}", &w, buf, sizeof buf);
    assert_string_equal(buf, "text, image; text");
    w.v[F_MODEL_MODALITIES] = list(NULL, 0);
    render("[{model.modalities}]", &w, buf, sizeof buf);
    assert_string_equal(buf, "[]");
    render("{candidate.meets_privacy}/{candidate.in_region}", &w, buf,
           sizeof buf);
    assert_string_equal(buf, "true/unknown");
    render("{{literal}} {model.name} }}{{", &w, buf, sizeof buf);
    assert_string_equal(buf, "{literal} Llama 3.1 8B }{");
    render("", &w, buf, sizeof buf);
    assert_string_equal(buf, "");
    render("no placeholders", &w, buf, sizeof buf);
    assert_string_equal(buf, "no placeholders");
    render("{model.name}{model.class}", &w, buf, sizeof buf);
    assert_string_equal(buf, "Llama 3.1 8Bslm");

    /* The DESIGN §3.3 messages. */
    w.v[F_PLACEMENT] = str("cloud");
    render("{model.name} would run on {candidate.placement}; the scenario "
           "requires privacy level {scenario.privacy}",
           &w, buf, sizeof buf);
    assert_string_equal(buf, "Llama 3.1 8B would run on cloud; the scenario "
                             "requires privacy level on-device");
    render("{scenario.data.labeled_examples} labeled examples are enough to "
           "fine-tune a small model for a narrow task",
           &w, buf, sizeof buf);
    assert_string_equal(buf, "5000 labeled examples are enough to fine-tune a "
                             "small model for a narrow task");
}

static void test_template_render_truncates(void **state)
{
    static const char *src = "{model.name} has {model.params_b}B";
    struct lm_template *t = NULL;
    struct lm_expr_error err;
    const size_t *ids;
    struct world w;
    char buf[8];
    (void)state;

    world_init(&w);
    assert_int_equal(lm_template_compile(src, strlen(src), &table, &t, &err),
                     0);
    assert_int_equal(lm_template_facts(t, &ids), 2);
    assert_int_equal(ids[0], F_NAME);
    assert_int_equal(ids[1], F_PARAMS);
    assert_int_equal(lm_template_render(t, get_fact, &w, buf, sizeof buf), 19);
    assert_string_equal(buf, "Llama 3");
    assert_int_equal(lm_template_render(t, get_fact, &w, buf, 1), 19);
    assert_string_equal(buf, "");
    assert_int_equal(lm_template_render(t, get_fact, &w, NULL, 0), 19);
    lm_template_free(t);
    lm_template_free(NULL);
}

static void test_template_errors(void **state)
{
    static const struct error_case cases[] = {
        {"{model.nme}", 0,
         "unknown fact 'model.nme' (did you mean 'model.name'?)"},
        {"ok {scenario.privcy} ok", 3,
         "unknown fact 'scenario.privcy' (did you mean 'scenario.privacy'?)"},
        {"{zzz}", 0, "unknown fact 'zzz'"},
        {"abc {model.name", 4,
         "unterminated '{' (write '{{' for a literal brace)"},
        {"abc {", 4, "unterminated '{' (write '{{' for a literal brace)"},
        {"a } b", 2, "unmatched '}' (write '}}' for a literal brace)"},
        {"{model.name}}", 12, "unmatched '}' (write '}}' for a literal brace)"},
        {"{}", 0, "empty placeholder"},
        {"{:.2f}", 0, "empty placeholder"},
        {"{ model.name }", 1,
         "unexpected character ' ' in placeholder (write '{{' for a literal "
         "brace)"},
        {"{model.Name}", 7,
         "unexpected character 'N' in placeholder (write '{{' for a literal "
         "brace)"},
        {"{model..name}", 7, "invalid fact path in placeholder"},
        {"{model.name.}", 12, "invalid fact path in placeholder"},
        {"{1x}", 1, "invalid fact path in placeholder"},
        {"{model.name:.2f}", 11,
         "':.2f' formats numbers, but model.name is str"},
        {"{model.modalities:.0f}", 17,
         "':.0f' formats numbers, but model.modalities is list"},
        {"{model.params_b:.7f}", 15,
         "invalid format in placeholder; expected ':.Nf' with N from 0 to 6"},
        {"{model.params_b:2f}", 15,
         "invalid format in placeholder; expected ':.Nf' with N from 0 to 6"},
        {"{model.params_b:.2}", 15,
         "invalid format in placeholder; expected ':.Nf' with N from 0 to 6"},
    };
    struct lm_template *t = NULL;
    struct lm_expr_error err = {999, ""};
    (void)state;

    assert_int_equal(lm_template_compile("ab\0c", 4, &table, &t, &err), -1);
    assert_int_equal(err.offset, 2);
    assert_string_equal(err.message, "NUL byte in template");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t = (struct lm_template *)1;
        err.offset = 999;
        int rc = lm_template_compile(cases[i].src, strlen(cases[i].src), &table,
                                     &t, &err);
        if (rc != -1)
            fail_msg("template '%s' compiled but should not", cases[i].src);
        assert_null(t);
        if (err.offset != cases[i].offset ||
            strcmp(err.message, cases[i].msg) != 0)
            fail_msg("'%s':\n  got  %zu: %s\n  want %zu: %s", cases[i].src,
                     err.offset, err.message, cases[i].offset, cases[i].msg);
    }
}


/* lm_expr_outcomes: with candidate facts varying and scenario facts fixed,
 * a comparison with an unset constraint can never be true; a guard on a
 * fixed fact decides; and/or/not combine the possible outcomes. */
static void test_outcomes(void **state)
{
    (void)state;
    unsigned char varies[F_NFACTS] = {0};
    varies[F_CLASS] = varies[F_PARAMS] = varies[F_MODEL_MODALITIES] = 1;
    varies[F_PLACEMENT] = varies[F_MEETS] = varies[F_TTFT] = 1;
    varies[F_NAME] = varies[F_LICENSE] = varies[F_IN_REGION] = 1;
    struct world w;
    memset(&w, 0, sizeof(w));
    w.v[F_BREADTH] = str("narrow");
    w.v[F_PRIVACY] = null();
    w.v[F_LABELED] = num(5000);
    w.v[F_TTFT_MAX] = null();
    const unsigned T = 1u << LM_TRUE, F = 1u << LM_FALSE, U = 1u << LM_UNKNOWN;
    static const struct {
        const char *src;
        unsigned mask;
    } cases[] = {
        {"estimate.ttft_ms > scenario.latency.ttft_ms", U},
        {"not (estimate.ttft_ms > scenario.latency.ttft_ms)", U},
        {"scenario.privacy == \"on-device\" and candidate.placement != \"device\"", F | U},
        {"model.class == \"slm\" and task.breadth == \"narrow\" and scenario.data.labeled_examples >= 1000", T | F | U},
        {"model.class == \"slm\" and task.breadth == \"broad\"", F},
        {"task.breadth == \"narrow\" or model.params_b > 3", T},
        {"scenario.latency.ttft_ms == null", T},
        {"estimate.ttft_ms == null", T | F},
        {"not candidate.meets_privacy", T | F | U},
        {"model.params_b + 1 > 3 and scenario.data.labeled_examples < 100", F},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lm_expr *e = NULL;
        struct lm_expr_error err;
        if (lm_expr_compile(cases[i].src, strlen(cases[i].src), &table, &e, &err) != 0)
            fail_msg("%s: %s", cases[i].src, err.message);
        unsigned m = lm_expr_outcomes(e, get_fact, &w, varies);
        if (m != cases[i].mask)
            fail_msg("%s: outcomes %#x, expected %#x", cases[i].src, m, cases[i].mask);
        assert_int_equal(w.calls[F_TTFT] + w.calls[F_CLASS] + w.calls[F_PARAMS], 0);
        lm_expr_free(e);
    }
}

/* ===================================================================== */
/* Specialization                                                        */
/* ===================================================================== */

/* Compiles src, which must be valid. */
static struct lm_expr *compile_ok(const char *src)
{
    struct lm_expr *e = NULL;
    struct lm_expr_error err = {0, ""};

    if (lm_expr_compile(src, strlen(src), &table, &e, &err) != 0)
        fail_msg("'%s' did not compile: %zu: %s", src, err.offset, err.message);
    return e;
}

static struct lm_expr *specialize_ok(const struct lm_expr *e, struct world *w,
                                     const unsigned char *varies)
{
    struct lm_expr *s = (struct lm_expr *)1; /* must be overwritten */

    assert_int_equal(lm_expr_specialize(e, get_fact, w, varies, &s), 0);
    assert_non_null(s);
    return s;
}

/* A deterministic PRNG (xorshift32), so that a failure reproduces. */
static unsigned next_rand(unsigned *state)
{
    unsigned x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* Conditions covering every operator, constant and fact shape. */
static const char *const spec_conditions[] = {
    /* and / or / not with nulls, decided and neutral constants */
    "candidate.meets_privacy and candidate.in_region",
    "candidate.meets_privacy or candidate.in_region",
    "not candidate.meets_privacy",
    "not not candidate.in_region",
    "true and candidate.in_region",
    "candidate.in_region and true",
    "false or candidate.meets_privacy",
    "candidate.meets_privacy or false",
    "(true and candidate.in_region) or (false and candidate.meets_privacy)",
    "(scenario.latency.ttft_ms > 1) and candidate.meets_privacy",
    "candidate.meets_privacy and (scenario.latency.ttft_ms > 1)",
    "(scenario.latency.ttft_ms > 1) or candidate.meets_privacy",
    "candidate.meets_privacy or (scenario.latency.ttft_ms > 1)",
    "not (candidate.meets_privacy and candidate.in_region) or "
    "model.params_b > 1 or estimate.ttft_ms > 3 and candidate.meets_privacy",
    "candidate.in_region == false",
    "candidate.meets_privacy != candidate.in_region",
    "(model.params_b > 3) == candidate.meets_privacy",
    /* the shipped rules' shapes */
    "estimate.ttft_ms > scenario.latency.ttft_ms",
    "scenario.latency.ttft_ms == null and task.breadth in [\"narrow\"] and "
    "estimate.ttft_ms > 10000",
    "model.class == \"slm\" and task.breadth == \"narrow\" and "
    "scenario.data.labeled_examples >= 1000",
    "scenario.privacy == \"on-device\" and candidate.placement != \"device\"",
    "candidate.placement == \"device\" and scenario.privacy in "
    "[\"on-device\", \"air-gapped\"] and model.params_b > 0.5 * "
    "scenario.data.labeled_examples",
    "not (task.modalities in model.modalities)",
    /* comparisons either way round, numbers and strings */
    "3 < model.params_b",
    "1000 >= scenario.data.labeled_examples",
    "8 == model.params_b or model.params_b != 100",
    "model.params_b <= scenario.data.labeled_examples",
    "\"slm\" == model.class",
    "model.class != task.breadth",
    "model.name == model.license",
    "model.name != \"Llama 3.1 8B\"",
    "scenario.privacy == model.license",
    /* null tests */
    "model.modalities != null",
    "null == candidate.in_region",
    "scenario.privacy != null or model.class == null",
    "estimate.ttft_ms == null and scenario.latency.ttft_ms != null",
    "null == null",
    /* in, contains, lists */
    "task.modalities in model.modalities",
    "model.modalities in task.modalities",
    "model.class in [\"slm\", \"llm\"]",
    "model.params_b in [1, 8, 100]",
    "model.params_b in [1, 2] or estimate.ttft_ms in [8, 100, 1000]",
    "[\"text\"] in model.modalities",
    "[] in task.modalities",
    "task.modalities in []",
    "[1, 2] in [1, 2, 3]",
    "model.name in [\"Llama 3.1 8B\", \"x\"] or model.license in [\"\", \"ll\"]",
    "model.modalities contains \"text\"",
    "model.license contains \"llama\"",
    "model.license contains model.name",
    "task.modalities contains scenario.privacy",
    "scenario.privacy contains model.license",
    "\"abc\" contains \"b\" and [\"a\"] contains model.name",
    /* arithmetic, division by zero, overflow */
    "model.params_b * 2 + scenario.data.labeled_examples / 1000 > "
    "estimate.ttft_ms - 3",
    "estimate.ttft_ms / scenario.latency.ttft_ms >= 1",
    "scenario.data.labeled_examples / (model.params_b - 8) < 100",
    "scenario.data.labeled_examples / 0 == null",
    "-model.params_b < -scenario.data.labeled_examples",
    "model.params_b * 1e308 * scenario.data.labeled_examples > 1",
    "1 / 0 == null and 1 + 1 == 2",
    /* functions */
    "min(model.params_b, scenario.data.labeled_examples, 50) == 8",
    "max(estimate.ttft_ms, scenario.latency.ttft_ms) > 100",
    "abs(model.params_b - scenario.data.labeled_examples) <= 4992",
    "min(1, 2) < abs(-3) and max(scenario.latency.ttft_ms) == null",
};

/* Values a fact may take: of its type or not, nulls, non-finite numbers,
 * empty and NULL lists, NULL strings and list elements. Strings come from
 * two arrays with equal contents, so equal strings are not always the
 * same pointer. */
static const char *const pool_a[] = {"slm", "llm", "narrow", "broad",
                                     "text", "image", "", "device",
                                     "llama3.1", "ll", "on-device",
                                     "Llama 3.1 8B"};
static char pool_b[12][16] = {"slm",  "llm",      "narrow", "broad",
                              "text", "image",    "",       "device",
                              "llama3.1", "ll", "on-device", "Llama 3.1 8B"};
static const char *const list_ti[] = {"text", "image"};
static const char *const list_it_null[] = {"image", NULL, "text"};
static const char *const list_audio[] = {"audio"};

static struct lm_value random_value(enum lm_fact_type type, unsigned *rng)
{
    static const double nums[] = {0.0,    1.0,   -1.0,  0.5, 3.0,
                                  8.0,    100.0, 1000.0, 5000.0,
                                  1e308,  -0.0};
    unsigned r = next_rand(rng);
    unsigned pick = r >> 8;

    if (r % 7 == 0)
        return null();
    if (r % 11 == 0) /* the wrong type */
        type = type == LM_T_NUM ? LM_T_STR : LM_T_NUM;
    switch (type) {
    case LM_T_NUM:
        if (pick % 9 == 0)
            return num(pick % 2 ? (double)NAN : (pick % 4 ? (double)INFINITY
                                                         : -(double)INFINITY));
        return num(nums[pick % (sizeof nums / sizeof nums[0])]);
    case LM_T_STR:
    case LM_T_ENUM:
        if (pick % 13 == 0)
            return str(NULL);
        return str(pick % 2 ? pool_a[(pick / 2) % 12] : pool_b[(pick / 2) % 12]);
    case LM_T_BOOL:
        return boolean(pick % 5 == 0 ? 7 : (int)(pick % 2));
    case LM_T_LIST:
        switch (pick % 6) {
        case 0:
            return list(NULL, 0);
        case 1:
            return list(NULL, 3); /* malformed: null */
        case 2:
            return list(text_only, 1);
        case 3:
            return list(list_ti, 2);
        case 4:
            return list(list_it_null, 3);
        default:
            return list(list_audio, 1);
        }
    }
    return null();
}

/* Deep copies of a world's strings and lists, which the test overwrites
 * after specializing to prove that the result kept none of them. */
struct scratch {
    char chars[F_NFACTS * 4][16];
    const char *ptrs[F_NFACTS][4];
};

static struct lm_value copy_value(struct lm_value v, struct scratch *s,
                                  size_t id)
{
    if (v.type == LM_V_STR && v.str != NULL) {
        strcpy(s->chars[id * 4], v.str);
        v.str = s->chars[id * 4];
    } else if (v.type == LM_V_LIST && v.list != NULL) {
        for (size_t i = 0; i < v.nlist; i++) {
            s->ptrs[id][i] = NULL;
            if (v.list[i] != NULL) {
                strcpy(s->chars[id * 4 + i], v.list[i]);
                s->ptrs[id][i] = s->chars[id * 4 + i];
            }
        }
        v.list = s->ptrs[id];
    }
    return v;
}

/* Checks one condition under one mask of varying facts: the specialized
 * form gives what the original gives for many assignments of the varying
 * facts, never asks for a fixed fact, lists only varying facts, and stays
 * within lm_expr_outcomes(); specialized again with one more fact fixed,
 * it still agrees. */
static void check_specialize(const char *src, const struct lm_expr *e,
                             const unsigned char *varies, unsigned *rng)
{
    static const unsigned char none[F_NFACTS];
    struct world fixed, copy, w, ws;
    struct scratch scr;
    const size_t *ids = NULL;

    memset(&fixed, 0, sizeof fixed);
    for (size_t id = 0; id < F_NFACTS; id++)
        fixed.v[id] = random_value(defs[id].type, rng);
    copy = fixed;
    for (size_t id = 0; id < F_NFACTS; id++)
        copy.v[id] = copy_value(fixed.v[id], &scr, id);
    struct lm_expr *s = specialize_ok(e, &copy, varies);
    for (size_t id = 0; id < F_NFACTS; id++)
        if (copy.calls[id] > 1 || (varies[id] && copy.calls[id] > 0))
            fail_msg("'%s': fact %zu read %u times", src, id, copy.calls[id]);
    memset(&scr, '#', sizeof scr);

    /* Hold one more fact fixed and specialize the result again. */
    unsigned char varies2[F_NFACTS];
    memcpy(varies2, varies, sizeof varies2);
    varies2[next_rand(rng) % F_NFACTS] = 0;
    struct lm_expr *s2 = specialize_ok(s, &fixed, varies2);

    size_t n = lm_expr_facts(s, &ids);
    for (size_t i = 0; i < n; i++)
        if (!varies[ids[i]])
            fail_msg("'%s': specialized form reads fixed fact %zu", src, ids[i]);

    for (int round = 0; round < 48; round++) {
        memset(&w, 0, sizeof w);
        for (size_t id = 0; id < F_NFACTS; id++)
            w.v[id] = varies[id] ? random_value(defs[id].type, rng) : fixed.v[id];
        ws = w;
        enum lm_tri want = lm_expr_eval(e, get_fact, &w);
        enum lm_tri got = lm_expr_eval(s, get_fact, &ws);
        for (size_t id = 0; id < F_NFACTS; id++)
            if (!varies[id] && ws.calls[id] > 0)
                fail_msg("'%s': specialized form read fixed fact %zu", src, id);
        if (got != want)
            fail_msg("'%s' (round %d): specialized %s, original %s", src,
                     round, tri_name(got), tri_name(want));
        ws = w;
        unsigned m = lm_expr_outcomes(s, get_fact, &ws, varies);
        if ((m & (1u << got)) == 0)
            fail_msg("'%s': outcome %s not in lm_expr_outcomes %#x", src,
                     tri_name(got), m);
        ws = w;
        m = lm_expr_outcomes(s, get_fact, &ws, none);
        if (m != 1u << got)
            fail_msg("'%s': lm_expr_outcomes %#x with nothing varying, "
                     "eval %s", src, m, tri_name(got));
    }

    /* s2 agrees with the original whenever the extra fact takes the value
     * it was held at. */
    for (int round = 0; round < 16; round++) {
        memset(&w, 0, sizeof w);
        for (size_t id = 0; id < F_NFACTS; id++)
            w.v[id] = varies2[id] ? random_value(defs[id].type, rng) : fixed.v[id];
        ws = w;
        enum lm_tri want = lm_expr_eval(e, get_fact, &w);
        enum lm_tri got = lm_expr_eval(s2, get_fact, &ws);
        if (got != want)
            fail_msg("'%s': specialized twice %s, original %s", src,
                     tri_name(got), tri_name(want));
    }
    lm_expr_free(s2);
    lm_expr_free(s);
}

/* Differential test: for every condition, many masks of varying facts and
 * many values, specialized and original evaluation agree. */
static void test_specialize_differential(void **state)
{
    unsigned rng = 0x2545f491u;
    (void)state;

    for (size_t c = 0; c < sizeof spec_conditions / sizeof spec_conditions[0];
         c++) {
        struct lm_expr *e = compile_ok(spec_conditions[c]);
        for (int mask = 0; mask < 40; mask++) {
            unsigned char varies[F_NFACTS];
            unsigned bits = next_rand(&rng);
            for (size_t id = 0; id < F_NFACTS; id++)
                varies[id] = mask == 0   ? 0
                             : mask == 1 ? 1
                                         : (unsigned char)(bits >> id & 1u);
            check_specialize(spec_conditions[c], e, varies, &rng);
        }
        lm_expr_free(e);
    }
}

/* A condition whose fixed part decides it becomes a constant that reads
 * no fact at all. */
/* The world of the fused-form tests: a 300 ms TTFT ceiling, the TTFT and
 * the parameter count left varying. Compiles src into *e and returns it
 * specialized to that world (*w). */
static struct lm_expr *specialize_ttft(const char *src, struct world *w, struct lm_expr **e)
{
    unsigned char varies[F_NFACTS] = {0};
    varies[F_TTFT] = varies[F_PARAMS] = 1;
    world_init(w);
    w->v[F_TTFT_MAX] = num(300);
    *e = compile_ok(src);
    return specialize_ok(*e, w, varies);
}

/* lm_expr_fact_cmp: a specialized `fact CMP scenario value` reads as one
 * plain comparison, which the flip search tests inline; its verdict must be
 * the evaluator's for numbers, and false (not true) for a null fact. Other
 * shapes are refused. */
static void test_fact_cmp(void **state)
{
    static const struct {
        const char *src;
        int plain;
        enum lm_cmp cmp;
    } cases[] = {
        {"estimate.ttft_ms > scenario.latency.ttft_ms", 1, LM_CMP_GT},
        {"estimate.ttft_ms <= scenario.latency.ttft_ms", 1, LM_CMP_LE},
        {"estimate.ttft_ms == scenario.latency.ttft_ms", 1, LM_CMP_EQ},
        {"estimate.ttft_ms != scenario.latency.ttft_ms", 1, LM_CMP_NE},
        {"estimate.ttft_ms < scenario.latency.ttft_ms", 1, LM_CMP_LT},
        {"estimate.ttft_ms >= scenario.latency.ttft_ms", 1, LM_CMP_GE},
        {"estimate.ttft_ms > scenario.latency.ttft_ms * 2 and model.params_b > 1", 0, LM_CMP_EQ},
        {"estimate.ttft_ms == null", 0, LM_CMP_EQ},
    };
    static const double probes[] = {0, 299.5, 300, 300.5, 1e9};
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct world w;
        struct lm_expr *e, *s = specialize_ttft(cases[i].src, &w, &e);
        size_t fact = 0;
        enum lm_cmp cmp = LM_CMP_EQ;
        double v = 0;
        int plain = lm_expr_fact_cmp(s, &fact, &cmp, &v);
        if (plain != cases[i].plain)
            fail_msg("'%s': lm_expr_fact_cmp gave %d", cases[i].src, plain);
        assert_int_equal(lm_expr_fact_cmp(e, &fact, &cmp, &v), 0); /* unspecialized */
        if (plain) {
            assert_int_equal(lm_expr_fact_cmp(s, &fact, &cmp, &v), 1);
            assert_int_equal(fact, F_TTFT);
            assert_int_equal(cmp, cases[i].cmp);
            assert_true(v == 300);
            for (size_t k = 0; k <= sizeof probes / sizeof probes[0]; k++) {
                double x = k < sizeof probes / sizeof probes[0] ? probes[k] : 0;
                w.v[F_TTFT] = k < sizeof probes / sizeof probes[0] ? num(x) : null();
                int fires = cmp == LM_CMP_EQ   ? x == v
                            : cmp == LM_CMP_NE ? x != v
                            : cmp == LM_CMP_LT ? x < v
                            : cmp == LM_CMP_LE ? x <= v
                            : cmp == LM_CMP_GT ? x > v
                                               : x >= v;
                fires = fires && w.v[F_TTFT].type == LM_V_NUM;
                assert_int_equal(lm_expr_eval(s, get_fact, &w) == LM_TRUE, fires);
            }
        }
        lm_expr_free(s);
        lm_expr_free(e);
    }
}

/* lm_expr_fact_str: `model.class == "llm"` (or !=) specialized reads as one
 * string comparison, which the judge tests by enum index; its verdict must
 * be the evaluator's, false for a null fact. */
static void test_fact_str(void **state)
{
    static const char *const srcs[] = { "model.class == \"llm\"", "model.class != \"llm\"" };
    static const char *const values[] = { "llm", "slm", NULL };
    unsigned char varies[F_NFACTS] = {0};
    (void)state;

    varies[F_CLASS] = 1;
    for (size_t i = 0; i < 2; i++) {
        struct world w;
        world_init(&w);
        struct lm_expr *e = compile_ok(srcs[i]);
        struct lm_expr *s = specialize_ok(e, &w, varies);
        size_t fact = 0;
        const char *lit = NULL;
        int equal = -1;
        assert_int_equal(lm_expr_fact_str(s, &fact, &lit, &equal), 1);
        assert_int_equal(fact, F_CLASS);
        assert_string_equal(lit, "llm");
        assert_int_equal(equal, i == 0);
        for (size_t k = 0; k < 3; k++) {
            w.v[F_CLASS] = values[k] != NULL ? str(values[k]) : null();
            int fires = values[k] != NULL && (strcmp(values[k], lit) == 0) == equal;
            assert_int_equal(lm_expr_eval(s, get_fact, &w) == LM_TRUE, fires);
        }
        assert_int_equal(lm_expr_fact_str(e, &fact, &lit, &equal), 0); /* unspecialized */
        lm_expr_free(s);
        lm_expr_free(e);
    }
}

/* lm_expr_fact_null: `fact == null` (or !=, either side first), compiled
 * or specialized, reads as one null test, which the judge makes on the
 * number in place; its verdict must be the evaluator's for a number and
 * for null. Other shapes are refused. */
static void test_fact_null(void **state)
{
    static const struct {
        const char *src;
        int plain, equal;
    } cases[] = {
        {"estimate.ttft_ms == null", 1, 1},
        {"estimate.ttft_ms != null", 1, 0},
        {"null == estimate.ttft_ms", 1, 1},
        {"scenario.latency.ttft_ms != null and estimate.ttft_ms == null", 1, 1},
        {"estimate.ttft_ms == null or model.params_b > 1", 0, 0},
        {"estimate.ttft_ms > 300", 0, 0},
    };
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct world w;
        struct lm_expr *e, *s = specialize_ttft(cases[i].src, &w, &e);
        size_t fact = 0;
        int equal = -1;
        int plain = lm_expr_fact_null(s, &fact, &equal);
        if (plain != cases[i].plain)
            fail_msg("'%s': lm_expr_fact_null gave %d", cases[i].src, plain);
        if (plain) {
            assert_int_equal(fact, F_TTFT);
            assert_int_equal(equal, cases[i].equal);
            for (int k = 0; k < 2; k++) {
                w.v[F_TTFT] = k == 0 ? num(250) : null();
                int fires = (k == 1) == equal;
                assert_int_equal(lm_expr_eval(s, get_fact, &w) == LM_TRUE, fires);
            }
        }
        lm_expr_free(s);
        lm_expr_free(e);
    }
}

static void test_specialize_folds(void **state)
{
    static const struct {
        const char *src;
        enum lm_tri want;
    } cases[] = {
        {"scenario.latency.ttft_ms == null and task.breadth == \"broad\" and "
         "estimate.ttft_ms > 10000",
         LM_FALSE},
        {"task.breadth == \"narrow\" or model.params_b > 3", LM_TRUE},
        {"estimate.ttft_ms > scenario.latency.ttft_ms", LM_UNKNOWN},
        {"not (task.modalities in model.modalities) and false", LM_FALSE},
        {"scenario.data.labeled_examples / 0 > model.params_b", LM_UNKNOWN},
        {"scenario.privacy != null or candidate.meets_privacy", LM_TRUE},
        {"min(scenario.latency.ttft_ms, model.params_b) > 1", LM_UNKNOWN},
    };
    unsigned char varies[F_NFACTS] = {0};
    (void)state;

    varies[F_CLASS] = varies[F_PARAMS] = varies[F_MODEL_MODALITIES] = 1;
    varies[F_PLACEMENT] = varies[F_MEETS] = varies[F_TTFT] = 1;
    varies[F_NAME] = varies[F_LICENSE] = varies[F_IN_REGION] = 1;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct world w;
        const size_t *ids = NULL;
        world_init(&w);
        struct lm_expr *e = compile_ok(cases[i].src);
        struct lm_expr *s = specialize_ok(e, &w, varies);
        lm_expr_free(e);
        if (lm_expr_facts(s, &ids) != 0)
            fail_msg("'%s' still reads %zu facts", cases[i].src,
                     lm_expr_facts(s, &ids));
        memset(w.calls, 0, sizeof w.calls);
        enum lm_tri got = lm_expr_eval(s, get_fact, &w);
        if (got != cases[i].want)
            fail_msg("'%s': got %s, want %s", cases[i].src, tri_name(got),
                     tri_name(cases[i].want));
        for (size_t id = 0; id < F_NFACTS; id++)
            assert_int_equal(w.calls[id], 0);
        lm_expr_free(s);
    }
}

/* With scenario.latency.ttft_ms fixed, only estimate.ttft_ms is left. */
static void test_specialize_keeps_varying(void **state)
{
    unsigned char varies[F_NFACTS] = {0};
    struct world w;
    const size_t *ids = NULL;
    (void)state;

    varies[F_TTFT] = 1;
    world_init(&w);
    w.v[F_TTFT_MAX] = num(200);
    struct lm_expr *e = compile_ok("estimate.ttft_ms > scenario.latency.ttft_ms");
    struct lm_expr *s = specialize_ok(e, &w, varies);
    assert_int_equal(w.calls[F_TTFT_MAX], 1);
    assert_int_equal(w.calls[F_TTFT], 0);
    assert_int_equal(lm_expr_facts(s, &ids), 1);
    assert_int_equal(ids[0], F_TTFT);

    w.v[F_TTFT_MAX] = num(1e9); /* read once: later changes do not matter */
    w.v[F_TTFT] = num(100);
    assert_int_equal(lm_expr_eval(s, get_fact, &w), LM_FALSE);
    w.v[F_TTFT] = num(300);
    assert_int_equal(lm_expr_eval(s, get_fact, &w), LM_TRUE);
    w.v[F_TTFT] = num(200);
    assert_int_equal(lm_expr_eval(s, get_fact, &w), LM_FALSE);
    w.v[F_TTFT] = null();
    assert_int_equal(lm_expr_eval(s, get_fact, &w), LM_UNKNOWN);
    w.v[F_TTFT] = num((double)NAN);
    assert_int_equal(lm_expr_eval(s, get_fact, &w), LM_UNKNOWN);
    assert_int_equal(w.calls[F_TTFT_MAX], 1);

    /* Its outcomes are still computed right, and specializing it with
     * everything fixed gives a constant. */
    assert_int_equal(lm_expr_outcomes(s, get_fact, &w, varies),
                     (1u << LM_TRUE) | (1u << LM_FALSE) | (1u << LM_UNKNOWN));
    w.v[F_TTFT] = num(201);
    struct lm_expr *s2 = specialize_ok(s, &w, NULL);
    assert_int_equal(lm_expr_facts(s2, &ids), 0);
    assert_int_equal(lm_expr_eval(s2, get_fact, &w), LM_TRUE);
    lm_expr_free(s2);
    lm_expr_free(s);
    lm_expr_free(e);
}

/* The result owns the strings and lists it folded in: overwriting what the
 * resolver returned, and freeing the original, changes nothing. */
static void test_specialize_copies_strings(void **state)
{
    static const char *src =
        "scenario.privacy == model.license or model.modalities contains "
        "scenario.privacy or (task.modalities in model.modalities and "
        "task.breadth != model.name)";
    char privacy[16], breadth[16], m0[16], m1[16];
    const char *mods[2] = {m0, m1};
    unsigned char varies[F_NFACTS] = {0};
    struct world w;
    (void)state;

    strcpy(privacy, "on-device");
    strcpy(breadth, "narrow");
    strcpy(m0, "text");
    strcpy(m1, "image");
    varies[F_LICENSE] = varies[F_MODEL_MODALITIES] = varies[F_NAME] = 1;
    world_init(&w);
    w.v[F_PRIVACY] = str(privacy);
    w.v[F_BREADTH] = str(breadth);
    w.v[F_TASK_MODALITIES] = list(mods, 2);
    struct lm_expr *e = compile_ok(src);
    struct lm_expr *s = specialize_ok(e, &w, varies);
    lm_expr_free(e);
    memset(privacy, 'x', sizeof privacy - 1);
    memset(breadth, 'x', sizeof breadth - 1);
    memset(m0, 'x', sizeof m0 - 1);
    memset(m1, 'x', sizeof m1 - 1);

    static const char *const on_device[] = {"on-device"};
    static const char *const text_image_audio[] = {"audio", "image", "text"};
    w.v[F_LICENSE] = str("on-device");
    w.v[F_MODEL_MODALITIES] = list(text_only, 1);
    assert_int_equal(lm_expr_eval(s, get_fact, &w), LM_TRUE);
    w.v[F_LICENSE] = str("apache");
    assert_int_equal(lm_expr_eval(s, get_fact, &w), LM_FALSE);
    w.v[F_MODEL_MODALITIES] = list(on_device, 1);
    assert_int_equal(lm_expr_eval(s, get_fact, &w), LM_TRUE);
    w.v[F_MODEL_MODALITIES] = list(text_image_audio, 3);
    w.v[F_NAME] = str("broad");
    assert_int_equal(lm_expr_eval(s, get_fact, &w), LM_TRUE);
    w.v[F_NAME] = str("narrow");
    assert_int_equal(lm_expr_eval(s, get_fact, &w), LM_FALSE);
    w.v[F_NAME] = null();
    assert_int_equal(lm_expr_eval(s, get_fact, &w), LM_UNKNOWN);
    lm_expr_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_kleene_truth_tables),
        cmocka_unit_test(test_null_semantics),
        cmocka_unit_test(test_bad_resolver_values),
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_functions),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_short_circuit),
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_locale_independence),
        cmocka_unit_test(test_in_contains),
        cmocka_unit_test(test_design_rules),
        cmocka_unit_test(test_facts_used),
        cmocka_unit_test(test_not_nul_terminated),
        cmocka_unit_test(test_limit_length),
        cmocka_unit_test(test_limit_depth),
        cmocka_unit_test(test_limit_nodes),
        cmocka_unit_test(test_format_number),
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_template_render_truncates),
        cmocka_unit_test(test_template_errors),
        cmocka_unit_test(test_outcomes),
        cmocka_unit_test(test_specialize_differential),
        cmocka_unit_test(test_specialize_folds),
        cmocka_unit_test(test_fact_cmp),
        cmocka_unit_test(test_fact_str),
        cmocka_unit_test(test_fact_null),
        cmocka_unit_test(test_specialize_keeps_varying),
        cmocka_unit_test(test_specialize_copies_strings),
    };
    return cmocka_run_group_tests_name("expr", tests, NULL, NULL);
}
