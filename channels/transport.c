/* SPDX-License-Identifier: MIT */
/*
 * Transport netfn (0Ch): LAN and SOL configuration parameters.  The table
 * lives here; handlers live next to what they configure.
 */
#include "channels/lanconfig.h"
#include "daemon/ipmi.h"
#include "lan/lancmds.h"
#include "sol/sol.h"

const struct ipmi_cmd transport_cmds[256] = {
	[0x01] = IPMI_CMD(lanconf_set, PRIV_ADMIN, 3, 2 + 18, 0, "Set LAN Configuration Parameters"),
	[0x02] = IPMI_CMD(lanconf_get, PRIV_OPERATOR, 4, 4, 0, "Get LAN Configuration Parameters"),
	[0x04] = IPMI_CMD(lan_get_statistics, PRIV_USER, 2, 2, 0, "Get IP/UDP/RMCP Statistics"),
	[0x21] = IPMI_CMD(sol_cmd_set_config, PRIV_ADMIN, 3, 10, 0, "Set SOL Configuration Parameters"),
	[0x22] = IPMI_CMD(sol_cmd_get_config, PRIV_USER, 4, 4, 0, "Get SOL Configuration Parameters"),
};
