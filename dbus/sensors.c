/* SPDX-License-Identifier: MIT */
/*
 * The board's threshold sensors on D-Bus, as phosphor-dbus-interfaces name
 * them: xyz.openbmc_project.Sensor.Value at
 * /xyz/openbmc_project/sensors/<type>/<name>.  The value is the one IPMI
 * reports (the raw reading through the SDR conversion), so busctl and
 * `ipmitool sensor get` show the same number.  Its non-critical and
 * critical thresholds are Sensor.Threshold.Warning and .Critical, their
 * alarms IPMI's threshold comparison status; writing a threshold is Set
 * Sensor Thresholds (sensor_set_thresholds()).  A sensor whose source is
 * "dbus" takes its readings from whoever writes its Value.  Every sensor is
 * associated with the chassis's inventory item (Association.Definitions).
 * Sensors whose unit has no D-Bus type, and discrete sensors, are not
 * published yet.
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
#define WARNING_IFACE "xyz.openbmc_project.Sensor.Threshold.Warning"
#define CRITICAL_IFACE "xyz.openbmc_project.Sensor.Threshold.Critical"
#define ASSOC_IFACE "xyz.openbmc_project.Association.Definitions"

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
	const struct sensor *s = ((struct dbus_sensor_obj *)userdata)->s;
	int raw = shown_raw(s);

	return sd_bus_message_append(reply, "d", raw < 0 ? NAN : conv_to_value(&s->conv, (uint8_t)raw));
}

static int get_range(sd_bus *bus, const char *path, const char *iface, const char *prop,
		     sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	const struct sensor *s = ((struct dbus_sensor_obj *)userdata)->s;

	return sd_bus_message_append(reply, "d", !strcmp(prop, "MinValue") ? s->cfg->min : s->cfg->max);
}

static int get_unit(sd_bus *bus, const char *path, const char *iface, const char *prop,
		    sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	return sd_bus_message_append(reply, "s", kind_of(((struct dbus_sensor_obj *)userdata)->s)->name);
}

/* A pushed reading (source "dbus"): in the sensor's unit, inside its
 * range; NaN says there is none. */
static int set_value(sd_bus *bus, const char *path, const char *iface, const char *prop,
		     sd_bus_message *value, void *userdata, sd_bus_error *ret_error)
{
	struct dbus_sensor_obj *o = userdata;
	double x;
	int r = sd_bus_message_read(value, "d", &x);

	if (r < 0)
		return r;
	r = dbus_refuse_read_only(o->d, ret_error);
	if (r < 0)
		return r;
	r = sensor_push(o->s, x);
	if (r == -ERANGE)
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_INVALID_ARGS,
					 "Value %g is outside sensor \"%s\"'s range %g..%g (NaN: no reading)",
					 x, o->s->cfg->name, o->s->cfg->min, o->s->cfg->max);
	if (r < 0)
		return sd_bus_error_set_errnof(ret_error, -r, "Value: %s", strerror(-r));
	dbus_sensors_changed(o->d);
	return 0;
}

#define VALUE_VTABLE(name, value)								\
	static const sd_bus_vtable name[] = {							\
		SD_BUS_VTABLE_START(0),								\
		value,										\
		SD_BUS_PROPERTY("MinValue", "d", get_range, 0, SD_BUS_VTABLE_PROPERTY_CONST),	\
		SD_BUS_PROPERTY("MaxValue", "d", get_range, 0, SD_BUS_VTABLE_PROPERTY_CONST),	\
		SD_BUS_PROPERTY("Unit", "s", get_unit, 0, SD_BUS_VTABLE_PROPERTY_CONST),	\
		SD_BUS_VTABLE_END,								\
	}

VALUE_VTABLE(value_vtable, SD_BUS_PROPERTY("Value", "d", get_value, 0, EMITS));
VALUE_VTABLE(pushed_value_vtable, SD_BUS_WRITABLE_PROPERTY("Value", "d", get_value, set_value, 0, EMITS));

/* The association OpenBMC's sensor daemons give each sensor: the chassis
 * it is in ("chassis"), which lists it among "all_sensors". */
static int get_associations(sd_bus *bus, const char *path, const char *iface, const char *prop,
			    sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	return sd_bus_message_append(reply, "a(sss)", 1, "chassis", "all_sensors", DBUS_CHASSIS_PATH);
}

static const sd_bus_vtable assoc_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Associations", "a(sss)", get_associations, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_VTABLE_END,
};

/* A threshold interface: its IPMI thresholds, low and high. */
struct thr_iface {
	const char *iface;
	enum thr low, high;
	const sd_bus_vtable *vtable;
};

