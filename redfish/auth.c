/* SPDX-License-Identifier: MIT */
/*
 * Who is asking: HTTP Basic and X-Auth-Token sessions (SessionService),
 * over the one user table IPMI uses.  A user's role is its privilege limit
 * on the LAN channel; bad passwords count toward the same lockout as
 * IPMI's.  See docs/redfish.md, "Authentication and accounts".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channels/users.h"
#include "daemon/bmc.h"
#include "daemon/log.h"
#include "lan/crypto.h"
#include "redfish/redfish.h"
#include "redfish/service.h"

#define SESSIONS_URI "/redfish/v1/SessionService/Sessions"
#define PASSWORD_TEXT_MAX 64		/* longer is wrong without looking */

unsigned rf_role_privs(uint8_t ipmi_priv)
{
	const unsigned self = RF_PRIV_LOGIN | RF_PRIV_CONFIGURE_SELF;

	switch (ipmi_priv) {
	case PRIV_ADMIN:
	case PRIV_OEM:
		return self | RF_PRIV_CONFIGURE_COMPONENTS | RF_PRIV_CONFIGURE_MANAGER |
		       RF_PRIV_CONFIGURE_USERS;
	case PRIV_OPERATOR:
		return self | RF_PRIV_CONFIGURE_COMPONENTS;
	case PRIV_USER:
		return self;
	default:
		return 0;
	}
}

const char *rf_role_id(uint8_t ipmi_priv)
{
	switch (ipmi_priv) {
	case PRIV_ADMIN:
	case PRIV_OEM:
		return "Administrator";
	case PRIV_OPERATOR:
		return "Operator";
	case PRIV_USER:
		return "ReadOnly";
	default:
		return NULL;
	}
}

static uint64_t req_now(const struct rf_ctx *ctx)
{
	return ctx->req->now_usec ? ctx->req->now_usec : bmc_now(ctx->bmc);
}

static const char *req_peer(const struct rf_ctx *ctx)
{
	return ctx->req->peer ? ctx->req->peer : "?";
}

/* The peer's address without its port, for per-source log limits. */
static void peer_host(const char *peer, char out[48])
{
	const char *colon = strrchr(peer, ':');
	size_t len = colon ? (size_t)(colon - peer) : strlen(peer);

	if (len > 47)
		len = 47;
	memcpy(out, peer, len);
	out[len] = '\0';
}

/* A user may act while enabled, allowed on the LAN channel with a role, and
 * not locked out.  Returns its privileges, 0 if not. */
static unsigned user_privs(struct rf_ctx *ctx, uint8_t uid)
{
	struct users *us = ctx->bmc->users;
	uint8_t ch = ctx->bmc->cfg.lan.channel;
	const char *name = us->u[uid].name;

	if (users_login_find(us, ch, (const uint8_t *)name, strlen(name)) != uid)
		return 0;
	return rf_role_privs(users_priv_limit(us, uid, ch));
}

/* Check a user name and password; the user ID and its privileges, or -1.
 * Logs the outcome (never the password). */
