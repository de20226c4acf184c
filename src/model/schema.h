/*
 * Schema-directed typing of a YAML tree (ynode.h) into C structs, driven by
 * one field table per struct (curl's option table, kilo's HLDB). One loop
 * handles unknown keys (with "did you mean"), duplicate keys, required keys,
 * node kinds, number syntax and ranges, booleans and enums, so every loader
 * reports the same errors with the same words.
 *
 * Scalars are typed by the schema, never by YAML 1.1 implicit resolution:
 * booleans are true/false only, numbers follow DESIGN §3.1's grammar, a quoted
 * scalar is never a number or boolean, and string fields keep the text as
 * written ("no", "3.10").
 *
 * Every error is collected (c->errors counts them) and loading continues with
 * the next field, so a file reports all its schema errors at once.
 */
#ifndef LMCHOOSE_SCHEMA_H
#define LMCHOOSE_SCHEMA_H

#include <stddef.h>

#include "lmchoose/catalog.h"
#include "io/ynode.h"

enum lm_ftype {
    LM_F_STR,     /* const char * */
    LM_F_ID,      /* const char *, [a-z0-9][a-z0-9._-]* */
    LM_F_NUM,     /* double, NAN when absent */
    LM_F_INT,     /* double holding an integer, NAN when absent */
    LM_F_BOOL,    /* int: -1 absent, 0, 1 */
    LM_F_ENUM,    /* int: -1 absent, else index into values */
    LM_F_STRLIST, /* struct lm_strlist; with values: each must be one of them */
    LM_F_MAP,     /* nested struct at off, described by sub */
    LM_F_CUSTOM   /* custom(c, value node, obj) does the work */
};

#define LM_FF_REQUIRED 0x1u /* missing or null is an error */
#define LM_FF_MIN_OPEN 0x2u /* range is (min, …] rather than [min, …] */
#define LM_FF_MAX_OPEN 0x4u /* range is […, max) */

struct lm_sctx;
struct lm_schema;

struct lm_field {
    const char *key;
    enum lm_ftype type;
    size_t off;
    unsigned flags;
    double min, max;                  /* LM_F_NUM, LM_F_INT */
    const char *const *values;        /* LM_F_ENUM, LM_F_STRLIST: NULL-terminated */
    const struct lm_schema *sub;      /* LM_F_MAP; LM_F_CUSTOM: the schema of
                                         the mapping (or of each mapping in
                                         the list) the handler reads, if any */
    int (*custom)(struct lm_sctx *c, const struct lm_ynode *val, void *obj);
};

struct lm_schema {
    const struct lm_field *fields;
    size_t n;
};

/* A key's location, recorded by dotted path (for check's findings). */
struct lm_keyloc {
    const char *path;
    unsigned line, col;       /* the key */
    unsigned vline, vcol;     /* the value */
};

struct lm_sctx {
    struct lm_arena *arena;
    struct lm_diags *diags;
    const char *file;
    size_t errors;
    int record;               /* record key locations in locs */
    struct lm_keyloc *locs;   /* malloc'd; caller frees */
    size_t nlocs, caplocs;
    char path[256];           /* dotted path of the mapping being read */
};

/* Reads mapping node map into obj by schema s. Absent fields are set to their
 * absent value first. Errors go to c->diags; returns the number added. */
size_t lm__schema_map(struct lm_sctx *c, const struct lm_ynode *map,
                      const struct lm_schema *s, void *obj);

/* Error helpers that locate at a node. */
void lm__schema_error(struct lm_sctx *c, const struct lm_ynode *at,
                      const char *fmt, ...) LM_PRINTF(3, 4);

/* Field-level conversions, for custom handlers. Each returns 0 on success
 * and adds an error otherwise. key names the field in messages. */
int lm__scalar_num(struct lm_sctx *c, const char *key, const struct lm_ynode *v,
                   double min, double max, unsigned flags, int integer,
                   double *out);
int lm__scalar_str(struct lm_sctx *c, const char *key, const struct lm_ynode *v,
                   const char **out);
int lm__scalar_enum(struct lm_sctx *c, const char *key, const struct lm_ynode *v,
                    const char *const *values, int *out);
int lm__strlist(struct lm_sctx *c, const char *key, const struct lm_ynode *v,
                const char *const *values, struct lm_strlist *out);
const char *lm__node_kind_name(const struct lm_ynode *n);

/* The recorded location of a dotted path, or NULL. */
const struct lm_keyloc *lm__keyloc_find(const struct lm_keyloc *locs, size_t n,
                                        const char *path);

/* The field tables of each file type, for tests that walk every field
 * (tests/unit/test_required_null.c). kind: "model", "hardware",
 * "quantization" (one entry of the list), "runtime" (one entry), "rule" (one
 * entry), "classify" (the rule file's classify block) or "scenario".
 * NULL for anything else. */
const struct lm_schema *lm__catalog_schema(const char *kind);
const struct lm_schema *lm__rules_schema(const char *kind);
const struct lm_schema *lm__scenario_schema(void);

/* True when s matches DESIGN §3.1's number grammar (a leading '+' allowed). */
int lm__is_number_syntax(const char *s, int integer);

#endif
