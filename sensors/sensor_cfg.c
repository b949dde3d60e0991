/* SPDX-License-Identifier: MIT */
/*
 * Board file section "sensors" (format: docs/sensors.md).  Names for sensor
 * types, entities and units are the IPMI 2.0 codes (tables 42-3, 43-13,
 * 43-15); a number is accepted wherever a name is.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "daemon/config_parse.h"
#include "sensors/conv.h"
#include "sensors/sensors.h"

struct code_name {
	const char *name;
	uint8_t code;
};

static const struct code_name sensor_types[] = {
	{ "temperature", 0x01 }, { "voltage", 0x02 }, { "current", 0x03 }, { "fan", 0x04 },
	{ "physical_security", 0x05 }, { "platform_security", 0x06 }, { "processor", 0x07 },
	{ "power_supply", 0x08 }, { "power_unit", 0x09 }, { "cooling_device", 0x0a },
	{ "other_units", 0x0b }, { "memory", 0x0c }, { "drive_slot", 0x0d },
	{ "system_firmware", 0x0f }, { "event_logging", 0x10 }, { "system_event", 0x12 },
	{ "critical_interrupt", 0x13 }, { "button", 0x14 }, { "module_board", 0x15 },
	{ "system_boot", 0x1d }, { "os_boot", 0x1f }, { "os_stop", 0x20 },
	{ "slot_connector", 0x21 }, { "acpi_power", 0x22 }, { "watchdog", 0x23 },
	{ "entity_presence", 0x25 }, { "lan", 0x27 }, { "management_subsystem", 0x28 },
	{ "battery", 0x29 }, { NULL, 0 }
};

static const struct code_name entities[] = {
	{ "unspecified", 0x00 }, { "other", 0x01 }, { "processor", 0x03 }, { "disk_bay", 0x04 },
	{ "system_board", 0x07 }, { "memory_module", 0x08 }, { "power_supply", 0x0a },
	{ "add_in_card", 0x0b }, { "front_panel", 0x0c }, { "power_board", 0x0e },
	{ "drive_backplane", 0x0f }, { "chassis", 0x17 }, { "fan", 0x1d },
	{ "cooling_unit", 0x1e }, { "memory_device", 0x20 }, { "bios", 0x22 },
	{ "battery", 0x28 }, { "mc_firmware", 0x2e }, { "air_inlet", 0x37 },
	{ NULL, 0 }
};

static const struct code_name units[] = {
	{ "unspecified", 0 }, { "degrees C", 1 }, { "degrees F", 2 }, { "kelvin", 3 },
	{ "volts", 4 }, { "amps", 5 }, { "watts", 6 }, { "joules", 7 }, { "CFM", 17 },
	{ "RPM", 18 }, { "Hz", 19 }, { NULL, 0 }
};

/* Threshold names, indexed by enum thr. */
static const char *const thr_names[THR_COUNT] = { "lnc", "lc", "lnr", "unc", "uc", "unr" };

/* obj.key as a name from 'table' or an integer lo..hi: true and *out. */
static bool get_code(struct pctx *c, json_object *obj, const char *parent, const char *key,
		     const struct code_name *table, int64_t lo, int64_t hi, const char *what,
		     uint8_t *out)
{
	char path[PATH_LEN], show[SHOW_LEN], list[512] = "";
	json_object *v;
	const char *s;
	int64_t n;

	if (!cfg_find(c, obj, parent, key, false, path, &v))
		return false;
	if (json_object_is_type(v, json_type_int)) {
		if (!cfg_int_value(c, path, v, lo, hi, &n))
			return false;
		*out = (uint8_t)n;
		return true;
	}
	if (!json_object_is_type(v, json_type_string)) {
		cfg_report(c, path, "expected a name or an integer");
		return false;
	}
	s = json_object_get_string(v);
	for (const struct code_name *t = table; t->name; t++) {
		if (!strcmp(t->name, s)) {
			*out = t->code;
			return true;
		}
	}
	for (const struct code_name *t = table; t->name; t++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 t == table ? "" : ", ", t->name);
	cfg_escape(show, sizeof(show), s, strlen(s));
	cfg_report(c, path, "\"%s\" is not %s (%s, or a number)", show, what, list);
	return false;
}

static void copy_name(struct pctx *c, json_object *obj, const char *parent, const char *key,
		      bool required, char *out, size_t size, bool no_slash)
{
	char path[PATH_LEN];
	const char *s;
	size_t len;

	if (!cfg_get_string(c, obj, parent, key, required, path, &s, &len))
		return;
	if (len == 0 || len >= size || !cfg_printable_ascii(s, len) ||
	    (no_slash && (memchr(s, '/', len) || !strcmp(s, ".") || !strcmp(s, ".."))))
		cfg_report(c, path, "not 1..%zu printable ASCII characters%s", size - 1,
			   no_slash ? " without '/'" : "");
	else
		memcpy(out, s, len + 1);
}

