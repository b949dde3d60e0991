/* SPDX-License-Identifier: MIT */
/*
 * /redfish/v1/Managers/bmc: the BMC itself.  Its clock is the SEL's
 * (Get/Set SEL Time, Get/Set SEL Time UTC Offset), its reset IPMI's
 * Cold/Warm Reset (deferred until the response is out), its network
 * settings in res_network.c, and its one LogService the SEL: a LogEntry
 * per record, ClearLog as Clear SEL.  Its Oem.bmcd object is the thermal
 * zones' fan control (docs/thermal.md "Redfish"), through the same
 * thermal/ functions the OEM IPMI fan commands and D-Bus use.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "redfish/res.h"
#include "sel/sel.h"
#include "sensors/sensors.h"
#include "thermal/thermal.h"

#define RESET_TARGET RES_MANAGER "/Actions/Manager.Reset"
#define RESET_INFO RES_MANAGER "/ResetActionInfo"
#define NETPROTO RES_MANAGER "/NetworkProtocol"
#define ETHS RES_MANAGER "/EthernetInterfaces"
#define LOGS RES_MANAGER "/LogServices"
#define SEL_LOG LOGS "/SEL"
#define ENTRIES SEL_LOG "/Entries"
#define CLEAR_TARGET SEL_LOG "/Actions/LogService.ClearLog"

/* Entries per page of the Entries collection. */
#define ENTRIES_PAGE 100

static const char *const reset_types[] = { "GracefulRestart", "ForceRestart", NULL };

/* The SEL clock as local time with its UTC offset (none given: UTC). */
static int utc_offset(const struct bmc *bmc)
{
	return bmc->sel && bmc->sel->utc_offset != SEL_UTC_UNSPECIFIED ? bmc->sel->utc_offset : 0;
}

static void offset_text(int min, char out[8])
{
	int a = min < 0 ? -min : min;

	snprintf(out, 8, "%c%02d:%02d", min < 0 ? '-' : '+', (a / 60) % 100, a % 60);
}

/* ------------------------------------------------------------------ */
/* Fan control: Oem.bmcd.FanMode and FanZones (docs/thermal.md)        */

#define FAN_OEM_KEY "bmcd"		/* as the EventService's Oem.bmcd */
#define FAN_OEM "Oem/" FAN_OEM_KEY	/* property paths in error messages */
#define FAN_PATH_MAX 64

/* By enum thermal_mode. */
static const char *const fan_mode_names[] = {
	[THERMAL_AUTO] = "Auto", [THERMAL_MANUAL] = "Manual", [THERMAL_FULL] = "FullSpeed",
	[THERMAL_FAILSAFE] = "FailSafe", NULL,
};
/* What a PATCH may set: the board's mode, a zone's mode. */
static const char *const fan_board_modes[] = { "Auto", "FullSpeed", NULL };
static const char *const fan_zone_modes[] = { "Auto", "Manual", NULL };

static bool has_fans(const struct bmc *bmc)
{
	return bmc->thermal && bmc->thermal->n_zones;
}

static json_object *string_array(const char *const *values)
{
	json_object *a = json_object_new_array();

	for (; *values; values++)
		json_object_array_add(a, json_object_new_string(*values));
	return a;
}

/* Oem.bmcd on the Manager: the board's fan mode (Auto, Manual: some zone
 * held, FullSpeed, FailSafe: some zone at its failsafe duty) and each zone
 * in board-file order. */
static void fan_oem_add(struct bmc *bmc, json_object *manager)
{
	const struct thermal *t = bmc->thermal;
	json_object *oem, *b, *zones;

	if (!has_fans(bmc))
		return;
	b = json_object_new_object();
	json_object_object_add(b, "FanMode", json_object_new_string(fan_mode_names[thermal_get_mode(t)]));
	json_object_object_add(b, "FanMode@Redfish.AllowableValues", string_array(fan_board_modes));
	zones = json_object_new_array();
	for (unsigned i = 0; i < t->n_zones; i++) {
		const struct thermal_zone *z = &t->zones[i];
		enum thermal_mode m = t->full ? THERMAL_FULL : z->manual ? THERMAL_MANUAL : THERMAL_AUTO;
		json_object *zo = json_object_new_object();

		json_object_object_add(zo, "Name", json_object_new_string(z->cfg->name));
		json_object_object_add(zo, "Mode", json_object_new_string(fan_mode_names[m]));
		json_object_object_add(zo, "DutyPercent", json_object_new_int((int)lround(z->duty)));
		json_object_object_add(zo, "FailSafe", json_object_new_boolean(z->failsafe));
		json_object_object_add(zo, "FailSafePercent",
				       json_object_new_int((int)lround(z->cfg->failsafe_duty)));
		json_object_array_add(zones, zo);
	}
	json_object_object_add(b, "FanZones", zones);
	oem = json_object_new_object();
	json_object_object_add(oem, FAN_OEM_KEY, b);
	json_object_object_add(manager, "Oem", oem);
}

