/* SPDX-License-Identifier: MIT */
/*
 * The user table (IPMI 2.0 ch. 6.9, 22.26-22.30): names, passwords (16- or
 * 20-byte form), enable state, per-channel access (privilege limit, IPMI
 * messaging, link auth, callback only, payload access) and the bad-password
 * lockout state.  Seeded from the board file on first boot; after that the
 * state file "users" is authoritative.  That file is sealed with
 * AES-256-GCM under a device key kept in "users.key" (0600), both in the
 * state directory.  See docs/users.md.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channels/channel.h"
#include "daemon/config.h"

#define USERS_KEY_LEN 32

enum {				/* payload access bits (Set User Payload Access) */
	USER_PAYLOAD_SOL = 1 << 1,	/* bit n: standard payload type n (1..7) */
	/* bits 8..15: OEM payloads 0..7 (payload types 20h..27h) */
};

struct user_access {		/* one user on one channel */
	uint8_t priv;			/* privilege limit: 1..5, or PRIV_NO_ACCESS (0Fh) */
	bool ipmi;			/* IPMI messaging enabled */
	bool link;			/* link authentication enabled */
	bool callback_only;		/* restricted to callback */
	uint8_t session_limit;		/* 0 = only the channel's */
	uint16_t payloads;		/* USER_PAYLOAD_* */
};

struct user {
	char name[CFG_NAME_MAX + 1];	/* "" = no name (user 1 always) */
	uint8_t key[CFG_PASSWORD_MAX];	/* password, zero padded (K_UID) */
	bool pw20;			/* set in the 20-byte form */
	bool enabled;
	struct user_access ch[CHANNEL_MAX];
	/* Bad-password lockout: the lock is saved in "lockout" (remaining
	 * time), the count of bad passwords is not. */
	uint8_t fails;			/* bad passwords since first_fail */
	uint64_t first_fail_usec;
	bool locked;
	uint64_t locked_until_usec;	/* 0 while locked: until re-enabled */
};

/* The channel security keys (Set Channel Security Keys, IPMI 2.0 22.25)
 * of the LAN channel, kept sealed in the "keys" state file. */
struct channel_keys {
	uint8_t kr[CFG_PASSWORD_MAX];	/* K_R: stored and reported, never used
					 * (RAKP random numbers come from RAND_bytes) */
	uint8_t kg[CFG_PASSWORD_MAX];	/* K_G, all zero: not set (K_UID is used) */
	bool kr_locked, kg_locked;
};

struct users {
	unsigned max;			/* user IDs 1..max */
	struct user u[CFG_MAX_USERS + 1];	/* [0] unused */
	int dirfd;			/* state directory; < 0: nothing is saved */
	uint8_t seal_key[USERS_KEY_LEN];
	const struct channels *channels;
	struct channel_keys keys;
	/* The users (or keys) file was corrupt: LAN logins are refused until
	 * an administrator changes the table in-band (KCS), or removes
	 * users.corrupt and restarts for the board's users.  Never the
	 * factory users silently. */
	bool recovery;
};

struct bmc;
struct ipmi_req;
struct wbuf;

/* Load the saved users (or seed them from the board on first boot, or when
 * the file is corrupt: then it is moved aside to users.corrupt and the
 * problem logged).  Fails (-errno) only when the device key cannot be made
 * or the state cannot be written at all. */
int users_init(struct users *us, const struct board_config *cfg, const struct channels *ch,
	       int dirfd);
/* Wipe every secret. */
void users_done(struct users *us);
/* K_G when one is set (not all zero), else NULL. */
const uint8_t *users_kg(const struct users *us);

/* --- For the LAN channel ---------------------------------------------------- */

/* The user who may log in on channel with this name (len bytes; 0 = the
 * null user 1): enabled, IPMI messaging on, privilege not NO ACCESS.
 * 0 if none. */
uint8_t users_login_find(const struct users *us, uint8_t channel, const uint8_t *name, size_t len);
/* K_UID: the password zero padded to 20 bytes (all zero for a bad ID). */
const uint8_t *users_key(const struct users *us, uint8_t uid);
/* The password was set in the 20-byte form with bytes past the 16th: it
 * cannot be used by IPMI 1.5. */
