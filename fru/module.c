/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "daemon/log.h"
#include "fru/fru.h"

static int fru_module_init(struct bmc *bmc)
{
	int r = fru_init(bmc->fru, &bmc->cfg, bmc->state_fd);

	return r < 0 ? log_error_errno(r, "fru") : 0;
}

MODULE_HOOK(fru_module_done, fru_done(bmc->fru))

static const char *const fru_keys[] = { "fru", NULL };

const struct ipmi_cmd fru_cmds[] = {
	IPMI_CMD(NETFN_STORAGE, 0x10, fru_cmd_area_info, PRIV_USER, 1, 1, 0, "Get FRU Inventory Area Info"),
	IPMI_CMD(NETFN_STORAGE, 0x11, fru_cmd_read, PRIV_USER, 4, 4, 0, "Read FRU Data"),
	IPMI_CMD(NETFN_STORAGE, 0x12, fru_cmd_write, PRIV_OPERATOR, 4, IPMI_MAX_REQ, 0, "Write FRU Data"),
	{ 0 },
};

const struct bmc_module fru_module = {
	.name = "fru", .keys = fru_keys, .parse = fru_parse_config,
	MODULE_PART(fru), .init = fru_module_init, .done = fru_module_done,
	.cmds = fru_cmds,
};
