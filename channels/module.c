/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "channels/lanconfig.h"
#include "channels/users.h"

const struct bmc_module channels_module = {
	.name = "channels",
	/* board file */
	/* life, commands, events */
	.cmds = channels_cmds,
};

static const char *const users_keys[] = { "users", "max_users", NULL };

const struct ipmi_cmd users_cmds[] = {
	IPMI_CMD(NETFN_APP, 0x43, users_cmd_set_access, PRIV_ADMIN, 3, 4, 0, "Set User Access"),
	IPMI_CMD(NETFN_APP, 0x44, users_cmd_get_access, PRIV_OPERATOR, 2, 2, 0, "Get User Access"),
	IPMI_CMD(NETFN_APP, 0x45, users_cmd_set_name, PRIV_ADMIN, 17, 17, 0, "Set User Name"),
	IPMI_CMD(NETFN_APP, 0x46, users_cmd_get_name, PRIV_OPERATOR, 1, 1, 0, "Get User Name"),
	IPMI_CMD(NETFN_APP, 0x47, users_cmd_set_password, PRIV_ADMIN, 2, 22, CMD_F_CONFIDENTIAL, "Set User Password"),
	IPMI_CMD(NETFN_APP, 0x56, users_cmd_channel_keys, PRIV_ADMIN, 3, 255, CMD_F_CONFIDENTIAL, "Set Channel Security Keys"),
	{ 0 },
};

const struct bmc_module users_module = {
	.name = "users",
	/* board file */
	.keys = users_keys,
	/* life, commands, events */
	.cmds = users_cmds,
};

const struct bmc_module sessions_module = {
	.name = "sessions",
	/* board file */
	/* life, commands, events */
};

const struct ipmi_cmd lanconf_cmds[] = {
	IPMI_CMD(NETFN_TRANSPORT, 0x01, lanconf_set, PRIV_ADMIN, 3, 2 + 18, 0, "Set LAN Configuration Parameters"),
	IPMI_CMD(NETFN_TRANSPORT, 0x02, lanconf_get, PRIV_OPERATOR, 4, 4, 0, "Get LAN Configuration Parameters"),
	{ 0 },
};

const struct bmc_module lanconf_module = {
	.name = "lanconf",
	/* board file */
	/* life, commands, events */
	.cmds = lanconf_cmds,
};
