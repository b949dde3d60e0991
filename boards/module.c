/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/module.h"

static const char *const host_keys[] = { "host", NULL };

const struct bmc_module host_module = {
	.name = "host",
	/* board file */
	.keys = host_keys,
	.defaults = host_defaults,
	.parse = host_parse_config,
	/* life, commands, events */
};
