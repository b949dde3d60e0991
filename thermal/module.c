/* SPDX-License-Identifier: MIT */
/*
 * The thermal module: its board section, its loop and the operator's fan
 * commands (OEM netfn 30h, shaped like the Supermicro fan mode and duty
 * commands operators already script; docs/thermal.md has the bytes).
 */
#include "channels/users_cfg.h"
#include "daemon/bmc.h"
#include "daemon/buf.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "daemon/module.h"
#include "thermal/thermal.h"

#define NETFN_OEM_FAN 0x30
#define CMD_FAN_MODE 0x45
#define CMD_FAN_DUTY 0x70
#define DUTY_SUB 0x66

enum { FAN_MODE_AUTO = 0x00, FAN_MODE_FULL = 0x01, FAN_MODE_OPTIMAL = 0x02, FAN_MODE_MANUAL = 0x03,
       FAN_MODE_HEAVY_IO = 0x04 };

static bool any_manual(const struct thermal *t)
{
	for (unsigned i = 0; i < t->n_zones; i++)
		if (t->zones[i].manual)
			return true;
	return false;
}

/* 45h: [00h] get the mode; [01h, mode] set it (operator). */
static int cmd_fan_mode(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct thermal *t = bmc->thermal;
	struct rbuf r = ipmi_reader(req);
	uint8_t op = rb_u8(&r), mode = 0;

	if (op == 0x01)
		mode = rb_u8(&r);
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!t->n_zones)
		return CC_INVALID_CMD;
	if (op == 0x00) {
		wb_u8(rsp, t->full ? FAN_MODE_FULL : any_manual(t) ? FAN_MODE_MANUAL : FAN_MODE_AUTO);
		return CC_OK;
	}
	if (op != 0x01)
		return CC_INVALID_FIELD;
	if (req->priv < PRIV_OPERATOR)
		return CC_INSUFFICIENT_PRIV;
	switch (mode) {
	case FAN_MODE_AUTO:
	case FAN_MODE_OPTIMAL:
	case FAN_MODE_HEAVY_IO:		/* every automatic profile is the board's */
		thermal_set_mode(t, THERMAL_AUTO, "IPMI");
		return CC_OK;
	case FAN_MODE_FULL:
		thermal_set_mode(t, THERMAL_FULL, "IPMI");
		return CC_OK;
	}
	return CC_INVALID_FIELD;
}

/* 70h: [66h, 00h, zone] get the zone's duty; [66h, 01h, zone, duty]
 * set it (manual, operator). */
static int cmd_fan_duty(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct thermal *t = bmc->thermal;
	struct rbuf r = ipmi_reader(req);
	uint8_t sub = rb_u8(&r), op = rb_u8(&r), zone = rb_u8(&r), duty = 0;

	if (op == 0x01)
		duty = rb_u8(&r);
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!t->n_zones)
		return CC_INVALID_CMD;
	if (sub != DUTY_SUB || op > 0x01)
		return CC_INVALID_FIELD;
	if (zone >= t->n_zones)
		return CC_PARAM_OUT_OF_RANGE;
	if (op == 0x00) {
		wb_u8(rsp, (uint8_t)(t->zones[zone].duty + 0.5));
		return CC_OK;
	}
	if (req->priv < PRIV_OPERATOR)
		return CC_INSUFFICIENT_PRIV;
	if (duty > 100)
		return CC_PARAM_OUT_OF_RANGE;
	thermal_set_duty(t, zone, duty, "IPMI");
	return CC_OK;
}

static const struct ipmi_cmd thermal_cmds[] = {
	IPMI_CMD(NETFN_OEM_FAN, CMD_FAN_MODE, cmd_fan_mode, PRIV_USER, 1, 2, 0, "Fan Mode"),
	IPMI_CMD(NETFN_OEM_FAN, CMD_FAN_DUTY, cmd_fan_duty, PRIV_USER, 3, 4, 0, "Fan Duty"),
	{ 0 },
};

static int thermal_module_init(struct bmc *bmc)
{
	return thermal_init(bmc->thermal, bmc);
}

MODULE_HOOK(thermal_module_done, thermal_done(bmc->thermal))
MODULE_COLD_RESET(thermal_module_reset, thermal_reset_volatile(bmc->thermal))

static const char *const thermal_keys[] = { "thermal", NULL };

const struct bmc_module thermal_module = {
	.name = "thermal", .keys = thermal_keys,
	.defaults = thermal_defaults, .parse = thermal_parse_config, .check = thermal_check_config,
	MODULE_PART(thermal), .init = thermal_module_init,
	.done = thermal_module_done, .reset = thermal_module_reset,
	.cmds = thermal_cmds,
};