/* What one PATCH asks of the fans, checked whole before any of it is done. */
enum fan_op { FAN_KEEP, FAN_AUTO, FAN_HOLD, FAN_DUTY };

struct fan_patch {
	int board_mode;			/* -1, or THERMAL_AUTO / THERMAL_FULL */
	struct {
		enum fan_op op;
		int duty;
	} zone[THERMAL_MAX_ZONES];
};

static bool annotation(const char *key)
{
	return strchr(key, '@') != NULL;
}

/* One element of FanZones: {} changes nothing; Mode Auto or Manual (at the
 * present duty); DutyPercent alone or with Manual holds that duty. */
static int fan_check_zone(struct rf_ctx *ctx, json_object *zo, unsigned i, struct fan_patch *p)
{
	char path[FAN_PATH_MAX], prop[FAN_PATH_MAX], duty_prop[FAN_PATH_MAX];
	json_object *v;
	const char *mode = NULL;
	int m = -1;

	snprintf(path, sizeof(path), FAN_OEM "/FanZones/%u", i);
	if (!json_object_is_type(zo, json_type_object))
		return rf_error(ctx, 400, RES_MSG("PropertyValueTypeError"), rf_value_text(zo), path);
	json_object_object_foreach(zo, key, val) {
		(void)val;
		if (annotation(key) || !strcmp(key, "Mode") || !strcmp(key, "DutyPercent"))
			continue;
		snprintf(prop, sizeof(prop), FAN_OEM "/FanZones/%u/%.16s", i, key);
		if (!strcmp(key, "Name") || !strcmp(key, "FailSafe") || !strcmp(key, "FailSafePercent"))
			return rf_error(ctx, 400, RES_MSG("PropertyNotWritable"), prop, NULL);
		return rf_error(ctx, 400, RES_MSG("PropertyUnknown"), prop, NULL);
	}
	snprintf(prop, sizeof(prop), FAN_OEM "/FanZones/%u/Mode", i);
	snprintf(duty_prop, sizeof(duty_prop), FAN_OEM "/FanZones/%u/DutyPercent", i);
	if (res_get_string(ctx, zo, "Mode", &mode) < 0)
		return -1;
	if (mode && (m = res_enum(ctx, prop, mode, fan_zone_modes)) < 0)
		return -1;
	p->zone[i].op = m == 0 ? FAN_AUTO : m == 1 ? FAN_HOLD : FAN_KEEP;
	if (json_object_object_get_ex(zo, "DutyPercent", &v)) {
		int64_t d;

		if (rf_want_int(ctx, v, duty_prop) < 0)
			return -1;
		d = json_object_get_int64(v);
		if (d < 0 || d > 100)
			return rf_error(ctx, 400, RES_MSG("PropertyValueOutOfRange"), rf_value_text(v),
					duty_prop);
		if (m == 0)
			return rf_error(ctx, 400, RES_MSG("PropertyValueConflict"), duty_prop, prop);
		p->zone[i].op = FAN_DUTY;
		p->zone[i].duty = (int)d;
	}
	return 0;
}

