/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "boards/sim_host.h"
#include "daemon/log.h"

struct sim_host {
	sd_event *ev;
	struct cfg_host cfg;
	struct power *power;
	bool on;
	bool os_shutting_down;
	unsigned resets;
	sd_event_source *release[3];	/* end of each button's press */
	uint64_t pressed_at[3];		/* when the button went down */
	sd_event_source *settle;	/* power good changes */
	bool target_on;
};

static int sim_after(struct sim_host *h, sd_event_source **src, unsigned ms,
		     sd_event_time_handler_t fn, void *userdata)
{
	uint64_t now;

	sd_event_now(h->ev, CLOCK_MONOTONIC, &now);
	*src = sd_event_source_disable_unref(*src);
	return sd_event_add_time(h->ev, src, CLOCK_MONOTONIC, now + ms * 1000ULL, 1000, fn, userdata);
}

static int sim_settled(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct sim_host *h = userdata;

	h->on = h->target_on;
	h->os_shutting_down = false;
	log_debug("sim host: power good %d", h->on);
	if (h->power)
		power_good_changed(h->power, h->on);
	return 0;
}

static void sim_settle(struct sim_host *h, bool on, unsigned ms)
{
	h->target_on = on;
	if (sim_after(h, &h->settle, ms, sim_settled, h) < 0)
		log_error("sim host: cannot arm timer");
}

/* A button's release: the host acts on how long it was held. */
static void sim_released(struct sim_host *h, enum host_button b, uint64_t held_ms)
{
	bool starting = !h->on && h->target_on;

	switch (b) {
	case BUTTON_POWER:
		if (held_ms >= SIM_FORCE_OFF_HOLD_MS) {
			/* Held: forced off, also of a host still starting. */
			if (h->on || starting) {
				if (starting)
					log_info("sim host: start stopped by a forced off");
				h->os_shutting_down = false;
				sim_settle(h, false, h->on ? h->cfg.power_off_ms : 0);
			}
		} else if (!h->on && !starting) {
			log_info("sim host: power button: starting (on in %u ms)", h->cfg.power_on_ms);
			sim_settle(h, true, h->cfg.power_on_ms);
		} else if (h->on && !h->os_shutting_down && h->target_on) {
			log_info("sim host: ACPI power button: OS shutting down");
			h->os_shutting_down = true;
			sim_settle(h, false, h->cfg.soft_off_ms);
		}
		break;
	case BUTTON_RESET:
		if (h->on) {
			h->resets++;
			log_info("sim host: reset (%u)", h->resets);
		}
		break;
	case BUTTON_NMI:
		if (h->on)
			log_info("sim host: NMI received");
		break;
	}
}

static int sim_on_release(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct sim_host *h = userdata;

	for (int b = 0; b < 3; b++) {
		if (h->release[b] == src) {
			sd_event_source_set_enabled(src, SD_EVENT_OFF);
			sim_released(h, (enum host_button)b, (usec - h->pressed_at[b]) / 1000);
		}
	}
	return 0;
}

static int sim_press(void *ctx, enum host_button b, unsigned ms)
{
	struct sim_host *h = ctx;
	uint64_t now;

	if ((unsigned)b >= 3)
		return -EINVAL;
	sd_event_now(h->ev, CLOCK_MONOTONIC, &now);
	/* Still held: the same press goes on. */
	if (!h->release[b] || sd_event_source_get_enabled(h->release[b], NULL) <= 0)
		h->pressed_at[b] = now;
	return sim_after(h, &h->release[b], ms, sim_on_release, h);
}

static int sim_power_good(void *ctx)
{
	struct sim_host *h = ctx;
	return h->on;
}

static int sim_identify(void *ctx, bool on)
{
	log_info("sim host: identify LED %s", on ? "on" : "off");
	return 0;
}

const struct host_ops sim_host_ops = {
	.name = "sim",
	.press = sim_press,
	.power_good = sim_power_good,
	.identify = sim_identify,
};

struct sim_host *sim_host_new(sd_event *ev, const struct cfg_host *cfg)
{
	struct sim_host *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->ev = ev;
	h->cfg = *cfg;
	h->on = h->target_on = cfg->initially_on;
	return h;
}

void sim_host_attach(struct sim_host *h, struct power *power)
{
	h->power = power;
}

unsigned sim_host_resets(const struct sim_host *h)
{
	return h->resets;
}

struct sim_host *sim_host_free(struct sim_host *h)
{
	if (!h)
		return NULL;
	for (int b = 0; b < 3; b++)
		sd_event_source_disable_unref(h->release[b]);
	sd_event_source_disable_unref(h->settle);
	free(h);
	return NULL;
}
