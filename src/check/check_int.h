/*
 * check's private interface between check.c (finding files, scenarios,
 * locations, waivers, judging one deployment) and check_deploy.c (judging
 * the deployments of a deployment file against its .lmchoose.yaml service,
 * and a scenario's deployment.from).
 */
#ifndef LMCHOOSE_CHECK_INT_H
#define LMCHOOSE_CHECK_INT_H

#include "check/check.h"
#include "deploy/deploy_read.h"
#include "lmchoose/scenario.h"
#include "check/repo_config.h"

/* Where the current judgement's keys are: a scenario's own keys, and for a
 * deployment read from a deployment file, the values in that file. */
struct dloc {
    const char *path; /* "deployment.model" ... */
    const char *file;
    unsigned line, col;
};

struct kpos {
    const char *file;
    unsigned line, col, vline, vcol;
};

struct state {
    struct lm_ctx *ctx;
    const struct lm_ruleset *rs;
    const struct lm_check_opts *o;
    struct lm_check_result *res;
    const struct lm_hardware *local;
    int local_built, local_tried, local_rc;
    char today[32];
    struct lm_diags *diags;            /* where value errors go */
    const struct lm_repo_config *cfg;  /* .lmchoose.yaml, or NULL */
    struct lm_scenario builtin;        /* the scenario without a config */
    /* The judgement in progress. */
    const struct dloc *dlocs;          /* NULL: a scenario's own deployment */
    size_t ndlocs;
    const char *dfile;                 /* the deployment's file and anchor */
    unsigned dline, dcol;
    int sc_keys;                       /* the scenario's keys may locate findings */
    const char *deploy_name;           /* for findings in deployment files */
    const struct lm_waiver *extra_waive; /* `# lmchoose:waive` comments */
    size_t nextra_waive;
    int walk_limited; /* a directory walk stopped at --max-files */
};


/* A deployment file read: its deployments and notes, or why it could not be
 * parsed (perr: the first parse error, in its own diagnostics list). */
struct foreign {
    struct lm_arena arena;
    struct lm_ffile ff;
    struct lm_diags perr;
    int parse_failed;
    int yaml;
};

/* What the copy says (a scenario's deployment keys beside `from:`, or a
 * .lmchoose.yaml service's deployment values), in lm_repo_deploy_keys order. */
struct declared {
    struct lm_repo_dval v[7];
    const char *file;
};
enum { DK_MODEL, DK_QUANT, DK_HARDWARE, DK_DEVICES, DK_PLACEMENT, DK_RUNTIME, DK_PROVIDER };

/* check.c */
/* One of check's own findings (ops.drift, ...) at file:line:col, unless the
 * scenario disables it; *cap is f->findings' capacity. */
int lm__check_own_finding(struct state *s, struct lm_check_file *f, size_t *cap,
                          const struct lm_scenario *sc, size_t ri, const char *file,
                          unsigned line, unsigned col, const char *fmt, ...) LM_PRINTF(9, 10);
/* Judges a deployment whose ids are valid (sc->deployment) and adds its
 * findings to f. Returns LM_OK, an input error (in s->diags) or LM_ENOMEM. */
int lm__check_judge_deployment(struct state *s, struct lm_check_file *f, size_t *cap,
                               struct lm_scenario *sc, struct lm_check_deploy *cd);

/* check_deploy.c */
const char *lm__check_base_of(const char *path);
/* Reads a deployment file (docs: its YAML documents, NULL for the text
 * formats) into fo->ff, following a vLLM --config next to it. */
int lm__check_read_foreign(struct state *s, const char *display, const char *buf, size_t len,
                           struct lm_ynode **docs, size_t ndocs, struct foreign *fo);
void lm__check_foreign_release(struct foreign *fo);
/* The scenario a deployment of a deployment file is judged against, and
 * what its .lmchoose.yaml service says about it (decl). */
const struct lm_scenario *lm__check_service_scenario(struct state *s, const char *file,
                                                     const char *name, struct declared *decl,
                                                     const char **service);
/* Judges one deployment of a deployment file, comparing it with decl. */
int lm__check_judge_foreign(struct state *s, struct lm_check_file *f, size_t *cap,
                            const char *file, const struct lm_fdeploy *fd,
                            const struct lm_scenario *base, const struct declared *decl,
                            const char *service);
/* A reader's notes as ops.unreadable findings. */
int lm__check_note_findings(struct state *s, struct lm_check_file *f, size_t *cap,
                            const char *file, const struct lm_ffile *ff,
                            const struct lm_scenario *sc);
/* True when text looks like an lmchoose scenario (a line "lmchoose:"). */
int lm__check_looks_like_scenario(const char *buf, size_t len);
/* A scenario's deployment: {from, name}. */
int lm__check_judge_from(struct state *s, struct lm_check_file *f, size_t *cap,
                         const struct lm_scenario *sc);
/* check_judge.c: where the key at path (a dotted scenario path) is written
 * in the file being checked; 0 when it is not. */
int lm__check_find_key(const struct state *s, const struct lm_scenario *sc, const char *path,
                       struct kpos *out);
/* check_judge.c: sorts f's findings by position and sets f->passed. */
void lm__check_finish_file(struct lm_check_file *f);

#endif
