/* SPDX-License-Identifier: MIT */
/*
 * AccountService, ManagerAccount and Role: the IPMI user table as Redfish
 * accounts.  Account Id is the IPMI user ID; the role is the user's
 * privilege limit on the LAN channel; the lockout settings are the LAN
 * channel's (LAN parameter 24h).  A change is saved with IPMI's and seen by
 * `ipmitool user list` at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels/channel.h"
#include "channels/users.h"
#include "daemon/bmc.h"
#include "daemon/log.h"
#include "redfish/redfish.h"
#include "redfish/service.h"

#define ACCOUNTS_URI "/redfish/v1/AccountService/Accounts"
#define ROLES_URI "/redfish/v1/AccountService/Roles"
#define PASSWORD_MIN 1			/* as IPMI: any non-empty password */
#define HIDDEN "********"		/* a password is never echoed in a message */

/* --- roles --- */

static const struct {
	const char *id;
	uint8_t ipmi_priv;
} roles[] = {
	{ "Administrator", PRIV_ADMIN },
	{ "Operator", PRIV_OPERATOR },
	{ "ReadOnly", PRIV_USER },
	{ "NoAccess", PRIV_NO_ACCESS },
};

static const char *const priv_names[] = {
	"Login", "ConfigureSelf", "ConfigureComponents", "ConfigureManager", "ConfigureUsers",
};

static int role_priv(const char *id)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcmp(roles[i].id, id))
			return roles[i].ipmi_priv;
	return -1;
}

static const char *role_of(const struct bmc *bmc, uint8_t uid)
{
	const char *r = rf_role_id(users_priv_limit(bmc->users, uid, bmc->cfg.lan.channel));

	return r ? r : "NoAccess";
}

static json_object *role_object(size_t i)
{
	char uri[96];
	json_object *o, *a = json_object_new_array();
	unsigned privs = rf_role_privs(roles[i].ipmi_priv);

	snprintf(uri, sizeof(uri), ROLES_URI "/%s", roles[i].id);
	o = rf_object(uri, "#Role.v1_3_1.Role", roles[i].id, roles[i].id);
	json_object_object_add(o, "Description", json_object_new_string(
		roles[i].ipmi_priv == PRIV_NO_ACCESS ? "No access: the IPMI privilege limit is "
		"below USER" : "A role of the IPMI user table"));
	json_object_object_add(o, "RoleId", json_object_new_string(roles[i].id));
	json_object_object_add(o, "IsPredefined", json_object_new_boolean(1));
	for (unsigned b = 0; b < sizeof(priv_names) / sizeof(priv_names[0]); b++)
		if (privs & (1u << b))
			json_object_array_add(a, json_object_new_string(priv_names[b]));
	json_object_object_add(o, "AssignedPrivileges", a);
	json_object_object_add(o, "OemPrivileges", json_object_new_array());
	return o;
}

static int roles_get(struct rf_ctx *ctx)
{
	json_object *c = rf_collection(ROLES_URI, "#RoleCollection.RoleCollection", "Roles Collection");
	char uri[96];

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		snprintf(uri, sizeof(uri), ROLES_URI "/%s", roles[i].id);
		rf_collection_add(c, uri);
	}
	rf_json(ctx, 200, c);
	return 0;
}

static int role_get(struct rf_ctx *ctx)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcmp(roles[i].id, ctx->arg[0])) {
			rf_json(ctx, 200, role_object(i));
			return 0;
		}
	return rf_error(ctx, 404, "ResourceMissingAtURI", ctx->req->path, NULL);
}

/* --- AccountService --- */

static const struct lockout_policy *policy(const struct bmc *bmc)
{
	static const struct lockout_policy none = { 0 };
	const struct lockout_policy *p = channel_lockout(bmc->channels, bmc->cfg.lan.channel);

	return p ? p : &none;
}

