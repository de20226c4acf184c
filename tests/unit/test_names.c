/*
 * Unit tests of the names people type (DESIGN §9.7): the normalised form,
 * the digit-aware distance, resolution of ids and aliases over the shipped
 * catalog, the ambiguity error at load, "did you mean" messages, and the
 * cloud rate chosen from price.cloud_offers.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lmchoose/catalog.h"
#include "lmchoose/status.h"
#include "util/strutil.h"

static struct lm_catalog builtin;

static int load_builtin(struct lm_catalog *cat)
{
    struct lm_catalog init = LM_CATALOG_INIT;
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags d = LM_DIAGS_INIT;
    *cat = init;
    int rc = lm_catalog_load_builtin(cat, &limits, &d);
    if (rc != LM_OK || d.count != 0) {
        lm_diags_print(&d, stderr);
        rc = -1;
    }
    lm_diags_release(&d);
    return rc;
}

static int setup(void **state)
{
    (void)state;
    return load_builtin(&builtin) == LM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    lm_catalog_release(&builtin);
    return 0;
}

static void assert_norm(const char *in, int hw, const char *want)
{
    char out[128];
    size_t n = lm__name_normalise(in, hw, out, sizeof(out));
    if (strcmp(out, want) != 0 || n != strlen(want))
        fail_msg("normalise('%s', %d) = '%s' (%zu), want '%s'", in, hw, out, n, want);
}

static void test_normalise(void **state)
{
    (void)state;
    assert_norm("NVIDIA GeForce RTX 4090", 1, "rtx4090");
    assert_norm("nvidia-rtx-4090", 1, "rtx4090");
    assert_norm("RTX4090", 1, "rtx4090");
    assert_norm("NVIDIA-A100-SXM4-80GB", 1, "a100sxm480gb");
    assert_norm("NVIDIA A100-SXM4-80GB", 1, "a100sxm480gb");
    assert_norm("Tesla T4", 1, "t4");
    assert_norm("AMD Instinct MI300X", 1, "mi300x");
    assert_norm("NVIDIA", 1, "nvidia"); /* a vendor word alone stays */
    assert_norm("nvidia-rtx-4090", 0, "nvidiartx4090"); /* models keep every word */
    assert_norm("Q4_K_M", 0, "q4km");
    assert_norm("q4_k_m", 0, "q4km");
    assert_norm("meta-llama/Llama-3.1-8B-Instruct", 0, "metallama/llama318binstruct");
    assert_norm("https://huggingface.co/Qwen/Qwen2.5-7B-Instruct", 0, "qwen/qwen257binstruct");
    assert_norm("hf.co/Qwen/Qwen2.5-7B-Instruct", 0, "qwen/qwen257binstruct");
    assert_norm("llama3.1:8b", 0, "llama31:8b");
    assert_norm(" - _ . ", 0, "");
    /* Truncation reports the full length, like snprintf. */
    char small[4];
    assert_int_equal(lm__name_normalise("abcdef", 0, small, sizeof(small)), 6);
    assert_string_equal(small, "abc");
}

static void test_distance(void **state)
{
    (void)state;
    /* A digit inserted or deleted costs 2: l40s is not a slip of l4. */
    assert_int_equal(lm__name_distance("l40s", "l4"), 3);
    assert_int_equal(lm__name_distance("8b", "80b"), 2);
    /* Digit substitutions and transpositions are ordinary slips. */
    assert_int_equal(lm__name_distance("rtx4080", "rtx4090"), 1);
    assert_int_equal(lm__name_distance("gtp4o", "gpt4o"), 1);
    assert_int_equal(lm__name_distance("llama32", "llama31"), 1);
    assert_int_equal(lm__name_distance("", "ab1"), 4);
    assert_int_equal(lm__name_distance("same", "same"), 0);
}

static void assert_resolves(enum lm_id_kind kind, const char *name, const char *want)
{
    struct lm_name_result r;
    int st = lm_catalog_resolve(&builtin, kind, name, NULL, &r);
    if (st != LM_NAME_FOUND || strcmp(r.id, want) != 0)
        fail_msg("%s '%s': status %d id %s, want %s", lm_id_kind_names[kind], name, st,
                 r.id ? r.id : "(none)", want);
    assert_non_null(r.entry);
}

