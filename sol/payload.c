/* SPDX-License-Identifier: MIT */
/*
 * Payload commands (App 48h..4Fh, IPMI 2.0 section 24): activation of the
 * SOL payload (type 1, one instance) on an RMCP+ session, and which users
 * may activate it.
 */
#include "channels/session.h"
#include "channels/users.h"
#include "daemon/bmc.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "lan/crypto.h"
#include "sol/sol_internal.h"

enum {				/* Activate / Deactivate Payload completion codes */
	CC_PAYLOAD_ACTIVE = 0x80,	/* activate: already active; deactivate: not active */
	CC_PAYLOAD_DISABLED = 0x81,
	CC_PAYLOAD_LIMIT = 0x82,
	CC_PAYLOAD_WITH_ENC = 0x83,	/* cannot activate with encryption */
	CC_PAYLOAD_WITHOUT_ENC = 0x84,	/* cannot activate without encryption */
};

#define CC_PAYLOAD_NOT_AVAILABLE 0x80	/* Get Channel Payload Version */

#define ACT_ENCRYPT 0x80
#define ACT_AUTHENTICATE 0x40

int sol_cmd_activate_payload(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t type = rb_u8(&r) & 0x3f, inst = rb_u8(&r) & 0x0f, aux = rb_u8(&r);
	struct sol *sol = bmc->sol;
	struct session *s = req->session;

	rb_take(&r, 3);		/* auxiliary data bytes 2-4: reserved for SOL */
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!sol)
		return CC_NOT_PRESENT;
	if (type != SOL_PAYLOAD_TYPE || inst != SOL_INSTANCE)
		return CC_INVALID_FIELD;
	if (!s || !s->v20)
		return CC_NOT_IN_STATE;		/* payloads need an RMCP+ session */
	if (!sol->cfg.enabled || !users_payload_allowed(bmc->users, s->user_id, req->channel, SOL_PAYLOAD_TYPE))
		return CC_PAYLOAD_DISABLED;
	if (req->priv < sol->cfg.priv)
		return CC_INSUFFICIENT_PRIV;
	if (sol->s)
		return CC_PAYLOAD_ACTIVE;	/* the first must deactivate, or an admin */
	if (sol->con_out) {
		log_notice("sol: activation by session %u refused: the Redfish console is open",
			   s->handle);
		return CC_PAYLOAD_ACTIVE;	/* the WebSocket console has the port */
	}
	/* The payload travels with the session's own protection: asking for
	 * more than the session has is refused, and so is a session weaker
	 * than the configuration forces. */
	if ((aux & ACT_ENCRYPT && s->conf_alg == CONF_NONE) ||
	    (aux & ACT_AUTHENTICATE && s->integ_alg == INTEG_NONE))
		return CC_PAYLOAD_WITH_ENC;
	if ((sol->cfg.force_enc && s->conf_alg == CONF_NONE) ||
	    (sol->cfg.force_auth && s->integ_alg == INTEG_NONE))
		return CC_PAYLOAD_WITHOUT_ENC;
	if (sol_activate(sol, s) < 0)
		return CC_UNSPECIFIED;
	wb_zero(rsp, 4);			/* auxiliary data */
	wb_le16(rsp, SOL_PAYLOAD_SIZE);		/* inbound: console to BMC */
	wb_le16(rsp, SOL_PAYLOAD_SIZE);		/* outbound */
	wb_le16(rsp, sol_session_port(sol, s));
	wb_le16(rsp, 0xffff);			/* no VLAN */
	return CC_OK;
}

int sol_cmd_deactivate_payload(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t type = rb_u8(&r) & 0x3f, inst = rb_u8(&r) & 0x0f;
	struct sol *sol = bmc->sol;
	struct session *old;

	rb_take(&r, 4);		/* auxiliary data: reserved for SOL */
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!sol)
		return CC_NOT_PRESENT;
	if (type != SOL_PAYLOAD_TYPE || inst != SOL_INSTANCE)
		return CC_INVALID_FIELD;
	if (!sol->s)
		return CC_PAYLOAD_ACTIVE;	/* 80h: already deactivated */
	/* Its own session may always end it; another needs administrator. */
	old = sol->s;
	if (old != req->session && req->priv < PRIV_ADMIN)
		return CC_INSUFFICIENT_PRIV;
	sol_deactivate(sol, old != req->session);
	/* A console whose payload another session took away is told (the
	 * "deactivating" packet) and its session is closed: ipmitool 1.8.19
	 * ignores the status bit and would sit "operational" for ever on a
	 * live session; with it closed, its keepalive fails and it exits. */
	if (old != req->session) {
		log_notice("sol: session %u closed: its SOL payload was deactivated by session %u",
			   old->handle, req->session ? req->session->handle : 0);
		session_free(old);
	}
	return CC_OK;
}

