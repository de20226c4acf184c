/*
 * `lmchoose estimate MODEL`: size one model on one machine (DESIGN §6.6):
 * memory breakdown, fit verdict with headroom, decode and prefill speed, time
 * to first token and cost, each with its basis and error band. Exit 0 when
 * the model fits (fits or tight), 1 when it does not (the result is still
 * printed).
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lmchoose/estimate.h"
#include "lmchoose/host.h"
#include "lmchoose/render.h"
#include "lmchoose/scenario.h"
#include "lmchoose/status.h"
#include "util/fs.h"

static const char *const usage[] = {
    "usage: lmchoose estimate MODEL [options]",
    "",
    "Size one model on one machine: memory (weights, KV cache, runtime overhead),",
    "the fit verdict with headroom, decode and prefill speed, time to first token",
    "and monthly cost, each with its basis and error band. For an API-only model",
    "it prints the API estimate. Exit 0 when it fits, 1 when it does not.",
    "",
    "MODEL and the ids of --hardware, --quant and --runtime may be any of their",
    "aliases: meta-llama/Llama-3.1-8B-Instruct, llama3.1:8b-instruct-q4_K_M, Q4_K_M,",
    "'NVIDIA GeForce RTX 4090' (lmchoose list models|hardware shows them).",
    "",
    "Options:",
    NULL
};

struct est_opts {
    const char *model, *hardware, *quant, *runtime, *placement, *scenario;
    double context, prompt, batch, devices, kv_bytes;
    int weights_formula;
    double cpu_moe;   /* 0 none; INFINITY for "all" */
    const char *host; /* --host id */
};

static int opt_hardware(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg)
{
    (void)row;
    struct est_opts *o = target;
    if (o->hardware != NULL) {
        lm_cli_usage_error(ctx, "estimate takes one --hardware");
        return -1;
    }
    o->hardware = arg;
    return 0;
}

static int opt_placement(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg)
{
    (void)row;
    if (strcmp(arg, "device") && strcmp(arg, "on-prem") && strcmp(arg, "cloud")) {
        lm_cli_usage_error(ctx, "--placement must be device, on-prem or cloud, got '%s'", arg);
        return -1;
    }
    ((struct est_opts *)target)->placement = arg;
    return 0;
}

/* Bytes per KV-cache element of each --kv-cache type (q8_0 and q4_0 carry
 * a 2-byte scale per block of 32). */
static int opt_kv_cache(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg)
{
    (void)row;
    static const struct { const char *name; double bytes; } types[] = {
        { "f16", 2 }, { "fp8", 1 }, { "q8_0", 1.0625 }, { "q4_0", 0.5625 },
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(arg, types[i].name) == 0) {
            ((struct est_opts *)target)->kv_bytes = types[i].bytes;
            return 0;
        }
    }
    lm_cli_usage_error(ctx, "--kv-cache must be f16, q8_0, q4_0 or fp8, got '%s'", arg);
    return -1;
}

static int opt_cpu_moe(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg)
{
    struct est_opts *o = target;
    if (strcmp(arg, "all") == 0) {
        o->cpu_moe = (double)INFINITY;
        return 0;
    }
    return lm_cli_parse_count(ctx, "--cpu-moe", arg, row->min, row->max, &o->cpu_moe);
}

