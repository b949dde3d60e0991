/* SPDX-License-Identifier: MIT */
/*
 * The BMC watchdog timer against a fake host: Set validation, the Get
 * encoding, Reset before Set, "don't stop", the pre-timeout, expiry and its
 * action through the power state machine, and host power events.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "chassis/power.h"
#include "chassis/watchdog.h"
#include "tap.h"
#include "fake-host.h"

static const struct power_timing timing = {
	.press_ms = 200, .force_off_ms = 500, .reset_ms = 100, .cycle_interval_ms = 1000,
	.on_timeout_ms = 5000, .off_timeout_ms = 5000, .soft_timeout_ms = 5000,
};

struct rig {
	sd_event *ev;
	struct fake_host host;
	struct power power;
	struct watchdog wd;
};

static void on_power_event(void *userdata, enum power_event ev, enum restart_cause cause)
{
	struct rig *r = userdata;

	watchdog_on_power_event(&r->wd, ev);
}

static void rig_init(struct rig *r, bool on)
{
	memset(r, 0, sizeof(*r));
	fake_power_init(&r->ev, &r->power, &r->host, on, &timing, on_power_event, r);
	watchdog_init(&r->wd, r->ev, &r->power);
}

static void rig_done(struct rig *r)
{
	watchdog_done(&r->wd);
	power_done(&r->power);
	sd_event_unref(r->ev);
}

/* Run the loop until the watchdog stops or ms pass. */
static void run_until_stopped(struct rig *r, unsigned ms)
{
	fake_run(r->ev, ms, 10000, &r->wd.running);
}

static void run_for(struct rig *r, unsigned ms)
{
	fake_run(r->ev, ms, 10000, NULL);
}

/* A Set Watchdog Timer request, decoded: use, actions, pre-timeout (s),
 * flags to clear, countdown (100 ms). */
#define S(u, a, p, c, cd) \
	(&(struct wdt_settings){ .use = (u), .actions = (a), .pretimeout_s = (p), .clear_flags = (c), .countdown = (cd) })

static void get(const struct watchdog *wd, uint8_t out[8])
{
	struct wbuf w = wb_init(out, 8);

	watchdog_get(wd, &w);
	CHECK(wb_ok(&w) && w.len == 8);
}

/* A fresh rig (host power on or off) whose timer is Set with ws and
 * started (Reset). */
static void rig_started(struct rig *r, bool on, const struct wdt_settings *ws)
{
	rig_init(r, on);
	CHECK(watchdog_set(&r->wd, ws) == 0);
	CHECK(watchdog_reset(&r->wd) == 0);
}

static void test_validation(void)
{
	struct rig r;
	uint8_t g[8];

	rig_init(&r, false);
	get(&r.wd, g);
	for (int i = 0; i < 8; i++)
		CHECK(g[i] == 0);
	CHECK(watchdog_reset(&r.wd) == -ENODATA);

	CHECK(watchdog_set(&r.wd, &(struct wdt_settings){ 0 }) == -EINVAL);	/* use 0 */
	for (uint8_t use = 1; use <= 5; use++)
		CHECK(watchdog_set(&r.wd, &(struct wdt_settings){ .use = use }) == 0);
	r.wd.initialized = false;
	CHECK(watchdog_set(&r.wd, S(6, 0, 0, 0, 10)) == -EINVAL);
	CHECK(watchdog_set(&r.wd, S(7, 0, 0, 0, 10)) == -EINVAL);
	CHECK(watchdog_set(&r.wd, S(0x14, 0, 0, 0, 10)) == -EINVAL);	/* bit 4 */
	CHECK(watchdog_set(&r.wd, S(4, 4, 0, 0, 10)) == -EINVAL);	/* action 4 */
	CHECK(watchdog_set(&r.wd, S(4, 0x08, 0, 0, 10)) == -EINVAL);
	CHECK(watchdog_set(&r.wd, S(4, 0x80, 0, 0, 10)) == -EINVAL);
	CHECK(watchdog_set(&r.wd, S(4, 0x40, 0, 0, 10)) == -EINVAL);	/* interrupt 4 */
	CHECK(watchdog_set(&r.wd, S(4, 0, 0, 0x01, 10)) == -EINVAL);	/* flag bit 0 */
	CHECK(watchdog_set(&r.wd, S(4, 0, 0, 0x80, 10)) == -EINVAL);
	CHECK(watchdog_set(&r.wd, S(4, 0x10, 2, 0, 19)) == -EINVAL);	/* 2 s > 1.9 s */
	/* Nothing refused changed anything. */
	CHECK(!r.wd.initialized);
	CHECK(watchdog_reset(&r.wd) == -ENODATA);

	CHECK(watchdog_set(&r.wd, S(4, 0x10, 2, 0, 20)) == 0);	/* equal: fine */
	CHECK(watchdog_set(&r.wd, S(4, 0x00, 200, 0, 20)) == 0);	/* no interrupt: unchecked */
	CHECK(watchdog_set(&r.wd, S(0x85, 0x33, 3, 0x3e, 0x1234)) == 0);
	get(&r.wd, g);
	CHECK(g[0] == 0x85 && g[1] == 0x33 && g[2] == 3 && g[3] == 0);
	CHECK(g[4] == 0x34 && g[5] == 0x12 && g[6] == 0x34 && g[7] == 0x12);
	rig_done(&r);
}

