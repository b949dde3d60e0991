/* SPDX-License-Identifier: MIT */
/* A fake host for the tests that drive the power state machine (power,
 * watchdog): buttons that count their presses, a power good the test sets,
 * and a loop runner. Include after tap.h. */
#pragma once

#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "chassis/power.h"

struct fake_host {
	int on;
	unsigned presses[3];		/* by enum host_button */
	unsigned last_ms[3];		/* the last press's length, by button */
};

static int fake_press(void *ctx, enum host_button b, unsigned ms)
{
	struct fake_host *h = ctx;

	h->presses[b]++;
	h->last_ms[b] = ms;
	return 0;
}

static int fake_power_good(void *ctx)
{
	return ((struct fake_host *)ctx)->on;
}

static const struct host_ops fake_ops = {
	.name = "fake", .press = fake_press, .power_good = fake_power_good,
};

/* A new loop, and a power state machine on it for host h (power good on or
 * off), with the test's timing; notify(userdata) hears its events. */
static inline void fake_power_init(sd_event **ev, struct power *p, struct fake_host *h, bool on,
				   const struct power_timing *timing, power_event_fn notify,
				   void *userdata)
{
	CHECK(sd_event_new(ev) >= 0);
	h->on = on;
	CHECK(power_init(p, *ev, &fake_ops, h, timing) == 0);
	p->notify = notify;
	p->notify_userdata = userdata;
}

/* Run ev, a turn at most step_usec long, for ms, or until *keep turns
 * false (keep may be NULL: the whole ms). */
static inline void fake_run(sd_event *ev, unsigned ms, uint64_t step_usec, const bool *keep)
{
	struct timespec t0, t;
	long el;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		sd_event_run(ev, step_usec);
		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
	} while ((!keep || *keep) && el < (long)ms);
}