/* The PATCH's Oem object: -1 after the error. */
static int fan_check(struct rf_ctx *ctx, json_object *oem, struct fan_patch *p)
{
	const struct thermal *t = ctx->bmc->thermal;
	json_object *b, *zones;
	const char *mode;
	bool zone_change = false;

	*p = (struct fan_patch){ .board_mode = -1 };
	if (!json_object_is_type(oem, json_type_object))
		return rf_error(ctx, 400, RES_MSG("PropertyValueTypeError"), rf_value_text(oem), "Oem");
	json_object_object_foreach(oem, key, val) {
		char prop[FAN_PATH_MAX];

		(void)val;
		if (annotation(key) || !strcmp(key, FAN_OEM_KEY))
			continue;
		snprintf(prop, sizeof(prop), "Oem/%.32s", key);
		return rf_error(ctx, 400, RES_MSG("PropertyUnknown"), prop, NULL);
	}
	if (!json_object_object_get_ex(oem, FAN_OEM_KEY, &b))
		return 0;
	if (!json_object_is_type(b, json_type_object))
		return rf_error(ctx, 400, RES_MSG("PropertyValueTypeError"), rf_value_text(b), FAN_OEM);
	json_object_object_foreach(b, k, v) {
		char prop[FAN_PATH_MAX];

		(void)v;
		if (annotation(k) || !strcmp(k, "FanMode") || !strcmp(k, "FanZones"))
			continue;
		snprintf(prop, sizeof(prop), FAN_OEM "/%.32s", k);
		return rf_error(ctx, 400, RES_MSG("PropertyUnknown"), prop, NULL);
	}
	if (res_get_string(ctx, b, "FanMode", &mode) < 0)
		return -1;
	if (mode) {
		int m = res_enum(ctx, FAN_OEM "/FanMode", mode, fan_board_modes);

		if (m < 0)
			return -1;
		p->board_mode = m == 0 ? THERMAL_AUTO : THERMAL_FULL;
	}
	if (json_object_object_get_ex(b, "FanZones", &zones)) {
		size_t n;

		if (!json_object_is_type(zones, json_type_array))
			return rf_error(ctx, 400, RES_MSG("PropertyValueTypeError"), rf_value_text(zones),
					FAN_OEM "/FanZones");
		n = json_object_array_length(zones);
		if (n > t->n_zones)	/* zones are the board file's: none to add */
			return rf_error(ctx, 400, RES_MSG("PropertyValueOutOfRange"), rf_value_text(zones),
					FAN_OEM "/FanZones");
		for (size_t i = 0; i < n; i++) {
			if (fan_check_zone(ctx, json_object_array_get_idx(zones, i), (unsigned)i, p) < 0)
				return -1;
			zone_change = zone_change || p->zone[i].op != FAN_KEEP;
		}
	}
	if (p->board_mode == THERMAL_FULL && zone_change)
		return rf_error(ctx, 400, RES_MSG("PropertyValueConflict"), FAN_OEM "/FanZones",
				FAN_OEM "/FanMode");
	return 0;
}

/* The board's mode first (Auto drops every zone's manual duty), then the
 * zones in order. */
static void fan_apply(struct rf_ctx *ctx, const struct fan_patch *p)
{
	struct thermal *t = ctx->bmc->thermal;
	char by[48];

	snprintf(by, sizeof(by), "Redfish, %.32s", ctx->user ? ctx->user : "?");
	if (p->board_mode >= 0)
		thermal_set_mode(t, (enum thermal_mode)p->board_mode, by);
	for (unsigned i = 0; i < t->n_zones; i++) {
		switch (p->zone[i].op) {
		case FAN_KEEP:
			break;
		case FAN_AUTO:
			thermal_set_manual(t, i, false, by);
			break;
		case FAN_HOLD:
			thermal_set_manual(t, i, true, by);
			break;
		case FAN_DUTY:
			thermal_set_duty(t, i, p->zone[i].duty, by);
			break;
		}
	}
}

static json_object *manager_json(struct bmc *bmc)
{
	json_object *o = rf_object(RES_MANAGER, "#Manager.v1_19_0.Manager", RES_MANAGER_ID, "Manager");
	json_object *links = json_object_new_object(), *a;
	char uuid[37], when[RES_DATETIME_LEN], off[8];

	rf_guid_text(bmc->device_guid, uuid);
	json_object_object_add(o, "ManagerType", json_object_new_string("BMC"));
	json_object_object_add(o, "FirmwareVersion", json_object_new_string(BMCD_VERSION));
	json_object_object_add(o, "UUID", json_object_new_string(uuid));
	json_object_object_add(o, "Model", json_object_new_string("bmcd"));
	if (bmc->sel) {
		res_datetime(sel_time(bmc->sel), utc_offset(bmc), when);
		json_object_object_add(o, "DateTime", json_object_new_string(when));
	}
	offset_text(utc_offset(bmc), off);
	json_object_object_add(o, "DateTimeLocalOffset", json_object_new_string(off));
	json_object_object_add(o, "Status", res_status("Enabled", "OK"));
	json_object_object_add(o, "PowerState", json_object_new_string("On"));
	json_object_object_add(o, "NetworkProtocol", res_link(NETPROTO));
	json_object_object_add(o, "EthernetInterfaces", res_link(ETHS));
	json_object_object_add(o, "LogServices", res_link(LOGS));
	a = json_object_new_array();
	json_object_array_add(a, res_link(RES_SYSTEM));
	json_object_object_add(links, "ManagerForServers", a);
	a = json_object_new_array();
	json_object_array_add(a, res_link(RES_CHASSIS));
	json_object_object_add(links, "ManagerForChassis", a);
	json_object_object_add(links, "ManagerInChassis", res_link(RES_CHASSIS));
	json_object_object_add(o, "Links", links);
	res_add_action(o, "#Manager.Reset", RESET_TARGET, RESET_INFO);
	fan_oem_add(bmc, o);
	return o;
}

