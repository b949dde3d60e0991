/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <time.h>

#include "chassis/power.h"
#include "daemon/log.h"

/* After the forced off's long press the machine waits this much more before
 * it counts the press as over: a power on that follows is then a new press
 * after the line was released, not more of the same one. */
#define POWER_RELEASE_GAP_MS 100

const char *power_state_name(enum power_state s)
{
	switch (s) {
	case POWER_OFF: return "off";
	case POWER_ON: return "on";
	case POWER_POWERING_ON: return "powering on";
	case POWER_POWERING_OFF: return "powering off";
	case POWER_SOFT_OFF: return "soft off";
	case POWER_CYCLE_WAIT: return "cycle wait";
	}
	return "?";
}

static void power_set_state(struct power *p, enum power_state s)
{
	if (p->state != s)
		log_info("host power: %s -> %s", power_state_name(p->state), power_state_name(s));
	p->state = s;
}

static int power_timeout(sd_event_source *src, uint64_t usec, void *userdata);

static void power_notify(struct power *p, enum power_event ev, enum restart_cause cause)
{
	if (ev == POWER_EV_ON || ev == POWER_EV_RESET)
		p->restart_cause = cause;
	if (p->notify)
		p->notify(p->notify_userdata, ev, cause);
}

static int power_arm(struct power *p, unsigned ms)
{
	uint64_t now;

	sd_event_now(p->ev, CLOCK_MONOTONIC, &now);
	if (!p->timer)
		return sd_event_add_time(p->ev, &p->timer, CLOCK_MONOTONIC, now + ms * 1000ULL, 1000,
					 power_timeout, p);
	sd_event_source_set_time(p->timer, now + ms * 1000ULL);
	return sd_event_source_set_enabled(p->timer, SD_EVENT_ONESHOT);
}

static void power_disarm(struct power *p)
{
	if (p->timer)
		sd_event_source_set_enabled(p->timer, SD_EVENT_OFF);
}

static int power_start_on(struct power *p)
{
	int r = p->ops->press(p->ctx, BUTTON_POWER, p->t.press_ms);

	if (r < 0)
		return r;
	p->cycle_pending = p->on_pending = false;
	power_set_state(p, POWER_POWERING_ON);
	return power_arm(p, p->t.press_ms + p->t.on_timeout_ms);
}

/* A forced off: the long press.  It also aborts a power-on under way (the
 * button, if still held from the short press, is held on). */
static int power_start_off(struct power *p, bool cycle, enum restart_cause cause)
{
	int r = p->ops->press(p->ctx, BUTTON_POWER, p->t.force_off_ms);

	if (r < 0)
		return r;
	p->cycle_pending = cycle;
	p->on_pending = false;
	p->pending_cause = cause;
	p->off_pressing = true;
	power_set_state(p, POWER_POWERING_OFF);
	return power_arm(p, p->t.force_off_ms + POWER_RELEASE_GAP_MS);
}

/* Power good is low and the forced off's press has ended: off, or on with
 * the next step (a power cycle's wait, a power on asked meanwhile). */
static void power_off_done(struct power *p)
{
	power_disarm(p);
	if (p->on_pending) {
		if (power_start_on(p) < 0) {
			p->fault = true;
			power_set_state(p, POWER_OFF);
		}
		return;
	}
	if (p->cycle_pending) {
		power_set_state(p, POWER_CYCLE_WAIT);
		if (power_arm(p, p->t.cycle_interval_ms) < 0) {
			p->cycle_pending = false;
			power_set_state(p, POWER_OFF);
		}
		return;
	}
	power_set_state(p, POWER_OFF);
}

