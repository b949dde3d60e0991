/* SPDX-License-Identifier: MIT */
/* Board-file section "sol" (docs/sol.md). */
#include <stdio.h>
#include <string.h>

#include "daemon/config_parse.h"

static void parse_sol(struct pctx *c, json_object *root, struct cfg_sol *o)
{
	static const char *const keys[] = { "uart", "tty", "baud", "socket", NULL };
	static const char *const uarts[] = { "sim", "tty", "socket", "none", NULL };
	json_object *obj = cfg_section(c, root, "sol", keys);
	char path[PATH_LEN];
	const char *s;
	size_t len;
	int64_t n;
	int k;

	if (!obj)
		return;
	k = cfg_get_word(c, obj, "sol", "uart", uarts, "a UART backend");
	if (k >= 0)
		snprintf(o->uart, sizeof(o->uart), "%s", uarts[k]);
	cfg_get_abs_path(c, obj, "sol", "tty", "device path", o->tty, sizeof(o->tty));
	if (cfg_get_int(c, obj, "sol", "baud", 9600, 115200, &n)) {
		if (n != 9600 && n != 19200 && n != 38400 && n != 57600 && n != 115200) {
			snprintf(path, sizeof(path), "sol.baud");
			cfg_report(c, path, "%lld is not 9600, 19200, 38400, 57600 or 115200", (long long)n);
		} else {
			o->baud = (unsigned)n;
		}
	}
	if (cfg_get_string(c, obj, "sol", "socket", false, path, &s, &len)) {
		if (len >= sizeof(o->socket) || (strncmp(s, "unix:/", 6) && strncmp(s, "tcp:", 4)))
			cfg_report(c, path, "not \"unix:/PATH\" or \"tcp:HOST:PORT\"");
		else
			memcpy(o->socket, s, len + 1);
	}
	if (!strcmp(o->uart, "tty") && !o->tty[0])
		cfg_report(c, "sol.tty", "missing (sol.uart is \"tty\")");
	if (!strcmp(o->uart, "socket") && !o->socket[0])
		cfg_report(c, "sol.socket", "missing (sol.uart is \"socket\")");
}

void sol_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	parse_sol(c, root, &cfg->sol);
}
