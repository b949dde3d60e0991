/* SPDX-License-Identifier: MIT */
/* Board-file section "sel" (docs/sel.md). */
#include "daemon/config_parse.h"

void sel_defaults(struct board_config *cfg)
{
	cfg->sel_capacity = 4096;
}

void sel_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	static const char *const keys[] = { "capacity", NULL };
	json_object *obj = cfg_section(c, root, "sel", keys);
	int64_t n;

	if (obj && cfg_get_int(c, obj, "sel", "capacity", 16, 32768, &n))
		cfg->sel_capacity = (unsigned)n;
}

