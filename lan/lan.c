/* SPDX-License-Identifier: MIT */
/*
 * UDP sockets, RMCP/ASF, and the IPMI 1.5 session path.  RMCP+ lives in
 * rmcpplus.c; session-management commands in lancmds.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/bmc.h"
#include "channels/channel.h"
#include "channels/lanconfig.h"
#include "channels/users.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "lan/crypto.h"
#include "lan/lan.h"
#include "lan/lan_internal.h"

#define ASF_IANA 4542u
#define LAN_ENABLED_FILE "lan-enabled"

static void lan_datagram(struct lan_sock *sock, struct lan_pkt *pkt, const uint8_t *buf, size_t len);
#define ASF_PING 0x80
#define ASF_PONG 0x40

bool lan_same_peer(const struct lan_pkt *pkt, const struct session *s)
{
	return pkt->peerlen == s->peerlen && memcmp(&pkt->peer, &s->peer, pkt->peerlen) == 0;
}

const char *lan_peer_text(const struct sockaddr_storage *ss, char buf[64])
{
	char addr[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr));
		snprintf(buf, 64, "%s:%u", addr, ntohs(in->sin_port));
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr));
		snprintf(buf, 64, "[%s]:%u", addr, ntohs(in6->sin6_port));
	}
	return buf;
}

void lan_log_refused_user(struct lan_pkt *pkt, const uint8_t *name, size_t ulen, uint8_t channel)
{
	char text[4 * CFG_NAME_MAX + 1], peer[64];

	if (!lan_log_refusal_ok(pkt))
		return;
	users_name_text(name, ulen, text);
	lan_peer_text(&pkt->peer, peer);
	log_auth(LOG_WARNING, "login-refused-user", 0, text, peer, channel,
		 "login: refused unknown or disabled user \"%s\" from %s on channel %u", text, peer, channel);
}

void lan_send(struct lan_pkt *pkt, const void *buf, size_t len)
{
	if (sendto(pkt->sock->fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)&pkt->peer,
		   pkt->peerlen) < 0)
		log_debug("sendto: %m");
	else
		pkt->lan->stats.tx++;
}

const uint8_t *lan_user_key(struct lan *lan, uint8_t user_id)
{
	return users_key(lan->bmc->users, user_id);
}

enum ipmi_priv lan_user_priv(struct lan *lan, uint8_t user_id)
{
	struct bmc *bmc = lan->bmc;

	return (enum ipmi_priv)users_priv_limit(bmc->users, user_id, bmc->cfg.lan.channel);
}

uint8_t lan_find_user(struct lan *lan, const uint8_t *name, size_t ulen)
{
	struct bmc *bmc = lan->bmc;

	return users_login_find(bmc->users, bmc->cfg.lan.channel, name, ulen);
}

bool lan_user_sessions_full(struct lan *lan, const struct session *cur)
{
	struct bmc *bmc = lan->bmc;
	const struct session_table *t = bmc->sessions;
	unsigned limit = users_session_limit(bmc->users, cur->user_id, cur->channel), n = 0;
	char peer[64];

	if (limit == 0)
		return false;
	for (unsigned i = 0; i < t->max; i++) {
		const struct session *s = &t->s[i];

		if (s != cur && s->state == SESS_ACTIVE && s->user_id == cur->user_id &&
		    s->channel == cur->channel)
			n++;
	}
	if (n < limit)
		return false;
	log_notice("login: user %u from %s on channel %u refused: it has %u sessions, its limit",
		   cur->user_id, lan_peer_text(&cur->peer, peer), cur->channel, n);
	return true;
}

static bool same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

/* "ADDR" of a peer (no port): the key of per-source limits. */
static const char *lan_addr_text(const struct sockaddr_storage *ss, char buf[64])
{
	const void *a = ss->ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
						 : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (!inet_ntop(ss->ss_family, a, buf, 64))
		snprintf(buf, 64, "?");
	return buf;
}

