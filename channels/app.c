/* SPDX-License-Identifier: MIT */
/* App netfn (06h): device identity, GUIDs, channels, and the table. */
#include "daemon/bmc.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "lan/lancmds.h"

#define IPMI_IANA 7154u		/* 1BF2h: the IPMI forum, for channel info */

static int app_get_device_id(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct cfg_identity *id = &bmc->cfg.identity;

	wb_u8(rsp, id->device_id);
	wb_u8(rsp, id->device_revision & 0x0f);
	wb_u8(rsp, id->fw_major & 0x7f);	/* bit 7 clear: device available */
	wb_u8(rsp, (uint8_t)((id->fw_minor / 10) << 4 | id->fw_minor % 10));
	wb_u8(rsp, 0x02);			/* IPMI 2.0 */
	wb_u8(rsp, 0x80);			/* chassis device */
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
	if (req->data[0] & 0x10)	/* reserved */
		return CC_INVALID_FIELD;
	bmc->global_enables = req->data[0];
	return CC_OK;
}

static int app_get_global_enables(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	wb_u8(rsp, bmc->global_enables);
	return CC_OK;
}

/* Channels this BMC has: the LAN channel and the system interface. */
static bool channel_exists(const struct bmc *bmc, uint8_t ch)
{
	return ch == bmc->cfg.lan.channel || ch == IPMI_CHANNEL_SYSIF;
}

static int app_get_channel_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	uint8_t ch = ipmi_req_channel(req, req->data[0]);
	bool lan = ch == bmc->cfg.lan.channel;

	if ((req->data[0] & 0xf0) || !channel_exists(bmc, ch))
		return CC_INVALID_FIELD;
	wb_u8(rsp, ch);
	wb_u8(rsp, lan ? 0x04 : 0x0c);		/* 802.3 LAN / system interface */
	wb_u8(rsp, lan ? 0x01 : 0x05);		/* IPMB-1.0 / KCS */
	wb_u8(rsp, lan ? (uint8_t)(0x80 | (session_count_active(&bmc->sessions) & 0x3f)) : 0x00);
	wb_u8(rsp, IPMI_IANA & 0xff);
	wb_u8(rsp, (IPMI_IANA >> 8) & 0xff);
	wb_u8(rsp, 0);
	wb_u8(rsp, 0xff);			/* aux: no interrupt assigned */
	wb_u8(rsp, 0xff);
	return CC_OK;
}

static int app_get_channel_access(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	uint8_t ch = ipmi_req_channel(req, req->data[0]);
	uint8_t which = req->data[1] >> 6;

	if ((req->data[0] & 0xf0) || (req->data[1] & 0x3f) || which == 0 || which == 3)
		return CC_INVALID_FIELD;
	if (!channel_exists(bmc, ch))
		return CC_INVALID_FIELD;
	if (ch == IPMI_CHANNEL_SYSIF)
		return 0x82;	/* session-less channel: access not settable */
	/* Alerting disabled; per-message and user-level auth enabled; always available. */
	wb_u8(rsp, 0x20 | 0x02);
	wb_u8(rsp, PRIV_ADMIN);
	return CC_OK;
}

const struct ipmi_cmd app_cmds[256] = {
	[0x01] = IPMI_CMD(app_get_device_id, PRIV_USER, 0, 0, 0, "Get Device ID"),
	[0x02] = IPMI_CMD(app_cold_reset, PRIV_ADMIN, 0, 0, 0, "Cold Reset"),
	[0x03] = IPMI_CMD(app_warm_reset, PRIV_ADMIN, 0, 0, 0, "Warm Reset"),
	[0x04] = IPMI_CMD(app_get_self_test, PRIV_USER, 0, 0, 0, "Get Self Test Results"),
	[0x08] = IPMI_CMD(app_get_device_guid, PRIV_USER, 0, 0, 0, "Get Device GUID"),
	[0x2e] = IPMI_CMD(app_set_global_enables, PRIV_ADMIN, 1, 1, 0, "Set BMC Global Enables"),
	[0x2f] = IPMI_CMD(app_get_global_enables, PRIV_USER, 0, 0, 0, "Get BMC Global Enables"),
	[0x37] = IPMI_CMD(app_get_system_guid, PRIV_USER, 0, 0, 0, "Get System GUID"),
	[0x38] = IPMI_CMD(lan_get_auth_caps, PRIV_NONE, 2, 2, CMD_F_LAN_ONLY, "Get Channel Authentication Capabilities"),
	[0x39] = IPMI_CMD(lan_get_session_challenge, PRIV_NONE, 17, 17, CMD_F_LAN_ONLY, "Get Session Challenge"),
	[0x3a] = IPMI_CMD(lan_activate_session, PRIV_NONE, 22, 22, CMD_F_LAN_ONLY, "Activate Session"),
	[0x3b] = IPMI_CMD(lan_set_session_priv, PRIV_CALLBACK, 1, 1, CMD_F_LAN_ONLY, "Set Session Privilege Level"),
	[0x3c] = IPMI_CMD(lan_close_session, PRIV_CALLBACK, 4, 5, CMD_F_LAN_ONLY, "Close Session"),
	[0x3d] = IPMI_CMD(lan_get_session_info, PRIV_USER, 1, 5, 0, "Get Session Info"),
	[0x41] = IPMI_CMD(app_get_channel_access, PRIV_USER, 2, 2, 0, "Get Channel Access"),
	[0x42] = IPMI_CMD(app_get_channel_info, PRIV_USER, 1, 1, 0, "Get Channel Info"),
	[0x54] = IPMI_CMD(lan_get_cipher_suites, PRIV_NONE, 3, 3, CMD_F_LAN_ONLY, "Get Channel Cipher Suites"),
};
