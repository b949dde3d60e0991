/* SPDX-License-Identifier: MIT */
/*
 * /redfish/v1/Chassis: the one enclosure, /redfish/v1/Chassis/chassis,
 * with every IPMI sensor as a Sensor (the reading IPMI reports: the raw
 * value through the SDR conversion, so `ipmitool sensor get` shows the
 * same number), the fans and temperatures (ThermalSubsystem), the power
 * supply sensors (PowerSubsystem) and the DCMI power reading
 * (EnvironmentMetrics).
 *
 * A sensor's Id is its name with every character other than a letter,
 * digit, '-' or '_' as '_' ("CPU0 Temp" is CPU0_Temp); a name that comes
 * out as an earlier sensor's gets "_<number in hex>" appended.  Both
 * depend only on the board file, so the ids are stable.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chassis/chassis.h"
#include "chassis/power.h"
#include "daemon/bmc.h"
#include "dcmi/dcmi.h"
#include "redfish/res.h"
#include "sensors/sensors.h"

#define SENSORS RES_CHASSIS "/Sensors"
#define THERMAL RES_CHASSIS "/ThermalSubsystem"
#define FANS THERMAL "/Fans"
#define THERMAL_METRICS THERMAL "/ThermalMetrics"
#define POWER RES_CHASSIS "/PowerSubsystem"
#define PSUS POWER "/PowerSupplies"
#define ENV RES_CHASSIS "/EnvironmentMetrics"

#define TYPE_TEMPERATURE 0x01
#define TYPE_FAN 0x04
#define TYPE_POWER_SUPPLY 0x08

#define SENSOR_ID_LEN (SENSOR_NAME_MAX + 4)

/* IPMI base unit code: Redfish ReadingType and ReadingUnits (UCUM). */
struct unit_kind {
	uint8_t unit;
	const char *type, *units;
};

static const struct unit_kind unit_kinds[] = {
	{ 1, "Temperature", "Cel" },
	{ 4, "Voltage", "V" },
	{ 5, "Current", "A" },
	{ 6, "Power", "W" },
	{ 18, "Rotational", "RPM" },
	{ 0, NULL, NULL },
};

static const struct unit_kind *unit_of(const struct sensor *s)
{
	for (const struct unit_kind *k = unit_kinds; k->type; k++)
		if (s->cfg->threshold && k->unit == s->cfg->unit)
			return k;
	return NULL;
}

static void id_base(const struct sensor *s, char out[SENSOR_ID_LEN])
{
	size_t n = 0;

	for (const char *c = s->cfg->name; *c && n + 1 < SENSOR_NAME_MAX + 1; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '_' || *c == '-';

		out[n++] = ok ? *c : '_';
	}
	if (!n)
		out[n++] = '_';
	out[n] = '\0';
}

static void sensor_id(struct bmc *bmc, const struct sensor *s, char out[SENSOR_ID_LEN])
{
	char other[SENSOR_ID_LEN];

	id_base(s, out);
	for (const struct sensor *o = bmc->sensors->s; o < s; o++) {
		id_base(o, other);
		if (!strcmp(other, out)) {
			snprintf(out + strlen(out), 4, "_%02X", s->number);
			return;
		}
	}
}

static struct sensor *find_sensor(struct bmc *bmc, const char *id)
{
	char sid[SENSOR_ID_LEN];

	for (unsigned i = 0; bmc->sensors && i < bmc->sensors->n; i++) {
		sensor_id(bmc, &bmc->sensors->s[i], sid);
		if (!strcmp(sid, id))
			return &bmc->sensors->s[i];
	}
	return NULL;
}

static bool has_reading(const struct sensor *s)
{
	return s->cfg->threshold && s->valid && !s->unavailable;
}

/* A reading to three decimals, as ipmitool prints it. */
static json_object *number(double v)
{
	char buf[48];

	v = round(v * 1000) / 1000;
	snprintf(buf, sizeof(buf), "%.3f", v);
	/* Trailing zeros (and point) off: "45.000" is 45. */
	for (size_t n = strlen(buf); n > 1 && (buf[n - 1] == '0' || buf[n - 1] == '.'); n--) {
		bool point = buf[n - 1] == '.';

		buf[n - 1] = '\0';
		if (point)
			break;
	}
	return json_object_new_double_s(v, buf);
}

static json_object *reading(const struct sensor *s)
{
	return has_reading(s) ? number(conv_to_value(&s->conv, s->raw)) : NULL;
}

static const char *sensor_state(const struct sensor *s)
{
	if (!s->scanning)
		return "Disabled";
	return s->valid && !s->unavailable ? "Enabled" : "Absent";
}

static void sensor_link(struct bmc *bmc, const struct sensor *s, char *out, size_t size)
{
	char sid[SENSOR_ID_LEN];

	sensor_id(bmc, s, sid);
	snprintf(out, size, SENSORS "/%s", sid);
}

