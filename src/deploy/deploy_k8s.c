/*
 * Kubernetes manifests (one document of a multi-document file or of `helm
 * template` output): Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
 * CronJob, Pod, a List of them, and KServe InferenceService.
 *
 * - The server is found in each container's command + args (vLLM, TGI,
 *   KServe's Hugging Face server) or from the image (vllm/vllm-openai,
 *   text-generation-inference), with TGI's environment variables.
 * - GPUs: `resources.limits["nvidia.com/gpu"]`. Kubernetes "Schedule GPUs"
 *   (kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus): GPUs are given
 *   in limits; requests, if given, must equal them; requests without limits
 *   are not allowed; a fraction cannot be requested. Each is a note here.
 * - The GPU type: node selector or required node affinity on
 *   `nvidia.com/gpu.product` (NVIDIA GPU Feature Discovery labels,
 *   NVIDIA/k8s-device-plugin docs/gpu-feature-discovery), GKE's
 *   `cloud.google.com/gke-accelerator`, or `node.kubernetes.io/instance-type`.
 * - KServe: spec.predictor.model.{storageUri, args, resources, runtime,
 *   modelFormat} (kserve/kserve docs/samples); hf:// URIs name the model.
 */
#include "deploy/deploy_read.h"

#include <stdlib.h>
#include <string.h>

#include "lmchoose/status.h"

static const char *const gpu_type_labels[] = {
    "nvidia.com/gpu.product", "cloud.google.com/gke-accelerator",
    "node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type", NULL
};

/* The GPU type from a pod spec's nodeSelector or required node affinity. */
static const struct lm_ynode *gpu_type(const struct lm_ynode *spec, int *cloud)
{
    const struct lm_ynode *ns = lm__fy_get(spec, "nodeSelector");
    *cloud = 0;
    for (int i = 0; gpu_type_labels[i] != NULL; i++) {
        const struct lm_ynode *v = lm__fy_get(ns, gpu_type_labels[i]);
        if (v != NULL && v->kind == LM_Y_SCALAR) {
            *cloud = i > 0;
            return v;
        }
    }
    const struct lm_ynode *terms = lm__fy_get(
        lm__fy_get(lm__fy_get(lm__fy_get(spec, "affinity"), "nodeAffinity"),
                   "requiredDuringSchedulingIgnoredDuringExecution"),
        "nodeSelectorTerms");
    if (terms == NULL || terms->kind != LM_Y_SEQ)
        return NULL;
    for (size_t t = 0; t < terms->n; t++) {
        const struct lm_ynode *ex = lm__fy_get(terms->items[t], "matchExpressions");
        for (size_t e = 0; ex != NULL && ex->kind == LM_Y_SEQ && e < ex->n; e++) {
            const char *key = lm__fy_str(ex->items[e], "key");
            const char *op = lm__fy_str(ex->items[e], "operator");
            const struct lm_ynode *vals = lm__fy_get(ex->items[e], "values");
            if (key == NULL || op == NULL || strcmp(op, "In") != 0 || vals == NULL ||
                vals->kind != LM_Y_SEQ || vals->n != 1)
                continue;
            for (int i = 0; gpu_type_labels[i] != NULL; i++)
                if (strcmp(key, gpu_type_labels[i]) == 0) {
                    *cloud = i > 0;
                    return vals->items[0];
                }
        }
    }
    return NULL;
}

/* nvidia.com/gpu from a container's resources, with the notes the
 * Kubernetes docs imply. */
static int gpu_count(struct lm_dreader *r, const struct lm_ynode *res, struct lm_fdeploy *d)
{
    const struct lm_ynode *lim = lm__fy_get(lm__fy_get(res, "limits"), "nvidia.com/gpu");
    const struct lm_ynode *req = lm__fy_get(lm__fy_get(res, "requests"), "nvidia.com/gpu");
    if (lim == NULL && req != NULL) {
        lm__fd_set_node(d, LM_D_DEVICES, req);
        return lm__fd_note(r, req->line, req->col,
                           "GPU requests require limits: Kubernetes schedules GPUs by "
                           "resources.limits[\"nvidia.com/gpu\"]");
    }
    if (lim == NULL || lim->kind != LM_Y_SCALAR)
        return LM_OK;
    const char *s = lim->text;
    int whole = s[0] != '\0';
    for (const char *p = s; *p; p++)
        whole &= *p >= '0' && *p <= '9';
    if (!whole)
        return lm__fd_note(r, lim->line, lim->col,
                           "GPU count must be a whole number, got '%s' (a fraction of a GPU "
                           "cannot be requested)", s);
    lm__fd_set_node(d, LM_D_DEVICES, lim);
    if (req != NULL && req->kind == LM_Y_SCALAR && strcmp(req->text, s) != 0)
        return lm__fd_note(r, req->line, req->col,
                           "GPU requests must equal limits (%s against %s)", req->text, s);
    return LM_OK;
}

