/* SPDX-License-Identifier: MIT */
/*
 * RMCP+ (IPMI 2.0): Open Session, RAKP 1-4, and session packets.
 * Receive order for a session packet: header, session lookup, required
 * integrity/confidentiality, AuthCode (constant time), sequence window,
 * decrypt, dispatch.
 */
#include <errno.h>
#include <string.h>

#include "channels/users.h"
#include "daemon/bmc.h"
#include "channels/lanconfig.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "lan/crypto.h"
#include "lan/lan.h"
#include "lan/lan_internal.h"

enum {				/* RMCP+ and RAKP status codes (IPMI 2.0 table 13-15) */
	RSTAT_OK = 0x00,
	RSTAT_NO_RESOURCES = 0x01,
	RSTAT_INVALID_SID = 0x02,
	RSTAT_INVALID_PAYLOAD = 0x03,
	RSTAT_INVALID_AUTH = 0x04,
	RSTAT_INVALID_INTEG = 0x05,
	RSTAT_INACTIVE_SID = 0x08,
	RSTAT_INVALID_ROLE = 0x09,
	RSTAT_UNAUTH_ROLE = 0x0a,
	RSTAT_INVALID_NAME_LEN = 0x0c,
	RSTAT_UNAUTH_NAME = 0x0d,
	RSTAT_INVALID_ICV = 0x0f,
	RSTAT_INVALID_CONF = 0x10,
	RSTAT_NO_CIPHER_SUITE = 0x11,
	RSTAT_ILLEGAL_PARAM = 0x12,
};

#define PT_ENCRYPTED 0x80
#define PT_AUTHENTICATED 0x40

/* Frame and send one RMCP+ packet.  s == NULL: outside a session (ID 0,
 * sequence 0, no integrity or confidentiality). */
static void rmcpp_send(struct lan_pkt *pkt, struct session *s, uint8_t ptype,
		       const uint8_t *payload, size_t plen)
{
	uint8_t buf[LAN_MAX_PACKET];
	struct wbuf w = wb_init(buf, sizeof(buf));
	bool enc = s && s->conf_alg != CONF_NONE;
	bool auth = s && s->integ_alg != INTEG_NONE;
	uint8_t *lenp, *start;
	int n;

	wb_u8(&w, RMCP_VERSION);
	wb_u8(&w, 0);
	wb_u8(&w, 0xff);
	wb_u8(&w, RMCP_CLASS_IPMI);
	start = w.p + w.len;
	wb_u8(&w, AUTHTYPE_RMCPP);
	wb_u8(&w, ptype | (enc ? PT_ENCRYPTED : 0) | (auth ? PT_AUTHENTICATED : 0));
	wb_le32(&w, s ? s->console_sid : 0);
	if (s && ++s->out_seq == 0)
		s->out_seq = 1;
	wb_le32(&w, s ? s->out_seq : 0);
	lenp = wb_reserve(&w, 2);
	if (!lenp)
		return;
	if (enc) {
		n = aes_cbc_encrypt_slot(&pkt->lan->crypto, lan_key_slot(s), s->k2, payload, plen, w.p + w.len, wb_room(&w));
		if (n < 0 || !wb_reserve(&w, (size_t)n))
			return;
		plen = (size_t)n;
	} else {
		wb_bytes(&w, payload, plen);
	}
	lenp[0] = plen & 0xff;
	lenp[1] = (uint8_t)(plen >> 8);
	if (auth) {
		size_t covered = (size_t)(w.p + w.len - start);
		uint8_t pad = (uint8_t)((4 - (covered + 2) % 4) % 4);
		uint8_t *code;

		for (uint8_t i = 0; i < pad; i++)
			wb_u8(&w, 0xff);
		wb_u8(&w, pad);
		wb_u8(&w, 0x07);	/* next header */
		covered = (size_t)(w.p + w.len - start);
		code = wb_reserve(&w, integ_len(s->integ_alg));
		if (!code)
			return;
		if (s->integ_alg == INTEG_MD5_128)
			integ_compute(&pkt->lan->crypto, s->integ_alg, lan_user_key(pkt->lan, s->user_id), 16, start, covered, code);
		else
			integ_compute_slot(&pkt->lan->crypto, lan_key_slot(s), s->integ_alg, s->k1, s->key_len,
					   start, covered, code);
	}
	if (wb_ok(&w))
		lan_send(pkt, buf, w.len);
}

