/* SPDX-License-Identifier: MIT */
/* Chassis netfn (00h) handlers. */
#include <errno.h>

#include "daemon/bmc.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"

static int chassis_get_status(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct power *p = &bmc->power;
	uint8_t policy = bmc->cfg.host.initially_on ? 0x2 : 0x0;	/* always on / always off */
	uint8_t state = 0, last = 0;

	state |= p->on ? 0x01 : 0;
	state |= p->fault ? 0x08 : 0;
	state |= policy << 5;
	last |= p->last_on_by_ipmi ? 0x10 : 0;
	last |= p->last_off_by_fault ? 0x08 : 0;
	wb_u8(rsp, state);
	wb_u8(rsp, last);
	wb_u8(rsp, 0x00);	/* misc: no intrusion, identify not supported yet */
	return CC_OK;
}

static int chassis_control(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	uint8_t action = req->data[0] & 0x0f;
	int r;

	if ((req->data[0] & 0xf0) || action > POWER_ACTION_SOFT)
		return CC_INVALID_FIELD;
	r = power_request(&bmc->power, action, RESTART_CHASSIS_CMD);
	if (r == -EAGAIN)
		return CC_NODE_BUSY;
	if (r == -ENOTSUP)
		return CC_NOT_IN_STATE;
	if (r < 0) {
		log_error_errno(r, "chassis control %u", action);
		return CC_UNSPECIFIED;
	}
	log_info("chassis control %u by user %u", action, req->session ? req->session->user_id : 0);
	return CC_OK;
}

const struct ipmi_cmd chassis_cmds[256] = {
	[0x01] = IPMI_CMD(chassis_get_status, PRIV_USER, 0, 0, 0, "Get Chassis Status"),
	[0x02] = IPMI_CMD(chassis_control, PRIV_OPERATOR, 1, 1, 0, "Chassis Control"),
};
