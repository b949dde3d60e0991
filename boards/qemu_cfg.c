/* SPDX-License-Identifier: MIT */
/* Board-file sub-section "host.qemu": the VM bmcd runs as its host
 * (docs/qemu.md); its default is set with the host's (boards/host_cfg.c). */
#include <string.h>

#include "daemon/config_parse.h"

void qemu_parse_config(struct pctx *c, json_object *host, struct cfg_host *h)
{
	static const char *const keys[] = { "command", "serial", "console", "stop_timeout_ms", NULL };
	struct cfg_qemu *q = &h->qemu;
	json_object *obj, *arr;
	char path[PATH_LEN];
	size_t used = 0;
	bool reported = false;
	int64_t n;

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
	cfg_get_socket_spec(c, obj, "host.qemu", "serial", q->serial, sizeof(q->serial));
	cfg_get_socket_spec(c, obj, "host.qemu", "console", q->console, sizeof(q->console));
	if (cfg_get_int(c, obj, "host.qemu", "stop_timeout_ms", 100, 600000, &n))
		q->stop_timeout_ms = (unsigned)n;
check:
	if (!strcmp(h->backend, "qemu") && q->argc == 0 && !reported)
		cfg_report(c, "host.qemu.command", "missing (host.backend is \"qemu\")");
}
