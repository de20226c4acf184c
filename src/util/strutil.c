/* String helpers; see strutil.h. */
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *lm__vasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s == NULL)
        return NULL;
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *lm__asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = lm__vasprintf(fmt, ap);
    va_end(ap);
    return s;
}

/* Optimal-string-alignment distance (Damerau: adjacent transpositions cost
 * 1). With digit_weight, inserting or deleting a digit costs 2, so that a
 * name one digit away from another (l40s, l4) is not "near" it (names,
 * docs/cli.md). Strings over 64 bytes are "far" ((size_t)-1). */
static size_t osa_distance(const char *a, const char *b, int digit_weight)
{
    size_t la = strlen(a), lb = strlen(b);
    enum { MAXL = 64 };
    if (la > MAXL || lb > MAXL)
        return (size_t)-1;
    /* Three rows suffice for the transposition case. */
    size_t rows[3][MAXL + 1];
    size_t *pp = rows[0], *prev = rows[1], *cur = rows[2];
#define INDEL(ch) (digit_weight && (ch) >= '0' && (ch) <= '9' ? 2u : 1u)
    prev[0] = 0;
    for (size_t j = 1; j <= lb; j++)
        prev[j] = prev[j - 1] + INDEL(b[j - 1]);
    for (size_t i = 1; i <= la; i++) {
        cur[0] = prev[0] + INDEL(a[i - 1]);
        for (size_t j = 1; j <= lb; j++) {
            size_t v = prev[j] + INDEL(a[i - 1]);
            if (cur[j - 1] + INDEL(b[j - 1]) < v)
                v = cur[j - 1] + INDEL(b[j - 1]);
            size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            if (sub < v)
                v = sub;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            cur[j] = v;
        }
        size_t *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
#undef INDEL
    return prev[lb];
}

size_t lm__edit_distance(const char *a, const char *b)
{
    return osa_distance(a, b, 0);
}

const char *lm__suggest(const char *word, const char *const *candidates,
                        size_t n)
{
    size_t wl = strlen(word);
    size_t limit = wl / 3 > 2 ? wl / 3 : 2;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    /* A word that starts one id and no other is a plausible abbreviation
     * ("llama-3.1-8b" for "llama-3.1-8b-instruct"). */
    const char *prefix_of = NULL;
    size_t nprefix = 0;
    for (size_t i = 0; wl >= 3 && i < n; i++) {
        if (candidates[i] != NULL && strncmp(candidates[i], word, wl) == 0 &&
            candidates[i][wl] != '\0') {
            prefix_of = candidates[i];
            nprefix++;
        }
    }
    if (nprefix == 1)
        return prefix_of;
    for (size_t i = 0; i < n; i++) {
        if (candidates[i] == NULL)
            continue;
        size_t d = lm__edit_distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best_d <= limit ? best : NULL;
}

const char *const lm__vendor_words[] = {
    "nvidia", "geforce", "tesla", "quadro", "amd", "radeon", "instinct", "apple",
    "intel", "qualcomm", NULL
};

static int name_sep(unsigned char ch)
{
    return ch == '_' || ch == ' ' || ch == '-' || ch == '.' || ch == '\t';
}

static unsigned char ascii_lower(unsigned char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
}

/* True when s[0..n) equals the lowercase word w, ignoring ASCII case. */
static int word_is(const char *s, size_t n, const char *w)
{
    if (strlen(w) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower((unsigned char)s[i]) != (unsigned char)w[i])
            return 0;
    return 1;
}

size_t lm__name_normalise(const char *name, int strip_vendor, char *out, size_t cap)
{
    static const char *const url_prefixes[] = {
        "https://huggingface.co/", "http://huggingface.co/", "huggingface.co/", "hf.co/", NULL
    };
    for (size_t i = 0; url_prefixes[i] != NULL; i++) {
        size_t pl = strlen(url_prefixes[i]);
        if (strlen(name) > pl && word_is(name, pl, url_prefixes[i])) {
            name += pl;
            break;
        }
    }
    while (strip_vendor) {
        const char *p = name;
        while (name_sep((unsigned char)*p))
            p++;
        size_t wl = 0;
        while (p[wl] != '\0' && !name_sep((unsigned char)p[wl]))
            wl++;
        int vendor = 0;
        for (size_t k = 0; lm__vendor_words[k] != NULL && !vendor; k++)
            vendor = word_is(p, wl, lm__vendor_words[k]);
        const char *rest = p + wl;
        while (name_sep((unsigned char)*rest))
            rest++;
        if (!vendor || *rest == '\0')
            break; /* "NVIDIA" alone stays "nvidia" */
        name = rest;
    }
    size_t n = 0;
    for (const char *p = name; *p != '\0'; p++) {
        unsigned char ch = (unsigned char)*p;
        if (name_sep(ch))
            continue;
        if (n + 1 < cap)
            out[n] = (char)ascii_lower(ch);
        n++;
    }
    out[n < cap ? n : cap - 1] = '\0';
    return n;
}

size_t lm__name_distance(const char *a, const char *b)
{
    return osa_distance(a, b, 1);
}

void lm__offset_to_linecol(const char *buf, size_t len, size_t off,
                           unsigned *line, unsigned *col)
{
    unsigned l = 1, c = 1;
    size_t i = 0;
    if (len >= 3 && (unsigned char)buf[0] == 0xEF &&
        (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF)
        i = 3;
    if (off > len)
        off = len;
    for (; i < off; i++) {
        unsigned char ch = (unsigned char)buf[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if (ch == '\r') {
            /* A lone CR ends a line for libyaml too; CRLF counts once. */
            if (i + 1 < len && buf[i + 1] == '\n')
                continue;
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

size_t lm__utf8_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

int lm__utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        size_t n;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

/* The code point of the valid UTF-8 sequence at p[0..len), with its length
 * in *n; -1 when the bytes there are not valid UTF-8. */
static long utf8_decode(const unsigned char *p, size_t len, size_t *n)
{
    unsigned char c = p[0];
    size_t extra;
    unsigned long cp;
    if (c < 0x80) {
        *n = 1;
        return c;
    } else if ((c & 0xE0) == 0xC0) {
        extra = 1;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        extra = 2;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        extra = 3;
        cp = c & 0x07;
    } else {
        return -1;
    }
    for (size_t k = 1; k <= extra; k++) {
        if (k >= len || (p[k] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
        (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *n = extra + 1;
    return (long)cp;
}

/* Code points a terminal or a log viewer acts on rather than shows: C1
 * controls (U+009B is CSI on some terminals), the line and paragraph
 * separators, and the bidirectional overrides and isolates that reorder
 * what is displayed ("Trojan Source"). */
static int invisible_format_char(long cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x200E || cp == 0x200F || cp == 0x061C || cp == 0xFEFF;
}

char *lm__escape_visible(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    /* The worst case is 4 bytes of \xHH per input byte, or 6 of \uHHHH per
     * 2-3 byte sequence: 4 per byte bounds both. */
    char *out = malloc(4 * len + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = 1;
        long cp = utf8_decode(p + i, len - i, &n);
        if (cp < 0) {
            o += (size_t)sprintf(out + o, "\\x%02X", p[i]);
            i++;
            continue;
        }
        if (cp == '\n')
            o += (size_t)sprintf(out + o, "\\n");
        else if (cp == '\r')
            o += (size_t)sprintf(out + o, "\\r");
        else if (cp == '\t')
            o += (size_t)sprintf(out + o, "\\t");
        else if (cp == 0x1B)
            o += (size_t)sprintf(out + o, "\\e");
        else if (cp < 0x20 || cp == 0x7F)
            o += (size_t)sprintf(out + o, "\\x%02X", (unsigned)cp);
        else if (invisible_format_char(cp))
            o += (size_t)sprintf(out + o, "\\u%04lX", (unsigned long)cp);
        else {
            memcpy(out + o, s + i, n);
            o += n;
        }
        i += n;
    }
    out[o] = '\0';
    return out;
}

/* FNV-1a: cheap, and good enough for ids and short strings. */
static size_t str_hash(const char *s)
{
    size_t h = (size_t)1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= (size_t)1099511628211ULL;
    }
    return h;
}

static int strset_grow(struct lm_strset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    const char **keys = calloc(cap, sizeof(*keys));
    size_t *vals = calloc(cap, sizeof(*vals));
    if (keys == NULL || vals == NULL) {
        free(keys);
        free(vals);
        return -1;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (s->keys[i] == NULL)
            continue;
        size_t j = str_hash(s->keys[i]) & (cap - 1);
        while (keys[j] != NULL)
            j = (j + 1) & (cap - 1);
        keys[j] = s->keys[i];
        vals[j] = s->vals[i];
    }
    free(s->keys);
    free(s->vals);
    s->keys = keys;
    s->vals = vals;
    s->cap = cap;
    return 0;
}

size_t lm__strset_get(const struct lm_strset *s, const char *key)
{
    if (s->cap == 0)
        return LM_STRSET_NONE;
    for (size_t j = str_hash(key) & (s->cap - 1); s->keys[j] != NULL; j = (j + 1) & (s->cap - 1))
        if (strcmp(s->keys[j], key) == 0)
            return s->vals[j];
    return LM_STRSET_NONE;
}

size_t lm__strset_put(struct lm_strset *s, const char *key, size_t val)
{
    if ((s->n + 1) * 2 > s->cap && strset_grow(s) != 0)
        return LM_STRSET_NOMEM;
    size_t j = str_hash(key) & (s->cap - 1);
    for (; s->keys[j] != NULL; j = (j + 1) & (s->cap - 1))
        if (strcmp(s->keys[j], key) == 0)
            return s->vals[j];
    s->keys[j] = key;
    s->vals[j] = val;
    s->n++;
    return LM_STRSET_NONE;
}

void lm__strset_set(struct lm_strset *s, const char *key, size_t val)
{
    if (s->cap == 0)
        return;
    for (size_t j = str_hash(key) & (s->cap - 1); s->keys[j] != NULL; j = (j + 1) & (s->cap - 1))
        if (strcmp(s->keys[j], key) == 0) {
            s->vals[j] = val;
            return;
        }
}

void lm__strset_release(struct lm_strset *s)
{
    free(s->keys);
    free(s->vals);
    memset(s, 0, sizeof(*s));
}

void lm__id_from_name(const char *in, int after_slash, char *out, size_t cap)
{
    size_t o = 0;
    const char *slash = after_slash ? strrchr(in, '/') : NULL;
    if (slash != NULL && slash[1] != '\0')
        in = slash + 1;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 1 < cap && o < 100; p++) {
        char ch = (char)*p;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_'))
            ch = '-';
        if (o == 0 && !((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
            continue;
        if (ch == '-' && o > 0 && out[o - 1] == '-')
            continue;
        out[o++] = ch;
    }
    while (o > 0 && (out[o - 1] == '-' || out[o - 1] == '.'))
        o--;
    if (cap > 0)
        out[o] = '\0';
}
