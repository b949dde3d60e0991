/* SPDX-License-Identifier: MIT */
/* App netfn (06h): device identity, GUIDs, channels, and the table. */
#include "channels/users.h"
#include "daemon/bmc.h"
#include "channels/session.h"
#include "daemon/ipmi.h"
#include "chassis/watchdog.h"
#include "daemon/log.h"
#include "lan/lancmds.h"
#include "sol/sol.h"
#include "kcs/kcs.h"
#include "i2c/master.h"

#define IPMI_IANA 7154u		/* 1BF2h: the IPMI forum, for channel info */

static int app_get_device_id(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct cfg_identity *id = &bmc->cfg.identity;

	wb_u8(rsp, id->device_id);
	wb_u8(rsp, id->device_revision & 0x0f);
	wb_u8(rsp, id->fw_major & 0x7f);	/* bit 7 clear: device available */
	wb_u8(rsp, (uint8_t)((id->fw_minor / 10) << 4 | id->fw_minor % 10));
	wb_u8(rsp, 0x02);			/* IPMI 2.0 */
	wb_u8(rsp, BMC_DEVICE_SUPPORT);
	wb_u8(rsp, id->manufacturer_id & 0xff);
	wb_u8(rsp, (id->manufacturer_id >> 8) & 0xff);
	wb_u8(rsp, (id->manufacturer_id >> 16) & 0x0f);
	wb_le16(rsp, id->product_id);
	wb_bytes(rsp, id->aux, sizeof(id->aux));
	return CC_OK;
}

static int app_cold_reset(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	bmc_schedule_reset(bmc, true);
	return CC_OK;
}

static int app_warm_reset(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	bmc_schedule_reset(bmc, false);
	return CC_OK;
}

static int app_get_self_test(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	wb_u8(rsp, 0x55);	/* no error */
	wb_u8(rsp, 0x00);
	return CC_OK;
}

static int app_get_device_guid(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	wb_bytes(rsp, bmc->device_guid, 16);
	return CC_OK;
}

static int app_get_system_guid(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	wb_bytes(rsp, bmc->system_guid, 16);
	return CC_OK;
}

static int app_set_global_enables(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t en = rb_u8(&r);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (en & 0x10)	/* reserved */
		return CC_INVALID_FIELD;
	bmc->global_enables = en;
	kcs_global_enables_changed(bmc->kcs);
	return CC_OK;
}

static int app_get_global_enables(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	wb_u8(rsp, bmc->global_enables);
	return CC_OK;
}

static int app_get_channel_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t cb = rb_u8(&r);
	uint8_t ch = ipmi_req_channel(req, cb);
	const struct channel *c = channel_get(bmc->channels, ch);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if ((cb & 0xf0) || !c)
		return CC_INVALID_FIELD;
	wb_u8(rsp, ch);
	wb_u8(rsp, c->medium);
	wb_u8(rsp, c->protocol);
	wb_u8(rsp, c->sessions ? (uint8_t)(c->sessions << 6 |
					   (session_count_active(bmc->sessions) & 0x3f)) : 0x00);
	wb_u8(rsp, IPMI_IANA & 0xff);
	wb_u8(rsp, (IPMI_IANA >> 8) & 0xff);
	wb_u8(rsp, 0);
	wb_u8(rsp, 0xff);			/* aux: no interrupt assigned */
	wb_u8(rsp, 0xff);
	return CC_OK;
}

const struct ipmi_cmd identity_cmds[] = {
	IPMI_CMD(NETFN_APP, 0x01, app_get_device_id, PRIV_USER, 0, 0, 0, "Get Device ID"),
	IPMI_CMD(NETFN_APP, 0x02, app_cold_reset, PRIV_ADMIN, 0, 0, 0, "Cold Reset"),
	IPMI_CMD(NETFN_APP, 0x03, app_warm_reset, PRIV_ADMIN, 0, 0, 0, "Warm Reset"),
	IPMI_CMD(NETFN_APP, 0x04, app_get_self_test, PRIV_USER, 0, 0, 0, "Get Self Test Results"),
	IPMI_CMD(NETFN_APP, 0x08, app_get_device_guid, PRIV_USER, 0, 0, 0, "Get Device GUID"),
	IPMI_CMD(NETFN_APP, 0x2e, app_set_global_enables, PRIV_ADMIN, 1, 1, 0, "Set BMC Global Enables"),
	IPMI_CMD(NETFN_APP, 0x2f, app_get_global_enables, PRIV_USER, 0, 0, 0, "Get BMC Global Enables"),
	IPMI_CMD(NETFN_APP, 0x37, app_get_system_guid, PRIV_USER, 0, 0, 0, "Get System GUID"),
	{ 0 },
};

const struct ipmi_cmd channels_cmds[] = {
	IPMI_CMD(NETFN_APP, 0x40, channel_cmd_set_access, PRIV_ADMIN, 3, 3, 0, "Set Channel Access"),
	IPMI_CMD(NETFN_APP, 0x41, channel_cmd_get_access, PRIV_USER, 2, 2, 0, "Get Channel Access"),
	IPMI_CMD(NETFN_APP, 0x42, app_get_channel_info, PRIV_USER, 1, 1, 0, "Get Channel Info"),
	{ 0 },
};
