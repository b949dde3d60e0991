/* SPDX-License-Identifier: MIT */
/*
 * The channel table (IPMI 2.0 ch. 6): which channels this BMC has, their
 * access settings (Set/Get Channel Access, volatile and non-volatile) and,
 * per LAN channel, the bad-password lockout policy (the numbers of LAN
 * configuration parameter 24h).  Non-volatile settings live in the state
 * file "channels"; volatile ones start as a copy and return to it on a cold
 * reset.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "daemon/config.h"

#define CHANNEL_MAX 16		/* channel numbers 0..15 */

enum channel_mode {		/* access mode, Set Channel Access byte 2 [2:0] */
	CH_MODE_DISABLED = 0,
	CH_MODE_PREBOOT = 1,
	CH_MODE_ALWAYS = 2,
	CH_MODE_SHARED = 3,
};

enum channel_medium {		/* channel medium type (table 6-3) */
	CH_MEDIUM_IPMB = 0x01,
	CH_MEDIUM_LAN = 0x04,
	CH_MEDIUM_SYSIF = 0x0c,
};

struct channel_access {
	uint8_t mode;			/* enum channel_mode */
	bool alerting_off;		/* PEF alerting disabled */
	bool per_msg_auth_off;		/* per-message authentication disabled */
	bool user_auth_off;		/* user-level authentication disabled */
	uint8_t priv_limit;		/* enum ipmi_priv, 1..5 */
};

/* Bad password threshold (LAN parameter 24h).  threshold 0 = off;
 * intervals are in tens of seconds as the parameter carries them;
 * reset_10s 0 = the count never expires; lockout_10s 0 = locked until an
 * administrator re-enables the user. */
struct lockout_policy {
	bool audit;			/* generate a session audit event (not yet) */
	uint8_t threshold;
	uint16_t reset_10s;
	uint16_t lockout_10s;
};

#define LOCKOUT_DEFAULT ((struct lockout_policy){ .threshold = 5, .reset_10s = 6, .lockout_10s = 6 })

struct channel {
	bool present;
	uint8_t medium;			/* enum channel_medium */
	uint8_t protocol;		/* channel protocol type (table 6-2) */
	uint8_t sessions;		/* 0 session-less, 1 single, 2 multi, 3 session-based */
	struct channel_access nv;	/* non-volatile (saved) */
	struct channel_access vol;	/* volatile (in effect) */
	struct lockout_policy lockout;
};

struct channels {
	struct channel ch[CHANNEL_MAX];
	int dirfd;			/* state directory; < 0: nothing is saved */
};

struct bmc;
struct ipmi_req;
struct wbuf;

/* Build the table from the board (its LAN channel and the system
 * interface) and apply the saved settings.  A corrupt file is logged and
 * ignored.  0 or -errno. */
int channels_init(struct channels *c, const struct board_config *cfg, int dirfd);
/* Volatile settings back to the non-volatile ones (cold reset). */
void channels_reset_volatile(struct channels *c);

/* NULL when the channel does not exist (or n > 15). */
const struct channel *channel_get(const struct channels *c, uint8_t n);
/* A channel that carries sessions (LAN): users have access settings on it. */
bool channel_has_sessions(const struct channels *c, uint8_t n);
/* Whether the channel takes new sessions now (its access mode; pre-boot
 * only means: while the host is powered off). */
bool channel_accepts_sessions(const struct bmc *bmc, uint8_t n);
/* The channel's privilege limit in effect (PRIV_NONE for no channel). */
uint8_t channel_priv_limit(const struct channels *c, uint8_t n);
/* The lockout policy of a channel; NULL for a channel without sessions. */
const struct lockout_policy *channel_lockout(const struct channels *c, uint8_t n);
/* Replace (and save) a channel's lockout policy, for LAN parameter 24h.
 * 0, -ENOENT (no such session channel) or -errno from the store. */
int channel_set_lockout(struct channels *c, uint8_t n, const struct lockout_policy *p);

/* App netfn handlers (listed in channels_cmds, channels/app.c). */
int channel_cmd_set_access(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int channel_cmd_get_access(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