/* Base units dbus/sensors.c publishes (a Sensor.Value unit): degrees C,
 * volts, amps, watts, RPM.  A pushed sensor needs its object. */
static bool dbus_unit(uint8_t unit)
{
	return unit == 1 || unit == 4 || unit == 5 || unit == 6 || unit == 18;
}

/* {"kind": "dbus", "timeout_s": T}: another program pushes the readings
 * (Sensor.Value's Value); older than T seconds they are no reading. */
static void parse_dbus_source(struct pctx *c, json_object *src, const char *path, struct cfg_sensor *s)
{
	static const char *const others[] = {
		"value", "swing", "name", "device", "channel", "bus", "address", "register", "width",
		"byte_order", "signed", "scale", "offset", "off", "settle_s", NULL
	};

	for (const char *const *key = others; *key; key++) {
		char p2[PATH_LEN];
		json_object *v;

		if (cfg_find(c, src, path, *key, false, p2, &v))
			cfg_report(c, p2, "not a key of a dbus source (only \"timeout_s\")");
	}
	cfg_get_number(c, src, path, "timeout_s", 0, 86400, &s->timeout_s);
	if (!s->threshold || !dbus_unit(s->unit))
		cfg_report(c, path, "a dbus source needs a threshold sensor in degrees C, volts, "
			   "amps, watts or RPM (the units Sensor.Value has)");
}

static void parse_source(struct pctx *c, json_object *obj, const char *base, struct cfg_sensor *s)
{
	static const char *const keys[] = {
		"kind", "value", "swing", "name", "device", "channel", "bus", "address",
		"register", "width", "byte_order", "signed", "scale", "offset", "off", "settle_s",
		"timeout_s", NULL
	};
	static const char *const kinds[] = { "sim", "hwmon", "i2c", "dbus", NULL };
	static const char *const orders[] = { "big", "little", NULL };
	char path[PATH_LEN];
	json_object *src;
	int64_t n;
	int k;

	if (!cfg_find(c, obj, base, "source", true, path, &src) ||
	    !cfg_is_type(c, path, src, json_type_object))
		return;
	cfg_check_keys(c, src, path, keys);
	cfg_path_key(path, base, "source");
	k = cfg_get_word(c, src, path, "kind", kinds, "a sensor source");
	if (k < 0) {
		json_object *v;
		char p2[PATH_LEN];

		if (!cfg_find(c, src, path, "kind", false, p2, &v))
			cfg_report(c, p2, "missing");
		return;
	}
	s->src = (enum sensor_src)k;
	if (s->src == SRC_DBUS) {
		parse_dbus_source(c, src, path, s);
		return;
	}
	{
		char p2[PATH_LEN];
		json_object *v;

		if (cfg_find(c, src, path, "timeout_s", false, p2, &v))
			cfg_report(c, p2, "only a dbus source has a timeout");
	}
	if (s->src == SRC_SIM) {
		cfg_get_number(c, src, path, "value", -1e6, 1e6, &s->sim_value);
		cfg_get_number(c, src, path, "swing", 0, 1e6, &s->sim_swing);
		s->sim_has_off = cfg_get_number(c, src, path, "off", -1e6, 1e6, &s->sim_off);
		cfg_get_number(c, src, path, "settle_s", 0, 3600, &s->sim_settle_s);
		if (s->sim_has_off && !s->threshold)
			cfg_report(c, path, "\"off\": only a threshold sensor follows the host's power");
		return;
	}
	for (const char *const *key = (const char *const[]){ "off", "settle_s", NULL }; *key; key++) {
		char p2[PATH_LEN];
		json_object *v;

		if (cfg_find(c, src, path, *key, false, p2, &v))
			cfg_report(c, p2, "only a sim source follows the host's power");
	}
	s->scale = 1;
	if (s->src == SRC_HWMON) {
		copy_name(c, src, path, "name", true, s->hwmon_name, sizeof(s->hwmon_name), true);
		copy_name(c, src, path, "device", false, s->hwmon_device, sizeof(s->hwmon_device), true);
		copy_name(c, src, path, "channel", true, s->hwmon_channel, sizeof(s->hwmon_channel), true);
		/* hwmon's own units: milli-degrees, millivolts, milliamps,
		 * microwatts, RPM (Documentation/hwmon/sysfs-interface). */
		if (!strncmp(s->hwmon_channel, "power", 5))
			s->scale = 1e-6;
		else if (strncmp(s->hwmon_channel, "fan", 3))
			s->scale = 1e-3;
	} else {
		if (cfg_get_int(c, src, path, "bus", 0, 255, &n))
			s->i2c_bus = (uint8_t)n;
		else
			cfg_report(c, path, "i2c source needs \"bus\"");
		if (cfg_get_int(c, src, path, "address", 0x03, 0x77, &n))
			s->i2c_addr = (uint8_t)n;
		else
			cfg_report(c, path, "i2c source needs \"address\" (0x03..0x77)");
		if (cfg_get_int(c, src, path, "register", 0, 255, &n))
			s->i2c_reg = (uint8_t)n;
		s->i2c_width = 1;
		if (cfg_get_int(c, src, path, "width", 1, 2, &n))
			s->i2c_width = (uint8_t)n;
		k = cfg_get_word(c, src, path, "byte_order", orders, "a byte order");
		s->i2c_big_endian = k != 1;
		cfg_get_bool(c, src, path, "signed", &s->i2c_signed);
	}
	cfg_get_number(c, src, path, "scale", -1e9, 1e9, &s->scale);
	cfg_get_number(c, src, path, "offset", -1e9, 1e9, &s->offset);
	if (s->scale == 0)
		cfg_report(c, path, "scale must not be 0");
}