static int get_collection(struct rf_ctx *ctx)
{
	return res_one_member(ctx, "/redfish/v1/Managers", "#ManagerCollection.ManagerCollection",
			      "Manager Collection", RES_MANAGER);
}

static int get_manager(struct rf_ctx *ctx)
{
	rf_json(ctx, 200, manager_json(ctx->bmc));
	return 0;
}

/* "+HH:MM" / "-HH:MM" into minutes; false if malformed or past 24 h. */
static bool parse_offset(const char *s, int *min)
{
	if (strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
		return false;
	for (int i = 1; i < 6; i++)
		if (i != 3 && (s[i] < '0' || s[i] > '9'))
			return false;
	*min = ((s[1] - '0') * 10 + (s[2] - '0')) * 60 + (s[4] - '0') * 10 + (s[5] - '0');
	if (s[4] > '5' || *min > 1440)
		return false;
	if (s[0] == '-')
		*min = -*min;
	return true;
}

/* PATCH DateTime (Set SEL Time), DateTimeLocalOffset (Set SEL Time UTC
 * Offset) and, on a board with fan zones, Oem.bmcd's fan control: all of
 * it checked before any of it is set.  The route lets ConfigureComponents
 * in for the fans (DMTF's privilege registry allows a property override);
 * the clock still needs ConfigureManager. */
static int patch_manager(struct rf_ctx *ctx)
{
	static const char *const known[] = { "DateTime", "DateTimeLocalOffset", "Oem", NULL };
	static const char *const known_no_fans[] = { "DateTime", "DateTimeLocalOffset", NULL };
	struct bmc *bmc = ctx->bmc;
	struct fan_patch fans = { .board_mode = -1 };
	json_object *oem = NULL;
	const char *dt, *off;
	int64_t t = 0;
	int min = 0;

	if (res_check_keys(ctx, ctx->body, has_fans(bmc) ? known : known_no_fans) < 0 ||
	    res_get_string(ctx, ctx->body, known[0], &dt) < 0 ||
	    res_get_string(ctx, ctx->body, known[1], &off) < 0)
		return -1;
	if ((dt || off) && !(ctx->privs & RF_PRIV_CONFIGURE_MANAGER))
		return rf_error(ctx, 403, RES_MSG("InsufficientPrivilege"), NULL, NULL);
	if (json_object_object_get_ex(ctx->body, known[2], &oem) && fan_check(ctx, oem, &fans) < 0)
		return -1;
	if ((dt || off) && !bmc->sel)
		return rf_error(ctx, 400, RES_MSG("PropertyNotWritable"), dt ? known[0] : known[1], NULL);
	if (dt && !res_parse_datetime(dt, &t))
		return rf_error(ctx, 400, RES_MSG("PropertyValueFormatError"), dt, known[0]);
	if (dt && (t < 0 || t > (int64_t)UINT32_MAX))
		return rf_error(ctx, 400, RES_MSG("PropertyValueOutOfRange"), dt, known[0]);
	if (off && !parse_offset(off, &min))
		return rf_error(ctx, 400, RES_MSG("PropertyValueFormatError"), off, known[1]);
	if (dt) {
		sel_set_time(bmc->sel, (uint32_t)t);
		log_info("redfish: SEL time set to %s by %s", dt, ctx->user ? ctx->user : "?");
	}
	if (off) {
		bmc->sel->utc_offset = (int16_t)min;
		log_info("redfish: SEL UTC offset set to %s by %s", off, ctx->user ? ctx->user : "?");
	}
	if (oem)
		fan_apply(ctx, &fans);
	return get_manager(ctx);
}

static int get_reset_info(struct rf_ctx *ctx)
{
	rf_json(ctx, 200, res_action_info(RESET_INFO, "ResetActionInfo", "ResetType", reset_types));
	return 0;
}

/* #Manager.Reset: GracefulRestart is IPMI's Warm Reset, ForceRestart its
 * Cold Reset; either runs once the response has been sent. */
static int post_reset(struct rf_ctx *ctx)
{
	int t = res_action_param(ctx, "Manager.Reset", "ResetType", reset_types);

	if (t < 0)
		return -1;
	log_info("redfish: manager %s by %s", reset_types[t], ctx->user ? ctx->user : "?");
	bmc_schedule_reset(ctx->bmc, t == 1);
	res_no_content(ctx);
	return 0;
}

static int get_logs(struct rf_ctx *ctx)
{
	json_object *c = rf_collection(LOGS, "#LogServiceCollection.LogServiceCollection",
				       "Log Service Collection");

	if (ctx->bmc->sel)
		rf_collection_add(c, SEL_LOG);
	rf_json(ctx, 200, c);
	return 0;
}

static int no_sel(struct rf_ctx *ctx)
{
	return rf_error(ctx, 404, RES_MSG("ResourceNotFound"), "LogService", "SEL");
}

static int get_sel_log(struct rf_ctx *ctx)
{
	struct sel *sel = ctx->bmc->sel;
	json_object *o;
	char when[RES_DATETIME_LEN], off[8];

	if (!sel)
		return no_sel(ctx);
	o = rf_object(SEL_LOG, "#LogService.v1_5_0.LogService", "SEL", "System Event Log");
	json_object_object_add(o, "Description", json_object_new_string("IPMI System Event Log"));
	json_object_object_add(o, "ServiceEnabled", json_object_new_boolean(1));
	json_object_object_add(o, "MaxNumberOfRecords", json_object_new_int((int)sel->capacity));
	json_object_object_add(o, "OverWritePolicy", json_object_new_string("NeverOverWrites"));
	json_object_object_add(o, "LogEntryType", json_object_new_string("SEL"));
	res_datetime(sel_time(sel), utc_offset(ctx->bmc), when);
	json_object_object_add(o, "DateTime", json_object_new_string(when));
	offset_text(utc_offset(ctx->bmc), off);
	json_object_object_add(o, "DateTimeLocalOffset", json_object_new_string(off));
	json_object_object_add(o, "Entries", res_link(ENTRIES));
	json_object_object_add(o, "Status", res_status("Enabled", sel->overflow ? "Warning" : "OK"));
	res_add_action(o, "#LogService.ClearLog", CLEAR_TARGET, NULL);
	rf_json(ctx, 200, o);
	return 0;
}

static uint16_t rec_id(const struct sel_rec *r)
{
	return (uint16_t)(r->d[0] | r->d[1] << 8);
}

/* Seconds since 1970: the record's own timestamp when its type has one. */
static uint32_t rec_time(const struct sel_rec *r)
{
	if (r->d[2] == SEL_TYPE_SYSTEM || (r->d[2] >= SEL_TYPE_OEM_TS && r->d[2] < SEL_TYPE_OEM_NOTS))
		return (uint32_t)r->d[3] | (uint32_t)r->d[4] << 8 | (uint32_t)r->d[5] << 16 |
		       (uint32_t)r->d[6] << 24;
	return r->added;
}

/* Threshold event offsets (event type 01h) as LogEntry's EntryCode
 * values, which follow IPMI's order. */
static const char *const thr_codes[12] = {
	"Lower Non-critical - going low", "Lower Non-critical - going high",
	"Lower Critical - going low", "Lower Critical - going high",
	"Lower Non-recoverable - going low", "Lower Non-recoverable - going high",
	"Upper Non-critical - going low", "Upper Non-critical - going high",
	"Upper Critical - going low", "Upper Critical - going high",
	"Upper Non-recoverable - going low", "Upper Non-recoverable - going high",
};

/* Power Supply (08h) failure, a Power Unit (09h) failure: critical. */
static bool discrete_critical(uint8_t type, unsigned off)
{
	return (type == 0x08 && off == 1) || (type == 0x09 && (off == 4 || off == 6));
}

static json_object *entry_json(struct bmc *bmc, const struct sel_rec *r)
{
	const uint8_t *b = r->d;
	char link[96], id[8], when[RES_DATETIME_LEN], msg[192], gen[8];
	const char *severity = "OK", *code;
	json_object *o;

	snprintf(id, sizeof(id), "%u", rec_id(r));
	snprintf(link, sizeof(link), ENTRIES "/%s", id);
	o = rf_object(link, "#LogEntry.v1_15_0.LogEntry", id, "SEL Entry");
	json_object_object_add(o, "EntryType", json_object_new_string("SEL"));
	res_datetime(rec_time(r), utc_offset(bmc), when);
	json_object_object_add(o, "Created", json_object_new_string(when));
	if (b[2] == SEL_TYPE_SYSTEM) {
		bool deassert = b[12] & 0x80;
		uint8_t type = b[10], etype = b[12] & 0x7f;
		unsigned off = b[13] & 0x0f;
		const struct sensor *s = bmc->sensors ? sensors_find(bmc->sensors, b[11]) : NULL;
		char name[32];
		size_t n;

		if (s)
			snprintf(name, sizeof(name), "%s", s->cfg->name);
		else
			snprintf(name, sizeof(name), "Sensor %02Xh (type %02Xh)", b[11], type);
		if (etype == 0x01 && off < 12) {
			code = thr_codes[off];
			if (!deassert)
				severity = (off == 0 || off == 1 || off == 6 || off == 7) ? "Warning" : "Critical";
		} else {
			code = deassert ? "Deassert" : "Assert";
			if (!deassert && discrete_critical(type, off))
				severity = "Critical";
		}
		if (etype == 0x01 && off < 12)
			n = (size_t)snprintf(msg, sizeof(msg), "%s: %s %s", name, code,
					     deassert ? "deasserted" : "asserted");
		else
			n = (size_t)snprintf(msg, sizeof(msg), "%s: event type %02Xh offset %02Xh %s", name,
					     etype, off, deassert ? "deasserted" : "asserted");
		/* Threshold events carry the reading (data 2) and threshold (data 3). */
		if (etype == 0x01 && (b[13] & 0xf0) == 0x50 && s && s->cfg->threshold && n < sizeof(msg))
			snprintf(msg + n, sizeof(msg) - n, ", reading %.3g, threshold %.3g",
				 conv_to_value(&s->conv, b[14]), conv_to_value(&s->conv, b[15]));
		json_object_object_add(o, "Message", json_object_new_string(msg));
		json_object_object_add(o, "SensorNumber", json_object_new_int(b[11]));
		json_object_object_add(o, "EntryCode", json_object_new_string(code));
		snprintf(gen, sizeof(gen), "0x%02X%02X", b[8], b[7]);
		json_object_object_add(o, "GeneratorId", json_object_new_string(gen));
	} else {
		snprintf(msg, sizeof(msg), "OEM record type %02Xh", b[2]);
		json_object_object_add(o, "Message", json_object_new_string(msg));
	}
	json_object_object_add(o, "Severity", json_object_new_string(severity));
	return o;
}

/* $skip and $top of the query ("$skip=100&$top=50"): -1 in *v when
 * absent; false when a value is not a decimal number. */
static bool query_num(const char *query, const char *key, long *v)
{
	size_t klen = strlen(key);
	const char *p = query;

	*v = -1;
	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			char *end;

			p += klen + 1;
			if (*p < '0' || *p > '9')
				return false;
			*v = strtol(p, &end, 10);
			return (*end == '\0' || *end == '&') && *v >= 0 && *v <= 65536;
		}
		p = strchr(p, '&');
		if (p)
			p++;
	}
	return true;
}

