/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "channels/users.h"
#include "daemon/bmc.h"
#include "channels/lanconfig.h"
#include "daemon/log.h"
#include "lan/crypto.h"
#include "lan/lan_internal.h"
#include "lan/lancmds.h"

/* Cipher suites we implement: {id, auth, integrity, confidentiality}. */
static const uint8_t suites[][4] = {
	{ 0, AUTH_RAKP_NONE, INTEG_NONE, CONF_NONE },
	{ 1, AUTH_RAKP_HMAC_SHA1, INTEG_NONE, CONF_NONE },
	{ 2, AUTH_RAKP_HMAC_SHA1, INTEG_HMAC_SHA1_96, CONF_NONE },
	{ 3, AUTH_RAKP_HMAC_SHA1, INTEG_HMAC_SHA1_96, CONF_AES_CBC_128 },
	{ 6, AUTH_RAKP_HMAC_MD5, INTEG_NONE, CONF_NONE },
	{ 7, AUTH_RAKP_HMAC_MD5, INTEG_HMAC_MD5_128, CONF_NONE },
	{ 8, AUTH_RAKP_HMAC_MD5, INTEG_HMAC_MD5_128, CONF_AES_CBC_128 },
	{ 11, AUTH_RAKP_HMAC_MD5, INTEG_MD5_128, CONF_NONE },
	{ 12, AUTH_RAKP_HMAC_MD5, INTEG_MD5_128, CONF_AES_CBC_128 },
	{ 15, AUTH_RAKP_HMAC_SHA256, INTEG_NONE, CONF_NONE },
	{ 16, AUTH_RAKP_HMAC_SHA256, INTEG_HMAC_SHA256_128, CONF_NONE },
	{ 17, AUTH_RAKP_HMAC_SHA256, INTEG_HMAC_SHA256_128, CONF_AES_CBC_128 },
};

int cipher_suite_match(uint32_t enabled, uint8_t auth, uint8_t integ, uint8_t conf)
{
	/* 0xff is a wildcard (a null algorithm payload).  Prefer the
	 * strongest: walk from the end. */
	for (int i = (int)(sizeof(suites) / sizeof(suites[0])) - 1; i >= 0; i--) {
		const uint8_t *c = suites[i];

		if (!(enabled & (1u << c[0])))
			continue;
		if ((auth == 0xff || auth == c[1]) && (integ == 0xff || integ == c[2]) &&
		    (conf == 0xff || conf == c[3]))
			return c[0] << 24 | c[1] << 16 | c[2] << 8 | c[3];
	}
	return -1;
}

int cipher_suite_by_id(uint8_t id)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i][0] == id)
			return suites[i][0] << 24 | suites[i][1] << 16 | suites[i][2] << 8 | suites[i][3];
	return -1;
}

uint8_t ipmi_req_channel(const struct ipmi_req *req, uint8_t field)
{
	field &= 0x0f;
	return field == IPMI_CHANNEL_CURRENT ? req->channel : field;
}

static struct lan_pkt *req_pkt(const struct ipmi_req *req)
{
	/* Only LAN requests reach these handlers (CMD_F_LAN_ONLY). */
	return req->xport;
}

int lan_get_auth_caps(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct cfg_lan *l = &bmc->cfg.lan;
	struct rbuf r = ipmi_reader(req);
	uint8_t cb = rb_u8(&r), pb = rb_u8(&r);
	bool v2 = cb & 0x80;
	uint8_t ch = ipmi_req_channel(req, cb);
	uint8_t priv = pb & 0x0f;
	const struct channel *c = channel_get(bmc->channels, ch);
	uint8_t types = 0, status = 0;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if ((cb & 0x70) || (pb & 0xf0) || priv == 0 || priv > PRIV_OEM)
		return CC_INVALID_FIELD;
	if (ch != l->channel || !c)
		return CC_INVALID_FIELD;

	/* The IPMI 1.5 types enabled (LAN parameter 2) at the level asked. */
	types = lanconf_auth_enables(bmc, priv) &
		(1 << AUTHTYPE_NONE | 1 << AUTHTYPE_MD5 | 1 << AUTHTYPE_PASSWORD);
	status |= users_kg(bmc->users) ? 0x20 : 0;
	status |= c->vol.per_msg_auth_off ? 0x10 : 0;
	status |= c->vol.user_auth_off ? 0x08 : 0;
	/* Non-null names, null name with a password, anonymous. */
	status |= users_auth_status(bmc->users, ch);

	wb_u8(rsp, ch);
	wb_u8(rsp, types | (v2 ? 0x80 : 0));
	wb_u8(rsp, status);
	wb_u8(rsp, v2 ? 0x03 : 0x00);	/* IPMI 2.0 and 1.5 connections */
	wb_u8(rsp, 0);			/* OEM ID */
	wb_u8(rsp, 0);
	wb_u8(rsp, 0);
	wb_u8(rsp, 0);			/* OEM aux */
	return CC_OK;
}