static int service_get(struct rf_ctx *ctx)
{
	const struct lockout_policy *p = policy(ctx->bmc);
	json_object *o = rf_object("/redfish/v1/AccountService", "#AccountService.v1_13_0.AccountService",
				   "AccountService", "Account Service");
	json_object *st = json_object_new_object();

	json_object_object_add(o, "Description", json_object_new_string(
		"The IPMI user table: one account database for IPMI and Redfish"));
	json_object_object_add(o, "ServiceEnabled", json_object_new_boolean(1));
	json_object_object_add(o, "LocalAccountAuth", json_object_new_string("Enabled"));
	json_object_object_add(o, "MinPasswordLength", json_object_new_int(PASSWORD_MIN));
	json_object_object_add(o, "MaxPasswordLength", json_object_new_int(CFG_PASSWORD_MAX));
	json_object_object_add(o, "AccountLockoutThreshold", json_object_new_int(p->threshold));
	json_object_object_add(o, "AccountLockoutDuration", json_object_new_int(p->lockout_10s * 10));
	json_object_object_add(o, "AccountLockoutCounterResetAfter",
			       json_object_new_int(p->reset_10s * 10));
	json_object_object_add(st, "State", json_object_new_string("Enabled"));
	json_object_object_add(st, "Health", json_object_new_string("OK"));
	json_object_object_add(o, "Status", st);
	rf_link(o, "Accounts", ACCOUNTS_URI);
	rf_link(o, "Roles", ROLES_URI);
	rf_json(ctx, 200, o);
	return 0;
}

static bool listed(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(key, *list))
			return true;
	return false;
}

/* An integer property within [0, max]: the value, or -1 after the 400. */
static long want_range(struct rf_ctx *ctx, json_object *v, const char *prop, long max)
{
	int64_t n;

	if (rf_want_int(ctx, v, prop) < 0)
		return -1;
	n = json_object_get_int64(v);
	if (n < 0 || n > max) {
		rf_error(ctx, 400, "PropertyValueOutOfRange", rf_value_text(v), prop);
		return -1;
	}
	return (long)n;
}

static int service_patch(struct rf_ctx *ctx)
{
	static const char *const read_only[] = {
		"Id", "Name", "Description", "ServiceEnabled", "LocalAccountAuth", "MinPasswordLength",
		"MaxPasswordLength", "Status", "Accounts", "Roles", NULL,
	};
	struct lockout_policy p = *policy(ctx->bmc);
	int r;

	if (!ctx->body)
		return rf_error(ctx, 400, "MalformedJSON", NULL, NULL);
	json_object_object_foreach(ctx->body, key, val) {
		long n;

		if (!strcmp(key, "AccountLockoutThreshold")) {
			if ((n = want_range(ctx, val, key, 255)) < 0)
				return -1;
			p.threshold = (uint8_t)n;
		} else if (!strcmp(key, "AccountLockoutDuration")) {
			/* Tens of seconds, as LAN parameter 24h keeps it: rounded up. */
			if ((n = want_range(ctx, val, key, 65535L * 10)) < 0)
				return -1;
			p.lockout_10s = (uint16_t)((n + 9) / 10);
		} else if (!strcmp(key, "AccountLockoutCounterResetAfter")) {
			if ((n = want_range(ctx, val, key, 65535L * 10)) < 0)
				return -1;
			p.reset_10s = (uint16_t)((n + 9) / 10);
		} else if (listed(key, read_only) || !strncmp(key, "@odata.", 7)) {
			return rf_error(ctx, 400, "PropertyNotWritable", key, NULL);
		} else {
			return rf_error(ctx, 400, "PropertyUnknown", key, NULL);
		}
	}
	r = channel_set_lockout(ctx->bmc->channels, ctx->bmc->cfg.lan.channel, &p);
	if (r < 0) {
		log_error_errno(r, "redfish: cannot save the lockout policy");
		return rf_error(ctx, 500, "InternalError", NULL, NULL);
	}
	log_notice("redfish: lockout policy set by \"%s\": threshold %u, lockout %u s, reset %u s",
		   ctx->user, p.threshold, p.lockout_10s * 10u, p.reset_10s * 10u);
	return service_get(ctx);
}

