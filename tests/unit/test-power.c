/* SPDX-License-Identifier: MIT */
/*
 * The host power state machine against a fake host: every state x every
 * Chassis Control action (the table in docs/commands.md), and the
 * transitions that follow a merged action (a start aborted by a forced off,
 * power on after a forced off or an OS shutdown, a cancelled cycle).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "chassis/power.h"
#include "tap.h"

struct fake_host {
	int on;
	unsigned presses[3];		/* by enum host_button */
	unsigned last_ms[3];
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

static const struct power_timing timing = {
	.press_ms = 20, .force_off_ms = 60, .reset_ms = 20, .cycle_interval_ms = 60000,
	.on_timeout_ms = 60000, .off_timeout_ms = 60000, .soft_timeout_ms = 60000,
};

struct rig {
	sd_event *ev;
	struct fake_host host;
	struct power power;
	unsigned faults;
};

static void on_event(void *userdata, enum power_event ev, enum restart_cause cause)
{
	struct rig *r = userdata;

	if (ev == POWER_EV_FAULT)
		r->faults++;
}

static void run_for(struct rig *r, unsigned ms)
{
	struct timespec t0, t;
	long el;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		sd_event_run(r->ev, 5000);
		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
	} while (el < (long)ms);
}

/* The host's power good moves (the fake host is the test). */
static void pg(struct rig *r, bool on)
{
	r->host.on = on;
	power_good_changed(&r->power, on);
}

static void rig_init(struct rig *r, bool on)
{
	memset(r, 0, sizeof(*r));
	CHECK(sd_event_new(&r->ev) >= 0);
	r->host.on = on;
	CHECK(power_init(&r->power, r->ev, &fake_ops, &r->host, &timing) == 0);
	r->power.notify = on_event;
	r->power.notify_userdata = r;
}

static void rig_done(struct rig *r)
{
	power_done(&r->power);
	sd_event_unref(r->ev);
}

/* Put a fresh rig into state s. */
static void rig_in(struct rig *r, enum power_state s)
{
	switch (s) {
	case POWER_OFF:
		rig_init(r, false);
		break;
	case POWER_ON:
		rig_init(r, true);
		break;
	case POWER_POWERING_ON:
		rig_init(r, false);
		CHECK(power_request(&r->power, POWER_ACTION_ON, RESTART_CHASSIS_CMD) == 0);
		break;
	case POWER_POWERING_OFF:
		rig_init(r, true);
		CHECK(power_request(&r->power, POWER_ACTION_OFF, RESTART_CHASSIS_CMD) == 0);
		break;
	case POWER_SOFT_OFF:
		rig_init(r, true);
		CHECK(power_request(&r->power, POWER_ACTION_SOFT, RESTART_CHASSIS_CMD) == 0);
		break;
	case POWER_CYCLE_WAIT:
		rig_init(r, true);
		CHECK(power_request(&r->power, POWER_ACTION_CYCLE, RESTART_CHASSIS_CMD) == 0);
		pg(r, false);
		run_for(r, timing.force_off_ms + 200);	/* the long press ends */
		break;
	}
	CHECK(r->power.state == s);
}

#define NS (POWER_CYCLE_WAIT + 1)
#define NA (POWER_ACTION_SOFT + 1)
#define X -ENOTSUP

/* What each action returns in each state, and the state it leaves. */
static const int want_rc[NS][NA] = {
	/*                    off  on  cycle reset diag soft */
	[POWER_OFF]          = { 0, 0, X, X, X, X },
	[POWER_ON]           = { 0, 0, 0, 0, 0, 0 },
	[POWER_POWERING_ON]  = { 0, 0, 0, 0, X, X },
	[POWER_POWERING_OFF] = { 0, 0, 0, X, X, 0 },
	[POWER_SOFT_OFF]     = { 0, 0, 0, X, 0, 0 },
	[POWER_CYCLE_WAIT]   = { 0, 0, 0, 0, X, 0 },
};

static const enum power_state want_state[NS][NA] = {
	[POWER_OFF] = { POWER_OFF, POWER_POWERING_ON, POWER_OFF, POWER_OFF, POWER_OFF, POWER_OFF },
	[POWER_ON] = { POWER_POWERING_OFF, POWER_ON, POWER_POWERING_OFF, POWER_ON, POWER_ON, POWER_SOFT_OFF },
	[POWER_POWERING_ON] = { POWER_POWERING_OFF, POWER_POWERING_ON, POWER_POWERING_OFF,
				POWER_POWERING_ON, POWER_POWERING_ON, POWER_POWERING_ON },
	[POWER_POWERING_OFF] = { POWER_POWERING_OFF, POWER_POWERING_OFF, POWER_POWERING_OFF,
				 POWER_POWERING_OFF, POWER_POWERING_OFF, POWER_POWERING_OFF },
	[POWER_SOFT_OFF] = { POWER_POWERING_OFF, POWER_SOFT_OFF, POWER_POWERING_OFF, POWER_SOFT_OFF,
			     POWER_SOFT_OFF, POWER_SOFT_OFF },
	[POWER_CYCLE_WAIT] = { POWER_OFF, POWER_POWERING_ON, POWER_CYCLE_WAIT, POWER_CYCLE_WAIT,
			       POWER_CYCLE_WAIT, POWER_OFF },
};

