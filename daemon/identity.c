/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/module.h"

static const char *const identity_keys[] = { "name", "identity", NULL };

const struct bmc_module identity_module = {
	.name = "identity",
	/* board file */
	.keys = identity_keys,
	.defaults = identity_defaults,
	.parse = identity_parse_config,
	/* life, commands, events */
};
