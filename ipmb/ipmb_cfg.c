/* SPDX-License-Identifier: MIT */
/* Board-file section "ipmb" (docs/bridging.md, docs/board-file.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "ipmb/ipmb_cfg.h"

/* An 8-bit IPMB slave address: an integer or a "0x72" string; even, and
 * not a reserved one (00h-0Fh, F0h-FFh). */
static bool get_addr(struct pctx *c, json_object *obj, const char *parent, const char *key,
		     bool required, uint8_t *out)
{
	static const char what[] = "an 8-bit IPMB slave address (even, 0x10..0xEE, e.g. \"0x72\")";
	char path[PATH_LEN];

	if (!cfg_get_byte(c, obj, parent, key, required, 0x10, 0xee, what, out))
		return false;
	if (*out & 1) {
		cfg_path_key(path, parent, key);
		cfg_report(c, path, "not %s", what);
		return false;
	}
	return true;
}

static bool get_channel(struct pctx *c, json_object *obj, const char *parent, uint8_t *out)
{
	int64_t n;

	if (cfg_get_int(c, obj, parent, "channel", 0, 11, &n)) {
		*out = (uint8_t)n;
		return true;
	}
	if (!json_object_object_get_ex(obj, "channel", NULL))
		cfg_report(c, parent, "needs \"channel\" (0..11)");
	return false;
}

static void parse_channel(struct pctx *c, json_object *o, const char *base, size_t i, void *ctx)
{
	static const char *const keys[] = { "channel", "device", NULL };
	struct cfg_ipmb *m = ctx;
	struct cfg_ipmb_channel *ch = &m->channels[m->n_channels];

	cfg_check_keys(c, o, base, keys);
	memset(ch, 0, sizeof(*ch));
	if (!get_channel(c, o, base, &ch->number))
		return;
	for (unsigned j = 0; j < m->n_channels; j++)
		if (m->channels[j].number == ch->number)
			cfg_report(c, base, "channel %u is listed twice", ch->number);
	cfg_get_abs_path(c, o, base, "device", "path", ch->device, sizeof(ch->device));
	m->n_channels++;
}

static bool has_channel(const struct cfg_ipmb *m, uint8_t n)
{
	for (unsigned i = 0; i < m->n_channels; i++)
		if (m->channels[i].number == n)
			return true;
	return false;
}

/* A sensor name must be unique across the board and every satellite: the
 * sim override files (<state>/sim/<name>) share one directory. */
static void check_names(struct pctx *c, const char *base, const struct board_config *cfg,
			const struct cfg_satellite *sat)
{
	for (unsigned i = 0; i < sat->n_sensors; i++) {
		const char *name = sat->sensors[i].name;

		for (unsigned j = 0; j < cfg->n_sensors; j++)
			if (!strcmp(cfg->sensors[j].name, name))
				cfg_report(c, base, "sensor name \"%s\" is a board sensor's too", name);
		for (unsigned k = 0; k < cfg->ipmb.n_sats; k++)
			for (unsigned j = 0; j < cfg->ipmb.sats[k].n_sensors; j++)
				if (!strcmp(cfg->ipmb.sats[k].sensors[j].name, name))
					cfg_report(c, base, "sensor name \"%s\" is satellite \"%s\"'s too",
						   name, cfg->ipmb.sats[k].name);
	}
}