/* --- Open Session ------------------------------------------------------- */

struct open_req {
	uint8_t tag, priv;
	uint32_t console_sid;
	uint8_t alg[3];			/* auth, integ, conf */
};

/* An Open Session refusal carries the (zero) BMC session ID field too:
 * nmap's ipmi-cipher-zero parses it, and other clients read the status
 * first. */
static void open_reply_error(struct lan_pkt *pkt, uint8_t tag, uint8_t status, uint32_t console_sid)
{
	uint8_t b[12];
	struct wbuf w = wb_init(b, sizeof(b));

	wb_u8(&w, tag);
	wb_u8(&w, status);
	wb_u8(&w, 0);
	wb_u8(&w, 0);
	wb_le32(&w, console_sid);
	wb_le32(&w, 0);
	rmcpp_send(pkt, NULL, PAYLOAD_OPEN_RSP, b, w.len);
}

/* Returns an RMCP+ status; fills o. */
static uint8_t open_parse(struct rbuf *r, struct open_req *o)
{
	o->tag = rb_u8(r);
	o->priv = rb_u8(r) & 0x0f;
	(void)rb_le16(r);
	o->console_sid = rb_le32(r);
	if (!rb_ok(r))
		return RSTAT_ILLEGAL_PARAM;
	for (uint8_t i = 0; i < 3; i++) {
		uint8_t type = rb_u8(r), len;

		(void)rb_le16(r);
		len = rb_u8(r);
		if (!rb_ok(r) || type != i)
			return RSTAT_ILLEGAL_PARAM;
		if (len == 0) {
			/* A null payload: "any"; we then choose the first enabled suite's. */
			o->alg[i] = 0xff;
			continue;
		}
		if (len != 8)
			return RSTAT_ILLEGAL_PARAM;
		o->alg[i] = rb_u8(r) & 0x3f;
		(void)rb_take(r, 3);
	}
	if (!rb_done(r))
		return RSTAT_ILLEGAL_PARAM;
	if (o->priv > PRIV_OEM)
		return RSTAT_INVALID_ROLE;
	return RSTAT_OK;
}

/*
 * Open Session allocates no session slot, so that no flood of it can push
 * out a console's handshake: its answer is written into a ring of
 * LAN_PENDING_OPENS entries, and the BMC session ID given out is the
 * entry's index (low bits) and a MAC, keyed with a random key, over the
 * index, the entry (console session ID, cipher suite, privilege, write
 * generation) and the console's address and port.  RAKP1 presents it back:
 * the entry must be unused since, at most SESSION_HALF_OPEN_TIMEOUT_S old,
 * and the MAC must match; only then, and only for a user that may log in,
 * does a session take a slot.  A flood overwrites its own oldest entries:
 * a console's entry lives through the next LAN_PENDING_OPENS - 1 Open
 * Sessions, whatever their source.  (The console session ID cannot ride in
 * the 32-bit BMC session ID with the rest, and RAKP2 needs it; hence the
 * ring rather than a pure cookie.)  The index and MAC then go through a
 * keyed 32-bit permutation, so that the ID a console sees, and keeps for
 * its session, tells nothing of the index or of other consoles' IDs.
 */

/* A four-round Feistel network on 16-bit halves, the round function a
 * truncated HMAC under the ring's key: a keyed permutation of 32-bit values
 * (inverse true undoes it). */
static uint32_t sid_permute(struct lan *lan, uint32_t v, bool inverse)
{
	uint16_t l = (uint16_t)(v >> 16), r = (uint16_t)v, t;
	uint8_t mac[CRYPTO_MAX_HASH];

	for (int i = 0; i < 4; i++) {
		uint8_t round = (uint8_t)(inverse ? 3 - i : i);
		uint16_t x = inverse ? l : r;
		const uint8_t in[4] = { 'P', round, (uint8_t)x, (uint8_t)(x >> 8) };

		crypto_hmac_slot(&lan->crypto, LAN_SLOT_OPEN_KEY, AUTH_RAKP_HMAC_SHA256, lan->open_key,
				 sizeof(lan->open_key), in, sizeof(in), mac);
		t = (uint16_t)(mac[0] | mac[1] << 8);
		if (inverse) {
			uint16_t nl = r ^ t;
			r = l;
			l = nl;
		} else {
			uint16_t nr = l ^ t;
			l = r;
			r = nr;
		}
	}
	explicit_bzero(mac, sizeof(mac));
	return (uint32_t)l << 16 | r;
}

