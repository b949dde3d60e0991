/* SPDX-License-Identifier: MIT */
/*
 * Helpers the Redfish resource files share (redfish/res.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "chassis/power.h"
#include "daemon/bmc.h"
#include "fru/fru.h"
#include "fru/fru_format.h"
#include "redfish/res.h"
#include "sensors/sensors.h"

/* Field i of an area as text into out ("" when absent). */
static void area_field(const struct fru_dev *d, const struct fru_view *v, enum fru_area_kind k,
		       unsigned i, char *out, size_t size)
{
	const struct fru_area_view *a = &v->area[k];

	out[0] = '\0';
	if (a->present && i < a->n && i < FRU_AREA_FIELDS_MAX)
		fru_field_text(d->img, &a->f[i], out, size);
}

#define FIELD(k, i, dst) area_field(d, &v, k, i, dst, sizeof(dst))
#define PICK(dst, src) do { if (!(dst)[0]) snprintf(dst, sizeof(dst), "%s", src); } while (0)

void res_fru_read(struct bmc *bmc, struct res_fru *out)
{
	struct fru_view v;
	struct fru_dev *d;
	bool busy;
	char why[64];

	memset(out, 0, sizeof(*out));
	if (!bmc->fru)
		return;
	d = fru_get(bmc->fru, 0, &busy);
	if (!d || !d->img || fru_parse(d->img, d->size, &v, why, sizeof(why)) < 0)
		return;
	/* Chassis: part number, serial; board: manufacturer, product, serial,
	 * part number; product: manufacturer, name, part/model, version,
	 * serial, asset tag. */
	FIELD(FRU_AREA_CHASSIS, 0, out->chassis_part);
	FIELD(FRU_AREA_CHASSIS, 1, out->chassis_serial);
	FIELD(FRU_AREA_BOARD, 0, out->board_manufacturer);
	FIELD(FRU_AREA_BOARD, 1, out->board_product);
	FIELD(FRU_AREA_BOARD, 2, out->board_serial);
	FIELD(FRU_AREA_BOARD, 3, out->board_part);
	FIELD(FRU_AREA_PRODUCT, 0, out->manufacturer);
	FIELD(FRU_AREA_PRODUCT, 1, out->model);
	FIELD(FRU_AREA_PRODUCT, 2, out->part);
	FIELD(FRU_AREA_PRODUCT, 3, out->version);
	FIELD(FRU_AREA_PRODUCT, 4, out->serial);
	FIELD(FRU_AREA_PRODUCT, 5, out->asset_tag);
	PICK(out->manufacturer, out->board_manufacturer);
	PICK(out->model, out->board_product);
	PICK(out->part, out->board_part);
	PICK(out->serial, out->board_serial);
}

void res_add_str(json_object *obj, const char *key, const char *s)
{
	if (s && s[0])
		json_object_object_add(obj, key, json_object_new_string(s));
}

void res_datetime(uint64_t t, int offset_min, char out[RES_DATETIME_LEN])
{
	time_t local = (time_t)((int64_t)t + offset_min * 60);
	struct tm tm;
	int a = offset_min < 0 ? -offset_min : offset_min;

	gmtime_r(&local, &tm);
	snprintf(out, RES_DATETIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 offset_min < 0 ? '-' : '+', (a / 60) % 100, a % 60);
}

/* n decimal digits at *p into *v. */
static bool digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return false;
		*v = *v * 10 + (**p - '0');
	}
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

bool res_parse_datetime(const char *s, int64_t *t)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 1;
	struct tm tm = { 0 };
	const char *p = s;
	time_t v;

	if (!digits(&p, 4, &y) || !expect(&p, '-') || !digits(&p, 2, &mo) || !expect(&p, '-') ||
	    !digits(&p, 2, &d) || !expect(&p, 'T') || !digits(&p, 2, &h) || !expect(&p, ':') ||
	    !digits(&p, 2, &mi) || !expect(&p, ':') || !digits(&p, 2, &sec))
		return false;
	if (*p == '.') {	/* fractions of a second: dropped */
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!digits(&p, 2, &oh) || !expect(&p, ':') || !digits(&p, 2, &om) || oh > 23 || om > 59)
			return false;
	} else {
		return false;
	}
	if (*p || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	v = timegm(&tm);
	if (v == (time_t)-1 || tm.tm_mday != d)	/* 31 February */
		return false;
	*t = (int64_t)v - sign * (oh * 3600 + om * 60);
	return true;
}

const char *res_sensor_health(const struct sensor *s)
{
	uint8_t st;

	if (!s->cfg->threshold || !s->valid || s->unavailable)
		return "OK";
	st = sensor_thr_status(s);
	if (st & ((1u << THR_LC) | (1u << THR_LNR) | (1u << THR_UC) | (1u << THR_UNR)))
		return "Critical";
	if (st & ((1u << THR_LNC) | (1u << THR_UNC)))
		return "Warning";
	return "OK";
}

const char *res_health(struct bmc *bmc)
{
	const char *worst = "OK";

	for (unsigned i = 0; bmc->sensors && i < bmc->sensors->n; i++) {
		const char *h = res_sensor_health(&bmc->sensors->s[i]);

		if (!strcmp(h, "Critical"))
			return h;
		if (!strcmp(h, "Warning"))
			worst = h;
	}
	return worst;
}

