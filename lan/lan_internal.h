/* SPDX-License-Identifier: MIT */
/* Shared between the files of lan/ only. */
#pragma once

#include "lan/crypto.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "channels/session.h"
#include "daemon/buf.h"
#include "daemon/config.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "lan/lan.h"

#define LAN_MAX_PACKET 1024	/* larger datagrams are dropped */
#define LAN_MAX_SESSIONS 64	/* the largest lan.max_sessions */
/* How long a handshake that was sent a RAKP2 may wait for its RAKP3 before
 * it counts as a failed login: a new RAKP1 of the same user from the same
 * address, or the once-a-second reaper, counts it then (lan.c). */
#define LAN_RAKP3_GRACE_USEC (3 * 1000000ULL)
/* An IPMI message on LAN: rqAddr netFn/LUN cs1 rsAddr seq/LUN cmd, then
 * the completion code, the data and a checksum. */
#define LAN_MSG_OVERHEAD 8
/* RMCP+ carries every response (a 16-bit payload length); IPMI 1.5
 * framing has a one-byte message length, so 247 response data bytes. */
#define LAN_MAX_MSG (LAN_MSG_OVERHEAD + IPMI_MAX_RSP)
#define V15_MAX_MSG 255
/* Answered Open Session requests waiting for their RAKP1 (a power of two;
 * the low bits of the BMC session ID given out name the entry). */
#define LAN_PENDING_OPENS 8192

#define RMCP_VERSION 0x06
#define RMCP_CLASS_ASF 0x06
#define RMCP_CLASS_IPMI 0x07

enum {				/* IPMI 1.5 session authentication types */
	AUTHTYPE_NONE = 0,
	AUTHTYPE_MD2 = 1,
	AUTHTYPE_MD5 = 2,
	AUTHTYPE_PASSWORD = 4,
	AUTHTYPE_OEM = 5,
	AUTHTYPE_RMCPP = 6,
};

enum {				/* RMCP+ payload types */
	PAYLOAD_IPMI = 0x00,
	PAYLOAD_SOL = 0x01,
	PAYLOAD_OEM = 0x02,
	PAYLOAD_OPEN_REQ = 0x10,
	PAYLOAD_OPEN_RSP = 0x11,
	PAYLOAD_RAKP1 = 0x12,
	PAYLOAD_RAKP2 = 0x13,
	PAYLOAD_RAKP3 = 0x14,
	PAYLOAD_RAKP4 = 0x15,
};

struct lan;

/* An answered Open Session: all bmcd keeps of it until RAKP1.  The BMC
 * session ID it gave out is the entry's index and a keyed MAC over the
 * entry and the console's address and port (rmcpplus.c). */
struct lan_pending_open {
	uint32_t console_sid;
	uint32_t gen;			/* which write of this entry: 0 = unused/taken */
	uint32_t created_s;		/* bmc_now() in seconds */
	uint32_t bmc_sid;		/* the ID given out */
	uint8_t suite;			/* cipher suite ID */
	uint8_t priv;			/* maximum privilege answered */
	uint8_t pad[2];
};

struct lan_sock {
	struct lan *lan;
	int fd;
	uint16_t port;			/* the local UDP port it is bound to */
	sd_event_source *src;
};

/* Get IP/UDP/RMCP Statistics (IPMI 2.0 section 23.4), counted where the
 * datagrams pass.  The kernel's IP layer never hands bmcd a packet with a
 * bad header, a wrong address or missing fragments, and bmcd proxies no
 * UDP, so those counters stay 0.  16 bits on the wire: they roll over. */
struct lan_stats {
	uint16_t rx;			/* datagrams received: IP and UDP packets */
	uint16_t tx;			/* datagrams sent */
	uint16_t rmcp_valid;		/* with a valid RMCP header (ASF or IPMI) */
};

struct lan {
	struct crypto crypto;		/* OpenSSL objects reused by every session */
	struct bmc *bmc;
	struct lan_sock socks[CFG_MAX_LISTEN];
	unsigned n_socks;
	bool enabled;			/* listening (false: closed over Redfish) */
	uint64_t dropped;		/* malformed or unauthenticated datagrams */
	struct lan_stats stats;
	struct {
		lan_payload_fn fn;
		void *userdata;
	} payload[64];			/* by payload type; [0] unused (IPMI) */
	uint32_t rakp_counted[LAN_MAX_SESSIONS];	/* per session slot: the session ID
						 * whose RAKP2 was counted as a bad password */
	uint8_t open_key[32];		/* keys the MAC in BMC session IDs */
	uint32_t open_next;		/* next entry of 'opens' to write */
	uint32_t open_gen;
	struct lan_pending_open opens[LAN_PENDING_OPENS];
	struct log_limit refused_log;	/* refused logins, per source address */
};

