/* SPDX-License-Identifier: MIT */
/*
 * The session table shared by IPMI 1.5 and RMCP+ sessions.  Bounded: when it
 * is full, a new session reaps the oldest one that has not yet been sent a
 * RAKP2 (a v1.5 challenge).  A session that was sent a RAKP2 is only freed
 * by its own end (RAKP3, refusal, expiry, Close Session): freeing it
 * counts as a failed login (on_unproven), and a flood must not be able to
 * make a good login count as a bad one.  RMCP+ Open Session allocates no
 * slot at all (lan/rmcpplus.c: the BMC session ID is a keyed cookie).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "daemon/config.h"

enum session_state {
	SESS_FREE = 0,
	SESS_CHALLENGE,		/* v1.5: challenge sent, waiting for Activate Session */
	SESS_OPENED,		/* v2: Open Session answered, waiting for RAKP1 */
	SESS_RAKP2,		/* v2: RAKP2 sent, waiting for RAKP3 */
	SESS_ACTIVE,
	SESS_CLOSING,		/* Close Session answered; freed after the reply is sent */
};

#define SESSION_HALF_OPEN_TIMEOUT_S 10

struct seq_window {
	uint32_t last;		/* highest accepted sequence number */
	uint32_t seen;		/* bit i: last - i was accepted */
	bool started;
};

struct session {
	enum session_state state;
	uint8_t handle;			/* 1..max, for Get Session Info */
	bool v20;			/* RMCP+ */
	uint8_t channel;
	uint32_t bmc_sid;		/* our ID: what the console puts in its packets */
	uint32_t console_sid;		/* v2: the console's ID, put in our packets */
	uint8_t user_id;
	uint8_t user[CFG_NAME_MAX];
	uint8_t ulen;
	enum ipmi_priv max_priv;	/* the most this session may reach */
	enum ipmi_priv priv;		/* current privilege */

	/* IPMI 1.5 */
	uint8_t authtype;
	uint8_t challenge[16];

	/* RMCP+ */
	uint8_t tag;			/* message tag of the last Open Session / RAKP1 */
	enum ipmi_priv open_priv;	/* the maximum privilege Open Session answered */
	uint8_t auth_alg, integ_alg, conf_alg;
	uint8_t role;			/* RAKP1 role byte, exactly as received */
	uint8_t rm[16], rc[16];
	uint8_t sik[32], k1[32], k2[32];
	uint8_t key_len;		/* length of SIK / K1 (hash length) */

	struct seq_window in;		/* authenticated inbound sequence numbers */
	uint32_t out_seq;		/* last outbound sequence number used */

	struct sockaddr_storage peer;
	socklen_t peerlen;
	void *lan_sock;			/* the LAN socket the session talks through */
	struct session_table *table;
	uint64_t created_usec;
	uint64_t last_usec;
};

struct session_table {
	struct session *s;
	unsigned max;
	unsigned timeout_s;
	/* Called before any session that was in use is freed (closed,
	 * timed out, reaped, reset), e.g. to deactivate its SOL payload. */
	void (*on_free)(void *userdata, struct session *s);
	void *userdata;
	/* Called before a session that was sent a RAKP2 and never proved its
	 * password with a RAKP3 is freed, whatever frees it: the LAN code
	 * counts it as a failed login. */
	void (*on_unproven)(void *userdata, struct session *s);
	void *unproven_userdata;
};

int session_table_init(struct session_table *t, unsigned max, unsigned timeout_s);
void session_table_free(struct session_table *t);

/* A new session in state 'state' with a fresh random non-zero ID; reaps the
 * oldest session still waiting for Activate Session (v1.5 challenge) or
 * RAKP1 if the table is full.  NULL if no slot can be had. */
struct session *session_new(struct session_table *t, enum session_state state, uint64_t now);
struct session *session_by_id(struct session_table *t, uint32_t bmc_sid);
struct session *session_by_handle(struct session_table *t, uint8_t handle);
void session_free(struct session *s);
/* Free sessions idle past their timeout.  Returns how many were freed. */
unsigned session_expire(struct session_table *t, uint64_t now);
unsigned session_count_active(const struct session_table *t);
void session_clear(struct session_table *t);

/* Whether the session's packets are encrypted (RMCP+ with a
 * confidentiality algorithm; IPMI 1.5 sessions never are). */
bool session_confidential(const struct session *s);

/* Sliding window of 32: accept a number not yet seen within the 32 below
 * the highest, or up to 16 above it.  Returns true (and records it) when
 * the number is acceptable. */
bool seq_window_accept(struct seq_window *w, uint32_t seq);
