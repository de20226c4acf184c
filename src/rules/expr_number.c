/*
 * Numbers in and out of the rule language, both independent of the locale:
 * converting a number literal of a condition to a double, and
 * lm_format_number(), which formats the numbers of rendered messages.
 *
 * Separate because these are the only functions of the module that meet
 * the C library's locale (strtod, snprintf's %e and %f), and both must give
 * the same digits whatever LC_NUMERIC says (DESIGN §7). The engine's
 * renderers format numbers through lm_format_number() too.
 */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/expr_int.h"

/* ===================================================================== */
/* Numbers                                                               */
/* ===================================================================== */

/* Powers of ten that a double holds exactly. */
static const double exact_pow10[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * How lm__expr_convert_number() (expr_int.h) works: literals with at most
 * 15 significant digits and a decimal exponent within +-22 (every literal a
 * rule realistically contains) take Clinger's fast path: an exact integer
 * times or divided by an exact power of ten, which is one correctly rounded
 * IEEE operation. The rest go to strtod(), after the '.' is replaced by the
 * current locale's decimal point so that strtod() reads the same digits
 * whatever LC_NUMERIC says.
 */
int lm__expr_convert_number(const char *s, size_t n, double *out)
{
    uint64_t mant = 0;
    int sig = 0, frac_digits = 0, many = 0;
    long exp10 = 0;
    size_t p = 0;

    for (; p < n && (lm__is_digit((unsigned char)s[p]) || s[p] == '.'); p++) {
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
        if (lm__is_digit((unsigned char)*p) && nd < 6)
            digits[nd++] = *p;
    if (*p != '\0')
        p++;
    if (*p == '+' || *p == '-')
        eneg = *p++ == '-';
    for (; lm__is_digit((unsigned char)*p); p++)
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
            if (lm__is_digit((unsigned char)raw[i]) ||
                (i == 0 && raw[i] == '-')) {
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