bool lan_log_refusal_ok(struct lan_pkt *pkt)
{
	char addr[64];

	return log_limit_ok(&pkt->lan->refused_log, lan_addr_text(&pkt->peer, addr), bmc_now(pkt->lan->bmc));
}

void lan_count_bad_handshake(struct lan *lan, struct session *s)
{
	struct bmc *bmc = lan->bmc;
	size_t slot = (size_t)(s - bmc->sessions->s);
	uint64_t now = bmc_now(bmc);
	char peer[64], addr[64], text[4 * CFG_NAME_MAX + 1];

	if (s->state != SESS_RAKP2 || slot >= LAN_MAX_SESSIONS || lan->rakp_counted[slot] == s->bmc_sid)
		return;
	lan->rakp_counted[slot] = s->bmc_sid;
	lan_peer_text(&s->peer, peer);
	if (users_locked(bmc->users, s->user_id, now)) {
		/* Nothing to count; a peer hammering a locked user gets its
		 * lines summed up. */
		users_name_text(s->user, s->ulen, text);
		if (log_limit_ok(&lan->refused_log, lan_addr_text(&s->peer, addr), now))
			log_auth(LOG_WARNING, "login-refused-locked", s->user_id, text, peer, s->channel,
				 "login: refused user %u \"%s\" from %s on channel %u: locked out",
				 s->user_id, text, peer, s->channel);
		return;
	}
	users_login_failed(bmc->users, s->user_id, s->channel, now, peer);
}

static bool lan_handshake_counted(const struct lan *lan, const struct session *s)
{
	size_t slot = (size_t)(s - lan->bmc->sessions->s);

	return slot < LAN_MAX_SESSIONS && lan->rakp_counted[slot] == s->bmc_sid;
}

void lan_session_ended(struct lan *lan, struct session *s)
{
	crypto_forget(&lan->crypto, lan_key_slot(s));
}

void lan_session_unproven(struct lan *lan, struct session *s)
{
	lan_count_bad_handshake(lan, s);
}

bool lan_half_open_room(struct lan_pkt *pkt)
{
	struct session_table *t = pkt->lan->bmc->sessions;
	unsigned limit = t->max / 2 ? t->max / 2 : 1, n = 0;
	struct session *oldest = NULL;
	char peer[64];

	for (unsigned i = 0; i < t->max; i++) {
		struct session *s = &t->s[i];

		if (s->state != SESS_CHALLENGE && s->state != SESS_OPENED && s->state != SESS_RAKP2)
			continue;
		if (!same_address(&s->peer, &pkt->peer))
			continue;
		n++;
		/* One that was sent a RAKP2 is dropped only once it has been
		 * counted (its console tried again): dropping one that was not
		 * would count, or hide, a login still under way. */
		if (s->state == SESS_RAKP2 && !lan_handshake_counted(pkt->lan, s))
			continue;
		if (!oldest || s->created_usec < oldest->created_usec)
			oldest = s;
	}
	if (n < limit)
		return true;
	if (lan_log_refusal_ok(pkt))
		log_info("lan: %s has %u half-open sessions (limit %u); %s",
			 lan_peer_text(&pkt->peer, peer), n, limit, oldest ? "dropping its oldest" : "refused");
	if (!oldest)
		return false;
	session_free(oldest);
	return true;
}

/* A login that cannot reach ADMINISTRATOR gets a session only while this
 * many slots stay for administrators: an eighth of the table, at least 1. */
static unsigned admin_reserve(const struct session_table *t)
{
	return t->max / 8 ? t->max / 8 : 1;
}