/* Threshold names in enum thr order. */
static const char *const thr_names[THR_COUNT] = {
	[THR_LNC] = "LowerCaution", [THR_LC] = "LowerCritical", [THR_LNR] = "LowerFatal",
	[THR_UNC] = "UpperCaution", [THR_UC] = "UpperCritical", [THR_UNR] = "UpperFatal",
};

static json_object *sensor_json(struct bmc *bmc, const struct sensor *s)
{
	const struct unit_kind *k = unit_of(s);
	char link[128], sid[SENSOR_ID_LEN];
	json_object *o, *thr;

	sensor_id(bmc, s, sid);
	sensor_link(bmc, s, link, sizeof(link));
	o = rf_object(link, "#Sensor.v1_7_0.Sensor", sid, s->cfg->name);
	json_object_object_add(o, "Reading", reading(s));
	if (k) {
		json_object_object_add(o, "ReadingType", json_object_new_string(k->type));
		json_object_object_add(o, "ReadingUnits", json_object_new_string(k->units));
	}
	if (s->cfg->threshold) {
		json_object_object_add(o, "ReadingRangeMin", number(s->cfg->min));
		json_object_object_add(o, "ReadingRangeMax", number(s->cfg->max));
	}
	json_object_object_add(o, "Status", res_status(sensor_state(s), res_sensor_health(s)));
	if (s->cfg->threshold && s->thr_present) {
		thr = json_object_new_object();
		for (int t = 0; t < THR_COUNT; t++) {
			json_object *one;

			if (!(s->thr_present & (1u << t)))
				continue;
			one = json_object_new_object();
			json_object_object_add(one, "Reading", number(conv_to_value(&s->conv, s->thr[t])));
			json_object_object_add(thr, thr_names[t], one);
		}
		json_object_object_add(o, "Thresholds", thr);
	}
	return o;
}

static json_object *chassis_json(struct bmc *bmc)
{
	json_object *o = rf_object(RES_CHASSIS, "#Chassis.v1_23_0.Chassis", RES_CHASSIS_ID, "Chassis");
	json_object *links = json_object_new_object(), *a;
	struct res_fru fru;

	res_fru_read(bmc, &fru);
	json_object_object_add(o, "ChassisType", json_object_new_string("RackMount"));
	res_add_str(o, "Manufacturer", fru.board_manufacturer[0] ? fru.board_manufacturer : fru.manufacturer);
	res_add_str(o, "Model", fru.model);
	res_add_str(o, "SerialNumber", fru.chassis_serial);
	res_add_str(o, "PartNumber", fru.chassis_part);
	res_add_str(o, "AssetTag", fru.asset_tag);
	json_object_object_add(o, "PowerState", res_power_state_json(bmc));
	json_object_object_add(o, "Status", res_status("Enabled", res_health(bmc)));
	json_object_object_add(o, "LocationIndicatorActive",
			       json_object_new_boolean(bmc->chassis && bmc->chassis->identify != 0));
	json_object_object_add(o, "Sensors", res_link(SENSORS));
	json_object_object_add(o, "ThermalSubsystem", res_link(THERMAL));
	json_object_object_add(o, "PowerSubsystem", res_link(POWER));
	json_object_object_add(o, "EnvironmentMetrics", res_link(ENV));
	a = json_object_new_array();
	json_object_array_add(a, res_link(RES_SYSTEM));
	json_object_object_add(links, "ComputerSystems", a);
	a = json_object_new_array();
	json_object_array_add(a, res_link(RES_MANAGER));
	json_object_object_add(links, "ManagedBy", a);
	json_object_object_add(o, "Links", links);
	return o;
}

static int get_collection(struct rf_ctx *ctx)
{
	return res_one_member(ctx, "/redfish/v1/Chassis", "#ChassisCollection.ChassisCollection",
			      "Chassis Collection", RES_CHASSIS);
}

static int get_chassis(struct rf_ctx *ctx)
{
	json_object *o = chassis_json(ctx->bmc);

	rf_json(ctx, 200, o);
	return 0;
}

/* PATCH LocationIndicatorActive: Chassis Identify on (forced) or off. */
static int patch_chassis(struct rf_ctx *ctx)
{
	static const char *const known[] = { "LocationIndicatorActive", NULL };
	json_object *lia;

	if (res_check_keys(ctx, ctx->body, known) < 0)
		return -1;
	if (json_object_object_get_ex(ctx->body, known[0], &lia)) {
		if (!json_object_is_type(lia, json_type_boolean))
			return rf_error(ctx, 400, RES_MSG("PropertyValueTypeError"),
					rf_value_text(lia), known[0]);
		if (!ctx->bmc->chassis)
			return rf_error(ctx, 400, RES_MSG("PropertyNotWritable"), known[0], NULL);
		if (chassis_set_identify(ctx->bmc, 0, json_object_get_boolean(lia)) < 0)
			return rf_error(ctx, 500, RES_MSG("InternalError"), NULL, NULL);
	}
	return get_chassis(ctx);
}

