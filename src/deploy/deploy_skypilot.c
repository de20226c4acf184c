/*
 * SkyPilot task YAML (docs.skypilot.co/en/latest/reference/yaml-spec.html):
 * `resources.accelerators` as `H100:2`, `{H100: 2}` or a list/set of
 * candidates (one candidate only is read; several are a note), `envs:` and
 * the `run:` script, where the vLLM or TGI command line is.
 */
#include "deploy/deploy_read.h"

#include <stdlib.h>
#include <string.h>

#include "lmchoose/status.h"

int lm__skypilot_read(struct lm_dreader *r, const struct lm_ynode *doc, int *recognised)
{
    const struct lm_ynode *res = lm__fy_get(doc, "resources");
    const struct lm_ynode *run = lm__fy_get(doc, "run");
    *recognised = res != NULL && res->kind == LM_Y_MAP &&
                  (run != NULL || lm__fy_get(res, "accelerators") != NULL);
    if (!*recognised)
        return LM_OK;
    if (r->out->format == NULL)
        r->out->format = "skypilot";
    const char *name = lm__fy_str(doc, "name");
    if (name == NULL)
        name = lm__file_stem(r);
    size_t before = r->out->n;
    if (run != NULL && run->kind == LM_Y_SCALAR) {
        unsigned line = run->line, col = run->col;
        if (run->style == LM_YS_BLOCK)
            lm__block_pos(r, run, &line, &col);
        int rc = lm__shell_read(r, run->text, run->len, line, col, "skypilot", name,
                                lm__fy_get(doc, "envs"));
        if (rc != LM_OK)
            return rc;
    }
    if (r->out->n == before)
        return LM_OK; /* a task that serves no model lmchoose knows */
    const struct lm_ynode *acc = lm__fy_get(res, "accelerators");
    const struct lm_ynode *one = NULL;
    struct lm_dval hw = { NULL, 0, 0, NULL }, dev = { NULL, 0, 0, NULL };
    if (acc != NULL && acc->kind == LM_Y_SCALAR) {
        one = acc;
    } else if (acc != NULL && acc->kind == LM_Y_MAP && acc->n == 1) {
        const struct lm_ynode *k = acc->items[0], *c = acc->items[1];
        hw = (struct lm_dval){ k->text, k->line, k->col, NULL };
        if (c->kind == LM_Y_SCALAR && !lm__ynode_is_null(c))
            dev = (struct lm_dval){ c->text, c->line, c->col, NULL };
    } else if (acc != NULL && acc->kind == LM_Y_SEQ && acc->n == 1 &&
               acc->items[0]->kind == LM_Y_SCALAR) {
        one = acc->items[0];
    } else if (acc != NULL) {
        int rc = lm__fd_note(r, acc->line, acc->col,
                             "several candidate accelerators: lmchoose judges one; name it in "
                             ".lmchoose.yaml (deployment.hardware)");
        if (rc != LM_OK)
            return rc;
    }
    if (one != NULL) {
        unsigned col = one->col + (one->style == LM_YS_SINGLE || one->style == LM_YS_DOUBLE);
        const char *colon = strchr(one->text, ':');
        if (colon != NULL) {
            char *h = lm_arena_strndup(r->arena, one->text, (size_t)(colon - one->text));
            if (h == NULL)
                return LM_ENOMEM;
            hw = (struct lm_dval){ h, one->line, col, NULL };
            dev = (struct lm_dval){ colon + 1, one->line, col + (unsigned)(colon + 1 - one->text), NULL };
        } else {
            hw = (struct lm_dval){ one->text, one->line, col, NULL };
        }
    }
    for (size_t i = before; i < r->out->n; i++) {
        struct lm_fdeploy *d = &r->out->d[i];
        d->placement_hint = "cloud"; /* SkyPilot provisions cloud machines */
        if (hw.s != NULL)
            d->v[LM_D_HARDWARE] = hw;
        if (dev.s != NULL)
            d->v[LM_D_DEVICES] = dev;
        else if (hw.s != NULL)
            lm__fd_set(d, LM_D_DEVICES, "1", hw.line, hw.col);
    }
    return LM_OK;
}