/* Whether IPMI 1.5 auth type 'at' is enabled (LAN parameter 2, which only
 * holds types the board allows) at privilege level priv, or at any level
 * for priv PRIV_NONE. */
static bool v15_enabled(const struct bmc *bmc, uint8_t at, enum ipmi_priv priv)
{
	uint8_t mask = 0;

	if (at != AUTHTYPE_NONE && at != AUTHTYPE_MD5 && at != AUTHTYPE_PASSWORD)
		return false;
	if (priv != PRIV_NONE)
		mask = lanconf_auth_enables(bmc, priv);
	else
		for (uint8_t p = PRIV_CALLBACK; p <= PRIV_OEM; p++)
			mask |= lanconf_auth_enables(bmc, p);
	return mask & (1u << at);
}

int lan_get_session_challenge(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct lan_pkt *pkt = req_pkt(req);
	struct rbuf r = ipmi_reader(req);
	uint8_t ab = rb_u8(&r), at = ab & 0x0f;
	uint8_t name[CFG_NAME_MAX];
	struct session *s;
	size_t ulen;
	uint8_t uid;

	rb_copy(&r, name, sizeof(name));
	if (!rb_done(&r))
		return CC_REQ_LEN;
	ulen = strnlen((const char *)name, sizeof(name));
	if ((ab & 0xf0) || !v15_enabled(bmc, at, PRIV_NONE))
		return CC_INVALID_FIELD;
	if (!channel_accepts_sessions(bmc, req->channel)) {
		log_info("lan: session challenge refused: channel %u is disabled", req->channel);
		return CC_SUBFUNCTION_DISABLED;
	}
	uid = lan_find_user(pkt->lan, name, ulen);
	/* A password past 16 bytes cannot be used by IPMI 1.5. */
	if (uid && users_key_needs_v20(bmc->users, uid))
		uid = 0;
	if (!uid) {
		lan_log_refused_user(pkt, name, ulen, req->channel);
		return ulen ? 0x81 : 0x82;	/* invalid user name / null user disabled */
	}
	if (!lan_half_open_room(pkt))
		return CC_OUT_OF_SPACE;
	s = session_new(bmc->sessions, SESS_CHALLENGE, bmc_now(bmc));
	if (!s)
		return CC_OUT_OF_SPACE;
	s->channel = req->channel;
	s->authtype = at;
	s->user_id = uid;
	memcpy(s->user, name, ulen);
	s->ulen = (uint8_t)ulen;
	s->peer = pkt->peer;
	s->peerlen = pkt->peerlen;
	s->lan_sock = pkt->sock;
	if (crypto_random(s->challenge, sizeof(s->challenge)) < 0) {
		session_free(s);
		return CC_UNSPECIFIED;
	}
	wb_le32(rsp, s->bmc_sid);
	wb_bytes(rsp, s->challenge, sizeof(s->challenge));
	return CC_OK;
}