/* The Entries collection, oldest first, ENTRIES_PAGE (or $top) at a time
 * from $skip, with Members@odata.nextLink to the next page. */
static int get_entries(struct rf_ctx *ctx)
{
	struct sel *sel = ctx->bmc->sel;
	const char *q = ctx->req->query;
	json_object *c;
	long skip, top;
	unsigned end;

	if (!sel)
		return no_sel(ctx);
	if (!query_num(q, "$skip", &skip))
		return rf_error(ctx, 400, RES_MSG("QueryParameterValueTypeError"), q, "$skip");
	if (!query_num(q, "$top", &top))
		return rf_error(ctx, 400, RES_MSG("QueryParameterValueTypeError"), q, "$top");
	if (skip < 0)
		skip = 0;
	if (top < 0 || top > ENTRIES_PAGE)
		top = ENTRIES_PAGE;
	c = rf_collection(ENTRIES, "#LogEntryCollection.LogEntryCollection", "System Event Log Entries");
	end = (unsigned)skip + (unsigned)top < sel->count ? (unsigned)skip + (unsigned)top : sel->count;
	for (unsigned i = (unsigned)skip; i < end; i++) {
		json_object *m;

		json_object_object_get_ex(c, "Members", &m);
		json_object_array_add(m, entry_json(ctx->bmc, &sel->recs[i]));
	}
	json_object_object_add(c, "Members@odata.count", json_object_new_int((int)sel->count));
	if (end < sel->count && top > 0) {	/* $top=0 asks for no page at all */
		char next[128];

		snprintf(next, sizeof(next), ENTRIES "?$skip=%u&$top=%ld", end, top);
		json_object_object_add(c, "Members@odata.nextLink", json_object_new_string(next));
	}
	rf_json(ctx, 200, c);
	return 0;
}