static void parse_thresholds(struct pctx *c, json_object *obj, const char *base,
			     struct cfg_sensor *s)
{
	static const char *const keys[] = { "lnc", "lc", "lnr", "unc", "uc", "unr", "settable", NULL };
	char path[PATH_LEN];
	json_object *t;
	bool settable = true;
	double last = -INFINITY;
	static const enum thr order[THR_COUNT] = { THR_LNR, THR_LC, THR_LNC, THR_UNC, THR_UC, THR_UNR };

	if (!cfg_find(c, obj, base, "thresholds", false, path, &t) ||
	    !cfg_is_type(c, path, t, json_type_object))
		return;
	cfg_check_keys(c, t, path, keys);
	for (int i = 0; i < THR_COUNT; i++)
		if (cfg_get_number(c, t, path, thr_names[i], s->min, s->max, &s->thr[i]))
			s->thr_present |= 1u << i;
	cfg_get_bool(c, t, path, "settable", &settable);
	s->thr_settable = settable ? 0x3f : 0;
	for (int i = 0; i < THR_COUNT; i++) {
		if (!(s->thr_present & 1u << order[i]))
			continue;
		if (s->thr[order[i]] < last)
			cfg_report(c, path, "thresholds out of order (lnr <= lc <= lnc <= unc <= uc <= unr)");
		last = s->thr[order[i]];
	}
}

static void parse_states(struct pctx *c, json_object *obj, const char *base, struct cfg_sensor *s)
{
	char path[PATH_LEN], p2[PATH_LEN];
	json_object *arr = cfg_get_array(c, obj, base, "states", false, path);
	int64_t n;

	if (!arr) {
		s->states = 0x0001;
		return;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		cfg_path_index(p2, path, i);
		if (cfg_int_value(c, p2, json_object_array_get_idx(arr, i), 0, 14, &n))
			s->states |= (uint16_t)(1u << n);
	}
}

static bool analog_type(uint8_t type)
{
	return type >= 0x01 && type <= 0x04;	/* temperature, voltage, current, fan */
}

/* What parse_sensor() needs besides the entry. */
struct sensor_list {
	struct cfg_sensor *list;
	unsigned *count;
	uint32_t used[8];		/* numbers given so far */
	const struct cfg_sensor *bmc;	/* a satellite's: the BMC's own sensors */
	unsigned n_bmc;
};

