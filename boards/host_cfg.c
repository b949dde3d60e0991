/* SPDX-License-Identifier: MIT */
/* Board-file section "host" (docs/board-file.md); its backends' sub-sections
 * are parsed by the backends (boards/module.c's table). */
#include <stdio.h>
#include <string.h>

#include "daemon/config_parse.h"

void host_defaults(struct board_config *cfg)
{
	struct cfg_host *h = &cfg->host;

	strcpy(h->backend, "sim");
	h->power_on_ms = 1500;
	h->power_off_ms = 500;
	h->soft_off_ms = 3000;
	h->cycle_interval_ms = 1000;
	h->reset_ms = 200;
	h->qemu.stop_timeout_ms = 10000;
	h->gpio = (struct cfg_gpio){
		.power_pulse_ms = 200, .force_off_ms = 6000, .reset_pulse_ms = 200, .nmi_pulse_ms = 200,
	};
}

static void get_ms(struct pctx *c, json_object *obj, const char *key, unsigned *out)
{
	int64_t n;

	if (cfg_get_int(c, obj, "host", key, 0, 600000, &n))
		*out = (unsigned)n;
}

static void parse_host(struct pctx *c, json_object *root, struct cfg_host *h)
{
	static const char *const keys[] = {
		"backend", "power_on_ms", "power_off_ms", "soft_off_ms",
		"cycle_interval_ms", "reset_ms", "initially_on", "restore_policy",
		"power_good_timeout_ms", "qemu", "gpio", "libvirt", NULL
	};
	/* Indexed by enum cfg_restore_policy. */
	static const char *const policies[] = { "always-off", "previous", "always-on", NULL };
	json_object *obj = cfg_section(c, root, "host", keys);
	int k;

	if (!obj)
		return;
	host_backend_parse(c, obj, h);	/* host.backend and the backends' sub-sections */
	get_ms(c, obj, "power_on_ms", &h->power_on_ms);
	get_ms(c, obj, "power_off_ms", &h->power_off_ms);
	get_ms(c, obj, "soft_off_ms", &h->soft_off_ms);
	get_ms(c, obj, "cycle_interval_ms", &h->cycle_interval_ms);
	get_ms(c, obj, "reset_ms", &h->reset_ms);
	get_ms(c, obj, "power_good_timeout_ms", &h->power_good_timeout_ms);
	cfg_get_bool(c, obj, "host", "initially_on", &h->initially_on);
	k = cfg_get_word(c, obj, "host", "restore_policy", policies, "a restore policy");
	if (k >= 0)
		h->restore_policy = (enum cfg_restore_policy)k;
}

void host_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	parse_host(c, root, &cfg->host);
}
