/* SPDX-License-Identifier: MIT */
/* Chassis netfn (00h) handlers. */
#include <errno.h>
#include <string.h>

#include "daemon/bmc.h"
#include "channels/session.h"
#include "chassis/bootopt.h"
#include "chassis/chassis.h"
#include "chassis/power.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"

static int chassis_get_capabilities(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct chassis *c = bmc->chassis;

	/* Flags (default: front panel lockout), then the FRU info, SDR, SEL
	 * and system management device addresses (default: the BMC, 20h);
	 * the bridge device address only once one was set. */
	wb_u8(rsp, c->cap_flags);
	wb_bytes(rsp, c->cap_addr, sizeof(c->cap_addr));
	if (c->cap_bridge_set)
		wb_u8(rsp, c->cap_bridge);
	return CC_OK;
}

static int chassis_set_capabilities(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct chassis *c = bmc->chassis;
	struct rbuf r = ipmi_reader(req);
	uint8_t flags = rb_u8(&r), addr[4], bridge = 0;
	bool has_bridge;

	rb_copy(&r, addr, sizeof(addr));
	has_bridge = rb_left(&r) > 0;
	if (has_bridge)
		bridge = rb_u8(&r);
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (flags & ~CHASSIS_CAP_SETTABLE_FLAGS)
		return CC_INVALID_FIELD;
	/* 8-bit slave addresses: bit 0 is the read/write bit, always 0. */
	for (size_t i = 0; i < sizeof(addr); i++)
		if (addr[i] & 1)
			return CC_INVALID_FIELD;
	if (bridge & 1)
		return CC_INVALID_FIELD;
	c->cap_flags = flags;
	memcpy(c->cap_addr, addr, sizeof(addr));
	c->cap_bridge_set = has_bridge;
	c->cap_bridge = has_bridge ? bridge : 0x20;
	chassis_save(bmc);
	log_info("chassis capabilities: flags %02x, FRU %02x, SDR %02x, SEL %02x, SM %02x", flags,
		 addr[0], addr[1], addr[2], addr[3]);
	return CC_OK;
}

static int chassis_set_cycle_interval(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct chassis *c = bmc->chassis;
	struct rbuf r = ipmi_reader(req);
	uint8_t interval = rb_u8(&r);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	c->cycle_interval_set = true;
	c->cycle_interval_s = interval;
	/* Taken by the next power cycle's wait (not one already waiting). */
	bmc->power->t.cycle_interval_ms = c->cycle_interval_s * 1000u;
	chassis_save(bmc);
	log_info("power cycle interval: %u s", c->cycle_interval_s);
	return CC_OK;
}

static int chassis_get_status(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct power *p = bmc->power;
	const struct chassis *c = bmc->chassis;
	uint8_t state = 0, last = 0;
	int on = power_host_state(p);

	/* Unknown (the backend cannot tell): an error, so that a fence agent
	 * reports a failure rather than "off". */
	if (on < 0) {
		log_debug("chassis status: host power state unknown (%d)", on);
		return CC_NOT_IN_STATE;
	}
	state |= on ? 0x01 : 0;
	state |= p->fault ? 0x10 : 0;	/* power control fault: a transition failed */
	state |= (uint8_t)(c->policy << 5);
	last |= c->ac_failed ? 0x01 : 0;
	last |= p->last_off_by_fault ? 0x08 : 0;
	last |= p->last_on_by_ipmi ? 0x10 : 0;
	wb_u8(rsp, state);
	wb_u8(rsp, last);
	/* misc: identify command and state supported, identify state */
	wb_u8(rsp, (uint8_t)(0x40 | (c->identify & 3) << 4));
	/* front panel: every button may be disabled; which are */
	wb_u8(rsp, (uint8_t)(0xf0 | (c->front_panel & 0x0f)));
	return CC_OK;
}

static int chassis_control(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf rb = ipmi_reader(req);
	uint8_t ab = rb_u8(&rb), action = ab & 0x0f;
	int r;

	if (!rb_done(&rb))
		return CC_REQ_LEN;
	if ((ab & 0xf0) || action > POWER_ACTION_SOFT)
		return CC_INVALID_FIELD;
	r = power_request(bmc->power, action, RESTART_CHASSIS_CMD);
	if (r == -EAGAIN || r == -EBUSY)
		return CC_NODE_BUSY;	/* a transition or a button press under way */
	if (r == -ENOTSUP)
		return CC_NOT_IN_STATE;
	if (r == -ENOTCONN || r == -ENODEV) {
		log_error_errno(r, "chassis control %u: the host's power state is unknown", action);
		return CC_NOT_IN_STATE;
	}
	if (r < 0) {
		log_error_errno(r, "chassis control %u", action);
		return CC_UNSPECIFIED;
	}
	bmc->chassis->restart_channel = req->channel;
	log_info("chassis control %u by user %u", action, req->session ? req->session->user_id : 0);
	return CC_OK;
}

