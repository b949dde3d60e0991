/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "sol/sol.h"

MODULE_COLD_RESET(sol_module_reset, sol_reset_volatile(bmc->sol))
MODULE_ON_POWER(sol_module_on_power, sol_power_event(bmc->sol, ev))

/* A closed session loses its SOL payload. */
static void sol_module_on_session_free(struct bmc *bmc, struct session *s)
{
	sol_on_session_free(bmc->sol, s);
}

static const char *const sol_keys[] = { "sol", NULL };

const struct ipmi_cmd sol_cmds[] = {
	IPMI_CMD(NETFN_APP, 0x48, sol_cmd_activate_payload, PRIV_USER, 6, 6, CMD_F_LAN_ONLY, "Activate Payload"),
	IPMI_CMD(NETFN_APP, 0x49, sol_cmd_deactivate_payload, PRIV_USER, 6, 6, CMD_F_LAN_ONLY, "Deactivate Payload"),
	IPMI_CMD(NETFN_APP, 0x4a, sol_cmd_payload_status, PRIV_USER, 1, 1, 0, "Get Payload Activation Status"),
	IPMI_CMD(NETFN_APP, 0x4b, sol_cmd_payload_instance_info, PRIV_USER, 2, 2, 0, "Get Payload Instance Info"),
	IPMI_CMD(NETFN_APP, 0x4c, sol_cmd_set_user_payload_access, PRIV_ADMIN, 6, 6, 0, "Set User Payload Access"),
	IPMI_CMD(NETFN_APP, 0x4d, sol_cmd_get_user_payload_access, PRIV_OPERATOR, 2, 2, 0, "Get User Payload Access"),
	IPMI_CMD(NETFN_APP, 0x4e, sol_cmd_channel_payload_support, PRIV_USER, 1, 1, 0, "Get Channel Payload Support"),
	IPMI_CMD(NETFN_APP, 0x4f, sol_cmd_channel_payload_version, PRIV_USER, 2, 2, 0, "Get Channel Payload Version"),
	IPMI_CMD(NETFN_TRANSPORT, 0x21, sol_cmd_set_config, PRIV_ADMIN, 3, 10, 0, "Set SOL Configuration Parameters"),
	IPMI_CMD(NETFN_TRANSPORT, 0x22, sol_cmd_get_config, PRIV_USER, 4, 4, 0, "Get SOL Configuration Parameters"),
	{ 0 },
};

const struct bmc_module sol_module = {
	.name = "sol", .keys = sol_keys, .parse = sol_parse_config,
	.init = sol_init, .done = sol_done, .reset = sol_module_reset,
	.cmds = sol_cmds, .on_power = sol_module_on_power,
	.on_session_free = sol_module_on_session_free,
};
