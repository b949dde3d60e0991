/* SPDX-License-Identifier: MIT */
/*
 * The board's threshold sensors on D-Bus, as phosphor-dbus-interfaces name
 * them: xyz.openbmc_project.Sensor.Value at
 * /xyz/openbmc_project/sensors/<type>/<name>.  The value is the one IPMI
 * reports (the raw reading through the SDR conversion), so busctl and
 * `ipmitool sensor get` show the same number.  Sensors whose unit has no
 * D-Bus type, and discrete sensors, are not published yet.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "dbus/dbus.h"
#include "sensors/sensors.h"

#define SENSORS_PATH "/xyz/openbmc_project/sensors"
#define VALUE_IFACE "xyz.openbmc_project.Sensor.Value"

/* IPMI base unit code, the path's type and the Unit enum value. */
struct sensor_kind {
	uint8_t unit;
	const char *type, *name;
};

static const struct sensor_kind kinds[] = {
	{ 1, "temperature", VALUE_IFACE ".Unit.DegreesC" },
	{ 4, "voltage", VALUE_IFACE ".Unit.Volts" },
	{ 5, "current", VALUE_IFACE ".Unit.Amperes" },
	{ 6, "power", VALUE_IFACE ".Unit.Watts" },
	{ 18, "fan_tach", VALUE_IFACE ".Unit.RPMS" },
	{ 0, NULL, NULL },
};

static const struct sensor_kind *kind_of(const struct sensor *s)
{
	if (!s->cfg->threshold)
		return NULL;
	for (const struct sensor_kind *k = kinds; k->type; k++)
		if (k->unit == s->cfg->unit)
			return k;
	return NULL;
}

/* Its object path: the name with every character a path element cannot
 * hold as '_' ("CPU0 Temp" is .../temperature/CPU0_Temp, as OpenBMC's). */
static bool sensor_path(const struct sensor *s, char *out, size_t size)
{
	const struct sensor_kind *k = kind_of(s);
	size_t n;

	if (!k)
		return false;
	n = (size_t)snprintf(out, size, "%s/%s/", SENSORS_PATH, k->type);
	for (const char *c = s->cfg->name; *c && n + 1 < size; c++, n++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '_';

		out[n] = ok ? *c : '_';
	}
	out[n] = '\0';
	return true;
}

/* What Value shows, as a number to compare: the raw reading, or -1 when
 * there is none (NaN on D-Bus, "no reading" in IPMI). */
static int shown_raw(const struct sensor *s)
{
	return s->valid && !s->unavailable ? s->raw : -1;
}

static int get_value(sd_bus *bus, const char *path, const char *iface, const char *prop,
		     sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	const struct sensor *s = userdata;
	int raw = shown_raw(s);

	return sd_bus_message_append(reply, "d", raw < 0 ? NAN : conv_to_value(&s->conv, (uint8_t)raw));
}

static int get_range(sd_bus *bus, const char *path, const char *iface, const char *prop,
		     sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	const struct sensor *s = userdata;

	return sd_bus_message_append(reply, "d", !strcmp(prop, "MinValue") ? s->cfg->min : s->cfg->max);
}

static int get_unit(sd_bus *bus, const char *path, const char *iface, const char *prop,
		    sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	return sd_bus_message_append(reply, "s", kind_of(userdata)->name);
}

static const sd_bus_vtable value_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Value", "d", get_value, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("MinValue", "d", get_range, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("MaxValue", "d", get_range, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Unit", "s", get_unit, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_VTABLE_END,
};

/* Two names that map to one path: the second is left out (logged), not
 * the whole bus. */
int dbus_sensors_add(struct dbus *d)
{
	struct sensors *ss = d->bmc->sensors;
	char path[128];
	int r;

	for (unsigned i = 0; ss && i < ss->n && i < CFG_MAX_SENSORS; i++) {
		struct sensor *s = &ss->s[i];

		d->sensor_shown[i] = (int16_t)shown_raw(s);
		if (!sensor_path(s, path, sizeof(path)))
			continue;
		r = sd_bus_add_object_vtable(d->bus, NULL, path, VALUE_IFACE, value_vtable, s);
		if (r == -EEXIST) {
			log_warning("dbus: sensor \"%s\" not published: %s is another sensor's",
				    s->cfg->name, path);
			continue;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Readings come from each sensor's own timer, with no event when they do
 * not cross a threshold: compared here, from the tick. */
void dbus_sensors_changed(struct dbus *d)
{
	struct sensors *ss = d->bmc->sensors;
	char path[128];

	for (unsigned i = 0; d->bus && ss && i < ss->n && i < CFG_MAX_SENSORS; i++) {
		struct sensor *s = &ss->s[i];
		int raw = shown_raw(s);

		if (raw == d->sensor_shown[i] || !sensor_path(s, path, sizeof(path)))
			continue;
		d->sensor_shown[i] = (int16_t)raw;
		sd_bus_emit_properties_changed(d->bus, path, VALUE_IFACE, "Value", NULL);
	}
}