static void test_resolve_models(void **state)
{
    (void)state;
    assert_resolves(LM_KIND_MODEL, "llama-3.1-8b-instruct", "llama-3.1-8b-instruct");
    assert_resolves(LM_KIND_MODEL, "meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b-instruct");
    assert_resolves(LM_KIND_MODEL, "meta-llama/Meta-Llama-3.1-8B-Instruct", "llama-3.1-8b-instruct");
    assert_resolves(LM_KIND_MODEL, "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct",
                    "llama-3.1-8b-instruct");
    assert_resolves(LM_KIND_MODEL, "Llama-3.1-8B-Instruct", "llama-3.1-8b-instruct");
    assert_resolves(LM_KIND_MODEL, "llama3.1:8b", "llama-3.1-8b-instruct");
    assert_resolves(LM_KIND_MODEL, "Qwen/Qwen2.5-7B-Instruct", "qwen2.5-7b-instruct");
    assert_resolves(LM_KIND_MODEL, "qwen2.5:72b", "qwen2.5-72b-instruct");
    assert_resolves(LM_KIND_MODEL, "gpt4o", "gpt-4o");
    assert_resolves(LM_KIND_MODEL, "gpt-4o-2024-08-06", "gpt-4o");
    assert_resolves(LM_KIND_MODEL, "gemini/gemini-2.5-pro", "gemini-2.5-pro");
}

static void test_resolve_hardware_and_quants(void **state)
{
    (void)state;
    assert_resolves(LM_KIND_HARDWARE, "NVIDIA-A100-SXM4-80GB", "nvidia-a100-80gb");
    assert_resolves(LM_KIND_HARDWARE, "A100-80GB", "nvidia-a100-80gb");
    assert_resolves(LM_KIND_HARDWARE, "RTX 4090", "nvidia-rtx-4090");
    assert_resolves(LM_KIND_HARDWARE, "NVIDIA GeForce RTX 4090", "nvidia-rtx-4090");
    assert_resolves(LM_KIND_HARDWARE, "H100 SXM", "nvidia-h100-sxm");
    assert_resolves(LM_KIND_HARDWARE, "NVIDIA H100 80GB HBM3", "nvidia-h100-sxm");
    assert_resolves(LM_KIND_HARDWARE, "h100-pcie", "nvidia-h100-pcie");
    assert_resolves(LM_KIND_HARDWARE, "Tesla T4", "nvidia-t4");
    assert_resolves(LM_KIND_HARDWARE, "L4", "nvidia-l4");
    assert_resolves(LM_KIND_QUANT, "Q4_K_M", "q4_k_m");
    assert_resolves(LM_KIND_QUANT, "AWQ", "awq-int4");
    assert_resolves(LM_KIND_QUANT, "awq", "awq-int4");
    assert_resolves(LM_KIND_QUANT, "GPTQ", "gptq-int4");
    assert_resolves(LM_KIND_QUANT, "FP8", "fp8");
    assert_resolves(LM_KIND_QUANT, "BF16", "bf16");
    assert_resolves(LM_KIND_QUANT, "bfloat16", "bf16");
    assert_resolves(LM_KIND_QUANT, "IQ4_XS", "iq4_xs");
    assert_resolves(LM_KIND_RUNTIME, "llamacpp", "llama.cpp");
    assert_resolves(LM_KIND_RUNTIME, "vLLM", "vllm");
}

static void test_ambiguous_and_unknown(void **state)
{
    (void)state;
    struct lm_name_result r;
    /* H100 could be either part: both listed, sorted. */
    assert_int_equal(lm_catalog_resolve(&builtin, LM_KIND_HARDWARE, "H100", "local", &r),
                     LM_NAME_AMBIGUOUS);
    assert_int_equal(r.ncandidates, 2);
    assert_string_equal(r.candidates[0], "nvidia-h100-pcie");
    assert_string_equal(r.candidates[1], "nvidia-h100-sxm");
    assert_null(r.id);
    assert_int_equal(lm_catalog_resolve(&builtin, LM_KIND_HARDWARE, "A100", "local", &r),
                     LM_NAME_AMBIGUOUS);
    assert_int_equal(r.ncandidates, 2);
    /* L40S is not an L4 with a slip: never nvidia-l4 alone (the catalog
     * now has an L40S, which it must resolve to). */
    int l40s = lm_catalog_resolve(&builtin, LM_KIND_HARDWARE, "L40S", "local", &r);
    if (l40s == LM_NAME_FOUND)
        assert_string_equal(r.id, "nvidia-l40s");
    else
        assert_false(r.ncandidates == 1 && strcmp(r.candidates[0], "nvidia-l4") == 0);
    /* One entry the name starts: a suggestion, not a resolution. */
    assert_int_equal(lm_catalog_resolve(&builtin, LM_KIND_MODEL, "qwen2.5-7b", NULL, &r),
                     LM_NAME_UNKNOWN);
    assert_int_equal(r.ncandidates, 1);
    assert_string_equal(r.candidates[0], "qwen2.5-7b-instruct");
    /* A typo is suggested by distance; the keyword is a candidate too. */
    assert_int_equal(lm_catalog_resolve(&builtin, LM_KIND_MODEL, "gtp-4o", NULL, &r),
                     LM_NAME_UNKNOWN);
    assert_int_equal(r.ncandidates, 1);
    assert_string_equal(r.candidates[0], "gpt-4o");
    assert_int_equal(lm_catalog_resolve(&builtin, LM_KIND_HARDWARE, "locl", "local", &r),
                     LM_NAME_UNKNOWN);
    assert_int_equal(r.ncandidates, 1);
    assert_string_equal(r.candidates[0], "local");
    /* Nothing near. */
    assert_int_equal(lm_catalog_resolve(&builtin, LM_KIND_MODEL, "zzzzzzzz", NULL, &r),
                     LM_NAME_UNKNOWN);
    assert_int_equal(r.ncandidates, 0);
    assert_int_equal(lm_catalog_resolve(&builtin, LM_KIND_MODEL, "", NULL, &r), LM_NAME_UNKNOWN);
}