static void parse_satellite(struct pctx *c, json_object *o, const char *base, size_t idx, void *ctx)
{
	static const char *const keys[] = {
		"name", "channel", "address", "via", "responds", "device_id", "device_revision",
		"firmware", "manufacturer_id", "product_id", "sensors", NULL
	};
	struct board_config *cfg = ctx;
	struct cfg_ipmb *m = &cfg->ipmb;
	struct cfg_satellite *sat = &m->sats[m->n_sats];
	char path[PATH_LEN];
	const char *s;
	size_t len;
	int64_t n;
	bool ok = true;

	cfg_check_keys(c, o, base, keys);
	memset(sat, 0, sizeof(*sat));
	sat->via = -1;
	sat->responds = true;
	sat->device_rev = 0x80;		/* provides device SDRs */
	sat->fw_major = 1;
	if (cfg_get_string(c, o, base, "name", true, path, &s, &len)) {
		if (len == 0 || len > IPMB_NAME_MAX || !cfg_printable_ascii(s, len))
			cfg_report(c, path, "not printable ASCII of 1..%d bytes", IPMB_NAME_MAX);
		else
			memcpy(sat->name, s, len + 1);
	}
	for (unsigned i = 0; i < m->n_sats && sat->name[0]; i++)
		if (!strcmp(m->sats[i].name, sat->name))
			cfg_report(c, base, "name \"%s\" is used by satellites[%u] too", sat->name, i);
	ok &= get_channel(c, o, base, &sat->channel);
	ok &= get_addr(c, o, base, "address", true, &sat->address);
	if (cfg_get_string(c, o, base, "via", false, path, &s, &len)) {
		for (unsigned i = 0; i < m->n_sats; i++)
			if (strlen(m->sats[i].name) == len && !memcmp(m->sats[i].name, s, len))
				sat->via = (int)i;
		if (sat->via < 0) {
			cfg_report(c, path, "not the name of a satellite listed before this one");
			ok = false;
		} else if (m->sats[sat->via].via >= 0) {
			cfg_report(c, path, "\"%s\" is itself behind another satellite (two levels at most)",
				   m->sats[sat->via].name);
			ok = false;
		}
	}
	if (ok && sat->via < 0 && !has_channel(m, sat->channel)) {
		cfg_report(c, base, "channel %u is not one of ipmb.channels", sat->channel);
		ok = false;
	}
	if (ok && sat->via < 0 && sat->address == m->address) {
		cfg_report(c, base, "address 0x%02x is the BMC's own", sat->address);
		ok = false;
	}
	for (unsigned i = 0; ok && i < m->n_sats; i++)
		if (m->sats[i].via == sat->via && m->sats[i].channel == sat->channel &&
		    m->sats[i].address == sat->address) {
			cfg_report(c, base, "address 0x%02x on channel %u is satellites[%u]'s too",
				   sat->address, sat->channel, i);
			ok = false;
		}
	cfg_get_bool(c, o, base, "responds", &sat->responds);
	if (cfg_get_int(c, o, base, "device_id", 0, 255, &n))
		sat->device_id = (uint8_t)n;
	if (cfg_get_int(c, o, base, "device_revision", 0, 15, &n))
		sat->device_rev = (uint8_t)(0x80 | n);
	if (cfg_get_string(c, o, base, "firmware", false, path, &s, &len)) {
		unsigned maj, min;
		char tail;

		if (sscanf(s, "%u.%u%c", &maj, &min, &tail) != 2 || maj > 127 || min > 99)
			cfg_report(c, path, "not \"MAJOR.MINOR\" (0..127 . 0..99)");
		else {
			sat->fw_major = (uint8_t)maj;
			sat->fw_minor = (uint8_t)min;
		}
	}
	if (cfg_get_int(c, o, base, "manufacturer_id", 0, 0xfffff, &n))
		sat->manufacturer = (uint32_t)n;
	if (cfg_get_int(c, o, base, "product_id", 0, 0xffff, &n))
		sat->product = (uint16_t)n;
	/* Numbers apart from the BMC's own: see docs/bridging.md. */
	sensors_parse_list(c, o, base, sat->sensors, IPMB_SAT_SENSORS_MAX, &sat->n_sensors, cfg->sensors,
			   cfg->n_sensors);
	check_names(c, base, cfg, sat);
	if (ok)
		m->n_sats++;
}

void ipmb_defaults(struct board_config *cfg)
{
	cfg->ipmb.address = 0x20;
	cfg->ipmb.timeout_ms = 1000;
}

void ipmb_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	static const char *const keys[] = { "address", "timeout_ms", "channels", "satellites", NULL };
	struct cfg_ipmb *m = &cfg->ipmb;
	json_object *sec = cfg_section(c, root, "ipmb", keys);
	int64_t n;

	if (!sec)
		return;
	get_addr(c, sec, "ipmb", "address", false, &m->address);
	if (cfg_get_int(c, sec, "ipmb", "timeout_ms", 50, 60000, &n))
		m->timeout_ms = (unsigned)n;
	cfg_each(c, sec, "ipmb", "channels", false, IPMB_CHANNELS_MAX, "channels", parse_channel, m);
	cfg_each(c, sec, "ipmb", "satellites", false, IPMB_SATELLITES_MAX, "satellites",
		 parse_satellite, cfg);
}

/* The LAN section comes later in module order: its channel is checked
 * once every section is in. */
void ipmb_check_config(struct pctx *c, struct board_config *cfg)
{
	const struct cfg_ipmb *m = &cfg->ipmb;
	char base[PATH_LEN];

	for (unsigned i = 0; i < m->n_channels; i++) {
		if (m->channels[i].number != cfg->lan.channel)
			continue;
		cfg_path_index(base, "ipmb.channels", i);
		cfg_report(c, base, "channel %u is the LAN channel", m->channels[i].number);
	}
}