bool users_key_needs_v20(const struct users *us, uint8_t uid);
/* The most a session of this user may reach on channel: the lower of the
 * user's and the channel's limits; PRIV_NONE if no access. */
uint8_t users_priv_limit(const struct users *us, uint8_t uid, uint8_t channel);
/* The user's simultaneous session limit on channel (Set User Access byte
 * 4); 0: only the channel's limit applies. */
uint8_t users_session_limit(const struct users *us, uint8_t uid, uint8_t channel);
/* Whether uid is locked out now (a lock whose interval has passed ends
 * here). */
bool users_locked(struct users *us, uint8_t uid, uint64_t now_usec);
/* Count a bad password (failed RAKP3 / IPMI 1.5 AuthCode) and lock the user
 * when the channel's threshold is reached.  Logs it, with peer text. */
void users_login_failed(struct users *us, uint8_t uid, uint8_t channel, uint64_t now_usec,
			const char *peer);
/* A successful login: logs it, clears the bad-password count. */
void users_login_ok(struct users *us, uint8_t uid, uint8_t channel, const char *peer,
		    const char *how);
/* Get Channel Authentication Capabilities, byte 3 [2:0]: non-null names,
 * null name with password, anonymous (null name and password). */
uint8_t users_auth_status(const struct users *us, uint8_t channel);
/* A user name as printable text for logs (escapes non-printables). */
const char *users_name_text(const uint8_t *name, size_t len, char out[4 * CFG_NAME_MAX + 1]);

/* --- For Redfish accounts (redfish/auth.c, redfish/res_accounts.c) ------- */

/* The user named name (NUL-terminated, exact), enabled or not; 0 if none
 * (user 1, the null user, has no name and is never found). */
uint8_t users_find_name(const struct users *us, const char *name);
/* Whether the password (len bytes) is uid's, compared in constant time
 * over the 20-byte zero-padded key. */
bool users_password_ok(const struct users *us, uint8_t uid, const char *pw, size_t len);
/* A good login that is not logged (a request with Basic auth after the
 * first): clears the bad-password count. */
void users_login_quiet(struct users *us, uint8_t uid);
/* A free user ID (no name, 2..max) or 0. */
uint8_t users_free_id(const struct users *us);

/* One change to a user, applied whole or not at all. */
struct user_change {
	const char *name;		/* 1..16 printable ASCII; NULL: unchanged */
	const char *password;		/* 1..20 bytes, no NUL; NULL: unchanged */
	size_t password_len;
	int enabled;			/* 0 or 1; -1: unchanged */
	int priv;			/* PRIV_* on channel; -1: unchanged */
	uint8_t channel;
	bool unlock;			/* clear a lockout */
};
/* Check, apply and save a change: 0, -EINVAL (bad uid or value), -EEXIST
 * (the name belongs to another user) or -EIO (not saved: nothing changed).
 * Logs what changed (never the password). */
int users_change(struct users *us, uint8_t uid, const struct user_change *c);
/* Delete uid (2..max): the slot becomes unused, as Set User Name with an
 * empty name does.  0, -EINVAL or -EIO. */
int users_delete(struct users *us, uint8_t uid);

/* --- Payload access (Set/Get User Payload Access, Activate Payload) -------- */

/* Whether uid may activate payload type (1 = SOL, 20h..27h OEM) on channel. */
bool users_payload_allowed(const struct users *us, uint8_t uid, uint8_t channel, uint8_t type);
/* The USER_PAYLOAD_* bits of uid on channel (0 for bad IDs). */
uint16_t users_payload_access(const struct users *us, uint8_t uid, uint8_t channel);
/* Turn bits on or off and save.  0, -EINVAL (bad uid or channel) or -errno. */
int users_set_payload_access(struct users *us, uint8_t uid, uint8_t channel, uint16_t bits, bool on);

/* --- App netfn handlers (listed in users_cmds, channels/module.c) -------- */
int users_cmd_set_access(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int users_cmd_get_access(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int users_cmd_set_name(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int users_cmd_get_name(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int users_cmd_set_password(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int users_cmd_channel_keys(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
