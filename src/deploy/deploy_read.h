/*
 * Readers for the deployment files teams already have (DESIGN §6.3, issue
 * 14): vLLM and TGI command lines (shell scripts, Dockerfiles, container
 * args), vLLM --config YAML, Kubernetes workloads and KServe
 * InferenceServices, docker-compose services, Ollama Modelfiles, LiteLLM
 * proxy configs and SkyPilot tasks. Each turns a file into zero or more
 * deployments: the raw values as written (model, quantization, hardware,
 * devices, runtime options) with the FILE:LINE:COL of each. Mapping the raw
 * names to catalog ids is check.c's business (deploy_names.c).
 *
 * Ownership: every string lives in the arena passed to lm__deploy_read.
 */
#ifndef LMCHOOSE_DEPLOY_READ_H
#define LMCHOOSE_DEPLOY_READ_H

#include <stddef.h>

#include "lmchoose/arena.h"
#include "lmchoose/diag.h"
#include "lmchoose/limits.h"
#include "io/ynode.h"

/* A value as written, and where (line 0: absent). */
struct lm_dval {
    const char *s;
    unsigned line, col;
    const char *file; /* NULL: the file being read; else another (vLLM --config) */
};

/* Fields of a deployment, in the order of lm_dfield_names. */
enum lm_dfield {
    LM_D_MODEL,        /* HF repo id, Ollama tag, provider/model (LiteLLM) */
    LM_D_QUANT,        /* --quantization, --quantize, QUANTIZE */
    LM_D_DTYPE,        /* --dtype */
    LM_D_HARDWARE,     /* GPU product label, SkyPilot accelerator, instance type */
    LM_D_DEVICES,      /* nvidia.com/gpu, compose count, H100:2 */
    LM_D_TP,           /* --tensor-parallel-size, --num-shard, NUM_SHARD */
    LM_D_PP,           /* --pipeline-parallel-size */
    LM_D_PROVIDER,     /* LiteLLM provider prefix */
    LM_D_REGION,       /* LiteLLM region (bedrock eu. prefix, aws_region_name, ...) */
    LM_D_MAX_LEN,      /* --max-model-len, --max-total-tokens, num_ctx */
    LM_D_GPU_UTIL,     /* --gpu-memory-utilization, --cuda-memory-fraction */
    LM_D_KV_DTYPE,     /* --kv-cache-dtype */
    LM_D_RUNTIME,      /* vllm, tgi, ollama: what serves it */
    LM_D_API_BASE,     /* LiteLLM api_base (a self-hosted OpenAI-compatible server) */
    LM_D_COUNT
};
extern const char *const lm_dfield_names[LM_D_COUNT + 1];

struct lm_fdeploy {
    const char *name;   /* service name: metadata.name, compose service, model_name, file stem */
    const char *format; /* kubernetes, kserve, compose, vllm, vllm-config, tgi, dockerfile,
                           shell, ollama, litellm, skypilot */
    unsigned line, col; /* where the deployment is declared */
    struct lm_dval v[LM_D_COUNT];
    /* Where the GPU request was written when no GPU type was (a located
     * "cannot tell which GPU" note), else line 0. */
    struct lm_dval gpu_request;
    /* "cloud" when the file says the GPU is rented (a GKE accelerator or
     * cloud instance-type label, a SkyPilot task), else NULL. */
    const char *placement_hint;
    /* A --config FILE to read relative to the file (vLLM). */
    struct lm_dval config;
};

/* A note a reader attaches to a file: something it could not read. */
struct lm_fnote {
    unsigned line, col;
    const char *message;
};

struct lm_ffile {
    struct lm_fdeploy *d;
    size_t n, cap;
    struct lm_fnote *notes;
    size_t nnotes, capnotes;
    const char *format; /* the format recognised, or NULL (not a deployment file) */
    /* Deployments past LM_MAX_READ_DEPLOYS are read into `overflow` and only
     * counted: a 4 MiB script of `vllm serve` lines stays cheap. */
    size_t dropped;
    struct lm_fdeploy overflow;
};

#define LM_MAX_READ_DEPLOYS 256

/* The shared state of one reader run. */
struct lm_dreader {
    struct lm_arena *arena;
    const char *file;       /* display name */
    const char *buf;        /* the file's text */
    size_t len;
    const struct lm_limits *limits;
    struct lm_diags *diags;
    struct lm_ffile *out;
};

/* Reads one file. kind is decided from the name and content: YAML docs
 * (already parsed with lm__yaml_parse_foreign; NULL for text formats), or
 * the text formats (Dockerfile, shell script, Modelfile). Returns LM_OK or
 * LM_ENOMEM; what cannot be read becomes a note. */
