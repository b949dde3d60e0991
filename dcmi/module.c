/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "dcmi/dcmi.h"



static const char *const dcmi_keys[] = { "dcmi", NULL };

const struct bmc_module dcmi_module = {
	.name = "dcmi",
	/* board file */
	.keys = dcmi_keys,
	.parse = dcmi_parse_config,
	.defaults = dcmi_defaults,
	/* life, commands, events */
	MODULE_PART(dcmi),
	.cmds = dcmi_cmds,
	.init = dcmi_init,
	.done = dcmi_done,
};
