/*
 * The dispatcher of the deployment readers (deploy_read.h): which format a
 * file or YAML document is. A document that matches no format is not an
 * error: the file is skipped, as checkov and kube-linter skip what they do
 * not understand. The helpers the readers share are in deploy_common.c.
 */
#include "deploy/deploy_read.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lmchoose/status.h"

int lm__deploy_text_name(const char *b)
{
    size_t n = strlen(b);
    return strcmp(b, "Dockerfile") == 0 || strcmp(b, "Containerfile") == 0 ||
           strncmp(b, "Dockerfile.", 11) == 0 || strcmp(b, "Modelfile") == 0 ||
           strncmp(b, "Modelfile.", 10) == 0 ||
           (n > 11 && strcasecmp(b + n - 11, ".dockerfile") == 0) ||
           (n > 10 && strcasecmp(b + n - 10, ".modelfile") == 0) ||
           (n > 3 && strcmp(b + n - 3, ".sh") == 0);
}

int lm__deploy_read_text(struct lm_dreader *r, const char *b)
{
    size_t n = strlen(b);
    if (strcmp(b, "Modelfile") == 0 || strncmp(b, "Modelfile.", 10) == 0 ||
        (n > 10 && strcasecmp(b + n - 10, ".modelfile") == 0))
        return lm__ollama_read(r);
    if (n > 3 && strcmp(b + n - 3, ".sh") == 0) {
        /* The service is named after the script, without ".sh". */
        char stem[256];
        snprintf(stem, sizeof(stem), "%.*s", (int)(n - 3), b);
        int rc = lm__shell_read(r, r->buf, r->len, 1, 1, "shell", stem, NULL);
        if (rc == LM_OK && r->out->n > 0)
            r->out->format = "shell";
        return rc;
    }
    return lm__dockerfile_read(r);
}

int lm__deploy_read_yaml(struct lm_dreader *r, struct lm_ynode **docs, size_t ndocs)
{
    int rc = LM_OK;
    for (size_t i = 0; i < ndocs && rc == LM_OK; i++) {
        const struct lm_ynode *doc = docs[i];
        int rec = 0;
        if (doc->kind != LM_Y_MAP)
            continue;
        if ((rc = lm__k8s_read(r, doc, &rec)) != LM_OK || rec)
            continue;
        if ((rc = lm__compose_read(r, doc, &rec)) != LM_OK || rec)
            continue;
        if ((rc = lm__deploy_litellm_read(r, doc, &rec)) != LM_OK || rec)
            continue;
        if ((rc = lm__skypilot_read(r, doc, &rec)) != LM_OK || rec)
            continue;
        rc = lm__vllm_config_read(r, doc, NULL, &rec);
    }
    return rc;
}
