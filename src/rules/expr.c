/*
 * Rule conditions and message templates: lexer, recursive-descent parser with
 * compile-time type checking, postfix code generation, an allocation-free
 * evaluator with Kleene logic, and the template compiler and renderer.
 *
 * This file does not know where facts come from (the caller's resolver
 * supplies them), does not print, and does not map byte offsets to lines and
 * columns; the rule loader does that with the YAML scalar's position.
 *
 * Ownership: compiling allocates one object with a few arrays hanging off it;
 * the matching _free() releases them. Evaluation and rendering only read the
 * compiled object and borrow what the resolver returns.
 */
#include "rules/expr.h"

#include <assert.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define EXPR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define EXPR_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define EXPR_PRINTF(f, a)
#define EXPR_ALWAYS_INLINE inline
#endif

/* ===================================================================== */
/* Errors                                                                */
/* ===================================================================== */

static void set_error(struct lm_expr_error *err, size_t offset, const char *fmt,
                      ...) EXPR_PRINTF(3, 4);

static void set_error(struct lm_expr_error *err, size_t offset, const char *fmt,
                      ...)
{
    va_list ap;

    if (err == NULL)
        return;
    err->offset = offset;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

/*
 * Describes the character at s[0..n) for "unexpected character" messages.
 * Printable ASCII is quoted as is; a complete UTF-8 sequence is copied so
 * that the message names the character the author typed; anything else is
 * shown as a byte in hex, which keeps messages valid UTF-8.
 */
static void describe_char(const char *s, size_t n, char *buf, size_t cap)
{
    unsigned char c = (unsigned char)s[0];
    size_t need = 0;

    if (c >= 0x20 && c < 0x7f) {
        snprintf(buf, cap, "character '%c'", c);
        return;
    }
    if (c >= 0xc2 && c <= 0xdf)
        need = 2;
    else if (c >= 0xe0 && c <= 0xef)
        need = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 4;
    if (need > 0 && need <= n) {
        size_t i;
        for (i = 1; i < need; i++)
            if (((unsigned char)s[i] & 0xc0) != 0x80)
                break;
        if (i == need) {
            snprintf(buf, cap, "character '%.*s'", (int)need, s);
            return;
        }
    }
    snprintf(buf, cap, "byte 0x%02x", (unsigned)c);
}

/* ===================================================================== */
/* Suggestions ("did you mean")                                          */
/* ===================================================================== */

/*
 * Optimal-string-alignment (restricted Damerau-Levenshtein) distance. Three
 * rolling rows suffice; they live in row[0..3*(nb+1)).
 */
static size_t osa_distance(const char *a, size_t na, const char *b, size_t nb,
                           size_t *row)
{
    size_t *prev2 = row, *prev = row + nb + 1, *cur = row + 2 * (nb + 1);

    for (size_t j = 0; j <= nb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (prev[j - 1] + cost < d)
                d = prev[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < d)
                d = prev2[j - 2] + 1;
            cur[j] = d;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb];
}

/*
 * Returns the candidate closest to word[0..n) when its distance is at most
 * max(2, n/3), else NULL. Ties go to the earlier candidate, so suggestions
 * are deterministic. Candidates come either from a fact table or from a
 * NULL-terminated name list.
 */
static const char *suggest(const char *word, size_t n,
                           const struct lm_fact_table *facts,
                           const char *const *names)
{
    size_t limit = n / 3 > 2 ? n / 3 : 2;
    size_t best_d = SIZE_MAX;
    const char *best = NULL;
    size_t count = facts != NULL ? facts->n : 0;
    size_t maxlen = 0;
    size_t *row;

    if (names != NULL)
        for (count = 0; names[count] != NULL; count++)
            ;
    for (size_t i = 0; i < count; i++) {
        const char *c = facts != NULL ? facts->defs[i].path : names[i];
        size_t cl = c != NULL ? strlen(c) : 0;
        if (cl > maxlen)
            maxlen = cl;
    }
    row = malloc(3 * (maxlen + 1) * sizeof *row);
    if (row == NULL)
        return NULL; /* A missing suggestion is harmless. */
    for (size_t i = 0; i < count; i++) {
        const char *c = facts != NULL ? facts->defs[i].path : names[i];
        if (c == NULL)
            continue;
        size_t cl = strlen(c);
        size_t diff = cl > n ? cl - n : n - cl;
        if (diff > limit || diff >= best_d)
            continue;
        size_t d = osa_distance(word, n, c, cl, row);
        if (d <= limit && d < best_d) {
            best_d = d;
            best = c;
        }
    }
    free(row);
    return best;
}

/* ===================================================================== */
/* Lexer                                                                 */
/* ===================================================================== */

enum tk {
    TK_EOF,
    TK_NUM,
    TK_STR,
    TK_NAME,
    TK_AND,
    TK_OR,
    TK_NOT,
    TK_IN,
    TK_CONTAINS,
    TK_TRUE,
    TK_FALSE,
    TK_NULL,
    TK_EQ,
    TK_NE,
    TK_LT,
    TK_LE,
    TK_GT,
    TK_GE,
    TK_PLUS,
    TK_MINUS,
    TK_STAR,
    TK_SLASH,
    TK_LPAREN,
    TK_RPAREN,
    TK_LBRACK,
    TK_RBRACK,
    TK_COMMA
};

struct tok {
    enum tk kind;
    size_t off; /* first byte */
    size_t end; /* one past the last byte */
    int dotted; /* TK_NAME: the name contains a '.' */
};

/* Keywords; a dotted name is never a keyword ("model.in" is a path). */
static const struct {
    const char *word;
    enum tk kind;
} keywords[] = {
    {"and", TK_AND}, {"contains", TK_CONTAINS}, {"false", TK_FALSE},
    {"in", TK_IN},   {"not", TK_NOT},           {"null", TK_NULL},
    {"or", TK_OR},   {"true", TK_TRUE},
};

static int is_name_start(int c)
{
    return (c >= 'a' && c <= 'z') || c == '_';
}

static int is_name_char(int c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Reads one token starting at pos. Returns 0, or -1 with *err filled. The
 * lexer only validates strings and numbers; the parser converts them when it
 * consumes them, so peeking ahead never writes anything.
 */
static int lex(const char *s, size_t len, size_t pos, struct tok *t,
               struct lm_expr_error *err)
{
    while (pos < len && is_space((unsigned char)s[pos]))
        pos++;
    t->off = pos;
    t->dotted = 0;
    if (pos >= len) {
        t->kind = TK_EOF;
        t->end = pos;
        return 0;
    }

    int c = (unsigned char)s[pos];
    int n1 = pos + 1 < len ? (unsigned char)s[pos + 1] : -1;

    if (is_digit(c)) {
        size_t p = pos;
        while (p < len && is_digit((unsigned char)s[p]))
            p++;
        if (p < len && s[p] == '.') {
            p++;
            if (p >= len || !is_digit((unsigned char)s[p])) {
                set_error(err, p, "expected a digit after '.' in number");
                return -1;
            }
            while (p < len && is_digit((unsigned char)s[p]))
                p++;
        }
        if (p < len && (s[p] == 'e' || s[p] == 'E')) {
            p++;
            if (p < len && (s[p] == '+' || s[p] == '-'))
                p++;
            if (p >= len || !is_digit((unsigned char)s[p])) {
                set_error(err, p, "expected a digit in the exponent of number");
                return -1;
            }
            while (p < len && is_digit((unsigned char)s[p]))
                p++;
        }
        if (p < len && (is_name_char((unsigned char)s[p]) || s[p] == '.' ||
                        (s[p] >= 'A' && s[p] <= 'Z'))) {
            char what[32];
            describe_char(s + p, len - p, what, sizeof what);
            set_error(err, p, "unexpected %s after number", what);
            return -1;
        }
        t->kind = TK_NUM;
        t->end = p;
        return 0;
    }

    if (c == '"') {
        size_t p = pos + 1;
        for (;;) {
            if (p >= len) {
                set_error(err, pos, "unterminated string");
                return -1;
            }
            unsigned char d = (unsigned char)s[p];
            if (d == '"')
                break;
            if (d == '\\') {
                if (p + 1 < len && (s[p + 1] == '"' || s[p + 1] == '\\')) {
                    p += 2;
                    continue;
                }
                if (p + 1 >= len) {
                    set_error(err, pos, "unterminated string");
                    return -1;
                }
                char what[32];
                describe_char(s + p + 1, len - p - 1, what, sizeof what);
                set_error(err, p,
                          "invalid escape (%s after '\\'); only \\\" and \\\\ "
                          "are allowed",
                          what);
                return -1;
            }
            /* Control characters (NUL included) would make the string
             * compare differently from what the author sees. */
            if (d < 0x20 || d == 0x7f) {
                set_error(err, p, "control character (byte 0x%02x) in string",
                          (unsigned)d);
                return -1;
            }
            p++;
        }
        t->kind = TK_STR;
        t->end = p + 1;
        return 0;
    }

    if (is_name_start(c)) {
        size_t p = pos;
        for (;;) {
            while (p < len && is_name_char((unsigned char)s[p]))
                p++;
            if (p < len && s[p] == '.') {
                if (p + 1 < len && is_name_start((unsigned char)s[p + 1])) {
                    p++;
                    t->dotted = 1;
                    continue;
                }
                set_error(err, p + 1, "expected a name after '.' in fact path");
                return -1;
            }
            break;
        }
        t->kind = TK_NAME;
        t->end = p;
        if (!t->dotted)
            for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
                if (strlen(keywords[i].word) == p - pos &&
                    memcmp(keywords[i].word, s + pos, p - pos) == 0)
                    t->kind = keywords[i].kind;
        return 0;
    }

    t->end = pos + 1;
    switch (c) {
    case '+':
        t->kind = TK_PLUS;
        return 0;
    case '-':
        t->kind = TK_MINUS;
        return 0;
    case '*':
        t->kind = TK_STAR;
        return 0;
    case '/':
        t->kind = TK_SLASH;
        return 0;
    case '(':
        t->kind = TK_LPAREN;
        return 0;
    case ')':
        t->kind = TK_RPAREN;
        return 0;
    case '[':
        t->kind = TK_LBRACK;
        return 0;
    case ']':
        t->kind = TK_RBRACK;
        return 0;
    case ',':
        t->kind = TK_COMMA;
        return 0;
    case '<':
    case '>':
        if (n1 == '=') {
            t->kind = c == '<' ? TK_LE : TK_GE;
            t->end = pos + 2;
        } else {
            t->kind = c == '<' ? TK_LT : TK_GT;
        }
        return 0;
    case '=':
        if (n1 == '=') {
            t->kind = TK_EQ;
            t->end = pos + 2;
            return 0;
        }
        set_error(err, pos, "unexpected character '='; use '==' to compare");
        return -1;
    case '!':
        if (n1 == '=') {
            t->kind = TK_NE;
            t->end = pos + 2;
            return 0;
        }
        set_error(err, pos, "unexpected character '!'; use 'not' or '!='");
        return -1;
    case '&':
        set_error(err, pos, "unexpected character '&'; use 'and'");
        return -1;
    case '|':
        set_error(err, pos, "unexpected character '|'; use 'or'");
        return -1;
    case '\'':
        set_error(err, pos, "strings use double quotes, not single quotes");
        return -1;
    default:
        break;
    }
    {
        char what[32];
        describe_char(s + pos, len - pos, what, sizeof what);
        if (c >= 'A' && c <= 'Z')
            set_error(err, pos, "unexpected %s; names are lower-case", what);
        else
            set_error(err, pos, "unexpected %s", what);
    }
    return -1;
}

/* ===================================================================== */
/* Numbers                                                               */
/* ===================================================================== */

/* Powers of ten that a double holds exactly. */
static const double exact_pow10[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * Converts a number literal that lex() already validated against
 * [0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?, independently of LC_NUMERIC.
 *
 * Literals with at most 15 significant digits and a decimal exponent within
 * +-22 (every literal a rule realistically contains) take Clinger's fast
 * path: an exact integer times or divided by an exact power of ten, which is
 * one correctly rounded IEEE operation. The rest go to strtod(), after the
 * '.' is replaced by the current locale's decimal point so that strtod()
 * reads the same digits whatever LC_NUMERIC says. Returns 0, or -1 when the
 * value overflows a double (or memory runs out).
 */
static int convert_number(const char *s, size_t n, double *out)
{
    uint64_t mant = 0;
    int sig = 0, frac_digits = 0, many = 0;
    long exp10 = 0;
    size_t p = 0;

    for (; p < n && (is_digit((unsigned char)s[p]) || s[p] == '.'); p++) {
        if (s[p] == '.') {
            frac_digits = 1;
            continue;
        }
        int d = s[p] - '0';
        if (sig == 0 && d == 0) {
            if (frac_digits)
                exp10--;
            continue;
        }
        if (sig < 19) {
            mant = mant * 10 + (uint64_t)d;
            sig++;
            if (frac_digits)
                exp10--;
        } else {
            many = 1;
            if (!frac_digits)
                exp10++;
        }
    }
    if (p < n) { /* exponent */
        int neg = 0;
        long e = 0;
        p++;
        if (s[p] == '+' || s[p] == '-')
            neg = s[p++] == '-';
        for (; p < n; p++)
            if (e < 100000)
                e = e * 10 + (s[p] - '0');
        exp10 += neg ? -e : e;
    }
    if (mant == 0) {
        *out = 0.0;
        return 0;
    }
    if (!many && sig <= 15 && exp10 >= -22 && exp10 <= 22) {
        double m = (double)mant;
        *out = exp10 >= 0 ? m * exact_pow10[exp10] : m / exact_pow10[-exp10];
        return 0;
    }

    const char *point = localeconv()->decimal_point;
    size_t plen = point != NULL && point[0] != '\0' ? strlen(point) : 1;
    char *buf = malloc(n * plen + 1);
    size_t w = 0;
    char *end;
    if (buf == NULL)
        return -1;
    for (p = 0; p < n; p++) {
        if (s[p] == '.' && point != NULL && point[0] != '\0') {
            memcpy(buf + w, point, plen);
            w += plen;
        } else {
            buf[w++] = s[p];
        }
    }
    buf[w] = '\0';
    *out = strtod(buf, &end);
    int ok = end == buf + w && isfinite(*out);
    free(buf);
    return ok ? 0 : -1;
}

/* ===================================================================== */
/* Number formatting                                                     */
/* ===================================================================== */

/* Copies src[0..n) into buf like snprintf would and returns n. */
static size_t copy_out(const char *src, size_t n, char *buf, size_t cap)
{
    if (cap > 0) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(buf, src, k);
        buf[k] = '\0';
    }
    return n;
}

/*
 * The default format rounds to 6 significant digits with "%.5e" (exact and
 * locale-proof apart from the decimal point, which is skipped) and then lays
 * the digits out by hand, so that large numbers print as 123457000 rather
 * than with the 9 digits "%.0f" would invent.
 */
static size_t format_default(double v, char *tmp, size_t cap)
{
    char e[64];
    char digits[8];
    size_t nd = 0, w = 0;
    int exp10 = 0, eneg = 0;
    const char *p;

    snprintf(e, sizeof e, "%.5e", v);
    p = e;
    if (*p == '-') {
        tmp[w++] = '-';
        p++;
    }
    for (; *p != '\0' && *p != 'e' && *p != 'E'; p++)
        if (is_digit((unsigned char)*p) && nd < 6)
            digits[nd++] = *p;
    if (*p != '\0')
        p++;
    if (*p == '+' || *p == '-')
        eneg = *p++ == '-';
    for (; is_digit((unsigned char)*p); p++)
        exp10 = exp10 * 10 + (*p - '0');
    if (eneg)
        exp10 = -exp10;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;

    if (exp10 >= -4 && exp10 < 15) {
        if (exp10 >= 0) {
            for (int i = 0; i <= exp10; i++)
                tmp[w++] = (size_t)i < nd ? digits[i] : '0';
            if ((size_t)exp10 + 1 < nd) {
                tmp[w++] = '.';
                for (size_t i = (size_t)exp10 + 1; i < nd; i++)
                    tmp[w++] = digits[i];
            }
        } else {
            tmp[w++] = '0';
            tmp[w++] = '.';
            for (int i = 0; i < -exp10 - 1; i++)
                tmp[w++] = '0';
            for (size_t i = 0; i < nd; i++)
                tmp[w++] = digits[i];
        }
    } else {
        tmp[w++] = digits[0];
        if (nd > 1) {
            tmp[w++] = '.';
            for (size_t i = 1; i < nd; i++)
                tmp[w++] = digits[i];
        }
        w +=
            (size_t)snprintf(tmp + w, cap - w, "e%c%02d", exp10 < 0 ? '-' : '+',
                             exp10 < 0 ? -exp10 : exp10);
    }
    tmp[w] = '\0';
    return w;
}

size_t lm_format_number(double v, int decimals, char *buf, size_t cap)
{
    char tmp[LM_NUMBER_BUF];
    size_t n;

    if (isnan(v))
        return copy_out("nan", 3, buf, cap);
    if (isinf(v))
        return v < 0 ? copy_out("-inf", 4, buf, cap)
                     : copy_out("inf", 3, buf, cap);
    if (decimals < 0) {
        if (v == 0.0)
            return copy_out("0", 1, buf, cap);
        n = format_default(v, tmp, sizeof tmp);
    } else {
        char raw[LM_NUMBER_BUF];
        int r =
            snprintf(raw, sizeof raw, "%.*f", decimals > 20 ? 20 : decimals, v);
        size_t rn = r < 0 ? 0 : (size_t)r;
        int point = 0;
        if (rn >= sizeof raw)
            rn = sizeof raw - 1;
        /* Copy digits and the sign; whatever the C library used as the
         * decimal point (one or more bytes) becomes '.'. */
        n = 0;
        for (size_t i = 0; i < rn; i++) {
            if (is_digit((unsigned char)raw[i]) || (i == 0 && raw[i] == '-')) {
                tmp[n++] = raw[i];
            } else if (!point) {
                tmp[n++] = '.';
                point = 1;
            }
        }
        tmp[n] = '\0';
    }
    /* "-0", "-0.00": rounding away every digit also removes the sign. */
    if (tmp[0] == '-' && strspn(tmp + 1, "0.") == n - 1)
        return copy_out(tmp + 1, n - 1, buf, cap);
    return copy_out(tmp, n, buf, cap);
}

/* ===================================================================== */
/* Compiled form                                                         */
/* ===================================================================== */

/*
 * The postfix program. Each instruction pops its operands from the value
 * stack and pushes one result; the two jumps implement short-circuit and/or
 * and leave their operand in place. Every push comes from one node, so the
 * stack never holds more than LM_EXPR_MAX_NODES values.
 */
enum op {
    OP_NUM,   /* push num */
    OP_STR,   /* push strs[a] */
    OP_BOOL,  /* push a (0 or 1) */
    OP_NULL,  /* push null */
    OP_FACT,  /* push fact a, expected value type n */
    OP_SLIST, /* push strs[a .. a+n) as a list */
    OP_NLIST, /* push nums[a .. a+n) as a list of numbers */
    OP_NEG,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_EQ_NULL, /* both null (one side is the literal null) */
    OP_NE_NULL,
    OP_IN,
    OP_CONTAINS,
    OP_NOT,
    OP_AND,
    OP_OR,
    OP_JFALSE, /* top is false: jump to a, keeping it */
    OP_JTRUE,  /* top is true: jump to a, keeping it */
    OP_MIN,
    OP_MAX, /* n arguments */
    OP_ABS,
    /* Fused instructions, emitted only by lm_expr_specialize: */
    OP_FACT_CMP_NUM, /* push fact a (a number) CMP num, CMP an op in n */
    OP_FACT_EQ_STR,  /* push fact a (a string) == strs[n] */
    OP_FACT_NE_STR   /* push fact a (a string) != strs[n] */
};

struct ins {
    enum op op;
    size_t a;
    size_t n;
    double num;
};

struct lm_expr {
    struct ins *code;
    size_t ncode;
    const char **strs; /* into pool */
    double *nums;
    size_t *facts;
    size_t nfacts;
    char *pool; /* unescaped string literals, NUL-terminated */
};

/* Compile-time types. An empty list literal goes with any list. */
enum ct { CT_NULL, CT_NUM, CT_STR, CT_BOOL, CT_LIST, CT_NLIST, CT_ELIST };

static const char *ct_name(enum ct t)
{
    switch (t) {
    case CT_NULL:
        return "null";
    case CT_NUM:
        return "num";
    case CT_STR:
        return "str";
    case CT_BOOL:
        return "bool";
    case CT_LIST:
        return "list";
    case CT_NLIST:
        return "list";
    case CT_ELIST:
        return "list";
    }
    return "?";
}

/* What the parser knows about an operand it has compiled. */
struct info {
    enum ct type;
    size_t off;   /* first byte, for errors about the operand */
    size_t fact;  /* bare path: fact id, else SIZE_MAX */
    int str_lit;  /* a string literal: strs[lit] */
    int list_lit; /* a list literal of strings: strs[lit .. lit+nlit) */
    size_t lit, nlit;
};

#define MAX_CODE (2 * LM_EXPR_MAX_NODES)

struct parser {
    const char *src;
    size_t len;
    const struct lm_fact_table *facts;
    struct lm_expr_error *err;
    struct tok cur;
    size_t depth;
    size_t nodes;
    /* Output, bounded by the node limit. */
    struct ins code[MAX_CODE];
    size_t ncode;
    const char *strs[LM_EXPR_MAX_NODES];
    size_t str_off[LM_EXPR_MAX_NODES]; /* source offset of each literal */
    size_t nstrs;
    double nums[LM_EXPR_MAX_NODES];
    size_t nnums;
    size_t facts_used[LM_EXPR_MAX_NODES];
    size_t nfacts;
    char *pool; /* len + 1 bytes: enough for every unescaped literal */
    size_t pool_used;
};

static int parse_or(struct parser *p, struct info *out);

static int advance(struct parser *p)
{
    return lex(p->src, p->len, p->cur.end, &p->cur, p->err);
}

static int fail(struct parser *p, size_t off, const char *fmt, ...)
    EXPR_PRINTF(3, 4);

static int fail(struct parser *p, size_t off, const char *fmt, ...)
{
    va_list ap;

    if (p->err == NULL)
        return -1;
    p->err->offset = off;
    va_start(ap, fmt);
    vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* Names the current token for "expected X, found Y" messages. */
static int fail_expected(struct parser *p, const char *what)
{
    size_t n = p->cur.end - p->cur.off;

    if (p->cur.kind == TK_EOF)
        return fail(p, p->cur.off, "expected %s, found end of expression",
                    what);
    if (n > 40)
        return fail(p, p->cur.off, "expected %s, found '%.40s...'", what,
                    p->src + p->cur.off);
    return fail(p, p->cur.off, "expected %s, found '%.*s'", what, (int)n,
                p->src + p->cur.off);
}

/* Counts one node created by the token at off. */
static int node(struct parser *p, size_t off)
{
    if (++p->nodes > LM_EXPR_MAX_NODES)
        return fail(p, off, "expression has more than %d nodes",
                    LM_EXPR_MAX_NODES);
    return 0;
}

/* Enters one nesting level opened by the token at off. */
static int enter(struct parser *p, size_t off)
{
    if (++p->depth > LM_EXPR_MAX_DEPTH)
        return fail(p, off, "expression nested deeper than %d levels",
                    LM_EXPR_MAX_DEPTH);
    return 0;
}

static size_t emit(struct parser *p, enum op op, size_t a, size_t n, double num)
{
    /* Every instruction but a jump comes from a counted node, and there is
     * at most one jump per node, so MAX_CODE cannot overflow. */
    assert(p->ncode < MAX_CODE);
    p->code[p->ncode].op = op;
    p->code[p->ncode].a = a;
    p->code[p->ncode].n = n;
    p->code[p->ncode].num = num;
    return p->ncode++;
}

static void info_init(struct info *in, enum ct type, size_t off)
{
    in->type = type;
    in->off = off;
    in->fact = SIZE_MAX;
    in->str_lit = 0;
    in->list_lit = 0;
    in->lit = 0;
    in->nlit = 0;
}

static int is_bool(const struct info *in)
{
    return in->type == CT_BOOL;
}

/* --------------------------------------------------------------------- */
/* Primaries                                                             */
/* --------------------------------------------------------------------- */

/* Unescapes the current string token into the pool and records it. */
static size_t take_string(struct parser *p)
{
    char *dst = p->pool + p->pool_used;
    size_t w = 0;

    for (size_t i = p->cur.off + 1; i + 1 < p->cur.end; i++) {
        if (p->src[i] == '\\')
            i++;
        dst[w++] = p->src[i];
    }
    dst[w] = '\0';
    p->pool_used += w + 1;
    p->strs[p->nstrs] = dst;
    p->str_off[p->nstrs] = p->cur.off;
    return p->nstrs++;
}

static int take_number(struct parser *p, double *v)
{
    if (convert_number(p->src + p->cur.off, p->cur.end - p->cur.off, v) != 0)
        return fail(p, p->cur.off, "number out of range");
    return 0;
}

static const char *const function_names[] = {"abs", "max", "min", NULL};

static int parse_call(struct parser *p, struct info *out)
{
    struct tok name = p->cur;
    size_t n = name.end - name.off;
    enum op op;
    size_t nargs = 0;

    if (n == 3 && memcmp(p->src + name.off, "abs", 3) == 0) {
        op = OP_ABS;
    } else if (n == 3 && memcmp(p->src + name.off, "min", 3) == 0) {
        op = OP_MIN;
    } else if (n == 3 && memcmp(p->src + name.off, "max", 3) == 0) {
        op = OP_MAX;
    } else {
        const char *s = suggest(p->src + name.off, n, NULL, function_names);
        if (s != NULL)
            return fail(p, name.off,
                        "unknown function '%.*s' (did you mean '%s'?)", (int)n,
                        p->src + name.off, s);
        return fail(p, name.off,
                    "unknown function '%.*s' (functions: abs, max, min)",
                    (int)n, p->src + name.off);
    }
    if (node(p, name.off) != 0 || advance(p) != 0) /* the name */
        return -1;
    if (enter(p, p->cur.off) != 0 || advance(p) != 0) /* the '(' */
        return -1;
    if (p->cur.kind != TK_RPAREN) {
        for (;;) {
            struct info arg;
            if (parse_or(p, &arg) != 0)
                return -1;
            if (arg.type != CT_NUM)
                return fail(p, arg.off, "'%.*s' needs numbers, not %s", (int)n,
                            p->src + name.off, ct_name(arg.type));
            nargs++;
            if (p->cur.kind != TK_COMMA)
                break;
            if (advance(p) != 0)
                return -1;
        }
    }
    if (p->cur.kind != TK_RPAREN)
        return fail_expected(p, "',' or ')'");
    if (op == OP_ABS && nargs != 1)
        return fail(p, name.off, "'abs' takes 1 argument, not %zu", nargs);
    if (nargs == 0)
        return fail(p, name.off, "'%.*s' needs at least 1 argument", (int)n,
                    p->src + name.off);
    p->depth--;
    if (advance(p) != 0)
        return -1;
    emit(p, op, 0, nargs, 0.0);
    info_init(out, CT_NUM, name.off);
    return 0;
}

static int parse_path(struct parser *p, struct info *out)
{
    const char *s = p->src + p->cur.off;
    size_t n = p->cur.end - p->cur.off;
    size_t id;

    for (id = 0; id < p->facts->n; id++) {
        const char *path = p->facts->defs[id].path;
        if (path != NULL && strlen(path) == n && memcmp(path, s, n) == 0)
            break;
    }
    if (id == p->facts->n) {
        const char *sug = suggest(s, n, p->facts, NULL);
        int shown = n > 100 ? 100 : (int)n;
        if (sug != NULL)
            return fail(p, p->cur.off,
                        "unknown fact '%.*s' (did you mean '%s'?)", shown, s,
                        sug);
        return fail(p, p->cur.off, "unknown fact '%.*s'", shown, s);
    }
    if (node(p, p->cur.off) != 0)
        return -1;

    enum ct type = CT_NULL;
    enum lm_vtype want = LM_V_NULL;
    switch (p->facts->defs[id].type) {
    case LM_T_NUM:
        type = CT_NUM;
        want = LM_V_NUM;
        break;
    case LM_T_STR:
        type = CT_STR;
        want = LM_V_STR;
        break;
    case LM_T_ENUM:
        type = CT_STR;
        want = LM_V_STR;
        break;
    case LM_T_BOOL:
        type = CT_BOOL;
        want = LM_V_BOOL;
        break;
    case LM_T_LIST:
        type = CT_LIST;
        want = LM_V_LIST;
        break;
    }
    emit(p, OP_FACT, id, (size_t)want, 0.0);
    info_init(out, type, p->cur.off);
    out->fact = id;

    size_t i;
    for (i = 0; i < p->nfacts; i++)
        if (p->facts_used[i] == id)
            break;
    if (i == p->nfacts)
        p->facts_used[p->nfacts++] = id;
    return advance(p);
}

static int parse_list(struct parser *p, struct info *out)
{
    size_t open = p->cur.off;
    enum ct elem = CT_NULL;
    size_t count = 0;
    size_t first_str = p->nstrs, first_num = p->nnums;

    if (node(p, open) != 0 || enter(p, open) != 0 || advance(p) != 0)
        return -1;
    if (p->cur.kind != TK_RBRACK) {
        for (;;) {
            enum ct t;
            if (p->cur.kind == TK_STR) {
                t = CT_STR;
            } else if (p->cur.kind == TK_NUM) {
                t = CT_NUM;
            } else if (p->cur.kind == TK_EOF || p->cur.kind == TK_COMMA ||
                       p->cur.kind == TK_RBRACK) {
                return fail_expected(p, "a string or number");
            } else {
                return fail(p, p->cur.off,
                            "list elements must be string or number literals");
            }
            if (count > 0 && t != elem)
                return fail(p, p->cur.off,
                            "list elements must all have the same type");
            elem = t;
            if (node(p, p->cur.off) != 0)
                return -1;
            if (t == CT_STR) {
                take_string(p);
            } else {
                double v;
                if (take_number(p, &v) != 0)
                    return -1;
                p->nums[p->nnums++] = v;
            }
            count++;
            if (advance(p) != 0)
                return -1;
            if (p->cur.kind != TK_COMMA)
                break;
            if (advance(p) != 0)
                return -1;
        }
    }
    if (p->cur.kind != TK_RBRACK)
        return fail_expected(p, "',' or ']'");
    p->depth--;
    if (count == 0) {
        emit(p, OP_SLIST, first_str, 0, 0.0);
        info_init(out, CT_ELIST, open);
    } else if (elem == CT_STR) {
        emit(p, OP_SLIST, first_str, count, 0.0);
        info_init(out, CT_LIST, open);
        out->list_lit = 1;
        out->lit = first_str;
        out->nlit = count;
    } else {
        emit(p, OP_NLIST, first_num, count, 0.0);
        info_init(out, CT_NLIST, open);
    }
    return advance(p);
}

static int parse_primary(struct parser *p, struct info *out)
{
    size_t off = p->cur.off;

    switch (p->cur.kind) {
    case TK_NUM: {
        double v;
        if (node(p, off) != 0 || take_number(p, &v) != 0)
            return -1;
        emit(p, OP_NUM, 0, 0, v);
        info_init(out, CT_NUM, off);
        return advance(p);
    }
    case TK_STR: {
        if (node(p, off) != 0)
            return -1;
        size_t idx = take_string(p);
        emit(p, OP_STR, idx, 0, 0.0);
        info_init(out, CT_STR, off);
        out->str_lit = 1;
        out->lit = idx;
        return advance(p);
    }
    case TK_TRUE:
    case TK_FALSE:
        if (node(p, off) != 0)
            return -1;
        emit(p, OP_BOOL, p->cur.kind == TK_TRUE, 0, 0.0);
        info_init(out, CT_BOOL, off);
        return advance(p);
    case TK_NULL:
        if (node(p, off) != 0)
            return -1;
        emit(p, OP_NULL, 0, 0, 0.0);
        info_init(out, CT_NULL, off);
        return advance(p);
    case TK_NAME: {
        /* A name followed by '(' is a call. Peeking at the character rather
         * than lexing the next token keeps a later lexical error from
         * hiding an unknown fact. */
        size_t q = p->cur.end;
        while (q < p->len && is_space((unsigned char)p->src[q]))
            q++;
        if (q < p->len && p->src[q] == '(')
            return parse_call(p, out);
        return parse_path(p, out);
    }
    case TK_LPAREN:
        if (enter(p, off) != 0 || advance(p) != 0)
            return -1;
        if (parse_or(p, out) != 0)
            return -1;
        if (p->cur.kind != TK_RPAREN)
            return fail_expected(p, "')'");
        p->depth--;
        return advance(p);
    case TK_LBRACK:
        return parse_list(p, out);
    case TK_EOF:
    case TK_AND:
    case TK_OR:
    case TK_NOT:
    case TK_IN:
    case TK_CONTAINS:
    case TK_EQ:
    case TK_NE:
    case TK_LT:
    case TK_LE:
    case TK_GT:
    case TK_GE:
    case TK_PLUS:
    case TK_MINUS:
    case TK_STAR:
    case TK_SLASH:
    case TK_RPAREN:
    case TK_RBRACK:
    case TK_COMMA:
        break;
    }
    return fail_expected(p, "a value");
}

/* --------------------------------------------------------------------- */
/* Operators                                                             */
/* --------------------------------------------------------------------- */

static int parse_unary(struct parser *p, struct info *out)
{
    if (p->cur.kind != TK_MINUS)
        return parse_primary(p, out);

    size_t off = p->cur.off;
    if (node(p, off) != 0 || enter(p, off) != 0 || advance(p) != 0)
        return -1;
    if (parse_unary(p, out) != 0)
        return -1;
    p->depth--;
    if (out->type != CT_NUM)
        return fail(p, off, "'-' needs a number, not %s", ct_name(out->type));
    emit(p, OP_NEG, 0, 0, 0.0);
    info_init(out, CT_NUM, off);
    return 0;
}

/* Checks both operands of + - * / and emits the operation. */
static int arith(struct parser *p, const struct tok *opt, struct info *l,
                 const struct info *r, enum op op)
{
    const struct info *bad = l->type != CT_NUM ? l : r;

    if (bad->type != CT_NUM)
        return fail(p, opt->off, "'%.*s' needs numbers, not %s",
                    (int)(opt->end - opt->off), p->src + opt->off,
                    ct_name(bad->type));
    emit(p, op, 0, 0, 0.0);
    info_init(l, CT_NUM, l->off);
    return 0;
}

static int parse_mul(struct parser *p, struct info *out)
{
    if (parse_unary(p, out) != 0)
        return -1;
    while (p->cur.kind == TK_STAR || p->cur.kind == TK_SLASH) {
        struct tok opt = p->cur;
        struct info r;
        if (node(p, opt.off) != 0 || advance(p) != 0 || parse_unary(p, &r) != 0)
            return -1;
        if (arith(p, &opt, out, &r, opt.kind == TK_STAR ? OP_MUL : OP_DIV) != 0)
            return -1;
    }
    return 0;
}

static int parse_add(struct parser *p, struct info *out)
{
    if (parse_mul(p, out) != 0)
        return -1;
    while (p->cur.kind == TK_PLUS || p->cur.kind == TK_MINUS) {
        struct tok opt = p->cur;
        struct info r;
        if (node(p, opt.off) != 0 || advance(p) != 0 || parse_mul(p, &r) != 0)
            return -1;
        if (arith(p, &opt, out, &r, opt.kind == TK_PLUS ? OP_ADD : OP_SUB) != 0)
            return -1;
    }
    return 0;
}

static int is_cmp(enum tk k)
{
    return k == TK_EQ || k == TK_NE || k == TK_LT || k == TK_LE || k == TK_GT ||
           k == TK_GE || k == TK_IN || k == TK_CONTAINS;
}

/* Checks string literal strs[idx] against the enum fact behind info f. */
static int check_enum_value(struct parser *p, const struct info *f, size_t idx)
{
    const struct lm_fact_def *def;
    char values[160];
    size_t w = 0;

    if (f->fact == SIZE_MAX)
        return 0;
    def = &p->facts->defs[f->fact];
    if (def->type != LM_T_ENUM || def->enum_values == NULL)
        return 0;
    for (size_t i = 0; def->enum_values[i] != NULL; i++)
        if (strcmp(def->enum_values[i], p->strs[idx]) == 0)
            return 0;
    values[0] = '\0';
    for (size_t i = 0; def->enum_values[i] != NULL && w < sizeof values; i++) {
        int r = snprintf(values + w, sizeof values - w, "%s%s",
                         i > 0 ? ", " : "", def->enum_values[i]);
        if (r < 0)
            break;
        w += (size_t)r;
    }
    if (w >= sizeof values) /* Too many values to list: end with an ellipsis. */
        memcpy(values + sizeof values - 4, "...", 4);
    return fail(p, p->str_off[idx], "'%.60s' is not a value of %s (%s)",
                p->strs[idx], def->path, values);
}

static int check_equality(struct parser *p, const struct tok *opt,
                          const struct info *l, const struct info *r,
                          enum op *op)
{
    int eq = opt->kind == TK_EQ;

    if (l->type == CT_NULL || r->type == CT_NULL) {
        *op = eq ? OP_EQ_NULL : OP_NE_NULL;
        return 0;
    }
    if (l->type != r->type && !(l->type == CT_ELIST || r->type == CT_ELIST ||
                                ((l->type == CT_LIST || l->type == CT_NLIST) &&
                                 (r->type == CT_LIST || r->type == CT_NLIST))))
        return fail(p, opt->off, "cannot compare %s with %s", ct_name(l->type),
                    ct_name(r->type));
    if (l->type == CT_LIST || l->type == CT_NLIST || l->type == CT_ELIST)
        return fail(p, opt->off,
                    "'%s' cannot compare lists; use 'in' or 'contains'",
                    eq ? "==" : "!=");
    if (l->type == CT_STR) {
        if (r->str_lit && check_enum_value(p, l, r->lit) != 0)
            return -1;
        if (l->str_lit && check_enum_value(p, r, l->lit) != 0)
            return -1;
    }
    *op = eq ? OP_EQ : OP_NE;
    return 0;
}

static int check_in(struct parser *p, const struct tok *opt,
                    const struct info *l, const struct info *r)
{
    enum ct want;

    if (r->type != CT_LIST && r->type != CT_NLIST && r->type != CT_ELIST)
        return fail(p, opt->off, "'in' needs a list on the right, not %s",
                    ct_name(r->type));
    if (l->type == CT_ELIST)
        return 0;
    if (l->type == CT_STR || l->type == CT_LIST)
        want = CT_STR;
    else if (l->type == CT_NUM || l->type == CT_NLIST)
        want = CT_NUM;
    else
        return fail(p, opt->off,
                    "'in' needs a str, num or list on the left, not %s",
                    ct_name(l->type));
    if (r->type != CT_ELIST && (r->type == CT_NLIST) != (want == CT_NUM))
        return fail(p, opt->off, "cannot look for %s in a list of %s",
                    ct_name(want), r->type == CT_NLIST ? "num" : "str");
    if (r->list_lit)
        for (size_t i = 0; i < r->nlit; i++)
            if (check_enum_value(p, l, r->lit + i) != 0)
                return -1;
    return 0;
}

static int check_contains(struct parser *p, const struct tok *opt,
                          const struct info *l, const struct info *r)
{
    if (l->type != CT_LIST && l->type != CT_STR && l->type != CT_ELIST)
        return fail(p, opt->off,
                    "'contains' needs a list or str on the left, not %s",
                    l->type == CT_NLIST ? "list of num" : ct_name(l->type));
    if (r->type != CT_STR)
        return fail(p, opt->off, "'contains' needs a str on the right, not %s",
                    ct_name(r->type));
    return 0;
}

static int parse_cmp(struct parser *p, struct info *out)
{
    struct info r;
    struct tok opt;
    enum op op = OP_EQ;

    if (parse_add(p, out) != 0)
        return -1;
    if (!is_cmp(p->cur.kind))
        return 0;
    opt = p->cur;
    if (node(p, opt.off) != 0 || advance(p) != 0 || parse_add(p, &r) != 0)
        return -1;

    switch (opt.kind) {
    case TK_EQ:
    case TK_NE:
        if (check_equality(p, &opt, out, &r, &op) != 0)
            return -1;
        break;
    case TK_LT:
    case TK_LE:
    case TK_GT:
    case TK_GE:
        if (out->type != r.type && out->type != CT_NULL && r.type != CT_NULL)
            return fail(p, opt.off, "cannot compare %s with %s",
                        ct_name(out->type), ct_name(r.type));
        if (out->type != CT_NUM || r.type != CT_NUM)
            return fail(p, opt.off, "'%.*s' compares numbers, not %s",
                        (int)(opt.end - opt.off), p->src + opt.off,
                        ct_name(out->type != CT_NUM ? out->type : r.type));
        op = opt.kind == TK_LT   ? OP_LT
             : opt.kind == TK_LE ? OP_LE
             : opt.kind == TK_GT ? OP_GT
                                 : OP_GE;
        break;
    case TK_IN:
        if (check_in(p, &opt, out, &r) != 0)
            return -1;
        op = OP_IN;
        break;
    case TK_CONTAINS:
        if (check_contains(p, &opt, out, &r) != 0)
            return -1;
        op = OP_CONTAINS;
        break;
    case TK_EOF:
    case TK_NUM:
    case TK_STR:
    case TK_NAME:
    case TK_AND:
    case TK_OR:
    case TK_NOT:
    case TK_TRUE:
    case TK_FALSE:
    case TK_NULL:
    case TK_PLUS:
    case TK_MINUS:
    case TK_STAR:
    case TK_SLASH:
    case TK_LPAREN:
    case TK_RPAREN:
    case TK_LBRACK:
    case TK_RBRACK:
    case TK_COMMA:
        assert(0 && "not a comparison");
        break;
    }
    emit(p, op, 0, 0, 0.0);
    info_init(out, CT_BOOL, out->off);
    if (is_cmp(p->cur.kind))
        return fail(p, p->cur.off, "comparisons cannot be chained");
    return 0;
}

static int parse_not(struct parser *p, struct info *out)
{
    if (p->cur.kind != TK_NOT)
        return parse_cmp(p, out);

    size_t off = p->cur.off;
    if (node(p, off) != 0 || enter(p, off) != 0 || advance(p) != 0)
        return -1;
    if (parse_not(p, out) != 0)
        return -1;
    p->depth--;
    if (!is_bool(out))
        return fail(p, off, "'not' needs a boolean, not %s",
                    ct_name(out->type));
    emit(p, OP_NOT, 0, 0, 0.0);
    info_init(out, CT_BOOL, off);
    return 0;
}

/* One level of and/or: left (op right)*, with a short-circuit jump. */
static int parse_logic(struct parser *p, struct info *out, enum tk kind,
                       int (*sub)(struct parser *, struct info *))
{
    const char *name = kind == TK_AND ? "and" : "or";

    if (sub(p, out) != 0)
        return -1;
    while (p->cur.kind == kind) {
        size_t off = p->cur.off;
        struct info r;
        if (!is_bool(out))
            return fail(p, off, "'%s' needs booleans, not %s", name,
                        ct_name(out->type));
        if (node(p, off) != 0 || advance(p) != 0)
            return -1;
        size_t jump = emit(p, kind == TK_AND ? OP_JFALSE : OP_JTRUE, 0, 0, 0.0);
        if (sub(p, &r) != 0)
            return -1;
        if (!is_bool(&r))
            return fail(p, off, "'%s' needs booleans, not %s", name,
                        ct_name(r.type));
        emit(p, kind == TK_AND ? OP_AND : OP_OR, 0, 0, 0.0);
        p->code[jump].a = p->ncode;
        info_init(out, CT_BOOL, out->off);
    }
    return 0;
}

static int parse_and(struct parser *p, struct info *out)
{
    return parse_logic(p, out, TK_AND, parse_not);
}

static int parse_or(struct parser *p, struct info *out)
{
    return parse_logic(p, out, TK_OR, parse_and);
}

/* ===================================================================== */
/* Compile                                                               */
/* ===================================================================== */

static void *dup_array(const void *src, size_t n, size_t size)
{
    void *d = malloc(n > 0 ? n * size : 1);
    if (d != NULL && n > 0)
        memcpy(d, src, n * size);
    return d;
}

int lm_expr_compile(const char *src, size_t len,
                    const struct lm_fact_table *facts, struct lm_expr **out,
                    struct lm_expr_error *err)
{
    static const struct lm_fact_table no_facts = {NULL, 0};
    struct parser *p = NULL;
    struct lm_expr *e = NULL;
    struct info top;
    int rc = -1;

    *out = NULL;
    if (facts == NULL)
        facts = &no_facts;
    if (src == NULL)
        len = 0;
    if (len > LM_EXPR_MAX_LEN) {
        set_error(err, LM_EXPR_MAX_LEN, "expression longer than %d characters",
                  LM_EXPR_MAX_LEN);
        return -1;
    }
    p = calloc(1, sizeof *p);
    e = calloc(1, sizeof *e);
    if (p == NULL || e == NULL)
        goto oom;
    p->src = src != NULL ? src : "";
    p->len = len;
    p->facts = facts;
    p->err = err;
    p->pool = malloc(len + 1);
    if (p->pool == NULL)
        goto oom;
    e->pool = p->pool; /* e owns it from now on */

    if (lex(p->src, len, 0, &p->cur, err) != 0)
        goto out;
    if (p->cur.kind == TK_EOF) {
        set_error(err, 0, "empty condition");
        goto out;
    }
    if (parse_or(p, &top) != 0)
        goto out;
    if (p->cur.kind != TK_EOF) {
        fail_expected(p, "an operator or end of expression");
        goto out;
    }
    if (!is_bool(&top)) {
        set_error(err, 0, "condition must be a boolean");
        goto out;
    }

    e->ncode = p->ncode;
    e->nfacts = p->nfacts;
    e->code = dup_array(p->code, p->ncode, sizeof p->code[0]);
    e->strs = dup_array(p->strs, p->nstrs, sizeof p->strs[0]);
    e->nums = dup_array(p->nums, p->nnums, sizeof p->nums[0]);
    e->facts = dup_array(p->facts_used, p->nfacts, sizeof p->facts_used[0]);
    if (e->code == NULL || e->strs == NULL || e->nums == NULL ||
        e->facts == NULL)
        goto oom;
    *out = e;
    e = NULL;
    rc = 0;
    goto out;

oom:
    set_error(err, 0, "out of memory");
out:
    free(p);
    lm_expr_free(e);
    return rc;
}

void lm_expr_free(struct lm_expr *e)
{
    if (e == NULL)
        return;
    free(e->code);
    free(e->strs);
    free(e->nums);
    free(e->facts);
    free(e->pool);
    free(e);
}

size_t lm_expr_facts(const struct lm_expr *e, const size_t **ids)
{
    *ids = e->facts;
    return e->nfacts;
}

/* ===================================================================== */
/* Evaluation                                                            */
/* ===================================================================== */

enum sk { S_NULL, S_NUM, S_STR, S_BOOL, S_LIST, S_NLIST };

struct slot {
    enum sk t;
    int b;
    double num;
    size_t n;
    union {
        const char *s;
        const char *const *l;
        const double *nl;
    } u;
};

/*
 * Keeps a resolver's value only when it has the declared type and is
 * well-formed; anything else counts as null, so a resolver bug can make a
 * rule not fire but never crash the evaluator.
 */
static EXPR_ALWAYS_INLINE void value_to_slot(const struct lm_value *v,
                                             enum lm_vtype want, struct slot *s)
{
    s->t = S_NULL;
    if (v->type != want)
        return;
    switch (v->type) {
    case LM_V_NUM:
        if (isfinite(v->num)) {
            s->t = S_NUM;
            s->num = v->num;
        }
        break;
    case LM_V_STR:
        if (v->str != NULL) {
            s->t = S_STR;
            s->u.s = v->str;
        }
        break;
    case LM_V_BOOL:
        s->t = S_BOOL;
        s->b = v->b != 0;
        break;
    case LM_V_LIST:
        if (v->list != NULL || v->nlist == 0) {
            s->t = S_LIST;
            s->u.l = v->list;
            s->n = v->list != NULL ? v->nlist : 0;
        }
        break;
    case LM_V_NULL:
        break;
    }
}

/* Asks the resolver for one fact. The whole value starts zeroed, so a
 * resolver that sets only the type still hands over NULL pointers. Inlined
 * (with value_to_slot) because fact loads are most of what the evaluator
 * does, and the fused instructions then convert with a constant type. */
static EXPR_ALWAYS_INLINE void load_fact(lm_fact_get_fn get, void *ctx,
                                         size_t id, enum lm_vtype want,
                                         struct slot *s)
{
    struct lm_value v = {.type = LM_V_NULL};

    s->t = S_NULL;
    if (get == NULL)
        return;
    get(ctx, id, &v);
    value_to_slot(&v, want, s);
}

static void set_num(struct slot *s, double v)
{
    if (isfinite(v)) {
        s->t = S_NUM;
        s->num = v;
    } else {
        s->t = S_NULL;
    }
}

static void set_bool(struct slot *s, int b)
{
    s->t = S_BOOL;
    s->b = b != 0;
}

/* Kleene values of a boolean slot: 0 false, 1 true, 2 unknown. */
static int tri(const struct slot *s)
{
    return s->t == S_BOOL ? s->b : 2;
}

/* Resolvers hand out the same catalog strings again and again, so equal
 * pointers are worth checking before comparing bytes. */
static int str_eq(const char *x, const char *y)
{
    return x == y || strcmp(x, y) == 0;
}

static int list_has(const struct slot *list, const char *s)
{
    for (size_t i = 0; i < list->n; i++)
        if (list->u.l[i] != NULL && str_eq(list->u.l[i], s))
            return 1;
    return 0;
}

static int eval_in(const struct slot *l, const struct slot *r)
{
    if (l->t == S_NUM) {
        if (r->t == S_NLIST)
            for (size_t i = 0; i < r->n; i++)
                if (r->u.nl[i] == l->num)
                    return 1;
        return 0;
    }
    if (l->t == S_STR)
        return r->t == S_LIST && list_has(r, l->u.s);
    if (l->t == S_LIST) {
        for (size_t i = 0; i < l->n; i++)
            if (l->u.l[i] != NULL &&
                (r->t != S_LIST || !list_has(r, l->u.l[i])))
                return 0;
        return 1;
    }
    if (l->t == S_NLIST) {
        for (size_t i = 0; i < l->n; i++) {
            size_t j = 0;
            if (r->t == S_NLIST)
                while (j < r->n && r->u.nl[j] != l->u.nl[i])
                    j++;
            if (r->t != S_NLIST || j == r->n)
                return 0;
        }
        return 1;
    }
    return 0;
}

/* a OP b for the four ordering comparisons (op is OP_LT .. OP_GE). */
static int num_cmp(enum op op, double a, double b)
{
    if (op == OP_LT)
        return a < b;
    if (op == OP_LE)
        return a <= b;
    if (op == OP_GT)
        return a > b;
    return a >= b;
}

/* Executes one instruction on the value stack (the concrete semantics,
 * shared by lm_expr_eval, lm_expr_outcomes and the constant folding of
 * lm_expr_specialize). *pc may be moved by a jump. Inlined into the
 * evaluator's loop, where a call per instruction would cost more than most
 * instructions do; the others call it through exec_one. */
static EXPR_ALWAYS_INLINE void exec_ins(const struct lm_expr *e,
                                        const struct ins *in, struct slot *st,
                                        size_t *spp, size_t *pcp,
                                        lm_fact_get_fn get, void *ctx)
{
    size_t sp = *spp;
    /* top[-1] is the right (or only) operand and top[-2] the left one. Each
     * case forms only the operand pointers its instruction has, so no
     * bounds check is needed on the way. */
    struct slot *top = st + sp;

    switch (in->op) {
    case OP_NUM:
        top->t = S_NUM;
        top->num = in->num;
        sp++;
        break;
    case OP_STR:
        top->t = S_STR;
        top->u.s = e->strs[in->a];
        sp++;
        break;
    case OP_BOOL:
        set_bool(top, (int)in->a);
        sp++;
        break;
    case OP_NULL:
        top->t = S_NULL;
        sp++;
        break;
    case OP_FACT:
        load_fact(get, ctx, in->a, (enum lm_vtype)in->n, top);
        sp++;
        break;
    case OP_SLIST:
        top->t = S_LIST;
        top->n = in->n;
        top->u.l = e->strs + in->a;
        sp++;
        break;
    case OP_NLIST:
        top->t = S_NLIST;
        top->n = in->n;
        top->u.nl = e->nums + in->a;
        sp++;
        break;
    case OP_FACT_CMP_NUM:
        /* Fused `fact CMP number` (lm_expr_specialize): OP_FACT, OP_NUM,
         * then the comparison in n, without the two pushes. */
        load_fact(get, ctx, in->a, LM_V_NUM, top);
        if (top->t == S_NUM) {
            double x = top->num;
            enum op cmp = (enum op)in->n;
            set_bool(top, cmp == OP_EQ   ? x == in->num
                          : cmp == OP_NE ? x != in->num
                                         : num_cmp(cmp, x, in->num));
        }
        sp++;
        break;
    case OP_FACT_EQ_STR:
    case OP_FACT_NE_STR:
        /* Fused `fact == "literal"` / `!=` (lm_expr_specialize). */
        load_fact(get, ctx, in->a, LM_V_STR, top);
        if (top->t == S_STR) {
            int eq = str_eq(top->u.s, e->strs[in->n]);
            set_bool(top, in->op == OP_FACT_EQ_STR ? eq : !eq);
        }
        sp++;
        break;
    case OP_NEG:
        if (top[-1].t == S_NUM)
            top[-1].num = -top[-1].num;
        break;
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV: {
        struct slot *a = top - 2, *b = top - 1;
        sp--;
        if (a->t != S_NUM || b->t != S_NUM)
            a->t = S_NULL;
        else if (in->op == OP_ADD)
            set_num(a, a->num + b->num);
        else if (in->op == OP_SUB)
            set_num(a, a->num - b->num);
        else if (in->op == OP_MUL)
            set_num(a, a->num * b->num);
        else if (b->num == 0.0)
            a->t = S_NULL;
        else
            set_num(a, a->num / b->num);
        break;
    }
    case OP_EQ:
    case OP_NE: {
        struct slot *a = top - 2, *b = top - 1;
        int eq;
        sp--;
        if (a->t == S_NULL || b->t == S_NULL || a->t != b->t) {
            a->t = S_NULL;
            break;
        }
        if (a->t == S_NUM)
            eq = a->num == b->num;
        else if (a->t == S_STR)
            eq = str_eq(a->u.s, b->u.s);
        else
            eq = a->b == b->b;
        set_bool(a, in->op == OP_EQ ? eq : !eq);
        break;
    }
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE: {
        struct slot *a = top - 2, *b = top - 1;
        sp--;
        if (a->t != S_NUM || b->t != S_NUM)
            a->t = S_NULL;
        else
            set_bool(a, num_cmp(in->op, a->num, b->num));
        break;
    }
    case OP_EQ_NULL:
    case OP_NE_NULL: {
        struct slot *a = top - 2;
        int both = a->t == S_NULL && top[-1].t == S_NULL;
        sp--;
        set_bool(a, in->op == OP_EQ_NULL ? both : !both);
        break;
    }
    case OP_IN: {
        struct slot *a = top - 2, *b = top - 1;
        sp--;
        if (a->t == S_NULL || b->t == S_NULL)
            a->t = S_NULL;
        else
            set_bool(a, eval_in(a, b));
        break;
    }
    case OP_CONTAINS: {
        struct slot *a = top - 2, *b = top - 1;
        sp--;
        if (a->t == S_NULL || b->t != S_STR)
            a->t = S_NULL;
        else if (a->t == S_LIST)
            set_bool(a, list_has(a, b->u.s));
        else if (a->t == S_STR)
            set_bool(a, strstr(a->u.s, b->u.s) != NULL);
        else
            a->t = S_NULL;
        break;
    }
    case OP_NOT:
        if (top[-1].t == S_BOOL)
            top[-1].b = !top[-1].b;
        break;
    case OP_AND:
    case OP_OR: {
        struct slot *a = top - 2;
        int x = tri(a), y = tri(&top[-1]);
        sp--;
        if (in->op == OP_AND) {
            if (x == 0 || y == 0)
                set_bool(a, 0);
            else if (x == 1 && y == 1)
                set_bool(a, 1);
            else
                a->t = S_NULL;
        } else {
            if (x == 1 || y == 1)
                set_bool(a, 1);
            else if (x == 0 && y == 0)
                set_bool(a, 0);
            else
                a->t = S_NULL;
        }
        break;
    }
    case OP_JFALSE:
        if (tri(&top[-1]) == 0)
            *pcp = in->a - 1;
        break;
    case OP_JTRUE:
        if (tri(&top[-1]) == 1)
            *pcp = in->a - 1;
        break;
    case OP_MIN:
    case OP_MAX: {
        struct slot *first = top - in->n;
        double v = 0.0;
        int null = 0;
        for (size_t i = 0; i < in->n; i++) {
            const struct slot *s = first + i;
            if (s->t != S_NUM)
                null = 1;
            else if (i == 0 || (in->op == OP_MIN ? s->num < v : s->num > v))
                v = s->num;
        }
        sp -= in->n - 1;
        if (null)
            first->t = S_NULL;
        else
            set_num(first, v);
        break;
    }
    case OP_ABS:
        if (top[-1].t == S_NUM)
            top[-1].num = fabs(top[-1].num);
        break;
    }
    *spp = sp;
}

static void exec_one(const struct lm_expr *e, const struct ins *in,
                     struct slot *st, size_t *spp, size_t *pcp,
                     lm_fact_get_fn get, void *ctx)
{
    exec_ins(e, in, st, spp, pcp, get, ctx);
}

enum lm_tri lm_expr_eval(const struct lm_expr *e, lm_fact_get_fn get, void *ctx)
{
    /* Every push comes from a distinct node, so this cannot overflow. Two
     * null slots lie below the stack: the code never reads them, but with
     * them every operand pointer stays in bounds and initialized whatever
     * the compiler assumes about the code. */
    struct slot mem[2 + LM_EXPR_MAX_NODES];
    struct slot *st = mem + 2;
    const struct ins *code = e->code;
    size_t ncode = e->ncode, sp = 0;

    memset(mem, 0, 2 * sizeof mem[0]);
    for (size_t pc = 0; pc < ncode; pc++)
        exec_ins(e, &code[pc], st, &sp, &pc, get, ctx);
    assert(sp == 1);
    switch (tri(&st[0])) {
    case 0:
        return LM_FALSE;
    case 1:
        return LM_TRUE;
    default:
        return LM_UNKNOWN;
    }
}

/*
 * Abstract evaluation for rule pruning: facts marked in `varies` may take any
 * value of their type; the others are read through get. Returns the set of
 * outcomes the condition can have, as bits (1 << LM_FALSE, LM_TRUE,
 * LM_UNKNOWN). An instruction whose operands are all known runs with the
 * concrete semantics (exec_ins); otherwise its result is "any", except that
 * a comparison with a known null is unknown whatever the other side, a null
 * test against a known non-null value is false, and and/or/not combine the
 * possible outcomes of their operands (Kleene).
 */
struct aslot {
    int vary;      /* the value is not known */
    unsigned mask; /* vary: possible tri outcomes, as bits */
};

#define TRI_ALL ((1u << LM_FALSE) | (1u << LM_TRUE) | (1u << LM_UNKNOWN))

static unsigned tri_bit(const struct slot *s)
{
    return 1u << (s->t == S_BOOL ? (s->b ? LM_TRUE : LM_FALSE) : LM_UNKNOWN);
}

static int kleene(int op_and, int x, int y)
{
    if (op_and) {
        if (x == LM_FALSE || y == LM_FALSE)
            return LM_FALSE;
        return x == LM_TRUE && y == LM_TRUE ? LM_TRUE : LM_UNKNOWN;
    }
    if (x == LM_TRUE || y == LM_TRUE)
        return LM_TRUE;
    return x == LM_FALSE && y == LM_FALSE ? LM_FALSE : LM_UNKNOWN;
}

static size_t ins_arity(const struct ins *in)
{
    switch (in->op) {
    case OP_NUM: case OP_STR: case OP_BOOL: case OP_NULL: case OP_FACT:
    case OP_SLIST: case OP_NLIST: case OP_JFALSE: case OP_JTRUE:
    case OP_FACT_CMP_NUM: case OP_FACT_EQ_STR: case OP_FACT_NE_STR:
        return 0;
    case OP_NEG: case OP_NOT: case OP_ABS:
        return 1;
    case OP_MIN: case OP_MAX:
        return in->n;
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_EQ: case OP_NE:
    case OP_LT: case OP_LE: case OP_GT: case OP_GE: case OP_EQ_NULL: case OP_NE_NULL:
    case OP_IN: case OP_CONTAINS: case OP_AND: case OP_OR:
    default:
        return 2;
    }
}

/* True for the instructions that read fact in->a. */
static int reads_fact(const struct ins *in)
{
    return in->op == OP_FACT || in->op == OP_FACT_CMP_NUM ||
           in->op == OP_FACT_EQ_STR || in->op == OP_FACT_NE_STR;
}

unsigned lm_expr_outcomes(const struct lm_expr *e, lm_fact_get_fn get, void *ctx,
                          const unsigned char *varies)
{
    struct slot st[LM_EXPR_MAX_NODES];
    struct aslot ab[LM_EXPR_MAX_NODES];
    size_t sp = 0;
    for (size_t pc = 0; pc < e->ncode; pc++) {
        const struct ins *in = &e->code[pc];
        size_t n = ins_arity(in);
        int any_vary = 0;
        for (size_t k = 0; k < n; k++)
            any_vary |= ab[sp - 1 - k].vary;
        if (reads_fact(in) && varies[in->a]) {
            /* A fused comparison of a varying fact can also be anything. */
            ab[sp].vary = 1;
            ab[sp].mask = TRI_ALL;
            st[sp].t = S_NULL;
            sp++;
            continue;
        }
        if (in->op == OP_JFALSE || in->op == OP_JTRUE) {
            /* Jump only on a known deciding value; otherwise both sides
             * are evaluated and combined by the and/or that follows. */
            if (!ab[sp - 1].vary)
                exec_one(e, in, st, &sp, &pc, get, ctx);
            continue;
        }
        if (!any_vary) {
            size_t before = sp;
            exec_one(e, in, st, &sp, &pc, get, ctx);
            for (size_t k = before - n; k < sp; k++)
                ab[k].vary = 0;
            continue;
        }
        struct aslot *a = n >= 2 ? &ab[sp - 2] : NULL, *b = &ab[sp - 1];
        struct slot *sa = n >= 2 ? &st[sp - 2] : NULL, *sb = &st[sp - 1];
        struct aslot res = { 1, TRI_ALL };
        switch (in->op) {
        case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
        case OP_IN: case OP_CONTAINS:
            /* A comparison with a known null is unknown. */
            if ((!a->vary && sa->t == S_NULL) || (!b->vary && sb->t == S_NULL))
                res.mask = 1u << LM_UNKNOWN;
            break;
        case OP_EQ_NULL: case OP_NE_NULL:
            if ((!a->vary && sa->t != S_NULL) || (!b->vary && sb->t != S_NULL))
                res.mask = 1u << (in->op == OP_EQ_NULL ? LM_FALSE : LM_TRUE);
            else
                res.mask = (1u << LM_FALSE) | (1u << LM_TRUE);
            break;
        case OP_NOT: {
            unsigned m = b->vary ? b->mask : tri_bit(sb);
            res.mask = ((m >> LM_FALSE) & 1u) << LM_TRUE | ((m >> LM_TRUE) & 1u) << LM_FALSE |
                       (m & (1u << LM_UNKNOWN));
            break;
        }
        case OP_AND: case OP_OR: {
            unsigned ma = a->vary ? a->mask : tri_bit(sa);
            unsigned mb = b->vary ? b->mask : tri_bit(sb);
            res.mask = 0;
            for (int x = 0; x < 3; x++)
                for (int y = 0; y < 3; y++)
                    if ((ma >> x & 1u) && (mb >> y & 1u))
                        res.mask |= 1u << kleene(in->op == OP_AND, x, y);
            break;
        }
        case OP_NUM: case OP_STR: case OP_BOOL: case OP_NULL: case OP_FACT:
        case OP_SLIST: case OP_NLIST: case OP_NEG: case OP_ADD: case OP_SUB:
        case OP_MUL: case OP_DIV: case OP_JFALSE: case OP_JTRUE: case OP_MIN:
        case OP_MAX: case OP_ABS: case OP_FACT_CMP_NUM: case OP_FACT_EQ_STR:
        case OP_FACT_NE_STR:
        default:
            break; /* arithmetic, functions: any value */
        }
        sp -= n;
        ab[sp] = res;
        st[sp].t = S_NULL;
        if (res.mask != TRI_ALL && res.mask != ((1u << LM_FALSE) | (1u << LM_TRUE)) &&
            (res.mask & (res.mask - 1)) == 0) {
            /* A single known outcome becomes a concrete value again. */
            ab[sp].vary = 0;
            if (res.mask == 1u << LM_UNKNOWN)
                st[sp].t = S_NULL;
            else
                set_bool(&st[sp], res.mask == 1u << LM_TRUE);
        }
        sp++;
    }
    return ab[0].vary ? ab[0].mask : tri_bit(&st[0]);
}

/* ===================================================================== */
/* Specialization                                                        */
/* ===================================================================== */

/*
 * lm_expr_specialize rebuilds the expression tree from the postfix code,
 * folds it bottom-up while building it, and emits postfix code again. A
 * node is either known (a constant slot) or dynamic (an instruction whose
 * operands are other nodes). Folding applies only rules that give what
 * exec_ins gives for every value of the dynamic operands, and computes
 * known operations with exec_ins itself, so the two cannot drift apart.
 */

#define KIND(k) (1u << (k))
#define KINDS_BOOL (KIND(S_NULL) | KIND(S_BOOL))

struct snode {
    int known;
    struct slot val;    /* known: the value (borrowed until emitted) */
    struct ins ins;     /* dynamic: the instruction */
    unsigned kinds;     /* dynamic: the slot kinds it can produce */
    size_t kid, nkids;  /* operands: spec.kids[kid .. kid + nkids) */
};

struct spec {
    const struct lm_expr *e;
    lm_fact_get_fn get;
    void *ctx;
    const unsigned char *varies;
    /* Fixed facts, read once each; indexed like e->facts. */
    struct lm_value fixed[LM_EXPR_MAX_NODES];
    unsigned char have[LM_EXPR_MAX_NODES];
    /* Every instruction but a jump makes one node (a fused one three),
     * never more in all than the original condition had nodes (at most
     * LM_EXPR_MAX_NODES); a node is at most one other node's operand and
     * emits at most two instructions. */
    struct snode nodes[MAX_CODE];
    size_t nnodes;
    size_t kids[MAX_CODE];
    size_t nkids;
    size_t stack[MAX_CODE];
    size_t sp;
    /* Emitted code; a constant string or list keeps its node index in a
     * until spec_finish copies it into the new expression. */
    struct ins code[MAX_CODE];
    size_t ncode;
};

static unsigned node_kinds(const struct snode *nd)
{
    return nd->known ? KIND(nd->val.t) : nd->kinds;
}

static void make_known(struct snode *nd, const struct slot *v)
{
    nd->known = 1;
    nd->val = *v;
}

static void make_null(struct snode *nd)
{
    struct slot v = {.t = S_NULL};
    make_known(nd, &v);
}

static void make_bool(struct snode *nd, int b)
{
    struct slot v = {.t = S_NULL};
    set_bool(&v, b);
    make_known(nd, &v);
}

/* The value of a fixed fact, asked of the resolver the first time only. */
static void spec_fixed_fact(struct spec *s, struct snode *nd)
{
    const struct lm_expr *e = s->e;
    struct lm_value local = {.type = LM_V_NULL};
    struct lm_value *v = &local;
    int ask = 1;
    size_t i = 0;

    while (i < e->nfacts && e->facts[i] != nd->ins.a)
        i++;
    if (i < e->nfacts) {
        v = &s->fixed[i];
        ask = !s->have[i];
        if (ask)
            *v = local;
        s->have[i] = 1;
    }
    if (ask && s->get != NULL)
        s->get(s->ctx, nd->ins.a, v);
    nd->known = 1;
    value_to_slot(v, (enum lm_vtype)nd->ins.n, &nd->val);
}

/* and/or with at least one dynamic operand. A known operand that decides
 * (false for and, true for or) decides the whole; a known neutral one
 * leaves the other operand's value, but only when that is always a
 * boolean or null: tri() maps any other kind to unknown. */
static size_t spec_logic(struct spec *s, size_t i)
{
    struct snode *nd = &s->nodes[i];
    size_t side[2] = {s->kids[nd->kid], s->kids[nd->kid + 1]};
    int decide = nd->ins.op == OP_AND ? 0 : 1;

    nd->kinds = KINDS_BOOL;
    for (int k = 0; k < 2; k++) {
        const struct snode *x = &s->nodes[side[k]];
        const struct snode *other = &s->nodes[side[!k]];
        if (!x->known)
            continue;
        int t = tri(&x->val);
        if (t == decide) {
            make_bool(nd, decide);
            return i;
        }
        if (t == !decide && (node_kinds(other) & ~KINDS_BOOL) == 0)
            return side[!k];
    }
    return i;
}

/* Folds node i, some of whose operands are dynamic, where a known operand
 * fixes the result whatever the others are; else records the kinds the
 * node can produce. Returns the node that stands for it. */
static size_t spec_partial(struct spec *s, size_t i)
{
    struct snode *nd = &s->nodes[i];
    const size_t *kid = s->kids + nd->kid;
    unsigned known = 0; /* kinds of the known operands */

    for (size_t k = 0; k < nd->nkids; k++)
        if (s->nodes[kid[k]].known)
            known |= KIND(s->nodes[kid[k]].val.t);
    switch (nd->ins.op) {
    case OP_DIV: {
        /* Division by a known zero is null, like any non-number operand. */
        const struct snode *r = &s->nodes[kid[1]];
        nd->kinds = KIND(S_NULL) | KIND(S_NUM);
        if ((known & ~KIND(S_NUM)) ||
            (r->known && r->val.t == S_NUM && r->val.num == 0.0))
            make_null(nd);
        break;
    }
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_MIN: case OP_MAX:
        /* Any operand that is not a number makes the result null. */
        nd->kinds = KIND(S_NULL) | KIND(S_NUM);
        if (known & ~KIND(S_NUM))
            make_null(nd);
        break;
    case OP_LT: case OP_LE: case OP_GT: case OP_GE:
        nd->kinds = KINDS_BOOL;
        if (known & ~KIND(S_NUM))
            make_null(nd);
        break;
    case OP_EQ: case OP_NE: case OP_IN:
        nd->kinds = KINDS_BOOL;
        if (known & KIND(S_NULL))
            make_null(nd);
        break;
    case OP_CONTAINS: {
        const struct snode *l = &s->nodes[kid[0]], *r = &s->nodes[kid[1]];
        nd->kinds = KINDS_BOOL;
        if ((l->known && l->val.t == S_NULL) || (r->known && r->val.t != S_STR))
            make_null(nd);
        break;
    }
    case OP_EQ_NULL: case OP_NE_NULL:
        /* One side is the literal null, so a known other side has already
         * been folded with it. */
        nd->kinds = KIND(S_BOOL);
        break;
    case OP_AND: case OP_OR:
        return spec_logic(s, i);
    case OP_NEG: case OP_ABS: case OP_NOT:
        /* They change a value of their kind and pass any other through. */
        nd->kinds = node_kinds(&s->nodes[kid[0]]);
        break;
    case OP_NUM: case OP_STR: case OP_BOOL: case OP_NULL: case OP_FACT:
    case OP_SLIST: case OP_NLIST: case OP_JFALSE: case OP_JTRUE:
    case OP_FACT_CMP_NUM: case OP_FACT_EQ_STR: case OP_FACT_NE_STR:
    default:
        nd->kinds = KIND(S_NULL) | KIND(S_NUM) | KIND(S_STR) | KIND(S_BOOL) |
                    KIND(S_LIST) | KIND(S_NLIST);
        break;
    }
    return i;
}

/* Adds a node for instruction in, whose operands are the top nkids nodes
 * of the stack, folds it and pushes what stands for it. */
static void spec_node(struct spec *s, const struct ins *in, size_t nkids)
{
    size_t i = s->nnodes++;
    struct snode *nd = &s->nodes[i];
    const size_t *kid;
    size_t nknown = 0;

    assert(i < MAX_CODE && s->sp >= nkids && s->nkids + nkids <= MAX_CODE);
    nd->known = 0;
    nd->ins = *in;
    nd->kinds = 0;
    nd->kid = s->nkids;
    nd->nkids = nkids;
    s->sp -= nkids;
    memcpy(s->kids + s->nkids, s->stack + s->sp, nkids * sizeof s->kids[0]);
    s->nkids += nkids;
    kid = s->kids + nd->kid;
    for (size_t k = 0; k < nkids; k++)
        nknown += s->nodes[kid[k]].known;

    if (in->op == OP_FACT) {
        if (s->varies != NULL && s->varies[in->a])
            nd->kinds = KIND(S_NULL) | (in->n == LM_V_NUM    ? KIND(S_NUM)
                                        : in->n == LM_V_STR  ? KIND(S_STR)
                                        : in->n == LM_V_BOOL ? KIND(S_BOOL)
                                        : in->n == LM_V_LIST ? KIND(S_LIST)
                                                             : 0u);
        else
            spec_fixed_fact(s, nd);
    } else if (nknown == nkids) {
        /* Literals and operations on constants: run them. */
        struct slot st[LM_EXPR_MAX_NODES];
        size_t sp = nkids, pc = 0;
        for (size_t k = 0; k < nkids; k++)
            st[k] = s->nodes[kid[k]].val;
        exec_one(s->e, in, st, &sp, &pc, NULL, NULL);
        make_known(nd, &st[0]);
    } else {
        i = spec_partial(s, i);
    }
    s->stack[s->sp++] = i;
}

/* Turns a fused instruction of an already specialized expression back into
 * the fact, the constant and the comparison it stands for. */
static void spec_unfuse(struct spec *s, const struct ins *in)
{
    struct ins fact = {OP_FACT, in->a, LM_V_NUM, 0.0};
    struct ins k = {OP_NUM, 0, 0, in->num};
    struct ins cmp = {(enum op)in->n, 0, 0, 0.0};

    if (in->op != OP_FACT_CMP_NUM) {
        fact.n = LM_V_STR;
        k.op = OP_STR;
        k.a = in->n;
        cmp.op = in->op == OP_FACT_EQ_STR ? OP_EQ : OP_NE;
    }
    spec_node(s, &fact, 0);
    spec_node(s, &k, 0);
    spec_node(s, &cmp, 2);
}

static size_t spec_put(struct spec *s, enum op op, size_t a, size_t n, double num)
{
    assert(s->ncode < MAX_CODE);
    s->code[s->ncode].op = op;
    s->code[s->ncode].a = a;
    s->code[s->ncode].n = n;
    s->code[s->ncode].num = num;
    return s->ncode++;
}

static void spec_put_const(struct spec *s, size_t i)
{
    const struct slot *v = &s->nodes[i].val;

    switch (v->t) {
    case S_NULL:
        spec_put(s, OP_NULL, 0, 0, 0.0);
        break;
    case S_NUM:
        spec_put(s, OP_NUM, 0, 0, v->num);
        break;
    case S_BOOL:
        spec_put(s, OP_BOOL, (size_t)v->b, 0, 0.0);
        break;
    case S_STR:
        spec_put(s, OP_STR, i, 0, 0.0);
        break;
    case S_LIST:
        spec_put(s, OP_SLIST, i, v->n, 0.0);
        break;
    case S_NLIST:
        spec_put(s, OP_NLIST, i, v->n, 0.0);
        break;
    }
}

/* Emits `fact CMP constant` (either way round) as one fused instruction
 * when it has that shape; returns 0 when it does not. */
static int spec_put_fused(struct spec *s, const struct snode *nd)
{
    enum op op = nd->ins.op;
    const struct snode *l, *r;

    if (nd->nkids != 2 || (op != OP_EQ && op != OP_NE && op != OP_LT &&
                           op != OP_LE && op != OP_GT && op != OP_GE))
        return 0;
    l = &s->nodes[s->kids[nd->kid]];
    r = &s->nodes[s->kids[nd->kid + 1]];
    if (l->known) {
        const struct snode *t = l;
        l = r;
        r = t;
        /* 3 < x is x > 3; both sides are finite numbers, so this is exact. */
        op = op == OP_LT ? OP_GT : op == OP_GT ? OP_LT : op == OP_LE ? OP_GE
             : op == OP_GE ? OP_LE : op;
    }
    if (l->known || !r->known || l->ins.op != OP_FACT)
        return 0;
    if (r->val.t == S_NUM && l->ins.n == LM_V_NUM) {
        spec_put(s, OP_FACT_CMP_NUM, l->ins.a, (size_t)op, r->val.num);
        return 1;
    }
    if (r->val.t == S_STR && l->ins.n == LM_V_STR &&
        (op == OP_EQ || op == OP_NE)) {
        size_t i = (size_t)(r - s->nodes);
        spec_put(s, op == OP_EQ ? OP_FACT_EQ_STR : OP_FACT_NE_STR, l->ins.a,
                 i, 0.0);
        return 1;
    }
    return 0;
}

/* Emits node i and its operands in postfix order. Recursion depth is at
 * most the number of nodes. */
static void spec_emit(struct spec *s, size_t i)
{
    const struct snode *nd = &s->nodes[i];
    const size_t *kid = s->kids + nd->kid;

    if (nd->known) {
        spec_put_const(s, i);
        return;
    }
    if (nd->ins.op == OP_AND || nd->ins.op == OP_OR) {
        size_t jump = SIZE_MAX;
        spec_emit(s, kid[0]);
        /* A known left operand that is still here does not decide, so its
         * jump would never be taken. */
        if (!s->nodes[kid[0]].known)
            jump = spec_put(s, nd->ins.op == OP_AND ? OP_JFALSE : OP_JTRUE, 0,
                            0, 0.0);
        spec_emit(s, kid[1]);
        spec_put(s, nd->ins.op, 0, 0, 0.0);
        if (jump != SIZE_MAX)
            s->code[jump].a = s->ncode;
        return;
    }
    if (spec_put_fused(s, nd))
        return;
    for (size_t k = 0; k < nd->nkids; k++)
        spec_emit(s, kid[k]);
    spec_put(s, nd->ins.op, nd->ins.a, nd->ins.n, nd->ins.num);
}

/* The strings of the constant that instruction in refers to (its node
 * index is in in->a or, for the fused string comparisons, in in->n); NULL
 * and *n = 0 for any other instruction. */
static const char *const *spec_strings(const struct spec *s,
                                       const struct ins *in, size_t *n)
{
    switch (in->op) {
    case OP_STR:
        *n = 1;
        return &s->nodes[in->a].val.u.s;
    case OP_FACT_EQ_STR:
    case OP_FACT_NE_STR:
        *n = 1;
        return &s->nodes[in->n].val.u.s;
    case OP_SLIST:
        *n = in->n;
        return s->nodes[in->a].val.u.l;
    case OP_NUM: case OP_BOOL: case OP_NULL: case OP_FACT: case OP_NLIST:
    case OP_FACT_CMP_NUM: case OP_NEG: case OP_ADD: case OP_SUB: case OP_MUL:
    case OP_DIV: case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT:
    case OP_GE: case OP_EQ_NULL: case OP_NE_NULL: case OP_IN: case OP_CONTAINS:
    case OP_NOT: case OP_AND: case OP_OR: case OP_JFALSE: case OP_JTRUE:
    case OP_MIN: case OP_MAX: case OP_ABS:
    default:
        *n = 0;
        return NULL;
    }
}

/* Copies the n strings l[0..n) into e's pool (NULL stays NULL: list_has
 * skips it) and returns the index of the first in e->strs. */
static size_t copy_strings(struct lm_expr *e, size_t *nstrs, size_t *w,
                           const char *const *l, size_t n)
{
    size_t first = *nstrs;

    for (size_t j = 0; j < n; j++) {
        char *d = NULL;
        if (l[j] != NULL) {
            size_t len = strlen(l[j]);
            d = e->pool + *w;
            memcpy(d, l[j], len + 1);
            *w += len + 1;
        }
        e->strs[(*nstrs)++] = d;
    }
    return first;
}

/* Saturating size arithmetic: a sum that overflows becomes SIZE_MAX, which
 * no allocation can satisfy. */
static size_t add_size(size_t x, size_t y)
{
    return x > SIZE_MAX - y ? SIZE_MAX : x + y;
}

static void *alloc_array(size_t n, size_t size)
{
    return n > SIZE_MAX / size ? NULL : malloc(n > 0 ? n * size : 1);
}

/* Copies the emitted code and every constant string and list it refers to
 * into a new expression, and lists the facts it still reads. */
static int spec_finish(struct spec *s, struct lm_expr **out)
{
    size_t nstrs = 0, nnums = 0, pool = 0, w = 0;
    struct lm_expr *e = calloc(1, sizeof *e);

    if (e == NULL)
        return -1;
    for (size_t pc = 0; pc < s->ncode; pc++) {
        const struct ins *in = &s->code[pc];
        size_t n;
        const char *const *l = spec_strings(s, in, &n);
        nstrs = add_size(nstrs, n);
        for (size_t j = 0; j < n; j++)
            if (l[j] != NULL)
                pool = add_size(pool, add_size(strlen(l[j]), 1));
        if (in->op == OP_NLIST)
            nnums = add_size(nnums, in->n);
    }
    e->ncode = s->ncode;
    e->code = alloc_array(s->ncode, sizeof e->code[0]);
    e->strs = alloc_array(nstrs, sizeof e->strs[0]);
    e->nums = alloc_array(nnums, sizeof e->nums[0]);
    e->pool = alloc_array(pool, 1);
    e->facts = alloc_array(s->ncode, sizeof e->facts[0]);
    if (e->code == NULL || e->strs == NULL || e->nums == NULL ||
        e->pool == NULL || e->facts == NULL) {
        lm_expr_free(e);
        return -1;
    }
    nstrs = nnums = 0;
    for (size_t pc = 0; pc < s->ncode; pc++) {
        struct ins *in = &e->code[pc];
        size_t n;
        const char *const *l = spec_strings(s, &s->code[pc], &n);
        size_t first = copy_strings(e, &nstrs, &w, l, n);
        *in = s->code[pc];
        if (in->op == OP_STR || in->op == OP_SLIST) {
            in->a = first;
        } else if (in->op == OP_FACT_EQ_STR || in->op == OP_FACT_NE_STR) {
            in->n = first;
        } else if (in->op == OP_NLIST) {
            if (in->n > 0)
                memcpy(e->nums + nnums, s->nodes[in->a].val.u.nl,
                       in->n * sizeof e->nums[0]);
            in->a = nnums;
            nnums += in->n;
        }
        if (reads_fact(in)) {
            size_t k = 0;
            while (k < e->nfacts && e->facts[k] != in->a)
                k++;
            if (k == e->nfacts)
                e->facts[e->nfacts++] = in->a;
        }
    }
    *out = e;
    return 0;
}

int lm_expr_specialize(const struct lm_expr *e, lm_fact_get_fn get, void *ctx,
                       const unsigned char *varies, struct lm_expr **out)
{
    /* About 100 KB of scratch: only the counters and the fixed-fact flags
     * need clearing (nodes, kids and code are written before they are read),
     * and a run specializes many conditions. */
    struct spec *s = malloc(sizeof *s);
    int rc;

    *out = NULL;
    if (s == NULL)
        return -1;
    memset(s->have, 0, sizeof s->have);
    s->nnodes = s->nkids = s->sp = s->ncode = 0;
    s->e = e;
    s->get = get;
    s->ctx = ctx;
    s->varies = varies;
    for (size_t pc = 0; pc < e->ncode; pc++) {
        const struct ins *in = &e->code[pc];
        if (in->op == OP_JFALSE || in->op == OP_JTRUE)
            continue; /* re-created by spec_emit for the and/or kept */
        if (in->op == OP_FACT_CMP_NUM || in->op == OP_FACT_EQ_STR ||
            in->op == OP_FACT_NE_STR)
            spec_unfuse(s, in);
        else
            spec_node(s, in, ins_arity(in));
    }
    assert(s->sp == 1);
    spec_emit(s, s->stack[0]);
    rc = spec_finish(s, out);
    free(s);
    return rc;
}

/* ===================================================================== */
/* Templates                                                             */
/* ===================================================================== */

struct seg {
    size_t fact;        /* SIZE_MAX: literal text */
    size_t off, len;    /* literal: text[off .. off+len) */
    enum lm_vtype want; /* placeholder: expected value type */
    int decimals;       /* placeholder: -1 default, else 0-6 */
};

struct lm_template {
    struct seg *segs;
    size_t nsegs;
    char *text; /* literal text with {{ and }} unescaped */
    size_t *facts;
    size_t nfacts;
};

void lm_template_free(struct lm_template *t)
{
    if (t == NULL)
        return;
    free(t->segs);
    free(t->text);
    free(t->facts);
    free(t);
}

size_t lm_template_facts(const struct lm_template *t, const size_t **ids)
{
    *ids = t->facts;
    return t->nfacts;
}

/*
 * Parses the placeholder whose '{' is at src[open]. On success fills *sg and
 * returns the offset just past its '}'; on error returns SIZE_MAX.
 */
static size_t parse_placeholder(const char *src, size_t len, size_t open,
                                const struct lm_fact_table *facts,
                                struct seg *sg, struct lm_expr_error *err)
{
    size_t p = open + 1, start = p, id;

    while (p < len && (is_name_char((unsigned char)src[p]) || src[p] == '.'))
        p++;
    if (p >= len) {
        set_error(err, open,
                  "unterminated '{' (write '{{' for a literal brace)");
        return SIZE_MAX;
    }
    if (src[p] != '}' && src[p] != ':') {
        char what[32];
        describe_char(src + p, len - p, what, sizeof what);
        set_error(err, p,
                  "unexpected %s in placeholder (write '{{' for a literal "
                  "brace)",
                  what);
        return SIZE_MAX;
    }
    if (p == start) {
        set_error(err, open, "empty placeholder");
        return SIZE_MAX;
    }
    /* Each dot-separated segment must start like a name. */
    for (size_t i = start; i < p; i++) {
        int seg_start = i == start || src[i - 1] == '.';
        if (seg_start && !is_name_start((unsigned char)src[i])) {
            set_error(err, i, "invalid fact path in placeholder");
            return SIZE_MAX;
        }
    }
    if (src[p - 1] == '.') {
        set_error(err, p, "invalid fact path in placeholder");
        return SIZE_MAX;
    }
    for (id = 0; id < facts->n; id++) {
        const char *path = facts->defs[id].path;
        if (path != NULL && strlen(path) == p - start &&
            memcmp(path, src + start, p - start) == 0)
            break;
    }
    if (id == facts->n) {
        const char *sug = suggest(src + start, p - start, facts, NULL);
        int shown = p - start > 100 ? 100 : (int)(p - start);
        if (sug != NULL)
            set_error(err, open, "unknown fact '%.*s' (did you mean '%s'?)",
                      shown, src + start, sug);
        else
            set_error(err, open, "unknown fact '%.*s'", shown, src + start);
        return SIZE_MAX;
    }
    sg->fact = id;
    sg->decimals = -1;
    switch (facts->defs[id].type) {
    case LM_T_NUM:
        sg->want = LM_V_NUM;
        break;
    case LM_T_STR:
        sg->want = LM_V_STR;
        break;
    case LM_T_ENUM:
        sg->want = LM_V_STR;
        break;
    case LM_T_BOOL:
        sg->want = LM_V_BOOL;
        break;
    case LM_T_LIST:
        sg->want = LM_V_LIST;
        break;
    }
    if (src[p] == ':') {
        size_t colon = p;
        if (!(p + 4 < len && src[p + 1] == '.' && src[p + 2] >= '0' &&
              src[p + 2] <= '6' && src[p + 3] == 'f' && src[p + 4] == '}')) {
            set_error(err, colon,
                      "invalid format in placeholder; expected ':.Nf' with N "
                      "from 0 to 6");
            return SIZE_MAX;
        }
        if (sg->want != LM_V_NUM) {
            set_error(err, colon, "':.%cf' formats numbers, but %s is %s",
                      src[p + 2], facts->defs[id].path,
                      sg->want == LM_V_STR    ? "str"
                      : sg->want == LM_V_BOOL ? "bool"
                                              : "list");
            return SIZE_MAX;
        }
        sg->decimals = src[p + 2] - '0';
        p += 4;
    }
    return p + 1;
}

int lm_template_compile(const char *src, size_t len,
                        const struct lm_fact_table *facts,
                        struct lm_template **out, struct lm_expr_error *err)
{
    static const struct lm_fact_table no_facts = {NULL, 0};
    struct lm_template *t = NULL;
    size_t maxsegs, p = 0, w = 0;
    int rc = -1;

    *out = NULL;
    if (facts == NULL)
        facts = &no_facts;
    if (src == NULL)
        len = 0;
    /* Every segment but the first starts at a brace, so this bounds them. */
    maxsegs = 1;
    for (size_t i = 0; i < len; i++)
        if (src[i] == '{' || src[i] == '}')
            maxsegs++;
    t = calloc(1, sizeof *t);
    if (t == NULL)
        goto oom;
    t->segs = malloc(maxsegs * sizeof *t->segs);
    t->text = malloc(len + 1);
    t->facts = malloc(maxsegs * sizeof *t->facts);
    if (t->segs == NULL || t->text == NULL || t->facts == NULL)
        goto oom;

    while (p < len) {
        struct seg *last = t->nsegs > 0 ? &t->segs[t->nsegs - 1] : NULL;
        char c = src[p];

        if ((c == '{' || c == '}') && p + 1 < len && src[p + 1] == c) {
            p += 2; /* an escaped brace is literal text */
        } else if (c == '}') {
            set_error(err, p, "unmatched '}' (write '}}' for a literal brace)");
            goto out;
        } else if (c == '\0') {
            /* The rendered message is a C string; a NUL would cut it short. */
            set_error(err, p, "NUL byte in template");
            goto out;
        } else if (c == '{') {
            struct seg sg;
            size_t next = parse_placeholder(src, len, p, facts, &sg, err);
            size_t i;
            if (next == SIZE_MAX)
                goto out;
            sg.off = sg.len = 0;
            t->segs[t->nsegs++] = sg;
            for (i = 0; i < t->nfacts; i++)
                if (t->facts[i] == sg.fact)
                    break;
            if (i == t->nfacts)
                t->facts[t->nfacts++] = sg.fact;
            p = next;
            continue;
        } else {
            p++;
        }
        /* Append the literal character (one brace for an escape). */
        if (last == NULL || last->fact != SIZE_MAX) {
            last = &t->segs[t->nsegs++];
            last->fact = SIZE_MAX;
            last->off = w;
            last->len = 0;
            last->want = LM_V_NULL;
            last->decimals = -1;
        }
        t->text[w++] = c;
        last->len++;
    }
    t->text[w] = '\0';
    *out = t;
    t = NULL;
    rc = 0;
    goto out;

oom:
    set_error(err, 0, "out of memory");
out:
    lm_template_free(t);
    return rc;
}

/* Appends s[0..n) at *w, writing only what fits below cap - 1. */
static void put(char *buf, size_t cap, size_t *w, const char *s, size_t n)
{
    if (*w + 1 < cap) {
        size_t room = cap - 1 - *w;
        memcpy(buf + *w, s, n < room ? n : room);
    }
    *w += n;
}

size_t lm_template_render(const struct lm_template *t, lm_fact_get_fn get,
                          void *ctx, char *buf, size_t cap)
{
    size_t w = 0;

    for (size_t i = 0; i < t->nsegs; i++) {
        const struct seg *sg = &t->segs[i];
        struct slot v;
        char num[LM_NUMBER_BUF];

        if (sg->fact == SIZE_MAX) {
            put(buf, cap, &w, t->text + sg->off, sg->len);
            continue;
        }
        load_fact(get, ctx, sg->fact, sg->want, &v);
        switch (v.t) {
        case S_NUM: {
            size_t n = lm_format_number(v.num, sg->decimals, num, sizeof num);
            put(buf, cap, &w, num, n);
            break;
        }
        case S_STR:
            put(buf, cap, &w, v.u.s, strlen(v.u.s));
            break;
        case S_BOOL:
            put(buf, cap, &w, v.b ? "true" : "false", v.b ? 4 : 5);
            break;
        case S_LIST: {
            int first = 1;
            for (size_t j = 0; j < v.n; j++) {
                if (v.u.l[j] == NULL)
                    continue;
                if (!first)
                    put(buf, cap, &w, ", ", 2);
                put(buf, cap, &w, v.u.l[j], strlen(v.u.l[j]));
                first = 0;
            }
            break;
        }
        case S_NULL:
        case S_NLIST:
            put(buf, cap, &w, "unknown", 7);
            break;
        }
    }
    if (cap > 0)
        buf[w < cap ? w : cap - 1] = '\0';
    return w;
}
