/* Number rounding (numfmt.h). */
#include "util/numfmt.h"

#include <math.h>
#include <stdio.h>

/* Powers of ten for the decimals the program uses (0..6); larger counts
 * fall back to a loop. */
static const double pow10_table[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };

double lm_round(double v, int decimals)
{
    if (!isfinite(v))
        return v;
    double p = 1.0;
    if (decimals >= 0 && decimals < (int)(sizeof(pow10_table) / sizeof(pow10_table[0])))
        p = pow10_table[decimals];
    else
        for (int i = 0; i < decimals; i++)
            p *= 10.0;
    double r = lm__round_half_away(v * p) / p;
    return r == 0.0 ? 0.0 : r; /* no "-0" */
}

const char *lm_format_fixed(char *buf, size_t cap, double v, int decimals)
{
    if (!isfinite(v))
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%.*f", decimals, lm_round(v, decimals));
    return buf;
}
