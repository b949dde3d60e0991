/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/module.h"

static const char *const lan_keys[] = { "lan", NULL };

const struct bmc_module lan_module = {
	.name = "lan",
	/* board file */
	.keys = lan_keys,
	.defaults = lan_defaults,
	.parse = lan_parse_config,
	/* life, commands, events */
};