static int power_timeout(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct power *p = userdata;

	switch (p->state) {
	case POWER_CYCLE_WAIT:
		if (power_start_on(p) < 0) {
			p->fault = true;
			p->cycle_pending = false;
			power_set_state(p, POWER_OFF);
		}
		return 0;
	case POWER_POWERING_ON:
		log_error("host power: no power good within %u ms: power fault", p->t.on_timeout_ms);
		p->fault = true;
		p->last_off_by_fault = true;
		power_set_state(p, p->on ? POWER_ON : POWER_OFF);
		power_notify(p, POWER_EV_FAULT, p->pending_cause);
		return 0;
	case POWER_POWERING_OFF:
		if (p->off_pressing) {
			/* The long press has ended. */
			p->off_pressing = false;
			if (!p->on)
				power_off_done(p);
			else if (power_arm(p, p->t.off_timeout_ms) < 0)
				log_error("host power: cannot arm the power-off timeout");
			return 0;
		}
		log_error("host power: still on %u ms after a forced off", p->t.off_timeout_ms);
		p->fault = true;
		p->cycle_pending = p->on_pending = false;
		power_set_state(p, p->on ? POWER_ON : POWER_OFF);
		power_notify(p, POWER_EV_FAULT, p->pending_cause);
		return 0;
	case POWER_SOFT_OFF:
		log_warning("host power: the OS did not shut down within %u ms", p->t.soft_timeout_ms);
		p->on_pending = false;
		power_set_state(p, p->on ? POWER_ON : POWER_OFF);
		return 0;
	default:
		return 0;
	}
}

void power_good_changed(struct power *p, bool on)
{
	enum restart_cause cause;
	bool requested;

	if (p->on == on)
		return;
	p->on = on;
	requested = p->state != POWER_ON && p->state != POWER_OFF;
	log_info("host power good: %s%s", on ? "on" : "off", requested ? "" : " (not requested: front panel or host)");
	if (p->state == POWER_POWERING_OFF) {
		/* A forced off under way: power good may rise (a power-on it
		 * aborted came up first) or fall before the press ends; the
		 * machine leaves this state once both are done. */
		if (on) {
			p->last_on_by_ipmi = p->pending_cause == RESTART_CHASSIS_CMD;
			power_notify(p, POWER_EV_ON, p->pending_cause);
			return;
		}
		if (!p->off_pressing)
			power_off_done(p);
		power_notify(p, POWER_EV_OFF, p->pending_cause);
		return;
	}
	power_disarm(p);
	if (on) {
		cause = p->state == POWER_POWERING_ON || p->state == POWER_CYCLE_WAIT ? p->pending_cause
										     : RESTART_POWER_BUTTON;
		p->fault = false;
		p->cycle_pending = p->on_pending = false;
		p->last_on_by_ipmi = cause == RESTART_CHASSIS_CMD;
		power_set_state(p, POWER_ON);
		power_notify(p, POWER_EV_ON, cause);
		return;
	}
	cause = requested ? p->pending_cause : RESTART_POWER_BUTTON;
	if (p->state == POWER_SOFT_OFF && p->on_pending) {
		/* Power on was asked while the OS shut down. */
		if (power_start_on(p) < 0) {
			p->fault = true;
			power_set_state(p, POWER_OFF);
		}
		power_notify(p, POWER_EV_OFF, cause);
		return;
	}
	p->cycle_pending = p->on_pending = false;
	power_set_state(p, POWER_OFF);
	power_notify(p, POWER_EV_OFF, cause);
}

static int power_reset(struct power *p, enum restart_cause cause)
{
	int r;

	log_info("host power: reset");
	r = p->ops->press(p->ctx, BUTTON_RESET, p->t.reset_ms);
	if (r == 0)
		power_notify(p, POWER_EV_RESET, cause);
	return r;
}

static int power_diag(struct power *p)
{
	log_info("host power: diagnostic interrupt");
	return p->ops->press(p->ctx, BUTTON_NMI, p->t.press_ms);
}

int power_host_state(const struct power *p)
{
	if (p->ops && p->ops->power_state)
		return p->ops->power_state(p->ctx);
	return p->on;
}