/* --- accounts --- */

static bool is_account(const struct bmc *bmc, unsigned uid)
{
	return uid >= 2 && uid <= bmc->users->max && bmc->users->u[uid].name[0];
}

static json_object *account_object(const struct rf_ctx *ctx, uint8_t uid)
{
	const struct user *u = &ctx->bmc->users->u[uid];
	char uri[96], id[4], desc[32];
	json_object *o, *links = json_object_new_object(), *types = json_object_new_array();
	const char *role = role_of(ctx->bmc, uid);

	snprintf(id, sizeof(id), "%u", uid);
	snprintf(uri, sizeof(uri), ACCOUNTS_URI "/%u", uid);
	snprintf(desc, sizeof(desc), "IPMI user %u", uid);
	o = rf_object(uri, "#ManagerAccount.v1_10_0.ManagerAccount", id, "User Account");
	json_object_object_add(o, "Description", json_object_new_string(desc));
	json_object_object_add(o, "UserName", json_object_new_string(u->name));
	json_object_object_add(o, "RoleId", json_object_new_string(role));
	json_object_object_add(o, "Enabled", json_object_new_boolean(u->enabled));
	json_object_object_add(o, "Locked", json_object_new_boolean(u->locked));
	json_object_object_add(o, "Password", NULL);
	json_object_array_add(types, json_object_new_string("Redfish"));
	json_object_array_add(types, json_object_new_string("IPMI"));
	json_object_object_add(o, "AccountTypes", types);
	snprintf(uri, sizeof(uri), ROLES_URI "/%s", role);
	rf_link(links, "Role", uri);
	json_object_object_add(o, "Links", links);
	return o;
}

static int accounts_get(struct rf_ctx *ctx)
{
	json_object *c = rf_collection(ACCOUNTS_URI, "#ManagerAccountCollection.ManagerAccountCollection",
				       "Accounts Collection");
	bool all = ctx->privs & (RF_PRIV_CONFIGURE_USERS | RF_PRIV_CONFIGURE_MANAGER);
	char uri[96];

	for (unsigned uid = 2; uid <= ctx->bmc->users->max; uid++) {
		if (!is_account(ctx->bmc, uid) || (!all && uid != ctx->uid))
			continue;
		snprintf(uri, sizeof(uri), ACCOUNTS_URI "/%u", uid);
		rf_collection_add(c, uri);
	}
	rf_json(ctx, 200, c);
	return 0;
}

/* The account the path names, or 0 after the answer (404 or 403). */
static uint8_t account_arg(struct rf_ctx *ctx)
{
	const char *a = ctx->arg[0];
	char *end;
	unsigned long uid = strtoul(a, &end, 10);

	if (a[0] < '1' || a[0] > '9' || *end || uid > 255 || !is_account(ctx->bmc, (unsigned)uid)) {
		rf_error(ctx, 404, "ResourceMissingAtURI", ctx->req->path, NULL);
		return 0;
	}
	if (uid != ctx->uid && !(ctx->privs & (RF_PRIV_CONFIGURE_USERS | RF_PRIV_CONFIGURE_MANAGER))) {
		rf_error(ctx, 403, "InsufficientPrivilege", NULL, NULL);
		return 0;
	}
	return (uint8_t)uid;
}

static int account_get(struct rf_ctx *ctx)
{
	uint8_t uid = account_arg(ctx);

	if (!uid)
		return -1;
	rf_json(ctx, 200, account_object(ctx, uid));
	return 0;
}

/* Read a POST or PATCH body into c: every property is checked before
 * anything changes.  -1 after the 400/403 answer. */
