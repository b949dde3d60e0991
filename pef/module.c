/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/module.h"

static const char *const pef_keys[] = { "pef", NULL };

const struct bmc_module pef_module = {
	.name = "pef",
	/* board file */
	.keys = pef_keys,
	.parse = pef_parse_config,
	.defaults = pef_defaults,
	/* life, commands, events */
};
