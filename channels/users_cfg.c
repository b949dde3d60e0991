/* SPDX-License-Identifier: MIT */
/*
 * Board-file keys "users" and "max_users" (docs/users.md).  Values inside
 * users[] entries are never quoted in messages, whichever key they sit
 * under: a password pasted into the wrong key must not leak either.
 */
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "daemon/config_parse.h"

void users_defaults(struct board_config *cfg)
{
	cfg->max_users = 15;
}

/* What parse_user() needs to know about the entries before it. */
struct user_scan {
	unsigned max_id;			/* ids above this are refused */
	size_t id_owner[CFG_MAX_USERS + 1];	/* entry index + 1 holding each id */
	const char *names[CFG_MAX_USERS];	/* valid non-empty names so far */
	size_t name_owner[CFG_MAX_USERS];
	unsigned n_names;
	bool have_admin;
};

static void user_id(struct pctx *c, json_object *obj, const char *base, size_t idx,
		    struct user_scan *s, struct cfg_user *u)
{
	char path[PATH_LEN];
	json_object *v;
	int64_t id;

	if (!cfg_find(c, obj, base, "id", true, path, &v) ||
	    !cfg_int_value(c, path, v, 1, s->max_id, &id))
		return;
	if (s->id_owner[id]) {
		cfg_report(c, path, "%" PRId64 " is already used by users[%zu]", id,
		       s->id_owner[id] - 1);
		return;
	}
	s->id_owner[id] = idx + 1;
	u->id = (uint8_t)id;
}

/* Names are not secret, but are not quoted either: see the file comment. */
static void user_name(struct pctx *c, json_object *obj, const char *base, size_t idx,
		      struct user_scan *s, struct cfg_user *u)
{
	char path[PATH_LEN];
	const char *name;
	size_t len;
	unsigned i;

	if (!cfg_get_string(c, obj, base, "name", true, path, &name, &len))
		return;
	if (u->id == 1) {
		if (len)
			cfg_report(c, path, "must be \"\" for user 1 (the anonymous user)");
		return;
	}
	if (len == 0) {
		if (u->id)
			cfg_report(c, path, "empty (only user 1, the anonymous user, has no name)");
		return;
	}
	if (len > CFG_NAME_MAX) {
		cfg_report(c, path, "longer than %d characters", CFG_NAME_MAX);
		return;
	}
	if (!cfg_printable_ascii(name, len)) {
		cfg_report(c, path, "not printable ASCII");
		return;
	}
	for (i = 0; i < s->n_names; i++) {
		if (!strcmp(s->names[i], name)) {
			cfg_report(c, path, "same name as users[%zu]", s->name_owner[i]);
			return;
		}
	}
	if (s->n_names < CFG_MAX_USERS) {
		s->names[s->n_names] = name;
		s->name_owner[s->n_names++] = idx;
	}
	memcpy(u->name, name, len + 1);
}

static void user_password(struct pctx *c, json_object *obj, const char *base,
			  struct cfg_user *u)
{
	char path[PATH_LEN];
	const char *pw;
	size_t len;

	if (!cfg_get_string(c, obj, base, "password", true, path, &pw, &len))
		return;
	if (len > CFG_PASSWORD_MAX)
		cfg_report(c, path, "longer than %d bytes", CFG_PASSWORD_MAX);
	else if (memchr(pw, '\0', len))
		cfg_report(c, path, "contains a NUL byte");
	else if (len == 0 && u->id > 1)
		cfg_report(c, path, "empty (only user 1 may have an empty password)");
	else {
		memcpy(u->password, pw, len);
		u->password_len = (uint8_t)len;
	}
}

static void user_privilege(struct pctx *c, json_object *obj, const char *base,
			   struct cfg_user *u)
{
	static const char *const names[] = {
		"callback", "user", "operator", "administrator", "no_access", NULL
	};
	static const enum ipmi_priv privs[] = {
		PRIV_CALLBACK, PRIV_USER, PRIV_OPERATOR, PRIV_ADMIN, PRIV_NO_ACCESS
	};
	char path[PATH_LEN];
	const char *s;
	size_t len;
	int i;

	if (!cfg_get_string(c, obj, base, "privilege", false, path, &s, &len))
		return;
	i = cfg_lookup_word(s, len, names);
	if (i < 0)
		cfg_report(c, path, "not one of callback, user, operator, administrator, no_access");
	else
		u->privilege = privs[i];
}

struct users_ctx {
	struct user_scan scan;
	struct board_config *cfg;
};

static void parse_user(struct pctx *c, json_object *v, const char *base, size_t idx, void *ctx)
{
	static const char *const keys[] = {
		"id", "name", "password", "privilege", "enabled", NULL
	};
	struct users_ctx *uc = ctx;
	struct user_scan *s = &uc->scan;
	unsigned errors = c->n_errors;
	struct cfg_user u;

	memset(&u, 0, sizeof(u));
	cfg_check_keys(c, v, base, keys);
	user_id(c, v, base, idx, s, &u);
	user_name(c, v, base, idx, s, &u);
	user_password(c, v, base, &u);
	u.privilege = PRIV_ADMIN;
	user_privilege(c, v, base, &u);
	u.enabled = u.id != 1;
	cfg_get_bool(c, v, base, "enabled", &u.enabled);
	/* An entry with an unreadable privilege counts, to avoid a follow-on error. */
	if (u.enabled && u.privilege == PRIV_ADMIN)
		s->have_admin = true;
	if (c->n_errors == errors)
		uc->cfg->users[u.id] = u;
	explicit_bzero(&u, sizeof(u));
}

/* max_users comes first: user ids are checked against it. */
void users_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	struct users_ctx uc = { .cfg = cfg };
	struct user_scan *s = &uc.scan;
	int64_t n;

	s->max_id = CFG_MAX_USERS;
	if (cfg_get_int(c, root, "", "max_users", 2, CFG_MAX_USERS, &n)) {
		cfg->max_users = (unsigned)n;
		s->max_id = (unsigned)n;
	} else if (!json_object_object_get_ex(root, "max_users", NULL)) {
		s->max_id = cfg->max_users;
	}
	/* No limit on entries here: each needs an id of its own. */
	if (cfg_each(c, root, "", "users", true, UINT_MAX, "users", parse_user, &uc) &&
	    !s->have_admin)
		cfg_report(c, "users", "no enabled user with privilege \"administrator\"");
}
