/* SPDX-License-Identifier: MIT */
/* Board-file section "redfish" (docs/redfish.md). */
#include <string.h>

#include "daemon/config_parse.h"

void redfish_defaults(struct board_config *cfg)
{
	struct cfg_redfish *r = &cfg->redfish;

	memset(r, 0, sizeof(*r));
	config_parse_endpoint(REDFISH_DEFAULT_LISTEN, &r->listen[0]);
	r->n_listen = 1;
	r->max_connections = 64;
	r->max_connections_per_source = 16;
	r->max_url = 2048;
	r->max_header_bytes = 16384;
	r->max_headers = 64;
	r->max_body = 1024 * 1024;
	r->idle_timeout_s = 60;
	r->request_timeout_s = 10;
}

struct listen_list {
	struct cfg_endpoint eps[CFG_MAX_LISTEN];
	unsigned kept;
	bool ok;
};

static void listen_one(struct pctx *c, json_object *v, const char *ipath, size_t i, void *ctx)
{
	struct listen_list *l = ctx;
	const char *s = json_object_get_string(v);
	char show[SHOW_LEN];
	struct cfg_endpoint ep;

	cfg_escape(show, sizeof(show), s, (size_t)json_object_get_string_len(v));
	if (config_parse_endpoint(s, &ep) < 0) {
		cfg_report(c, ipath, "\"%s\" is not ADDR:PORT", show);
		l->ok = false;
		return;
	}
	for (unsigned j = 0; j < l->kept; j++) {
		if (!strcmp(l->eps[j].text, ep.text)) {
			cfg_report(c, ipath, "\"%s\" is listed twice", show);
			l->ok = false;
			return;
		}
	}
	if (l->kept < CFG_MAX_LISTEN)
		l->eps[l->kept++] = ep;
}

static void parse_listen(struct pctx *c, json_object *obj, struct cfg_redfish *r)
{
	struct listen_list l = { .ok = true };
	char path[PATH_LEN];
	json_object *arr = cfg_get_array(c, obj, "redfish", "listen", false, path);
	size_t n = arr ? json_object_array_length(arr) : 0;

	if (!arr)
		return;
	if (n == 0) {
		cfg_report(c, path, "empty (at least one endpoint is needed)");
		return;
	}
	if (n > CFG_MAX_LISTEN) {
		cfg_report(c, path, "%zu endpoints, at most %d allowed", n, CFG_MAX_LISTEN);
		return;
	}
	if (cfg_each_of(c, arr, path, n, json_type_string, listen_one, &l) && l.ok) {
		memcpy(r->listen, l.eps, sizeof(l.eps[0]) * l.kept);
		r->n_listen = l.kept;
	}
}

static bool get_uint(struct pctx *c, json_object *obj, const char *key, int64_t lo, int64_t hi,
		     unsigned *out)
{
	int64_t v;

	if (!cfg_get_int(c, obj, "redfish", key, lo, hi, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

void redfish_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	static const char *const keys[] = {
		"enabled", "listen", "cert", "key", "max_connections", "max_connections_per_source",
		"max_url", "max_header_bytes", "max_headers", "max_body", "idle_timeout",
		"request_timeout", NULL
	};
	json_object *obj = cfg_section(c, root, "redfish", keys);
	struct cfg_redfish *r = &cfg->redfish;
	char path[PATH_LEN];
	bool per_source;

	if (!obj)
		return;
	cfg_get_bool(c, obj, "redfish", "enabled", &r->enabled);
	parse_listen(c, obj, r);
	cfg_get_abs_path(c, obj, "redfish", "cert", "path", r->cert, sizeof(r->cert));
	cfg_get_abs_path(c, obj, "redfish", "key", "path", r->key, sizeof(r->key));
	get_uint(c, obj, "max_connections", 1, 4096, &r->max_connections);
	per_source = get_uint(c, obj, "max_connections_per_source", 1, 4096,
			      &r->max_connections_per_source);
	get_uint(c, obj, "max_url", 64, 65536, &r->max_url);
	get_uint(c, obj, "max_header_bytes", 1024, 1024 * 1024, &r->max_header_bytes);
	get_uint(c, obj, "max_headers", 8, 1024, &r->max_headers);
	get_uint(c, obj, "max_body", 1024, 64 * 1024 * 1024, &r->max_body);
	get_uint(c, obj, "idle_timeout", 1, 3600, &r->idle_timeout_s);
	get_uint(c, obj, "request_timeout", 1, 3600, &r->request_timeout_s);
	if (!r->cert[0] != !r->key[0]) {
		cfg_path_key(path, "redfish", r->cert[0] ? "key" : "cert");
		cfg_report(c, path, "missing (cert and key go together)");
	}
	if (r->max_connections_per_source > r->max_connections && per_source) {
		cfg_path_key(path, "redfish", "max_connections_per_source");
		cfg_report(c, path, "more than max_connections (%u)", r->max_connections);
	} else if (r->max_connections_per_source > r->max_connections) {
		r->max_connections_per_source = r->max_connections;	/* the default, capped */
	}
}
