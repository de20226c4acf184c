/*
 * Unit tests of the YAML loader and schema typing (yaml_load.c, schema.c):
 * each hostile or malformed input, given as a string, must give exactly one
 * diagnostic at the right line and column with the right words. The same
 * checks run on files through the golden CLI cases (tests/cli/bad-*), so
 * every rule is exercised on a string and on a file (STYLE §2.5 rule 8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lmchoose/catalog.h"
#include "lmchoose/status.h"
#include "util/strutil.h"
#include "io/ynode.h"

static const char model_head[] = "id: tiny\nname: Tiny\nparams_b: 1.5\ncontext_tokens: 4096\n"
                                 "open_weights: true\nsources: [x]\n";

struct bad_case {
    const char *yaml;
    unsigned line, col;
    const char *msg;
};

/* Loads yaml as a model file named tiny.yaml and returns the diagnostics. */
static int load_model(const char *yaml, size_t len, struct lm_diags *d)
{
    struct lm_catalog cat = LM_CATALOG_INIT;
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    int rc = lm_catalog_load_file(&cat, "model", "tiny.yaml", yaml, len, 1, &limits, d);
    lm_catalog_release(&cat);
    return rc;
}

static void check_cases(const struct bad_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct lm_diags d = LM_DIAGS_INIT;
        int rc = load_model(cases[i].yaml, strlen(cases[i].yaml), &d);
        if (rc == LM_OK || d.count != 1 || d.items[0].line != cases[i].line ||
            d.items[0].col != cases[i].col || strcmp(d.items[0].msg, cases[i].msg) != 0) {
            print_error("case %zu: rc %d, %zu diagnostics, first %u:%u '%s'; expected %u:%u '%s'\n",
                        i, rc, d.count, d.count ? d.items[0].line : 0,
                        d.count ? d.items[0].col : 0, d.count ? d.items[0].msg : "",
                        cases[i].line, cases[i].col, cases[i].msg);
            lm_diags_release(&d);
            fail();
        }
        lm_diags_release(&d);
    }
}

static void test_syntax_and_structure(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        { "a: &x 1\nb: *x\n", 1, 4, "anchors and aliases are not allowed" },
        { "a: *nope\n", 1, 4, "anchors and aliases are not allowed" },
        { "a: !custom 5\n", 1, 4, "tags are not allowed ('!custom')" },
        { "", 1, 1, "file is empty (no YAML document)" },
        { "# only a comment\n", 1, 1, "file is empty (no YAML document)" },
        { "a: 1\n---\nb: 2\n", 2, 1, "expected exactly one YAML document, found a second" },
        { "? [a, b]\n: 1\n", 1, 3, "mapping keys must be scalars, not a sequence" },
        { "id: tiny\nname: caf\xe9\n", 2, 10, "invalid UTF-8 (incomplete UTF-8 octet sequence)" },
        { "a:\n\tb: 1\n", 2, 1,
          "found character that cannot start any token (while scanning for the next token at line 2, column 1); "
          "tabs are not allowed for indentation" },
        { "a: [1, 2\nb: 3\n", 2, 2,
          "did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 4)" },
    };
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_nul_byte(void **state)
{
    (void)state;
    static const char yaml[] = "id: tiny\nname: a\0b\n";
    struct lm_diags d = LM_DIAGS_INIT;
    assert_int_not_equal(load_model(yaml, sizeof(yaml) - 1, &d), LM_OK);
    assert_int_equal(d.count, 1);
    assert_int_equal(d.items[0].line, 2);
    assert_int_equal(d.items[0].col, 8);
    assert_string_equal(d.items[0].msg, "control characters are not allowed (U+0000)");
    lm_diags_release(&d);
}

static void test_depth_limit_stops_early(void **state)
{
    (void)state;
    /* 1 MB of '[' is rejected at depth 65 (RELIABILITY §3.2: libyaml's own
     * loader would take minutes). */
    size_t n = 1000000;
    char *yaml = test_malloc(n + 1);
    memset(yaml, '[', n);
    yaml[n] = '\0';
    struct lm_diags d = LM_DIAGS_INIT;
    assert_int_not_equal(load_model(yaml, n, &d), LM_OK);
    assert_int_equal(d.count, 1);
    assert_int_equal(d.items[0].line, 1);
    assert_int_equal(d.items[0].col, 65);
    assert_string_equal(d.items[0].msg, "nesting depth exceeds --max-depth (64)");
    lm_diags_release(&d);
    test_free(yaml);
}