static int get_sensors(struct rf_ctx *ctx)
{
	struct bmc *bmc = ctx->bmc;
	json_object *c = rf_collection(SENSORS, "#SensorCollection.SensorCollection", "Sensors");
	char link[128];

	for (unsigned i = 0; bmc->sensors && i < bmc->sensors->n; i++) {
		sensor_link(bmc, &bmc->sensors->s[i], link, sizeof(link));
		rf_collection_add(c, link);
	}
	rf_json(ctx, 200, c);
	return 0;
}

static int get_sensor(struct rf_ctx *ctx)
{
	struct sensor *s = find_sensor(ctx->bmc, ctx->arg[0]);

	if (!s)
		return rf_error(ctx, 404, RES_MSG("ResourceNotFound"), "Sensor", ctx->arg[0]);
	rf_json(ctx, 200, sensor_json(ctx->bmc, s));
	return 0;
}

static int get_thermal(struct rf_ctx *ctx)
{
	json_object *o = rf_object(THERMAL, "#ThermalSubsystem.v1_3_0.ThermalSubsystem",
				   "ThermalSubsystem", "Thermal Subsystem");

	json_object_object_add(o, "Fans", res_link(FANS));
	json_object_object_add(o, "ThermalMetrics", res_link(THERMAL_METRICS));
	json_object_object_add(o, "Status", res_status("Enabled", res_health(ctx->bmc)));
	rf_json(ctx, 200, o);
	return 0;
}

static bool is_fan(const struct sensor *s)
{
	return s->cfg->type == TYPE_FAN;
}

static bool is_psu(const struct sensor *s)
{
	return s->cfg->type == TYPE_POWER_SUPPLY && !s->cfg->threshold;
}

/* A collection of the sensors 'pick' chooses, at base/<sensor id>. */
static int get_sensor_group(struct rf_ctx *ctx, const char *base, const char *type, const char *name,
			    bool (*pick)(const struct sensor *))
{
	struct bmc *bmc = ctx->bmc;
	json_object *c = rf_collection(base, type, name);
	char link[128], sid[SENSOR_ID_LEN];

	for (unsigned i = 0; bmc->sensors && i < bmc->sensors->n; i++) {
		if (!pick(&bmc->sensors->s[i]))
			continue;
		sensor_id(bmc, &bmc->sensors->s[i], sid);
		snprintf(link, sizeof(link), "%s/%s", base, sid);
		rf_collection_add(c, link);
	}
	rf_json(ctx, 200, c);
	return 0;
}

static int get_fans(struct rf_ctx *ctx)
{
	return get_sensor_group(ctx, FANS, "#FanCollection.FanCollection", "Fans", is_fan);
}

static int get_fan(struct rf_ctx *ctx)
{
	struct sensor *s = find_sensor(ctx->bmc, ctx->arg[0]);
	char link[128];
	json_object *o, *speed;

	if (!s || !is_fan(s))
		return rf_error(ctx, 404, RES_MSG("ResourceNotFound"), "Fan", ctx->arg[0]);
	snprintf(link, sizeof(link), FANS "/%s", ctx->arg[0]);
	o = rf_object(link, "#Fan.v1_5_0.Fan", ctx->arg[0], s->cfg->name);
	speed = json_object_new_object();
	sensor_link(ctx->bmc, s, link, sizeof(link));
	json_object_object_add(speed, "DataSourceUri", json_object_new_string(link));
	if (s->cfg->threshold && s->cfg->unit == 18)
		json_object_object_add(speed, "SpeedRPM", reading(s));
	json_object_object_add(o, "SpeedPercent", speed);
	json_object_object_add(o, "Status", res_status(sensor_state(s), res_sensor_health(s)));
	rf_json(ctx, 200, o);
	return 0;
}

static int get_thermal_metrics(struct rf_ctx *ctx)
{
	struct bmc *bmc = ctx->bmc;
	json_object *o = rf_object(THERMAL_METRICS, "#ThermalMetrics.v1_3_0.ThermalMetrics",
				   "ThermalMetrics", "Thermal Metrics");
	json_object *temps = json_object_new_array();
	char link[128];

	for (unsigned i = 0; bmc->sensors && i < bmc->sensors->n; i++) {
		const struct sensor *s = &bmc->sensors->s[i];
		json_object *t;

		if (s->cfg->type != TYPE_TEMPERATURE || !s->cfg->threshold)
			continue;
		t = json_object_new_object();
		sensor_link(bmc, s, link, sizeof(link));
		json_object_object_add(t, "DataSourceUri", json_object_new_string(link));
		json_object_object_add(t, "DeviceName", json_object_new_string(s->cfg->name));
		json_object_object_add(t, "Reading", reading(s));
		json_object_array_add(temps, t);
	}
	json_object_object_add(o, "TemperatureReadingsCelsius", temps);
	rf_json(ctx, 200, o);
	return 0;
}

