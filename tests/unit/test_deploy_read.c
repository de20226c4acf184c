/*
 * Unit tests of the deployment-file readers (deploy_*.c) and the foreign
 * YAML mode (lm__yaml_parse_foreign): each format, given as a string, must
 * give the deployments its project documents, with every value at the right
 * line and column, and the name mapping (deploy_names.c) must map the names
 * people type to catalog ids without guessing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "deploy/deploy_names.h"
#include "deploy/deploy_read.h"
#include "lmchoose/catalog.h"
#include "lmchoose/status.h"
#include "io/ynode.h"

struct run {
    struct lm_arena arena;
    struct lm_diags diags;
    struct lm_ffile ff;
    int rc;
};

/* Reads text as the file `name` (YAML unless the name is a text format). */
static void read_file(struct run *r, const char *name, const char *text)
{
    static const struct lm_limits limits = LM_LIMITS_DEFAULT;
    memset(r, 0, sizeof(*r));
    struct lm_dreader rd = { &r->arena, name, text, strlen(text), &limits, &r->diags, &r->ff };
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    if (lm__deploy_text_name(base)) {
        r->rc = lm__deploy_read_text(&rd, base);
        return;
    }
    struct lm_ynode **docs = NULL;
    size_t n = 0;
    r->rc = lm__yaml_parse_foreign(&r->arena, name, text, strlen(text), &limits, &r->diags, &docs, &n);
    if (r->rc == LM_OK)
        r->rc = lm__deploy_read_yaml(&rd, docs, n);
}

static void done(struct run *r)
{
    lm_arena_release(&r->arena);
    lm_diags_release(&r->diags);
}

static void expect_val(const struct lm_fdeploy *d, enum lm_dfield f, const char *s, unsigned line,
                       unsigned col)
{
    const struct lm_dval *v = &d->v[f];
    if (v->s == NULL || strcmp(v->s, s) != 0 || v->line != line || v->col != col) {
        print_error("%s: got '%s' at %u:%u, want '%s' at %u:%u\n", lm_dfield_names[f],
                    v->s ? v->s : "(null)", v->line, v->col, s, line, col);
        fail();
    }
}

static void test_kubernetes_multi_document(void **state)
{
    (void)state;
    struct run r;
    read_file(&r, "k8s.yaml",
              "apiVersion: v1\n"
              "kind: Service\n"
              "metadata: {name: chat}\n"
              "---\n"
              "apiVersion: apps/v1\n"
              "kind: Deployment\n"
              "metadata: {name: chat}\n"
              "spec:\n"
              "  template:\n"
              "    spec:\n"
              "      affinity:\n"
              "        nodeAffinity:\n"
              "          requiredDuringSchedulingIgnoredDuringExecution:\n"
              "            nodeSelectorTerms:\n"
              "              - matchExpressions:\n"
              "                  - key: nvidia.com/gpu.product\n"
              "                    operator: In\n"
              "                    values: [NVIDIA-H100-80GB-HBM3]\n"
              "      containers:\n"
              "        - name: vllm\n"
              "          image: vllm/vllm-openai:v0.6.3\n"
              "          args: [\"--model\", \"meta-llama/Llama-3.1-70B-Instruct\", \"--tensor-parallel-size=2\",\n"
              "                 \"--kv-cache-dtype\", \"fp8\"]\n"
              "          resources:\n"
              "            limits: {nvidia.com/gpu: 2}\n"
              "---\n");
    assert_int_equal(r.rc, LM_OK);
    assert_int_equal(r.ff.n, 1);
    assert_string_equal(r.ff.format, "kubernetes");
    const struct lm_fdeploy *d = &r.ff.d[0];
    assert_string_equal(d->name, "chat");
    expect_val(d, LM_D_MODEL, "meta-llama/Llama-3.1-70B-Instruct", 22, 30);
    expect_val(d, LM_D_TP, "2", 22, 90);
    expect_val(d, LM_D_KV_DTYPE, "fp8", 23, 39);
    expect_val(d, LM_D_HARDWARE, "NVIDIA-H100-80GB-HBM3", 18, 30);
    expect_val(d, LM_D_DEVICES, "2", 25, 38);
    expect_val(d, LM_D_RUNTIME, "vllm", 22, 19);
    done(&r);
}