static void test_typing(void **state)
{
    (void)state;
    char buf[16][512];
    static const struct {
        const char *from, *to;
        unsigned line, col;
        const char *msg;
    } subs[] = {
        { "params_b: 1.5", "params_b: \"1.5\"", 3, 11, "'params_b' must be a number, not a quoted string" },
        { "params_b: 1.5", "params_b: .inf", 3, 11, "'params_b' must be a number, got '.inf'" },
        { "params_b: 1.5", "params_b: 1e400", 3, 11, "'params_b' must be a finite number, got '1e400'" },
        { "params_b: 1.5", "params_b: 0", 3, 11, "'params_b' must be in (0, 10000], got 0" },
        { "params_b: 1.5", "params_b: 0x10", 3, 11, "'params_b' must be a number, got '0x10'" },
        { "context_tokens: 4096", "context_tokens: 010", 4, 17, "'context_tokens' must be an integer, got '010'" },
        { "context_tokens: 4096", "context_tokens: 1_000", 4, 17, "'context_tokens' must be an integer, got '1_000'" },
        { "context_tokens: 4096", "context_tokens: 4e3", 4, 17, "'context_tokens' must be an integer, got '4e3'" },
        { "open_weights: true", "open_weights: yes", 5, 15, "'open_weights' must be true or false, got 'yes'" },
        { "open_weights: true", "open_weights: \"true\"", 5, 15, "'open_weights' must be true or false, not a quoted string" },
        { "sources: [x]", "sources: [x]\nfamly: llama", 7, 1, "unknown key 'famly' (did you mean 'family'?)" },
        { "sources: [x]", "sources: x", 6, 10, "'sources' must be a list, not a scalar" },
    };
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        const char *at = strstr(model_head, subs[i].from);
        assert_non_null(at);
        snprintf(buf[0], sizeof(buf[0]), "%.*s%s%s", (int)(at - model_head), model_head,
                 subs[i].to, at + strlen(subs[i].from));
        struct bad_case c[1] = { { buf[0], subs[i].line, subs[i].col, subs[i].msg } };
        /* A removed key adds "missing required key" too; no case here removes one. */
        check_cases(c, 1);
    }
}

static void test_all_schema_errors_reported(void **state)
{
    (void)state;
    const char *yaml = "id: tiny\nname: Tiny\nparams_b: x\ncontext_tokens: -1\n"
                       "open_weights: maybe\nsources: [x]\nbogus: 1\n";
    struct lm_diags d = LM_DIAGS_INIT;
    assert_int_equal(load_model(yaml, strlen(yaml), &d), LM_ESCHEMA);
    assert_int_equal(d.count, 4);
    assert_int_equal(d.items[0].line, 3);
    assert_int_equal(d.items[1].line, 4);
    assert_int_equal(d.items[2].line, 5);
    assert_int_equal(d.items[3].line, 7);
    lm_diags_release(&d);
}

static void test_strings_keep_their_text(void **state)
{
    (void)state;
    char yaml[512];
    snprintf(yaml, sizeof(yaml), "%slicense: 3.10\nfamily: no\n", model_head);
    struct lm_catalog cat = LM_CATALOG_INIT;
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags d = LM_DIAGS_INIT;
    assert_int_equal(lm_catalog_load_file(&cat, "model", "tiny.yaml", yaml, strlen(yaml), 1,
                                          &limits, &d),
                     LM_OK);
    const struct lm_model *m = lm_catalog_model(&cat, "tiny");
    assert_non_null(m);
    assert_string_equal(m->license, "3.10");
    assert_string_equal(m->family, "no");
    assert_true(m->quality[LM_Q_MMLU] != m->quality[LM_Q_MMLU]); /* absent = NAN */
    lm_catalog_release(&cat);
    lm_diags_release(&d);
}

/* Every diagnostic is one line of visible text (issue 15): the message is
 * escaped once, in diag.c, whatever the format quoted into it. */
static void test_diagnostics_are_escaped(void **state)
{
    (void)state;
    struct lm_diags d = LM_DIAGS_INIT;
    struct lm_loc loc = { "f.yaml", 1, 2 };
    lm_diag_error(&d, LM_ESCHEMA, &loc, "got '%s'",
                  "a\nb\rc\td\x1b[2K\x07\x7f \xff\xc3(\xe2\x80\xa8\xe2\x80\xae\xc2\x9b é ✓");
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].msg,
                        "got 'a\\nb\\rc\\td\\e[2K\\x07\\x7F \\xFF\\xC3(\\u2028\\u202E\\u009B é ✓'");
    lm_diags_release(&d);
}

static void test_escape_visible_keeps_text(void **state)
{
    (void)state;
    const char *plain = "model 'x' (did you mean \"y\"?) \\ 3.10 — ok";
    char *e = lm__escape_visible(plain, strlen(plain));
    assert_string_equal(e, plain);
    free(e);
    /* A truncated sequence at the end is escaped byte by byte. */
    e = lm__escape_visible("ab\xe2\x80", 4);
    assert_string_equal(e, "ab\\xE2\\x80");
    free(e);
}

/* Duplicate detection in linear time: values, first-wins, growth. */
static void test_strset(void **state)
{
    (void)state;
    struct lm_strset set = LM_STRSET_INIT;
    static char keys[5000][16];
    for (size_t i = 0; i < 5000; i++) {
        snprintf(keys[i], sizeof(keys[i]), "id-%zu", i);
        assert_int_equal(lm__strset_put(&set, keys[i], i), LM_STRSET_NONE);
    }
    assert_int_equal(set.n, 5000);
    assert_int_equal(lm__strset_put(&set, "id-4321", 7), 4321);
    assert_int_equal(lm__strset_get(&set, "id-17"), 17);
    assert_int_equal(lm__strset_get(&set, "id-5000"), LM_STRSET_NONE);
    lm__strset_set(&set, "id-17", 99);
    assert_int_equal(lm__strset_get(&set, "id-17"), 99);
    lm__strset_release(&set);
    assert_int_equal(lm__strset_get(&set, "id-1"), LM_STRSET_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax_and_structure),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_depth_limit_stops_early),
        cmocka_unit_test(test_typing),
        cmocka_unit_test(test_all_schema_errors_reported),
        cmocka_unit_test(test_strings_keep_their_text),
        cmocka_unit_test(test_diagnostics_are_escaped),
        cmocka_unit_test(test_escape_visible_keeps_text),
        cmocka_unit_test(test_strset),
    };
    return cmocka_run_group_tests_name("yaml_load", tests, NULL, NULL);
}
