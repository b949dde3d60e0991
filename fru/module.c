/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/module.h"

static const char *const fru_keys[] = { "fru", NULL };

const struct bmc_module fru_module = {
	.name = "fru",
	/* board file */
	.keys = fru_keys,
	.parse = fru_parse_config,
	/* life, commands, events */
};