static void test_kubernetes_sh_c(void **state)
{
    (void)state;
    struct run r;
    read_file(&r, "sh.yaml",
              "apiVersion: v1\n"
              "kind: Pod\n"
              "metadata: {name: shc}\n"
              "spec:\n"
              "  containers:\n"
              "    - name: server\n"
              "      image: python:3.12\n"
              "      command: [\"/bin/sh\", \"-c\"]\n"
              "      args: [\"pip install vllm && vllm serve Qwen/Qwen2.5-7B-Instruct --max-model-len 8192\"]\n");
    assert_int_equal(r.ff.n, 1);
    expect_val(&r.ff.d[0], LM_D_MODEL, "Qwen/Qwen2.5-7B-Instruct", 9, 46);
    expect_val(&r.ff.d[0], LM_D_MAX_LEN, "8192", 9, 87);
    done(&r);
}

static void test_kserve_and_tgi_env(void **state)
{
    (void)state;
    struct run r;
    read_file(&r, "isvc.yaml",
              "apiVersion: serving.kserve.io/v1beta1\n"
              "kind: InferenceService\n"
              "metadata:\n"
              "  name: extraction\n"
              "spec:\n"
              "  predictor:\n"
              "    model:\n"
              "      modelFormat:\n"
              "        name: huggingface\n"
              "      storageUri: hf://Qwen/Qwen2.5-7B-Instruct\n"
              "      args: [--max-model-len=2048]\n");
    assert_int_equal(r.ff.n, 1);
    expect_val(&r.ff.d[0], LM_D_MODEL, "Qwen/Qwen2.5-7B-Instruct", 10, 19);
    expect_val(&r.ff.d[0], LM_D_MAX_LEN, "2048", 11, 30);
    assert_string_equal(r.ff.d[0].format, "kserve");
    done(&r);
    read_file(&r, "tgi.yaml",
              "apiVersion: v1\n"
              "kind: Pod\n"
              "metadata: {name: tgi}\n"
              "spec:\n"
              "  containers:\n"
              "    - image: ghcr.io/huggingface/text-generation-inference:2.4.0\n"
              "      env:\n"
              "        - {name: MODEL_ID, value: Qwen/Qwen2.5-7B-Instruct-AWQ}\n"
              "        - {name: QUANTIZE, value: awq}\n"
              "        - {name: MAX_TOTAL_TOKENS, value: \"8192\"}\n");
    assert_int_equal(r.ff.n, 1);
    expect_val(&r.ff.d[0], LM_D_MODEL, "Qwen/Qwen2.5-7B-Instruct-AWQ", 8, 35);
    expect_val(&r.ff.d[0], LM_D_QUANT, "awq", 9, 35);
    expect_val(&r.ff.d[0], LM_D_MAX_LEN, "8192", 10, 44);
    expect_val(&r.ff.d[0], LM_D_RUNTIME, "tgi", 6, 14);
    done(&r);
}

static void test_compose_anchor_and_merge_key(void **state)
{
    (void)state;
    struct run r;
    read_file(&r, "docker-compose.yaml",
              "x-gpu: &gpu\n"
              "  deploy:\n"
              "    resources:\n"
              "      reservations:\n"
              "        devices:\n"
              "          - {driver: nvidia, device_ids: ['0', '1'], capabilities: [gpu]}\n"
              "services:\n"
              "  tgi:\n"
              "    <<: *gpu\n"
              "    image: ghcr.io/huggingface/text-generation-inference:2.4.0\n"
              "    command: --model-id mistralai/Mistral-7B-Instruct-v0.3 --num-shard 2\n"
              "    environment:\n"
              "      - MAX_TOTAL_TOKENS=4096\n"
              "  web:\n"
              "    image: nginx\n");
    assert_int_equal(r.rc, LM_OK);
    assert_int_equal(r.ff.n, 1);
    const struct lm_fdeploy *d = &r.ff.d[0];
    assert_string_equal(d->name, "tgi");
    expect_val(d, LM_D_MODEL, "mistralai/Mistral-7B-Instruct-v0.3", 11, 25);
    expect_val(d, LM_D_TP, "2", 11, 72);
    expect_val(d, LM_D_MAX_LEN, "4096", 13, 26);
    expect_val(d, LM_D_DEVICES, "2", 6, 42);
    done(&r);
}

