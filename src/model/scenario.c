/*
 * Scenario loading (DESIGN §3.2): field tables for every block, the defaults
 * of §3.2, and the checks that need more than one field (version, priorities
 * not all zero, region syntax, waiver dates). Ids that name catalog entries
 * (constraints.hardware, deployment.*) and rule ids (rules.disable,
 * rules.waive) are checked by the commands, which have the catalog and the
 * rule set; the positions they need are recorded here.
 */
#include "lmchoose/scenario.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lmchoose/status.h"
#include "model/schema.h"
#include "util/strutil.h"
#include "io/ynode.h"

const char *const lm_privacy_names[LM_PRIV_COUNT + 1] = {
    "public", "no-training", "zero-retention", "region", "private-cloud",
    "on-prem", "on-device", "air-gapped", NULL
};
const char *const lm_task_kind_names[LM_TASK_COUNT + 1] = {
    "chat", "classification", "extraction", "summarization", "code",
    "reasoning", "translation", "rag", "agent", NULL
};
const char *const lm_breadth_names[3] = { "narrow", "broad", NULL };
const char *const lm_subscore_names[LM_S_COUNT + 1] = {
    "quality", "cost", "latency", "privacy", "fit", "simplicity", NULL
};

static const char *const modality_values[] = { "text", "image", "audio", "video", NULL };

#define F(key, type, st, member, flags, min, max) \
    { key, type, offsetof(st, member), flags, min, max, NULL, NULL, NULL }
#define FE(key, type, st, member, values) \
    { key, type, offsetof(st, member), 0, 0, 0, values, NULL, NULL }
/* Nested blocks keep absolute offsets into the scenario: the sub-table's
 * fields are offsetof(struct lm_scenario, block.field), so the block itself
 * is entered at offset 0. */
#define FM(key, sub) { key, LM_F_MAP, 0, 0, 0, 0, NULL, sub, NULL }
#define FC(key, fn) { key, LM_F_CUSTOM, 0, 0, 0, 0, NULL, NULL, fn }
/* A custom field that reads a mapping, or a list of mappings, by sub. */
#define FCS(key, fn, sub) { key, LM_F_CUSTOM, 0, 0, 0, 0, NULL, sub, fn }
#define NF(t) (sizeof(t) / sizeof((t)[0]))
#define SC struct lm_scenario

static const struct lm_field task_fields[] = {
    { "kind", LM_F_ENUM, offsetof(SC, task.kind), LM_FF_REQUIRED, 0, 0, lm_task_kind_names, NULL, NULL },
    FE("breadth", LM_F_ENUM, SC, task.breadth, lm_breadth_names),
    FE("modalities", LM_F_STRLIST, SC, task.modalities, modality_values),
    F("context_tokens", LM_F_INT, SC, task.context_tokens, 0, 1, 1e8),
};
static const struct lm_schema task_schema = { task_fields, NF(task_fields) };

static const struct lm_field workload_fields[] = {
    F("requests_per_day", LM_F_NUM, SC, workload.requests_per_day, 0, 0, 1e10),
    F("input_tokens", LM_F_INT, SC, workload.input_tokens, 0, 1, 1e8),
    F("output_tokens", LM_F_INT, SC, workload.output_tokens, 0, 1, 1e8),
    F("peak_concurrency", LM_F_INT, SC, workload.peak_concurrency, 0, 1, 1e6),
    F("window_hours", LM_F_NUM, SC, workload.window_hours, LM_FF_MIN_OPEN, 0, 24),
};
static const struct lm_schema workload_schema = { workload_fields, NF(workload_fields) };

static const struct lm_field latency_fields[] = {
    F("ttft_ms", LM_F_NUM, SC, constraints.latency.ttft_ms, LM_FF_MIN_OPEN, 0, 1e6),
    F("output_tokens_per_s", LM_F_NUM, SC, constraints.latency.output_tokens_per_s, LM_FF_MIN_OPEN, 0, 1e5),
};
static const struct lm_schema latency_schema = { latency_fields, NF(latency_fields) };