static void test_ollama_tag_with_quant(void **state)
{
    (void)state;
    const struct lm_model *m;
    const struct lm_quant *q;
    assert_int_equal(lm_catalog_resolve_tag(&builtin, "llama3.1:8b-instruct-q4_K_M", &m, &q), 1);
    assert_string_equal(m->id, "llama-3.1-8b-instruct");
    assert_string_equal(q->id, "q4_k_m");
    assert_int_equal(lm_catalog_resolve_tag(&builtin, "qwen2.5:7b-instruct-fp16", &m, &q), 1);
    assert_string_equal(m->id, "qwen2.5-7b-instruct");
    assert_string_equal(q->id, "f16");
    assert_int_equal(lm_catalog_resolve_tag(&builtin, "gemma2:9b-q8_0", &m, &q), 1);
    assert_string_equal(m->id, "gemma-2-9b-it");
    assert_string_equal(q->id, "q8_0");
    /* The base model ("text") is not the instruct profile; no tag, no quant. */
    assert_int_equal(lm_catalog_resolve_tag(&builtin, "llama3.1:8b-text-q4_0", &m, &q), 0);
    assert_null(m);
    assert_int_equal(lm_catalog_resolve_tag(&builtin, "llama3.1:8b", &m, &q), 0);
    assert_int_equal(lm_catalog_resolve_tag(&builtin, "llama3.1:8b-instruct-q9_X", &m, &q), 0);
    assert_int_equal(lm_catalog_resolve_tag(&builtin, "llama-3.1-8b-instruct", &m, &q), 0);
}

static void assert_message(enum lm_id_kind kind, const char *name, const char *keyword,
                           const char *want)
{
    struct lm_name_result r;
    lm_catalog_resolve(&builtin, kind, name, keyword, &r);
    char *msg = lm_name_message(lm_id_kind_names[kind], name, &r);
    assert_non_null(msg);
    if (strcmp(msg, want) != 0)
        fail_msg("message for '%s':\n  got  %s\n  want %s", name, msg, want);
    free(msg);
}

static void test_messages(void **state)
{
    (void)state;
    assert_message(LM_KIND_HARDWARE, "H100", "local",
                   "ambiguous hardware 'H100' (did you mean 'nvidia-h100-pcie' or "
                   "'nvidia-h100-sxm'?)");
    assert_message(LM_KIND_HARDWARE, "L40S", "local", "unknown hardware 'L40S'");
    assert_message(LM_KIND_QUANT, "q4_k_n", "auto",
                   "unknown quantization 'q4_k_n' (did you mean 'q4_k_m'?)");
    assert_message(LM_KIND_MODEL, "gpt4", NULL,
                   "ambiguous model 'gpt4' (did you mean 'gpt-4.1', 'gpt-4.1-mini', "
                   "'gpt-4.1-nano', 'gpt-4o' or 'gpt-4o-mini'?)");
    /* Past LM_NAME_MAX_CANDIDATES the rest is counted. */
    struct lm_name_result r;
    memset(&r, 0, sizeof(r));
    r.status = LM_NAME_AMBIGUOUS;
    static const char *const ids[] = { "a", "b", "c", "d", "e", "f" };
    for (size_t i = 0; i < 6; i++)
        r.candidates[r.ncandidates++] = ids[i];
    r.nmore = 3;
    char *msg = lm_name_message("model", "x", &r);
    assert_string_equal(msg, "ambiguous model 'x' (did you mean 'a', 'b', 'c', 'd', 'e', "
                             "'f' or 3 more?)");
    free(msg);
}

