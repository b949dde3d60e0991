/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "ipmb/ipmb.h"



static const char *const ipmb_keys[] = { "ipmb", NULL };

const struct bmc_module ipmb_module = {
	.name = "ipmb", .keys = ipmb_keys, .defaults = ipmb_defaults,
	.parse = ipmb_parse_config, .check = ipmb_check_config,
	.init = ipmb_init, .done = ipmb_done,
};