bool lan_slot_kept_for_admin(struct lan *lan, const struct session *cur)
{
	struct bmc *bmc = lan->bmc;
	const struct session_table *t = bmc->sessions;
	unsigned n = 0;
	char peer[64];

	if (users_priv_limit(bmc->users, cur->user_id, cur->channel) >= PRIV_ADMIN)
		return false;
	for (unsigned i = 0; i < t->max; i++) {
		const struct session *s = &t->s[i];

		if (s != cur && s->state == SESS_ACTIVE &&
		    users_priv_limit(bmc->users, s->user_id, s->channel) < PRIV_ADMIN)
			n++;
	}
	if (n + admin_reserve(t) < t->max)
		return false;
	log_notice("login: user %u from %s on channel %u refused: %u sessions of users below "
		   "administrator; the other %u slots are kept for administrators",
		   cur->user_id, lan_peer_text(&cur->peer, peer), cur->channel, n, t->max - n);
	return true;
}

void lan_handshakes_superseded(struct lan_pkt *pkt, struct session *cur, uint8_t uid,
			       const uint8_t rm[16])
{
	struct lan *lan = pkt->lan;
	struct session_table *t = lan->bmc->sessions;

	if (cur->state == SESS_RAKP2 && memcmp(cur->rm, rm, sizeof(cur->rm)) != 0) {
		size_t slot = (size_t)(cur - t->s);

		lan_count_bad_handshake(lan, cur);
		if (slot < LAN_MAX_SESSIONS)
			lan->rakp_counted[slot] = 0;	/* a new attempt starts */
	}
	/* Another handshake of this user from this address counts only once
	 * it has had time for its RAKP3: a management host logs in many
	 * consoles at once (an exporter, a provisioning service, operators'
	 * tools), and counting their overlapping handshakes locked its
	 * administrator out under load.  A console that never sends RAKP3
	 * (hash harvesting) is still counted within the grace period, or when
	 * its handshake times out, and the half-open limit per address bounds
	 * how many it has meanwhile.  Not freed: a late RAKP3 may still come. */
	uint64_t now = bmc_now(lan->bmc);

	for (unsigned i = 0; i < t->max; i++) {
		struct session *s = &t->s[i];

		if (s != cur && s->user_id == uid && same_address(&s->peer, &pkt->peer) &&
		    now - s->last_usec >= LAN_RAKP3_GRACE_USEC)
			lan_count_bad_handshake(lan, s);
	}
}

void lan_reap_handshakes(struct bmc *bmc, uint64_t now)
{
	struct session_table *t = bmc->sessions;

	if (!bmc->lan)
		return;
	/* A handshake with no RAKP3 after the grace period is a failed login
	 * (a console that checked the RAKP2 against its password and gave
	 * up, or a harvester): counted now, freed (counting it if not yet, in
	 * on_unproven) at the half-open timeout. */
	for (unsigned i = 0; i < t->max; i++) {
		struct session *s = &t->s[i];

		if (s->state != SESS_RAKP2)
			continue;
		if (now - s->last_usec >= SESSION_HALF_OPEN_TIMEOUT_S * 1000000ULL)
			session_free(s);
		else if (now - s->last_usec >= LAN_RAKP3_GRACE_USEC)
			lan_count_bad_handshake(bmc->lan, s);
	}
	log_limit_flush(&bmc->lan->refused_log, now);
}

size_t lan_run_msg(struct lan_pkt *pkt, struct session *s, enum ipmi_priv priv,
		   struct rbuf msg, uint8_t *out, size_t cap)
{
	const uint8_t *start = msg.p;
	size_t total = rb_left(&msg);
	uint8_t rsp_data[IPMI_MAX_RSP];
	/* The handler gets what the framing leaves room for: out less the
	 * message header, completion code and checksum. */
	size_t room = cap > LAN_MSG_OVERHEAD ? cap - LAN_MSG_OVERHEAD : 0;
	struct wbuf rd = wb_init(rsp_data, room < sizeof(rsp_data) ? room : sizeof(rsp_data));
	struct wbuf w = wb_init(out, cap);
	struct ipmi_req req = { 0 };
	uint8_t nf, rl, cc, *hdr;
	const uint8_t *data;

