/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "sel/sel.h"
#include "ipmb/ipmb.h"
#include "daemon/log.h"
#include <stdlib.h>
#include "sdr/sdr.h"

/* The repository is made from the board's sensors and FRUs and the
 * satellites' records, then kept on flash with what was added over IPMI. */
static int sdr_module_init(struct bmc *bmc)
{
	enum { RECS_MAX = CFG_MAX_SENSORS + CFG_MAX_FRUS + 8 + IPMB_SATELLITES_MAX * (IPMB_SAT_SENSORS_MAX + 1) };
	uint8_t *rec[RECS_MAX] = { NULL };
	uint8_t len[RECS_MAX];
	int n, k, r;

	n = sdr_generate(bmc->sensors, &bmc->cfg, rec, len, RECS_MAX);
	k = n < 0 ? 0 : ipmb_sdr_records(bmc->ipmb, rec + n, len + n, RECS_MAX - (unsigned)n);
	if (k < 0) {
		for (int i = 0; i < RECS_MAX; i++)
			free(rec[i]);
		return log_error_errno(k, "sdr: satellites");
	}
	n = n < 0 ? n : n + k;
	r = n < 0 ? n : sdr_init(bmc->sdr, bmc->state_fd, rec, len, (unsigned)n, sel_time(bmc->sel));
	for (int i = 0; i < n; i++)
		free(rec[i]);
	return r < 0 ? log_error_errno(r, "sdr") : 0;
}

MODULE_HOOK(sdr_module_done, sdr_done(bmc->sdr))
MODULE_COLD_RESET(sdr_module_reset, sdr_reset_volatile(bmc->sdr))

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
	MODULE_PART(sdr), .init = sdr_module_init,
	.done = sdr_module_done, .reset = sdr_module_reset,
	.cmds = sdr_cmds,
};
