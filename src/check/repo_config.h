/*
 * The repository config `.lmchoose.yaml` (DESIGN §6.3, docs/ci.md): what
 * `check` needs to judge deployment files that say nothing about the
 * application — the workload, constraints and priorities of each service,
 * exclude globs, a default --fail-on, profile layers and waivers. It is
 * found from the current directory upward, like `.checkov.yaml`.
 *
 *   lmchoose: 1
 *   exclude: [GLOB, ...]                   # relative to this file
 *   fail_on: error                         # --fail-on wins
 *   profiles: [profiles/]                  # layers, relative to this file
 *   defaults: {task: ..., workload: ..., constraints: ..., priorities: ...,
 *              assumptions: ..., rules: {disable, waive}}
 *   services:
 *     - name: support-bot                  # a glob on the deployment's name
 *       path: GLOB                         # and/or a glob on its file's path
 *       task: ...                          # merged over defaults, key by key
 *       deployment: {hardware: nvidia-l4}  # values the file cannot say
 *
 * Ownership: everything lives in the config's arena; release frees it.
 */
#ifndef LMCHOOSE_REPO_CONFIG_H
#define LMCHOOSE_REPO_CONFIG_H

#include <stddef.h>

#include "lmchoose/arena.h"
#include "lmchoose/catalog.h"
#include "lmchoose/diag.h"
#include "lmchoose/limits.h"
#include "lmchoose/scenario.h"
#include "io/ynode.h"

/* A deployment value given in the config, with its location there. */
struct lm_repo_dval {
    const char *s;
    unsigned line, col;
};

struct lm_repo_service {
    const char *name_glob, *path_glob; /* NULL: any */
    unsigned line, col;                /* the entry */
    struct lm_scenario sc;             /* defaults merged with this entry */
    int sc_ok;
    /* deployment: model, quantization, hardware, devices, placement,
     * runtime, provider (indices of lm_repo_deploy_keys). */
    struct lm_repo_dval deploy[7];
};
extern const char *const lm_repo_deploy_keys[8];

struct lm_repo_config {
    struct lm_arena arena;
    const char *path; /* as found (e.g. "../.lmchoose.yaml") */
    const char *dir;  /* its directory, "" for the current one */
    const char *absdir; /* the same, resolved (realpath), or NULL */
    struct lm_strlist exclude;
    int fail_on;      /* LM_CHECK_FAIL_*, -1 when unset */
    struct lm_strlist profiles; /* paths joined with dir */
    struct lm_repo_service *services;
    size_t nservices;
    struct lm_repo_service defaults; /* the defaults alone */
};

/* Looks for .lmchoose.yaml in the current directory and its parents. Returns
 * a malloc'd path (relative when found here or above: "../.lmchoose.yaml")
 * or NULL. */
char *lm__repo_config_find(void);

/* Loads path. Errors (exit 3) go to diags with FILE:LINE:COL. */
int lm__repo_config_load(struct lm_repo_config *c, const char *path,
                         const struct lm_limits *limits, struct lm_diags *diags);

/* The first service whose globs match the deployment (file as found on
 * the command line, name as the deployment file names it), or defaults. */
const struct lm_repo_service *lm__repo_config_match(const struct lm_repo_config *c,
                                                    const char *file, const char *name);

/* True when a path (as found) matches one of the config's or extra
 * exclude globs. */
int lm__repo_excluded(const struct lm_repo_config *c, const char *const *extra, size_t nextra,
                      const char *file);

void lm__repo_config_release(struct lm_repo_config *c);

#endif