	if (total < 7 || ipmi_checksum(start, 2) != start[2] ||
	    ipmi_checksum(start + 3, total - 4) != start[total - 1])
		return 0;
	pkt->rs_addr = rb_u8(&msg);
	nf = rb_u8(&msg);
	(void)rb_u8(&msg);
	pkt->rq_addr = rb_u8(&msg);
	rl = rb_u8(&msg);
	req.cmd = rb_u8(&msg);
	req.len = rb_left(&msg) - 1;
	data = rb_take(&msg, req.len);
	if (!data)
		return 0;
	pkt->rq_seq = rl >> 2;
	req.netfn = nf >> 2;
	req.lun = nf & 3;
	req.data = data;
	req.channel = pkt->lan->bmc->cfg.lan.channel;
	req.priv = priv;
	req.session = s;
	req.xport = pkt;

	cc = ipmi_dispatch(pkt->lan->bmc, &req, &rd);

	hdr = wb_reserve(&w, 6);
	if (!hdr)
		return 0;
	hdr[0] = pkt->rq_addr;
	hdr[1] = (uint8_t)((req.netfn | 1) << 2 | (rl & 3));
	hdr[2] = ipmi_checksum(hdr, 2);
	hdr[3] = pkt->rs_addr;
	hdr[4] = (uint8_t)(pkt->rq_seq << 2 | req.lun);
	hdr[5] = req.cmd;
	wb_u8(&w, cc);
	wb_bytes(&w, rsp_data, rd.len);
	if (!wb_ok(&w))
		return 0;
	wb_u8(&w, ipmi_checksum(out + 3, w.len - 3));
	return wb_ok(&w) ? w.len : 0;
}

/* --- IPMI 1.5 ------------------------------------------------------------ */

static void v15_authcode(struct crypto *cr, uint8_t out[16], uint8_t at, const uint8_t *key, uint32_t sid,
			 const uint8_t *msg, size_t len, uint32_t seq)
{
	if (at == AUTHTYPE_MD5)
		crypto_v15_md5_authcode(cr, out, key, sid, msg, len, seq);
	else
		memcpy(out, key, 16);	/* straight password */
}

static void v15_reply(struct lan_pkt *pkt, struct session *s, uint32_t sid, uint32_t seq,
		      const uint8_t *msg, size_t len)
{
	uint8_t buf[LAN_MAX_PACKET];
	struct wbuf w = wb_init(buf, sizeof(buf));
	uint8_t at = pkt->authtype;

	wb_u8(&w, RMCP_VERSION);
	wb_u8(&w, 0);
	wb_u8(&w, 0xff);
	wb_u8(&w, RMCP_CLASS_IPMI);
	wb_u8(&w, at);
	wb_le32(&w, seq);
	wb_le32(&w, sid);
	if (at != AUTHTYPE_NONE) {
		uint8_t *code = wb_reserve(&w, 16);
		if (code)
			v15_authcode(&pkt->lan->crypto, code, at, lan_user_key(pkt->lan, s->user_id), sid, msg, len, seq);
	}
	wb_u8(&w, (uint8_t)len);
	wb_bytes(&w, msg, len);
	if (wb_ok(&w))
		lan_send(pkt, buf, w.len);
}

/* The Activate Session request of a challenge carried a wrong AuthCode
 * (a bad password), or its user is locked out: count it once, and drop the
 * half-open session so that the console's retries are not counted again. */
static void v15_login_failed(struct lan_pkt *pkt, struct session *s)
{
	struct bmc *bmc = pkt->lan->bmc;
	char peer[64];

	users_login_failed(bmc->users, s->user_id, s->channel, bmc_now(bmc),
			   lan_peer_text(&pkt->peer, peer));
	session_free(s);
}

