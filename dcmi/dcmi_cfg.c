/* SPDX-License-Identifier: MIT */
/* Board-file section "dcmi" (docs/dcmi.md, docs/board-file.md). */
#include <stdio.h>
#include <string.h>

#include "daemon/config_parse.h"
#include "dcmi/dcmi_cfg.h"

#define UNIT_WATTS 6
#define ENTITY_POWER_SUPPLY 0x0a

/* A printable ASCII string of at most DCMI_STRING_MAX bytes into out. */
static void get_text(struct pctx *c, json_object *obj, const char *key, char *out)
{
	char path[PATH_LEN];
	const char *s;
	size_t len;

	if (!cfg_get_string(c, obj, "dcmi", key, false, path, &s, &len))
		return;
	if (len > DCMI_STRING_MAX || !cfg_printable_ascii(s, len))
		cfg_report(c, path, "not printable ASCII of at most %d bytes", DCMI_STRING_MAX);
	else
		memcpy(out, s, len + 1);
}

/* Each name must be a threshold sensor of the board that reads watts. */
static void get_power_sensors(struct pctx *c, json_object *obj, struct board_config *cfg)
{
	struct cfg_dcmi *d = &cfg->dcmi;
	char path[PATH_LEN], ipath[PATH_LEN], show[SHOW_LEN];
	json_object *arr = obj ? cfg_get_array(c, obj, "dcmi", "power_sensors", false, path) : NULL;
	size_t n;

	if (!arr) {
		/* Default: the power supplies' input power sensors. */
		for (unsigned j = 0; j < cfg->n_sensors && d->n_power_sensors < DCMI_POWER_SENSORS_MAX; j++)
			if (cfg->sensors[j].threshold && cfg->sensors[j].unit == UNIT_WATTS &&
			    cfg->sensors[j].entity_id == ENTITY_POWER_SUPPLY)
				memcpy(d->power_sensors[d->n_power_sensors++], cfg->sensors[j].name,
				       sizeof(d->power_sensors[0]));
		return;
	}
	n = json_object_array_length(arr);
	if (n > DCMI_POWER_SENSORS_MAX) {
		cfg_report(c, path, "more than %d sensors", DCMI_POWER_SENSORS_MAX);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		const struct cfg_sensor *s = NULL;
		const char *name;
		size_t len;

		cfg_path_index(ipath, path, i);
		if (!cfg_is_type(c, ipath, v, json_type_string))
			continue;
		name = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		for (unsigned j = 0; j < cfg->n_sensors && !s; j++)
			if (strlen(cfg->sensors[j].name) == len && !memcmp(cfg->sensors[j].name, name, len))
				s = &cfg->sensors[j];
		cfg_escape(show, sizeof(show), name, len);
		if (!s) {
			cfg_report(c, ipath, "\"%s\" is not one of the board's sensors", show);
			continue;
		}
		if (!s->threshold || s->unit != UNIT_WATTS) {
			cfg_report(c, ipath, "\"%s\" is not a threshold sensor in watts", show);
			continue;
		}
		for (unsigned j = 0; j < d->n_power_sensors; j++)
			if (!strcmp(d->power_sensors[j], s->name))
				cfg_report(c, ipath, "\"%s\" is listed twice", show);
		memcpy(d->power_sensors[d->n_power_sensors++], s->name, sizeof(d->power_sensors[0]));
	}
}

void dcmi_defaults(struct board_config *cfg)
{
	cfg->dcmi.window_s = 60;
	cfg->dcmi.sample_ms = 1000;
}

void dcmi_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	static const char *const keys[] = {
		"power_sensors", "statistics_window", "sample_ms", "mc_id", "asset_tag", NULL
	};
	struct cfg_dcmi *d = &cfg->dcmi;
	json_object *obj;
	int64_t v;

	/* The default names the board, known only now. */
	snprintf(d->mc_id, sizeof(d->mc_id), "%s", cfg->name[0] ? cfg->name : "bmcd");
	obj = cfg_section(c, root, "dcmi", keys);
	get_power_sensors(c, obj, cfg);	/* with obj NULL: the default */
	if (!obj)
		return;
	if (cfg_get_int(c, obj, "dcmi", "statistics_window", 1, 3600, &v))
		d->window_s = (unsigned)v;
	if (cfg_get_int(c, obj, "dcmi", "sample_ms", 100, 60000, &v))
		d->sample_ms = (unsigned)v;
	if ((uint64_t)d->window_s * 1000 / d->sample_ms > DCMI_SAMPLES_MAX ||
	    (uint64_t)d->window_s * 1000 < d->sample_ms)
		cfg_report(c, "dcmi.statistics_window", "%u s at one sample every %u ms is not 1 to "
			   "%d samples", d->window_s, d->sample_ms, DCMI_SAMPLES_MAX);
	get_text(c, obj, "mc_id", d->mc_id);
	get_text(c, obj, "asset_tag", d->asset_tag);
}