static int identify_off(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct bmc *bmc = userdata;

	bmc->chassis->identify = 0;
	if (bmc->power->ops->identify)
		bmc->power->ops->identify(bmc->power->ctx, false);
	log_info("chassis identify: off");
	return 0;
}

int chassis_set_identify(struct bmc *bmc, unsigned interval_s, bool force)
{
	struct chassis *c = bmc->chassis;
	int ret;

	c->identify_timer = sd_event_source_disable_unref(c->identify_timer);
	c->identify = force ? 2 : interval_s ? 1 : 0;
	if (bmc->power->ops->identify)
		bmc->power->ops->identify(bmc->power->ctx, c->identify != 0);
	log_info("chassis identify: %s", force ? "on" : interval_s ? "timed" : "off");
	if (c->identify == 1) {
		ret = sd_event_add_time(bmc->ev, &c->identify_timer, CLOCK_MONOTONIC,
					bmc_now(bmc) + interval_s * 1000000ULL, 100000, identify_off, bmc);
		if (ret < 0) {
			log_error_errno(ret, "chassis identify timer");
			return ret;
		}
	}
	return 0;
}

static int chassis_identify(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	/* Both bytes are optional: 15 s, not forced. */
	unsigned interval = rb_left(&r) ? rb_u8(&r) : 15;
	uint8_t force = rb_left(&r) ? rb_u8(&r) : 0;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (force & 0xfe)
		return CC_INVALID_FIELD;
	return chassis_set_identify(bmc, interval, force) < 0 ? CC_UNSPECIFIED : CC_OK;
}

static int chassis_set_policy(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t p = rb_u8(&r);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (p > 3)
		return CC_INVALID_FIELD;
	if (p != 3 && p != bmc->chassis->policy) {
		bmc->chassis->policy = p;
		chassis_on_power_event(bmc, bmc->power->on ? POWER_EV_ON : POWER_EV_OFF, RESTART_UNKNOWN);
		log_info("power restore policy: %s",
			 p == RESTORE_ALWAYS_ON ? "always-on" : p == RESTORE_PREVIOUS ? "previous" : "always-off");
	}
	wb_u8(rsp, 0x07);	/* supported: always off, previous, always on */
	return CC_OK;
}

static int chassis_restart_cause(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	wb_u8(rsp, bmc->power->restart_cause & 0x0f);
	wb_u8(rsp, bmc->chassis->restart_channel);
	return CC_OK;
}

static int chassis_front_panel(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t en = rb_u8(&r);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (en & 0xf0)
		return CC_INVALID_FIELD;
	bmc->chassis->front_panel = en;
	chassis_on_power_event(bmc, bmc->power->on ? POWER_EV_ON : POWER_EV_OFF, RESTART_UNKNOWN);
	return CC_OK;
}

static int chassis_poh(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	wb_u8(rsp, 1);		/* minutes per count */
	wb_le32(rsp, chassis_poh_minutes(bmc));
	return CC_OK;
}

const struct ipmi_cmd chassis_cmds[] = {
	IPMI_CMD(NETFN_CHASSIS, 0x00, chassis_get_capabilities, PRIV_USER, 0, 0, 0, "Get Chassis Capabilities"),
	IPMI_CMD(NETFN_CHASSIS, 0x01, chassis_get_status, PRIV_USER, 0, 0, 0, "Get Chassis Status"),
	IPMI_CMD(NETFN_CHASSIS, 0x02, chassis_control, PRIV_OPERATOR, 1, 1, 0, "Chassis Control"),
	IPMI_CMD(NETFN_CHASSIS, 0x04, chassis_identify, PRIV_OPERATOR, 0, 2, 0, "Chassis Identify"),
	IPMI_CMD(NETFN_CHASSIS, 0x05, chassis_set_capabilities, PRIV_ADMIN, 5, 6, 0, "Set Chassis Capabilities"),
	IPMI_CMD(NETFN_CHASSIS, 0x06, chassis_set_policy, PRIV_OPERATOR, 1, 1, 0, "Set Power Restore Policy"),
	IPMI_CMD(NETFN_CHASSIS, 0x07, chassis_restart_cause, PRIV_USER, 0, 0, 0, "Get System Restart Cause"),
	IPMI_CMD(NETFN_CHASSIS, 0x08, chassis_set_boot_options, PRIV_OPERATOR, 1, 18, 0, "Set System Boot Options"),
	IPMI_CMD(NETFN_CHASSIS, 0x09, chassis_get_boot_options, PRIV_OPERATOR, 3, 3, 0, "Get System Boot Options"),
	IPMI_CMD(NETFN_CHASSIS, 0x0a, chassis_front_panel, PRIV_ADMIN, 1, 1, 0, "Set Front Panel Enables"),
	IPMI_CMD(NETFN_CHASSIS, 0x0b, chassis_set_cycle_interval, PRIV_OPERATOR, 1, 1, 0, "Set Power Cycle Interval"),
	IPMI_CMD(NETFN_CHASSIS, 0x0f, chassis_poh, PRIV_USER, 0, 0, 0, "Get POH Counter"),
	{ 0 },
};