/*
 * A packet of an active IPMI 1.5 session that carries auth type NONE
 * although the session was activated with MD5 or a straight password
 * (IPMI 2.0 6.12.4, 22.23): with per-message authentication disabled on
 * the channel it runs at the session's privilege; with only user-level
 * authentication disabled it runs at USER at most (the dispatcher answers
 * D4h above that).  Otherwise it is dropped: PRIV_NONE.  Activate Session
 * itself is always authenticated (the session is not active yet), and
 * RMCP+ sessions are not affected: their integrity is negotiated per
 * session.
 */
static enum ipmi_priv v15_unauth_priv(const struct bmc *bmc, const struct session *s)
{
	const struct channel *ch = channel_get(bmc->channels, s->channel);

	if (!ch)
		return PRIV_NONE;
	if (ch->vol.per_msg_auth_off)
		return s->priv;
	if (ch->vol.user_auth_off)
		return s->priv < PRIV_USER ? s->priv : PRIV_USER;
	return PRIV_NONE;
}

static void v15_receive(struct lan_pkt *pkt, struct rbuf *r)
{
	struct lan *lan = pkt->lan;
	struct bmc *bmc = lan->bmc;
	uint8_t code[16], want[16], out[V15_MAX_MSG];
	struct session *s = NULL;
	enum ipmi_priv priv = PRIV_NONE, unauth_priv = PRIV_NONE;
	uint32_t seq, sid, out_seq = 0;
	struct rbuf msg;
	size_t n, mlen;

	pkt->authtype = rb_u8(r);
	seq = rb_le32(r);
	sid = rb_le32(r);
	if (pkt->authtype != AUTHTYPE_NONE)
		rb_copy(r, code, sizeof(code));
	mlen = rb_u8(r);
	msg = rb_sub(r, mlen);
	/* IPMI 1.5 allows one legacy pad byte after the message. */
	if (!rb_ok(r) || rb_left(r) > 1 || mlen > IPMI_MAX_REQ)
		goto drop;

	if (sid == 0) {
		/* Outside a session: only pre-session commands, unauthenticated. */
		if (pkt->authtype != AUTHTYPE_NONE || seq != 0)
			goto drop;
	} else {
		s = session_by_id(bmc->sessions, sid);
		if (!s || s->v20 || !lan_same_peer(pkt, s))
			goto drop;
		if (s->state != SESS_CHALLENGE && s->state != SESS_ACTIVE)
			goto drop;
		if (pkt->authtype != s->authtype) {
			/* Only an unauthenticated packet of an active session,
			 * and only when the channel allows it. */
			if (s->state != SESS_ACTIVE || pkt->authtype != AUTHTYPE_NONE)
				goto drop;
			unauth_priv = v15_unauth_priv(bmc, s);
			if (unauth_priv == PRIV_NONE)
				goto drop;
		} else if (pkt->authtype != AUTHTYPE_NONE) {
			v15_authcode(&lan->crypto, want, pkt->authtype, lan_user_key(lan, s->user_id), sid, msg.p,
				     mlen, seq);
			if (s->state == SESS_CHALLENGE &&
			    (users_locked(bmc->users, s->user_id, bmc_now(bmc)) ||
			     !crypto_equal(want, code, sizeof(want)))) {
				v15_login_failed(pkt, s);
				goto drop;
			}
			if (!crypto_equal(want, code, sizeof(want)))
				goto drop;
			/* LAN parameter 2 may have disabled the session's auth
			 * type at its level since it was activated. */
			if (s->state == SESS_ACTIVE &&
			    !(lanconf_auth_enables(bmc, s->max_priv) & (1u << pkt->authtype))) {
				log_debug("lan: session %u: auth type %u no longer enabled at %s", s->handle,
					  pkt->authtype, ipmi_priv_name(s->max_priv));
				goto drop;
			}
		}
		if (s->state == SESS_ACTIVE) {
			if (!seq_window_accept(&s->in, seq))
				goto drop;
			priv = unauth_priv != PRIV_NONE ? unauth_priv : s->priv;
		}
		s->last_usec = bmc_now(bmc);
	}

	n = lan_run_msg(pkt, s, priv, msg, out, sizeof(out));
	if (n == 0)
		goto drop;
	/* Every response in a session, the Activate Session response first,
	 * carries the next number of the sequence the console chose. */
	if (s && (s->state == SESS_ACTIVE || s->state == SESS_CLOSING))
		out_seq = ++s->out_seq ? s->out_seq : ++s->out_seq;
	if (sid == 0 || s) {
		v15_reply(pkt, s, sid, out_seq, out, n);
		if (s && s->state == SESS_CLOSING)
			session_free(s);
	}
	return;
drop:
	lan->dropped++;
	log_debug("lan: dropped an IPMI 1.5 packet");
}