static uint32_t open_cookie(struct lan *lan, uint32_t idx, const struct lan_pending_open *po,
			    const struct sockaddr_storage *peer, socklen_t peerlen)
{
	uint8_t data[16 + sizeof(struct sockaddr_storage)], mac[CRYPTO_MAX_HASH];
	struct wbuf w = wb_init(data, sizeof(data));
	uint32_t mask = LAN_PENDING_OPENS - 1, v;

	wb_le32(&w, idx);
	wb_le32(&w, po->console_sid);
	wb_le32(&w, po->gen);
	wb_u8(&w, po->suite);
	wb_u8(&w, po->priv);
	wb_bytes(&w, peer, peerlen);
	crypto_hmac_slot(&lan->crypto, LAN_SLOT_OPEN_KEY, AUTH_RAKP_HMAC_SHA256, lan->open_key,
			 sizeof(lan->open_key), data, w.len, mac);
	v = (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24;
	explicit_bzero(mac, sizeof(mac));
	return sid_permute(lan, (v & ~mask) | idx, false);
}

/* The pending Open Session that bmc_sid names for this console, taken out
 * of the ring; false if there is none (unknown, forged, used, too old). */
static bool open_take(struct lan_pkt *pkt, uint32_t bmc_sid, struct lan_pending_open *out)
{
	struct lan *lan = pkt->lan;
	uint32_t idx = sid_permute(lan, bmc_sid, true) & (LAN_PENDING_OPENS - 1);
	struct lan_pending_open *po = &lan->opens[idx];
	uint64_t now_s = bmc_now(lan->bmc) / 1000000;

	if (po->gen == 0 || now_s - po->created_s >= SESSION_HALF_OPEN_TIMEOUT_S)
		return false;
	if (po->bmc_sid != bmc_sid || open_cookie(lan, idx, po, &pkt->peer, pkt->peerlen) != bmc_sid)
		return false;
	*out = *po;
	memset(po, 0, sizeof(*po));
	return true;
}

/* Write an answered Open Session into the ring; its BMC session ID.  A
 * retry (same console, session ID and choice, the entry not yet taken) gets
 * the same ID again. */
static uint32_t open_put(struct lan_pkt *pkt, uint32_t console_sid, uint8_t suite, uint8_t priv)
{
	struct lan *lan = pkt->lan;
	uint32_t mask = LAN_PENDING_OPENS - 1, idx, sid;
	uint64_t now_s = bmc_now(lan->bmc) / 1000000;
	struct lan_pending_open *po;

	for (uint32_t back = 1; back <= 16; back++) {
		idx = (lan->open_next - back) & mask;
		po = &lan->opens[idx];
		if (po->gen && po->console_sid == console_sid && po->suite == suite && po->priv == priv &&
		    now_s - po->created_s < SESSION_HALF_OPEN_TIMEOUT_S &&
		    po->bmc_sid == open_cookie(lan, idx, po, &pkt->peer, pkt->peerlen))
			return po->bmc_sid;	/* the same console's */
	}
	/* An ID that a session already has, or 0, is skipped (one more entry). */
	for (int tries = 0; tries < 4; tries++) {
		idx = lan->open_next++ & mask;
		po = &lan->opens[idx];
		if (++lan->open_gen == 0)
			lan->open_gen = 1;
		*po = (struct lan_pending_open){ .console_sid = console_sid, .gen = lan->open_gen,
						 .created_s = (uint32_t)now_s, .suite = suite, .priv = priv };
		sid = open_cookie(lan, idx, po, &pkt->peer, pkt->peerlen);
		if (sid != 0 && !session_by_id(lan->bmc->sessions, sid)) {
			po->bmc_sid = sid;
			return sid;
		}
		memset(po, 0, sizeof(*po));
	}
	return 0;
}

static void open_reply(struct lan_pkt *pkt, uint8_t tag, uint8_t max_priv, uint32_t console_sid,
		       uint32_t bmc_sid, int suite)
{
	uint8_t b[36];
	struct wbuf w = wb_init(b, sizeof(b));
	const uint8_t algs[3] = { (uint8_t)(suite >> 16), (uint8_t)(suite >> 8), (uint8_t)suite };

	wb_u8(&w, tag);
	wb_u8(&w, RSTAT_OK);
	wb_u8(&w, max_priv);
	wb_u8(&w, 0);
	wb_le32(&w, console_sid);
	wb_le32(&w, bmc_sid);
	for (uint8_t i = 0; i < 3; i++) {
		wb_u8(&w, i);
		wb_le16(&w, 0);
		wb_u8(&w, 8);
		wb_u8(&w, algs[i]);
		wb_zero(&w, 3);
	}
	rmcpp_send(pkt, NULL, PAYLOAD_OPEN_RSP, b, w.len);
}

static void open_session(struct lan_pkt *pkt, struct rbuf *r)
{
	struct bmc *bmc = pkt->lan->bmc;
	struct open_req o = { 0 };
	uint8_t status = open_parse(r, &o), id, max_priv;
	uint32_t usable = bmc->cfg.lan.cipher_suites, sid;
	int suite;

	if (status != RSTAT_OK) {
		open_reply_error(pkt, o.tag, status, o.console_sid);
		return;
	}
	/* Suites marked unused in LAN parameter 24 are not offered. */
	for (id = 0; id < 32; id++)
		if ((usable & (1u << id)) && !lanconf_suite_priv(bmc, id))
			usable &= ~(1u << id);
	suite = cipher_suite_match(usable, o.alg[0], o.alg[1], o.alg[2]);
	if (suite < 0) {
		if (lan_log_refusal_ok(pkt))
			log_info("lan: open session refused: no enabled cipher suite matches %u/%u/%u",
				 o.alg[0], o.alg[1], o.alg[2]);
		open_reply_error(pkt, o.tag, RSTAT_NO_CIPHER_SUITE, o.console_sid);
		return;
	}
	if (!channel_accepts_sessions(bmc, bmc->cfg.lan.channel)) {
		if (lan_log_refusal_ok(pkt))
			log_info("lan: open session refused: channel %u is disabled", bmc->cfg.lan.channel);
		open_reply_error(pkt, o.tag, RSTAT_NO_RESOURCES, o.console_sid);
		return;
	}
	id = (uint8_t)(suite >> 24);
	max_priv = o.priv ? o.priv : PRIV_ADMIN;
	if (max_priv > PRIV_ADMIN)
		max_priv = PRIV_ADMIN;
	/* LAN parameter 24 caps each suite (0: the suite is unused). */
	if (max_priv > lanconf_suite_priv(bmc, id))
		max_priv = lanconf_suite_priv(bmc, id);
	sid = open_put(pkt, o.console_sid, id, max_priv);
	if (!sid) {
		open_reply_error(pkt, o.tag, RSTAT_NO_RESOURCES, o.console_sid);
		return;
	}
	open_reply(pkt, o.tag, max_priv, o.console_sid, sid, suite);
}

/* --- RAKP ---------------------------------------------------------------- */

static void rakp_reply_error(struct lan_pkt *pkt, uint8_t ptype, uint8_t tag, uint8_t status,
			     uint32_t console_sid)
{
	uint8_t b[8];
	struct wbuf w = wb_init(b, sizeof(b));

	wb_u8(&w, tag);
	wb_u8(&w, status);
	wb_le16(&w, 0);
	wb_le32(&w, console_sid);
	rmcpp_send(pkt, NULL, ptype, b, w.len);
}

static struct session *rakp_session(struct lan_pkt *pkt, uint32_t bmc_sid)
{
	struct session *s = session_by_id(pkt->lan->bmc->sessions, bmc_sid);

	if (!s || !s->v20 || !lan_same_peer(pkt, s))
		return NULL;
	return s;
}

/* A new session for a RAKP1 that presented the pending Open Session po. */
static struct session *rakp_session_new(struct lan_pkt *pkt, uint32_t bmc_sid,
					const struct lan_pending_open *po)
{
	struct bmc *bmc = pkt->lan->bmc;
	struct session *s;
	int suite = cipher_suite_by_id(po->suite);

	if (suite < 0 || session_by_id(bmc->sessions, bmc_sid))
		return NULL;
	if (!lan_half_open_room(pkt))
		return NULL;
	s = session_new(bmc->sessions, SESS_OPENED, bmc_now(bmc));
	if (!s) {
		if (lan_log_refusal_ok(pkt))
			log_warning("lan: RAKP1 refused: no free session slot (%u)", bmc->sessions->max);
		return NULL;
	}
	s->bmc_sid = bmc_sid;
	s->v20 = true;
	s->channel = bmc->cfg.lan.channel;
	s->console_sid = po->console_sid;
	s->open_priv = po->priv;
	s->max_priv = po->priv;
	s->auth_alg = (uint8_t)((suite >> 16) & 0xff);
	s->integ_alg = (uint8_t)((suite >> 8) & 0xff);
	s->conf_alg = (uint8_t)(suite & 0xff);
	s->peer = pkt->peer;
	s->peerlen = pkt->peerlen;
	return s;
}

static void rakp1(struct lan_pkt *pkt, struct rbuf *r)
{
	struct lan *lan = pkt->lan;
	struct bmc *bmc = lan->bmc;
	uint8_t tag, rm[16], role, ulen, user[CFG_NAME_MAX], hmac[CRYPTO_MAX_HASH];
	uint8_t decoy[CFG_PASSWORD_MAX];
	const uint8_t *key;
	uint8_t b[80];
	struct wbuf w = wb_init(b, sizeof(b));
	struct lan_pending_open po = { 0 };
	struct session *s;
	enum ipmi_priv want, cap;
	uint32_t sid, csid;
	uint8_t uid;
	size_t n;

	tag = rb_u8(r);
	(void)rb_take(r, 3);
	sid = rb_le32(r);
	rb_copy(r, rm, sizeof(rm));
	role = rb_u8(r);
	(void)rb_le16(r);
	ulen = rb_u8(r);
	if (!rb_ok(r))
		return;		/* too short to answer meaningfully */
	/* A handshake already under way (a retried or second RAKP1), else a
	 * pending Open Session. */
	s = rakp_session(pkt, sid);
	if (s && s->state != SESS_RAKP2) {
		rakp_reply_error(pkt, PAYLOAD_RAKP2, tag, RSTAT_INVALID_SID, s->console_sid);
		return;
	}
	if (!s && (session_by_id(bmc->sessions, sid) || !open_take(pkt, sid, &po))) {
		rakp_reply_error(pkt, PAYLOAD_RAKP2, tag, RSTAT_INVALID_SID, 0);
		return;
	}
	csid = s ? s->console_sid : po.console_sid;
	cap = s ? s->open_priv : po.priv;
	/* Every refusal below ends a handshake under way: freeing it counts
	 * it as a failed login if it was sent a RAKP2 (on_unproven). */
	if (ulen > CFG_NAME_MAX || rb_left(r) != ulen) {
		rakp_reply_error(pkt, PAYLOAD_RAKP2, tag, RSTAT_INVALID_NAME_LEN, csid);
		if (s)
			session_free(s);
		return;
	}
	rb_copy(r, user, ulen);
	want = role & 0x0f;
	/* Malformed, or above what Open Session granted (the cipher suite's
	 * cap, LAN parameter 24): 09h, which says nothing about the user. */
	if ((role & 0xe0) || want == PRIV_NONE || want > PRIV_OEM || want > cap) {
		rakp_reply_error(pkt, PAYLOAD_RAKP2, tag, RSTAT_INVALID_ROLE, csid);
		if (s)
			session_free(s);
		return;
	}
	/* Name-only and username/privilege lookup both find the user by name;
	 * the requested role must be within the user's limit either way.  An
	 * unknown user and a known one asking above its limit get the same
	 * answer (0Dh, no HMAC), so names cannot be told apart by asking. */
	uid = lan_find_user(lan, user, ulen);
	if (!uid || want > lan_user_priv(lan, uid)) {
		if (!uid)
			lan_log_refused_user(pkt, user, ulen, bmc->cfg.lan.channel);
		else if (lan_log_refusal_ok(pkt))
			log_info("lan: RAKP1: user %u may not have %s privilege", uid, ipmi_priv_name(want));
		rakp_reply_error(pkt, PAYLOAD_RAKP2, tag, RSTAT_UNAUTH_NAME, csid);
		if (s)
			session_free(s);
		return;
	}
	if (!s) {
		s = rakp_session_new(pkt, sid, &po);
		if (!s) {
			rakp_reply_error(pkt, PAYLOAD_RAKP2, tag, RSTAT_NO_RESOURCES, csid);
			return;
		}
	}
	/* A console that got a RAKP2 and never proved the password with a
	 * RAKP3 (ipmitool, nmap and others check the RAKP2 HMAC themselves
	 * and stop) made a failed attempt: count it when it tries again. */
	lan_handshakes_superseded(pkt, s, uid, rm);
	/* A retried RAKP1 (same Rm) gets the same Rc, so either answer works. */
	if (s->state != SESS_RAKP2 || memcmp(s->rm, rm, sizeof(rm)) != 0) {
		if (crypto_random(s->rc, sizeof(s->rc)) < 0)
			return;
	}
	memcpy(s->rm, rm, sizeof(rm));
	memcpy(s->user, user, ulen);
	s->ulen = ulen;
	s->user_id = uid;
	s->role = role;
	s->max_priv = want;
	s->tag = tag;
	s->state = SESS_RAKP2;
	s->last_usec = bmc_now(bmc);

	/* A locked-out user's RAKP2 is keyed with a random decoy: to the
	 * console it looks exactly like a wrong password, and it confirms no
	 * guess offline. */
	key = lan_user_key(lan, uid);
	if (users_locked(bmc->users, uid, bmc_now(bmc))) {
		if (crypto_random(decoy, sizeof(decoy)) < 0)
			return;
		key = decoy;
	}
	n = rakp2_authcode(&pkt->lan->crypto, s->auth_alg, key, CFG_PASSWORD_MAX, s->console_sid,
			   s->bmc_sid, s->rm, s->rc, bmc->system_guid, role, user, ulen, hmac);
	explicit_bzero(decoy, sizeof(decoy));
	wb_u8(&w, tag);
	wb_u8(&w, RSTAT_OK);
	wb_le16(&w, 0);
	wb_le32(&w, s->console_sid);
	wb_bytes(&w, s->rc, sizeof(s->rc));
	wb_bytes(&w, bmc->system_guid, 16);
	wb_bytes(&w, hmac, n);
	rmcpp_send(pkt, NULL, PAYLOAD_RAKP2, b, w.len);
}

static void rakp3(struct lan_pkt *pkt, struct rbuf *r)
{
	struct lan *lan = pkt->lan;
	struct bmc *bmc = lan->bmc;
	uint8_t tag, status, want[CRYPTO_MAX_HASH], icv[CRYPTO_MAX_HASH], b[40];
	struct wbuf w = wb_init(b, sizeof(b));
	const uint8_t *key;
	struct session *s;
	size_t n, klen;
	uint32_t sid;

	tag = rb_u8(r);
	status = rb_u8(r);
	(void)rb_le16(r);
	sid = rb_le32(r);
	if (!rb_ok(r))
		return;
	s = rakp_session(pkt, sid);
	if (!s || (s->state != SESS_RAKP2 && s->state != SESS_ACTIVE)) {
		rakp_reply_error(pkt, PAYLOAD_RAKP4, tag, RSTAT_INVALID_SID, s ? s->console_sid : 0);
		return;
	}
	if (s->state == SESS_ACTIVE && s->in.started)
		return;		/* the session is in use: this is a stale duplicate */
	if (status != RSTAT_OK) {
		log_info("lan: console aborted session set-up (RAKP3 status %02x)", status);
		/* Typically: the RAKP2 HMAC did not match its password. */
		lan_count_bad_handshake(lan, s);
		session_free(s);
		return;
	}
	n = rakp3_authcode(&pkt->lan->crypto, s->auth_alg, lan_user_key(lan, s->user_id), CFG_PASSWORD_MAX, s->rc,
			   s->console_sid, s->role, s->user, s->ulen, want);
	/* A locked-out user gets exactly the answer of a wrong password. */
	if (rb_left(r) != n || !crypto_equal(want, r->p, n) ||
	    (s->state == SESS_RAKP2 && users_locked(bmc->users, s->user_id, bmc_now(bmc)))) {
		lan_count_bad_handshake(lan, s);
		rakp_reply_error(pkt, PAYLOAD_RAKP4, tag, RSTAT_INVALID_ICV, s->console_sid);
		session_free(s);
		return;
	}

	/* The password is proven: now the user's own session limit, and the
	 * slots kept for administrators. */
	if (s->state != SESS_ACTIVE &&
	    (lan_user_sessions_full(lan, s) || lan_slot_kept_for_admin(lan, s))) {
		rakp_reply_error(pkt, PAYLOAD_RAKP4, tag, RSTAT_NO_RESOURCES, s->console_sid);
		s->state = SESS_CLOSING;	/* proven: not a failed login */
		session_free(s);
		return;
	}
	key = users_kg(bmc->users);
	if (!key)
		key = lan_user_key(lan, s->user_id);
	klen = rakp_sik(&pkt->lan->crypto, s->auth_alg, key, CFG_PASSWORD_MAX, s->rm, s->rc, s->role, s->user, s->ulen, s->sik);
	s->key_len = (uint8_t)klen;
	rakp_kn(&pkt->lan->crypto, s->auth_alg, s->sik, klen, 1, s->k1);
	rakp_kn(&pkt->lan->crypto, s->auth_alg, s->sik, klen, 2, s->k2);
	n = rakp4_icv(&pkt->lan->crypto, s->auth_alg, s->sik, klen, s->rm, s->bmc_sid, bmc->system_guid, icv);

	s->lan_sock = pkt->sock;
	if (s->state != SESS_ACTIVE) {
		s->state = SESS_ACTIVE;
		s->priv = s->max_priv < PRIV_USER ? s->max_priv : PRIV_USER;
		s->out_seq = 0;
		char peer[64];
		users_login_ok(bmc->users, s->user_id, s->channel, lan_peer_text(&s->peer, peer),
			       "RMCP+");
		log_debug("lan: session %u (%08x) opened for user %u from %s, max privilege %s",
			 s->handle, s->bmc_sid, s->user_id, lan_peer_text(&s->peer, peer),
			 ipmi_priv_name(s->max_priv));
	}
	s->last_usec = bmc_now(bmc);
	wb_u8(&w, tag);
	wb_u8(&w, RSTAT_OK);
	wb_le16(&w, 0);
	wb_le32(&w, s->console_sid);
	wb_bytes(&w, icv, n);
	rmcpp_send(pkt, NULL, PAYLOAD_RAKP4, b, w.len);
}

/* --- Session packets ---------------------------------------------------- */

static void session_packet(struct lan_pkt *pkt, struct session *s, uint8_t ptype, uint32_t seq,
			   const uint8_t *start, struct rbuf payload, struct rbuf *trailer)
{
	struct lan *lan = pkt->lan;
	uint8_t plain[LAN_MAX_PACKET], out[LAN_MAX_MSG];
	bool enc = ptype & PT_ENCRYPTED, auth = ptype & PT_AUTHENTICATED;
	struct rbuf msg = payload;
	size_t n;

	if (auth != (s->integ_alg != INTEG_NONE) || enc != (s->conf_alg != CONF_NONE))
		return;		/* not what was negotiated */
	if (auth) {
		size_t ilen = integ_len(s->integ_alg), covered;
		uint8_t want[CRYPTO_MAX_HASH], pad;
		const uint8_t *code;

		/* trailer: pad (0..3) || pad length || next header || AuthCode */
		if (rb_left(trailer) < ilen + 2 || rb_left(trailer) > ilen + 5)
			return;
		covered = (size_t)(trailer->p - start) + rb_left(trailer) - ilen;
		code = trailer->p + rb_left(trailer) - ilen;
		pad = code[-2];
		if (code[-1] != 0x07 || pad != rb_left(trailer) - ilen - 2)
			return;
		if (s->integ_alg == INTEG_MD5_128)
			integ_compute(&pkt->lan->crypto, s->integ_alg, lan_user_key(lan, s->user_id), 16, start, covered, want);
		else
			integ_compute_slot(&pkt->lan->crypto, lan_key_slot(s), s->integ_alg, s->k1, s->key_len,
					   start, covered, want);
		if (!crypto_equal(want, code, ilen)) {
			log_debug("lan: session %u: bad AuthCode", s->handle);
			return;
		}
	} else if (rb_left(trailer) != 0) {
		return;
	}
	if (seq == 0 || !seq_window_accept(&s->in, seq)) {
		log_debug("lan: session %u: sequence number %u replayed or out of window", s->handle, seq);
		return;
	}
	if (enc) {
		int m = aes_cbc_decrypt_slot(&pkt->lan->crypto, lan_key_slot(s), s->k2, payload.p, rb_left(&payload), plain, sizeof(plain));
		if (m < 0)
			return;
		msg = rb_init(plain, (size_t)m);
	}
	s->last_usec = bmc_now(lan->bmc);
	if ((ptype & 0x3f) != PAYLOAD_IPMI) {
		uint8_t t = ptype & 0x3f;

		if (lan->payload[t].fn)
			lan->payload[t].fn(lan->payload[t].userdata, s, msg.p, rb_left(&msg));
		return;
	}
	n = lan_run_msg(pkt, s, s->priv, msg, out, sizeof(out));
	if (n == 0)
		return;
	rmcpp_send(pkt, s, PAYLOAD_IPMI, out, n);
	if (s->state == SESS_CLOSING)
		session_free(s);
}

void rmcpp_receive(struct lan_pkt *pkt, struct rbuf *r)
{
	struct lan *lan = pkt->lan;
	const uint8_t *start = r->p;
	uint8_t ptype, out[LAN_MAX_MSG];
	struct rbuf payload;
	struct session *s;
	uint32_t sid, seq;
	size_t n;

	pkt->v20 = true;
	(void)rb_u8(r);		/* auth type 06h */
	ptype = rb_u8(r);
	if ((ptype & 0x3f) == PAYLOAD_OEM)
		goto drop;	/* no OEM payloads */
	sid = rb_le32(r);
	seq = rb_le32(r);
	payload = rb_sub(r, rb_le16(r));
	if (!rb_ok(r))
		goto drop;

	if (sid == 0) {
		/* Outside a session: set-up payloads and pre-session messages,
		 * never authenticated or encrypted. */
		if ((ptype & (PT_ENCRYPTED | PT_AUTHENTICATED)) || seq != 0 || rb_left(r) != 0)
			goto drop;
		switch (ptype) {
		case PAYLOAD_OPEN_REQ:
			open_session(pkt, &payload);
			return;
		case PAYLOAD_RAKP1:
			rakp1(pkt, &payload);
			return;
		case PAYLOAD_RAKP3:
			rakp3(pkt, &payload);
			return;
		case PAYLOAD_IPMI:
			n = lan_run_msg(pkt, NULL, PRIV_NONE, payload, out, sizeof(out));
			if (n)
				rmcpp_send(pkt, NULL, PAYLOAD_IPMI, out, n);
			return;
		}
		goto drop;
	}

	s = session_by_id(lan->bmc->sessions, sid);
	if (!s || !s->v20 || s->state != SESS_ACTIVE || !lan_same_peer(pkt, s))
		goto drop;
	session_packet(pkt, s, ptype, seq, start, payload, r);
	return;
drop:
	lan->dropped++;
	log_debug("lan: dropped an RMCP+ packet");
}

int lan_session_send(struct session *s, uint8_t payload_type, const void *buf, size_t len)
{
	struct lan_sock *sock = s->lan_sock;
	struct lan_pkt pkt;

	if (!s->v20 || s->state != SESS_ACTIVE || !sock)
		return -ENOTCONN;
	if (len > LAN_MAX_PAYLOAD)
		return -EMSGSIZE;
	pkt = (struct lan_pkt){ .lan = sock->lan, .sock = sock, .peer = s->peer, .peerlen = s->peerlen };
	rmcpp_send(&pkt, s, payload_type & 0x3f, buf, len);
	return 0;
}

void lan_set_payload_handler(struct lan *lan, uint8_t payload_type, lan_payload_fn fn, void *userdata)
{
	if (payload_type == PAYLOAD_IPMI || payload_type >= 64)
		return;
	lan->payload[payload_type].fn = fn;
	lan->payload[payload_type].userdata = userdata;
}
