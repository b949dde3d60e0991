/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/module.h"

static const char *const sol_keys[] = { "sol", NULL };

const struct bmc_module sol_module = {
	.name = "sol",
	/* board file */
	.keys = sol_keys,
	.parse = sol_parse_config,
	/* life, commands, events */
};