static void test_table(void)
{
	for (int s = 0; s < NS; s++) {
		for (int a = 0; a < NA; a++) {
			struct rig r;
			int rc;

			rig_in(&r, (enum power_state)s);
			rc = power_request(&r.power, (enum power_action)a, RESTART_CHASSIS_CMD);
			if (rc != want_rc[s][a] || r.power.state != want_state[s][a])
				fprintf(stderr, "state %s action %d: rc %d state %s\n",
					power_state_name((enum power_state)s), a, rc,
					power_state_name(r.power.state));
			CHECK(rc == want_rc[s][a]);
			CHECK(r.power.state == want_state[s][a]);
			rig_done(&r);
		}
	}
}

static void test_abort_power_on(void)
{
	struct rig r;

	/* Power good never comes: off once the long press is over, no fault. */
	rig_in(&r, POWER_POWERING_ON);
	CHECK(power_request(&r.power, POWER_ACTION_OFF, RESTART_CHASSIS_CMD) == 0);
	CHECK(r.host.presses[BUTTON_POWER] == 2 && r.host.last_ms[BUTTON_POWER] == timing.force_off_ms);
	run_for(&r, timing.force_off_ms + 200);
	CHECK(r.power.state == POWER_OFF && !r.power.fault && r.faults == 0);
	rig_done(&r);

	/* It came up under the long press, then went: off. */
	rig_in(&r, POWER_POWERING_ON);
	CHECK(power_request(&r.power, POWER_ACTION_OFF, RESTART_CHASSIS_CMD) == 0);
	pg(&r, true);
	CHECK(r.power.state == POWER_POWERING_OFF && r.power.on);
	run_for(&r, timing.force_off_ms + 200);
	CHECK(r.power.state == POWER_POWERING_OFF);	/* press over, power good still high */
	pg(&r, false);
	CHECK(r.power.state == POWER_OFF && !r.power.fault);
	rig_done(&r);
}

static void test_merged_actions(void)
{
	struct rig r;

	/* On while forcing off: on again once off and the press is over. */
	rig_in(&r, POWER_POWERING_OFF);
	CHECK(power_request(&r.power, POWER_ACTION_ON, RESTART_CHASSIS_CMD) == 0);
	pg(&r, false);
	CHECK(r.power.state == POWER_POWERING_OFF);
	run_for(&r, timing.force_off_ms + 200);
	CHECK(r.power.state == POWER_POWERING_ON && r.host.presses[BUTTON_POWER] == 2);
	pg(&r, true);
	CHECK(r.power.state == POWER_ON && r.power.last_on_by_ipmi);
	rig_done(&r);

	/* ... and a later off drops it again. */
	rig_in(&r, POWER_POWERING_OFF);
	CHECK(power_request(&r.power, POWER_ACTION_ON, RESTART_CHASSIS_CMD) == 0);
	CHECK(power_request(&r.power, POWER_ACTION_OFF, RESTART_CHASSIS_CMD) == 0);
	pg(&r, false);
	run_for(&r, timing.force_off_ms + 200);
	CHECK(r.power.state == POWER_OFF && r.host.presses[BUTTON_POWER] == 1);
	rig_done(&r);

	/* On during an OS shutdown: on again once it is down. */
	rig_in(&r, POWER_SOFT_OFF);
	CHECK(power_request(&r.power, POWER_ACTION_ON, RESTART_CHASSIS_CMD) == 0);
	pg(&r, false);
	CHECK(r.power.state == POWER_POWERING_ON);
	rig_done(&r);

	/* A power cycle with a 0 s interval powers on as soon as it is off. */
	rig_init(&r, true);
	r.power.t.cycle_interval_ms = 0;
	CHECK(power_request(&r.power, POWER_ACTION_CYCLE, RESTART_CHASSIS_CMD) == 0);
	pg(&r, false);
	run_for(&r, timing.force_off_ms + 200);
	CHECK(r.power.state == POWER_POWERING_ON);
	rig_done(&r);

	/* Reset while reset is held, and NMI with it: every press taken. */
	rig_init(&r, true);
	CHECK(power_request(&r.power, POWER_ACTION_RESET, RESTART_CHASSIS_CMD) == 0);
	CHECK(power_request(&r.power, POWER_ACTION_RESET, RESTART_CHASSIS_CMD) == 0);
	CHECK(power_request(&r.power, POWER_ACTION_DIAG, RESTART_CHASSIS_CMD) == 0);
	CHECK(power_request(&r.power, POWER_ACTION_OFF, RESTART_CHASSIS_CMD) == 0);
	CHECK(r.host.presses[BUTTON_RESET] == 2 && r.host.presses[BUTTON_NMI] == 1 &&
	      r.host.presses[BUTTON_POWER] == 1);
	rig_done(&r);
}

int main(void)
{
	test_table();
	test_abort_power_on();
	test_merged_actions();
	return tap_done("power");
}