static void test_litellm_and_skypilot(void **state)
{
    (void)state;
    struct run r;
    read_file(&r, "config.yaml",
              "model_list:\n"
              "  - model_name: eu-claude\n"
              "    litellm_params:\n"
              "      model: bedrock/eu.anthropic.claude-sonnet-4-5-20250929-v1:0\n"
              "      api_key: sk-not-read\n"
              "  - model_name: mine\n"
              "    litellm_params: {model: openai/llama, api_base: http://vllm:8000/v1}\n");
    assert_int_equal(r.ff.n, 1); /* the self-hosted one is judged from its own file */
    expect_val(&r.ff.d[0], LM_D_PROVIDER, "bedrock", 4, 14);
    expect_val(&r.ff.d[0], LM_D_REGION, "eu", 4, 22);
    expect_val(&r.ff.d[0], LM_D_MODEL, "anthropic.claude-sonnet-4-5-20250929-v1:0", 4, 25);
    done(&r);
    read_file(&r, "task.yaml",
              "name: big\n"
              "resources:\n"
              "  accelerators: {A100-80GB: 4}\n"
              "envs:\n"
              "  MODEL: Qwen/Qwen2.5-72B-Instruct\n"
              "run: |\n"
              "  text-generation-launcher \\\n"
              "    --model-id $MODEL --num-shard 4 --max-total-tokens 32768\n");
    assert_int_equal(r.ff.n, 1);
    const struct lm_fdeploy *d = &r.ff.d[0];
    assert_string_equal(d->name, "big");
    expect_val(d, LM_D_MODEL, "Qwen/Qwen2.5-72B-Instruct", 5, 10);
    expect_val(d, LM_D_HARDWARE, "A100-80GB", 3, 18);
    expect_val(d, LM_D_DEVICES, "4", 3, 29);
    expect_val(d, LM_D_TP, "4", 8, 35);
    expect_val(d, LM_D_MAX_LEN, "32768", 8, 56);
    assert_string_equal(d->placement_hint, "cloud");
    done(&r);
}

static void test_text_formats(void **state)
{
    (void)state;
    struct run r;
    read_file(&r, "ops/serve.sh",
              "#!/bin/sh\n"
              "M=meta-llama/Llama-3.2-3B-Instruct\n"
              "exec python3 -m vllm.entrypoints.openai.api_server --model \"$M\" \\\n"
              "  --quantization=fp8 --max-model-len 8192 &\n");
    assert_int_equal(r.ff.n, 1);
    assert_string_equal(r.ff.d[0].name, "serve");
    expect_val(&r.ff.d[0], LM_D_MODEL, "meta-llama/Llama-3.2-3B-Instruct", 2, 3);
    expect_val(&r.ff.d[0], LM_D_QUANT, "fp8", 4, 18);
    expect_val(&r.ff.d[0], LM_D_MAX_LEN, "8192", 4, 38);
    done(&r);
    read_file(&r, "svc/bot/Dockerfile",
              "FROM python:3.12 AS build\n"
              "CMD [\"python\", \"app.py\"]\n"
              "FROM vllm/vllm-openai:v0.6.3\n"
              "ENTRYPOINT [\"vllm\", \"serve\"]\n"
              "CMD [\"Qwen/Qwen2.5-1.5B-Instruct\", \\\n"
              "     \"--max-model-len\", \"4096\"]\n");
    assert_int_equal(r.ff.n, 1);
    assert_string_equal(r.ff.d[0].name, "bot");
    expect_val(&r.ff.d[0], LM_D_MODEL, "Qwen/Qwen2.5-1.5B-Instruct", 5, 7);
    expect_val(&r.ff.d[0], LM_D_MAX_LEN, "4096", 6, 26);
    done(&r);
    read_file(&r, "helper.Modelfile",
              "# comment\n"
              "from qwen2.5:7b-instruct-q4_K_M\n"
              "TEMPLATE \"\"\"{{ .Prompt }}\n"
              "PARAMETER num_ctx 1\n"
              "\"\"\"\n"
              "PARAMETER num_ctx 16384\n");
    assert_int_equal(r.ff.n, 1);
    assert_string_equal(r.ff.d[0].name, "helper");
    expect_val(&r.ff.d[0], LM_D_MODEL, "qwen2.5:7b-instruct-q4_K_M", 2, 6);
    expect_val(&r.ff.d[0], LM_D_MAX_LEN, "16384", 6, 19);
    done(&r);
}

static void test_not_deployments(void **state)
{
    (void)state;
    struct run r;
    read_file(&r, "values.yaml", "replicaCount: 2\nimage: {repository: vllm/vllm-openai}\nmodel: x\n");
    assert_int_equal(r.rc, LM_OK);
    assert_int_equal(r.ff.n, 0);
    assert_null(r.ff.format);
    done(&r);
    read_file(&r, "build.sh", "make -j2\nctest\n");
    assert_int_equal(r.ff.n, 0);
    done(&r);
}

