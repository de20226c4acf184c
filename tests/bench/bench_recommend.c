/*
 * Benchmark of load + recommend (DESIGN §7 "Fast", issue #3 §9). Not a test:
 * it prints timings for docs/performance.md and is not registered with ctest.
 *
 *   bench_recommend                 the shipped catalog, default rules, one
 *                                   open scenario (every hardware profile)
 *   bench_recommend MODELS HW       a synthetic catalog of MODELS models and
 *                                   HW hardware profiles written as YAML into
 *                                   a temporary directory and loaded through
 *                                   the normal --profiles path
 *   --no-flips                      skip the flip search (to measure its share)
 *   --scenario FILE                 this scenario instead of the open one
 *                                   (`local` is the RTX 4090 profile, as in
 *                                   the golden tests)
 *   --streams N                     N streams at peak (workload.peak_concurrency;
 *                                   default 1): sizing then moves sub-scores,
 *                                   the costliest case of the output-speed flip
 *
 * Prints wall time per phase, candidates, peak RSS and bytes per candidate.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lmchoose/catalog.h"
#include "lmchoose/recommend.h"
#include "lmchoose/rules.h"
#include "lmchoose/scenario.h"
#include "lmchoose/status.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Writes nm synthetic models (dense decoders from 0.5 to 80 B) and nh
 * synthetic GPUs (8 to 192 GiB) as profile files under dir. */
