/*
 * Names in deployment files -> catalog ids (deploy_names.c). The single call
 * site check.c uses until the catalog's alias lookup (DESIGN §9.7) lands.
 */
#ifndef LMCHOOSE_DEPLOY_NAMES_H
#define LMCHOOSE_DEPLOY_NAMES_H

#include <stddef.h>

#include "lmchoose/catalog.h"

struct lm_name_model {
    const struct lm_model *model;
    const char *quant_hint; /* a quantization written in the name, or NULL */
    int gguf;               /* the name says GGUF without a quantization */
    char why[384];          /* when unresolved */
};

/* 1 when raw names exactly one catalog model, else 0 with out->why. */
int lm__name_model(const struct lm_catalog *cat, const char *raw, struct lm_name_model *out);
/* GPU product labels, GKE accelerators, SkyPilot names, AWS instance types. */
int lm__name_hardware(const struct lm_catalog *cat, const char *raw, const char **id,
                      char *why, size_t cap);
/* The catalog quantization of a serving flag (quant), a dtype, or a hint
 * from the model name; runtime is vllm, tgi or ollama. */
int lm__name_quant(const struct lm_catalog *cat, const char *runtime, const char *quant,
                   const char *dtype, const char *hint, const char **id, char *why, size_t cap);
/* The catalog provider of a LiteLLM provider prefix, or NULL; *self_hosted
 * is set for prefixes that name a server of one's own (ollama, hosted_vllm). */
const char *lm__name_provider(const char *raw, int *self_hosted);

#endif