int sol_cmd_payload_status(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t type = rb_u8(&r) & 0x3f;
	struct sol *sol = bmc->sol;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (type != SOL_PAYLOAD_TYPE) {
		wb_u8(rsp, 0);			/* no instances */
		wb_le16(rsp, 0);
		return CC_OK;
	}
	wb_u8(rsp, SOL_INSTANCE);		/* instance capacity */
	wb_le16(rsp, sol && sol->s ? 1 : 0);	/* bit 0: instance 1 active */
	return CC_OK;
}

int sol_cmd_payload_instance_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t type = rb_u8(&r) & 0x3f, inst = rb_u8(&r) & 0x0f;
	struct sol *sol = bmc->sol;
	bool active = sol && sol->s;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (type != SOL_PAYLOAD_TYPE || inst != SOL_INSTANCE)
		return CC_INVALID_FIELD;
	wb_le32(rsp, active ? sol->sid : 0);	/* session it is active in */
	wb_u8(rsp, active ? 1 : 0);		/* serial port number */
	wb_zero(rsp, 7);
	return CC_OK;
}

int sol_cmd_set_user_payload_access(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t ch = rb_u8(&r), u = rb_u8(&r), std = rb_u8(&r);
	struct sol *sol = bmc->sol;
	uint8_t id = u & 0x3f, op = u >> 6;

	rb_take(&r, 3);		/* standard payloads 8-15, OEM payloads: none here */
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!sol)
		return CC_NOT_PRESENT;
	if (sol_channel(bmc, req, ch) < 0 || id == 0 || id > bmc->cfg.max_users || op > 1)
		return CC_INVALID_FIELD;
	if (!(std & (1 << SOL_PAYLOAD_TYPE)))
		return CC_OK;			/* no payload we know of named */
	if (users_set_payload_access(bmc->users, id, sol_channel(bmc, req, ch), USER_PAYLOAD_SOL, op == 0) < 0)
		return CC_UNSPECIFIED;
	log_info("sol: payload %s for user %u", op ? "disabled" : "enabled", id);
	return CC_OK;
}

int sol_cmd_get_user_payload_access(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t ch = rb_u8(&r), id = rb_u8(&r) & 0x3f;
	struct sol *sol = bmc->sol;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!sol)
		return CC_NOT_PRESENT;
	if (sol_channel(bmc, req, ch) < 0 || id == 0 || id > bmc->cfg.max_users)
		return CC_INVALID_FIELD;
	wb_u8(rsp, (uint8_t)(users_payload_access(bmc->users, id, sol_channel(bmc, req, ch)) & 0xfe));
	wb_u8(rsp, 0);
	wb_u8(rsp, 0);						/* OEM payloads */
	wb_u8(rsp, 0);
	return CC_OK;
}

int sol_cmd_channel_payload_support(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t ch = rb_u8(&r);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (sol_channel(bmc, req, ch) < 0)
		return CC_INVALID_FIELD;
	wb_le16(rsp, 0x0003);		/* standard: IPMI message, SOL */
	wb_le16(rsp, 0x003f);		/* session set-up: 10h..15h */
	wb_le16(rsp, 0x0000);		/* OEM 20h..27h */
	wb_le16(rsp, 0x0000);		/* reserved */
	return CC_OK;
}

int sol_cmd_channel_payload_version(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t ch = rb_u8(&r), type = rb_u8(&r);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (sol_channel(bmc, req, ch) < 0)
		return CC_INVALID_FIELD;
	if (type != 0 && type != SOL_PAYLOAD_TYPE && (type < 0x10 || type > 0x15))
		return CC_PAYLOAD_NOT_AVAILABLE;
	wb_u8(rsp, 0x10);		/* format version 1.0 */
	return CC_OK;
}
