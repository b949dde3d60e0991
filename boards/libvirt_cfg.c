/* SPDX-License-Identifier: MIT */
/* Board-file sub-section "host.libvirt": the domain this BMC is the BMC of
 * (docs/virtual.md). */
#include <string.h>

#include "daemon/config_parse.h"

static void get_text(struct pctx *c, json_object *obj, const char *key, char *out, size_t size)
{
	char path[PATH_LEN];
	const char *s;
	size_t len;

	if (!cfg_get_string(c, obj, "host.libvirt", key, true, path, &s, &len))
		return;
	if (len == 0 || len >= size || !cfg_printable_ascii(s, len))
		cfg_report(c, path, "not 1 to %zu printable characters", size - 1);
	else
		memcpy(out, s, len + 1);
}

void libvirt_parse_config(struct pctx *c, json_object *host, struct cfg_host *h)
{
	static const char *const keys[] = { "uri", "domain", NULL };
	struct cfg_libvirt *v = &h->libvirt;
	bool used = !strcmp(h->backend, "libvirt");
	char path[PATH_LEN];
	json_object *obj;

	if (!cfg_find(c, host, "host", "libvirt", used, path, &obj))
		return;
	if (!cfg_is_type(c, path, obj, json_type_object))
		return;
	cfg_check_keys(c, obj, "host.libvirt", keys);
	get_text(c, obj, "uri", v->uri, sizeof(v->uri));
	get_text(c, obj, "domain", v->domain, sizeof(v->domain));
}
