/*
 * docker-compose files: each service under `services:` whose command,
 * entrypoint, image or environment runs vLLM or TGI. GPUs are the Compose
 * specification's device reservations (docs.docker.com/compose/how-tos/gpu-support:
 * deploy.resources.reservations.devices[] with `capabilities: [gpu]`,
 * `count` (a number or `all`) or `device_ids`) or the `gpus:` attribute.
 * Anchors and merge keys (`<<: *gpu`) are followed (lm__fy_get).
 */
#include "deploy/deploy_read.h"

#include <stdlib.h>
#include <string.h>

#include "lmchoose/status.h"

static int read_env(struct lm_dreader *r, const struct lm_ynode *env, struct lm_fdeploy *d)
{
    if (env == NULL)
        return LM_OK;
    if (env->kind == LM_Y_MAP) {
        for (size_t i = 0; i < env->n; i++) {
            const struct lm_ynode *k = env->items[2 * i];
            int rc = lm__env_server(r, k->text, env->items[2 * i + 1], d);
            if (rc != LM_OK)
                return rc;
        }
        return LM_OK;
    }
    for (size_t i = 0; env->kind == LM_Y_SEQ && i < env->n; i++) {
        const struct lm_ynode *it = env->items[i];
        const char *eq = it->kind == LM_Y_SCALAR ? strchr(it->text, '=') : NULL;
        if (eq == NULL)
            continue;
        char name[128];
        snprintf(name, sizeof(name), "%.*s", (int)(eq - it->text), it->text);
        struct lm_ynode val = *it;
        val.text = eq + 1;
        val.len = strlen(val.text);
        val.col = it->col + (unsigned)(eq + 1 - it->text) +
                  (it->style == LM_YS_SINGLE || it->style == LM_YS_DOUBLE);
        int rc = lm__env_server(r, name, &val, d);
        if (rc != LM_OK)
            return rc;
    }
    return LM_OK;
}

static void read_gpus(const struct lm_ynode *svc, struct lm_fdeploy *d)
{
    const struct lm_ynode *devs = lm__fy_get(
        lm__fy_get(lm__fy_get(lm__fy_get(svc, "deploy"), "resources"), "reservations"),
        "devices");
    for (size_t i = 0; devs != NULL && devs->kind == LM_Y_SEQ && i < devs->n; i++) {
        const struct lm_ynode *dev = devs->items[i];
        const struct lm_ynode *count = lm__fy_get(dev, "count");
        const struct lm_ynode *ids = lm__fy_get(dev, "device_ids");
        if (count != NULL && count->kind == LM_Y_SCALAR) {
            if (strcmp(count->text, "all") == 0)
                d->gpu_request = (struct lm_dval){ count->text, count->line, count->col, NULL };
            else
                lm__fd_set_node(d, LM_D_DEVICES, count);
        } else if (ids != NULL && ids->kind == LM_Y_SEQ && ids->n > 0) {
            static const char *const counts[] = { "1", "2", "3", "4", "5", "6", "7", "8" };
            if (ids->n <= 8)
                lm__fd_set(d, LM_D_DEVICES, counts[ids->n - 1], ids->line, ids->col);
        } else if (lm__fy_get(dev, "capabilities") != NULL) {
            const struct lm_ynode *c = lm__fy_get(dev, "capabilities");
            d->gpu_request = (struct lm_dval){ "all", c->line, c->col, NULL };
        }
        if (d->gpu_request.s == NULL && d->v[LM_D_DEVICES].s != NULL)
            d->gpu_request = d->v[LM_D_DEVICES];
    }
    const struct lm_ynode *g = lm__fy_get(svc, "gpus");
    if (g != NULL && g->kind == LM_Y_SCALAR && d->gpu_request.s == NULL)
        d->gpu_request = (struct lm_dval){ g->text, g->line, g->col, NULL };
}

int lm__compose_read(struct lm_dreader *r, const struct lm_ynode *doc, int *recognised)
{
    const struct lm_ynode *svcs = lm__fy_get(doc, "services");
    *recognised = svcs != NULL && svcs->kind == LM_Y_MAP;
    if (!*recognised)
        return LM_OK;
    if (r->out->format == NULL)
        r->out->format = "compose";
    for (size_t i = 0; i < svcs->n; i++) {
        const struct lm_ynode *key = svcs->items[2 * i], *svc = svcs->items[2 * i + 1];
        if (svc->kind != LM_Y_MAP || key->kind != LM_Y_SCALAR)
            continue;
        struct lm_fdeploy tmp;
        memset(&tmp, 0, sizeof(tmp));
        const char *hint = lm__image_server(lm__fy_str(svc, "image"));
        struct lm_argv v = { NULL, 0, 0 };
        int rc = lm__argv_yaml(r, &v, lm__fy_get(svc, "entrypoint"));
        if (rc == LM_OK)
            rc = lm__argv_yaml(r, &v, lm__fy_get(svc, "command"));
        if (rc != LM_OK)
            return rc;
        int found = lm__argv_server(r, &v, hint, &tmp);
        if ((rc = read_env(r, lm__fy_get(svc, "environment"), &tmp)) != LM_OK)
            return rc;
        if (!found && hint != NULL && strcmp(hint, "tgi") == 0 && tmp.v[LM_D_MODEL].s != NULL) {
            found = 1;
            const struct lm_ynode *im = lm__fy_get(svc, "image");
            lm__fd_set(&tmp, LM_D_RUNTIME, "tgi", im->line, im->col);
        }
        if (!found)
            continue;
        struct lm_fdeploy *d = lm__fd_new(r, "compose", key->text, key->line, key->col);
        if (d == NULL)
            return LM_ENOMEM;
        tmp.format = d->format;
        tmp.name = d->name;
        tmp.line = d->line;
        tmp.col = d->col;
        *d = tmp;
        read_gpus(svc, d);
    }
    return LM_OK;
}
