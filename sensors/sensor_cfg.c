/* SPDX-License-Identifier: MIT */
/* Board file section "sensors" (docs/sensors.md). */
#include "daemon/config_parse.h"

void sensors_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	char path[PATH_LEN];
	json_object *v;

	if (cfg_find(c, root, "", "sensors", false, path, &v))
		cfg_report(c, path, "sensors are not supported yet");
}