static int account_body(struct rf_ctx *ctx, struct user_change *c, bool self_only)
{
	static const char *const read_only[] = {
		"Id", "Name", "Description", "AccountTypes", "Links", NULL,
	};

	c->name = c->password = NULL;
	c->enabled = c->priv = -1;
	c->channel = ctx->bmc->cfg.lan.channel;
	c->unlock = false;
	if (!ctx->body)
		return rf_error(ctx, 400, "MalformedJSON", NULL, NULL);
	json_object_object_foreach(ctx->body, key, val) {
		if (self_only && strcmp(key, "Password"))
			return rf_error(ctx, 403, "InsufficientPrivilege", NULL, NULL);
		if (!strcmp(key, "UserName")) {
			const char *s;

			if (rf_want_string(ctx, val, key) < 0)
				return -1;
			s = json_object_get_string(val);
			if (!s[0] || strlen(s) > CFG_NAME_MAX ||
			    strlen(s) != (size_t)json_object_get_string_len(val))
				return rf_error(ctx, 400, "PropertyValueFormatError", s, key);
			for (const char *p = s; *p; p++)
				if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
					return rf_error(ctx, 400, "PropertyValueFormatError", s, key);
			c->name = s;
		} else if (!strcmp(key, "Password")) {
			size_t len;

			if (!json_object_is_type(val, json_type_string))
				return rf_error(ctx, 400, "PropertyValueTypeError", HIDDEN, key);
			len = (size_t)json_object_get_string_len(val);
			if (len < PASSWORD_MIN || len > CFG_PASSWORD_MAX ||
			    memchr(json_object_get_string(val), 0, len))
				return rf_error(ctx, 400, "PropertyValueFormatError", HIDDEN, key);
			c->password = json_object_get_string(val);
			c->password_len = len;
		} else if (!strcmp(key, "RoleId")) {
			if (rf_want_string(ctx, val, key) < 0)
				return -1;
			c->priv = role_priv(json_object_get_string(val));
			if (c->priv < 0)
				return rf_error(ctx, 400, "PropertyValueNotInList",
						json_object_get_string(val), key);
		} else if (!strcmp(key, "Enabled")) {
			if (rf_want_bool(ctx, val, key) < 0)
				return -1;
			c->enabled = json_object_get_boolean(val);
		} else if (!strcmp(key, "Locked")) {
			/* Only an unlock can be asked for. */
			if (rf_want_bool(ctx, val, key) < 0)
				return -1;
			if (json_object_get_boolean(val))
				return rf_error(ctx, 400, "PropertyValueNotInList", "true", key);
			c->unlock = true;
		} else if (!strcmp(key, "Password@Redfish.AllowableValues") ||
			   listed(key, read_only) || !strncmp(key, "@odata.", 7)) {
			return rf_error(ctx, 400, "PropertyNotWritable", key, NULL);
		} else {
			return rf_error(ctx, 400, "PropertyUnknown", key, NULL);
		}
	}
	return 0;
}

static int change_error(struct rf_ctx *ctx, int r, const struct user_change *c)
{
	if (r == -EEXIST) {
		const char *args[3] = { "ManagerAccount", "UserName", c->name };

		return rf_error_args(ctx, 400, "ResourceAlreadyExists", 3, args);
	}
	if (r == -EINVAL)
		return rf_error(ctx, 400, "GeneralError", NULL, NULL);
	return rf_error(ctx, 500, "InternalError", NULL, NULL);
}