static const struct thr_iface *thr_iface_of(const char *iface);

/* Its alarm: the comparison status bit, false with no reading. */
static bool thr_alarm(const struct sensor *s, enum thr t)
{
	return shown_raw(s) >= 0 && (sensor_thr_status(s) & (1u << t));
}

static int get_threshold(sd_bus *bus, const char *path, const char *iface, const char *prop,
			 sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	const struct sensor *s = ((struct dbus_sensor_obj *)userdata)->s;
	const struct thr_iface *ti = thr_iface_of(iface);
	enum thr t = strstr(prop, "High") ? ti->high : ti->low;

	if (strstr(prop, "Alarm"))
		return sd_bus_message_append(reply, "b", (int)thr_alarm(s, t));
	if (!(s->thr_present & (1u << t)))
		return sd_bus_message_append(reply, "d", NAN);
	return sd_bus_message_append(reply, "d", conv_to_value(&s->conv, s->thr[t]));
}

static const char *const thr_long_name[THR_COUNT] = {
	"lower non-critical", "lower critical", "lower non-recoverable",
	"upper non-critical", "upper critical", "upper non-recoverable",
};

/* A threshold written: Set Sensor Thresholds of that one threshold, its
 * value in the sensor's unit converted to raw counts as the SDR says. */
static int set_threshold(sd_bus *bus, const char *path, const char *iface, const char *prop,
			 sd_bus_message *value, void *userdata, sd_bus_error *ret_error)
{
	struct dbus_sensor_obj *o = userdata;
	struct sensor *s = o->s;
	const struct thr_iface *ti = thr_iface_of(iface);
	enum thr t = strstr(prop, "High") ? ti->high : ti->low;
	uint8_t v[THR_COUNT] = { 0 };
	double x;
	int r = sd_bus_message_read(value, "d", &x);

	if (r < 0)
		return r;
	r = dbus_refuse_read_only(o->d, ret_error);
	if (r < 0)
		return r;
	if (!(s->thr_settable & (1u << t)))
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_NOT_SUPPORTED,
					 "%s: sensor \"%s\" has no settable %s threshold", prop,
					 s->cfg->name, thr_long_name[t]);
	if (!(x >= s->cfg->min && x <= s->cfg->max))
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_INVALID_ARGS,
					 "%s %g is outside sensor \"%s\"'s range %g..%g", prop, x,
					 s->cfg->name, s->cfg->min, s->cfg->max);
	v[t] = conv_to_raw(&s->conv, x);
	r = sensor_set_thresholds(s, (uint8_t)(1u << t), v, "D-Bus");
	if (r == -EDOM)
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_INVALID_ARGS,
					 "%s %g would put sensor \"%s\"'s thresholds out of order "
					 "(lnr <= lc <= lnc < unc <= uc <= unr)", prop, x, s->cfg->name);
	if (r < 0)
		return sd_bus_error_set_errnof(ret_error, -r, "%s: %s", prop, strerror(-r));
	dbus_sensors_changed(o->d);
	return 0;
}

#define THRESHOLD_VTABLE(name, kind) \
	static const sd_bus_vtable name[] = { \
		SD_BUS_VTABLE_START(0), \
		SD_BUS_WRITABLE_PROPERTY(kind "High", "d", get_threshold, set_threshold, 0, EMITS), \
		SD_BUS_WRITABLE_PROPERTY(kind "Low", "d", get_threshold, set_threshold, 0, EMITS), \
		SD_BUS_PROPERTY(kind "AlarmHigh", "b", get_threshold, 0, EMITS), \
		SD_BUS_PROPERTY(kind "AlarmLow", "b", get_threshold, 0, EMITS), \
		SD_BUS_VTABLE_END, \
	}

THRESHOLD_VTABLE(warning_vtable, "Warning");
THRESHOLD_VTABLE(critical_vtable, "Critical");

static const struct thr_iface thr_ifaces[] = {
	{ WARNING_IFACE, THR_LNC, THR_UNC, warning_vtable },
	{ CRITICAL_IFACE, THR_LC, THR_UC, critical_vtable },
};
#define N_THR_IFACES (sizeof(thr_ifaces) / sizeof(thr_ifaces[0]))

static const struct thr_iface *thr_iface_of(const char *iface)
{
	return !strcmp(iface, WARNING_IFACE) ? &thr_ifaces[0] : &thr_ifaces[1];
}

static bool has_iface(const struct sensor *s, const struct thr_iface *ti)
{
	return s->thr_present & ((1u << ti->low) | (1u << ti->high));
}

