/* SPDX-License-Identifier: MIT */
/*
 * The host behind GPIO lines, through libgpiod 1.6 (Debian 12).  Outputs are
 * requested at start with their de-asserted level and held for the daemon's
 * life (or until their chip goes away, below); a press asserts a line and a
 * timer releases it.  Power good (and POST complete) are requested for
 * both-edge events; the event fd sits on the sd-event loop and every change
 * of level goes to the power state machine at once, as the simulated host
 * does.
 *
 * The chip can go away under us (its driver unbound, a GPIO expander off
 * the bus): the held requests then fail with ENODEV.  Every use of a line
 * checks for that, and a one-second watch catches it when nothing is being
 * asked.  The lines are then released, the host's power is unknown (Get
 * Chassis Status and Chassis Control answer D5h, never a stale state) and the
 * watch looks for the lines by name again each second: a re-bound chip is a
 * new gpiochip device, maybe of another number.  Each change is logged once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gpiod.h>

#include "boards/gpio_host.h"
#include "chassis/power.h"
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/log.h"

#define GPIO_CONSUMER "bmcd"
#define GPIO_WATCH_USEC (1000 * 1000ULL)	/* chip health check / look for it again */

enum gpio_sig {
	SIG_POWER, SIG_RESET, SIG_NMI, SIG_IDENTIFY,	/* outputs */
	SIG_POWER_GOOD, SIG_POST,			/* inputs */
	SIG_COUNT
};

struct gpio_host {
	sd_event *ev;
	struct power *power;
	struct cfg_gpio *cfg;
	sd_event_source *watch;			/* GPIO_WATCH_USEC */
	bool gone;				/* the lines are unusable: released, looked for */
	char chip[64];				/* power good's chip, for the log */
	struct gpiod_line *line[SIG_COUNT];	/* NULL: not wired */
	sd_event_source *io[SIG_COUNT];		/* inputs' event fds */
	sd_event_source *release[SIG_IDENTIFY];	/* end of each button's press */
	bool pg;				/* last power-good level reported */
	bool post;				/* last POST-complete level */
	unsigned nmi_ms;			/* the board's NMI pulse */
};

static const char *const sig_key[SIG_COUNT] = {
	[SIG_POWER] = "power_button",
	[SIG_RESET] = "reset_button",
	[SIG_NMI] = "nmi",
	[SIG_IDENTIFY] = "identify_led",
	[SIG_POWER_GOOD] = "power_good",
	[SIG_POST] = "post_complete",
};

static struct cfg_gpio_line *sig_cfg(struct cfg_gpio *g, enum gpio_sig s)
{
	switch (s) {
	case SIG_POWER: return &g->power_button;
	case SIG_RESET: return &g->reset_button;
	case SIG_NMI: return &g->nmi;
	case SIG_IDENTIFY: return &g->identify_led;
	case SIG_POWER_GOOD: return &g->power_good;
	case SIG_POST: return &g->post_complete;
	default: return NULL;
	}
}

/* ------------------------------------------------------------------ */
/* Board file: host.gpio                                               */

static void parse_line(struct pctx *c, json_object *gpio, enum gpio_sig s, bool required,
		       struct cfg_gpio_line *out)
{
	static const char *const keys[] = { "line", "active_low", NULL };
	char path[PATH_LEN], parent[PATH_LEN];
	json_object *obj;
	const char *name;
	size_t len;

	if (!cfg_find(c, gpio, "host.gpio", sig_key[s], required, path, &obj))
		return;
	if (!cfg_is_type(c, path, obj, json_type_object))
		return;
	snprintf(parent, sizeof(parent), "%s", path);
	cfg_check_keys(c, obj, parent, keys);
	if (cfg_get_string(c, obj, parent, "line", true, path, &name, &len)) {
		if (len == 0 || len >= sizeof(out->name) || !cfg_printable_ascii(name, len))
			cfg_report(c, path, "not a GPIO line name of 1 to %zu printable characters",
				   sizeof(out->name) - 1);
		else
			memcpy(out->name, name, len + 1);
	}
	cfg_get_bool(c, obj, parent, "active_low", &out->active_low);
}

static void get_pulse(struct pctx *c, json_object *gpio, const char *key, unsigned *ms)
{
	int64_t n;

	if (cfg_get_int(c, gpio, "host.gpio", key, 10, 60000, &n))
		*ms = (unsigned)n;
}

