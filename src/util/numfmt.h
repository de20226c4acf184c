/*
 * Number rounding shared by the engine (totals and sub-scores are rounded
 * to 0.1 before they are compared, DESIGN §5) and every renderer (the
 * precision of §6.1), so that what is compared is what is printed.
 */
#ifndef LMCHOOSE_UTIL_NUMFMT_H
#define LMCHOOSE_UTIL_NUMFMT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* Rounds v to `decimals` places (half away from zero); NAN and infinities
 * stay; never returns -0. */
double lm_round(double v, int decimals);

/* round(x) (half away from zero) without the libm call, for |x| < 2^52:
 * there the conversion to int64_t truncates exactly, x minus its integer
 * part is exact, and so is adding one. Only the sign of a zero result can
 * differ from round's (+0 for x in (-0.5, 0)), which lm_round1 erases
 * anyway. Larger magnitudes are whole already; NAN goes to round. */
static inline double lm__round_half_away(double x)
{
    if (!(fabs(x) < 4503599627370496.0))
        return round(x);
    double t = (double)(int64_t)x, d = x - t;
    return d >= 0.5 ? t + 1.0 : d <= -0.5 ? t - 1.0 : t;
}

/* lm_round(v, 1), the same operations inline: the sub-scores and the total
 * of every candidate are rounded so (judge.c), a million times a run. */
static inline double lm_round1(double v)
{
    if (!isfinite(v))
        return v;
    double r = lm__round_half_away(v * 10.0) / 10.0;
    return r == 0.0 ? 0.0 : r; /* no "-0" */
}

/* v with `decimals` places after lm_round, or "-" when v is unknown (NAN
 * or infinite), into buf; returns buf. The tables' cells (text, markdown,
 * HTML) are printed so. */
const char *lm_format_fixed(char *buf, size_t cap, double v, int decimals);

#endif
