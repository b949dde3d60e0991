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
#include "fake-host.h"

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
	fake_run(r->ev, ms, 5000, NULL);
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
	fake_power_init(&r->ev, &r->power, &r->host, on, &timing, on_event, r);
}

static void rig_done(struct rig *r)
{
	power_done(&r->power);
	sd_event_unref(r->ev);
}

/* Put a fresh rig into state s: the host's power good, then the Chassis
 * Control action (-1: none) that leads there. */
static void rig_in(struct rig *r, enum power_state s)
{
	static const struct {
		bool on;
		int action;
	} way[] = {
		[POWER_OFF] = { false, -1 },
		[POWER_ON] = { true, -1 },
		[POWER_POWERING_ON] = { false, POWER_ACTION_ON },
		[POWER_POWERING_OFF] = { true, POWER_ACTION_OFF },
		[POWER_SOFT_OFF] = { true, POWER_ACTION_SOFT },
		[POWER_CYCLE_WAIT] = { true, POWER_ACTION_CYCLE },
	};

	rig_init(r, way[s].on);
	if (way[s].action >= 0)
		CHECK(power_request(&r->power, way[s].action, RESTART_CHASSIS_CMD) == 0);
	if (s == POWER_CYCLE_WAIT) {
		pg(r, false);
		run_for(r, timing.force_off_ms + 200);	/* the long press ends */
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
