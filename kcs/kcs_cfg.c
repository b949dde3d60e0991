/* SPDX-License-Identifier: MIT */
/* Board-file sections "kcs" and "host.qemu" (docs/board-file.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config_parse.h"
#include "kcs/kcs_cfg.h"

/* "unix:/PATH" or "tcp:HOST:PORT" into out (size bytes). */
static void get_socket_spec(struct pctx *c, json_object *obj, const char *parent, const char *key,
			    char *out, size_t size)
{
	char path[PATH_LEN];
	const char *s;
	size_t len;
	struct cfg_endpoint ep;

	if (!cfg_get_string(c, obj, parent, key, false, path, &s, &len))
		return;
	if (len >= size || (strncmp(s, "unix:/", 6) && strncmp(s, "tcp:", 4)) ||
	    (!strncmp(s, "tcp:", 4) && config_parse_endpoint(s + 4, &ep) < 0))
		cfg_report(c, path, "not \"unix:/PATH\" or \"tcp:HOST:PORT\" (at most %zu bytes)",
			   size - 1);
	else
		memcpy(out, s, len + 1);
}

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

void kcs_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	static const char *const keys[] = { "backend", "listen", "device", "allow", NULL };
	static const char *const backends[] = { "none", "extern", "device", NULL };
	struct cfg_kcs *k = &cfg->kcs;
	json_object *obj = cfg_section(c, root, "kcs", keys), *arr;
	char path[PATH_LEN];
	const char *s;
	size_t len;
	int i;

	if (!obj)
		return;
	i = cfg_get_word(c, obj, "kcs", "backend", backends, "a KCS backend");
	if (i >= 0)
		k->backend = (enum kcs_backend_kind)i;
	get_socket_spec(c, obj, "kcs", "listen", k->listen, sizeof(k->listen));
	if (cfg_get_string(c, obj, "kcs", "device", false, path, &s, &len)) {
		if (len == 0 || len >= sizeof(k->device) || s[0] != '/')
			cfg_report(c, path, "not an absolute device path of at most %zu bytes",
				   sizeof(k->device) - 1);
		else
			memcpy(k->device, s, len + 1);
	}
	arr = cfg_get_array(c, obj, "kcs", "allow", false, path);
	if (arr) {
		size_t n = json_object_array_length(arr);

		if (n > KCS_ALLOW_MAX)
			cfg_report(c, path, "more than %d entries", KCS_ALLOW_MAX);
		for (size_t j = 0; j < n && j < KCS_ALLOW_MAX; j++) {
			json_object *v = json_object_array_get_idx(arr, j);
			char ipath[PATH_LEN];

			cfg_path_index(ipath, path, j);
			if (!cfg_is_type(c, ipath, v, json_type_string))
				continue;
			if (!parse_allow(json_object_get_string(v), &k->allow[k->n_allow],
					 &k->allow_any[k->n_allow]))
				cfg_report(c, ipath, "not \"NETFN:CMD\" or \"NETFN:*\" in hex (e.g. \"06:01\")");
			else
				k->n_allow++;
		}
	}
	if (k->backend == KCS_EXTERN && !k->listen[0])
		cfg_report(c, "kcs.listen", "missing (kcs.backend is \"extern\")");
	if (k->backend == KCS_DEVICE && !k->device[0])
		cfg_report(c, "kcs.device", "missing (kcs.backend is \"device\")");
}

void qemu_parse_config(struct pctx *c, json_object *host, struct cfg_host *h)
{
	static const char *const keys[] = { "command", "serial", "console", "stop_timeout_ms", NULL };
	struct cfg_qemu *q = &h->qemu;
	json_object *obj, *arr;
	char path[PATH_LEN];
	size_t used = 0;
	bool reported = false;
	int64_t n;

	q->stop_timeout_ms = 10000;
	if (!cfg_find(c, host, "host", "qemu", false, path, &obj))
		goto check;
	if (!cfg_is_type(c, path, obj, json_type_object))
		return;
	cfg_check_keys(c, obj, "host.qemu", keys);
	arr = cfg_get_array(c, obj, "host.qemu", "command", true, path);
	reported = true;		/* missing, or checked below */
	if (arr) {
		size_t cnt = json_object_array_length(arr);

		if (cnt == 0 || cnt > QEMU_ARGS_MAX)
			cfg_report(c, path, "needs 1 to %d arguments", QEMU_ARGS_MAX);
		for (size_t j = 0; j < cnt && j < QEMU_ARGS_MAX; j++) {
			json_object *v = json_object_array_get_idx(arr, j);
			char ipath[PATH_LEN];
			size_t len;

			cfg_path_index(ipath, path, j);
			if (!cfg_is_type(c, ipath, v, json_type_string))
				continue;
			len = strlen(json_object_get_string(v));
			if (used + len + 1 > sizeof(q->command)) {
				cfg_report(c, path, "longer than %zu bytes in all", sizeof(q->command));
				break;
			}
			memcpy(q->command + used, json_object_get_string(v), len + 1);
			used += len + 1;
			q->argc++;
		}
	}
	get_socket_spec(c, obj, "host.qemu", "serial", q->serial, sizeof(q->serial));
	get_socket_spec(c, obj, "host.qemu", "console", q->console, sizeof(q->console));
	if (cfg_get_int(c, obj, "host.qemu", "stop_timeout_ms", 100, 600000, &n))
		q->stop_timeout_ms = (unsigned)n;
check:
	if (!strcmp(h->backend, "qemu") && q->argc == 0 && !reported)
		cfg_report(c, "host.qemu.command", "missing (host.backend is \"qemu\")");
}