/* The table in docs/commands.md ("Chassis Control") is this function. */
int power_request(struct power *p, enum power_action a, enum restart_cause cause)
{
	int r;

	if (a > POWER_ACTION_SOFT)
		return -EINVAL;
	/* A host whose state is unknown is not driven from a guess. */
	r = power_host_state(p);
	if (r < 0)
		return r;
	switch (p->state) {
	case POWER_OFF:
		if (a == POWER_ACTION_OFF)
			return 0;
		if (a != POWER_ACTION_ON)
			return -ENOTSUP;
		p->pending_cause = cause;
		return power_start_on(p);
	case POWER_ON:
		switch (a) {
		case POWER_ACTION_ON:
			return 0;
		case POWER_ACTION_OFF:
		case POWER_ACTION_CYCLE:
			return power_start_off(p, a == POWER_ACTION_CYCLE, cause);
		case POWER_ACTION_SOFT:
			r = p->ops->press(p->ctx, BUTTON_POWER, p->t.press_ms);
			if (r < 0)
				return r;
			p->pending_cause = cause;
			p->on_pending = false;
			power_set_state(p, POWER_SOFT_OFF);
			return power_arm(p, p->t.press_ms + p->t.soft_timeout_ms);
		case POWER_ACTION_RESET:
			return power_reset(p, cause);
		case POWER_ACTION_DIAG:
			return power_diag(p);
		}
		break;
	case POWER_POWERING_ON:
		switch (a) {
		case POWER_ACTION_ON:
		case POWER_ACTION_RESET:	/* the host starts from reset anyway */
			return 0;
		case POWER_ACTION_OFF:
		case POWER_ACTION_CYCLE:
			return power_start_off(p, a == POWER_ACTION_CYCLE, cause);
		default:			/* soft off, NMI: no OS running yet */
			return -ENOTSUP;
		}
	case POWER_POWERING_OFF:
		switch (a) {
		case POWER_ACTION_OFF:
		case POWER_ACTION_SOFT:
			p->cycle_pending = p->on_pending = false;
			return 0;
		case POWER_ACTION_ON:
		case POWER_ACTION_CYCLE:
			p->on_pending = a == POWER_ACTION_ON;
			p->cycle_pending = a == POWER_ACTION_CYCLE;
			p->pending_cause = cause;
			return 0;
		default:			/* reset, NMI: the host is going down */
			return -ENOTSUP;
		}
	case POWER_SOFT_OFF:
		switch (a) {
		case POWER_ACTION_OFF:
		case POWER_ACTION_CYCLE:
			return power_start_off(p, a == POWER_ACTION_CYCLE, cause);
		case POWER_ACTION_ON:
			p->on_pending = true;
			p->pending_cause = cause;
			return 0;
		case POWER_ACTION_SOFT:
			p->on_pending = false;
			return 0;
		case POWER_ACTION_DIAG:
			return power_diag(p);
		default:			/* reset: the OS is shutting down */
			return -ENOTSUP;
		}
	case POWER_CYCLE_WAIT:
		switch (a) {
		case POWER_ACTION_ON:
			p->pending_cause = cause;
			return power_start_on(p);
		case POWER_ACTION_OFF:
		case POWER_ACTION_SOFT:
			power_disarm(p);
			p->cycle_pending = false;
			power_set_state(p, POWER_OFF);
			return 0;
		case POWER_ACTION_CYCLE:
		case POWER_ACTION_RESET:	/* the host starts from reset anyway */
			return 0;
		default:
			return -ENOTSUP;
		}
	}
	return -EINVAL;
}

int power_init(struct power *p, sd_event *ev, const struct host_ops *ops, void *ctx,
	       const struct power_timing *t)
{
	int r;

	*p = (struct power){ .ev = ev, .ops = ops, .ctx = ctx, .t = *t };
	r = ops->power_good(ctx);
	if (r < 0)
		return r;
	p->on = r;
	p->state = r ? POWER_ON : POWER_OFF;
	return 0;
}

void power_done(struct power *p)
{
	p->timer = sd_event_source_disable_unref(p->timer);
}
