/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/module.h"

const struct bmc_module channels_module = {
	.name = "channels",
	/* board file */
	/* life, commands, events */
};

static const char *const users_keys[] = { "users", "max_users", NULL };

const struct bmc_module users_module = {
	.name = "users",
	/* board file */
	.keys = users_keys,
	.defaults = users_defaults,
	.parse = users_parse_config,
	/* life, commands, events */
};

const struct bmc_module sessions_module = {
	.name = "sessions",
	/* board file */
	/* life, commands, events */
};

const struct bmc_module lanconf_module = {
	.name = "lanconf",
	/* board file */
	/* life, commands, events */
};