static int account_patch(struct rf_ctx *ctx)
{
	bool admin = ctx->privs & RF_PRIV_CONFIGURE_USERS;
	struct user_change c;
	uint8_t uid = account_arg(ctx);
	bool renamed;
	int r;

	if (!uid)
		return -1;
	/* ConfigureSelf: one's own password, nothing else. */
	if (!admin && uid != ctx->uid)
		return rf_error(ctx, 403, "InsufficientPrivilege", NULL, NULL);
	if (account_body(ctx, &c, !admin) < 0)
		return -1;
	renamed = c.name && strcmp(c.name, ctx->bmc->users->u[uid].name);
	r = users_change(ctx->bmc->users, uid, &c);
	if (r < 0)
		return change_error(ctx, r, &c);
	log_notice("redfish: account %u changed by \"%s\" from %s", uid, ctx->user,
		   ctx->req->peer ? ctx->req->peer : "?");
	if (renamed)
		rf_sessions_drop_user(ctx->svc, uid);
	rf_json(ctx, 200, account_object(ctx, uid));
	return 0;
}

static int accounts_post(struct rf_ctx *ctx)
{
	struct user_change c;
	char uri[96];
	uint8_t uid;
	int r;

	if (account_body(ctx, &c, false) < 0)
		return -1;
	if (!c.name)
		return rf_error(ctx, 400, "PropertyMissing", "UserName", NULL);
	if (!c.password)
		return rf_error(ctx, 400, "PropertyMissing", "Password", NULL);
	if (c.priv < 0)
		return rf_error(ctx, 400, "PropertyMissing", "RoleId", NULL);
	if (users_find_name(ctx->bmc->users, c.name)) {
		const char *args[3] = { "ManagerAccount", "UserName", c.name };

		return rf_error_args(ctx, 409, "ResourceAlreadyExists", 3, args);
	}
	uid = users_free_id(ctx->bmc->users);
	if (!uid)
		return rf_error(ctx, 400, "CreateLimitReachedForResource", NULL, NULL);
	if (c.enabled < 0)
		c.enabled = 1;
	r = users_change(ctx->bmc->users, uid, &c);
	if (r < 0)
		return change_error(ctx, r, &c);
	log_notice("redfish: account %u \"%s\" created by \"%s\"", uid, c.name, ctx->user);
	snprintf(uri, sizeof(uri), ACCOUNTS_URI "/%u", uid);
	rf_resp_header(ctx->resp, "Location", "%s", uri);
	rf_json(ctx, 201, account_object(ctx, uid));
	return 0;
}

static int account_delete(struct rf_ctx *ctx)
{
	uint8_t uid;
	int r;

	if (!(ctx->privs & RF_PRIV_CONFIGURE_USERS))
		return rf_error(ctx, 403, "InsufficientPrivilege", NULL, NULL);
	uid = account_arg(ctx);
	if (!uid)
		return -1;
	r = users_delete(ctx->bmc->users, uid);
	if (r < 0)
		return rf_error(ctx, 500, "InternalError", NULL, NULL);
	log_notice("redfish: account %u deleted by \"%s\"", uid, ctx->user);
	rf_sessions_drop_user(ctx->svc, uid);
	ctx->resp->status = 204;
	return 0;
}

const struct rf_route rf_routes_accounts[] = {
	{ "/redfish/v1/AccountService", RF_GET | RF_PATCH, RF_PRIV_LOGIN, RF_PRIV_CONFIGURE_USERS,
	  .get = service_get, .patch = service_patch },
	{ ACCOUNTS_URI, RF_GET | RF_POST, RF_PRIV_LOGIN, RF_PRIV_CONFIGURE_USERS,
	  .get = accounts_get, .post = accounts_post },
	{ ACCOUNTS_URI "/{id}", RF_GET | RF_PATCH | RF_DELETE, RF_PRIV_LOGIN,
	  RF_PRIV_CONFIGURE_USERS | RF_PRIV_CONFIGURE_SELF,
	  .get = account_get, .patch = account_patch, .del = account_delete },
	{ ROLES_URI, RF_GET, RF_PRIV_LOGIN, RF_PRIV_NONE, .get = roles_get },
	{ ROLES_URI "/{id}", RF_GET, RF_PRIV_LOGIN, RF_PRIV_NONE, .get = role_get },
	{ NULL },
};