/* --- RMCP / ASF ------------------------------------------------------------ */

static void asf_receive(struct lan_pkt *pkt, struct rbuf *r, uint8_t rmcp_seq)
{
	uint8_t buf[40];
	struct wbuf w = wb_init(buf, sizeof(buf));
	uint32_t iana = rb_be32(r);
	uint8_t type = rb_u8(r), tag = rb_u8(r);

	(void)rb_u8(r);
	(void)rb_u8(r);		/* data length */
	if (!rb_ok(r) || iana != ASF_IANA || type != ASF_PING)
		return;
	wb_u8(&w, RMCP_VERSION);
	wb_u8(&w, 0);
	wb_u8(&w, rmcp_seq);
	wb_u8(&w, RMCP_CLASS_ASF);
	wb_be32(&w, ASF_IANA);
	wb_u8(&w, ASF_PONG);
	wb_u8(&w, tag);
	wb_u8(&w, 0);
	wb_u8(&w, 16);		/* data length */
	wb_be32(&w, ASF_IANA);	/* IANA of the entity */
	wb_be32(&w, 0);		/* OEM defined */
	wb_u8(&w, 0x81);	/* supported entities: IPMI, ASF 1.0 */
	wb_u8(&w, 0x00);	/* supported interactions */
	wb_zero(&w, 6);
	if (wb_ok(&w))
		lan_send(pkt, buf, w.len);
}

void lan_input(struct lan_sock *sock, const struct sockaddr *peer, socklen_t peerlen,
	       const uint8_t *buf, size_t len)
{
	struct lan_pkt pkt = { .lan = sock->lan, .sock = sock };

	if (peerlen > sizeof(pkt.peer))
		return;
	memcpy(&pkt.peer, peer, peerlen);
	pkt.peerlen = peerlen;
	lan_datagram(sock, &pkt, buf, len);
}

static void lan_datagram(struct lan_sock *sock, struct lan_pkt *pkt, const uint8_t *buf, size_t len)
{
	struct rbuf r = rb_init(buf, len);
	uint8_t ver = rb_u8(&r), seq, cls;

	(void)rb_u8(&r);
	seq = rb_u8(&r);
	cls = rb_u8(&r);
	if (!rb_ok(&r) || ver != RMCP_VERSION) {
		sock->lan->dropped++;
		return;
	}
	if ((cls & 0x1f) == RMCP_CLASS_ASF && !(cls & 0x80)) {
		sock->lan->stats.rmcp_valid++;
		asf_receive(pkt, &r, seq);
		return;
	}
	if (cls != RMCP_CLASS_IPMI || seq != 0xff || rb_left(&r) < 1) {
		sock->lan->dropped++;
		return;
	}
	sock->lan->stats.rmcp_valid++;
	if (r.p[0] == AUTHTYPE_RMCPP)
		rmcpp_receive(pkt, &r);
	else
		v15_receive(pkt, &r);
}

#define LAN_RX_BATCH 8