static int get_power(struct rf_ctx *ctx)
{
	json_object *o = rf_object(POWER, "#PowerSubsystem.v1_1_0.PowerSubsystem", "PowerSubsystem",
				   "Power Subsystem");

	json_object_object_add(o, "PowerSupplies", res_link(PSUS));
	json_object_object_add(o, "Status", res_status("Enabled", res_health(ctx->bmc)));
	rf_json(ctx, 200, o);
	return 0;
}

static int get_psus(struct rf_ctx *ctx)
{
	return get_sensor_group(ctx, PSUS, "#PowerSupplyCollection.PowerSupplyCollection",
				"Power Supplies", is_psu);
}

/* Power Supply sensor states (IPMI 2.0 table 42-3, type 08h). */
#define PSU_PRESENT (1u << 0)
#define PSU_FAILURE (1u << 1)
#define PSU_PREDICTIVE (1u << 2)
#define PSU_INPUT_LOST (1u << 3)

static int get_psu(struct rf_ctx *ctx)
{
	struct sensor *s = find_sensor(ctx->bmc, ctx->arg[0]);
	const char *health = "OK", *state;
	char link[128];
	json_object *o;

	if (!s || !is_psu(s))
		return rf_error(ctx, 404, RES_MSG("ResourceNotFound"), "PowerSupply", ctx->arg[0]);
	snprintf(link, sizeof(link), PSUS "/%s", ctx->arg[0]);
	o = rf_object(link, "#PowerSupply.v1_5_0.PowerSupply", ctx->arg[0], s->cfg->name);
	if (!s->valid || s->unavailable) {
		state = "Absent";
		health = NULL;
	} else {
		state = s->state & PSU_PRESENT ? "Enabled" : "Absent";
		if (s->state & PSU_FAILURE)
			health = "Critical";
		else if (s->state & (PSU_PREDICTIVE | PSU_INPUT_LOST))
			health = "Warning";
	}
	json_object_object_add(o, "Status", res_status(state, health));
	rf_json(ctx, 200, o);
	return 0;
}

static int get_env(struct rf_ctx *ctx)
{
	struct bmc *bmc = ctx->bmc;
	json_object *o = rf_object(ENV, "#EnvironmentMetrics.v1_3_0.EnvironmentMetrics",
				   "EnvironmentMetrics", "Chassis Environment Metrics");

	if (bmc->dcmi && bmc->dcmi->n_power) {
		struct dcmi_reading r;
		json_object *pw = json_object_new_object();

		dcmi_stats_get(&bmc->dcmi->stats, &r);
		json_object_object_add(pw, "Reading", r.valid ? json_object_new_int(r.cur) : NULL);
		json_object_object_add(o, "PowerWatts", pw);
	}
	rf_json(ctx, 200, o);
	return 0;
}

const struct rf_route rf_routes_chassis[] = {
	{ "/redfish/v1/Chassis", RF_GET, RF_PRIV_LOGIN, 0, .get = get_collection },
	{ RES_CHASSIS, RF_GET | RF_PATCH, RF_PRIV_LOGIN, RF_PRIV_CONFIGURE_COMPONENTS,
	  .get = get_chassis, .patch = patch_chassis },
	{ SENSORS, RF_GET, RF_PRIV_LOGIN, 0, .get = get_sensors },
	{ SENSORS "/{id}", RF_GET, RF_PRIV_LOGIN, 0, .get = get_sensor },
	{ THERMAL, RF_GET, RF_PRIV_LOGIN, 0, .get = get_thermal },
	{ FANS, RF_GET, RF_PRIV_LOGIN, 0, .get = get_fans },
	{ FANS "/{id}", RF_GET, RF_PRIV_LOGIN, 0, .get = get_fan },
	{ THERMAL_METRICS, RF_GET, RF_PRIV_LOGIN, 0, .get = get_thermal_metrics },
	{ POWER, RF_GET, RF_PRIV_LOGIN, 0, .get = get_power },
	{ PSUS, RF_GET, RF_PRIV_LOGIN, 0, .get = get_psus },
	{ PSUS "/{id}", RF_GET, RF_PRIV_LOGIN, 0, .get = get_psu },
	{ ENV, RF_GET, RF_PRIV_LOGIN, 0, .get = get_env },
	{ NULL },
};

void res_sensor_link(struct bmc *bmc, const struct sensor *s, char *out, size_t size)
{
	sensor_link(bmc, s, out, size);
}
