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
static void power_sensor_one(struct pctx *c, json_object *v, const char *ipath, size_t i, void *ctx)
{
	struct board_config *cfg = ctx;
	struct cfg_dcmi *d = &cfg->dcmi;
	const char *name = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v);
	const struct cfg_sensor *s = NULL;
	char show[SHOW_LEN];

	for (unsigned j = 0; j < cfg->n_sensors && !s; j++)
		if (strlen(cfg->sensors[j].name) == len && !memcmp(cfg->sensors[j].name, name, len))
			s = &cfg->sensors[j];
	cfg_escape(show, sizeof(show), name, len);
	if (!s) {
		cfg_report(c, ipath, "\"%s\" is not one of the board's sensors", show);
		return;
	}
	if (!s->threshold || s->unit != UNIT_WATTS) {
		cfg_report(c, ipath, "\"%s\" is not a threshold sensor in watts", show);
		return;
	}
	for (unsigned j = 0; j < d->n_power_sensors; j++)
		if (!strcmp(d->power_sensors[j], s->name))
			cfg_report(c, ipath, "\"%s\" is listed twice", show);
	memcpy(d->power_sensors[d->n_power_sensors++], s->name, sizeof(d->power_sensors[0]));
}

static void get_power_sensors(struct pctx *c, json_object *obj, struct board_config *cfg)
{
	struct cfg_dcmi *d = &cfg->dcmi;

	if (obj && cfg_each_type(c, obj, "dcmi", "power_sensors", false, DCMI_POWER_SENSORS_MAX,
				 "sensors", json_type_string, power_sensor_one, cfg))
		return;
	/* Default: the power supplies' input power sensors. */
	for (unsigned j = 0; j < cfg->n_sensors && d->n_power_sensors < DCMI_POWER_SENSORS_MAX; j++)
		if (cfg->sensors[j].threshold && cfg->sensors[j].unit == UNIT_WATTS &&
		    cfg->sensors[j].entity_id == ENTITY_POWER_SUPPLY)
			memcpy(d->power_sensors[d->n_power_sensors++], cfg->sensors[j].name,
			       sizeof(d->power_sensors[0]));
}

void dcmi_cfg_defaults(struct board_config *cfg)
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