static const struct lm_field budget_fields[] = {
    F("usd_per_month", LM_F_NUM, SC, constraints.budget.usd_per_month, 0, 0, 1e7),
    F("finetune_usd", LM_F_NUM, SC, constraints.budget.finetune_usd, 0, 0, 1e7),
};
static const struct lm_schema budget_schema = { budget_fields, NF(budget_fields) };

static const struct lm_field data_fields[] = {
    F("labeled_examples", LM_F_INT, SC, constraints.data.labeled_examples, 0, 0, 1e10),
};
static const struct lm_schema data_schema = { data_fields, NF(data_fields) };

static const struct lm_field quality_fields[] = {
    F("min_score", LM_F_NUM, SC, constraints.quality.min_score, 0, 0, 100),
};
static const struct lm_schema quality_schema = { quality_fields, NF(quality_fields) };

static const struct lm_field license_fields[] = {
    F("commercial", LM_F_BOOL, SC, constraints.license.commercial, 0, 0, 0),
};
static const struct lm_schema license_schema = { license_fields, NF(license_fields) };

/* constraints.hardware: ids (checked later against the catalog) and where
 * each was written. */
static int read_hardware(struct lm_sctx *c, const struct lm_ynode *v, void *obj)
{
    SC *sc = obj;
    if (lm__strlist(c, "hardware", v, NULL, &sc->constraints.hardware) != 0)
        return -1;
    sc->constraints.hardware_set = 1;
    if (v->n == 0) {
        lm__schema_error(c, v, "'hardware' must list at least one hardware id (omit it to allow every profile)");
        return -1;
    }
    sc->constraints.hardware_pos = lm_arena_alloc(c->arena, v->n * sizeof(struct lm_loc));
    if (sc->constraints.hardware_pos == NULL)
        return -1;
    /* Line and column kept whole: packing them into one unsigned wrapped
     * lines above 65 535 (issue 15). */
    for (size_t i = 0; i < v->n && i < sc->constraints.hardware.n; i++) {
        sc->constraints.hardware_pos[i].file = NULL;
        sc->constraints.hardware_pos[i].line = v->items[i]->line;
        sc->constraints.hardware_pos[i].col = v->items[i]->col;
    }
    return 0;
}

/* constraints.owned: [{hardware: ID, count: N}] (DESIGN §9.2). The ids are
 * checked against the catalog by the commands, like constraints.hardware. */
static const struct lm_field owned_fields[] = {
    { "hardware", LM_F_STR, offsetof(struct lm_owned, hardware), LM_FF_REQUIRED, 0, 0, NULL, NULL, NULL },
    { "count", LM_F_INT, offsetof(struct lm_owned, count), 0, 1, 1e6, NULL, NULL, NULL },
};
static const struct lm_schema owned_schema = { owned_fields, NF(owned_fields) };

static int read_owned(struct lm_sctx *c, const struct lm_ynode *v, void *obj)
{
    SC *sc = obj;
    if (v->kind != LM_Y_SEQ) {
        lm__schema_error(c, v, "'owned' must be a list of {hardware, count}, not a %s",
                         lm__node_kind_name(v));
        return -1;
    }
    sc->constraints.owned = v->n ? lm_arena_alloc(c->arena, v->n * sizeof(*sc->constraints.owned)) : NULL;
    if (v->n && sc->constraints.owned == NULL)
        return -1;
    for (size_t i = 0; i < v->n; i++) {
        struct lm_owned *o = &sc->constraints.owned[sc->constraints.nowned++];
        o->hardware = NULL;
        o->count = (double)NAN;
        const struct lm_ynode *it = v->items[i];
        lm__schema_map(c, it, &owned_schema, o);
        if (isnan(o->count))
            o->count = 1;
        const struct lm_ynode *hn = lm__ymap_get(it, "hardware");
        if (hn != NULL) {
            o->line = hn->line;
            o->col = hn->col;
        }
        for (size_t k = 0; k + 1 < sc->constraints.nowned && o->hardware != NULL; k++)
            if (sc->constraints.owned[k].hardware != NULL &&
                strcmp(sc->constraints.owned[k].hardware, o->hardware) == 0)
                lm__schema_error(c, hn, "hardware '%s' is listed twice in 'owned' (give one count)",
                                 o->hardware);
    }
    sc->constraints.owned_ids.items =
        v->n ? lm_arena_alloc(c->arena, v->n * sizeof(*sc->constraints.owned_ids.items)) : NULL;
    if (v->n && sc->constraints.owned_ids.items == NULL)
        return -1;
    for (size_t i = 0; i < sc->constraints.nowned; i++)
        if (sc->constraints.owned[i].hardware != NULL)
            sc->constraints.owned_ids.items[sc->constraints.owned_ids.n++] =
                sc->constraints.owned[i].hardware;
    return 0;
}