void gpio_parse_config(struct pctx *c, json_object *host, struct cfg_host *h)
{
	static const char *const keys[] = {
		"power_button", "reset_button", "power_good", "nmi", "identify_led",
		"post_complete", "power_pulse_ms", "force_off_ms", "reset_pulse_ms",
		"nmi_pulse_ms", NULL
	};
	struct cfg_gpio *g = &h->gpio;
	bool used = !strcmp(h->backend, "gpio");
	char path[PATH_LEN];
	json_object *obj;

	if (!cfg_find(c, host, "host", "gpio", used, path, &obj))
		return;
	if (!cfg_is_type(c, path, obj, json_type_object))
		return;
	cfg_check_keys(c, obj, "host.gpio", keys);
	for (int s = 0; s < SIG_COUNT; s++) {
		bool required = s == SIG_POWER || s == SIG_RESET || s == SIG_POWER_GOOD;

		parse_line(c, obj, (enum gpio_sig)s, required, sig_cfg(g, (enum gpio_sig)s));
	}
	get_pulse(c, obj, "power_pulse_ms", &g->power_pulse_ms);
	get_pulse(c, obj, "force_off_ms", &g->force_off_ms);
	get_pulse(c, obj, "reset_pulse_ms", &g->reset_pulse_ms);
	get_pulse(c, obj, "nmi_pulse_ms", &g->nmi_pulse_ms);
	if (g->force_off_ms <= g->power_pulse_ms)
		cfg_report(c, "host.gpio.force_off_ms", "must be longer than power_pulse_ms (%u)",
			   g->power_pulse_ms);
}

/* ------------------------------------------------------------------ */
/* Host ops                                                            */

static void gpio_lost(struct gpio_host *h, enum gpio_sig s, int err);

static int gpio_set(struct gpio_host *h, enum gpio_sig s, bool asserted)
{
	int r;

	if (h->gone || !h->line[s])
		return -ENODEV;
	/* The line was requested active-low where the board says so: the
	 * logical value is "asserted". */
	if (gpiod_line_set_value(h->line[s], asserted) < 0) {
		r = -errno;
		gpio_lost(h, s, r);
		return r;
	}
	return 0;
}

static int gpio_released(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct gpio_host *h = userdata;

	for (int s = 0; s < SIG_IDENTIFY; s++) {
		int r;

		if (h->release[s] != src)
			continue;
		r = gpio_set(h, (enum gpio_sig)s, false);
		if (r < 0 && !h->gone)
			log_error_errno(r, "gpio host: release %s", sig_key[s]);
	}
	return 0;
}

static int gpio_press(void *ctx, enum host_button b, unsigned ms)
{
	struct gpio_host *h = ctx;
	enum gpio_sig s = b == BUTTON_POWER ? SIG_POWER : b == BUTTON_RESET ? SIG_RESET : SIG_NMI;
	uint64_t now;
	int r;

	if (h->gone)
		return -ENODEV;
	if (!h->line[s])
		return -ENOTSUP;
	if (s == SIG_NMI)
		ms = h->nmi_ms;
	sd_event_now(h->ev, CLOCK_MONOTONIC, &now);
	/* A button still held stays asserted: its release moves to ms from
	 * now. */
	h->release[s] = sd_event_source_disable_unref(h->release[s]);
	r = sd_event_add_time(h->ev, &h->release[s], CLOCK_MONOTONIC, now + ms * 1000ULL, 1000,
			      gpio_released, h);
	if (r < 0) {
		gpio_set(h, s, false);
		return r;
	}
	r = gpio_set(h, s, true);
	if (r < 0) {
		h->release[s] = sd_event_source_disable_unref(h->release[s]);
		return r;
	}
	log_debug("gpio host: %s asserted for %u ms", sig_key[s], ms);
	return 0;
}

static int gpio_get(struct gpio_host *h, enum gpio_sig s)
{
	int v;

	if (h->gone || !h->line[s])
		return -ENODEV;
	v = gpiod_line_get_value(h->line[s]);
	if (v < 0) {
		v = -errno;
		gpio_lost(h, s, v);
	}
	return v;
}

static int gpio_power_good(void *ctx)
{
	return gpio_get(ctx, SIG_POWER_GOOD);
}

