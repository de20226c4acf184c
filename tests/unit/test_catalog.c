/*
 * Unit tests of the shipped catalog: it loads with no diagnostic, it has the
 * sizes and the ids issue #2 requires, and the class rule of DESIGN §2 holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "lmchoose/catalog.h"
#include "lmchoose/status.h"

static int setup(void **state)
{
    static struct lm_catalog cat;
    struct lm_catalog init = LM_CATALOG_INIT;
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags d = LM_DIAGS_INIT;
    cat = init;
    int rc = lm_catalog_load_builtin(&cat, &limits, &d);
    if (rc != LM_OK || d.count != 0) {
        lm_diags_print(&d, stderr);
        lm_diags_release(&d);
        return -1;
    }
    lm_diags_release(&d);
    *state = &cat;
    return 0;
}

static int teardown(void **state)
{
    lm_catalog_release(*state);
    return 0;
}

static void test_required_models(void **state)
{
    const struct lm_catalog *cat = *state;
    static const char *const ids[] = {
        "qwen2.5-0.5b-instruct", "qwen2.5-1.5b-instruct", "qwen2.5-3b-instruct",
        "qwen2.5-7b-instruct", "qwen2.5-14b-instruct", "qwen2.5-32b-instruct",
        "qwen2.5-72b-instruct", "llama-3.2-1b-instruct", "llama-3.2-3b-instruct",
        "llama-3.1-8b-instruct", "llama-3.1-70b-instruct", "llama-3.1-405b-instruct",
        "phi-3-mini-4k-instruct", "phi-3.5-mini-instruct", "phi-4", "gemma-2-2b-it",
        "gemma-2-9b-it", "gemma-2-27b-it", "mistral-7b-instruct-v0.3",
        "mixtral-8x7b-instruct-v0.1", "smollm2-135m-instruct", "smollm2-1.7b-instruct",
        "tinyllama-1.1b-chat-v1.0", "gpt-4o", "gpt-4o-mini", "gpt-4.1-nano",
        "claude-sonnet-4-5", "claude-haiku-4-5", "gemini-2.5-flash", "gemini-2.5-pro",
        "mistral-small-latest", "deepseek-chat",
    };
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        if (lm_catalog_model(cat, ids[i]) == NULL)
            fail_msg("missing model %s", ids[i]);
    }
    size_t slm = 0, llm_open = 0, api = 0, moe = 0;
    const char *providers[16];
    size_t nprov = 0;
    for (size_t i = 0; i < cat->nmodels; i++) {
        const struct lm_model *m = cat->models[i];
        assert_true(m->sources.n >= 1);
        if (m->open_weights == 1 && strcmp(lm_model_class(cat, m), "slm") == 0)
            slm++;
        if (m->open_weights == 1 && m->params_b > 15)
            llm_open++;
        if (m->open_weights == 1 && m->active_params_b < m->params_b)
            moe++;
        if (m->open_weights == 0) {
            api++;
            int seen = 0;
            for (size_t k = 0; k < nprov; k++)
                seen |= strcmp(providers[k], m->api[0].provider) == 0;
            if (!seen && nprov < 16)
                providers[nprov++] = m->api[0].provider;
        }
    }
    assert_true(cat->nmodels >= 32);
    assert_true(slm >= 14);
    assert_true(llm_open >= 6);
    assert_true(moe >= 1);
    assert_true(api >= 12);
    assert_true(nprov >= 4);
}

static void test_required_hardware(void **state)
{
    const struct lm_catalog *cat = *state;
    static const char *const ids[] = {
        "raspberry-pi-5-8gb", "apple-m1-8gb", "apple-m1-pro-16gb", "apple-m2-ultra-192gb",
        "apple-m3-max-64gb", "apple-m4-16gb", "nvidia-rtx-3060-12gb", "nvidia-rtx-3090",
        "nvidia-rtx-4090", "nvidia-rtx-5090", "nvidia-t4", "nvidia-l4", "nvidia-a10g",
        "nvidia-a100-80gb", "nvidia-h100-sxm", "nvidia-h100-pcie", "nvidia-h200",
        "amd-mi300x", "cpu-epyc-genoa-1s",
    };
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (lm_catalog_hardware(cat, ids[i]) == NULL)
            fail_msg("missing hardware %s", ids[i]);
    assert_true(cat->nhardware >= 24);
    unsigned classes = 0;
    int multi = 0;
    for (size_t i = 0; i < cat->nhardware; i++) {
        classes |= 1u << cat->hardware[i]->hw_class;
        multi |= cat->hardware[i]->max_devices == 8;
    }
    assert_int_equal(classes, (1u << LM_HW_CLASS_COUNT) - 1);
    assert_true(multi);
}

static void test_quantizations(void **state)
{
    const struct lm_catalog *cat = *state;
    static const char *const ids[] = { "f16", "bf16", "fp8", "q8_0", "q6_k", "q5_k_m",
                                       "q4_k_m", "q4_0", "q3_k_m", "q2_k", "awq-int4" };
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        assert_non_null(lm_catalog_quant(cat, ids[i]));
    assert_true(cat->nquants >= 10);
    for (const char *const *r = (const char *const[]){ "llama.cpp", "vllm", "mlx", "transformers", NULL }; *r; r++)
        assert_non_null(lm_catalog_runtime(cat, *r));
}

static void test_class_rule(void **state)
{
    const struct lm_catalog *cat = *state;
    /* Total parameters decide: Mixtral 8x7B (46.7 B total, 12.9 B active) is
     * an LLM; Phi-4 (14.7 B) is an SLM; an API model without params_b is an
     * LLM (DESIGN §2). */
    assert_string_equal(lm_model_class(cat, lm_catalog_model(cat, "mixtral-8x7b-instruct-v0.1")), "llm");
    assert_string_equal(lm_model_class(cat, lm_catalog_model(cat, "phi-4")), "slm");
    assert_string_equal(lm_model_class(cat, lm_catalog_model(cat, "gpt-4o-mini")), "llm");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_required_models),
        cmocka_unit_test(test_required_hardware),
        cmocka_unit_test(test_quantizations),
        cmocka_unit_test(test_class_rule),
    };
    return cmocka_run_group_tests_name("catalog", tests, setup, teardown);
}