static const struct lm_field constraints_fields[] = {
    FC("hardware", read_hardware),
    F("memory_gib", LM_F_NUM, SC, constraints.memory_gib, LM_FF_MIN_OPEN, 0, 1e5),
    FM("latency", &latency_schema),
    FM("budget", &budget_schema),
    FE("privacy", LM_F_ENUM, SC, constraints.privacy, lm_privacy_names),
    F("region", LM_F_STR, SC, constraints.region, 0, 0, 0),
    FM("data", &data_schema),
    FM("quality", &quality_schema),
    FM("license", &license_schema),
    F("offline", LM_F_BOOL, SC, constraints.offline, 0, 0, 0),
    FC("owned", read_owned),
    F("self_hosted", LM_F_BOOL, SC, constraints.self_hosted, 0, 0, 0),
};
static const struct lm_schema constraints_schema = { constraints_fields, NF(constraints_fields) };

static const struct lm_field priorities_fields[] = {
#define P(name, idx) { name, LM_F_NUM, offsetof(SC, priorities) + (idx) * sizeof(double), 0, 0, 10, NULL, NULL, NULL }
    P("quality", LM_S_QUALITY), P("cost", LM_S_COST), P("latency", LM_S_LATENCY),
    P("privacy", LM_S_PRIVACY), P("fit", LM_S_FIT), P("simplicity", LM_S_SIMPLICITY),
#undef P
};
static const struct lm_schema priorities_schema = { priorities_fields, NF(priorities_fields) };

static const struct lm_field assumptions_fields[] = {
    F("usd_per_kwh", LM_F_NUM, SC, assumptions.usd_per_kwh, 0, 0, 10),
    F("amortization_months", LM_F_NUM, SC, assumptions.amortization_months, 0, 1, 240),
    F("target_utilization", LM_F_NUM, SC, assumptions.target_utilization, LM_FF_MIN_OPEN, 0, 1),
    F("scale_to_zero", LM_F_BOOL, SC, assumptions.scale_to_zero, 0, 0, 0),
};
static const struct lm_schema assumptions_schema = { assumptions_fields, NF(assumptions_fields) };

/* A YYYY-MM-DD date that exists in the proleptic Gregorian calendar. */
static int valid_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    return 1;
}

static const struct lm_field waiver_fields[] = {
    { "rule", LM_F_STR, offsetof(struct lm_waiver, rule), LM_FF_REQUIRED, 0, 0, NULL, NULL, NULL },
    { "reason", LM_F_STR, offsetof(struct lm_waiver, reason), LM_FF_REQUIRED, 0, 0, NULL, NULL, NULL },
    { "expires", LM_F_STR, offsetof(struct lm_waiver, expires), LM_FF_REQUIRED, 0, 0, NULL, NULL, NULL },
};
static const struct lm_schema waiver_schema = { waiver_fields, NF(waiver_fields) };