static int get_entry(struct rf_ctx *ctx)
{
	struct sel *sel = ctx->bmc->sel;
	const char *a = ctx->arg[0];
	const struct sel_rec *r = NULL;
	char *end;
	unsigned long id;
	uint16_t next;

	if (!sel)
		return no_sel(ctx);
	/* One spelling per entry: decimal, no leading zero. */
	id = strtoul(a, &end, 10);
	if (a[0] >= '1' && a[0] <= '9' && !*end && id < SEL_ID_LAST)
		r = sel_get(sel, (uint16_t)id, &next);
	if (!r || rec_id(r) != id)
		return rf_error(ctx, 404, RES_MSG("ResourceNotFound"), "LogEntry", a);
	rf_json(ctx, 200, entry_json(ctx->bmc, r));
	return 0;
}

/* #LogService.ClearLog: Clear SEL (which logs "log area cleared"). */
static int post_clear(struct rf_ctx *ctx)
{
	int r;

	if (!ctx->bmc->sel)
		return no_sel(ctx);
	if (ctx->body) {
		if (!json_object_is_type(ctx->body, json_type_object))
			return rf_error(ctx, 400, RES_MSG("MalformedJSON"), NULL, NULL);
		json_object_object_foreach(ctx->body, key, val) {
			(void)val;
			if (!strchr(key, '@'))
				return rf_error(ctx, 400, RES_MSG("ActionParameterUnknown"),
						"LogService.ClearLog", key);
		}
	}
	r = sel_clear(ctx->bmc->sel);
	if (r < 0) {
		log_error_errno(r, "redfish: clearing the SEL");
		return rf_error(ctx, 500, RES_MSG("InternalError"), NULL, NULL);
	}
	log_info("redfish: SEL cleared by %s", ctx->user ? ctx->user : "?");
	res_no_content(ctx);
	return 0;
}