int lm__deploy_read_yaml(struct lm_dreader *r, struct lm_ynode **docs, size_t ndocs);
int lm__deploy_read_text(struct lm_dreader *r, const char *basename);

/* True when a file name is one of the text formats (Dockerfile, Containerfile,
 * *.dockerfile, Modelfile, *.modelfile, *.sh). */
int lm__deploy_text_name(const char *basename);

/* ---- shared by the readers (deploy_read.c) ---- */

struct lm_fdeploy *lm__fd_new(struct lm_dreader *r, const char *format, const char *name,
                              unsigned line, unsigned col);
int lm__fd_note(struct lm_dreader *r, unsigned line, unsigned col, const char *fmt, ...)
    LM_PRINTF(4, 5);
/* Sets field f from a scalar node (non-scalars are ignored). */
void lm__fd_set_node(struct lm_fdeploy *d, enum lm_dfield f, const struct lm_ynode *n);
void lm__fd_set(struct lm_fdeploy *d, enum lm_dfield f, const char *s, unsigned line,
                unsigned col);
/* lm__ymap_get that also follows YAML merge keys (`<<: *base`). */
const struct lm_ynode *lm__fy_get(const struct lm_ynode *map, const char *key);
/* The scalar text of map[key], or NULL. */
const char *lm__fy_str(const struct lm_ynode *map, const char *key);

/* ---- command lines (deploy_cmdline.c) ---- */

/* One argument with the position of its first character. */
struct lm_arg {
    const char *s;
    unsigned line, col;
};

struct lm_argv {
    struct lm_arg *a;
    size_t n, cap;
};

int lm__argv_push(struct lm_dreader *r, struct lm_argv *v, const char *s, size_t len,
                  unsigned line, unsigned col);
/* Splits shell text (one logical command, backslash-newlines joined) into
 * words with positions: quotes removed, $VAR kept as written. text starts at
 * line:col of the file. */
int lm__argv_shell(struct lm_dreader *r, struct lm_argv *v, const char *text, size_t len,
                   unsigned line, unsigned col);
/* The arguments of a YAML sequence of scalars (container command/args). */
int lm__argv_yaml(struct lm_dreader *r, struct lm_argv *v, const struct lm_ynode *seq);

/* Looks for a vLLM or TGI server in argv (vllm serve, python -m
 * vllm.entrypoints.openai.api_server, text-generation-launcher, or bare
 * flags when image_hint says which server the image runs) and fills d.
 * Returns 1 when one was found. */
int lm__argv_server(struct lm_dreader *r, const struct lm_argv *v, const char *image_hint,
                    struct lm_fdeploy *d);
/* Applies TGI's environment variables (MODEL_ID, QUANTIZE, NUM_SHARD,
 * MAX_TOTAL_TOKENS, CUDA_MEMORY_FRACTION) and vLLM's VLLM_ADDITIONAL_ARGS. */
int lm__env_server(struct lm_dreader *r, const char *name, const struct lm_ynode *value,
                   struct lm_fdeploy *d);
/* Which server an image runs: "vllm", "tgi", "ollama", "kserve-hf" or NULL. */
const char *lm__image_server(const char *image);

/* Reads every shell command of a script (lines, continuations, `exec`,
 * env assignments) and adds a deployment per vLLM/TGI server found. */
int lm__shell_read(struct lm_dreader *r, const char *text, size_t len, unsigned line,
                   unsigned col, const char *format, const char *name,
                   const struct lm_ynode *env);
/* The line and column where a block scalar's text starts (`run: |`). */
void lm__block_pos(const struct lm_dreader *r, const struct lm_ynode *n, unsigned *line,
                   unsigned *col);
/* The service name a file's path suggests: "deploy/chat/Dockerfile" ->
 * "chat", "serve-llama.sh" -> "serve-llama", "x.Modelfile" -> "x". */
const char *lm__file_stem(struct lm_dreader *r);

/* ---- the formats ---- */
int lm__k8s_read(struct lm_dreader *r, const struct lm_ynode *doc, int *recognised);
int lm__compose_read(struct lm_dreader *r, const struct lm_ynode *doc, int *recognised);
int lm__deploy_litellm_read(struct lm_dreader *r, const struct lm_ynode *doc, int *recognised);
int lm__skypilot_read(struct lm_dreader *r, const struct lm_ynode *doc, int *recognised);
int lm__vllm_config_read(struct lm_dreader *r, const struct lm_ynode *doc,
                         struct lm_fdeploy *d, int *recognised);
int lm__ollama_read(struct lm_dreader *r);     /* deploy_text.c */
int lm__dockerfile_read(struct lm_dreader *r); /* deploy_text.c */

#endif