/* Loads one hardware file over the builtin catalog; returns the status and
 * leaves the diagnostics in *d. */
static int load_hw(struct lm_catalog *cat, const char *yaml, struct lm_diags *d)
{
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    if (load_builtin(cat) != LM_OK)
        return -1;
    return lm_catalog_load_file(cat, "hardware", "gpu.yaml", yaml, strlen(yaml), 0, &limits, d);
}

static const char hw_head[] =
    "id: test-gpu\n"
    "name: Test GPU\n";
static const char hw_tail[] =
    "vendor: nvidia\n"
    "class: datacenter-gpu\n"
    "memory_gib: 48\n"
    "usable_fraction: 0.95\n"
    "bandwidth_gbps: 864\n"
    "placements: [cloud]\n"
    "sources: [https://example.org/spec]\n";

static char *hw_file(const char *middle)
{
    char *s = malloc(strlen(hw_head) + strlen(middle) + strlen(hw_tail) + 1);
    if (s != NULL)
        sprintf(s, "%s%s%s", hw_head, middle, hw_tail);
    return s;
}

static void test_alias_claimed_twice(void **state)
{
    (void)state;
    struct lm_catalog cat;
    struct lm_diags d = LM_DIAGS_INIT;
    /* "H100 SXM5" is nvidia-h100-sxm's alias; "rtx-4090" reads like the id
     * nvidia-rtx-4090 once the vendor word goes. Each is an error at the
     * alias, line 3, at its column. */
    char *y = hw_file("aliases: [\"H100 SXM5\", ok-name, rtx-4090]\n"
                      "price: {usd_per_hour: 1}\n");
    assert_int_equal(load_hw(&cat, y, &d), LM_ESCHEMA);
    assert_int_equal(d.nerrors, 2);
    assert_string_equal(d.items[0].file, "gpu.yaml");
    assert_int_equal(d.items[0].line, 3);
    assert_int_equal(d.items[0].col, 11);
    assert_string_equal(d.items[0].msg,
                        "alias 'H100 SXM5' of hardware 'test-gpu' also names 'nvidia-h100-sxm' "
                        "(both read 'h100sxm5' once normalised); an alias must name one entry");
    assert_int_equal(d.items[1].line, 3);
    assert_int_equal(d.items[1].col, 33);
    assert_non_null(strstr(d.items[1].msg, "also names 'nvidia-rtx-4090'"));
    lm_diags_release(&d);
    lm_catalog_release(&cat);
    free(y);
}

static void test_alias_must_keep_something(void **state)
{
    (void)state;
    struct lm_catalog cat;
    struct lm_diags d = LM_DIAGS_INIT;
    char *y = hw_file("aliases: [\"--\"]\nprice: {usd_per_hour: 1}\n");
    assert_int_equal(load_hw(&cat, y, &d), LM_ESCHEMA);
    assert_int_equal(d.nerrors, 1);
    assert_string_equal(d.items[0].msg, "alias '--' is empty once case and the separators "
                                        "_ - . and space are ignored");
    lm_diags_release(&d);
    lm_catalog_release(&cat);
    free(y);
    /* "local" on the command line means this machine, never an alias. */
    y = hw_file("aliases: [Local]\nprice: {usd_per_hour: 1}\n");
    assert_int_equal(load_hw(&cat, y, &d), LM_ESCHEMA);
    assert_int_equal(d.nerrors, 1);
    assert_string_equal(d.items[0].msg,
                        "alias 'Local' of hardware 'test-gpu' is the reserved word 'local'");
    lm_diags_release(&d);
    lm_catalog_release(&cat);
    free(y);
}

static const struct lm_hardware *test_gpu(const struct lm_catalog *cat)
{
    const struct lm_hardware *h = lm_catalog_hardware(cat, "test-gpu");
    assert_non_null(h);
    return h;
}