/* What the threshold interfaces show, to compare: the comparison status
 * (alarms) and the thresholds, which Set Sensor Thresholds can change. */
static void thr_shown(const struct sensor *s, struct dbus_sensor_shown *out)
{
	out->status = shown_raw(s) >= 0 ? sensor_thr_status(s) : 0;
	memcpy(out->thr, s->thr, sizeof(out->thr));
}

struct sensor *dbus_sensor_find(struct dbus *d, const char *path)
{
	struct sensors *ss = d->bmc->sensors;
	char p[128];

	for (unsigned i = 0; ss && i < ss->n; i++)
		if (sensor_path(&ss->s[i], p, sizeof(p)) && !strcmp(p, path))
			return &ss->s[i];
	return NULL;
}

/* Two names that map to one path: the second is left out (logged), not
 * the whole bus. */
int dbus_sensors_add(struct dbus *d)
{
	struct sensors *ss = d->bmc->sensors;
	char path[128];
	int r;

	for (unsigned i = 0; ss && i < ss->n && i < CFG_MAX_SENSORS; i++) {
		struct sensor *s = &ss->s[i];
		struct dbus_sensor_obj *o = &d->sensor_obj[i];

		*o = (struct dbus_sensor_obj){ .d = d, .s = s };
		d->sensor_shown[i].raw = (int16_t)shown_raw(s);
		thr_shown(s, &d->sensor_shown[i]);
		if (!sensor_path(s, path, sizeof(path)))
			continue;
		r = sd_bus_add_object_vtable(d->bus, NULL, path, VALUE_IFACE,
					     s->cfg->src == SRC_DBUS ? pushed_value_vtable : value_vtable, o);
		if (r == -EEXIST) {
			log_warning("dbus: sensor \"%s\" not published: %s is another sensor's",
				    s->cfg->name, path);
			continue;
		}
		for (size_t k = 0; r >= 0 && k < N_THR_IFACES; k++)
			if (has_iface(s, &thr_ifaces[k]))
				r = sd_bus_add_object_vtable(d->bus, NULL, path, thr_ifaces[k].iface,
							     thr_ifaces[k].vtable, o);
		if (r >= 0)
			r = sd_bus_add_object_vtable(d->bus, NULL, path, ASSOC_IFACE, assoc_vtable, o);
		if (r < 0)
			return r;
	}
	return 0;
}

/* One threshold interface's changes: its alarms, its values. */
static void thr_changed(struct dbus *d, const struct sensor *s, const char *path,
			const struct thr_iface *ti, const struct dbus_sensor_shown *was,
			const struct dbus_sensor_shown *now)
{
	const char *kind = ti == &thr_ifaces[0] ? "Warning" : "Critical";
	char hi[24], lo[24], ahi[24], alo[24];
	unsigned bits = (1u << ti->low) | (1u << ti->high);

	if (!has_iface(s, ti))
		return;
	snprintf(hi, sizeof(hi), "%sHigh", kind);
	snprintf(lo, sizeof(lo), "%sLow", kind);
	snprintf(ahi, sizeof(ahi), "%sAlarmHigh", kind);
	snprintf(alo, sizeof(alo), "%sAlarmLow", kind);
	if ((was->status ^ now->status) & bits)
		sd_bus_emit_properties_changed(d->bus, path, ti->iface, ahi, alo, NULL);
	if (was->thr[ti->low] != now->thr[ti->low] || was->thr[ti->high] != now->thr[ti->high])
		sd_bus_emit_properties_changed(d->bus, path, ti->iface, hi, lo, NULL);
}

/* Readings come from each sensor's own timer, with no event when they do
 * not cross a threshold: compared here, from the tick. */
void dbus_sensors_changed(struct dbus *d)
{
	struct sensors *ss = d->bmc->sensors;
	char path[128];

	for (unsigned i = 0; d->bus && ss && i < ss->n && i < CFG_MAX_SENSORS; i++) {
		struct sensor *s = &ss->s[i];
		struct dbus_sensor_shown *was = &d->sensor_shown[i], now;

		now.raw = (int16_t)shown_raw(s);
		thr_shown(s, &now);
		if (!sensor_path(s, path, sizeof(path)))
			continue;
		if (now.raw != was->raw)
			sd_bus_emit_properties_changed(d->bus, path, VALUE_IFACE, "Value", NULL);
		for (size_t k = 0; k < N_THR_IFACES; k++)
			thr_changed(d, s, path, &thr_ifaces[k], was, &now);
		*was = now;
	}
}
