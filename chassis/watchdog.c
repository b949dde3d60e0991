/* SPDX-License-Identifier: MIT */
/* The BMC watchdog timer: App 22h, 24h, 25h.  See watchdog.h. */
#include <errno.h>
#include <time.h>

#include "chassis/watchdog.h"
#include "daemon/bmc.h"
#include "channels/session.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "sel/sel.h"

#define USEC_PER_TICK 100000ULL		/* the countdown counts 100 ms */
#define USEC_PER_SEC 1000000ULL
#define TIMER_ACCURACY_USEC 10000ULL
#define EVENT_PRETIMEOUT 0x08		/* Watchdog 2 offset: timer interrupt */
#define SENSOR_TYPE_WATCHDOG2 0x23
#define EVENT_TYPE_SENSOR_SPECIFIC 0x6f
#define ED1_ED2_SPECIFIC 0xc0		/* event data 2: sensor-specific extension */

const char *watchdog_use_name(unsigned use)
{
	switch (use) {
	case WDT_USE_FRB2: return "BIOS FRB2";
	case WDT_USE_POST: return "BIOS/POST";
	case WDT_USE_OS_LOAD: return "OS load";
	case WDT_USE_SMS_OS: return "SMS/OS";
	case WDT_USE_OEM: return "OEM";
	}
	return "reserved";
}

const char *watchdog_action_name(unsigned action)
{
	switch (action) {
	case WDT_ACTION_NONE: return "none";
	case WDT_ACTION_RESET: return "hard reset";
	case WDT_ACTION_POWER_DOWN: return "power down";
	case WDT_ACTION_POWER_CYCLE: return "power cycle";
	}
	return "reserved";
}

const char *watchdog_pre_name(unsigned pre)
{
	switch (pre) {
	case WDT_PRE_NONE: return "none";
	case WDT_PRE_SMI: return "SMI";
	case WDT_PRE_NMI: return "NMI";
	case WDT_PRE_MSG: return "messaging interrupt";
	}
	return "reserved";
}

static unsigned wdt_use(const struct watchdog *wd)
{
	return wd->use & WDT_USE_MASK;
}

static unsigned wdt_action(const struct watchdog *wd)
{
	return wd->actions & WDT_ACTION_MASK;
}

static unsigned wdt_pre(const struct watchdog *wd)
{
	return (wd->actions & WDT_PRE_MASK) >> WDT_PRE_SHIFT;
}

static uint64_t wdt_now(const struct watchdog *wd)
{
	uint64_t now = 0;

	sd_event_now(wd->ev, CLOCK_MONOTONIC, &now);
	return now;
}

/* When the pre-timeout interrupt is due (only if one is selected). */
static uint64_t wdt_pre_point(const struct watchdog *wd)
{
	uint64_t before = wd->pretimeout_s * USEC_PER_SEC;

	return wd->deadline_usec > before ? wd->deadline_usec - before : 0;
}

static bool wdt_pre_pending(const struct watchdog *wd)
{
	return wdt_pre(wd) != WDT_PRE_NONE && !wd->pretimeout_done;
}

static uint16_t wdt_present_at(const struct watchdog *wd, uint64_t now)
{
	uint64_t left;

	if (!wd->running)
		return wd->stopped_at;
	if (now >= wd->deadline_usec)
		return 0;
	left = (wd->deadline_usec - now + USEC_PER_TICK - 1) / USEC_PER_TICK;
	return left > wd->initial ? wd->initial : (uint16_t)left;
}

uint16_t watchdog_present(const struct watchdog *wd)
{
	return wdt_present_at(wd, wdt_now(wd));
}

static int wdt_on_timer(sd_event_source *src, uint64_t usec, void *userdata);

/* Arm the one timer for the next thing due: pre-timeout, else expiry. */
static int wdt_arm(struct watchdog *wd)
{
	uint64_t at = wdt_pre_pending(wd) ? wdt_pre_point(wd) : wd->deadline_usec;
	int r;

	if (!wd->timer)
		return sd_event_add_time(wd->ev, &wd->timer, CLOCK_MONOTONIC, at, TIMER_ACCURACY_USEC,
					 wdt_on_timer, wd);
	r = sd_event_source_set_time(wd->timer, at);
	if (r < 0)
		return r;
	return sd_event_source_set_enabled(wd->timer, SD_EVENT_ONESHOT);
}

static void wdt_stop(struct watchdog *wd, uint16_t present)
{
	wd->running = false;
	wd->stopped_at = present;
	if (wd->timer)
		sd_event_source_set_enabled(wd->timer, SD_EVENT_OFF);
}

/* (Re)start from the initial countdown. */
static int wdt_start(struct watchdog *wd)
{
	int r;

	wd->deadline_usec = wdt_now(wd) + wd->initial * USEC_PER_TICK;
	wd->pretimeout_done = false;
	wd->running = true;
	r = wdt_arm(wd);
	if (r < 0) {
		wdt_stop(wd, wd->initial);
		return log_error_errno(r, "watchdog: cannot arm the timer");
	}
	return 0;
}