static void test_cloud_offers(void **state)
{
    (void)state;
    struct lm_catalog cat;
    struct lm_diags d = LM_DIAGS_INIT;
    /* The cheapest offer wins; the plain price is the hyperscaler offer. */
    char *y = hw_file("price:\n"
                      "  usd_per_hour: 2.5\n"
                      "  cloud_offers:\n"
                      "    - {provider: runpod, tier: specialist, usd_per_hour: 0.86}\n"
                      "    - {provider: lambda, tier: specialist, usd_per_hour: 0.86}\n"
                      "    - {provider: aws, tier: hyperscaler, usd_per_hour: 1.9}\n");
    assert_int_equal(load_hw(&cat, y, &d), LM_OK);
    const struct lm_hardware *h = test_gpu(&cat);
    assert_true(h->usd_per_hour == 0.86);
    assert_string_equal(h->cloud_provider, "runpod"); /* tie: the first listed */
    assert_int_equal(h->cloud_tier, LM_TIER_SPECIALIST);
    assert_true(h->listed_usd_per_hour == 2.5);
    assert_int_equal(h->ncloud_offers, 3);
    lm_catalog_release(&cat);
    free(y);

    /* Offers alone price the cloud placement. */
    y = hw_file("price:\n  cloud_offers: [{provider: aws, tier: hyperscaler, usd_per_hour: 3}]\n");
    assert_int_equal(load_hw(&cat, y, &d), LM_OK);
    h = test_gpu(&cat);
    assert_true(h->usd_per_hour == 3);
    assert_string_equal(h->cloud_provider, "aws");
    assert_true(isnan(h->listed_usd_per_hour));
    lm_catalog_release(&cat);
    free(y);

    /* A plain price no offer beats keeps cloud_provider NULL (ties too). */
    y = hw_file("price:\n  usd_per_hour: 1\n"
                "  cloud_offers: [{provider: aws, tier: hyperscaler, usd_per_hour: 1}]\n");
    assert_int_equal(load_hw(&cat, y, &d), LM_OK);
    h = test_gpu(&cat);
    assert_true(h->usd_per_hour == 1);
    assert_null(h->cloud_provider);
    assert_int_equal(h->cloud_tier, LM_TIER_HYPERSCALER);
    lm_catalog_release(&cat);
    free(y);
    assert_int_equal(d.nerrors, 0);

    /* Errors: a bad tier, a missing price, a provider twice in one tier. */
    y = hw_file("price:\n  cloud_offers:\n"
                "    - {provider: aws, tier: cheap, usd_per_hour: 1}\n"
                "    - {provider: gcp, tier: hyperscaler}\n"
                "    - {provider: gcp, tier: hyperscaler, usd_per_hour: 2}\n");
    assert_int_equal(load_hw(&cat, y, &d), LM_ESCHEMA);
    assert_int_equal(d.nerrors, 3);
    assert_non_null(strstr(d.items[0].msg, "'tier' must be one of"));
    assert_int_equal(d.items[1].line, 6);
    assert_non_null(strstr(d.items[1].msg, "usd_per_hour"));
    assert_string_equal(d.items[2].msg, "provider 'gcp' listed twice in the hyperscaler tier");
    lm_diags_release(&d);
    lm_catalog_release(&cat);
    free(y);

    /* Cloud with neither price. */
    y = hw_file("");
    assert_int_equal(load_hw(&cat, y, &d), LM_ESCHEMA);
    assert_string_equal(d.items[0].msg,
                        "placement 'cloud' needs price.usd_per_hour or price.cloud_offers");
    lm_diags_release(&d);
    lm_catalog_release(&cat);
    free(y);
}

/* Every alias of the shipped catalog resolves to its own entry. */
static void test_shipped_aliases_resolve(void **state)
{
    (void)state;
    size_t n = 0;
    for (size_t i = 0; i < builtin.nmodels; i++)
        for (size_t k = 0; k < builtin.models[i]->aliases.n; k++, n++)
            assert_resolves(LM_KIND_MODEL, builtin.models[i]->aliases.items[k],
                            builtin.models[i]->id);
    for (size_t i = 0; i < builtin.nhardware; i++)
        for (size_t k = 0; k < builtin.hardware[i]->aliases.n; k++, n++)
            assert_resolves(LM_KIND_HARDWARE, builtin.hardware[i]->aliases.items[k],
                            builtin.hardware[i]->id);
    for (size_t i = 0; i < builtin.nquants; i++)
        for (size_t k = 0; k < builtin.quants[i]->aliases.n; k++, n++)
            assert_resolves(LM_KIND_QUANT, builtin.quants[i]->aliases.items[k],
                            builtin.quants[i]->id);
    assert_true(n >= 100);
    for (size_t i = 0; i < builtin.nmodels; i++)
        assert_true(builtin.models[i]->aliases.n >= 1);
    for (size_t i = 0; i < builtin.nhardware; i++)
        assert_true(builtin.hardware[i]->aliases.n >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise),
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_resolve_models),
        cmocka_unit_test(test_resolve_hardware_and_quants),
        cmocka_unit_test(test_ambiguous_and_unknown),
        cmocka_unit_test(test_ollama_tag_with_quant),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_alias_claimed_twice),
        cmocka_unit_test(test_alias_must_keep_something),
        cmocka_unit_test(test_cloud_offers),
        cmocka_unit_test(test_shipped_aliases_resolve),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