/* One received datagram: where it came from and how to answer it.  The
 * request's ->xport points here. */
struct lan_pkt {
	struct lan *lan;
	struct lan_sock *sock;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	bool v20;			/* arrived in RMCP+ framing */
	uint8_t authtype;		/* v1.5 framing: the packet's auth type */
	uint8_t rq_addr, rq_seq, rs_addr;	/* from the IPMI message, for the reply */
};

/* lan.c */
/* One datagram from peer, as if it had arrived on sock (also the fuzzers'
 * entry point). */
void lan_input(struct lan_sock *sock, const struct sockaddr *peer, socklen_t peerlen,
	       const uint8_t *buf, size_t len);
void lan_send(struct lan_pkt *pkt, const void *buf, size_t len);
bool lan_same_peer(const struct lan_pkt *pkt, const struct session *s);
/* Log a login refused because no enabled user has this name. */
void lan_log_refused_user(struct lan_pkt *pkt, const uint8_t *name, size_t ulen, uint8_t channel);
/* "ADDR:PORT" of a peer, for logs. */
const char *lan_peer_text(const struct sockaddr_storage *ss, char buf[64]);
/* Parse one IPMI message (rsAddr..checksum), dispatch it and build the
 * response message into out.  Returns the response length, 0 to drop. */
size_t lan_run_msg(struct lan_pkt *pkt, struct session *s, enum ipmi_priv priv,
		   struct rbuf msg, uint8_t *out, size_t cap);
/* The crypto key slots (lan/crypto.h): one for the key of the Open Session
 * cookies, the others shared by the sessions' K1 and K2. */
#define LAN_SLOT_OPEN_KEY (CRYPTO_KEY_SLOTS - 1)
static inline unsigned lan_key_slot(const struct session *s)
{
	return s->handle % (CRYPTO_KEY_SLOTS - 1);
}
/* The user's password, zero padded to 20 bytes (K_UID). */
const uint8_t *lan_user_key(struct lan *lan, uint8_t user_id);
/* Which user has this name (ulen bytes, 0 = the null user); 0 if none. */
uint8_t lan_find_user(struct lan *lan, const uint8_t *name, size_t ulen);
/* The user's privilege limit on the LAN channel, capped by the channel's
 * own limit; PRIV_NONE for no access. */
enum ipmi_priv lan_user_priv(struct lan *lan, uint8_t user_id);
/* Whether cur's user already has as many active sessions on cur's channel
 * as its session limit (Set User Access) allows; logs the refusal. */
bool lan_user_sessions_full(struct lan *lan, const struct session *cur);
/* Before a new half-open session for pkt's source address: at most half
 * the session table may be half-open from one address; past that its
 * oldest one is dropped that is still waiting for Activate Session or
 * that got a RAKP2 already counted as failed (superseded); if it has none,
 * false is returned: refuse. */
bool lan_half_open_room(struct lan_pkt *pkt);
/* Whether a login by cur's user, which cannot reach ADMINISTRATOR on the
 * channel, would take one of the session slots kept for administrators
 * (logs the refusal). */
bool lan_slot_kept_for_admin(struct lan *lan, const struct session *cur);
/* Whether a refused-login line about pkt's source may be logged now (the
 * rest are counted and summed up per source every 10 s). */
bool lan_log_refusal_ok(struct lan_pkt *pkt);
/* A handshake that got a RAKP2 and no good RAKP3 (wrong, aborted,
 * abandoned, superseded, expired or closed): count it, once, as a bad
 * password for its user.  Also the session table's on_unproven hook, so
 * that whatever frees such a session counts it. */
void lan_count_bad_handshake(struct lan *lan, struct session *s);
/* RAKP1 for uid on session cur: this console's earlier handshakes for the
 * same user from the same address that got a RAKP2 and no RAKP3 yet (and
 * cur's own, if it had a different Rm) count as bad passwords. */
void lan_handshakes_superseded(struct lan_pkt *pkt, struct session *cur, uint8_t uid,
			       const uint8_t rm[16]);

/* rmcpplus.c */
void rmcpp_receive(struct lan_pkt *pkt, struct rbuf *r);

/* lancmds.c: the enabled suite (from the bitmask 'enabled') that matches
 * an algorithm triple, as id << 24 | auth << 16 | integ << 8 | conf;
 * -1 if none. */
int cipher_suite_match(uint32_t enabled, uint8_t auth, uint8_t integ, uint8_t conf);
/* The same packing for suite 'id'; -1 if bmcd does not implement it. */
int cipher_suite_by_id(uint8_t id);
