/*
 * libFuzzer harness for the profile loader: every input is loaded as a model
 * and as a hardware profile (YAML parse, limits, schema typing, cross-field
 * checks), then again over a catalog holding a model and a hardware entry
 * with id "base", so that an input with `id: base` and some keys exercises
 * the partial-override merge (catalog.c). Build with -DLM_FUZZ=ON -DCMAKE_C_COMPILER=clang; run as
 *   ./build-fuzz/tests/fuzz_profile_load tests/fuzz/corpus/profile -max_total_time=20
 */
#include <stddef.h>
#include <stdint.h>

#include "lmchoose/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_model[] =
    "id: base\nname: Base\nparams_b: 1\narchitecture: {layers: 2, hidden: 64, "
    "attention_heads: 4, kv_heads: 2, vocab: 100}\ncontext_tokens: 4096\nopen_weights: true\n"
    "quality: {mmlu: 50}\nfiles: {q8_0: 1000}\napi: [{provider: p, input_usd_per_mtok: 1, "
    "output_usd_per_mtok: 2, regions: [eu]}]\nsources: [s]\n";
static const char base_hw[] =
    "id: base\nname: Base\nclass: laptop\nmemory_gib: 16\nusable_fraction: 0.7\n"
    "bandwidth_gbps: 100\nplacements: [device, cloud]\nprice: {usd_per_hour: 1}\nsources: [s]\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const kinds[] = { "model", "hardware", "quantizations", "runtimes" };
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    for (size_t k = 0; k < 4; k++) {
        struct lm_catalog cat = LM_CATALOG_INIT;
        struct lm_diags diags = LM_DIAGS_INIT;
        lm_catalog_load_file(&cat, kinds[k], "fuzz.yaml", (const char *)data, size, 0,
                             &limits, &diags);
        lm_catalog_release(&cat);
        lm_diags_release(&diags);
    }
    for (size_t k = 0; k < 2; k++) {
        struct lm_catalog cat = LM_CATALOG_INIT;
        struct lm_diags diags = LM_DIAGS_INIT;
        /* the quantization q8_0 that base's files name */
        static const char quants[] =
            "quantizations:\n  - {id: q8_0, bits_per_weight: 8.5, quality_delta: 0, "
            "runtimes: [llama.cpp], sources: [s]}\n";
        lm_catalog_load_file(&cat, "quantizations", "q.yaml", quants, sizeof(quants) - 1, 0,
                             &limits, &diags);
        lm_catalog_load_file(&cat, kinds[k], "base.yaml", k ? base_hw : base_model,
                             k ? sizeof(base_hw) - 1 : sizeof(base_model) - 1, 0, &limits, &diags);
        lm_catalog_load_file(&cat, kinds[k], "fuzz.yaml", (const char *)data, size, 0, &limits,
                             &diags);
        lm_catalog_release(&cat);
        lm_diags_release(&diags);
    }
    return 0;
}