json_object *res_status(const char *state, const char *health)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "State", json_object_new_string(state));
	if (health)
		json_object_object_add(o, "Health", json_object_new_string(health));
	return o;
}

const char *res_power_state(struct bmc *bmc)
{
	if (!bmc->power)
		return "Off";
	/* A backend that cannot tell (libvirt disconnected, domain gone). */
	if (power_host_state(bmc->power) < 0)
		return NULL;
	switch (bmc->power->state) {
	case POWER_ON:
		return "On";
	case POWER_POWERING_ON:
	case POWER_CYCLE_WAIT:
		return "PoweringOn";
	case POWER_POWERING_OFF:
	case POWER_SOFT_OFF:
		return "PoweringOff";
	case POWER_OFF:
	default:
		return "Off";
	}
}

json_object *res_power_state_json(struct bmc *bmc)
{
	const char *s = res_power_state(bmc);

	return s ? json_object_new_string(s) : NULL;
}

json_object *res_link(const char *odata_id)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "@odata.id", json_object_new_string(odata_id));
	return o;
}

json_object *res_action_info(const char *odata_id, const char *name, const char *param,
			     const char *const *values)
{
	json_object *o = rf_object(odata_id, "#ActionInfo.v1_4_0.ActionInfo", name, name);
	json_object *params = json_object_new_array();
	json_object *p = json_object_new_object();
	json_object *allow = json_object_new_array();

	for (; *values; values++)
		json_object_array_add(allow, json_object_new_string(*values));
	json_object_object_add(p, "Name", json_object_new_string(param));
	json_object_object_add(p, "Required", json_object_new_boolean(1));
	json_object_object_add(p, "DataType", json_object_new_string("String"));
	json_object_object_add(p, "AllowableValues", allow);
	json_object_array_add(params, p);
	json_object_object_add(o, "Parameters", params);
	return o;
}

void res_add_action(json_object *obj, const char *name, const char *target, const char *info)
{
	json_object *actions, *a = json_object_new_object();

	if (!json_object_object_get_ex(obj, "Actions", &actions)) {
		actions = json_object_new_object();
		json_object_object_add(obj, "Actions", actions);
	}
	json_object_object_add(a, "target", json_object_new_string(target));
	if (info)
		json_object_object_add(a, "@Redfish.ActionInfo", json_object_new_string(info));
	json_object_object_add(actions, name, a);
}

static bool known_key(const char *key, const char *const *known)
{
	for (; *known; known++)
		if (!strcmp(key, *known))
			return true;
	return false;
}

int res_check_keys(struct rf_ctx *ctx, json_object *body, const char *const *known)
{
	if (!body || !json_object_is_type(body, json_type_object))
		return rf_error(ctx, 400, RES_MSG("MalformedJSON"), NULL, NULL);
	json_object_object_foreach(body, key, val) {
		(void)val;
		/* Annotations ("@odata.etag", "Property@Redfish.…") carry no change. */
		if (key[0] == '@' || strchr(key, '@'))
			continue;
		if (!known_key(key, known))
			return rf_error(ctx, 400, RES_MSG("PropertyUnknown"), key, NULL);
	}
	return 0;
}

int res_get_string(struct rf_ctx *ctx, json_object *obj, const char *key, const char **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return rf_error(ctx, 400, RES_MSG("PropertyValueTypeError"),
				rf_value_text(v), key);
	*out = json_object_get_string(v);
	return 0;
}

int res_enum(struct rf_ctx *ctx, const char *key, const char *s, const char *const *values)
{
	for (int i = 0; values[i]; i++)
		if (!strcmp(s, values[i]))
			return i;
	return rf_error(ctx, 400, RES_MSG("PropertyValueNotInList"), s, key);
}

int res_action_param(struct rf_ctx *ctx, const char *action, const char *param,
		     const char *const *values)
{
	json_object *body = ctx->body;
	const char *s;

	if (!body || !json_object_is_type(body, json_type_object))
		return rf_error(ctx, 400, RES_MSG("ActionParameterMissing"), action, param);
	json_object_object_foreach(body, key, val) {
		(void)val;
		if (strcmp(key, param) && !strchr(key, '@'))
			return rf_error(ctx, 400, RES_MSG("ActionParameterUnknown"), action, key);
	}
	if (res_get_string(ctx, body, param, &s) < 0)
		return -1;
	if (!s)
		return rf_error(ctx, 400, RES_MSG("ActionParameterMissing"), action, param);
	return res_enum(ctx, param, s, values);
}

void res_no_content(struct rf_ctx *ctx)
{
	ctx->resp->status = 204;
	ctx->resp->body = NULL;
	ctx->resp->body_len = 0;
}

int res_one_member(struct rf_ctx *ctx, const char *odata_id, const char *odata_type,
		   const char *name, const char *member)
{
	json_object *c = rf_collection(odata_id, odata_type, name);

	rf_collection_add(c, member);
	rf_json(ctx, 200, c);
	return 0;
}
