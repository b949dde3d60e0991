/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "dcmi/dcmi.h"



static const char *const dcmi_keys[] = { "dcmi", NULL };

const struct bmc_module dcmi_module = {
	.name = "dcmi", .keys = dcmi_keys, .defaults = dcmi_cfg_defaults, .parse = dcmi_parse_config,
	MODULE_PART(dcmi), .init = dcmi_init, .done = dcmi_done,
	.cmds = dcmi_cmds,
};
