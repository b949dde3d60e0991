/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/module.h"

static const char *const i2c_keys[] = { "i2c", NULL };

const struct bmc_module i2c_module = {
	.name = "i2c",
	/* board file */
	.keys = i2c_keys,
	.parse = i2c_parse_config,
	.defaults = i2c_defaults,
	/* life, commands, events */
};
