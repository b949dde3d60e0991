/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "kcs/kcs.h"

MODULE_COLD_RESET(kcs_module_reset, kcs_reset_volatile(bmc->kcs))
MODULE_ON_POWER(kcs_module_on_power, kcs_power_event(bmc->kcs, ev))

/* Every event the BMC logs goes to the host's event message buffer. */
static void kcs_module_on_sel_event(struct bmc *bmc, const uint8_t rec[16])
{
	if (bmc->kcs)
		kcs_on_event(bmc->kcs, rec);
}

MODULE_HOOK(kcs_module_on_pretimeout, kcs_watchdog_pretimeout(bmc->kcs))

static const char *const kcs_keys[] = { "kcs", NULL };

const struct ipmi_cmd kcs_cmds[] = {
	IPMI_CMD(NETFN_APP, 0x30, kcs_cmd_clear_msg_flags, PRIV_USER, 1, 1, CMD_F_SYSIF_ONLY, "Clear Message Flags"),
	IPMI_CMD(NETFN_APP, 0x31, kcs_cmd_get_msg_flags, PRIV_USER, 0, 0, CMD_F_SYSIF_ONLY, "Get Message Flags"),
	IPMI_CMD(NETFN_APP, 0x33, kcs_cmd_get_message, PRIV_USER, 0, 0, CMD_F_SYSIF_ONLY, "Get Message"),
	IPMI_CMD(NETFN_APP, 0x34, kcs_cmd_send_message, PRIV_USER, 1, 255, 0, "Send Message"),
	IPMI_CMD(NETFN_APP, 0x35, kcs_cmd_read_event_buffer, PRIV_USER, 0, 0, CMD_F_SYSIF_ONLY, "Read Event Message Buffer"),
	IPMI_CMD(NETFN_APP, 0x58, kcs_cmd_set_sysinfo, PRIV_ADMIN, 2, 18, 0, "Set System Info Parameters"),
	IPMI_CMD(NETFN_APP, 0x59, kcs_cmd_get_sysinfo, PRIV_USER, 4, 4, 0, "Get System Info Parameters"),
	{ 0 },
};

const struct bmc_module kcs_module = {
	.name = "kcs", .keys = kcs_keys, .parse = kcs_parse_config,
	.init = kcs_init, .done = kcs_done, .reset = kcs_module_reset,
	.cmds = kcs_cmds, .on_power = kcs_module_on_power,
	.on_sel_event = kcs_module_on_sel_event, .on_pretimeout = kcs_module_on_pretimeout,
};