static int read_waive(struct lm_sctx *c, const struct lm_ynode *v, void *obj)
{
    SC *sc = obj;
    if (v->kind != LM_Y_SEQ) {
        lm__schema_error(c, v, "'waive' must be a list, not a %s", lm__node_kind_name(v));
        return -1;
    }
    sc->rules.waive = v->n ? lm_arena_alloc(c->arena, v->n * sizeof(*sc->rules.waive)) : NULL;
    if (v->n && sc->rules.waive == NULL)
        return -1;
    for (size_t i = 0; i < v->n; i++) {
        struct lm_waiver *w = &sc->rules.waive[sc->rules.nwaive++];
        const struct lm_ynode *it = v->items[i];
        lm__schema_map(c, it, &waiver_schema, w);
        const struct lm_ynode *rn = lm__ymap_get(it, "rule");
        if (rn != NULL) {
            w->line = rn->line;
            w->col = rn->col;
        }
        /* A waiver is an auditable decision: an empty or blank reason
         * (reason: "") waives as silently as a null one would. */
        if (w->reason != NULL && w->reason[strspn(w->reason, " \t\r\n")] == '\0')
            lm__schema_error(c, lm__ymap_get(it, "reason"),
                             "'reason' must say why the finding is waived; it is empty");
        /* YAML 1.1 would read 2027-03-31 as a timestamp; here it is text,
         * checked as a calendar date. */
        if (w->expires != NULL && !valid_date(w->expires))
            lm__schema_error(c, lm__ymap_get(it, "expires"),
                             "'expires' must be a date YYYY-MM-DD, got '%s'", w->expires);
    }
    return 0;
}

static const struct lm_field rules_fields[] = {
    F("disable", LM_F_STRLIST, SC, rules.disable, 0, 0, 0),
    FCS("waive", read_waive, &waiver_schema),
};
static const struct lm_schema rules_schema = { rules_fields, NF(rules_fields) };

static const char *const deploy_placements[] = { "device", "on-prem", "cloud", NULL };

static const struct lm_field deployment_fields[] = {
    F("model", LM_F_STR, SC, deployment.model, 0, 0, 0),
    F("from", LM_F_STR, SC, deployment.from, 0, 0, 0),
    F("name", LM_F_STR, SC, deployment.from_name, 0, 0, 0),
    F("provider", LM_F_STR, SC, deployment.provider, 0, 0, 0),
    F("quantization", LM_F_STR, SC, deployment.quantization, 0, 0, 0),
    F("hardware", LM_F_STR, SC, deployment.hardware, 0, 0, 0),
    F("devices", LM_F_INT, SC, deployment.devices, 0, 1, 64),
    F("placement", LM_F_STR, SC, deployment.placement, 0, 0, 0),
    F("runtime", LM_F_STR, SC, deployment.runtime, 0, 0, 0),
};
static const struct lm_schema deployment_schema = { deployment_fields, NF(deployment_fields) };

static int read_deployment(struct lm_sctx *c, const struct lm_ynode *v, void *obj)
{
    SC *sc = obj;
    if (v->kind != LM_Y_MAP) {
        lm__schema_error(c, v, "'deployment' must be a mapping, not a %s", lm__node_kind_name(v));
        return -1;
    }
    size_t plen = strlen(c->path);
    snprintf(c->path + plen, sizeof(c->path) - plen, "%sdeployment", plen ? "." : "");
    lm__schema_map(c, v, &deployment_schema, sc);
    c->path[plen] = '\0';
    sc->deployment.present = 1;
    /* `from: FILE` (and `name: SERVICE`) point at the real deployment file
     * (DESIGN §6.3); the keys given beside it are a copy check compares. */
    if (sc->deployment.model == NULL && sc->deployment.from == NULL) {
        /* Required unless `from:` names the file that holds it: a null never
         * stands in for it (issue 15). */
        const struct lm_ynode *mn = lm__ymap_get(v, "model");
        if (mn != NULL && lm__ynode_is_null(mn))
            lm__schema_error(c, mn, "'model' is required and cannot be null");
        else
            lm__schema_error(c, v, "missing required key 'model'");
        return 0;
    }
    if (sc->deployment.from_name != NULL && sc->deployment.from == NULL)
        lm__schema_error(c, lm__ymap_get(v, "name"), "'name' needs 'from' (the deployment file it names a service of)");
    if (sc->deployment.from != NULL)
        return 0;
    const struct lm_ynode *pl = lm__ymap_get(v, "placement");
    if (sc->deployment.placement != NULL) {
        int idx;
        lm__scalar_enum(c, "placement", pl, deploy_placements, &idx);
    }
    if (sc->deployment.hardware != NULL && sc->deployment.quantization == NULL)
        lm__schema_error(c, v, "missing required key 'quantization' (required with 'hardware')");
    if (sc->deployment.hardware == NULL &&
        (sc->deployment.quantization != NULL || sc->deployment.placement != NULL ||
         sc->deployment.runtime != NULL || !isnan(sc->deployment.devices)))
        lm__schema_error(c, v, "'quantization', 'placement', 'runtime' and 'devices' need 'hardware' "
                               "(without it the deployment is an API candidate)");
    return 0;
}

