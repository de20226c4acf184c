/*
 * libFuzzer harness for the JSON importers: every input is read as a LiteLLM
 * price map (cJSON parse, type and range checks, key splitting, matching
 * against the builtin catalog, YAML and TSV generation), and as a Hugging
 * Face config.json, a safetensors index and a safetensors header
 * (json_read.c). Build with
 * -DLM_FUZZ=ON -DCMAKE_C_COMPILER=clang; run as
 *   ./build-fuzz/tests/fuzz_import_litellm tests/fuzz/corpus/litellm -max_total_time=20
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "import/import.h"
#include "io/json_read.h"
#include "lmchoose/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The catalog to match against is loaded once; it is never modified. */
    static struct lm_catalog cat = LM_CATALOG_INIT;
    static int loaded;
    if (!loaded) {
        struct lm_limits limits = LM_LIMITS_DEFAULT;
        struct lm_diags d = LM_DIAGS_INIT;
        lm_catalog_load_builtin(&cat, &limits, &d);
        lm_diags_release(&d);
        loaded = 1;
    }
    struct lm_diags diags = LM_DIAGS_INIT;
    struct lm_import_result res;
    lm_import_litellm(&cat, "fuzz.json", "fuzz.json", (const char *)data, size, "2026-01-01", 1,
                      &diags, &res);
    /* Every generated file must be text without NUL bytes. */
    for (size_t i = 0; i < res.nfiles; i++)
        if (memchr(res.files[i].text, '\0', res.files[i].len) != NULL)
            __builtin_trap();
    lm_import_result_release(&res);
    struct lm_arena arena = LM_ARENA_INIT;
    struct lm_hf_config cfg;
    double total, params;
    char dtype[16];
    lm__hf_config_read("fuzz.json", (const char *)data, size, &arena, &diags, &cfg);
    lm__st_index_read("fuzz.json", (const char *)data, size, &diags, &total);
    lm__st_header_read("fuzz.json", (const char *)data, size, &diags, &params, dtype);
    lm_arena_release(&arena);
    lm_diags_release(&diags);
    return 0;
}