int lan_activate_session(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct session *s = req->session;
	struct rbuf r = ipmi_reader(req);
	uint8_t at = rb_u8(&r) & 0x0f, wb = rb_u8(&r), want = wb & 0x0f;
	const uint8_t *challenge = rb_take(&r, sizeof(s->challenge));
	uint32_t out_seq = rb_le32(&r), in_seq;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!s || s->state != SESS_CHALLENGE)
		return 0x85;	/* invalid session ID */
	if (at != s->authtype || (wb & 0xf0) || want == 0 || want > PRIV_OEM)
		return CC_INVALID_FIELD;
	if (!crypto_equal(s->challenge, challenge, sizeof(s->challenge)))
		return CC_INVALID_FIELD;
	if (want > lan_user_priv(req_pkt(req)->lan, s->user_id) || want > PRIV_ADMIN)
		return 0x86;	/* exceeds user or channel limit */
	if (!v15_enabled(bmc, at, want)) {
		log_info("lan: IPMI 1.5 activate session refused: auth type %u is not enabled at %s "
			 "privilege (LAN parameter 2)", at, ipmi_priv_name(want));
		return CC_INVALID_FIELD;
	}
	if (out_seq == 0)
		return 0x84;
	if (lan_user_sessions_full(req_pkt(req)->lan, s))
		return 0x82;	/* no slot available for this user (its session limit) */
	if (lan_slot_kept_for_admin(req_pkt(req)->lan, s))
		return 0x83;	/* no slot available to support the user's maximum privilege */
	do {
		if (crypto_random(&in_seq, sizeof(in_seq)) < 0)
			return CC_UNSPECIFIED;
	} while (in_seq == 0);

	s->state = SESS_ACTIVE;
	s->max_priv = want;
	s->priv = want < PRIV_USER ? want : PRIV_USER;
	s->out_seq = out_seq - 1;
	s->in = (struct seq_window){ .last = in_seq - 1, .seen = 1, .started = true };
	char peer[64];
	users_login_ok(bmc->users, s->user_id, s->channel, lan_peer_text(&s->peer, peer), "IPMI 1.5");
	log_info("lan: IPMI 1.5 session %u (%08x) opened for user %u from %s, max privilege %s",
		 s->handle, s->bmc_sid, s->user_id, lan_peer_text(&s->peer, peer), ipmi_priv_name(want));

	wb_u8(rsp, at);
	wb_le32(rsp, s->bmc_sid);
	wb_le32(rsp, in_seq);
	wb_u8(rsp, want);
	return CC_OK;
}

int lan_set_session_priv(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct session *s = req->session;
	struct rbuf r = ipmi_reader(req);
	uint8_t want = rb_u8(&r);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (want > PRIV_OEM)
		return CC_INVALID_FIELD;
	if (want == PRIV_CALLBACK)
		return CC_INVALID_FIELD;	/* a session cannot drop to callback */
	if (want != 0) {
		if (want > users_priv_limit(bmc->users, s->user_id, s->channel) || want > PRIV_ADMIN)
			return 0x81;	/* exceeds channel and/or user limit */
		if (want > s->max_priv)
			return 0x80;	/* not available for this user (session) */
		s->priv = want;
	}
	wb_u8(rsp, s->priv);
	return CC_OK;
}

int lan_close_session(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint32_t sid = rb_le32(&r);
	/* The handle is optional; it is needed only when the ID is 0. */
	bool has_handle = rb_left(&r) == 1;
	uint8_t handle = has_handle ? rb_u8(&r) : 0;
	struct session *s;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (sid == 0) {
		if (!has_handle)
			return CC_REQ_LEN;
		s = session_by_handle(bmc->sessions, handle);
		if (!s)
			return 0x88;	/* invalid session handle */
	} else {
		s = session_by_id(bmc->sessions, sid);
		if (!s)
			return 0x87;	/* invalid session ID */
	}
	if (s == req->session) {
		s->state = SESS_CLOSING;	/* freed once this reply is sent */
		return CC_OK;
	}
	/* Closing somebody else's session takes an administrator. */
	if (req->priv < PRIV_ADMIN)
		return CC_INSUFFICIENT_PRIV;
	log_info("lan: session %u closed by session %u", s->handle, req->session->handle);
	session_free(s);
	return CC_OK;
}