static const struct lm_field scenario_fields[] = {
    { "lmchoose", LM_F_INT, offsetof(SC, version), LM_FF_REQUIRED, 0, 1e6, NULL, NULL, NULL },
    { "task", LM_F_MAP, 0, LM_FF_REQUIRED, 0, 0, NULL, &task_schema, NULL },
    FM("workload", &workload_schema),
    FM("constraints", &constraints_schema),
    FM("priorities", &priorities_schema),
    FM("assumptions", &assumptions_schema),
    FM("rules", &rules_schema),
    FCS("deployment", read_deployment, &deployment_schema),
};
static const struct lm_schema scenario_schema = { scenario_fields, NF(scenario_fields) };

static const char *text_modality[] = { "text" };

static void apply_defaults(SC *sc)
{
    if (sc->task.breadth < 0)
        sc->task.breadth = 1;
    if (sc->task.modalities.n == 0) {
        sc->task.modalities.items = text_modality;
        sc->task.modalities.n = 1;
    }
    if (isnan(sc->task.context_tokens))
        sc->task.context_tokens = 4096;
    if (isnan(sc->workload.requests_per_day))
        sc->workload.requests_per_day = 1000;
    if (isnan(sc->workload.input_tokens))
        sc->workload.input_tokens = 500;
    if (isnan(sc->workload.output_tokens))
        sc->workload.output_tokens = 200;
    if (isnan(sc->workload.peak_concurrency))
        sc->workload.peak_concurrency = 1;
    if (isnan(sc->workload.window_hours))
        sc->workload.window_hours = 24;
    for (int i = 0; i < LM_S_COUNT; i++)
        if (isnan(sc->priorities[i]))
            sc->priorities[i] = 1;
    if (isnan(sc->assumptions.usd_per_kwh))
        sc->assumptions.usd_per_kwh = 0.15;
    if (isnan(sc->assumptions.amortization_months))
        sc->assumptions.amortization_months = 36;
    if (isnan(sc->assumptions.target_utilization))
        sc->assumptions.target_utilization = 0.7;
    if (sc->deployment.present && isnan(sc->deployment.devices))
        sc->deployment.devices = 1;
}

/* Every block's fields start absent, even when the block is missing. */
static void set_all_absent(SC *sc)
{
    memset(sc, 0, sizeof(*sc));
    sc->version = (double)NAN;
    sc->task.kind = -1;
    sc->task.breadth = -1;
    sc->task.context_tokens = (double)NAN;
    sc->workload.requests_per_day = sc->workload.input_tokens = (double)NAN;
    sc->workload.output_tokens = sc->workload.peak_concurrency = (double)NAN;
    sc->workload.window_hours = (double)NAN;
    sc->constraints.memory_gib = (double)NAN;
    sc->constraints.latency.ttft_ms = sc->constraints.latency.output_tokens_per_s = (double)NAN;
    sc->constraints.budget.usd_per_month = sc->constraints.budget.finetune_usd = (double)NAN;
    sc->constraints.privacy = -1;
    sc->constraints.data.labeled_examples = (double)NAN;
    sc->constraints.quality.min_score = (double)NAN;
    sc->constraints.license.commercial = -1;
    sc->constraints.offline = -1;
    sc->constraints.self_hosted = -1;
    for (int i = 0; i < LM_S_COUNT; i++)
        sc->priorities[i] = (double)NAN;
    sc->assumptions.usd_per_kwh = sc->assumptions.amortization_months = (double)NAN;
    sc->assumptions.target_utilization = (double)NAN;
    sc->assumptions.scale_to_zero = -1;
    sc->deployment.devices = (double)NAN;
}