static void test_dont_stop(void)
{
	struct rig r;
	uint8_t g[8];

	rig_started(&r, false, S(4, 0, 0, 0, 600));
	get(&r.wd, g);
	CHECK(g[0] == 0x44 && (g[6] | g[7] << 8) == 600);
	/* Don't stop: keeps running from the new countdown. */
	CHECK(watchdog_set(&r.wd, S(0x44, 0, 0, 0, 300)) == 0);
	CHECK(r.wd.running && watchdog_present(&r.wd) == 300);
	/* Without it: stops, holding the new countdown. */
	CHECK(watchdog_set(&r.wd, S(0x04, 0, 0, 0, 200)) == 0);
	CHECK(!r.wd.running && watchdog_present(&r.wd) == 200);
	/* Don't stop on a stopped timer does not start it. */
	CHECK(watchdog_set(&r.wd, S(0x44, 0, 0, 0, 100)) == 0);
	CHECK(!r.wd.running && watchdog_present(&r.wd) == 100);
	rig_done(&r);
}

static void test_expiry_reset(void)
{
	struct rig r;
	uint8_t g[8];

	/* OS load, don't log, hard reset, 200 ms; clearing flags that are not set. */
	rig_started(&r, true, S(0x83, 0x01, 0, 0x3e, 2));
	CHECK(watchdog_present(&r.wd) == 2);
	run_until_stopped(&r, 2000);
	CHECK(!r.wd.running);
	CHECK(r.host.presses[BUTTON_RESET] == 1 && r.host.presses[BUTTON_POWER] == 0);
	CHECK(r.power.restart_cause == RESTART_WATCHDOG);
	get(&r.wd, g);
	CHECK(g[0] == 0x03);			/* stopped; don't log cleared by the timeout */
	CHECK(g[3] == 0x08);			/* OS load expired */
	CHECK(g[6] == 0 && g[7] == 0);
	/* Reset restarts it; Set clears the flag. */
	CHECK(watchdog_reset(&r.wd) == 0 && r.wd.running);
	CHECK(watchdog_set(&r.wd, S(0x03, 0, 0, 0x08, 2)) == 0);
	get(&r.wd, g);
	CHECK(g[0] == 0x03 && g[3] == 0);
	rig_done(&r);
}