#define EST(field) offsetof(struct est_opts, field)
static const struct lm_opt opts[] = {
    { "hardware", 0, "ID|local", "the machine (default: local, this machine)", LM_OPT_CALL, 0,
      0, 0, 0, opt_hardware },
    { "quant", 0, "ID|auto", "weight format; auto picks the best quality that fits (default)",
      LM_OPT_STRING, 0, EST(quant), 0, 0, NULL },
    { "context", 0, "N", "tokens per sequence (default: min(model context, 8192))",
      LM_OPT_COUNT, 0, EST(context), 1, 1e8, NULL },
    { "prompt", 0, "N", "prompt tokens for the time to first token (default: the context)",
      LM_OPT_COUNT, 0, EST(prompt), 1, 1e8, NULL },
    { "batch", 0, "N", "concurrent sequences held in memory (default 1)", LM_OPT_COUNT, 0,
      EST(batch), 1, 1e6, NULL },
    { "devices", 0, "N", "accelerators, tensor parallel (default: 1, or the fewest that fit)",
      LM_OPT_COUNT, 0, EST(devices), 1, 64, NULL },
    { "runtime", 0, "NAME",
      "llama.cpp, vllm, mlx or transformers (default: from quant and hardware)", LM_OPT_STRING,
      0, EST(runtime), 0, 0, NULL },
    { "placement", 0, "P", "device, on-prem or cloud (default: the first the hardware lists)",
      LM_OPT_CALL, 0, 0, 0, 0, opt_placement },
    { "kv-cache", 0, "T", "KV cache type: f16 (default), q8_0, q4_0, fp8", LM_OPT_CALL, 0, 0, 0,
      0, opt_kv_cache },
    { "weights", 0, "formula|auto",
      "weights from the formula, or from published file sizes (default auto)", LM_OPT_CALL, 0,
      EST(weights_formula), 0, 0, lm_cli_opt_weights },
    { "cpu-moe", 0, "N|all",
      "llama.cpp expert offload (--n-cpu-moe): the routed experts of the\n"
      "first N layers (all: every layer) stay in the system RAM of --host", LM_OPT_CALL, 0, 0,
      1, 1e4, opt_cpu_moe },
    { "host", 0, "ID", "the machine whose RAM holds the offloaded experts (a hardware id)",
      LM_OPT_STRING, 0, EST(host), 0, 0, NULL },
    LM_OPT_FORMAT("text|json", "output format (default text)", 0),
    LM_OPT_OUTPUT("write the result to FILE atomically", 0),
    LM_OPT_PROFILES("add a profile layer (repeatable; also LMCHOOSE_PROFILES)", 0),
    LM_OPT_QUIET("print no text result", 0),
    LM_OPT_HELP_ROW("print this help", 0),
    LM_OPT_TEXT(""),
    { "scenario", 0, "FILE", "take the workload, assumptions, task kind, labeled\n"
      "examples and output-speed target from a scenario", LM_OPT_STRING, 0, EST(scenario), 0,
      0, NULL },
    /* Accepted, but not named by --help (docs/cli.md). */
    LM_OPT_MAX_INPUT_SIZE(NULL, LM_OPT_UNLISTED),
    LM_OPT_MAX_DEPTH(NULL, LM_OPT_UNLISTED),
    LM_OPT_MAX_NODES(NULL, LM_OPT_UNLISTED),
    LM_OPT_MAX_SCALAR(NULL, LM_OPT_UNLISTED),
    LM_OPT_MAX_FILES(NULL, LM_OPT_UNLISTED),
    LM_OPT_COLOR(NULL, LM_OPT_UNLISTED),
    LM_OPT_TABLE_END
};

static const char *const tail[] = {
    "",
    "Without --scenario, cost uses the default workload: 200 requests a day of 1000",
    "input and 300 output tokens, one stream, 0.15 USD/kWh, hardware amortized over",
    "36 months.",
    NULL
};

const struct lm_cmd_spec lm_estimate_spec = { usage, opts, tail };

/* Estimates with --devices, or with the device count of §5 step 1. */
static void estimate_with_devices(struct lm_est_input *in, const struct est_opts *o,
                                  struct lm_estimate *est)
{
    if (isnan(o->devices)) {
        lm_estimate_devices(in, est);
        return;
    }
    in->devices = o->devices;
    lm_estimate_compute(in, est, NULL);
}

static int quant_order(const struct lm_quant *a, const struct lm_quant *b)
{
    if (a->quality_delta != b->quality_delta)
        return a->quality_delta < b->quality_delta ? -1 : 1;
    if (a->bits_per_weight != b->bits_per_weight)
        return a->bits_per_weight > b->bits_per_weight ? -1 : 1;
    return strcmp(a->id, b->id);
}