static void test_foreign_yaml_limits(void **state)
{
    (void)state;
    /* An alias shares the node; its size counts against --max-nodes. */
    struct run r;
    read_file(&r, "a.yaml", "a: &a [1, 2, 3]\nb: *a\n");
    assert_int_equal(r.rc, LM_OK);
    done(&r);
    read_file(&r, "bomb.yaml",
              "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
              "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
              "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
              "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
              "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n");
    assert_int_equal(r.rc, LM_ELIMIT);
    assert_int_equal(r.diags.count, 1);
    assert_int_equal(r.diags.items[0].line, 5);
    assert_string_equal(r.diags.items[0].msg, "alias 'd' expands past --max-nodes 100000");
    done(&r);
    read_file(&r, "cycle.yaml", "a: &a\n  b: *a\n");
    assert_int_not_equal(r.rc, LM_OK);
    assert_string_equal(r.diags.items[0].msg, "alias 'a' refers to an enclosing node (cycle)");
    done(&r);
}

static void test_names(void **state)
{
    (void)state;
    struct lm_catalog cat = LM_CATALOG_INIT;
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags d = LM_DIAGS_INIT;
    assert_int_equal(lm_catalog_load_builtin(&cat, &limits, &d), LM_OK);
    struct lm_name_model nm;
    static const struct { const char *raw, *model, *quant; } models[] = {
        { "meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b-instruct", NULL },
        { "hf://meta-llama/Meta-Llama-3.1-70B-Instruct", "llama-3.1-70b-instruct", NULL },
        { "Qwen/Qwen2.5-7B-Instruct-AWQ", "qwen2.5-7b-instruct", "awq-int4" },
        { "llama3.2:3b-instruct-q4_K_M", "llama-3.2-3b-instruct", "q4_k_m" },
        { "anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", NULL },
        { "gpt-4o-mini", "gpt-4o-mini", NULL },
        { "mistralai/Mistral-7B-Instruct-v0.3", "mistral-7b-instruct-v0.3", NULL },
    };
    for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
        int ok = lm__name_model(&cat, models[i].raw, &nm);
        if (!ok || strcmp(nm.model->id, models[i].model) != 0 ||
            (models[i].quant == NULL) != (nm.quant_hint == NULL) ||
            (models[i].quant && strcmp(models[i].quant, nm.quant_hint) != 0)) {
            print_error("%s: got %s / %s (%s)\n", models[i].raw, ok ? nm.model->id : "-",
                        nm.quant_hint ? nm.quant_hint : "-", nm.why);
            fail();
        }
    }
    assert_int_equal(lm__name_model(&cat, "facebook/opt-125m", &nm), 0);
    assert_int_equal(lm__name_model(&cat, "$MODEL", &nm), 0);
    static const struct { const char *raw, *id; } gpus[] = {
        { "NVIDIA-A100-SXM4-80GB", "nvidia-a100-80gb" }, { "NVIDIA-L4", "nvidia-l4" },
        { "nvidia-tesla-t4", "nvidia-t4" }, { "g6.4xlarge", "nvidia-l4" },
        { "A100-80GB", "nvidia-a100-80gb" }, { "NVIDIA-H100-80GB-HBM3", "nvidia-h100-sxm" },
    };
    char why[512];
    for (size_t i = 0; i < sizeof(gpus) / sizeof(gpus[0]); i++) {
        const char *id = NULL;
        if (!lm__name_hardware(&cat, gpus[i].raw, &id, why, sizeof(why)) ||
            strcmp(id, gpus[i].id) != 0) {
            print_error("%s: got %s (%s)\n", gpus[i].raw, id ? id : "-", why);
            fail();
        }
    }
    const char *id = NULL;
    assert_int_equal(lm__name_hardware(&cat, "H100", &id, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "nvidia-h100-pcie"));
    assert_int_equal(lm__name_quant(&cat, "vllm", "awq_marlin", NULL, NULL, &id, why, sizeof(why)), 1);
    assert_string_equal(id, "awq-int4");
    assert_int_equal(lm__name_quant(&cat, "vllm", NULL, NULL, NULL, &id, why, sizeof(why)), 1);
    assert_string_equal(id, "bf16");
    assert_int_equal(lm__name_quant(&cat, "vllm", NULL, "float16", NULL, &id, why, sizeof(why)), 1);
    assert_string_equal(id, "f16");
    assert_int_equal(lm__name_quant(&cat, "ollama", NULL, NULL, NULL, &id, why, sizeof(why)), 0);
    assert_int_equal(lm__name_quant(&cat, "tgi", "eetq", NULL, NULL, &id, why, sizeof(why)), 0);
    lm_catalog_release(&cat);
    lm_diags_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kubernetes_multi_document),
        cmocka_unit_test(test_kubernetes_sh_c),
        cmocka_unit_test(test_kserve_and_tgi_env),
        cmocka_unit_test(test_compose_anchor_and_merge_key),
        cmocka_unit_test(test_litellm_and_skypilot),
        cmocka_unit_test(test_text_formats),
        cmocka_unit_test(test_not_deployments),
        cmocka_unit_test(test_foreign_yaml_limits),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
