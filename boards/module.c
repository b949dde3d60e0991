/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "chassis/power.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boards/gpio_host.h"
#include "boards/libvirt_host.h"
#include "boards/qemu_host.h"
#include "boards/sim_host.h"
#include "daemon/log.h"

/* The host backends: what powers the host on and off.  Each makes its host
 * and starts the power sequencing on it (power_init with its ops). */
struct host_backend {
	const char *name;		/* board file: host.backend */
	/* Its sub-section of "host" (e.g. host.qemu), parsed whichever
	 * backend the board names, so that a mistake in it is always seen. */
	void (*parse)(struct pctx *c, struct json_object *host, struct cfg_host *h);
	int (*start)(struct bmc *bmc, const struct power_timing *t);
	void (*stop)(struct bmc *bmc);
};

static int sim_start(struct bmc *bmc, const struct power_timing *t)
{
	int r;

	bmc->sim = sim_host_new(bmc->ev, &bmc->cfg.host);
	if (!bmc->sim)
		return -ENOMEM;
	r = power_init(bmc->power, bmc->ev, &sim_host_ops, bmc->sim, t);
	if (r < 0)
		return r;
	sim_host_attach(bmc->sim, bmc->power);
	return 0;
}

MODULE_HOOK(sim_stop, bmc->sim = sim_host_free(bmc->sim))
MODULE_HOOK(qemu_stop, bmc->qhost = qemu_host_free(bmc->qhost))
MODULE_HOOK(gpio_stop, bmc->ghost = gpio_host_free(bmc->ghost))
MODULE_HOOK(libvirt_stop, bmc->vhost = libvirt_host_free(bmc->vhost))

static const struct host_backend host_backends[] = {
	{ "sim", NULL, sim_start, sim_stop },
	{ "qemu", qemu_parse_config, qemu_host_power_init, qemu_stop },
	{ "gpio", gpio_parse_config, gpio_host_power_init, gpio_stop },
	{ "libvirt", libvirt_parse_config, libvirt_host_power_init, libvirt_stop },
};
#define N_BACKENDS (sizeof(host_backends) / sizeof(host_backends[0]))

void host_backend_parse(struct pctx *c, struct json_object *host, struct cfg_host *h)
{
	const char *names[N_BACKENDS + 1] = { NULL };
	int k;

	for (size_t i = 0; i < N_BACKENDS; i++)
		names[i] = host_backends[i].name;
	k = cfg_get_word(c, host, "host", "backend", names, "a supported backend");
	if (k >= 0)
		snprintf(h->backend, sizeof(h->backend), "%s", names[k]);
	for (size_t i = 0; i < N_BACKENDS; i++)
		if (host_backends[i].parse)
			host_backends[i].parse(c, host, h);
}

static const struct host_backend *host_backend(const char *name)
{
	for (size_t i = 0; i < N_BACKENDS; i++)
		if (!strcmp(host_backends[i].name, name))
			return &host_backends[i];
	return NULL;
}

static void power_changed(void *userdata, enum power_event ev, enum restart_cause cause)
{
	log_debug("power event %d, cause %d", ev, cause);
	bmc_modules_on_power(userdata, ev, cause);
}

static int host_init(struct bmc *bmc)
{
	const struct cfg_host *h = &bmc->cfg.host;
	const struct host_backend *be = host_backend(h->backend);
	struct power_timing t = {
		.press_ms = 200,
		.force_off_ms = h->power_off_ms > SIM_FORCE_OFF_HOLD_MS ? h->power_off_ms
									: SIM_FORCE_OFF_HOLD_MS,
		.reset_ms = h->reset_ms,
		.cycle_interval_ms = h->cycle_interval_ms,
		.on_timeout_ms = h->power_good_timeout_ms ? h->power_good_timeout_ms : h->power_on_ms + 10000,
		.off_timeout_ms = h->power_off_ms + 10000,
		.soft_timeout_ms = h->soft_off_ms + 10000,
	};
	int r;

	if (!be)
		return log_error_errno(-EINVAL, "host: no backend \"%s\"", h->backend);
	r = be->start(bmc, &t);
	if (r < 0)
		return log_error_errno(r, "host power");
	bmc->power->notify = power_changed;
	bmc->power->notify_userdata = bmc;
	return 0;
}

/* The power sequencing first (its timers call the host), then the host.
 * A backend that failed half-way is freed all the same. */
static void host_done(struct bmc *bmc)
{
	power_done(bmc->power);
	for (size_t i = 0; i < N_BACKENDS; i++)
		host_backends[i].stop(bmc);
}

static const char *const host_keys[] = { "host", NULL };

const struct bmc_module host_module = {
	.name = "host", .keys = host_keys, .defaults = host_defaults, .parse = host_parse_config,
	MODULE_PART(power), .init = host_init, .done = host_done,
};
