/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/module.h"

static const char *const sel_keys[] = { "sel", NULL };

const struct bmc_module sel_module = {
	.name = "sel",
	/* board file */
	.keys = sel_keys,
	.defaults = sel_defaults,
	.parse = sel_parse_config,
	/* life, commands, events */
};
