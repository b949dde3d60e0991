/* SPDX-License-Identifier: MIT */
/* Board file section "fru" (docs/fru.md). */
#include "daemon/config_parse.h"

void fru_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	static const char *const keys[] = { NULL };
	char path[PATH_LEN];
	json_object *v;

	if (cfg_find(c, root, "", "fru", false, path, &v))
		cfg_report(c, path, "FRU devices are not supported yet");
	(void)keys;
}