/* Datagrams are taken LAN_RX_BATCH at a time with one recvmmsg(): a batch
 * that comes back short means the queue is empty, so the quiet case costs
 * one system call per datagram, not two (the second one's EAGAIN).  The
 * source is level-triggered: whatever arrives later wakes it again. */
static int lan_on_readable(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct lan_sock *sock = userdata;
	uint8_t buf[LAN_RX_BATCH][LAN_MAX_PACKET];
	struct lan_pkt pkt[LAN_RX_BATCH];
	struct mmsghdr mm[LAN_RX_BATCH];
	struct iovec iov[LAN_RX_BATCH];

	/* Bounded: at most 64 datagrams per wakeup, so timers still run. */
	for (int round = 0; round < 64 / LAN_RX_BATCH; round++) {
		int got;

		for (int i = 0; i < LAN_RX_BATCH; i++) {
			pkt[i] = (struct lan_pkt){ .lan = sock->lan, .sock = sock };
			iov[i] = (struct iovec){ .iov_base = buf[i], .iov_len = sizeof(buf[i]) };
			mm[i] = (struct mmsghdr){ .msg_hdr = {
				.msg_name = &pkt[i].peer, .msg_namelen = sizeof(pkt[i].peer),
				.msg_iov = &iov[i], .msg_iovlen = 1 } };
		}
		got = recvmmsg(fd, mm, LAN_RX_BATCH, MSG_DONTWAIT, NULL);
		if (got < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warning("lan: recvmmsg: %m");
			return 0;
		}
		for (int i = 0; i < got; i++) {
			sock->lan->stats.rx++;
			if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				sock->lan->dropped++;
				log_debug("lan: dropped an oversized datagram (over %zu bytes)",
					  sizeof(buf[i]));
				continue;
			}
			pkt[i].peerlen = mm[i].msg_hdr.msg_namelen;
			lan_datagram(sock, &pkt[i], buf[i], mm[i].msg_len);
		}
		if (got < LAN_RX_BATCH)
			return 0;
	}
	return 0;
}

/* The port the socket is bound to (the endpoint's, unless it asked for 0). */
static uint16_t endpoint_port(int fd, const struct cfg_endpoint *ep)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const struct sockaddr_storage *a = &ep->addr;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		a = &ss;
	if (a->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
	return ntohs(((const struct sockaddr_in *)a)->sin_port);
}

uint16_t lan_session_port(const struct session *s)
{
	const struct lan_sock *sock = s ? s->lan_sock : NULL;

	return sock ? sock->port : 0;
}

static int lan_bind(struct lan *lan, const struct cfg_endpoint *ep)
{
	struct lan_sock *sock = &lan->socks[lan->n_socks];
	int one = 1, fd, r;

	fd = socket(ep->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return log_error_errno(-errno, "lan: socket for %s", ep->text);
	if (ep->addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&ep->addr, ep->addrlen) < 0) {
		r = -errno;
		close(fd);
		return log_error_errno(r, "lan: cannot listen on %s", ep->text);
	}
	sock->lan = lan;
	sock->fd = fd;
	sock->port = endpoint_port(fd, ep);
	r = sd_event_add_io(lan->bmc->ev, &sock->src, fd, EPOLLIN, lan_on_readable, sock);
	if (r < 0) {
		close(fd);
		return log_error_errno(r, "lan: event source for %s", ep->text);
	}
	lan->n_socks++;
	log_info("lan: listening on %s (channel %u)", ep->text, lan->bmc->cfg.lan.channel);
	return 0;
}

/* The sockets of every endpoint closed, every session dropped (the LAN
 * makes all of them; a half-open RMCP+ one has no socket yet) and the
 * answered Open Sessions forgotten. */
