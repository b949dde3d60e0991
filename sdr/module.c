/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/module.h"

const struct bmc_module sdr_module = {
	.name = "sdr",
	/* board file */
	/* life, commands, events */
};