static int runtime_allows(const struct lm_quant *q, const char *rt)
{
    for (size_t i = 0; i < q->runtimes.n; i++)
        if (strcmp(q->runtimes.items[i], rt) == 0)
            return 1;
    return 0;
}

/* §6.4: the best-quality format that fits, else tight, else the smallest. */
static int choose_quant(struct lm_ctx *ctx, struct lm_est_input *in, const struct est_opts *o,
                        const char **reason)
{
    const struct lm_quant *best[3] = { NULL, NULL, NULL };
    struct lm_est_input best_in[3];
    double smallest_mem = (double)INFINITY;
    for (size_t i = 0; i < ctx->cat.nquants; i++) {
        const struct lm_quant *q = ctx->cat.quants[i];
        const struct lm_runtime *rt;
        if (o->runtime != NULL)
            rt = runtime_allows(q, o->runtime) ? lm_catalog_runtime(&ctx->cat, o->runtime) : NULL;
        else
            rt = lm_runtime_for(&ctx->cat, q, in->hw);
        if (rt == NULL)
            continue;
        struct lm_est_input t = *in;
        struct lm_estimate e;
        t.quant = q;
        t.runtime = rt;
        estimate_with_devices(&t, o, &e);
        int slot = e.fit == LM_FIT_FITS ? 0 : e.fit == LM_FIT_TIGHT ? 1 : 2;
        /* With expert offload the host's RAM must hold its part too. */
        int host_slot = e.host_fit < 0 ? 0 : e.host_fit == LM_FIT_FITS ? 0 : e.host_fit == LM_FIT_TIGHT ? 1 : 2;
        if (host_slot > slot)
            slot = host_slot;
        if (slot == 2) {
            if (e.memory_gib < smallest_mem ||
                (e.memory_gib == smallest_mem && best[2] && quant_order(q, best[2]) < 0)) {
                smallest_mem = e.memory_gib;
                best[2] = q;
                best_in[2] = t;
            }
        } else if (best[slot] == NULL || quant_order(q, best[slot]) < 0) {
            best[slot] = q;
            best_in[slot] = t;
        }
    }
    for (int s = 0; s < 3; s++) {
        if (best[s] != NULL) {
            *in = best_in[s];
            *reason = s == 0 ? "auto: the best-quality format that fits"
                    : s == 1 ? "auto: no format fits with headroom; the best-quality tight one"
                             : "auto: no format fits; the smallest in memory";
            return 0;
        }
    }
    return -1;
}

/* A prompt is read into the context window, so it cannot be longer than
 * the window (DESIGN §6.6 sizes the KV cache by the context and the prompt
 * defaults to it): --prompt beyond the context, given or defaulted, is a
 * usage error (exit 2) rather than an estimate that says "fits" for a
 * request the window cannot hold (issue 15). True after reporting it. */
static int prompt_exceeds_context(struct lm_ctx *ctx, const struct est_opts *o, double context)
{
    if (isnan(o->prompt) || o->prompt <= context)
        return 0;
    lm_cli_usage_error(ctx, "--prompt %.0f exceeds the context window of %.0f tokens%s; "
                       "raise --context", o->prompt, context,
                       isnan(o->context) ? " (the default for this model)" : "");
    return 1;
}