static void lan_close_socks(struct lan *lan)
{
	struct session_table *t = lan->bmc->sessions;

	for (unsigned i = 0; t && i < t->max; i++) {
		struct session *s = &t->s[i];

		if (s->state == SESS_FREE)
			continue;
		/* Closed by the BMC's administrator: a handshake cut short
		 * is not a wrong password. */
		if (i < LAN_MAX_SESSIONS)
			lan->rakp_counted[i] = s->bmc_sid;
		session_free(s);
	}
	memset(lan->opens, 0, sizeof(lan->opens));
	for (unsigned i = 0; i < lan->n_socks; i++) {
		lan->socks[i].src = sd_event_source_disable_unref(lan->socks[i].src);
		close(lan->socks[i].fd);
		lan->socks[i].fd = -1;
	}
	lan->n_socks = 0;
}

static int lan_bind_all(struct lan *lan)
{
	struct bmc *bmc = lan->bmc;
	int r;

	for (unsigned i = 0; i < bmc->cfg.lan.n_listen; i++) {
		r = lan_bind(lan, &bmc->cfg.lan.listen[i]);
		if (r < 0) {
			lan_close_socks(lan);
			return r;
		}
	}
	return 0;
}

/* The state file: one byte, 0 when an administrator closed the
 * listeners (Redfish NetworkProtocol IPMI.ProtocolEnabled false). */
static int lan_saved_enabled(struct bmc *bmc)
{
	uint8_t b;
	ssize_t n = store_load(bmc->state_fd, LAN_ENABLED_FILE, &b, 1, "state");

	if (n == -ENOENT)
		return 1;
	if (n < 0)
		return (int)n;		/* logged */
	if (n != 1 || b > 1) {
		log_warning("state: %s is corrupt; moved to %s.corrupt, IPMI over LAN stays on",
			    LAN_ENABLED_FILE, LAN_ENABLED_FILE);
		store_set_aside(bmc->state_fd, LAN_ENABLED_FILE, "state");
		return 1;
	}
	return b;
}

int lan_open(struct bmc *bmc, struct lan **ret)
{
	struct lan *lan = calloc(1, sizeof(*lan));
	int r;

	if (!lan)
		return log_error_errno(-ENOMEM, "lan");
	lan->bmc = bmc;
	log_limit_init(&lan->refused_log, "refused logins", 10, 3);
	if (crypto_random(lan->open_key, sizeof(lan->open_key)) < 0) {
		free(lan);
		return log_error_errno(-EIO, "lan: no random key");
	}
	r = lan_saved_enabled(bmc);
	if (r < 0) {
		free(lan);
		return r;
	}
	lan->enabled = r;
	if (!lan->enabled)
		log_notice("lan: IPMI over LAN is off (turned off over Redfish); not listening");
	else {
		r = lan_bind_all(lan);
		if (r < 0) {
			lan_free(lan);
			return r;
		}
	}
	*ret = lan;
	return 0;
}

bool lan_enabled(const struct lan *lan)
{
	return lan && lan->enabled;
}

int lan_set_enabled(struct lan *lan, bool on)
{
	struct bmc *bmc = lan->bmc;
	uint8_t b = on;
	int r;

	if (on == lan->enabled)
		return 0;
	if (on) {
		r = lan_bind_all(lan);
		if (r < 0)
			return r;
	} else {
		lan_close_socks(lan);
		log_notice("lan: IPMI over LAN turned off: listeners closed, sessions dropped");
	}
	lan->enabled = on;
	r = store_write(bmc->state_fd, LAN_ENABLED_FILE, &b, 1);
	if (r < 0)
		log_error_errno(r, "state: cannot write %s (the change holds until a restart)",
				LAN_ENABLED_FILE);
	return 0;
}

struct lan *lan_free(struct lan *lan)
{
	if (!lan)
		return NULL;
	explicit_bzero(lan->open_key, sizeof(lan->open_key));
	crypto_free(&lan->crypto);
	for (unsigned i = 0; i < lan->n_socks; i++) {
		sd_event_source_disable_unref(lan->socks[i].src);
		close(lan->socks[i].fd);
	}
	free(lan);
	return NULL;
}