/* Known while the lines answer: power good's last edge (the state machine's
 * own view), after a read that proves the chip is still there.  A chip gone
 * makes it unknown rather than the level last seen. */
static int gpio_power_state(void *ctx)
{
	struct gpio_host *h = ctx;
	int v = gpio_get(h, SIG_POWER_GOOD);

	return v < 0 ? v : h->pg;
}

static int gpio_identify(void *ctx, bool on)
{
	struct gpio_host *h = ctx;

	if (!h->gone && !h->line[SIG_IDENTIFY])
		return 0;		/* no LED on this board: nothing to light */
	return gpio_set(h, SIG_IDENTIFY, on);
}

static const struct host_ops gpio_host_ops = {
	.name = "gpio",
	.press = gpio_press,
	.power_good = gpio_power_good,
	.identify = gpio_identify,
	.power_state = gpio_power_state,
};

int gpio_host_post_complete(struct gpio_host *h)
{
	return gpio_get(h, SIG_POST);
}

/* An input's edge events: drain them, then report the level now. */
static int gpio_on_event(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct gpio_host *h = userdata;
	enum gpio_sig s = h->io[SIG_POWER_GOOD] == src ? SIG_POWER_GOOD : SIG_POST;
	struct gpiod_line_event evs[16];
	int n, v;

	/* A chip removed hangs the event fd up (on kernels that wake its
	 * pollers) and fails its reads: the lines are gone, not an error to
	 * log at every wake-up. */
	if (revents & (EPOLLHUP | EPOLLERR)) {
		gpio_lost(h, s, -ENODEV);
		return 0;
	}
	n = gpiod_line_event_read_fd_multiple(fd, evs, 16);
	if (n < 0) {
		gpio_lost(h, s, -errno);
		return 0;
	}
	v = gpio_get(h, s);
	if (v < 0)
		return 0;	/* gpio_get marked the lines lost */
	if (s == SIG_POST) {
		if (v != h->post)
			log_info("gpio host: POST %s", v ? "complete" : "not complete");
		h->post = v;
		return 0;
	}
	if (v == h->pg)
		return 0;	/* a pulse shorter than our read: nothing changed */
	h->pg = v;
	log_info("gpio host: power good %d", v);
	if (h->power)
		power_good_changed(h->power, v);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Lines                                                               */

/* Request one line by name.  'quiet' (looking for a chip that went away):
 * a line not there yet is expected, logged at debug only. */
static int gpio_request(struct gpio_host *h, enum gpio_sig s, const struct cfg_gpio_line *l,
			bool quiet)
{
	int level = quiet ? LOG_DEBUG : LOG_ERR;
	struct gpiod_line *line;
	int flags = l->active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
	int r;

	if (!l->name[0])
		return 0;
	errno = 0;
	line = gpiod_line_find(l->name);
	if (!line) {
		r = errno ? -errno : -ENOENT;
		log_msg_errno(level, r, "gpio host: %s line \"%s\"", sig_key[s], l->name);
		return r;
	}
	if (s < SIG_POWER_GOOD)
		r = gpiod_line_request_output_flags(line, GPIO_CONSUMER, flags, 0);
	else
		r = gpiod_line_request_both_edges_events_flags(line, GPIO_CONSUMER, flags);
	if (r < 0) {
		r = -errno;
		gpiod_line_close_chip(line);
		log_msg_errno(level, r, "gpio host: request %s line \"%s\"", sig_key[s], l->name);
		return r;
	}
	h->line[s] = line;
	if (s >= SIG_POWER_GOOD) {
		r = sd_event_add_io(h->ev, &h->io[s], gpiod_line_event_get_fd(line), EPOLLIN,
				    gpio_on_event, h);
		if (r < 0)
			return log_error_errno(r, "gpio host: %s event source", sig_key[s]);
	}
	if (s == SIG_POWER_GOOD) {
		struct gpiod_chip *chip = gpiod_line_get_chip(line);

		snprintf(h->chip, sizeof(h->chip), "%s \"%s\"", gpiod_chip_name(chip),
			 gpiod_chip_label(chip));
	}
	log_debug("gpio host: %s is \"%s\"%s", sig_key[s], l->name, l->active_low ? " (active low)" : "");
	return 0;
}

/* Release every line (outputs fall back to the kernel's default) and stop
 * every press under way. */
static void gpio_release_all(struct gpio_host *h)
{
	for (int s = 0; s < SIG_IDENTIFY; s++)
		h->release[s] = sd_event_source_disable_unref(h->release[s]);
	for (int s = 0; s < SIG_COUNT; s++) {
		h->io[s] = sd_event_source_disable_unref(h->io[s]);
		if (h->line[s]) {
			gpiod_line_release(h->line[s]);
			gpiod_line_close_chip(h->line[s]);
			h->line[s] = NULL;
		}
	}
}

static int gpio_request_all(struct gpio_host *h, bool quiet)
{
	for (int s = 0; s < SIG_COUNT; s++) {
		const struct cfg_gpio_line *l = sig_cfg(h->cfg, (enum gpio_sig)s);
		int r = gpio_request(h, (enum gpio_sig)s, l, quiet);

		if (r < 0)
			return r;
	}
	return 0;
}

/* A line failed: unless that is only a retry, the chip is gone (ENODEV), or
 * unusable.  Logged once; the watch looks for the lines again. */
static void gpio_lost(struct gpio_host *h, enum gpio_sig s, int err)
{
	if (h->gone || err == -EAGAIN || err == -EINTR)
		return;
	log_error_errno(err, "gpio host: %s line \"%s\" on %s failed, the GPIO lines are gone; "
			"host power is unknown until they are back", sig_key[s],
			sig_cfg(h->cfg, s)->name, h->chip);
	h->gone = true;
	gpio_release_all(h);
}

/* Every GPIO_WATCH_USEC: while the lines are there, one read proves the
 * chip still is; while they are gone, look for them by name again. */
static int gpio_watch(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct gpio_host *h = userdata;
	int v, post;

	if (!h->gone) {
		gpio_get(h, SIG_POWER_GOOD);
	} else if (gpio_request_all(h, true) < 0) {
		gpio_release_all(h);
	} else {
		h->gone = false;
		v = gpio_get(h, SIG_POWER_GOOD);
		post = gpio_get(h, SIG_POST);
		if (v >= 0) {
			h->post = post > 0;
			log_info("gpio host: the GPIO lines are back on %s: power good %d", h->chip, v);
			if (v != h->pg) {
				h->pg = v;
				if (h->power)
					power_good_changed(h->power, v);
			}
		}
	}
	sd_event_source_set_time(src, usec + GPIO_WATCH_USEC);
	sd_event_source_set_enabled(src, SD_EVENT_ON);
	return 0;
}

struct gpio_host *gpio_host_free(struct gpio_host *h)
{
	if (!h)
		return NULL;
	sd_event_source_disable_unref(h->watch);
	gpio_release_all(h);
	free(h);
	return NULL;
}

int gpio_host_power_init(struct bmc *bmc, const struct power_timing *base)
{
	struct cfg_gpio *g = &bmc->cfg.host.gpio;
	struct power_timing t = *base;
	struct gpio_host *h;
	uint64_t now;
	int r, v;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->ev = bmc->ev;
	h->cfg = g;
	h->nmi_ms = g->nmi_pulse_ms;
	bmc->ghost = h;
	r = gpio_request_all(h, false);
	if (r < 0)
		return r;	/* bmc_done frees what was requested */
	v = gpio_get(h, SIG_POWER_GOOD);
	if (v < 0)
		return log_error_errno(v, "gpio host: read power good");
	h->pg = v;
	v = gpio_get(h, SIG_POST);
	h->post = v > 0;
	t.press_ms = g->power_pulse_ms;
	t.force_off_ms = g->force_off_ms;
	t.reset_ms = g->reset_pulse_ms;
	r = power_init(bmc->power, bmc->ev, &gpio_host_ops, h, &t);
	if (r < 0)
		return r;
	h->power = bmc->power;
	sd_event_now(h->ev, CLOCK_MONOTONIC, &now);
	r = sd_event_add_time(h->ev, &h->watch, CLOCK_MONOTONIC, now + GPIO_WATCH_USEC,
			      100 * 1000, gpio_watch, h);
	if (r < 0)
		return log_error_errno(r, "gpio host: watch timer");
	log_info("gpio host: power good is %d%s (%s)", h->pg,
		 h->line[SIG_POST] ? (h->post ? ", POST complete" : ", POST not complete") : "",
		 h->chip);
	return 0;
}
