/*
 * libFuzzer harness for the deployment-file readers (deploy_*.c): the first
 * byte picks the name the input is read under (YAML, Dockerfile, shell
 * script, Modelfile), the rest is the file. Covers the foreign YAML mode
 * (documents, anchors, aliases, merge keys) and the text parsers.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "deploy/deploy_read.h"
#include "lmchoose/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = { "k8s.yaml", "Dockerfile", "serve.sh", "x.Modelfile" };
    if (size == 0)
        return 0;
    const char *name = names[data[0] % 4];
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags diags = LM_DIAGS_INIT;
    struct lm_arena arena = LM_ARENA_INIT;
    struct lm_ffile ff;
    memset(&ff, 0, sizeof(ff));
    struct lm_dreader r = { &arena, name, buf, len, &limits, &diags, &ff };
    if (lm__deploy_text_name(name)) {
        lm__deploy_read_text(&r, name);
    } else {
        struct lm_ynode **docs = NULL;
        size_t n = 0;
        if (lm__yaml_parse_foreign(&arena, name, buf, len, &limits, &diags, &docs, &n) == LM_OK)
            lm__deploy_read_yaml(&r, docs, n);
    }
    lm_arena_release(&arena);
    lm_diags_release(&diags);
    return 0;
}
