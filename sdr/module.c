/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "sdr/sdr.h"

const struct ipmi_cmd sdr_cmds[] = {
	IPMI_CMD(NETFN_STORAGE, 0x20, sdr_cmd_repo_info, PRIV_USER, 0, 0, 0, "Get SDR Repository Info"),
	IPMI_CMD(NETFN_STORAGE, 0x21, sdr_cmd_alloc_info, PRIV_USER, 0, 0, 0, "Get SDR Repository Allocation Info"),
	IPMI_CMD(NETFN_STORAGE, 0x22, sdr_cmd_reserve, PRIV_USER, 0, 0, 0, "Reserve SDR Repository"),
	IPMI_CMD(NETFN_STORAGE, 0x23, sdr_cmd_get, PRIV_USER, 6, 6, 0, "Get SDR"),
	IPMI_CMD(NETFN_STORAGE, 0x24, sdr_cmd_add, PRIV_OPERATOR, SDR_HDR_LEN, SDR_REC_MAX, 0, "Add SDR"),
	IPMI_CMD(NETFN_STORAGE, 0x25, sdr_cmd_partial_add, PRIV_OPERATOR, 6, 255, 0, "Partial Add SDR"),
	IPMI_CMD(NETFN_STORAGE, 0x26, sdr_cmd_delete, PRIV_OPERATOR, 4, 4, 0, "Delete SDR"),
	IPMI_CMD(NETFN_STORAGE, 0x27, sdr_cmd_clear, PRIV_OPERATOR, 6, 6, 0, "Clear SDR Repository"),
	IPMI_CMD(NETFN_STORAGE, 0x28, sdr_cmd_get_time, PRIV_USER, 0, 0, 0, "Get SDR Repository Time"),
	{ 0 },
};

const struct bmc_module sdr_module = {
	.name = "sdr",
	/* board file */
	/* life, commands, events */
	.cmds = sdr_cmds,
};