/*
 * The events the spec has the BMC log (unless "don't log" is set): the
 * expiry, and the pre-timeout interrupt.  Each goes to the daemon log and
 * to the SEL: a system event record from the BMC, sensor type 23h
 * (Watchdog 2), event type 6Fh (sensor-specific), event data 1 = C0h |
 * offset (00h timer expired, 01h hard reset, 02h power down, 03h power
 * cycle, 08h timer interrupt; byte 2 holds sensor-specific data), event
 * data 2 = interrupt type (bits 7:4) | timer use at expiration (bits 3:0),
 * event data 3 unspecified (FFh).
 */
static void watchdog_log_sel(const struct watchdog *wd, unsigned offset)
{
	uint8_t ed2 = (uint8_t)(wdt_pre(wd) << 4 | wdt_use(wd));
	int r;

	if (!wd->sel)
		return;
	r = sel_add_event(wd->sel, SEL_GEN_BMC, SENSOR_TYPE_WATCHDOG2, SENSOR_NUM_WATCHDOG,
			  EVENT_TYPE_SENSOR_SPECIFIC, (uint8_t)(ED1_ED2_SPECIFIC | offset), ed2, 0xff);
	if (r < 0)
		log_warning_errno(r, "watchdog: cannot add the SEL entry");
}

static void watchdog_log_event(const struct watchdog *wd, unsigned offset)
{
	if (offset == EVENT_PRETIMEOUT)
		log_notice("watchdog pre-timeout: %s, %s interrupt %u s before expiry",
			   watchdog_use_name(wdt_use(wd)), watchdog_pre_name(wdt_pre(wd)),
			   wd->pretimeout_s);
	else
		log_notice("watchdog expired: %s, action %s", watchdog_use_name(wdt_use(wd)),
			   watchdog_action_name(offset));
	if (wd->use & WDT_USE_DONT_LOG)
		return;
	watchdog_log_sel(wd, offset);
}

/* The pre-timeout interrupt: recorded, reported by Get, logged, and told
 * to the host interface (Get Message Flags bit 3). */
static void wdt_pretimeout(struct watchdog *wd)
{
	wd->pretimeout_done = true;
	watchdog_log_event(wd, EVENT_PRETIMEOUT);
	if (wd->on_pretimeout)
		wd->on_pretimeout(wd->pretimeout_userdata);
}

static void wdt_run_action(struct watchdog *wd, unsigned action)
{
	static const enum power_action map[] = {
		[WDT_ACTION_RESET] = POWER_ACTION_RESET,
		[WDT_ACTION_POWER_DOWN] = POWER_ACTION_OFF,
		[WDT_ACTION_POWER_CYCLE] = POWER_ACTION_CYCLE,
	};
	int r;

	if (action == WDT_ACTION_NONE || action >= sizeof(map) / sizeof(map[0]))
		return;
	/* Every action acts on a running host. */
	if (!wd->power->on) {
		log_notice("watchdog: host is off, %s skipped", watchdog_action_name(action));
		return;
	}
	r = power_request(wd->power, map[action], RESTART_WATCHDOG);
	if (r == -ENOTSUP)
		log_warning("watchdog: host power %s, %s skipped",
			    power_state_name(wd->power->state), watchdog_action_name(action));
	else if (r < 0)
		log_error_errno(r, "watchdog: %s failed", watchdog_action_name(action));
}

static void wdt_expire(struct watchdog *wd)
{
	unsigned action = wdt_action(wd);

	wdt_stop(wd, 0);
	wd->expired |= 1u << wdt_use(wd);
	watchdog_log_event(wd, action);
	wd->use &= ~WDT_USE_DONT_LOG;	/* cleared by every timeout */
	wdt_run_action(wd, action);
}

static int wdt_on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct watchdog *wd = userdata;
	uint64_t now = wdt_now(wd);
	int r;

	if (!wd->running)
		return 0;
	if (wdt_pre_pending(wd) && now >= wdt_pre_point(wd))
		wdt_pretimeout(wd);
	if (now >= wd->deadline_usec) {
		wdt_expire(wd);
		return 0;
	}
	r = wdt_arm(wd);
	if (r < 0) {
		log_error_errno(r, "watchdog: cannot re-arm; expiring now");
		wdt_expire(wd);
	}
	return 0;
}

static int wdt_check(const struct wdt_settings *s)
{
	unsigned use = s->use & WDT_USE_MASK;
	unsigned pre = (s->actions & WDT_PRE_MASK) >> WDT_PRE_SHIFT;

	if (use < WDT_USE_FRB2 || use > WDT_USE_OEM || (s->use & WDT_USE_RESERVED))
		return -EINVAL;
	if ((s->actions & WDT_ACTIONS_RESERVED) || (s->actions & WDT_ACTION_MASK) > WDT_ACTION_POWER_CYCLE)
		return -EINVAL;
	if (pre > WDT_PRE_MSG || (s->clear_flags & WDT_FLAGS_RESERVED))
		return -EINVAL;
	/* A pre-timeout interrupt must fall inside the countdown.  The spec
	 * gives no numeric rule; an interval longer than the countdown could
	 * never be honoured, so it is refused (equal: at the start). */
	if (pre != WDT_PRE_NONE && s->pretimeout_s * 10u > s->countdown)
		return -EINVAL;
	return 0;
}

