/* SPDX-License-Identifier: MIT */
/* App netfn (06h): device identity, GUIDs, channels, and the table. */
#include "channels/users.h"
#include "daemon/bmc.h"
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
	const struct channel *c = channel_get(&bmc->channels, ch);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if ((cb & 0xf0) || !c)
		return CC_INVALID_FIELD;
	wb_u8(rsp, ch);
	wb_u8(rsp, c->medium);
	wb_u8(rsp, c->protocol);
	wb_u8(rsp, c->sessions ? (uint8_t)(c->sessions << 6 |
					   (session_count_active(&bmc->sessions) & 0x3f)) : 0x00);
	wb_u8(rsp, IPMI_IANA & 0xff);
	wb_u8(rsp, (IPMI_IANA >> 8) & 0xff);
	wb_u8(rsp, 0);
	wb_u8(rsp, 0xff);			/* aux: no interrupt assigned */
	wb_u8(rsp, 0xff);
	return CC_OK;
}

const struct ipmi_cmd app_cmds[256] = {
	[0x01] = IPMI_CMD(app_get_device_id, PRIV_USER, 0, 0, 0, "Get Device ID"),
	[0x02] = IPMI_CMD(app_cold_reset, PRIV_ADMIN, 0, 0, 0, "Cold Reset"),
	[0x03] = IPMI_CMD(app_warm_reset, PRIV_ADMIN, 0, 0, 0, "Warm Reset"),
	[0x04] = IPMI_CMD(app_get_self_test, PRIV_USER, 0, 0, 0, "Get Self Test Results"),
	[0x06] = IPMI_CMD(acpi_cmd_set, PRIV_ADMIN, 2, 2, 0, "Set ACPI Power State"),
	[0x07] = IPMI_CMD(acpi_cmd_get, PRIV_USER, 0, 0, 0, "Get ACPI Power State"),
	[0x08] = IPMI_CMD(app_get_device_guid, PRIV_USER, 0, 0, 0, "Get Device GUID"),
	[0x22] = IPMI_CMD(watchdog_cmd_reset, PRIV_OPERATOR, 0, 0, 0, "Reset Watchdog Timer"),
	[0x24] = IPMI_CMD(watchdog_cmd_set, PRIV_OPERATOR, 6, 6, 0, "Set Watchdog Timer"),
	[0x25] = IPMI_CMD(watchdog_cmd_get, PRIV_USER, 0, 0, 0, "Get Watchdog Timer"),
	[0x2e] = IPMI_CMD(app_set_global_enables, PRIV_ADMIN, 1, 1, 0, "Set BMC Global Enables"),
	[0x2f] = IPMI_CMD(app_get_global_enables, PRIV_USER, 0, 0, 0, "Get BMC Global Enables"),
	[0x30] = IPMI_CMD(kcs_cmd_clear_msg_flags, PRIV_USER, 1, 1, CMD_F_SYSIF_ONLY, "Clear Message Flags"),
	[0x31] = IPMI_CMD(kcs_cmd_get_msg_flags, PRIV_USER, 0, 0, CMD_F_SYSIF_ONLY, "Get Message Flags"),
	[0x33] = IPMI_CMD(kcs_cmd_get_message, PRIV_USER, 0, 0, CMD_F_SYSIF_ONLY, "Get Message"),
	[0x34] = IPMI_CMD(kcs_cmd_send_message, PRIV_USER, 1, 255, 0, "Send Message"),
	[0x35] = IPMI_CMD(kcs_cmd_read_event_buffer, PRIV_USER, 0, 0, CMD_F_SYSIF_ONLY, "Read Event Message Buffer"),
	[0x37] = IPMI_CMD(app_get_system_guid, PRIV_USER, 0, 0, 0, "Get System GUID"),
	[0x38] = IPMI_CMD(lan_get_auth_caps, PRIV_NONE, 2, 2, CMD_F_LAN_ONLY, "Get Channel Authentication Capabilities"),
	[0x39] = IPMI_CMD(lan_get_session_challenge, PRIV_NONE, 17, 17, CMD_F_LAN_ONLY, "Get Session Challenge"),
	[0x3a] = IPMI_CMD(lan_activate_session, PRIV_NONE, 22, 22, CMD_F_LAN_ONLY, "Activate Session"),
	[0x3b] = IPMI_CMD(lan_set_session_priv, PRIV_CALLBACK, 1, 1, CMD_F_LAN_ONLY, "Set Session Privilege Level"),
	[0x3c] = IPMI_CMD(lan_close_session, PRIV_CALLBACK, 4, 5, CMD_F_LAN_ONLY, "Close Session"),
	[0x3d] = IPMI_CMD_LENS(lan_get_session_info, PRIV_USER, 0, "Get Session Info", 1, 2, 5),
	[0x40] = IPMI_CMD(channel_cmd_set_access, PRIV_ADMIN, 3, 3, 0, "Set Channel Access"),
	[0x41] = IPMI_CMD(channel_cmd_get_access, PRIV_USER, 2, 2, 0, "Get Channel Access"),
	[0x42] = IPMI_CMD(app_get_channel_info, PRIV_USER, 1, 1, 0, "Get Channel Info"),
	[0x43] = IPMI_CMD(users_cmd_set_access, PRIV_ADMIN, 3, 4, 0, "Set User Access"),
	[0x44] = IPMI_CMD(users_cmd_get_access, PRIV_OPERATOR, 2, 2, 0, "Get User Access"),
	[0x45] = IPMI_CMD(users_cmd_set_name, PRIV_ADMIN, 17, 17, 0, "Set User Name"),
	[0x46] = IPMI_CMD(users_cmd_get_name, PRIV_OPERATOR, 1, 1, 0, "Get User Name"),
	[0x47] = IPMI_CMD_LENS(users_cmd_set_password, PRIV_ADMIN, CMD_F_CONFIDENTIAL, "Set User Password", 2, 18, 22),
	[0x48] = IPMI_CMD(sol_cmd_activate_payload, PRIV_USER, 6, 6, CMD_F_LAN_ONLY, "Activate Payload"),
	[0x49] = IPMI_CMD(sol_cmd_deactivate_payload, PRIV_USER, 6, 6, CMD_F_LAN_ONLY, "Deactivate Payload"),
	[0x4a] = IPMI_CMD(sol_cmd_payload_status, PRIV_USER, 1, 1, 0, "Get Payload Activation Status"),
	[0x4b] = IPMI_CMD(sol_cmd_payload_instance_info, PRIV_USER, 2, 2, 0, "Get Payload Instance Info"),
	[0x4c] = IPMI_CMD(sol_cmd_set_user_payload_access, PRIV_ADMIN, 6, 6, 0, "Set User Payload Access"),
	[0x4d] = IPMI_CMD(sol_cmd_get_user_payload_access, PRIV_OPERATOR, 2, 2, 0, "Get User Payload Access"),
	[0x4e] = IPMI_CMD(sol_cmd_channel_payload_support, PRIV_USER, 1, 1, 0, "Get Channel Payload Support"),
	[0x4f] = IPMI_CMD(sol_cmd_channel_payload_version, PRIV_USER, 2, 2, 0, "Get Channel Payload Version"),
	[0x52] = IPMI_CMD(i2c_cmd_master_write_read, PRIV_OPERATOR, 3, 255, 0, "Master Write-Read"),
	[0x54] = IPMI_CMD(lan_get_cipher_suites, PRIV_NONE, 3, 3, CMD_F_LAN_ONLY, "Get Channel Cipher Suites"),
	[0x56] = IPMI_CMD(users_cmd_channel_keys, PRIV_ADMIN, 3, 255, CMD_F_CONFIDENTIAL, "Set Channel Security Keys"),
	[0x58] = IPMI_CMD(kcs_cmd_set_sysinfo, PRIV_ADMIN, 2, 18, 0, "Set System Info Parameters"),
	[0x59] = IPMI_CMD(kcs_cmd_get_sysinfo, PRIV_USER, 4, 4, 0, "Get System Info Parameters"),
};
