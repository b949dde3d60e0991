/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/module.h"

static const char *const sensors_keys[] = { "sensors", "hwmon_root", "sim_dir", NULL };

const struct bmc_module sensors_module = {
	.name = "sensors",
	/* board file */
	.keys = sensors_keys,
	.parse = sensors_parse_config,
	.defaults = sensors_defaults,
	/* life, commands, events */
};
