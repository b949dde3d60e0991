/* SPDX-License-Identifier: MIT */
/*
 * What the Redfish resource files (res_systems.c, res_chassis.c,
 * res_managers.c) share: the one system, chassis and manager's ids, FRU
 * identity, the sensors' health, time and GUID formats, and the checks of
 * PATCH and action bodies (redfish/res_common.c).  Internal to the
 * resources; the layers meet only in redfish.h.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "redfish/redfish.h"

#define RES_SYSTEM_ID "system"
#define RES_CHASSIS_ID "chassis"
#define RES_MANAGER_ID "bmc"
#define RES_SYSTEM "/redfish/v1/Systems/" RES_SYSTEM_ID
#define RES_CHASSIS "/redfish/v1/Chassis/" RES_CHASSIS_ID
#define RES_MANAGER "/redfish/v1/Managers/" RES_MANAGER_ID

/* A Base registry MessageId. */
#define RES_MSG(m) "Base.1.16.0." m

struct bmc;
struct sensor;

/* Identity from FRU device 0 (empty strings where it has none). */
struct res_fru {
	char manufacturer[64];		/* product area, else board area */
	char model[64];			/* product name, else board product */
	char part[64];			/* product part/model number, else board part number */
	char serial[64];		/* product serial, else board serial */
	char asset_tag[64];
	char version[64];
	char chassis_part[64];		/* chassis area */
	char chassis_serial[64];
	char board_manufacturer[64];
	char board_product[64];
	char board_serial[64];
	char board_part[64];
};

void res_fru_read(struct bmc *bmc, struct res_fru *out);
/* Set key to s when s is not empty. */
void res_add_str(json_object *obj, const char *key, const char *s);

/* Seconds since 1970 with an offset in minutes as ISO 8601
 * ("2026-12-05T12:00:00+00:00"). */
#define RES_DATETIME_LEN 80
void res_datetime(uint64_t t, int offset_min, char out[RES_DATETIME_LEN]);
/* ISO 8601 back to seconds since 1970 (any offset); false if malformed. */
bool res_parse_datetime(const char *s, int64_t *t);

/* "OK", "Warning" or "Critical": the worst threshold any sensor crosses. */
const char *res_health(struct bmc *bmc);
/* A sensor's own health from its threshold comparison status. */
const char *res_sensor_health(const struct sensor *s);
/* A sensor's URI ("/redfish/v1/Chassis/chassis/Sensors/<id>"), res_chassis.c. */
void res_sensor_link(struct bmc *bmc, const struct sensor *s, char *out, size_t size);
/* Status { State, Health }. */
json_object *res_status(const char *state, const char *health);
/* PowerState: On, Off, PoweringOn, PoweringOff. */
/* The Redfish PowerState of the host; NULL (JSON null in a body) when the
 * host backend cannot tell (power_host_state() < 0). */
const char *res_power_state(struct bmc *bmc);
json_object *res_power_state_json(struct bmc *bmc);

/* A { "@odata.id": id } link. */
json_object *res_link(const char *odata_id);
/* An ActionInfo with one string parameter and its allowable values. */
json_object *res_action_info(const char *odata_id, const char *name, const char *param,
			     const char *const *values);
/* Actions: { "#name": { target, @Redfish.ActionInfo } } added to obj. */
void res_add_action(json_object *obj, const char *name, const char *target, const char *info);

/* PATCH bodies: every key must be one of 'known' (NULL-ended), else 400
 * PropertyUnknown; the body must be an object.  -1 after the error. */
int res_check_keys(struct rf_ctx *ctx, json_object *body, const char *const *known);
/* The string member 'key' of obj: *out NULL when absent; -1 after 400
 * PropertyValueTypeError when it is not a string. */
int res_get_string(struct rf_ctx *ctx, json_object *obj, const char *key, const char **out);
/* The index of s in values (NULL-ended), or -1 after 400
 * PropertyValueNotInList naming key. */
int res_enum(struct rf_ctx *ctx, const char *key, const char *s, const char *const *values);
/* An action's one string parameter: -1 after 400 (missing, wrong type,
 * unknown other parameter, not in values); else its index in values. */
int res_action_param(struct rf_ctx *ctx, const char *action, const char *param,
		     const char *const *values);
/* Answer a collection of one member (Systems, Chassis, Managers). */
int res_one_member(struct rf_ctx *ctx, const char *odata_id, const char *odata_type,
		   const char *name, const char *member);
/* A 204 No Content. */
void res_no_content(struct rf_ctx *ctx);
