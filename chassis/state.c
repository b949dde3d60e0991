/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "chassis/chassis.h"
#include "daemon/bmc.h"
#include "daemon/buf.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "sel/sel.h"

#define CHASSIS_FILE "chassis"
#define CHASSIS_VERSION 2
#define POH_SAVE_INTERVAL_USEC (10ULL * 60 * 1000000)	/* flash wear: every 10 min */

/* On flash: version, policy, was_on, front panel, POH minutes (LE32); from
 * version 2 on: power cycle interval set (0/1) and seconds, then the
 * chassis capabilities: flags, FRU, SDR, SEL, SM addresses, bridge set
 * (0/1) and bridge address.  Version 1 files (8 bytes) still load. */
#define CHASSIS_FILE_V1_LEN 8
#define CHASSIS_FILE_LEN 17

uint32_t chassis_poh_minutes(struct bmc *bmc)
{
	const struct chassis *c = bmc->chassis;
	uint64_t now = bmc_now(bmc);

	if (!c->on_since_usec || now < c->on_since_usec)
		return c->poh_minutes;
	return c->poh_minutes + (uint32_t)((now - c->on_since_usec) / 60000000ULL);
}

void chassis_save(struct bmc *bmc)
{
	const struct chassis *c = bmc->chassis;
	uint8_t buf[CHASSIS_FILE_LEN];
	struct wbuf w = wb_init(buf, sizeof(buf));
	int r;

	wb_u8(&w, CHASSIS_VERSION);
	wb_u8(&w, c->policy);
	wb_u8(&w, bmc->power->on);
	wb_u8(&w, c->front_panel);
	wb_le32(&w, chassis_poh_minutes(bmc));
	wb_u8(&w, c->cycle_interval_set);
	wb_u8(&w, c->cycle_interval_s);
	wb_u8(&w, c->cap_flags);
	wb_bytes(&w, c->cap_addr, sizeof(c->cap_addr));
	wb_u8(&w, c->cap_bridge_set);
	wb_u8(&w, c->cap_bridge);
	r = store_write(bmc->state_fd, CHASSIS_FILE, buf, w.len);
	if (r < 0)
		log_error_errno(r, "state: cannot write %s", CHASSIS_FILE);
}

static int chassis_load(struct bmc *bmc)
{
	struct chassis *c = bmc->chassis;
	uint8_t buf[CHASSIS_FILE_LEN];
	ssize_t n = store_load(bmc->state_fd, CHASSIS_FILE, buf, sizeof(buf), "state");
	struct rbuf r = rb_init(buf, n > 0 ? (size_t)n : 0);
	uint8_t version, policy, was_on, fp, ci_set = 0, ci = 0, flags = CHASSIS_CAP_DEFAULT_FLAGS;
	uint8_t addr[4] = { 0x20, 0x20, 0x20, 0x20 }, br_set = 0, br = 0x20;
	uint32_t poh;

	c->policy = bmc->cfg.host.restore_policy;
	c->cap_flags = flags;
	memcpy(c->cap_addr, addr, sizeof(addr));
	c->cap_bridge = br;
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;		/* logged */
	version = rb_u8(&r);
	policy = rb_u8(&r);
	was_on = rb_u8(&r);
	fp = rb_u8(&r);
	poh = rb_le32(&r);
	if (version >= 2) {
		ci_set = rb_u8(&r);
		ci = rb_u8(&r);
		flags = rb_u8(&r);
		rb_copy(&r, addr, sizeof(addr));
		br_set = rb_u8(&r);
		br = rb_u8(&r);
	}
	if (!rb_done(&r) || version < 1 || version > CHASSIS_VERSION ||
	    policy > RESTORE_ALWAYS_ON || was_on > 1 || (fp & 0xf0) || ci_set > 1 ||
	    (flags & ~CHASSIS_CAP_SETTABLE_FLAGS) || br_set > 1) {
		log_warning("state: %s is corrupt; moved to %s.corrupt, using the board's defaults",
			    CHASSIS_FILE, CHASSIS_FILE);
		store_set_aside(bmc->state_fd, CHASSIS_FILE, "state");
		return 0;
	}
	c->policy = policy;
	c->was_on = was_on;
	c->front_panel = fp;
	c->poh_minutes = poh;
	c->cycle_interval_set = ci_set;
	c->cycle_interval_s = ci;
	c->cap_flags = flags;
	memcpy(c->cap_addr, addr, sizeof(addr));
	c->cap_bridge_set = br_set;
	c->cap_bridge = br;
	if (ci_set)
		bmc->power->t.cycle_interval_ms = ci * 1000u;
	return 0;
}