static int read_env(struct lm_dreader *r, const struct lm_ynode *env, struct lm_fdeploy *d)
{
    for (size_t i = 0; env != NULL && env->kind == LM_Y_SEQ && i < env->n; i++) {
        const char *name = lm__fy_str(env->items[i], "name");
        const struct lm_ynode *v = lm__fy_get(env->items[i], "value");
        if (name == NULL)
            continue;
        if (v == NULL && lm__fy_get(env->items[i], "valueFrom") != NULL &&
            (strcmp(name, "MODEL_ID") == 0 || strcmp(name, "QUANTIZE") == 0)) {
            const struct lm_ynode *vf = lm__fy_get(env->items[i], "valueFrom");
            int rc = lm__fd_note(r, vf->line, vf->col,
                                 "%s comes from valueFrom (a Secret or ConfigMap); its value "
                                 "cannot be read here", name);
            if (rc != LM_OK)
                return rc;
            continue;
        }
        int rc = lm__env_server(r, name, v, d);
        if (rc != LM_OK)
            return rc;
    }
    return LM_OK;
}

/* One container (or KServe model spec) that may run a server. */
static int read_container(struct lm_dreader *r, const struct lm_ynode *c, const char *format,
                          const char *name, const char *image_hint, const struct lm_ynode *hw,
                          int cloud, const struct lm_ynode *at)
{
    struct lm_fdeploy tmp;
    memset(&tmp, 0, sizeof(tmp));
    const char *image = lm__fy_str(c, "image");
    const char *hint = image_hint ? image_hint : lm__image_server(image);
    struct lm_argv v = { NULL, 0, 0 };
    int rc = lm__argv_yaml(r, &v, lm__fy_get(c, "command"));
    if (rc == LM_OK)
        rc = lm__argv_yaml(r, &v, lm__fy_get(c, "args"));
    if (rc != LM_OK)
        return rc;
    int found = lm__argv_server(r, &v, hint, &tmp);
    if ((rc = read_env(r, lm__fy_get(c, "env"), &tmp)) != LM_OK)
        return rc;
    if (!found && hint != NULL && strcmp(hint, "tgi") == 0 && tmp.v[LM_D_MODEL].s != NULL) {
        found = 1; /* TGI configured by MODEL_ID alone */
        const struct lm_ynode *im = lm__fy_get(c, "image");
        lm__fd_set(&tmp, LM_D_RUNTIME, "tgi", im ? im->line : at->line, im ? im->col : at->col);
    }
    if (!found)
        return LM_OK;
    const struct lm_ynode *res = lm__fy_get(c, "resources");
    /* The deployment is declared by its container (or KServe model). */
    (void)at;
    struct lm_fdeploy *d = lm__fd_new(r, format, name, c->line, c->col);
    if (d == NULL)
        return LM_ENOMEM;
    tmp.format = d->format;
    tmp.name = d->name;
    tmp.line = d->line;
    tmp.col = d->col;
    *d = tmp;
    if ((rc = gpu_count(r, res, d)) != LM_OK)
        return rc;
    if (hw != NULL)
        lm__fd_set_node(d, LM_D_HARDWARE, hw);
    if (hw != NULL && cloud)
        d->placement_hint = "cloud";
    else if (d->v[LM_D_DEVICES].s != NULL)
        d->gpu_request = d->v[LM_D_DEVICES];
    return LM_OK;
}

static int read_pod(struct lm_dreader *r, const struct lm_ynode *spec, const char *name,
                    const struct lm_ynode *at)
{
    const struct lm_ynode *cs = lm__fy_get(spec, "containers");
    int cloud;
    const struct lm_ynode *hw = gpu_type(spec, &cloud);
    size_t before = r->out->n;
    for (size_t i = 0; cs != NULL && cs->kind == LM_Y_SEQ && i < cs->n; i++) {
        int rc = read_container(r, cs->items[i], "kubernetes", name, NULL, hw, cloud, at);
        if (rc != LM_OK)
            return rc;
    }
    /* Two servers in one pod: name them by container. */
    if (r->out->n > before + 1)
        for (size_t i = before, k = 0; i < r->out->n && cs != NULL; i++, k++) {
            const char *cn = k < cs->n ? lm__fy_str(cs->items[k], "name") : NULL;
            if (cn != NULL) {
                char buf[512];
                snprintf(buf, sizeof(buf), "%s/%s", name, cn);
                r->out->d[i].name = lm_arena_strdup(r->arena, buf);
                if (r->out->d[i].name == NULL)
                    return LM_ENOMEM;
            }
        }
    return LM_OK;
}