static int write_synthetic(const char *dir, int nm, int nh)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/models", dir);
    mkdir(path, 0777);
    snprintf(path, sizeof(path), "%s/hardware", dir);
    mkdir(path, 0777);
    for (int i = 0; i < nm; i++) {
        double p = 0.5 * pow(160.0, (double)i / (nm > 1 ? nm - 1 : 1));
        int layers = (int)(24 * pow(p, 0.22));
        /* A multiple of 1024, so that hidden/128 heads is a multiple of 8 KV heads. */
        int hidden = ((int)sqrt(p * 1e9 / (12.0 * layers)) / 1024 + 1) * 1024;
        snprintf(path, sizeof(path), "%s/models/syn-%05d.yaml", dir, i);
        FILE *f = fopen(path, "w");
        if (f == NULL)
            return -1;
        fprintf(f,
                "id: syn-%05d\nname: Synthetic %d\nparams_b: %.3f\n"
                "architecture: {layers: %d, hidden: %d, attention_heads: %d, kv_heads: 8, vocab: 128000}\n"
                "context_tokens: 32768\nopen_weights: true\nlicense: apache-2.0\n"
                "quality: {mmlu: %.1f, ifeval: %.1f}\nfinetune: [lora]\nsources: [synthetic]\n",
                i, i, p, layers, hidden, hidden / 128, 40 + 40 * (double)i / nm,
                45 + 35 * (double)i / nm);
        fclose(f);
    }
    for (int i = 0; i < nh; i++) {
        double mem = 8 * pow(24.0, (double)i / (nh > 1 ? nh - 1 : 1));
        snprintf(path, sizeof(path), "%s/hardware/syn-gpu-%04d.yaml", dir, i);
        FILE *f = fopen(path, "w");
        if (f == NULL)
            return -1;
        fprintf(f,
                "id: syn-gpu-%04d\nname: Synthetic GPU %d\nvendor: nvidia\nclass: datacenter-gpu\n"
                "memory_gib: %.0f\nusable_fraction: 0.95\nbandwidth_gbps: %.0f\nfp16_tflops: %.0f\n"
                "power_w: 400\nplacements: [on-prem, cloud]\nmax_devices: 8\n"
                "price: {purchase_usd: %.0f, usd_per_hour: %.2f}\nsources: [synthetic]\n",
                i, i, mem, 300 + 25 * mem, 60 + 5 * mem, 2000 + 200 * mem, 0.3 + 0.03 * mem);
        fclose(f);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int nm = 0, nh = 0, no_flips = 0;
    double streams = 1;
    const char *scenario_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-flips") == 0)
            no_flips = 1;
        else if (strcmp(argv[i], "--scenario") == 0 && i + 1 < argc)
            scenario_file = argv[++i];
        else if (strcmp(argv[i], "--streams") == 0 && i + 1 < argc)
            streams = atof(argv[++i]);
        else if (nm == 0)
            nm = atoi(argv[i]);
        else
            nh = atoi(argv[i]);
    }
    char dir[] = "/tmp/lmchoose-bench-XXXXXX";
    const char *dirs[1] = { dir };
    size_t ndirs = 0;
    if (nm > 0) {
        if (mkdtemp(dir) == NULL || write_synthetic(dir, nm, nh > 0 ? nh : 1) != 0) {
            fprintf(stderr, "bench: cannot write the synthetic catalog\n");
            return 1;
        }
        ndirs = 1;
    }
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags diags = LM_DIAGS_INIT;
    struct lm_catalog cat = LM_CATALOG_INIT;
    struct lm_ruleset rs = LM_RULESET_INIT;
    double t0 = now();
    int rc = lm_catalog_load(&cat, dirs, ndirs, &limits, &diags);
    rc = rc == LM_OK ? lm_rules_load_builtin(&rs, &limits, &diags) : rc;
    double t1 = now();
    if (rc != LM_OK) {
        lm_diags_print(&diags, stderr);
        return 1;
    }
    struct lm_scenario sc;
    memset(&sc, 0, sizeof(sc));
    struct lm_rec_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.no_flips = no_flips;
    double t2 = now();
    if (scenario_file != NULL) {
        /* Read and parse the file inside the timed part, as the CLI does. */
        static char buf[1 << 20];
        FILE *f = fopen(scenario_file, "rb");
        size_t len = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (f == NULL || (fclose(f), 0) ||
            lm_scenario_load(&sc, scenario_file, buf, len, &limits, &diags) != LM_OK) {
            lm_diags_print(&diags, stderr);
            fprintf(stderr, "bench: cannot load %s\n", scenario_file);
            return 1;
        }
        opt.local = lm_catalog_hardware(&cat, "nvidia-rtx-4090");
    } else {
        lm_scenario_default(&sc);
        sc.constraints.hardware_set = 0; /* every hardware profile */
        sc.constraints.privacy = -1;
        sc.constraints.budget.usd_per_month = 2000;
        sc.constraints.latency.ttft_ms = 3000;
        sc.workload.peak_concurrency = streams >= 1 ? floor(streams) : 1;
    }
    struct lm_recommendation rec;
    rc = lm_recommend(&cat, &sc, &rs, &opt, &rec);
    double t3 = now();
    if (rc != LM_OK) {
        fprintf(stderr, "bench: out of memory\n");
        return 1;
    }
    long rss = peak_rss_kib();
    printf("catalog: %zu models, %zu hardware, %zu rules\n", cat.nmodels, cat.nhardware, rs.n);
    printf("candidates: %zu (%zu feasible), flips: %zu%s\n", rec.n, rec.nfeasible, rec.nflips,
           no_flips ? " (search skipped)" : "");
    printf("load: %.1f ms, recommend: %.1f ms, total: %.1f ms\n", (t1 - t0) * 1e3,
           (t3 - t2) * 1e3, (t3 - t0) * 1e3);
    printf("peak RSS: %.1f MiB, %.0f bytes per candidate (incl. catalog)\n", rss / 1024.0,
           rec.n ? rss * 1024.0 / (double)rec.n : 0);
    lm_recommendation_release(&rec);
    if (scenario_file != NULL)
        lm_scenario_release(&sc);
    lm_rules_release(&rs);
    lm_catalog_release(&cat);
    lm_diags_release(&diags);
    if (ndirs) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench: could not remove %s\n", dir);
    }
    return 0;
}
