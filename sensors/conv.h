/* SPDX-License-Identifier: MIT */
/*
 * The linear conversion an SDR carries (IPMI 2.0 section 36.3):
 *	y = (M * x + B * 10^Bexp) * 10^Rexp
 * for an 8-bit unsigned raw reading x.  conv_fit() picks M, B and the
 * exponents for an engineering range at the finest resolution the 10-bit M
 * and B and 4-bit exponents allow.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct conv {
	int16_t m;		/* 10-bit two's complement: -512..511 */
	int16_t b;		/* 10-bit two's complement */
	int8_t bexp;		/* 4-bit two's complement: -8..7 */
	int8_t rexp;
};

/* The conversion covering min..max with the smallest step.  false when no
 * conversion can (range too wide or too narrow for the SDR fields). */
bool conv_fit(double min, double max, struct conv *c);
double conv_step(const struct conv *c);
double conv_to_value(const struct conv *c, uint8_t raw);
/* Nearest raw reading, clamped to 0..255. */
uint8_t conv_to_raw(const struct conv *c, double v);
/* A hysteresis (a difference, not a reading) in raw counts, 0..255. */
uint8_t conv_delta_to_raw(const struct conv *c, double d);
