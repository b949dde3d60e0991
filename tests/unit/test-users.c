/* SPDX-License-Identifier: MIT */
/*
 * The user table and channel access: commands through the dispatcher
 * (completion codes, nothing changed on refusal), the sealed users file
 * (no password in clear, key 0600, survives a restart, a corrupt or
 * undecryptable file is moved aside and LAN logins are refused until an
 * administrator recovers — never the board's users silently),
 * channel access persistence, and the bad-password lockout on a fake clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/bmc.h"
#include "channels/channel.h"
#include "channels/users.h"
#include "daemon/ipmi.h"
#include "daemon/store.h"
#include "bmc-parts.h"
#include "tap.h"

static struct bmc bmc;
static char dir[] = "/tmp/test-users-XXXXXX";
static uint8_t last[IPMI_MAX_RSP];
static size_t last_len;

static uint8_t cmd_as(enum ipmi_priv priv, uint8_t c, const uint8_t *data, size_t len)
{
	struct wbuf w = wb_init(last, sizeof(last));
	struct ipmi_req req = {
		.channel = 1, .priv = priv, .netfn = NETFN_APP, .cmd = c, .data = data, .len = len,
	};
	uint8_t cc = ipmi_dispatch(&bmc, &req, &w);

	last_len = w.len;
	return cc;
}

#define CMD(c, ...) ({ const uint8_t d_[] = { __VA_ARGS__ }; cmd_as(PRIV_ADMIN, (c), d_, sizeof(d_)); })
#define RSP_IS(...) ({ const uint8_t e_[] = { __VA_ARGS__ }; \
	last_len == sizeof(e_) && memcmp(last, e_, sizeof(e_)) == 0; })

static uint8_t set_name(uint8_t uid, const char *name, size_t len)
{
	uint8_t d[17] = { uid };

	memcpy(d + 1, name, len);
	return cmd_as(PRIV_ADMIN, 0x45, d, sizeof(d));
}

static uint8_t password(uint8_t uid, uint8_t op, bool pw20, const char *pw)
{
	uint8_t d[22] = { (uint8_t)(uid | (pw20 ? 0x80 : 0)), op };

	memcpy(d + 2, pw, strnlen(pw, 20));
	return cmd_as(PRIV_ADMIN, 0x47, d, pw20 ? 22 : 18);
}

static void board(struct board_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->lan.channel = 1;
	cfg->max_users = 15;
	cfg->users[2] = (struct cfg_user){ .id = 2, .name = "admin", .password = "password",
					   .password_len = 8, .privilege = PRIV_ADMIN, .enabled = true };
	cfg->users[3] = (struct cfg_user){ .id = 3, .name = "op", .password = "operator",
					   .password_len = 8, .privilege = PRIV_OPERATOR, .enabled = true };
}

static void start(void)
{
	CHECK(channels_init(bmc.channels, &bmc.cfg, bmc.state_fd) == 0);
	CHECK(users_init(bmc.users, &bmc.cfg, bmc.channels, bmc.state_fd) == 0);
}

static void restart(void)
{
	users_done(bmc.users);
	start();
}

/* Does the file contain these bytes anywhere? */
static bool file_has(const char *name, const void *needle, size_t n)
{
	static uint8_t buf[16384];
	ssize_t len = store_read(bmc.state_fd, name, buf, sizeof(buf));

	if (len < 0)
		return false;
	for (ssize_t i = 0; i + (ssize_t)n <= len; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return true;
	return false;
}

static bool exists(const char *name)
{
	struct stat st;

	return fstatat(bmc.state_fd, name, &st, 0) == 0;
}

static void test_first_boot(void)
{
	struct stat st;

	CHECK(exists("users") && exists("users.key"));
	CHECK(fstatat(bmc.state_fd, "users.key", &st, 0) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(fstatat(bmc.state_fd, "users", &st, 0) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(!file_has("users", "password", 8) && !file_has("users", "operator", 8));
	CHECK(!file_has("users", "admin", 5));
	CHECK(CMD(0x46, 2) == CC_OK && last_len == 16 && memcmp(last, "admin\0\0", 7) == 0);
	/* max 15, user 2 enabled, 2 enabled, 1 fixed name, ipmi on, admin */
	CHECK(CMD(0x44, 1, 2) == CC_OK && RSP_IS(15, 0x40 | 2, 1, 0x14));
	CHECK(CMD(0x44, 1, 1) == CC_OK && RSP_IS(15, 0x80 | 2, 1, 0x1f));
	CHECK(CMD(0x46, 1) == CC_OK && last_len == 16 && last[0] == 0);
	CHECK(users_login_find(bmc.users, 1, (const uint8_t *)"admin", 5) == 2);
	CHECK(users_login_find(bmc.users, 1, (const uint8_t *)"admi", 4) == 0);
	CHECK(users_login_find(bmc.users, 1, NULL, 0) == 0);	/* null user disabled */
	CHECK(users_priv_limit(bmc.users, 3, 1) == PRIV_OPERATOR);
	CHECK(users_auth_status(bmc.users, 1) == 0x04);
	CHECK(users_payload_allowed(bmc.users, 2, 1, 1));
}

static void test_names(void)
{
	CHECK(set_name(5, "alice", 5) == CC_OK);
	CHECK(CMD(0x46, 5) == CC_OK && memcmp(last, "alice\0", 6) == 0);
	CHECK(set_name(5, "bo\0b", 4) == CC_INVALID_FIELD);		/* NUL in the middle */
	CHECK(set_name(6, "alice", 5) == CC_INVALID_FIELD);		/* another ID has it */
	CHECK(set_name(5, "alice", 5) == CC_OK);			/* its own name again */
	/* All NUL: the user is deleted (pyghmi user_delete, FreeIPMI Username=). */
	CHECK(set_name(7, "tmp", 3) == CC_OK && password(7, 2, false, "tmppw") == CC_OK);
	CHECK(set_name(7, "", 0) == CC_OK);
	CHECK(CMD(0x46, 7) == CC_OK && last[0] == 0);
	CHECK(password(7, 3, false, "tmppw") == 0x80);			/* password wiped */
	CHECK(CMD(0x44, 1, 7) == CC_OK && (last[1] & 0xc0) == 0x80 && (last[3] & 0x0f) == 0x0f);
	CHECK(set_name(5, "tab\there", 8) == CC_INVALID_FIELD);
	CHECK(set_name(0, "x", 1) == CC_INVALID_FIELD);
	CHECK(set_name(16, "x", 1) == CC_INVALID_FIELD);
	CHECK(set_name(1, "anon", 4) == CC_INVALID_FIELD);		/* fixed */
	CHECK(set_name(1, "", 0) == CC_OK);
	CHECK(set_name(6, "0123456789abcdef", 16) == CC_OK);
	CHECK(CMD(0x46, 6) == CC_OK && memcmp(last, "0123456789abcdef", 16) == 0);
	/* 17 bytes of name: wrong length */
	const uint8_t longer[18] = { 7, 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
				     'a', 'a', 'a', 'a', 'a', 'a' };
	CHECK(cmd_as(PRIV_ADMIN, 0x45, longer, sizeof(longer)) == CC_REQ_LEN);
	CHECK(CMD(0x46, 5) == CC_OK && memcmp(last, "alice\0", 6) == 0);	/* unchanged */
	CHECK(CMD(0x46, 0) == CC_INVALID_FIELD);
	CHECK(CMD(0x46, 16) == CC_INVALID_FIELD);
	/* Privilege: user management is admin, reading is operator. */
	const uint8_t n5[17] = { 5, 'e', 'v', 'e' };
	CHECK(cmd_as(PRIV_OPERATOR, 0x45, n5, sizeof(n5)) == CC_INSUFFICIENT_PRIV);
	CHECK(cmd_as(PRIV_USER, 0x46, n5, 1) == CC_INSUFFICIENT_PRIV);
	CHECK(cmd_as(PRIV_OPERATOR, 0x46, n5, 1) == CC_OK);
}

static void test_passwords(void)
{
	CHECK(password(5, 2, false, "secret") == CC_OK);
	CHECK(password(5, 3, false, "secret") == CC_OK);
	CHECK(password(5, 3, false, "secreT") == 0x80);
	CHECK(password(5, 3, true, "secret") == 0x81);
	CHECK(!file_has("users", "secret", 6));
	CHECK(password(5, 2, true, "0123456789abcdefghij") == CC_OK);
	CHECK(password(5, 3, true, "0123456789abcdefghij") == CC_OK);
	CHECK(password(5, 3, false, "0123456789abcdef") == 0x81);
	CHECK(password(5, 3, true, "0123456789abcdefghiX") == 0x80);
	CHECK(users_key_needs_v20(bmc.users, 5));
	CHECK(!file_has("users", "0123456789abcdef", 16));
	/* Length must match the form; past 20 bytes is too long. */
	const uint8_t short16[10] = { 5, 2, 'a' };
	CHECK(cmd_as(PRIV_ADMIN, 0x47, short16, sizeof(short16)) == CC_REQ_LEN);
	const uint8_t mixed[18] = { 0x85, 2, 'a' };
	CHECK(cmd_as(PRIV_ADMIN, 0x47, mixed, sizeof(mixed)) == CC_REQ_LEN);
	uint8_t big[23] = { 0x85, 2, 'a' };
	CHECK(cmd_as(PRIV_ADMIN, 0x47, big, sizeof(big)) == CC_REQ_LEN);
	CHECK(password(0, 2, false, "x") == CC_INVALID_FIELD);
	CHECK(password(16, 2, false, "x") == CC_INVALID_FIELD);
	CHECK(password(5, 3, true, "0123456789abcdefghij") == CC_OK);	/* unchanged */
	CHECK(password(5, 2, false, "secret") == CC_OK);
	/* Enable/disable take 2 bytes (FreeIPMI) or a full password field (ipmitool). */
	CHECK(CMD(0x47, 5, 1) == CC_OK);
	CHECK(CMD(0x44, 1, 5) == CC_OK && (last[1] & 0xc0) == 0x40);
	CHECK(password(5, 0, false, "") == CC_OK);
	CHECK(CMD(0x44, 1, 5) == CC_OK && (last[1] & 0xc0) == 0x80);
	CHECK(CMD(0x47, 5, 1) == CC_OK);
}

static void test_access(void)
{
	/* NO ACCESS yet: no login. */
	CHECK(users_login_find(bmc.users, 1, (const uint8_t *)"alice", 5) == 0);
	CHECK(CMD(0x43, 0x80 | 1, 5, PRIV_USER) == CC_OK);	/* IPMI messaging off */
	CHECK(users_login_find(bmc.users, 1, (const uint8_t *)"alice", 5) == 0);
	CHECK(CMD(0x43, 0x90 | 1, 5, PRIV_USER) == CC_OK);
	CHECK(CMD(0x44, 1, 5) == CC_OK && last[3] == (0x10 | PRIV_USER));
	CHECK(users_login_find(bmc.users, 1, (const uint8_t *)"alice", 5) == 5);
	CHECK(users_priv_limit(bmc.users, 5, 1) == PRIV_USER);
	/* Bit 7 clear: only the privilege changes. */
	CHECK(CMD(0x43, 0x01, 5, PRIV_OPERATOR, 0) == CC_OK);
	CHECK(CMD(0x44, 1, 5) == CC_OK && last[3] == (0x10 | PRIV_OPERATOR));
	CHECK(CMD(0x43, 0x91, 5, 0) == CC_INVALID_FIELD);	/* reserved privilege */
	CHECK(CMD(0x43, 0x91, 5, 7) == CC_INVALID_FIELD);
	CHECK(CMD(0x43, 0x91, 0, 2) == CC_INVALID_FIELD);
	CHECK(CMD(0x43, 0x91, 16, 2) == CC_INVALID_FIELD);
	CHECK(CMD(0x43, 0x95, 5, 2) == CC_INVALID_FIELD);	/* no channel 5 */
	CHECK(CMD(0x43, 0x9f, 5, 2) == CC_INVALID_FIELD);	/* session-less */
	CHECK(CMD(0x44, 5, 5) == CC_INVALID_FIELD);
	CHECK(CMD(0x44, 1, 0) == CC_INVALID_FIELD);
	CHECK(CMD(0x44, 1, 16) == CC_INVALID_FIELD);
	CHECK(CMD(0x44, 1, 5) == CC_OK && last[3] == (0x10 | PRIV_OPERATOR));	/* unchanged */
	/* Disabled: no login. */
	CHECK(password(5, 0, false, "") == CC_OK);
	CHECK(users_login_find(bmc.users, 1, (const uint8_t *)"alice", 5) == 0);
	CHECK(CMD(0x47, 5, 1) == CC_OK);
	/* Payload access for the SOL engineer's commands. */
	CHECK(!users_payload_allowed(bmc.users, 5, 1, 1));
	CHECK(users_set_payload_access(bmc.users, 5, 1, USER_PAYLOAD_SOL, true) == 0);
	CHECK(users_payload_allowed(bmc.users, 5, 1, 1));
	CHECK(users_set_payload_access(bmc.users, 5, 15, USER_PAYLOAD_SOL, true) == -EINVAL);
}

static void test_persistence(void)
{
	restart();
	CHECK(CMD(0x46, 5) == CC_OK && memcmp(last, "alice\0", 6) == 0);
	CHECK(password(5, 3, false, "secret") == CC_OK);
	CHECK(users_login_find(bmc.users, 1, (const uint8_t *)"alice", 5) == 5);
	CHECK(users_priv_limit(bmc.users, 5, 1) == PRIV_OPERATOR);
	CHECK(users_payload_allowed(bmc.users, 5, 1, 1));
	/* The board changed: the state dir stays authoritative. */
	bmc.cfg.users[3].privilege = PRIV_USER;
	restart();
	CHECK(users_priv_limit(bmc.users, 3, 1) == PRIV_OPERATOR);
}

/* The documented way back to the board's users: remove the corrupt copies
 * (and whatever was written since) and start again. */
static void factory_restart(void)
{
	unlinkat(bmc.state_fd, "users.corrupt", 0);
	unlinkat(bmc.state_fd, "keys.corrupt", 0);
	unlinkat(bmc.state_fd, "users", 0);
	unlinkat(bmc.state_fd, "keys", 0);
	restart();
	CHECK(!bmc.users->recovery);
	CHECK(users_login_find(bmc.users, 1, (const uint8_t *)"admin", 5) == 2);
}

/* Damaged files, each alone: garbage and a short file; a key file of the
 * wrong length is replaced (and moved aside), so the old users file then
 * cannot be opened; a corrupt keys file alone is recovery too (K_G is not
 * guessed). */
static const struct damaged_file {
	const char *file, *data;	/* written over the good file */
	const char *aside, *aside2;	/* moved aside (aside2 may be NULL) */
} damaged[] = {
	{ "users", "hello", "users.corrupt", NULL },
	{ "users.key", "short", "users.key.corrupt", "users.corrupt" },
	{ "keys", "garbage", "keys.corrupt", NULL },
};

static void test_corrupt(void)
{
	static uint8_t buf[16384];
	ssize_t n = store_read(bmc.state_fd, "users", buf, sizeof(buf));
	uint8_t key[32];
	size_t i;
	const struct damaged_file *d;

	CHECK(n > 100);
	buf[n / 2] ^= 0x01;	/* one bit flipped in the sealed data */
	CHECK(store_write(bmc.state_fd, "users", buf, (size_t)n) == 0);
	restart();
	/* Moved aside, nothing written, nobody logs in: not the factory admin. */
	CHECK(exists("users.corrupt") && !exists("users"));
	CHECK(bmc.users->recovery);
	CHECK(users_login_find(bmc.users, 1, (const uint8_t *)"alice", 5) == 0);
	CHECK(users_login_find(bmc.users, 1, (const uint8_t *)"admin", 5) == 0);
	CHECK(users_auth_status(bmc.users, 1) == 0);
	/* A restart does not bring the board's users back either. */
	restart();
	CHECK(bmc.users->recovery);
	CHECK(users_login_find(bmc.users, 1, (const uint8_t *)"admin", 5) == 0);
	/* In-band recovery: an administrator's change ends it; what it set is
	 * the state now. */
	CHECK(set_name(2, "root", 4) == CC_OK);
	CHECK(!bmc.users->recovery && exists("users") && exists("keys"));
	CHECK(password(2, 2, false, "newpw") == CC_OK && CMD(0x47, 2, 1) == CC_OK);
	CHECK(CMD(0x43, 0x90 | 1, 2, PRIV_ADMIN) == CC_OK);
	CHECK(users_login_find(bmc.users, 1, (const uint8_t *)"root", 4) == 2);
	CHECK(users_login_find(bmc.users, 1, (const uint8_t *)"admin", 5) == 0);
	restart();
	CHECK(!bmc.users->recovery);
	CHECK(users_login_find(bmc.users, 1, (const uint8_t *)"root", 4) == 2);
	factory_restart();

	/* Another device key: the file cannot be opened (nor the keys file). */
	CHECK(set_name(5, "alice", 5) == CC_OK);
	memset(key, 0x5a, sizeof(key));
	CHECK(store_write(bmc.state_fd, "users.key", key, sizeof(key)) == 0);
	restart();
	CHECK(exists("users.corrupt") && exists("keys.corrupt") && bmc.users->recovery);
	CHECK(CMD(0x46, 5) == CC_OK && last[0] == 0);
	factory_restart();

	/* A damaged file: recovery, the damaged files moved aside. */
	for (i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++) {
		d = &damaged[i];
		CHECK(store_write(bmc.state_fd, d->file, d->data, strlen(d->data)) == 0);
		restart();
		CHECK(exists(d->aside) && (!d->aside2 || exists(d->aside2)) && bmc.users->recovery);
		CHECK(users_login_find(bmc.users, 1, (const uint8_t *)"admin", 5) == 0);
		unlinkat(bmc.state_fd, "users.key.corrupt", 0);	/* factory_restart leaves it */
		factory_restart();
	}
}

static void test_lockout(void)
{
	const uint64_t s = 1000000, t0 = 1000 * s;

	CHECK(!users_locked(bmc.users, 2, t0));
	for (int i = 0; i < 4; i++)
		users_login_failed(bmc.users, 2, 1, t0 + (uint64_t)i * s, "test");
	CHECK(!users_locked(bmc.users, 2, t0 + 5 * s));
	users_login_failed(bmc.users, 2, 1, t0 + 5 * s, "test");
	CHECK(users_locked(bmc.users, 2, t0 + 6 * s));
	CHECK(users_locked(bmc.users, 2, t0 + 64 * s));
	CHECK(!users_locked(bmc.users, 2, t0 + 66 * s));
	/* Failures spread over more than the reset interval do not add up. */
	for (int i = 0; i < 4; i++)
		users_login_failed(bmc.users, 2, 1, t0 + 100 * s + (uint64_t)i * s, "test");
	users_login_failed(bmc.users, 2, 1, t0 + 170 * s, "test");
	CHECK(!users_locked(bmc.users, 2, t0 + 171 * s));
	/* A success clears the count. */
	users_login_ok(bmc.users, 2, 1, "test", "unit");
	for (int i = 0; i < 4; i++)
		users_login_failed(bmc.users, 2, 1, t0 + 172 * s, "test");
	users_login_ok(bmc.users, 2, 1, "test", "unit");
	users_login_failed(bmc.users, 2, 1, t0 + 173 * s, "test");
	CHECK(!users_locked(bmc.users, 2, t0 + 173 * s));
	/* Locked; an administrator re-enabling the user unlocks it. */
	for (int i = 0; i < 5; i++)
		users_login_failed(bmc.users, 3, 1, t0, "test");
	CHECK(users_locked(bmc.users, 3, t0 + s));
	CHECK(CMD(0x47, 3, 1) == CC_OK);
	CHECK(!users_locked(bmc.users, 3, t0 + s));
	/* Threshold 0: never locked. */
	struct lockout_policy off = { .threshold = 0 };
	CHECK(channel_set_lockout(bmc.channels, 1, &off) == 0);
	for (int i = 0; i < 10; i++)
		users_login_failed(bmc.users, 3, 1, t0, "test");
	CHECK(!users_locked(bmc.users, 3, t0));
	/* Lockout interval 0: until re-enabled; and the policy persists. */
	struct lockout_policy forever = { .threshold = 2, .reset_10s = 6, .lockout_10s = 0 };
	CHECK(channel_set_lockout(bmc.channels, 1, &forever) == 0);
	CHECK(channels_init(bmc.channels, &bmc.cfg, bmc.state_fd) == 0);
	CHECK(channel_lockout(bmc.channels, 1)->threshold == 2);
	users_login_failed(bmc.users, 3, 1, t0, "test");
	users_login_failed(bmc.users, 3, 1, t0, "test");
	CHECK(users_locked(bmc.users, 3, t0 + 100000 * s));
	CHECK(CMD(0x47, 3, 1) == CC_OK);
	CHECK(!users_locked(bmc.users, 3, t0));
	CHECK(channel_set_lockout(bmc.channels, 15, &forever) == -ENOENT);
	struct lockout_policy def = LOCKOUT_DEFAULT;
	CHECK(channel_set_lockout(bmc.channels, 1, &def) == 0);
}

static void test_channel_access(void)
{
	/* Defaults: always available, alerting off, admin limit. */
	CHECK(CMD(0x41, 1, 0x40) == CC_OK && RSP_IS(0x22, PRIV_ADMIN));
	CHECK(CMD(0x41, 1, 0x80) == CC_OK && RSP_IS(0x22, PRIV_ADMIN));
	CHECK(CMD(0x41, 15, 0x40) == 0x82);
	CHECK(CMD(0x41, 5, 0x40) == CC_INVALID_FIELD);
	CHECK(CMD(0x41, 1, 0x00) == CC_INVALID_FIELD);
	CHECK(CMD(0x41, 1, 0xc0) == CC_INVALID_FIELD);
	/* Non-volatile: disabled, per-message auth off, operator limit. */
	CHECK(CMD(0x40, 1, 0x40 | 0x20 | 0x10 | 0, 0x40 | PRIV_OPERATOR) == CC_OK);
	CHECK(CMD(0x41, 1, 0x40) == CC_OK && RSP_IS(0x30, PRIV_OPERATOR));
	CHECK(CMD(0x41, 1, 0x80) == CC_OK && RSP_IS(0x22, PRIV_ADMIN));
	CHECK(channel_accepts_sessions(&bmc, 1));
	/* Volatile: disabled now. */
	CHECK(CMD(0x40, 1, 0x80 | 0x20, 0x80 | PRIV_USER) == CC_OK);
	CHECK(!channel_accepts_sessions(&bmc, 1));
	CHECK(users_priv_limit(bmc.users, 2, 1) == PRIV_USER);
	/* Bad requests change nothing. */
	CHECK(CMD(0x40, 1, 0xc2, 0x44) == CC_INVALID_FIELD);
	CHECK(CMD(0x40, 1, 0x42, 0xc4) == CC_INVALID_FIELD);
	CHECK(CMD(0x40, 1, 0x42, 0x40) == CC_INVALID_FIELD);	/* privilege 0 */
	CHECK(CMD(0x40, 1, 0x42, 0x46) == CC_INVALID_FIELD);
	CHECK(CMD(0x40, 1, 0x47, 0x44) == 0x83);
	CHECK(CMD(0x40, 15, 0x42, 0x44) == 0x82);
	CHECK(CMD(0x40, 9, 0x42, 0x44) == CC_INVALID_FIELD);
	CHECK(CMD(0x41, 1, 0x40) == CC_OK && RSP_IS(0x30, PRIV_OPERATOR));
	/* Restart: volatile comes back as the non-volatile setting. */
	CHECK(channels_init(bmc.channels, &bmc.cfg, bmc.state_fd) == 0);
	CHECK(CMD(0x41, 1, 0x80) == CC_OK && RSP_IS(0x30, PRIV_OPERATOR));
	CHECK(!channel_accepts_sessions(&bmc, 1));
	CHECK(CMD(0x40, 1, 0x40 | 0x20 | 2, 0x40 | PRIV_ADMIN) == CC_OK);
	channels_reset_volatile(bmc.channels);
	CHECK(channel_accepts_sessions(&bmc, 1));
	CHECK(CMD(0x41, 1, 0x80) == CC_OK && RSP_IS(0x22, PRIV_ADMIN));
	CHECK(cmd_as(PRIV_OPERATOR, 0x40, (const uint8_t[]){ 1, 0x42, 0x44 }, 3) == CC_INSUFFICIENT_PRIV);
}

static void test_null_user(void)
{
	CHECK(CMD(0x43, 0x91, 1, PRIV_USER) == CC_OK);
	CHECK(CMD(0x47, 1, 1) == CC_OK);
	CHECK(users_login_find(bmc.users, 1, NULL, 0) == 1);
	CHECK(users_auth_status(bmc.users, 1) == (0x04 | 0x01));	/* anonymous */
	CHECK(password(1, 2, false, "pw") == CC_OK);
	CHECK(users_auth_status(bmc.users, 1) == (0x04 | 0x02));	/* null name */
	CHECK(password(1, 0, false, "") == CC_OK);
	CHECK(users_auth_status(bmc.users, 1) == 0x04);
}

int main(void)
{
	test_bmc_parts(&bmc);
	if (!mkdtemp(dir))
		return 1;
	board(&bmc.cfg);
	bmc.state_fd = store_open_dir(dir);
	CHECK(bmc.state_fd >= 0);
	start();
	test_first_boot();
	test_names();
	test_passwords();
	test_access();
	test_persistence();
	test_lockout();
	test_channel_access();
	test_null_user();
	test_corrupt();
	users_done(bmc.users);
	close(bmc.state_fd);
	char cmdline[128];
	snprintf(cmdline, sizeof(cmdline), "rm -rf %s", dir);
	if (system(cmdline) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return tap_done("users");
}