const struct rf_route rf_routes_managers[] = {
	{ "/redfish/v1/Managers", RF_GET, RF_PRIV_LOGIN, 0, .get = get_collection },
	{ RES_MANAGER, RF_GET | RF_PATCH, RF_PRIV_LOGIN,
	  RF_PRIV_CONFIGURE_MANAGER | RF_PRIV_CONFIGURE_COMPONENTS,	/* see patch_manager */
	  .get = get_manager, .patch = patch_manager },
	{ RESET_INFO, RF_GET, RF_PRIV_LOGIN, 0, .get = get_reset_info },
	{ RESET_TARGET, RF_POST, 0, RF_PRIV_CONFIGURE_MANAGER, .post = post_reset },
	{ LOGS, RF_GET, RF_PRIV_LOGIN, 0, .get = get_logs },
	{ SEL_LOG, RF_GET, RF_PRIV_LOGIN, 0, .get = get_sel_log },
	{ ENTRIES, RF_GET, RF_PRIV_LOGIN, 0, .get = get_entries },
	{ ENTRIES "/{id}", RF_GET, RF_PRIV_LOGIN, 0, .get = get_entry },
	{ CLEAR_TARGET, RF_POST, 0, RF_PRIV_CONFIGURE_MANAGER, .post = post_clear },
	{ NULL },
};