static void parse_sensor(struct pctx *c, json_object *obj, const char *base, size_t idx, void *ctx)
{
	struct sensor_list *sl = ctx;
	struct cfg_sensor *list = sl->list;
	unsigned *count = sl->count;
	uint32_t *used = sl->used;
	const struct cfg_sensor *bmc = sl->bmc;
	unsigned n_bmc = sl->n_bmc;
	static const char *const keys[] = {
		"name", "number", "type", "event_type", "entity", "entity_instance", "units",
		"min", "max", "thresholds", "hysteresis", "poll_ms", "states", "source", NULL
	};
	struct cfg_sensor *s = &list[*count];
	char path[PATH_LEN];
	int64_t n;

	cfg_check_keys(c, obj, base, keys);
	memset(s, 0, sizeof(*s));
	copy_name(c, obj, base, "name", true, s->name, sizeof(s->name), true);
	for (unsigned i = 0; i < *count && s->name[0]; i++)
		if (!strcmp(list[i].name, s->name))
			cfg_report(c, base, "name \"%s\" is used by sensors[%u] too", s->name, i);
	if (cfg_get_int(c, obj, base, "number", 1, SENSOR_NUM_BOARD_MAX, &n)) {
		s->number = (uint8_t)n;
		if (used[n / 32] & 1u << n % 32)
			cfg_report(c, base, "sensor number %d is used twice", (int)n);
		used[n / 32] |= 1u << n % 32;
		for (unsigned i = 0; i < n_bmc; i++) {
			if (bmc[i].number != n)
				continue;
			/* A client that reads it without bridging would get
			 * the BMC's sensor instead. */
			cfg_path_key(path, base, "number");
			cfg_report(c, path, "sensor number %d is the BMC's own (sensors[%u] \"%s\"); "
				   "a satellite's sensors need numbers the BMC does not use", (int)n, i,
				   bmc[i].name);
		}
	}
	if (!get_code(c, obj, base, "type", sensor_types, 0, 0xff, "a sensor type", &s->type)) {
		json_object *v;

		if (!cfg_find(c, obj, base, "type", false, path, &v))
			cfg_report(c, path, "missing");
	}
	s->event_type = analog_type(s->type) ? 0x01 : 0x6f;
	if (cfg_get_int(c, obj, base, "event_type", 0x01, 0x7f, &n)) {
		if (n > 0x0c && n != 0x6f)
			cfg_report(c, base, "event_type %d is not 1..12 (generic) or 111 (sensor-specific)", (int)n);
		s->event_type = (uint8_t)n;
	}
	s->threshold = s->event_type == 0x01;
	s->entity_id = 0x07;	/* system board */
	get_code(c, obj, base, "entity", entities, 0, 0xff, "an entity", &s->entity_id);
	s->entity_instance = 1;
	if (cfg_get_int(c, obj, base, "entity_instance", 0, 127, &n))
		s->entity_instance = (uint8_t)n;
	s->poll_ms = 1000;
	if (cfg_get_int(c, obj, base, "poll_ms", 100, 3600000, &n))
		s->poll_ms = (unsigned)n;

	if (s->threshold) {
		struct conv cv;

		s->min = 0;
		s->max = 255;
		get_code(c, obj, base, "units", units, 0, 92, "a unit", &s->unit);
		cfg_get_number(c, obj, base, "min", -1e6, 1e6, &s->min);
		cfg_get_number(c, obj, base, "max", -1e6, 1e6, &s->max);
		if (!(s->max > s->min))
			cfg_report(c, base, "max (%g) must be above min (%g)", s->max, s->min);
		else if (!conv_fit(s->min, s->max, &cv))
			cfg_report(c, base, "no SDR conversion covers %g..%g", s->min, s->max);
		else
			parse_thresholds(c, obj, base, s);
		cfg_get_number(c, obj, base, "hysteresis", 0, s->max - s->min > 0 ? s->max - s->min : 0,
			       &s->hysteresis);
	} else {
		parse_states(c, obj, base, s);
	}
	parse_source(c, obj, base, s);
	(*count)++;
}

void sensors_parse_list(struct pctx *c, json_object *obj, const char *parent,
			struct cfg_sensor *list, unsigned max, unsigned *count,
			const struct cfg_sensor *bmc, unsigned n_bmc)
{
	struct sensor_list sl = { .list = list, .count = count, .bmc = bmc, .n_bmc = n_bmc };
	uint32_t taken[8] = { 0 };
	char path[PATH_LEN];
	uint8_t next = 1;

	*count = 0;
	if (!cfg_each(c, obj, parent, "sensors", false, max, "sensors", parse_sensor, &sl))
		return;
	cfg_path_key(path, parent, "sensors");
	/* Sensors without a number get the lowest free ones, in order (and
	 * a satellite's none of the BMC's). */
	memcpy(taken, sl.used, sizeof(taken));
	for (unsigned i = 0; i < n_bmc; i++)
		taken[bmc[i].number / 32] |= 1u << bmc[i].number % 32;
	for (unsigned i = 0; i < *count; i++) {
		if (list[i].number)
			continue;
		while (next <= SENSOR_NUM_BOARD_MAX && (taken[next / 32] & 1u << next % 32))
			next++;
		if (next > SENSOR_NUM_BOARD_MAX) {
			cfg_report(c, path, "no sensor number left for \"%s\"", list[i].name);
			break;
		}
		list[i].number = next;
		taken[next / 32] |= 1u << next % 32;
	}
}

void sensors_defaults(struct board_config *cfg)
{
	snprintf(cfg->hwmon_root, sizeof(cfg->hwmon_root), "/sys/class/hwmon");
}

void sensors_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	cfg_get_abs_path(c, root, "", "hwmon_root", "path", cfg->hwmon_root, sizeof(cfg->hwmon_root));
	cfg_get_abs_path(c, root, "", "sim_dir", "path", cfg->sim_dir, sizeof(cfg->sim_dir));
	sensors_parse_list(c, root, "", cfg->sensors, SENSOR_NUM_BOARD_MAX, &cfg->n_sensors, NULL, 0);
}