static int login(struct rf_ctx *ctx, const char *name, const char *pw, size_t pwlen,
		 const char *how, bool quiet_ok, unsigned *privs)
{
	struct rf_service *svc = ctx->svc;
	struct users *us = ctx->bmc->users;
	uint8_t ch = ctx->bmc->cfg.lan.channel;
	uint64_t now = req_now(ctx);
	const char *peer = req_peer(ctx);
	char host[48], text[4 * CFG_NAME_MAX + 1];
	size_t nlen = strlen(name);
	uint8_t uid = 0;

	peer_host(peer, host);
	if (us->recovery) {
		/* users_login_find() would log this at every request. */
		if (log_limit_ok(&svc->refused, host, now))
			log_error("login: Redfish: refused from %s: the user state was corrupt and has "
				  "not been recovered (see the start-up log)", peer);
		return -1;
	}
	if (nlen > 0 && nlen <= CFG_NAME_MAX)
		uid = users_login_find(us, ch, (const uint8_t *)name, nlen);
	if (!uid) {
		if (log_limit_ok(&svc->refused, host, now))
			log_auth(LOG_WARNING, "login-failure", 0,
				 users_name_text((const uint8_t *)name, nlen, text), peer, ch,
				 "login: Redfish: no such user \"%s\" (or not allowed on channel %u) "
				 "from %s", text, ch, peer);
		return -1;
	}
	if (users_locked(us, uid, now) || !users_password_ok(us, uid, pw, pwlen)) {
		/* Counts toward the lockout, or logs the refusal of a locked user. */
		users_login_failed(us, uid, ch, now, peer);
		return -1;
	}
	*privs = rf_role_privs(users_priv_limit(us, uid, ch));
	if (!*privs) {
		if (log_limit_ok(&svc->refused, host, now))
			log_auth(LOG_WARNING, "login-refused", uid,
				 users_name_text((const uint8_t *)name, nlen, text), peer, ch,
				 "login: Redfish: user %u \"%s\" from %s has no Redfish role "
				 "(privilege limit below USER on channel %u)", uid, text, peer, ch);
		return -1;
	}
	if (quiet_ok) {
		char key[64];

		snprintf(key, sizeof(key), "%u@%s", uid, host);
		if (!log_limit_ok(&svc->basic_ok, key, now)) {
			users_login_quiet(us, uid);
			return uid;
		}
	}
	users_login_ok(us, uid, ch, peer, how);
	return uid;
}