static void test_expiry_actions(void)
{
	struct rig r;

	/* Power down while on: a long press of the power button. */
	rig_started(&r, true, S(4, 0x02, 0, 0, 0));	/* countdown 0: at once */
	run_until_stopped(&r, 1000);
	CHECK(r.host.presses[BUTTON_POWER] == 1 && r.host.last_ms[BUTTON_POWER] == timing.force_off_ms);
	CHECK(r.power.state == POWER_POWERING_OFF && !r.power.cycle_pending);
	CHECK(r.wd.expired == 0x10);
	rig_done(&r);

	/* Power cycle while on. */
	rig_started(&r, true, S(4, 0x03, 0, 0, 1));
	run_until_stopped(&r, 1000);
	CHECK(r.host.presses[BUTTON_POWER] == 1 && r.power.cycle_pending);
	rig_done(&r);

	/* Host off: every action is skipped. */
	for (uint8_t a = 1; a <= 3; a++) {
		rig_started(&r, false, S(1, a, 0, 0, 1));
		run_until_stopped(&r, 1000);
		CHECK(!r.wd.running && r.wd.expired == 0x02);
		CHECK(r.host.presses[BUTTON_POWER] == 0 && r.host.presses[BUTTON_RESET] == 0);
		CHECK(r.power.state == POWER_OFF);
		rig_done(&r);
	}
}

static void test_pretimeout(void)
{
	struct rig r;

	/* NMI 1 s before a 1.2 s countdown: fires after 200 ms. */
	rig_started(&r, true, S(4, 0x21, 1, 0, 12));
	run_for(&r, 400);
	CHECK(r.wd.running && r.wd.pretimeout_done);
	CHECK(watchdog_present(&r.wd) <= 10);
	/* Only Set stops it now. */
	CHECK(watchdog_reset(&r.wd) == -EBUSY);
	run_until_stopped(&r, 2000);
	CHECK(!r.wd.running && r.host.presses[BUTTON_RESET] == 1);
	/* After expiry a Reset starts it again. */
	CHECK(watchdog_reset(&r.wd) == 0 && !r.wd.pretimeout_done);
	CHECK(watchdog_set(&r.wd, S(4, 0, 0, 0, 12)) == 0 && !r.wd.running);
	rig_done(&r);
}

static void test_power_events(void)
{
	struct rig r;
	uint16_t p;

	rig_started(&r, true, S(0x84, 0, 0, 0, 600));
	/* A system reset keeps it running and clears "don't log". */
	CHECK(power_request(&r.power, POWER_ACTION_RESET, RESTART_CHASSIS_CMD) == 0);
	CHECK(r.wd.running && !(r.wd.use & WDT_USE_DONT_LOG));
	run_for(&r, 150);
	/* Power down stops it, holding the countdown. */
	power_good_changed(&r.power, false);
	CHECK(!r.wd.running);
	p = watchdog_present(&r.wd);
	CHECK(p > 0 && p < 600);
	run_for(&r, 150);
	CHECK(watchdog_present(&r.wd) == p);
	/* Power on does not start it. */
	power_good_changed(&r.power, true);
	CHECK(!r.wd.running);
	rig_done(&r);
}

/* Cold reset: a running timer stops and forgets its settings (Reset gets
 * -ENODATA, 80h); the links to power stay, so a new Set and expiry work. */
static void test_cold_reset(void)
{
	struct rig r;
	uint8_t g[8];

	rig_init(&r, true);
	CHECK(watchdog_set(&r.wd, S(0x04, 0x01, 0, 0, 600)) == 0);
	CHECK(watchdog_reset(&r.wd) == 0 && r.wd.running);
	watchdog_reset_volatile(&r.wd);
	CHECK(!r.wd.running && !r.wd.initialized && r.wd.timer == NULL);
	CHECK(r.wd.ev == r.ev && r.wd.power == &r.power);
	CHECK(watchdog_reset(&r.wd) == -ENODATA);
	get(&r.wd, g);
	CHECK(g[0] == 0 && g[1] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0 && g[6] == 0 && g[7] == 0);
	/* Set and run again: hard reset after 200 ms. */
	CHECK(watchdog_set(&r.wd, S(0x04, 0x01, 0, 0, 2)) == 0);
	CHECK(watchdog_reset(&r.wd) == 0);
	run_until_stopped(&r, 2000);
	CHECK(!r.wd.running && r.host.presses[BUTTON_RESET] == 1);
	rig_done(&r);
}

int main(void)
{
	test_validation();
	test_dont_stop();
	test_expiry_reset();
	test_expiry_actions();
	test_pretimeout();
	test_power_events();
	test_cold_reset();
	return tap_done("watchdog");
}
