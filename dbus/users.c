/* SPDX-License-Identifier: MIT */
/*
 * The user table on D-Bus, read-only, as phosphor-user-manager names it:
 * xyz.openbmc_project.User.Attributes at /xyz/openbmc_project/user/<name>
 * for every named user.  Privilege is the user's on the LAN channel.
 * Passwords never leave the table.  Users are named and changed over
 * IPMI; a fallback vtable finds them in the table itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels/users.h"
#include "daemon/bmc.h"
#include "dbus/dbus.h"

#define USER_PREFIX "/xyz/openbmc_project/user"
#define USER_IFACE "xyz.openbmc_project.User.Attributes"

/* A name that is a path element as it is ([A-Za-z0-9_]); others are not
 * published (phosphor-user-manager allows no others either). */
static bool name_ok(const char *name)
{
	if (!*name)
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_'))
			return false;
	return true;
}

/* The user an object path names, or 0. */
static unsigned path_user(const struct dbus *d, const char *path)
{
	const struct users *us = d->bmc->users;
	const char *name = path + strlen(USER_PREFIX) + 1;

	if (strncmp(path, USER_PREFIX "/", strlen(USER_PREFIX) + 1))
		return 0;
	for (unsigned uid = 1; uid <= us->max; uid++)
		if (name_ok(us->u[uid].name) && !strcmp(us->u[uid].name, name))
			return uid;
	return 0;
}

DBUS_FALLBACK_FIND(find_user, path_user)

static int enumerate_users(sd_bus *bus, const char *prefix, void *userdata, char ***ret_nodes,
			   sd_bus_error *ret_error)
{
	const struct users *us = ((struct dbus *)userdata)->bmc->users;
	char **nodes = calloc(us->max + 1, sizeof(*nodes));
	unsigned n = 0;

	if (!nodes)
		return -ENOMEM;
	for (unsigned uid = 1; uid <= us->max; uid++) {
		if (!name_ok(us->u[uid].name))
			continue;
		if (asprintf(&nodes[n], USER_PREFIX "/%s", us->u[uid].name) < 0) {
			while (n > 0)
				free(nodes[--n]);
			free(nodes);
			return -ENOMEM;
		}
		n++;
	}
	*ret_nodes = nodes;
	return 0;
}

static const char *priv_name(uint8_t priv)
{
	switch (priv) {
	case PRIV_ADMIN:
	case PRIV_OEM:
		return "priv-admin";
	case PRIV_OPERATOR:
		return "priv-operator";
	case PRIV_USER:
		return "priv-user";
	default:
		return "priv-noaccess";
	}
}

static uint8_t user_priv(const struct dbus *d, unsigned uid)
{
	return users_priv_limit(d->bmc->users, (uint8_t)uid, d->bmc->cfg.lan.channel);
}

static int get_user(sd_bus *bus, const char *path, const char *iface, const char *prop,
		    sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	unsigned uid = path_user(d, path);
	const struct user *u;

	if (!uid)
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_UNKNOWN_OBJECT, "%s: no such user", path);
	u = &d->bmc->users->u[uid];
	if (!strcmp(prop, "UserPrivilege"))
		return sd_bus_message_append(reply, "s", priv_name(user_priv(d, uid)));
	if (!strcmp(prop, "UserGroups"))
		return sd_bus_message_append(reply, "as", 1, "ipmi");
	if (!strcmp(prop, "UserEnabled"))
		return sd_bus_message_append(reply, "b", (int)u->enabled);
	return sd_bus_message_append(reply, "b", (int)u->locked);
}

static const sd_bus_vtable user_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("UserGroups", "as", get_user, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("UserPrivilege", "s", get_user, 0, EMITS),
	SD_BUS_PROPERTY("UserEnabled", "b", get_user, 0, EMITS),
	SD_BUS_PROPERTY("UserLockedForFailedAttempt", "b", get_user, 0, EMITS),
	SD_BUS_VTABLE_END,
};

static void user_shown(const struct dbus *d, unsigned uid, struct dbus_user_shown *out)
{
	const struct user *u = &d->bmc->users->u[uid];

	memset(out, 0, sizeof(*out));
	if (!name_ok(u->name))
		return;
	memcpy(out->name, u->name, sizeof(out->name));
	out->priv = user_priv(d, uid);
	out->enabled = u->enabled;
	out->locked = u->locked;
}

int dbus_users_add(struct dbus *d)
{
	int r;

	if (!d->bmc->users)
		return 0;
	for (unsigned uid = 1; uid <= d->bmc->users->max && uid <= CFG_MAX_USERS; uid++)
		user_shown(d, uid, &d->user_shown[uid]);
	r = sd_bus_add_fallback_vtable(d->bus, NULL, USER_PREFIX, USER_IFACE, user_vtable, find_user, d);
	if (r >= 0)
		r = sd_bus_add_node_enumerator(d->bus, NULL, USER_PREFIX, enumerate_users, d);
	return r;
}

/* Users named, renamed or unnamed (InterfacesAdded/Removed) and changed
 * (PropertiesChanged) since the last call. */
void dbus_users_changed(struct dbus *d)
{
	char path[64];

	if (!d->bus || !d->bmc->users)
		return;
	for (unsigned uid = 1; uid <= d->bmc->users->max && uid <= CFG_MAX_USERS; uid++) {
		struct dbus_user_shown now, *was = &d->user_shown[uid];

		user_shown(d, uid, &now);
		if (!memcmp(&now, was, sizeof(now)))
			continue;
		if (strcmp(now.name, was->name)) {
			if (was->name[0]) {
				snprintf(path, sizeof(path), USER_PREFIX "/%s", was->name);
				sd_bus_emit_interfaces_removed(d->bus, path, USER_IFACE, NULL);
			}
			if (now.name[0]) {
				snprintf(path, sizeof(path), USER_PREFIX "/%s", now.name);
				sd_bus_emit_interfaces_added(d->bus, path, USER_IFACE, NULL);
			}
		} else {
			snprintf(path, sizeof(path), USER_PREFIX "/%s", now.name);
			sd_bus_emit_properties_changed(d->bus, path, USER_IFACE, "UserPrivilege",
						       "UserEnabled", "UserLockedForFailedAttempt", NULL);
		}
		*was = now;
	}
}