int watchdog_set(struct watchdog *wd, const struct wdt_settings *s)
{
	bool keep = wd->running && (s->use & WDT_USE_RUNNING);
	int r = wdt_check(s);

	if (r < 0)
		return r;
	wd->use = s->use & (WDT_USE_DONT_LOG | WDT_USE_MASK);
	wd->actions = s->actions;
	wd->pretimeout_s = s->pretimeout_s;
	wd->expired &= ~s->clear_flags;
	wd->initial = s->countdown;
	wd->initialized = true;
	/* "Don't stop" on a running timer: the new values take effect at
	 * once and the countdown continues from the new value.  Otherwise
	 * the timer stops (or stays stopped) holding the new countdown. */
	if (keep)
		return wdt_start(wd);
	wdt_stop(wd, wd->initial);
	return 0;
}

int watchdog_reset(struct watchdog *wd)
{
	if (!wd->initialized)
		return -ENODATA;
	/* Once the pre-timeout interrupt has fired, only Set stops it. */
	if (wd->running && wd->pretimeout_done)
		return -EBUSY;
	return wdt_start(wd);
}

void watchdog_get(const struct watchdog *wd, struct wbuf *w)
{
	wb_u8(w, (uint8_t)(wd->use | (wd->running ? WDT_USE_RUNNING : 0)));
	wb_u8(w, wd->actions);
	wb_u8(w, wd->pretimeout_s);
	wb_u8(w, wd->expired);
	wb_le16(w, wd->initial);
	wb_le16(w, watchdog_present(wd));
}

void watchdog_on_power_event(struct watchdog *wd, enum power_event ev)
{
	switch (ev) {
	case POWER_EV_OFF:
		if (!wd->running)
			return;
		wdt_stop(wd, watchdog_present(wd));
		log_info("watchdog: stopped, the host powered down");
		return;
	case POWER_EV_RESET:
		wd->use &= ~WDT_USE_DONT_LOG;
		return;
	case POWER_EV_ON:
	case POWER_EV_FAULT:
		return;
	}
}

void watchdog_init(struct watchdog *wd, sd_event *ev, struct power *power)
{
	*wd = (struct watchdog){ .ev = ev, .power = power };
}

void watchdog_done(struct watchdog *wd)
{
	wd->timer = sd_event_source_disable_unref(wd->timer);
	wd->running = false;
}

void watchdog_reset_volatile(struct watchdog *wd)
{
	struct watchdog keep = *wd;

	watchdog_done(wd);
	*wd = (struct watchdog){
		.ev = keep.ev, .power = keep.power, .sel = keep.sel,
		.on_pretimeout = keep.on_pretimeout, .pretimeout_userdata = keep.pretimeout_userdata,
	};
}

/* ---- App netfn handlers ---------------------------------------------- */

static unsigned req_user(const struct ipmi_req *req)
{
	return req->session ? req->session->user_id : 0;
}

int watchdog_cmd_reset(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	int r = watchdog_reset(bmc->wdt);

	if (r == -ENODATA)
		return WDT_CC_UNINITIALIZED;
	if (r == -EBUSY)
		return CC_NOT_IN_STATE;
	if (r < 0)
		return CC_UNSPECIFIED;
	log_debug("watchdog: reset by user %u, %u.%u s", req_user(req), bmc->wdt->initial / 10,
		  bmc->wdt->initial % 10);
	return CC_OK;
}

int watchdog_cmd_set(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	struct wdt_settings s;

	s.use = rb_u8(&r);
	s.actions = rb_u8(&r);
	s.pretimeout_s = rb_u8(&r);
	s.clear_flags = rb_u8(&r);
	s.countdown = rb_le16(&r);
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (watchdog_set(bmc->wdt, &s) < 0)
		return CC_INVALID_FIELD;
	log_info("watchdog: set by user %u: %s, action %s, pre-timeout %s %u s, countdown %u.%u s%s",
		 req_user(req), watchdog_use_name(s.use & WDT_USE_MASK),
		 watchdog_action_name(s.actions & WDT_ACTION_MASK),
		 watchdog_pre_name((s.actions & WDT_PRE_MASK) >> WDT_PRE_SHIFT), s.pretimeout_s,
		 s.countdown / 10, s.countdown % 10, bmc->wdt->running ? ", running" : "");
	return CC_OK;
}

int watchdog_cmd_get(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	watchdog_get(bmc->wdt, rsp);
	return CC_OK;
}