static int scenario_from_root(SC *sc, const char *file, const struct lm_ynode *root,
                              struct lm_diags *diags);

int lm_scenario_load(SC *sc, const char *display, const char *data, size_t len,
                     const struct lm_limits *limits, struct lm_diags *diags)
{
    set_all_absent(sc);
    const char *file = lm_arena_strdup(&sc->arena, display);
    if (file == NULL)
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    sc->file = file;
    struct lm_ynode *root;
    int rc = lm__yaml_parse(&sc->arena, file, data, len, limits, diags, &root);
    if (rc != LM_OK)
        return rc;
    return scenario_from_root(sc, file, root, diags);
}

int lm_scenario_load_tree(SC *sc, const char *display, const void *tree, struct lm_diags *diags)
{
    set_all_absent(sc);
    const char *file = lm_arena_strdup(&sc->arena, display);
    if (file == NULL)
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    sc->file = file;
    return scenario_from_root(sc, file, tree, diags);
}

static int scenario_from_root(SC *sc, const char *file, const struct lm_ynode *root,
                              struct lm_diags *diags)
{
    struct lm_sctx c = { &sc->arena, diags, file, 0, 1, NULL, 0, 0, "" };
    const struct lm_ynode *vnode = lm__ymap_get(root, "lmchoose");
    if (root->kind == LM_Y_MAP && vnode != NULL && vnode->kind == LM_Y_SCALAR &&
        !vnode->quoted && lm__is_number_syntax(vnode->text, 1) && strcmp(vnode->text, "1") != 0) {
        /* A newer schema: say so instead of listing every unknown key. */
        lm__schema_error(&c, vnode, "unsupported scenario version %s (this lmchoose reads version 1)",
                         vnode->text);
        free(c.locs);
        return LM_ESCHEMA;
    }
    lm__schema_map(&c, root, &scenario_schema, sc);
    if (!isnan(sc->version) && sc->version != 1)
        lm__schema_error(&c, vnode, "unsupported scenario version %g (this lmchoose reads version 1)",
                         sc->version);
    const char *region = sc->constraints.region;
    if (region != NULL) {
        size_t n = strlen(region);
        int ok = n >= 2 && n <= 8;
        for (size_t i = 0; ok && i < n; i++)
            ok = region[i] >= 'a' && region[i] <= 'z';
        if (!ok)
            lm__schema_error(&c, lm__ymap_get(lm__ymap_get(root, "constraints"), "region"),
                             "'region' must match [a-z]{2,8}, got '%s'", region);
    }
    if (sc->constraints.privacy == LM_PRIV_REGION && region == NULL)
        lm__schema_error(&c, lm__ymap_get(lm__ymap_get(root, "constraints"), "privacy"),
                         "privacy level 'region' needs constraints.region");
    const struct lm_ynode *pn = lm__ymap_get(root, "priorities");
    if (pn != NULL && pn->kind == LM_Y_MAP) {
        int all_zero = 1;
        for (int i = 0; i < LM_S_COUNT; i++)
            if (isnan(sc->priorities[i]) || sc->priorities[i] != 0)
                all_zero = 0;
        if (all_zero)
            lm__schema_error(&c, pn, "priorities cannot all be zero");
    }
    apply_defaults(sc);
    /* Keep the recorded key locations, copied into the public shape. */
    if (c.nlocs > 0) {
        sc->locs = malloc(c.nlocs * sizeof(*sc->locs));
        if (sc->locs != NULL) {
            for (size_t i = 0; i < c.nlocs; i++) {
                sc->locs[i].path = c.locs[i].path;
                sc->locs[i].line = c.locs[i].line;
                sc->locs[i].col = c.locs[i].col;
                sc->locs[i].vline = c.locs[i].vline;
                sc->locs[i].vcol = c.locs[i].vcol;
            }
            sc->nlocs = c.nlocs;
        }
    }
    free(c.locs);
    return c.errors ? LM_ESCHEMA : LM_OK;
}