int lan_get_session_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t idx = rb_u8(&r);
	struct session *s;

	/* The table allows 1, 2 or 5 bytes; which one depends on the index. */
	switch (idx) {
	case 0x00:
		if (!rb_done(&r))
			return CC_REQ_LEN;
		s = req->session;
		break;
	case 0xfe:
		s = session_by_handle(bmc->sessions, rb_u8(&r));
		if (!rb_done(&r))
			return CC_REQ_LEN;
		break;
	case 0xff:
		s = session_by_id(bmc->sessions, rb_le32(&r));
		if (!rb_done(&r))
			return CC_REQ_LEN;
		break;
	default:
		if (!rb_done(&r))
			return CC_REQ_LEN;
		/* Nth active session */
		s = NULL;
		for (unsigned i = 0, n = 0; i < bmc->sessions->max && !s; i++)
			if (bmc->sessions->s[i].state == SESS_ACTIVE && ++n == idx)
				s = &bmc->sessions->s[i];
		break;
	}
	if (s && s->state != SESS_ACTIVE)
		s = NULL;
	wb_u8(rsp, s ? s->handle : 0);
	wb_u8(rsp, (uint8_t)bmc->sessions->max & 0x3f);
	wb_u8(rsp, (uint8_t)session_count_active(bmc->sessions) & 0x3f);
	if (!s)
		return CC_OK;
	wb_u8(rsp, s->user_id & 0x3f);
	wb_u8(rsp, s->priv & 0x0f);
	wb_u8(rsp, (uint8_t)((s->v20 ? 0x10 : 0x00) | (s->channel & 0x0f)));
	if (s->peer.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&s->peer;

		wb_bytes(rsp, &in->sin_addr, 4);
		wb_zero(rsp, 6);	/* MAC: not known for a routed peer */
		wb_le16(rsp, ntohs(in->sin_port));
	} else {
		wb_zero(rsp, 4);
		wb_zero(rsp, 6);
		wb_le16(rsp, ntohs(((const struct sockaddr_in6 *)&s->peer)->sin6_port));
	}
	return CC_OK;
}

int lan_get_cipher_suites(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t cb = rb_u8(&r), pb = rb_u8(&r), ib = rb_u8(&r);
	uint8_t ch = ipmi_req_channel(req, cb);
	uint8_t ptype = pb & 0x3f, idx = ib & 0x3f;
	bool by_suite = ib & 0x80;
	uint8_t recs[sizeof(suites) / sizeof(suites[0]) * 5];
	struct wbuf w = wb_init(recs, sizeof(recs));
	size_t off;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if ((cb & 0xf0) || (ib & 0x40) || ch != bmc->cfg.lan.channel)
		return CC_INVALID_FIELD;
	wb_u8(rsp, ch);
	if (ptype != 0x00 && ptype != 0x01)
		return CC_OK;	/* no algorithms for other payloads */
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		const uint8_t *c = suites[i];

		if (!(bmc->cfg.lan.cipher_suites & (1u << c[0])))
			continue;
		if (by_suite) {
			wb_u8(&w, 0xc0);
			wb_u8(&w, c[0]);
		}
		wb_u8(&w, c[1]);
		wb_u8(&w, 0x40 | c[2]);
		wb_u8(&w, 0x80 | c[3]);
	}
	off = (size_t)idx * 16;
	if (off < w.len)
		wb_bytes(rsp, recs + off, w.len - off < 16 ? w.len - off : 16);
	return CC_OK;
}

/* Get IP/UDP/RMCP Statistics (Transport 04h): channel, clear flag (bit 0).
 * Nine 16-bit counters, LS byte first; with the flag, all are cleared
 * after this reply reports them. */
int lan_get_statistics(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t cb = rb_u8(&r), flags = rb_u8(&r);
	uint8_t ch = ipmi_req_channel(req, cb);
	struct lan_stats st = { .rx = 0, .tx = 0, .rmcp_valid = 0 };

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if ((cb & 0xf0) || (flags & 0xfe) || ch != bmc->cfg.lan.channel)
		return CC_INVALID_FIELD;
	if (bmc->lan)
		st = bmc->lan->stats;
	wb_le16(rsp, st.rx);		/* IP packets received */
	wb_le16(rsp, 0);		/* received IP header errors */
	wb_le16(rsp, 0);		/* received IP address errors */
	wb_le16(rsp, 0);		/* received fragmented IP packets */
	wb_le16(rsp, st.tx);		/* transmitted IP packets */
	wb_le16(rsp, st.rx);		/* UDP packets received */
	wb_le16(rsp, st.rmcp_valid);	/* valid RMCP packets received */
	wb_le16(rsp, 0);		/* UDP proxy packets received */
	wb_le16(rsp, 0);		/* UDP proxy packets dropped */
	if ((flags & 0x01) && bmc->lan) {
		bmc->lan->stats = (struct lan_stats){ .rx = 0, .tx = 0, .rmcp_valid = 0 };
		log_info("lan: channel %u statistics cleared", ch);
	}
	return CC_OK;
}
