/*
 * LiteLLM proxy config.yaml (BerriAI/litellm docs/my-website/docs/proxy/configs.md):
 * every `model_list` entry is a deployment; `litellm_params.model` is
 * `<provider>/<model id>` and `model_name` the name clients use. The region
 * of a hosted API comes from the deployment: Bedrock cross-region inference
 * profiles prefix the model id with `eu.`, `us.` or `apac.`
 * (docs.aws.amazon.com/bedrock/latest/userguide/cross-region-inference.html),
 * `aws_region_name` / `vertex_location` name a cloud region. API keys are
 * never read or printed.
 */
#include "deploy/deploy_read.h"

#include <stdlib.h>
#include <string.h>

#include "deploy/deploy_names.h"
#include "lmchoose/status.h"

int lm__deploy_litellm_read(struct lm_dreader *r, const struct lm_ynode *doc, int *recognised)
{
    const struct lm_ynode *list = lm__fy_get(doc, "model_list");
    *recognised = list != NULL && list->kind == LM_Y_SEQ;
    if (!*recognised)
        return LM_OK;
    if (r->out->format == NULL)
        r->out->format = "litellm";
    for (size_t i = 0; i < list->n; i++) {
        const struct lm_ynode *e = list->items[i];
        const struct lm_ynode *params = lm__fy_get(e, "litellm_params");
        const struct lm_ynode *m = lm__fy_get(params, "model");
        if (m == NULL || m->kind != LM_Y_SCALAR)
            continue;
        const char *name = lm__fy_str(e, "model_name");
        /* A server of one's own behind the proxy (ollama/, hosted_vllm/, or
         * an OpenAI-compatible api_base) is judged from its own deployment
         * file, not here. */
        const char *slash0 = strchr(m->text, '/');
        const char *api_base = lm__fy_str(params, "api_base");
        if (slash0 != NULL) {
            char prov0[64];
            snprintf(prov0, sizeof(prov0), "%.*s", (int)(slash0 - m->text), m->text);
            int self_hosted = 0;
            lm__name_provider(prov0, &self_hosted);
            if (self_hosted || (strcmp(prov0, "openai") == 0 && api_base != NULL &&
                                strstr(api_base, "api.openai.com") == NULL))
                continue;
        }
        struct lm_fdeploy *d = lm__fd_new(r, "litellm", name ? name : m->text, e->line, e->col);
        if (d == NULL)
            return LM_ENOMEM;
        unsigned mcol = m->col + (m->style == LM_YS_SINGLE || m->style == LM_YS_DOUBLE);
        const char *slash = strchr(m->text, '/');
        const char *model = m->text;
        if (slash != NULL) {
            char *prov = lm_arena_strndup(r->arena, m->text, (size_t)(slash - m->text));
            if (prov == NULL)
                return LM_ENOMEM;
            lm__fd_set(d, LM_D_PROVIDER, prov, m->line, mcol);
            model = slash + 1;
        }
        unsigned off = (unsigned)(model - m->text);
        static const char *const geo[] = { "eu.", "us.", "apac.", "us-gov.", NULL };
        for (int g = 0; geo[g] != NULL; g++) {
            size_t gl = strlen(geo[g]);
            if (strncmp(model, geo[g], gl) == 0) {
                char *reg = lm_arena_strndup(r->arena, model, gl - 1);
                if (reg == NULL)
                    return LM_ENOMEM;
                lm__fd_set(d, LM_D_REGION, reg, m->line, mcol + off);
                model += gl;
                off += (unsigned)gl;
                break;
            }
        }
        lm__fd_set(d, LM_D_MODEL, model, m->line, mcol + off);
        static const char *const region_keys[] = { "aws_region_name", "vertex_location",
                                                   "region_name", NULL };
        for (int k = 0; region_keys[k] != NULL && d->v[LM_D_REGION].s == NULL; k++)
            lm__fd_set_node(d, LM_D_REGION, lm__fy_get(params, region_keys[k]));
        lm__fd_set_node(d, LM_D_API_BASE, lm__fy_get(params, "api_base"));
    }
    return LM_OK;
}
