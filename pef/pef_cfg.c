/* SPDX-License-Identifier: MIT */
/* Board file section "pef" (docs/pef.md). */
#include "daemon/config_parse.h"

void pef_defaults(struct board_config *cfg)
{
	cfg->pef.enabled = true;
	cfg->pef.trap_port = 162;
}

void pef_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	static const char *const keys[] = { "enabled", "trap_port", NULL };
	json_object *obj;
	int64_t n;

	obj = cfg_section(c, root, "pef", keys);
	if (!obj)
		return;
	cfg_get_bool(c, obj, "pef", "enabled", &cfg->pef.enabled);
	if (cfg_get_int(c, obj, "pef", "trap_port", 1, 65535, &n))
		cfg->pef.trap_port = (uint16_t)n;
}
