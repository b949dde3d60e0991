/* SPDX-License-Identifier: MIT */
/*
 * The statistics window of Get Power Reading and the power limit's
 * excursion timing: plain arithmetic, no event loop, so the unit test
 * (tests/unit/test-dcmi.c) drives them directly.
 */
#include <errno.h>
#include <stdlib.h>

#include "dcmi/dcmi.h"

int dcmi_stats_init(struct dcmi_stats *st, unsigned cap)
{
	*st = (struct dcmi_stats){ 0 };
	if (cap == 0 || cap > DCMI_SAMPLES_MAX)
		return -EINVAL;
	st->ring = calloc(cap, sizeof(*st->ring));
	if (!st->ring)
		return -ENOMEM;
	st->cap = cap;
	return 0;
}

void dcmi_stats_free(struct dcmi_stats *st)
{
	free(st->ring);
	*st = (struct dcmi_stats){ 0 };
}

void dcmi_stats_add(struct dcmi_stats *st, uint32_t watts)
{
	if (!st->cap)
		return;
	if (watts == DCMI_NO_SAMPLE)
		st->ring[st->head] = DCMI_NO_SAMPLE;
	else
		st->ring[st->head] = watts > DCMI_NO_SAMPLE - 1 ? DCMI_NO_SAMPLE - 1 : (uint16_t)watts;
	st->head = (st->head + 1) % st->cap;
	if (st->filled < st->cap)
		st->filled++;
}

void dcmi_stats_get(const struct dcmi_stats *st, struct dcmi_reading *out)
{
	uint64_t sum = 0;

	*out = (struct dcmi_reading){ 0 };
	if (!st->filled)
		return;
	out->n_slots = st->filled;
	out->min = UINT16_MAX;
	/* The newest slot is the one before head; the window is the last
	 * 'filled' slots. */
	for (unsigned i = 0; i < st->filled; i++) {
		uint16_t w = st->ring[(st->head + st->cap - 1 - i) % st->cap];

		if (i == 0 && w != DCMI_NO_SAMPLE) {
			out->valid = true;
			out->cur = w;
		}
		if (w == DCMI_NO_SAMPLE)
			continue;
		out->n_readings++;
		sum += w;
		if (w < out->min)
			out->min = w;
		if (w > out->max)
			out->max = w;
	}
	if (!out->n_readings) {
		out->min = 0;
		return;
	}
	out->avg = (uint16_t)((sum + out->n_readings / 2) / out->n_readings);
}

bool dcmi_excursion_step(struct dcmi_excursion *e, uint64_t now_ms, bool valid, uint32_t watts,
			 uint32_t limit, uint32_t correction_ms)
{
	if (!valid)			/* no reading: the excursion neither grows nor ends */
		return false;
	if (watts <= limit) {
		e->over = false;
		e->acted = false;
		return false;
	}
	if (!e->over) {
		e->over = true;
		e->acted = false;
		e->since_ms = now_ms;
	}
	if (e->acted || now_ms - e->since_ms < correction_ms)
		return false;
	e->acted = true;
	return true;
}
