/* SPDX-License-Identifier: MIT */
/* Board-file section "dbus" (docs/dbus.md). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "daemon/config_parse.h"

void dbus_defaults(struct board_config *cfg)
{
	cfg->dbus.bus[0] = '\0';	/* decided at start: see struct cfg_dbus */
	snprintf(cfg->dbus.name, sizeof(cfg->dbus.name), "%s", DBUS_DEFAULT_NAME);
	cfg->dbus.read_only = false;
}

bool dbus_name_valid(const char *s, size_t len)
{
	unsigned dots = 0;
	size_t elem = 0;

	if (len == 0 || len > 255)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (elem == 0)
				return false;
			dots++;
			elem = 0;
			continue;
		}
		if (!isascii((unsigned char)s[i]) ||
		    !(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-'))
			return false;
		if (elem == 0 && isdigit((unsigned char)s[i]))
			return false;
		elem++;
	}
	return dots > 0 && elem > 0;
}

/* "system", "none", or an address: "TRANSPORT:KEY=VALUE,..." as sd-bus
 * takes it (sd_bus_set_address); sd-bus itself judges the rest at start. */
static bool bus_valid(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);

	if ((len == 6 && !memcmp(s, "system", 6)) || (len == 4 && !memcmp(s, "none", 4)))
		return true;
	return colon && colon > s && cfg_printable_ascii(s, len) && !memchr(s, ' ', len);
}

void dbus_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	static const char *const keys[] = { "bus", "name", "read_only", NULL };
	json_object *obj = cfg_section(c, root, "dbus", keys);
	struct cfg_dbus *o = &cfg->dbus;
	char path[PATH_LEN];
	const char *s;
	size_t len;

	if (!obj)
		return;
	if (cfg_get_string(c, obj, "dbus", "bus", false, path, &s, &len)) {
		if (len >= sizeof(o->bus) || !bus_valid(s, len))
			cfg_report(c, path, "not \"system\", \"none\" or a D-Bus address (\"unix:path=/PATH\")");
		else
			memcpy(o->bus, s, len + 1);
	}
	if (cfg_get_string(c, obj, "dbus", "name", false, path, &s, &len)) {
		if (!dbus_name_valid(s, len))
			cfg_report(c, path, "not a D-Bus well-known name (\"xyz.openbmc_project.bmcd\")");
		else
			memcpy(o->name, s, len + 1);
	}
	cfg_get_bool(c, obj, "dbus", "read_only", &o->read_only);
}