static int read_isvc(struct lm_dreader *r, const struct lm_ynode *doc, const char *name,
                     const struct lm_ynode *at)
{
    const struct lm_ynode *pred = lm__fy_get(lm__fy_get(doc, "spec"), "predictor");
    if (pred == NULL)
        return LM_OK;
    int cloud;
    const struct lm_ynode *hw = gpu_type(pred, &cloud);
    const struct lm_ynode *model = lm__fy_get(pred, "model");
    if (model == NULL) /* a custom predictor: a pod spec */
        return read_pod(r, pred, name, at);
    const char *fmt = lm__fy_str(lm__fy_get(model, "modelFormat"), "name");
    const char *rt = lm__fy_str(model, "runtime");
    const char *hint = (fmt != NULL && strcmp(fmt, "huggingface") == 0) ||
                               (rt != NULL && strstr(rt, "huggingface") != NULL)
                           ? "kserve-hf"
                           : lm__image_server(lm__fy_str(model, "image"));
    size_t before = r->out->n;
    int rc = read_container(r, model, "kserve", name, hint, hw, cloud, at);
    if (rc != LM_OK)
        return rc;
    if (r->out->n == before) {
        /* Not a server lmchoose knows (sklearn, triton, ...): nothing to
         * judge. */
        return LM_OK;
    }
    struct lm_fdeploy *d = &r->out->d[r->out->n - 1];
    const struct lm_ynode *uri = lm__fy_get(model, "storageUri");
    if (d->v[LM_D_MODEL].s == NULL && uri != NULL && uri->kind == LM_Y_SCALAR) {
        lm__fd_set_node(d, LM_D_MODEL, uri);
        if (strncmp(uri->text, "hf://", 5) == 0)
            d->v[LM_D_MODEL].s = uri->text + 5;
    }
    return LM_OK;
}

/* The pod spec of a workload kind, or NULL. */
static const struct lm_ynode *pod_spec(const struct lm_ynode *doc, const char *kind)
{
    const struct lm_ynode *spec = lm__fy_get(doc, "spec");
    if (strcmp(kind, "Pod") == 0)
        return spec;
    if (strcmp(kind, "CronJob") == 0)
        return lm__fy_get(lm__fy_get(lm__fy_get(lm__fy_get(spec, "jobTemplate"), "spec"),
                                     "template"), "spec");
    static const char *const kinds[] = { "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                                         "Job", "ReplicationController", NULL };
    for (int i = 0; kinds[i] != NULL; i++)
        if (strcmp(kind, kinds[i]) == 0)
            return lm__fy_get(lm__fy_get(spec, "template"), "spec");
    return NULL;
}

static int k8s_doc(struct lm_dreader *r, const struct lm_ynode *doc, int depth)
{
    const char *kind = lm__fy_str(doc, "kind");
    if (kind == NULL || depth > 4)
        return LM_OK;
    const char *name = lm__fy_str(lm__fy_get(doc, "metadata"), "name");
    const struct lm_ynode *at = lm__fy_get(doc, "kind");
    if (name == NULL)
        name = kind;
    if (strcmp(kind, "List") == 0) {
        const struct lm_ynode *items = lm__fy_get(doc, "items");
        for (size_t i = 0; items != NULL && items->kind == LM_Y_SEQ && i < items->n; i++) {
            int rc = k8s_doc(r, items->items[i], depth + 1);
            if (rc != LM_OK)
                return rc;
        }
        return LM_OK;
    }
    if (strcmp(kind, "InferenceService") == 0) {
        /* A file of KServe objects is a KServe file. */
        if (r->out->n == 0)
            r->out->format = "kserve";
        return read_isvc(r, doc, name, at);
    }
    const struct lm_ynode *spec = pod_spec(doc, kind);
    return spec != NULL ? read_pod(r, spec, name, at) : LM_OK;
}

int lm__k8s_read(struct lm_dreader *r, const struct lm_ynode *doc, int *recognised)
{
    *recognised = lm__fy_str(doc, "apiVersion") != NULL && lm__fy_str(doc, "kind") != NULL;
    if (!*recognised)
        return LM_OK;
    if (r->out->format == NULL)
        r->out->format = "kubernetes";
    return k8s_doc(r, doc, 0);
}