/* --- Basic --- */

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode base64 text into out (NUL-terminated); its length, or -1. */
static int b64_decode(const char *s, char *out, size_t size)
{
	size_t len = strlen(s), o = 0;
	uint32_t acc = 0;
	unsigned bits = 0, pad = 0;

	while (len && s[len - 1] == ' ')
		len--;
	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v;

		if (s[i] == '=' && i >= len - 2) {
			pad++;
			continue;
		}
		if (pad || (v = b64val(s[i])) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= size)
				return -1;
			out[o++] = (char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	out[o] = '\0';
	return (int)o;
}

static int auth_basic(struct rf_ctx *ctx, const char *cred, char user[RF_USER_MAX + 1])
{
	char text[RF_USER_MAX + 1 + PASSWORD_TEXT_MAX + 1];
	int n = b64_decode(cred, text, sizeof(text)), uid = -1;
	char *colon;
	unsigned privs = 0;

	colon = n > 0 ? memchr(text, ':', (size_t)n) : NULL;
	if (colon && (size_t)(colon - text) <= RF_USER_MAX && !memchr(text, 0, (size_t)n)) {
		*colon = '\0';
		uid = login(ctx, text, colon + 1, (size_t)(n - (colon + 1 - text)), "Redfish Basic",
			    true, &privs);
		if (uid > 0) {
			memcpy(user, text, strlen(text) + 1);	/* <= RF_USER_MAX */
			ctx->uid = (uint8_t)uid;
			ctx->user = user;
			ctx->privs = privs;
		}
	}
	explicit_bzero(text, sizeof(text));
	return uid > 0 ? 0 : -1;
}

/* --- sessions --- */

static struct rf_session *session_by_token(struct rf_service *svc, const char *token)
{
	struct rf_session *found = NULL;

	if (strlen(token) != RF_TOKEN_LEN)
		return NULL;
	/* Every slot is compared, in constant time each. */
	for (unsigned i = 0; i < RF_SESSIONS_MAX; i++) {
		struct rf_session *s = &svc->sessions[i];

		if (crypto_equal(s->token, token, RF_TOKEN_LEN) && s->used)
			found = s;
	}
	return found;
}

static struct rf_session *session_by_id(struct rf_service *svc, const char *id)
{
	for (unsigned i = 0; i < RF_SESSIONS_MAX; i++)
		if (svc->sessions[i].used && !strcmp(svc->sessions[i].id, id))
			return &svc->sessions[i];
	return NULL;
}

static void session_end(struct rf_session *s, const char *why)
{
	log_info("redfish: session %s of user \"%s\" from %s ended: %s", s->id, s->user, s->peer, why);
	explicit_bzero(s, sizeof(*s));
}

void rf_sessions_drop_user(struct rf_service *svc, uint8_t uid)
{
	for (unsigned i = 0; i < RF_SESSIONS_MAX; i++)
		if (svc->sessions[i].used && svc->sessions[i].uid == uid)
			session_end(&svc->sessions[i], "the account changed");
}

void rf_sessions_expire(struct rf_service *svc, uint64_t now)
{
	uint64_t idle = (uint64_t)svc->session_timeout_s * 1000000u;

	for (unsigned i = 0; i < RF_SESSIONS_MAX; i++) {
		struct rf_session *s = &svc->sessions[i];

		if (s->used && now > s->last_usec && now - s->last_usec >= idle)
			session_end(s, "idle timeout");
	}
}

static int auth_token(struct rf_ctx *ctx, char user[RF_USER_MAX + 1])
{
	struct rf_service *svc = ctx->svc;
	uint64_t now = req_now(ctx);
	struct rf_session *s;
	unsigned privs;

	rf_sessions_expire(svc, now);
	s = session_by_token(svc, ctx->req->x_auth_token);
	if (!s)
		return -1;
	/* The user may have been disabled, renamed or demoted since. */
	privs = strcmp(ctx->bmc->users->u[s->uid].name, s->user) ? 0 : user_privs(ctx, s->uid);
	if (!privs) {
		session_end(s, "the user may no longer log in");
		return -1;
	}
	s->last_usec = now;
	snprintf(user, RF_USER_MAX + 1, "%s", s->user);
	ctx->uid = s->uid;
	ctx->user = user;
	ctx->privs = privs;
	return 0;
}

int rf_auth(struct rf_ctx *ctx, char user[RF_USER_MAX + 1])
{
	const struct rf_req *req = ctx->req;
	int r = -1;

	if (req->x_auth_token)
		r = auth_token(ctx, user);
	else if (req->authorization && !strncasecmp(req->authorization, "Basic ", 6))
		r = auth_basic(ctx, req->authorization + 6, user);
	if (r < 0)
		return rf_error(ctx, 401, "NoValidSession", NULL, NULL);
	return 0;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static json_object *session_object(const struct rf_session *s)
{
	char uri[sizeof(SESSIONS_URI) + RF_SESSION_ID_LEN + 2], host[48];
	json_object *o;

	snprintf(uri, sizeof(uri), SESSIONS_URI "/%s", s->id);
	o = rf_object(uri, "#Session.v1_6_0.Session", s->id, "User Session");
	json_object_object_add(o, "Description", json_object_new_string("Manager User Session"));
	json_object_object_add(o, "UserName", json_object_new_string(s->user));
	json_object_object_add(o, "SessionType", json_object_new_string("Redfish"));
	peer_host(s->peer, host);
	json_object_object_add(o, "ClientOriginIPAddress", json_object_new_string(host));
	json_object_object_add(o, "Password", NULL);
	return o;
}

/* POST .../Sessions {"UserName": .., "Password": ..} */
static int sessions_post(struct rf_ctx *ctx)
{
	struct rf_service *svc = ctx->svc;
	json_object *jname = NULL, *jpw = NULL;
	char uri[sizeof(SESSIONS_URI) + RF_SESSION_ID_LEN + 2];
	uint8_t rnd[RF_TOKEN_LEN / 2], idb[RF_SESSION_ID_LEN / 2];
	struct rf_session *s = NULL;
	unsigned privs = 0;
	const char *pw;
	int uid;

	if (!ctx->body)
		return rf_error(ctx, 400, "PropertyMissing", "UserName", NULL);
	json_object_object_foreach(ctx->body, key, val) {
		if (!strcmp(key, "UserName"))
			jname = val;
		else if (!strcmp(key, "Password"))
			jpw = val;
		else if (strncmp(key, "@odata.", 7))
			return rf_error(ctx, 400, "PropertyUnknown", key, NULL);
	}
	if (!jname)
		return rf_error(ctx, 400, "PropertyMissing", "UserName", NULL);
	if (!jpw)
		return rf_error(ctx, 400, "PropertyMissing", "Password", NULL);
	if (rf_want_string(ctx, jname, "UserName") < 0)
		return -1;
	if (strlen(json_object_get_string(jname)) != (size_t)json_object_get_string_len(jname))
		return rf_error(ctx, 400, "PropertyValueFormatError", "", "UserName");
	if (!json_object_is_type(jpw, json_type_string))	/* the value is not echoed */
		return rf_error(ctx, 400, "PropertyValueTypeError", "", "Password");
	pw = json_object_get_string(jpw);
	rf_sessions_expire(svc, req_now(ctx));
	uid = login(ctx, json_object_get_string(jname), pw, (size_t)json_object_get_string_len(jpw),
		    "Redfish session", false, &privs);
	if (uid < 0)
		return rf_error(ctx, 401, "NoValidSession", NULL, NULL);
	for (unsigned i = 0; i < RF_SESSIONS_MAX && !s; i++)
		if (!svc->sessions[i].used)
			s = &svc->sessions[i];
	if (!s) {
		log_warning("redfish: session table full (%u): user \"%s\" from %s refused",
			    RF_SESSIONS_MAX, json_object_get_string(jname), req_peer(ctx));
		rf_resp_header(ctx->resp, "Retry-After", "%u", 60u);
		return rf_error(ctx, 503, "SessionLimitExceeded", NULL, NULL);
	}
	do {
		if (crypto_random(rnd, sizeof(rnd)) < 0 || crypto_random(idb, sizeof(idb)) < 0)
			return rf_error(ctx, 500, "InternalError", NULL, NULL);
		hex(idb, sizeof(idb), s->id);
	} while (session_by_id(svc, s->id));
	hex(rnd, sizeof(rnd), s->token);
	explicit_bzero(rnd, sizeof(rnd));
	s->used = true;
	s->uid = (uint8_t)uid;
	snprintf(s->user, sizeof(s->user), "%s", json_object_get_string(jname));
	snprintf(s->peer, sizeof(s->peer), "%s", req_peer(ctx));
	s->created_usec = s->last_usec = req_now(ctx);
	log_info("redfish: session %s for user \"%s\" from %s", s->id, s->user, s->peer);
	snprintf(uri, sizeof(uri), SESSIONS_URI "/%s", s->id);
	rf_resp_header(ctx->resp, "X-Auth-Token", "%s", s->token);
	rf_resp_header(ctx->resp, "Location", "%s", uri);
	rf_json(ctx, 201, session_object(s));
	return 0;
}

static bool may_see(const struct rf_ctx *ctx, const struct rf_session *s)
{
	return (ctx->privs & RF_PRIV_CONFIGURE_MANAGER) || s->uid == ctx->uid;
}

static int sessions_get(struct rf_ctx *ctx)
{
	json_object *c = rf_collection(SESSIONS_URI, "#SessionCollection.SessionCollection",
				       "Session Collection");
	char uri[sizeof(SESSIONS_URI) + RF_SESSION_ID_LEN + 2];

	for (unsigned i = 0; i < RF_SESSIONS_MAX; i++) {
		const struct rf_session *s = &ctx->svc->sessions[i];

		if (!s->used || !may_see(ctx, s))
			continue;
		snprintf(uri, sizeof(uri), SESSIONS_URI "/%s", s->id);
		rf_collection_add(c, uri);
	}
	rf_json(ctx, 200, c);
	return 0;
}

static struct rf_session *session_arg(struct rf_ctx *ctx)
{
	struct rf_session *s = session_by_id(ctx->svc, ctx->arg[0]);

	if (!s) {
		rf_error(ctx, 404, "ResourceMissingAtURI", ctx->req->path, NULL);
		return NULL;
	}
	if (!may_see(ctx, s)) {
		rf_error(ctx, 403, "InsufficientPrivilege", NULL, NULL);
		return NULL;
	}
	return s;
}

static int session_get(struct rf_ctx *ctx)
{
	struct rf_session *s = session_arg(ctx);

	if (!s)
		return -1;
	rf_json(ctx, 200, session_object(s));
	return 0;
}

static int session_delete(struct rf_ctx *ctx)
{
	struct rf_session *s = session_arg(ctx);

	if (!s)
		return -1;
	log_info("redfish: user \"%s\" from %s ended session %s", ctx->user, req_peer(ctx), s->id);
	explicit_bzero(s, sizeof(*s));
	ctx->resp->status = 204;
	return 0;
}

/* --- SessionService --- */

static json_object *service_object(const struct rf_service *svc)
{
	json_object *o = rf_object("/redfish/v1/SessionService", "#SessionService.v1_1_9.SessionService",
				   "SessionService", "Session Service");
	json_object *st = json_object_new_object();

	json_object_object_add(o, "Description", json_object_new_string("Session Service"));
	json_object_object_add(o, "ServiceEnabled", json_object_new_boolean(1));
	json_object_object_add(o, "SessionTimeout", json_object_new_int((int)svc->session_timeout_s));
	rf_link(o, "Sessions", SESSIONS_URI);
	json_object_object_add(st, "State", json_object_new_string("Enabled"));
	json_object_object_add(st, "Health", json_object_new_string("OK"));
	json_object_object_add(o, "Status", st);
	return o;
}

static int service_get(struct rf_ctx *ctx)
{
	rf_json(ctx, 200, service_object(ctx->svc));
	return 0;
}

static int service_patch(struct rf_ctx *ctx)
{
	static const char *const read_only[] = {
		"Id", "Name", "Description", "ServiceEnabled", "Sessions", "Status", NULL,
	};
	json_object *timeout = NULL;
	int64_t t;

	if (!ctx->body)
		return rf_error(ctx, 400, "MalformedJSON", NULL, NULL);
	json_object_object_foreach(ctx->body, key, val) {
		bool ro = false;

		for (unsigned i = 0; read_only[i]; i++)
			ro |= !strcmp(key, read_only[i]);
		if (!strcmp(key, "SessionTimeout"))
			timeout = val;
		else if (ro || !strncmp(key, "@odata.", 7))
			return rf_error(ctx, 400, "PropertyNotWritable", key, NULL);
		else
			return rf_error(ctx, 400, "PropertyUnknown", key, NULL);
	}
	if (timeout) {
		if (rf_want_int(ctx, timeout, "SessionTimeout") < 0)
			return -1;
		t = json_object_get_int64(timeout);
		if (t < RF_SESSION_TIMEOUT_MIN || t > RF_SESSION_TIMEOUT_MAX)
			return rf_error(ctx, 400, "PropertyValueOutOfRange", rf_value_text(timeout),
					"SessionTimeout");
		if ((unsigned)t != ctx->svc->session_timeout_s)
			log_notice("redfish: session timeout set to %lld s by \"%s\"", (long long)t,
				   ctx->user);
		ctx->svc->session_timeout_s = (unsigned)t;
	}
	return service_get(ctx);
}

const struct rf_route rf_routes_sessions[] = {
	{ "/redfish/v1/SessionService", RF_GET | RF_PATCH, RF_PRIV_LOGIN, RF_PRIV_CONFIGURE_MANAGER,
	  .get = service_get, .patch = service_patch },
	{ SESSIONS_URI, RF_GET | RF_POST, RF_PRIV_LOGIN, RF_PRIV_NONE,
	  .get = sessions_get, .post = sessions_post },
	{ SESSIONS_URI "/{id}", RF_GET | RF_DELETE, RF_PRIV_LOGIN, RF_PRIV_LOGIN,
	  .get = session_get, .del = session_delete },
	{ NULL },
};
