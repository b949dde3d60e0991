/* SPDX-License-Identifier: MIT */
/* Board-file section "dbus" (dbus/dbus_cfg.c, docs/dbus.md). */
#pragma once

#include <stdbool.h>

#define DBUS_DEFAULT_NAME "xyz.openbmc_project.bmcd"
#define DBUS_SYSTEM_SOCKET "/run/dbus/system_bus_socket"

struct cfg_dbus {			/* bmcd's objects on D-Bus */
	/* "system", "none", a D-Bus address ("unix:path=/run/x"), or "" for
	 * the default: the system bus when its socket exists at start. */
	char bus[256];
	char name[256];			/* the well-known name bmcd owns */
	bool read_only;			/* refuse every write */
};

struct board_config;
struct json_object;
struct pctx;

/* The board-file hooks of its module (struct bmc_module). */
void dbus_defaults(struct board_config *cfg);
void dbus_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
/* A D-Bus well-known name: two or more dot-separated elements of
 * [A-Za-z0-9_-], none empty or starting with a digit, at most 255 bytes. */
bool dbus_name_valid(const char *s, size_t len);
