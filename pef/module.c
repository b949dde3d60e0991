/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "pef/pef.h"

static int pef_module_init(struct bmc *bmc)
{
	return pef_init(bmc, bmc->pef);
}

MODULE_HOOK(pef_module_done, pef_done(bmc->pef))
MODULE_COLD_RESET(pef_module_reset, pef_reset_volatile(bmc->pef))

/* Every event the BMC logs goes through the event filters. */
MODULE_ON_SEL_EVENT(pef_module_on_sel_event, pef_on_event(bmc->pef, rec))

static const char *const pef_keys[] = { "pef", NULL };

const struct ipmi_cmd pef_cmds[] = {
	IPMI_CMD(NETFN_SENSOR, 0x10, pef_cmd_capabilities, PRIV_USER, 0, 0, 0, "Get PEF Capabilities"),
	IPMI_CMD(NETFN_SENSOR, 0x11, pef_cmd_postpone, PRIV_ADMIN, 1, 1, 0, "Arm PEF Postpone Timer"),
	IPMI_CMD(NETFN_SENSOR, 0x12, pef_cmd_set_param, PRIV_ADMIN, 1, 64, 0, "Set PEF Configuration Parameters"),
	IPMI_CMD(NETFN_SENSOR, 0x13, pef_cmd_get_param, PRIV_OPERATOR, 3, 3, 0, "Get PEF Configuration Parameters"),
	IPMI_CMD(NETFN_SENSOR, 0x14, pef_cmd_set_last_id, PRIV_ADMIN, 3, 3, 0, "Set Last Processed Event ID"),
	IPMI_CMD(NETFN_SENSOR, 0x15, pef_cmd_get_last_id, PRIV_ADMIN, 0, 0, 0, "Get Last Processed Event ID"),
	IPMI_CMD(NETFN_SENSOR, 0x16, pef_cmd_alert_immediate, PRIV_ADMIN, 3, 11, 0, "Alert Immediate"),
	IPMI_CMD(NETFN_SENSOR, 0x17, pef_cmd_pet_ack, PRIV_USER, 12, 12, 0, "PET Acknowledge"),
	{ 0 },
};

const struct bmc_module pef_module = {
	.name = "pef", .keys = pef_keys, .defaults = pef_defaults, .parse = pef_parse_config,
	MODULE_PART(pef), .init = pef_module_init,
	.done = pef_module_done, .reset = pef_module_reset,
	.cmds = pef_cmds, .on_sel_event = pef_module_on_sel_event,
};
