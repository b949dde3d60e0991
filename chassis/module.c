/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"

const struct bmc_module chassis_module = {
	.name = "chassis",
	/* board file */
	/* life, commands, events */
	.cmds = chassis_cmds,
};
