/* SPDX-License-Identifier: MIT */
#include "channels/session.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "daemon/module.h"

const struct ipmi_cmd *ipmi_find(const struct ipmi_cmd *list, uint8_t netfn, uint8_t cmd)
{
	for (const struct ipmi_cmd *c = list; c && c->fn; c++)
		if (c->netfn == netfn && c->cmd == cmd)
			return c;
	return NULL;
}

const struct ipmi_cmd *ipmi_lookup(uint8_t netfn, uint8_t cmd)
{
	for (const struct bmc_module *const *m = bmc_modules; *m; m++) {
		const struct ipmi_cmd *c = ipmi_find((*m)->cmds, netfn, cmd);

		if (c)
			return c;
	}
	return NULL;
}

const char *ipmi_netfn_name(uint8_t netfn)
{
	switch (netfn & 0xfe) {
	case NETFN_CHASSIS: return "chassis";
	case NETFN_BRIDGE: return "bridge";
	case NETFN_SENSOR: return "sensor/event";
	case NETFN_APP: return "app";
	case NETFN_FIRMWARE: return "firmware";
	case NETFN_STORAGE: return "storage";
	case NETFN_TRANSPORT: return "transport";
	case NETFN_GROUP: return "group extension";
	case NETFN_OEM: return "oem";
	}
	return "other";
}

const char *ipmi_priv_name(enum ipmi_priv priv)
{
	switch (priv) {
	case PRIV_NONE: return "none";
	case PRIV_CALLBACK: return "callback";
	case PRIV_USER: return "user";
	case PRIV_OPERATOR: return "operator";
	case PRIV_ADMIN: return "administrator";
	case PRIV_OEM: return "oem";
	case PRIV_NO_ACCESS: return "no access";
	}
	return "invalid";
}

/* A command with a list of exact lengths takes only those. */
static bool ipmi_len_listed(const struct ipmi_cmd *c, size_t len)
{
	if (!c->lens[0])
		return true;
	for (size_t i = 0; i < sizeof(c->lens) && c->lens[i]; i++)
		if (c->lens[i] == len)
			return true;
	return false;
}

uint8_t ipmi_dispatch(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct ipmi_cmd *c;
	int r;

	rsp->len = 0;
	rsp->err = false;

	if (req->lun != 0 || (req->netfn & 1))
		return CC_INVALID_CMD_LUN;
	c = ipmi_lookup(req->netfn, req->cmd);
	if (!c || ((c->flags & CMD_F_LAN_ONLY) && req->channel == IPMI_CHANNEL_SYSIF) ||
	    ((c->flags & CMD_F_SYSIF_ONLY) && req->channel != IPMI_CHANNEL_SYSIF))
		return CC_INVALID_CMD;
	if (req->priv < c->priv)
		return CC_INSUFFICIENT_PRIV;
	/* Passwords and keys never cross the LAN in clear: an IPMI 1.5
	 * session, or RMCP+ without confidentiality, may not send them.
	 * In-band (no session) is fine. */
	if ((c->flags & CMD_F_CONFIDENTIAL) && req->session && !session_confidential(req->session)) {
		log_notice("%s (%02x:%02x) refused on session %u: it carries secrets and the "
			   "session is not encrypted", c->name, req->netfn, req->cmd,
			   req->session->handle);
		return CC_NOT_IN_STATE;
	}
	if (req->len < c->min_len || req->len > c->max_len || !ipmi_len_listed(c, req->len))
		return CC_REQ_LEN;

	r = c->fn(bmc, req, rsp);
	if (!wb_ok(rsp)) {
		log_error("%s: response does not fit (%02x:%02x)", c->name, req->netfn, req->cmd);
		rsp->len = 0;
		return CC_CANT_RETURN_BYTES;
	}
	if ((r & 0xff) != CC_OK && !(r & CC_KEEP_DATA))
		rsp->len = 0;
	log_debug("%s (%02x:%02x) len %zu priv %s -> %02x", c->name, req->netfn, req->cmd,
		  req->len, ipmi_priv_name(req->priv), r & 0xff);
	return r & 0xff;
}

uint8_t ipmi_checksum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return (uint8_t)-s;
}
