/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "lan/lan.h"
#include "lan/lancmds.h"

static int lan_module_init(struct bmc *bmc)
{
	return lan_open(bmc, &bmc->lan);
}

MODULE_HOOK(lan_module_done, bmc->lan = lan_free(bmc->lan))

static void lan_module_tick(struct bmc *bmc, uint64_t now)
{
	lan_reap_handshakes(bmc, now);
}

/* A session that got as far as RAKP 2 and was never proven counts as a
 * failed login. */
static void lan_module_on_unproven(struct bmc *bmc, struct session *s)
{
	if (bmc->lan)
		lan_session_unproven(bmc->lan, s);
}

static void lan_module_on_session_free(struct bmc *bmc, struct session *s)
{
	if (bmc->lan)
		lan_session_ended(bmc->lan, s);
}

static const char *const lan_keys[] = { "lan", NULL };

const struct ipmi_cmd lan_cmds[] = {
	IPMI_CMD(NETFN_APP, 0x38, lan_get_auth_caps, PRIV_NONE, 2, 2, CMD_F_LAN_ONLY, "Get Channel Authentication Capabilities"),
	IPMI_CMD(NETFN_APP, 0x39, lan_get_session_challenge, PRIV_NONE, 17, 17, CMD_F_LAN_ONLY, "Get Session Challenge"),
	IPMI_CMD(NETFN_APP, 0x3a, lan_activate_session, PRIV_NONE, 22, 22, CMD_F_LAN_ONLY, "Activate Session"),
	IPMI_CMD(NETFN_APP, 0x3b, lan_set_session_priv, PRIV_CALLBACK, 1, 1, CMD_F_LAN_ONLY, "Set Session Privilege Level"),
	IPMI_CMD(NETFN_APP, 0x3c, lan_close_session, PRIV_CALLBACK, 4, 5, CMD_F_LAN_ONLY, "Close Session"),
	IPMI_CMD_LENS(NETFN_APP, 0x3d, lan_get_session_info, PRIV_USER, 0, "Get Session Info", 1, 2, 5),
	IPMI_CMD(NETFN_APP, 0x54, lan_get_cipher_suites, PRIV_NONE, 3, 3, CMD_F_LAN_ONLY, "Get Channel Cipher Suites"),
	IPMI_CMD(NETFN_TRANSPORT, 0x04, lan_get_statistics, PRIV_USER, 2, 2, 0, "Get IP/UDP/RMCP Statistics"),
	{ 0 },
};

const struct bmc_module lan_module = {
	.name = "lan", .keys = lan_keys, .defaults = lan_defaults, .parse = lan_parse_config,
	.init = lan_module_init, .done = lan_module_done, .tick = lan_module_tick,
	.cmds = lan_cmds, .on_session_unproven = lan_module_on_unproven,
	.on_session_free = lan_module_on_session_free,
};
