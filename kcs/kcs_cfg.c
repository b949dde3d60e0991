/* SPDX-License-Identifier: MIT */
/* Board-file section "kcs" (docs/board-file.md, docs/kcs.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config_parse.h"
#include "kcs/kcs_cfg.h"

/* "NN:MM" or "NN:*", hex: netfn and command (or every command). */
static bool parse_allow(const char *s, uint16_t *v, uint8_t *any)
{
	char *end;
	unsigned long netfn = strtoul(s, &end, 16), cmd = 0;

	if (end == s || *end != ':' || netfn > 0x3f || (netfn & 1))
		return false;
	s = end + 1;
	if (!strcmp(s, "*")) {
		*any = 1;
	} else {
		cmd = strtoul(s, &end, 16);
		if (end == s || *end || cmd > 0xff)
			return false;
		*any = 0;
	}
	*v = (uint16_t)(netfn << 8 | cmd);
	return true;
}

static void allow_one(struct pctx *c, json_object *v, const char *ipath, size_t i, void *ctx)
{
	struct cfg_kcs *k = ctx;

	if (!parse_allow(json_object_get_string(v), &k->allow[k->n_allow], &k->allow_any[k->n_allow]))
		cfg_report(c, ipath, "not \"NETFN:CMD\" or \"NETFN:*\" in hex (e.g. \"06:01\")");
	else
		k->n_allow++;
}

void kcs_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	static const char *const keys[] = { "backend", "listen", "device", "allow", NULL };
	static const char *const backends[] = { "none", "extern", "device", NULL };
	struct cfg_kcs *k = &cfg->kcs;
	json_object *obj = cfg_section(c, root, "kcs", keys);
	int i;

	if (!obj)
		return;
	i = cfg_get_word(c, obj, "kcs", "backend", backends, "a KCS backend");
	if (i >= 0)
		k->backend = (enum kcs_backend_kind)i;
	cfg_get_socket_spec(c, obj, "kcs", "listen", k->listen, sizeof(k->listen));
	cfg_get_abs_path(c, obj, "kcs", "device", "device path", k->device, sizeof(k->device));
	cfg_each_type(c, obj, "kcs", "allow", false, KCS_ALLOW_MAX, "entries", json_type_string,
		      allow_one, k);
	if (k->backend == KCS_EXTERN && !k->listen[0])
		cfg_report(c, "kcs.listen", "missing (kcs.backend is \"extern\")");
	if (k->backend == KCS_DEVICE && !k->device[0])
		cfg_report(c, "kcs.device", "missing (kcs.backend is \"device\")");
}
