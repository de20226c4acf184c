/*
 * Number rounding shared by the engine (totals and sub-scores are rounded
 * to 0.1 before they are compared, DESIGN §5) and every renderer (the
 * precision of §6.1), so that what is compared is what is printed.
 */
#ifndef LMCHOOSE_UTIL_NUMFMT_H
#define LMCHOOSE_UTIL_NUMFMT_H

/* Rounds v to `decimals` places (half away from zero); NAN and infinities
 * stay; never returns -0. */
double lm_round(double v, int decimals);

#endif
