/* SPDX-License-Identifier: MIT */
#include <math.h>

#include "sensors/conv.h"

#define EPS 1e-9

static double p10(int e)
{
	return pow(10, e);
}

double conv_step(const struct conv *c)
{
	return c->m * p10(c->rexp);
}

static double conv_offset(const struct conv *c)
{
	return c->b * p10(c->bexp + c->rexp);
}

/*
 * For every pair of exponents: B is the largest offset not above min, M the
 * smallest multiplier whose 255 steps still reach max.  The winner has the
 * smallest step; among equal steps, the offset closest to min.
 */
bool conv_fit(double min, double max, struct conv *out)
{
	double best_step = INFINITY, best_gap = INFINITY;

	if (!(max > min))
		return false;
	for (int rexp = -8; rexp <= 7; rexp++) {
		double unit = p10(rexp);

		for (int bexp = -8; bexp <= 7; bexp++) {
			double bunit = p10(bexp + rexp);
			double b = floor(min / bunit + EPS);
			double m, step, off, gap;

			if (b < -512 || b > 511)
				continue;
			off = b * bunit;
			m = ceil((max - off) / (255 * unit) - EPS);
			if (m < 1)
				m = 1;
			if (m > 511)
				continue;
			step = m * unit;
			gap = min - off;
			if (step < best_step - EPS * step ||
			    (step <= best_step + EPS * step && gap < best_gap)) {
				best_step = step;
				best_gap = gap;
				*out = (struct conv){ .m = (int16_t)m, .b = (int16_t)b,
						      .bexp = (int8_t)bexp, .rexp = (int8_t)rexp };
			}
		}
	}
	return best_step < INFINITY;
}

double conv_to_value(const struct conv *c, uint8_t raw)
{
	return conv_offset(c) + raw * conv_step(c);
}

uint8_t conv_to_raw(const struct conv *c, double v)
{
	double x = round((v - conv_offset(c)) / conv_step(c));

	if (!(x >= 0))
		return 0;
	return x > 255 ? 255 : (uint8_t)x;
}

uint8_t conv_delta_to_raw(const struct conv *c, double d)
{
	double x = round(d / conv_step(c));

	if (!(x >= 0))
		return 0;
	return x > 255 ? 255 : (uint8_t)x;
}
