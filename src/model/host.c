/*
 * Host detection for `local` (DESIGN §6.2). Every probe is optional: a
 * missing nvidia-smi or /proc is not an error, it only moves on to the next
 * probe. Tests pin LMCHOOSE_HOST so that golden output does not depend on
 * the machine that runs them.
 */
#include "lmchoose/host.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/fs.h"
#include "lmchoose/status.h"

static int equal_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* A copy of h in the arena whose only placement is device. */
static const struct lm_hardware *as_device(struct lm_catalog *cat,
                                           const struct lm_hardware *h)
{
    static const char *device_name[] = { "device" };
    struct lm_hardware *c = lm_arena_alloc(&cat->arena, sizeof(*c));
    if (c == NULL)
        return NULL;
    *c = *h;
    c->placements = 1u << LM_PLACE_DEVICE;
    c->placement_names.items = device_name;
    c->placement_names.n = 1;
    return c;
}

static const struct lm_hardware *match_name(const struct lm_catalog *cat, const char *name)
{
    for (size_t i = 0; i < cat->nhardware; i++) {
        const struct lm_hardware *h = cat->hardware[i];
        if (equal_nocase(h->name, name))
            return h;
        for (size_t k = 0; k < h->detect.n; k++)
            if (equal_nocase(h->detect.items[k], name))
                return h;
    }
    return NULL;
}

/* How long a probe may take before it is stopped (issue 15: a hanging
 * nvidia-smi blocked lmchoose forever). nvidia-smi answers in well under a
 * second on a working driver; 5 s leaves room for a cold start. */
#define PROBE_TIMEOUT_MS 5000

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs argv (found on PATH, stderr to /dev/null) and reads at most cap-1
 * bytes of its standard output into out (NUL-terminated). A probe that has
 * not finished within PROBE_TIMEOUT_MS is killed, with its process group
 * (a wrapper script's children too), and a warning says detection went on
 * without it. Returns 0 when the probe ran and exited 0, else -1. */
static int run_probe(char *const argv[], char *out, size_t cap, struct lm_diags *diags)
{
    out[0] = '\0';
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDERR_FILENO);
        }
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    setpgid(pid, pid); /* also here, so the kill below cannot race the child's */
    close(fds[1]);
    size_t len = 0;
    int timed_out = 0;
    long long deadline = now_ms() + PROBE_TIMEOUT_MS;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        struct pollfd pfd = { fds[0], POLLIN, 0 };
        int r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            timed_out = r == 0;
            break;
        }
        char buf[512];
        ssize_t n = read(fds[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t keep = (size_t)n;
        if (keep > cap - 1 - len)
            keep = cap - 1 - len;
        memcpy(out + len, buf, keep);
        len += keep;
    }
    out[len] = '\0';
    close(fds[0]);
    if (timed_out)
        kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (timed_out) {
        lm_diag_warning(diags, NULL,
                        "%s did not answer within %d s and was stopped; host detection "
                        "went on without it", argv[0], PROBE_TIMEOUT_MS / 1000);
        return -1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The first GPU nvidia-smi reports, matched to a profile; NULL otherwise. */
static const struct lm_hardware *probe_nvidia(const struct lm_catalog *cat,
                                              struct lm_diags *diags)
{
    static char a0[] = "nvidia-smi", a1[] = "--query-gpu=name,memory.total",
                a2[] = "--format=csv,noheader";
    char *argv[] = { a0, a1, a2, NULL };
    char line[256];
    if (run_probe(argv, line, sizeof(line), diags) != 0)
        return NULL;
    line[strcspn(line, "\n")] = '\0';
    char *comma = strchr(line, ',');
    if (comma == NULL)
        return NULL;
    *comma = '\0';
    return match_name(cat, line);
}

/* On macOS: the chip ("Apple M2 Pro") and memory from sysctl, matched to an
 * Apple profile with that chip in its name or detect list and the same
 * memory. Returns NULL elsewhere (sysctl fails or prints nothing). */
static const struct lm_hardware *probe_apple(const struct lm_catalog *cat, double *mem_gib,
                                             struct lm_diags *diags)
{
    static char a0[] = "sysctl", a1[] = "-n", a2[] = "machdep.cpu.brand_string",
                a3[] = "hw.memsize";
    char *argv[] = { a0, a1, a2, a3, NULL };
    char text[256], brand[128] = "", mem[64] = "";
    if (run_probe(argv, text, sizeof(text), diags) != 0)
        return NULL;
    char *nl = strchr(text, '\n');
    if (nl == NULL)
        return NULL;
    *nl = '\0';
    snprintf(brand, sizeof(brand), "%.*s", (int)sizeof(brand) - 1, text);
    snprintf(mem, sizeof(mem), "%.*s", (int)sizeof(mem) - 1, nl + 1);
    brand[strcspn(brand, "\r\n")] = '\0';
    double gib = strtod(mem, NULL) / (1024.0 * 1024.0 * 1024.0);
    if (strncmp(brand, "Apple ", 6) != 0 || !(gib > 0))
        return NULL;
    *mem_gib = gib;
    for (size_t i = 0; i < cat->nhardware; i++) {
        const struct lm_hardware *h = cat->hardware[i];
        if (h->vendor != LM_VENDOR_APPLE || fabs(h->memory_gib - gib) > 0.5)
            continue;
        int chip = 0;
        /* "Apple M1" must not match "Apple M1 Pro": compare whole words. */
        size_t bl = strlen(brand);
        const char *names[17];
        size_t nn = 0;
        names[nn++] = h->name;
        for (size_t k = 0; k < h->detect.n && nn < 17; k++)
            names[nn++] = h->detect.items[k];
        for (size_t k = 0; k < nn && !chip; k++) {
            const char *at = strstr(names[k], brand);
            chip = at != NULL && (at[bl] == '\0' || at[bl] == ' ' || at[bl] == '(' || at[bl] == ',') &&
                   !(at[bl] == ' ' && (strncmp(at + bl + 1, "Pro", 3) == 0 ||
                                       strncmp(at + bl + 1, "Max", 3) == 0 ||
                                       strncmp(at + bl + 1, "Ultra", 5) == 0));
        }
        if (chip)
            return h;
    }
    return NULL;
}

/* MemTotal from /proc/meminfo in GiB, or NAN. */
static double meminfo_gib(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f == NULL)
        return (double)NAN;
    char line[256];
    double gib = (double)NAN;
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned long long kb;
        if (sscanf(line, "MemTotal: %llu kB", &kb) == 1) {
            gib = (double)kb / (1024.0 * 1024.0);
            break;
        }
    }
    fclose(f);
    return gib;
}