static const char *default_hardware[] = { "local" };
static struct lm_owned default_owned[] = { { "local", 1, 0, 0 } };

void lm_scenario_default(SC *sc)
{
    set_all_absent(sc);
    sc->file = NULL;
    sc->version = 1;
    sc->task.kind = LM_TASK_CHAT;
    sc->task.breadth = 1;
    sc->task.context_tokens = 8192;
    sc->workload.requests_per_day = 200;
    sc->workload.input_tokens = 1000;
    sc->workload.output_tokens = 300;
    sc->workload.peak_concurrency = 1;
    sc->constraints.hardware.items = default_hardware;
    sc->constraints.hardware.n = 1;
    sc->constraints.hardware_set = 1;
    sc->constraints.privacy = LM_PRIV_ON_DEVICE;
    /* §9.2: the machine you run lmchoose on is yours. */
    sc->constraints.owned = default_owned;
    sc->constraints.nowned = 1;
    sc->constraints.owned_ids.items = default_hardware;
    sc->constraints.owned_ids.n = 1;
    apply_defaults(sc);
}

const char lm_scenario_default_text[] =
    "# yaml-language-server: $schema=https://lmchoose.dev/schema/scenario.schema.json\n"
    "# An lmchoose scenario: what your application needs. `lmchoose recommend FILE`\n"
    "# ranks every deployment option against it. Every key but `lmchoose` and\n"
    "# `task.kind` is optional; the values below are the defaults lmchoose uses\n"
    "# when it runs with no scenario (docs/cli.md, DESIGN §3.2).\n"
    "lmchoose: 1\n"
    "task:\n"
    "  kind: chat              # chat | classification | extraction | summarization | code |\n"
    "                          # reasoning | translation | rag | agent\n"
    "  breadth: broad          # narrow (one job) | broad (open-ended)\n"
    "  modalities: [text]      # text, image, audio, video\n"
    "  context_tokens: 8192    # longest prompt + output the app needs\n"
    "workload:\n"
    "  requests_per_day: 200\n"
    "  input_tokens: 1000      # per request, average\n"
    "  output_tokens: 300\n"
    "  peak_concurrency: 1\n"
    "  # window_hours: 24      # hours a day the requests arrive in (8: a nightly batch)\n"
    "constraints:             # every key optional; absent = unconstrained\n"
    "  hardware: [local]       # hardware ids where self-hosting may run; local = this machine\n"
    "  owned:                  # hardware you already have: it costs energy only\n"
    "    - {hardware: local, count: 1}\n"
    "  privacy: on-device      # public | no-training | zero-retention | region |\n"
    "                          # private-cloud | on-prem | on-device | air-gapped\n"
    "  # memory_gib: 16\n"
    "  # latency: {ttft_ms: 2000, output_tokens_per_s: 20}\n"
    "  # budget: {usd_per_month: 500, finetune_usd: 200}\n"
    "  # region: eu\n"
    "  # data: {labeled_examples: 5000}\n"
    "  # quality: {min_score: 60}\n"
    "  # license: {commercial: true}\n"
    "  # offline: true\n"
    "  # self_hosted: false    # API candidates only\n"
    "# priorities: {quality: 1, cost: 1, latency: 1, privacy: 1, fit: 1, simplicity: 1}\n"
    "# assumptions: {usd_per_kwh: 0.15, amortization_months: 36, target_utilization: 0.7,\n"
    "#               scale_to_zero: false}\n"
    "# rules: {disable: [quality.quant-penalty]}\n";

const struct lm_keyloc_pub *lm_scenario_key(const SC *sc, const char *path)
{
    for (size_t i = 0; i < sc->nlocs; i++)
        if (strcmp(sc->locs[i].path, path) == 0)
            return &sc->locs[i];
    return NULL;
}

void lm_scenario_release(SC *sc)
{
    if (sc == NULL)
        return;
    lm_arena_release(&sc->arena);
    free(sc->locs);
    memset(sc, 0, sizeof(*sc));
}

const struct lm_schema *lm__scenario_schema(void)
{
    return &scenario_schema;
}
