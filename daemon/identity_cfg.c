/* SPDX-License-Identifier: MIT */
/* Board-file keys "name" and "identity" (docs/board-file.md). */
#include <string.h>

#include "daemon/config_parse.h"

void identity_defaults(struct board_config *cfg)
{
	cfg->identity.device_id = 32;
	cfg->identity.fw_major = 0;
	cfg->identity.fw_minor = 1;
	cfg->identity.manufacturer_id = 32473;	/* RFC 5612 documentation number */
	cfg->identity.product_id = 1;
}

static void parse_name(struct pctx *c, json_object *root, struct board_config *cfg)
{
	const char *s;
	int len = cfg_get_ascii(c, root, "", "name", true, sizeof(cfg->name) - 1, "empty", &s);

	if (len >= 0)
		memcpy(cfg->name, s, (size_t)len + 1);
}

static void parse_fw_version(struct pctx *c, json_object *obj, struct cfg_identity *id)
{
	char path[PATH_LEN], show[SHOW_LEN];
	unsigned major, minor;
	const char *s, *dot;
	size_t len;
	bool ok = true;

	if (!cfg_get_string(c, obj, "identity", "firmware_version", false, path, &s, &len))
		return;
	dot = memchr(s, '.', len);
	if (!dot || !cfg_decimal(s, (size_t)(dot - s), &major) ||
	    !cfg_decimal(dot + 1, len - (size_t)(dot - s) - 1, &minor)) {
		cfg_escape(show, sizeof(show), s, len);
		cfg_report(c, path, "\"%s\" is not MAJOR.MINOR", show);
		return;
	}
	if (major > 127) {
		cfg_report(c, path, "major %u is out of range 0..127", major);
		ok = false;
	}
	if (minor > 99) {
		cfg_report(c, path, "minor %u is out of range 0..99", minor);
		ok = false;
	}
	if (ok) {
		id->fw_major = (uint8_t)major;
		id->fw_minor = (uint8_t)minor;
	}
}

static void parse_aux(struct pctx *c, json_object *obj, struct cfg_identity *id)
{
	char path[PATH_LEN], ipath[PATH_LEN];
	uint8_t aux[4];
	json_object *arr;
	size_t n, i;
	bool ok = true;

	arr = cfg_get_array(c, obj, "identity", "aux_firmware", false, path);
	if (!arr)
		return;
	n = json_object_array_length(arr);
	if (n != sizeof(aux)) {
		cfg_report(c, path, "expected %zu integers, got %zu", sizeof(aux), n);
		ok = false;
	}
	for (i = 0; i < n; i++) {
		int64_t v;

		cfg_path_index(ipath, path, i);
		if (!cfg_int_value(c, ipath, json_object_array_get_idx(arr, i), 0, 255, &v))
			ok = false;
		else if (i < sizeof(aux))
			aux[i] = (uint8_t)v;
	}
	if (ok)
		memcpy(id->aux, aux, sizeof(aux));
}

static void parse_identity(struct pctx *c, json_object *root, struct cfg_identity *id)
{
	static const char *const keys[] = {
		"device_id", "device_revision", "firmware_version", "manufacturer_id",
		"product_id", "aux_firmware", NULL
	};
	json_object *obj = cfg_section(c, root, "identity", keys);
	int64_t n;

	if (!obj)
		return;
	if (cfg_get_int(c, obj, "identity", "device_id", 0, 255, &n))
		id->device_id = (uint8_t)n;
	if (cfg_get_int(c, obj, "identity", "device_revision", 0, 15, &n))
		id->device_revision = (uint8_t)n;
	parse_fw_version(c, obj, id);
	if (cfg_get_int(c, obj, "identity", "manufacturer_id", 0, 0xfffff, &n))
		id->manufacturer_id = (uint32_t)n;
	if (cfg_get_int(c, obj, "identity", "product_id", 0, 65535, &n))
		id->product_id = (uint16_t)n;
	parse_aux(c, obj, id);
}

void identity_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	parse_name(c, root, cfg);
	parse_identity(c, root, &cfg->identity);
}
