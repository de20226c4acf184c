/*
 * The lexer of rule conditions: one token at a time, on demand.
 *
 * Separate from the compiler because it is the only code that reads the
 * condition byte by byte: it knows the character classes, keywords,
 * literal syntax and the lexical error messages, and the parser sees only
 * tokens. Number literals are validated here and converted by
 * expr_number.c when the parser takes them.
 */
#include <string.h>

#include "rules/expr_int.h"

/* Keywords; a dotted name is never a keyword ("model.in" is a path). */
static const struct {
    const char *word;
    enum tk kind;
} keywords[] = {
    {"and", TK_AND}, {"contains", TK_CONTAINS}, {"false", TK_FALSE},
    {"in", TK_IN},   {"not", TK_NOT},           {"null", TK_NULL},
    {"or", TK_OR},   {"true", TK_TRUE},
};

int lm__expr_lex(const char *s, size_t len, size_t pos, struct tok *t,
                 struct lm_expr_error *err)
{
    while (pos < len && lm__is_space((unsigned char)s[pos]))
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

    if (lm__is_digit(c)) {
        size_t p = pos;
        while (p < len && lm__is_digit((unsigned char)s[p]))
            p++;
        if (p < len && s[p] == '.') {
            p++;
            if (p >= len || !lm__is_digit((unsigned char)s[p])) {
                lm__expr_set_error(err, p,
                                   "expected a digit after '.' in number");
                return -1;
            }
            while (p < len && lm__is_digit((unsigned char)s[p]))
                p++;
        }
        if (p < len && (s[p] == 'e' || s[p] == 'E')) {
            p++;
            if (p < len && (s[p] == '+' || s[p] == '-'))
                p++;
            if (p >= len || !lm__is_digit((unsigned char)s[p])) {
                lm__expr_set_error(
                    err, p, "expected a digit in the exponent of number");
                return -1;
            }
            while (p < len && lm__is_digit((unsigned char)s[p]))
                p++;
        }
        if (p < len && (lm__is_name_char((unsigned char)s[p]) || s[p] == '.' ||
                        (s[p] >= 'A' && s[p] <= 'Z'))) {
            char what[32];
            lm__expr_describe_char(s + p, len - p, what, sizeof what);
            lm__expr_set_error(err, p, "unexpected %s after number", what);
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
                lm__expr_set_error(err, pos, "unterminated string");
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
                    lm__expr_set_error(err, pos, "unterminated string");
                    return -1;
                }
                char what[32];
                lm__expr_describe_char(s + p + 1, len - p - 1, what,
                                       sizeof what);
                lm__expr_set_error(
                    err, p,
                    "invalid escape (%s after '\\'); only \\\" and \\\\ "
                    "are allowed",
                    what);
                return -1;
            }
            /* Control characters (NUL included) would make the string
             * compare differently from what the author sees. */
            if (d < 0x20 || d == 0x7f) {
                lm__expr_set_error(err, p,
                                   "control character (byte 0x%02x) in string",
                                   (unsigned)d);
                return -1;
            }
            p++;
        }
        t->kind = TK_STR;
        t->end = p + 1;
        return 0;
    }

    if (lm__is_name_start(c)) {
        size_t p = pos;
        for (;;) {
            while (p < len && lm__is_name_char((unsigned char)s[p]))
                p++;
            if (p < len && s[p] == '.') {
                if (p + 1 < len && lm__is_name_start((unsigned char)s[p + 1])) {
                    p++;
                    t->dotted = 1;
                    continue;
                }
                lm__expr_set_error(err, p + 1,
                                   "expected a name after '.' in fact path");
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
        lm__expr_set_error(err, pos,
                           "unexpected character '='; use '==' to compare");
        return -1;
    case '!':
        if (n1 == '=') {
            t->kind = TK_NE;
            t->end = pos + 2;
            return 0;
        }
        lm__expr_set_error(err, pos,
                           "unexpected character '!'; use 'not' or '!='");
        return -1;
    case '&':
        lm__expr_set_error(err, pos, "unexpected character '&'; use 'and'");
        return -1;
    case '|':
        lm__expr_set_error(err, pos, "unexpected character '|'; use 'or'");
        return -1;
    case '\'':
        lm__expr_set_error(err, pos,
                           "strings use double quotes, not single quotes");
        return -1;
    default:
        break;
    }
    {
        char what[32];
        lm__expr_describe_char(s + pos, len - pos, what, sizeof what);
        if (c >= 'A' && c <= 'Z')
            lm__expr_set_error(err, pos, "unexpected %s; names are lower-case",
                               what);
        else
            lm__expr_set_error(err, pos, "unexpected %s", what);
    }
    return -1;
}