int cmd_estimate(int argc, char **argv, struct lm_ctx *ctx)
{
    struct est_opts o = { NULL, NULL, NULL, NULL, NULL, NULL, (double)NAN, (double)NAN, 1, (double)NAN, 2, 0,
                          0, NULL };
    int first;
    int rc = lm_cli_parse(ctx, &lm_estimate_spec, argc, argv, &o, &first);
    if (rc != LM_CLI_PARSED)
        return rc;
    if (ctx->format != LM_FMT_TEXT && ctx->format != LM_FMT_JSON)
        return lm_cli_usage_error(ctx, "estimate supports --format text or json");
    if (first >= argc)
        return lm_cli_usage_error(ctx, "estimate needs a MODEL id");
    if (first + 1 < argc)
        return lm_cli_usage_error(ctx, "unexpected argument '%s'", argv[first + 1]);
    o.model = argv[first];

    rc = lm_cli_load_catalog(ctx);
    if (rc != 0) {
        if (ctx->format == LM_FMT_JSON && rc == LM_EXIT_INPUT)
            lm_render_json_errors("estimate", rc, &ctx->diags, ctx->out);
        return rc;
    }
    struct lm_catalog *cat = &ctx->cat;

    /* Ids on the command line are checked before anything else is read;
     * each may be an alias (DESIGN §9.7) and is replaced by its id. */
    const struct lm_quant *tag_quant;
    const struct lm_model *m = lm_cli_resolve_model(ctx, &o.model, &tag_quant, &rc);
    if (m == NULL)
        return rc;
    const struct lm_hardware *hw = NULL;
    if (o.hardware != NULL && strcmp(o.hardware, "local") != 0) {
        hw = lm_cli_resolve(ctx, LM_KIND_HARDWARE, &o.hardware, "local", &rc);
        if (hw == NULL)
            return rc;
    }
    const struct lm_quant *quant = NULL;
    if (o.quant != NULL && strcmp(o.quant, "auto") != 0) {
        quant = lm_cli_resolve(ctx, LM_KIND_QUANT, &o.quant, "auto", &rc);
        if (quant == NULL)
            return rc;
    }
    if (o.runtime != NULL && lm_cli_resolve(ctx, LM_KIND_RUNTIME, &o.runtime, NULL, &rc) == NULL)
        return rc;
    if (tag_quant != NULL && o.quant != NULL && quant != tag_quant)
        return lm_cli_usage_error(ctx, "--quant %s disagrees with the tag of MODEL, which names "
                                  "'%s'", o.quant, tag_quant->id);
    if (tag_quant != NULL && quant == NULL) {
        quant = tag_quant;
        o.quant = tag_quant->id;
    }
    const struct lm_hardware *host = NULL;
    if (o.host != NULL) {
        host = lm_cli_resolve(ctx, LM_KIND_HARDWARE, &o.host, NULL, &rc);
        if (host == NULL)
            return rc;
    }
    if (o.cpu_moe > 0 && host == NULL)
        return lm_cli_usage_error(ctx, "--cpu-moe needs --host: the hardware whose RAM holds the experts");
    if (o.cpu_moe == 0 && host != NULL)
        return lm_cli_usage_error(ctx, "--host applies only with --cpu-moe");
    if (o.cpu_moe > 0 && o.runtime == NULL)
        o.runtime = "llama.cpp"; /* expert offload is llama.cpp's: --quant auto picks a GGUF */
    if (o.cpu_moe > 0) {
        const struct lm_arch *a = &m->arch;
        if (isnan(a->experts) || isnan(a->experts_per_token) || isnan(a->expert_params_b))
            return lm_cli_usage_error(ctx, "--cpu-moe: model '%s' lists no experts, experts_per_token "
                                      "and expert_params_b (a MoE profile's architecture)", m->id);
    }

    struct lm_estimate_doc doc;
    memset(&doc, 0, sizeof(doc));
    doc.cat = cat;
    doc.model = m;
    struct lm_est_input in;
    lm_est_input_init(&in);
    double owned_from_scenario = 0;
    in.model = m;
    in.weights_formula = o.weights_formula;
    in.kv_bytes_per_element = o.kv_bytes;
    in.batch = o.batch;
    if (o.scenario != NULL) {
        /* The scenario's workload and assumptions replace the defaults; its
         * constraints do not apply (estimate judges nothing). */
        struct lm_scenario sc;
        memset(&sc, 0, sizeof(sc));
        char *buf;
        size_t len;
        const char *display = strcmp(o.scenario, "-") == 0 ? "<stdin>" : o.scenario;
        int r = lm__read_input(o.scenario, display, ctx->limits.max_input_size, &ctx->diags,
                               &buf, &len);
        if (r == LM_OK) {
            r = lm_scenario_load(&sc, display, buf, len, &ctx->limits, &ctx->diags);
            free(buf);
        }
        if (r != LM_OK) {
            lm_scenario_release(&sc);
            if (ctx->format == LM_FMT_JSON && lm_status_exit_code(r) == LM_EXIT_INPUT)
                lm_render_json_errors("estimate", LM_EXIT_INPUT, &ctx->diags, ctx->out);
            return lm_status_exit_code(r);
        }
        in.requests_per_day = sc.workload.requests_per_day;
        in.input_tokens = sc.workload.input_tokens;
        in.output_tokens = sc.workload.output_tokens;
        in.peak_concurrency = sc.workload.peak_concurrency;
        in.window_hours = sc.workload.window_hours;
        in.target_utilization = sc.assumptions.target_utilization;
        in.scale_to_zero = sc.assumptions.scale_to_zero;
        for (size_t k = 0; k < sc.constraints.nowned; k++) {
            const char *oid = sc.constraints.owned[k].hardware;
            const char *want = o.hardware != NULL ? o.hardware : "local";
            if (oid != NULL && strcmp(oid, want) == 0)
                owned_from_scenario = sc.constraints.owned[k].count;
        }
        in.usd_per_kwh = sc.assumptions.usd_per_kwh;
        in.amortization_months = sc.assumptions.amortization_months;
        in.labeled_examples = sc.constraints.data.labeled_examples;
        if (!isnan(sc.constraints.latency.output_tokens_per_s))
            in.target_tokens_per_s = sc.constraints.latency.output_tokens_per_s;
        in.task_kind = lm_task_kind_names[sc.task.kind];
        for (size_t k = 0; k < sc.task.modalities.n; k++)
            in.task_has_image |= strcmp(sc.task.modalities.items[k], "image") == 0;
        lm_scenario_release(&sc);
    }

    if (m->open_weights != 1) {
        if (o.hardware != NULL || o.quant != NULL || o.runtime != NULL || !isnan(o.devices) ||
            o.placement != NULL)
            return lm_cli_usage_error(ctx, "'%s' is an API-only model; --hardware, --quant, "
                                      "--runtime, --devices and --placement do not apply", m->id);
        in.offer = &m->api[0];
        in.placement = LM_PLACE_API;
        in.devices = (double)NAN;
        in.prompt_tokens = isnan(o.prompt) ? in.input_tokens : o.prompt;
        in.context_tokens = isnan(o.context) ? fmin(m->context_tokens, 8192) : o.context;
        in.decode_context = in.context_tokens;
        if (prompt_exceeds_context(ctx, &o, in.context_tokens))
            return LM_EXIT_USAGE;
        lm_estimate_compute(&in, &doc.est, &doc.basis);
        doc.offer = in.offer;
        doc.placement = LM_PLACE_API;
        doc.prompt_tokens = in.prompt_tokens;
        doc.context_tokens = in.context_tokens;
        doc.batch = in.batch;
        doc.devices = (double)NAN;
        doc.exit_code = LM_EXIT_OK;
        int r = ctx->format == LM_FMT_JSON ? lm_render_json_estimate(&doc, ctx->out)
              : ctx->quiet ? LM_OK : lm_render_text_estimate(&doc, ctx->out);
        return r == LM_OK ? LM_EXIT_OK : LM_EXIT_INTERNAL;
    }

    int built = 0;
    if (hw == NULL) {
        int r = lm_host_resolve(cat, &ctx->limits, &ctx->diags, &hw, &built);
        if (r != LM_OK) {
            if (ctx->format == LM_FMT_JSON)
                lm_render_json_errors("estimate", LM_EXIT_INPUT, &ctx->diags, ctx->out);
            return lm_status_exit_code(r);
        }
        doc.hardware_id = built ? "local" : hw->id;
    } else {
        doc.hardware_id = hw->id;
    }
    in.hw = hw;
    in.extra_flags = built ? LM_EST_LOCAL_BUILT : 0;
    if (o.cpu_moe > 0) {
        in.host = host;
        in.cpu_moe_layers = isinf(o.cpu_moe) ? 1e4 : o.cpu_moe;
    }
    /* §9.2: the machine lmchoose runs on is owned; other hardware is
     * bought unless --scenario declares it owned. */
    in.owned_count = o.hardware == NULL || strcmp(o.hardware, "local") == 0 ? 1 : owned_from_scenario;

    /* Placement: --placement, else the first of device, on-prem, cloud. */
    in.placement = -1;
    if (o.placement != NULL) {
        for (int p = 0; p < 3; p++)
            if (strcmp(o.placement, lm_placement_names[p]) == 0)
                in.placement = p;
        if (!(hw->placements & (1u << in.placement)))
            return lm_cli_usage_error(ctx, "hardware '%s' has no '%s' placement", hw->id, o.placement);
    } else {
        for (int p = 2; p >= 0; p--)
            if (hw->placements & (1u << p))
                in.placement = p;
    }
    if (!isnan(o.devices) && o.devices > hw->max_devices)
        return lm_cli_usage_error(ctx, "--devices %.0f exceeds the %.0f of hardware '%s'",
                                  o.devices, hw->max_devices, hw->id);
    if (in.placement == LM_PLACE_DEVICE && !isnan(o.devices) && o.devices > 1)
        return lm_cli_usage_error(ctx, "the device placement uses one device");

    in.context_tokens = isnan(o.context) ? fmin(m->context_tokens, 8192) : o.context;
    in.decode_context = in.context_tokens;
    in.prompt_tokens = isnan(o.prompt) ? in.context_tokens : o.prompt;
    if (prompt_exceeds_context(ctx, &o, in.context_tokens))
        return LM_EXIT_USAGE;

    if (quant == NULL) {
        if (choose_quant(ctx, &in, &o, &doc.quant_reason) != 0)
            return lm_cli_usage_error(ctx, "no quantization can run on hardware '%s'%s%s", hw->id,
                                      o.runtime ? " under runtime " : "", o.runtime ? o.runtime : "");
    } else {
        const struct lm_runtime *rt;
        if (o.runtime != NULL) {
            if (!runtime_allows(quant, o.runtime))
                return lm_cli_usage_error(ctx, "runtime '%s' cannot load quantization '%s'",
                                          o.runtime, quant->id);
            rt = lm_catalog_runtime(cat, o.runtime);
        } else {
            rt = lm_runtime_for(cat, quant, hw);
            if (rt == NULL)
                return lm_cli_usage_error(ctx, "quantization '%s' cannot run on hardware '%s'",
                                          quant->id, hw->id);
        }
        in.quant = quant;
        in.runtime = rt;
        struct lm_estimate tmp;
        estimate_with_devices(&in, &o, &tmp);
    }
    if (o.cpu_moe > 0 && (in.runtime == NULL || strcmp(in.runtime->id, "llama.cpp") != 0))
        return lm_cli_usage_error(ctx, "--cpu-moe is llama.cpp's expert offload; the estimate runs "
                                  "under %s (choose a GGUF --quant or --runtime llama.cpp)",
                                  in.runtime ? in.runtime->id : "no runtime");
    lm_estimate_compute(&in, &doc.est, &doc.basis);
    doc.hw = hw;
    doc.host = in.host;
    doc.quant = in.quant;
    doc.runtime = in.runtime;
    doc.placement = in.placement;
    doc.context_tokens = in.context_tokens;
    doc.prompt_tokens = in.prompt_tokens;
    doc.batch = in.batch;
    doc.devices = in.devices;
    doc.exit_code = doc.est.fit == LM_FIT_NO || doc.est.host_fit == LM_FIT_NO ? LM_EXIT_FINDINGS
                                                                             : LM_EXIT_OK;
    int r = ctx->format == LM_FMT_JSON ? lm_render_json_estimate(&doc, ctx->out)
          : ctx->quiet ? LM_OK : lm_render_text_estimate(&doc, ctx->out);
    if (r != LM_OK)
        return LM_EXIT_INTERNAL;
    return doc.exit_code;
}