static int chassis_poh_tick(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct bmc *bmc = userdata;

	if (bmc->power->on)
		chassis_save(bmc);
	sd_event_source_set_time(src, bmc_now(bmc) + POH_SAVE_INTERVAL_USEC);
	return 0;
}

void chassis_on_power_event(struct bmc *bmc, enum power_event ev, enum restart_cause cause)
{
	struct chassis *c = bmc->chassis;

	switch (ev) {
	case POWER_EV_ON:
		c->on_since_usec = bmc_now(bmc);
		/* A restore after AC loss keeps "AC failed" as the last event. */
		if (cause != RESTART_AC_ALWAYS_ON && cause != RESTART_AC_PREVIOUS)
			c->ac_failed = false;
		chassis_save(bmc);
		break;
	case POWER_EV_OFF:
		c->poh_minutes = chassis_poh_minutes(bmc);
		c->on_since_usec = 0;
		chassis_save(bmc);
		break;
	case POWER_EV_FAULT:
		/* Power Unit, sensor-specific: 05h the unit did not respond to a
		 * request to turn on; 06h a power unit failure (it would not
		 * turn off). */
		if (sel_add_event(bmc->sel, SEL_GEN_BMC, 0x09, SENSOR_NUM_POWER_UNIT, 0x6f,
				  bmc->power->on ? 0x06 : 0x05, 0xff, 0xff) < 0)
			log_error("chassis: cannot log the power fault in the SEL");
		break;
	case POWER_EV_RESET:
		break;
	}
}

int chassis_init(struct bmc *bmc)
{
	struct chassis *c = bmc->chassis;
	enum restart_cause cause;
	bool on;
	int r;

	*c = (struct chassis){ 0 };
	r = chassis_load(bmc);
	if (r < 0)
		return r;
	if (bmc->power->on)
		c->on_since_usec = bmc_now(bmc);
	r = sd_event_add_time_relative(bmc->ev, &c->poh_timer, CLOCK_MONOTONIC, POH_SAVE_INTERVAL_USEC,
				       1000000, chassis_poh_tick, bmc);
	if (r < 0)
		return log_error_errno(r, "chassis: timer");
	sd_event_source_set_enabled(c->poh_timer, SD_EVENT_ON);

	/* bmcd starting is the BMC's view of AC power coming back. */
	on = c->policy == RESTORE_ALWAYS_ON || (c->policy == RESTORE_PREVIOUS && c->was_on);
	c->ac_failed = c->was_on && !bmc->power->on;
	if (!on || bmc->power->on)
		return 0;
	cause = c->policy == RESTORE_ALWAYS_ON ? RESTART_AC_ALWAYS_ON : RESTART_AC_PREVIOUS;
	log_info("power restore policy %s: powering the host on",
		 c->policy == RESTORE_ALWAYS_ON ? "always-on" : "previous");
	r = power_request(bmc->power, POWER_ACTION_ON, cause);
	if (r < 0)
		log_error_errno(r, "power restore policy: cannot power on");
	return 0;
}

void chassis_done(struct bmc *bmc)
{
	struct chassis *c = bmc->chassis;

	if (c->poh_timer)
		chassis_save(bmc);
	c->poh_timer = sd_event_source_disable_unref(c->poh_timer);
	c->identify_timer = sd_event_source_disable_unref(c->identify_timer);
}
