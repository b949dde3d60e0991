/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "i2c/master.h"

static const char *const i2c_keys[] = { "i2c", NULL };

const struct ipmi_cmd i2c_cmds[] = {
	IPMI_CMD(NETFN_APP, 0x52, i2c_cmd_master_write_read, PRIV_OPERATOR, 3, 255, 0, "Master Write-Read"),
	{ 0 },
};

const struct bmc_module i2c_module = {
	.name = "i2c", .keys = i2c_keys, .defaults = i2c_defaults, .parse = i2c_parse_config,
	MODULE_PART(i2c),
	.cmds = i2c_cmds,
};