/* The built profile: the assumptions are DESIGN §6.2's, flagged in basis. */
static const struct lm_hardware *build_local(struct lm_catalog *cat, double known_gib)
{
    static const char *device_name[] = { "device" };
    static const char *source[] = {
        "built from /proc/meminfo and the core count; bandwidth 50 GB/s, "
        "usable_fraction 0.75 and fp16 0.1 TFLOPS per core are assumptions (DESIGN 6.2)"
    };
    struct lm_hardware *h = lm_arena_alloc(&cat->arena, sizeof(*h));
    if (h == NULL)
        return NULL;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    double gib = isnan(known_gib) ? meminfo_gib() : known_gib;
    if (isnan(gib))
        gib = 8; /* no /proc: assume a small machine rather than fail */
    char name[128];
    snprintf(name, sizeof(name), "this machine (%ld cores, %.1f GiB)", cores, gib);
    h->id = "local";
    h->name = lm_arena_strdup(&cat->arena, name);
    h->vendor = LM_VENDOR_OTHER;
    h->hw_class = LM_HW_DESKTOP;
    h->memory_gib = gib;
    h->usable_fraction = 0.75;
    h->bandwidth_gbps = 50;
    h->fp16_tflops = 0.1 * (double)cores;
    h->fp8_tflops = (double)NAN;
    h->power_w = (double)NAN;
    h->placement_names.items = device_name;
    h->placement_names.n = 1;
    h->placements = 1u << LM_PLACE_DEVICE;
    h->max_devices = 1;
    h->purchase_usd = (double)NAN;
    h->usd_per_hour = (double)NAN;
    h->listed_usd_per_hour = (double)NAN;
    h->cloud_tier = -1;
    h->sources.items = source;
    h->sources.n = 1;
    h->origin = "<local>";
    return h->name ? h : NULL;
}

int lm_host_resolve(struct lm_catalog *cat, const struct lm_limits *limits,
                    struct lm_diags *diags, const struct lm_hardware **hw, int *built)
{
    *hw = NULL;
    *built = 0;
    const char *env = getenv("LMCHOOSE_HOST");
    if (env != NULL && env[0] != '\0') {
        const struct lm_hardware *h = lm_catalog_hardware(cat, env);
        struct lm_name_result named;
        if (h == NULL && strchr(env, '/') == NULL &&
            lm_catalog_resolve(cat, LM_KIND_HARDWARE, env, NULL, &named) == LM_NAME_FOUND)
            h = named.entry; /* an alias: LMCHOOSE_HOST="RTX 4090" */
        if (h == NULL && (strchr(env, '/') != NULL || strstr(env, ".yaml") != NULL ||
                          strstr(env, ".yml") != NULL)) {
            char *buf;
            size_t len;
            int rc = lm__read_input(env, env, limits->max_input_size, diags, &buf, &len);
            if (rc != LM_OK)
                return rc;
            size_t before = cat->nhardware;
            rc = lm_catalog_load_file(cat, "hardware", env, buf, len, 0, limits, diags);
            free(buf);
            if (rc != LM_OK)
                return rc;
            /* The file's entry is the one that was added or replaced. */
            for (size_t i = 0; i < cat->nhardware && h == NULL; i++)
                if (strcmp(cat->hardware[i]->origin, env) == 0)
                    h = cat->hardware[i];
            (void)before;
        }
        if (h == NULL) {
            struct lm_loc loc = { NULL, 0, 0 };
            return lm_diag_error(diags, LM_ESCHEMA, &loc,
                                 "LMCHOOSE_HOST '%s' is neither a hardware id nor a hardware profile file",
                                 env);
        }
        *hw = as_device(cat, h);
        return *hw ? LM_OK : LM_ENOMEM;
    }
    const struct lm_hardware *h = probe_nvidia(cat, diags);
    if (h != NULL) {
        *hw = as_device(cat, h);
        return *hw ? LM_OK : LM_ENOMEM;
    }
    double mac_gib = (double)NAN;
    h = probe_apple(cat, &mac_gib, diags);
    if (h != NULL) {
        *hw = as_device(cat, h);
        return *hw ? LM_OK : LM_ENOMEM;
    }
    *hw = build_local(cat, mac_gib);
    *built = 1;
    return *hw ? LM_OK : LM_ENOMEM;
}
