/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/module.h"

static const char *const kcs_keys[] = { "kcs", NULL };

const struct bmc_module kcs_module = {
	.name = "kcs",
	/* board file */
	.keys = kcs_keys,
	.parse = kcs_parse_config,
	/* life, commands, events */
};
