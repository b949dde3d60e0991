/* SPDX-License-Identifier: MIT */
/*
 * The SEL on D-Bus, as phosphor-logging shows its log: each record an
 * xyz.openbmc_project.Logging.Entry at /xyz/openbmc_project/logging/entry/
 * <record ID> with xyz.openbmc_project.Object.Delete, and
 * xyz.openbmc_project.Collection.DeleteAll at /xyz/openbmc_project/logging.
 * The entries are not registered one by one: a fallback vtable finds them
 * in the SEL itself, so D-Bus never holds a copy to keep in step.
 *
 * Programs log events the way phosphor-sel-logger takes them:
 * xyz.openbmc_project.Logging.IPMI.IpmiSelAdd at /xyz/openbmc_project/
 * Logging/IPMI, naming the sensor by its D-Bus path.  The event goes where
 * a Platform Event Message goes: the SEL, then PEF and the host interface.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/log.h"
#include "daemon/module.h"
#include "dbus/dbus.h"
#include "sel/sel.h"
#include "sensors/sensors.h"

#define LOGGING_PATH "/xyz/openbmc_project/logging"
#define ENTRY_PREFIX LOGGING_PATH "/entry"
#define ENTRY_IFACE "xyz.openbmc_project.Logging.Entry"
#define DELETE_IFACE "xyz.openbmc_project.Object.Delete"
#define DELETE_ALL_IFACE "xyz.openbmc_project.Collection.DeleteAll"
#define IPMI_LOG_PATH "/xyz/openbmc_project/Logging/IPMI"
#define IPMI_LOG_IFACE "xyz.openbmc_project.Logging.IPMI"
#define CREATE_IFACE "xyz.openbmc_project.Logging.Create"
#define LEVEL ENTRY_IFACE ".Level."

/* Entry.Level, most severe first: a level's index is what a Create'd
 * record keeps. */
static const char *const levels[] = {
	"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug",
};
enum { LEVEL_CRITICAL = 2, LEVEL_WARNING = 4, LEVEL_INFO = 6, LEVEL_COUNT = 8 };

/* A Create'd record without sensor fields: OEM timestamped, the board's
 * manufacturer ID, then this marker, the level and the message's hash. */
#define CREATE_OEM_TYPE SEL_TYPE_OEM_TS
#define CREATE_MARK 0xdb

static uint16_t rec_id(const struct sel_rec *r)
{
	return (uint16_t)(r->d[0] | r->d[1] << 8);
}

/* The record an entry path names ("…/entry/12": ID 12), or NULL. */
static const struct sel_rec *entry_rec(struct dbus *d, const char *path)
{
	const char *p = path + strlen(ENTRY_PREFIX);
	const struct sel_rec *r;
	unsigned id;
	uint16_t next;

	if (strncmp(path, ENTRY_PREFIX "/", strlen(ENTRY_PREFIX) + 1) || !d->bmc->sel)
		return NULL;
	/* One spelling per entry: no leading zero. */
	if (p[1] == '0' || !cfg_decimal(p + 1, strlen(p + 1), &id) || id >= SEL_ID_LAST)
		return NULL;
	r = sel_get(d->bmc->sel, (uint16_t)id, &next);
	return r && rec_id(r) == id ? r : NULL;
}

DBUS_FALLBACK_FIND(find_entry, entry_rec)

static int enumerate_entries(sd_bus *bus, const char *prefix, void *userdata, char ***ret_nodes,
			     sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	const struct sel *sel = d->bmc->sel;
	unsigned n = sel ? sel->count : 0;
	char **nodes = calloc(n + 1, sizeof(*nodes));

	if (!nodes)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		if (asprintf(&nodes[i], ENTRY_PREFIX "/%u", rec_id(&sel->recs[i])) < 0) {
			for (unsigned j = 0; j < i; j++)
				free(nodes[j]);
			free(nodes);
			return -ENOMEM;
		}
	}
	*ret_nodes = nodes;
	return 0;
}

/* Seconds since 1970: the record's own timestamp when its type has one. */
static uint32_t rec_time(const struct sel_rec *r)
{
	if (r->d[2] == SEL_TYPE_SYSTEM || (r->d[2] >= SEL_TYPE_OEM_TS && r->d[2] < SEL_TYPE_OEM_NOTS))
		return (uint32_t)r->d[3] | (uint32_t)r->d[4] << 8 | (uint32_t)r->d[5] << 16 |
		       (uint32_t)r->d[6] << 24;
	return r->added;
}

/* Is this a record Logging.Create made (its OEM layout)? */
static bool is_created(const struct dbus *d, const uint8_t *b)
{
	uint32_t mfg = (uint32_t)b[7] | (uint32_t)b[8] << 8 | (uint32_t)b[9] << 16;

	return b[2] == CREATE_OEM_TYPE && mfg == d->bmc->cfg.identity.manufacturer_id &&
	       b[10] == CREATE_MARK && b[11] < LEVEL_COUNT;
}

/*
 * A record's level: a Create'd record keeps its own; a system event's
 * comes from the event: a threshold (event type 01h) or generic severity
 * (07h) event asserted is Critical for critical and non-recoverable
 * offsets, Warning for non-critical ones; everything else, deassertions
 * included, is Informational.
 */
static unsigned rec_level(const struct dbus *d, const uint8_t *b)
{
	unsigned off = b[13] & 0x0f;

	if (is_created(d, b))
		return b[11];
	if (b[2] != SEL_TYPE_SYSTEM || (b[12] & 0x80))
		return LEVEL_INFO;
	switch (b[12] & 0x7f) {
	case 0x01:	/* lower nc low/high 0-1, c 2-3, nr 4-5; upper nc 6-7, c 8-9, nr A-B */
		if (off > 0x0b)
			return LEVEL_INFO;
		return off <= 1 || off == 6 || off == 7 ? LEVEL_WARNING : LEVEL_CRITICAL;
	case 0x07:	/* to OK 0; nc 1, 4; c 2, 5; nr 3, 6; monitor 7; informational 8 */
		if (off == 1 || off == 4)
			return LEVEL_WARNING;
		return off == 2 || off == 3 || off == 5 || off == 6 ? LEVEL_CRITICAL : LEVEL_INFO;
	default:
		return LEVEL_INFO;
	}
}

static int add_pair(sd_bus_message *reply, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int add_pair(sd_bus_message *reply, const char *key, const char *fmt, ...)
{
	char v[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	return sd_bus_message_append(reply, "{ss}", key, v);
}

/* Bytes as hex digits, no separators ("09FFFF"). */
static void hex(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02X", b[i]);
	out[2 * n] = 0;
}

/*
 * AdditionalData: the record decoded, a key each field, the values in hex
 * as IPMI writes them.  A system event: RECORD_TYPE, GENERATOR_ID,
 * EVM_REV, SENSOR_TYPE, SENSOR_NUMBER, EVENT_TYPE, EVENT_DIR (1
 * assertion, 0 deassertion, as phosphor-sel-logger writes it) and
 * SENSOR_DATA (the 3 event data bytes); a timestamped OEM record:
 * RECORD_TYPE, MANUFACTURER_ID, OEM_DATA, and MESSAGE_HASH when
 * Logging.Create made it; any other OEM record: RECORD_TYPE, OEM_DATA.
 */
static int get_additional(sd_bus *bus, const char *path, const char *iface, const char *prop,
			  sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	const struct sel_rec *r = entry_rec(d, path);
	const uint8_t *b;
	char h[2 * SEL_RECORD_LEN + 1];
	int ret;

	if (!r)
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_UNKNOWN_OBJECT, "%s: no such entry", path);
	b = r->d;
	ret = sd_bus_message_open_container(reply, 'a', "{ss}");
	if (ret >= 0)
		ret = add_pair(reply, "RECORD_TYPE", "%02X", b[2]);
	if (ret >= 0 && b[2] == SEL_TYPE_SYSTEM) {
		hex(h, b + 13, 3);
		ret = add_pair(reply, "GENERATOR_ID", "%04X", b[7] | b[8] << 8);
		if (ret >= 0)
			ret = add_pair(reply, "EVM_REV", "%02X", b[9]);
		if (ret >= 0)
			ret = add_pair(reply, "SENSOR_TYPE", "%02X", b[10]);
		if (ret >= 0)
			ret = add_pair(reply, "SENSOR_NUMBER", "%02X", b[11]);
		if (ret >= 0)
			ret = add_pair(reply, "EVENT_TYPE", "%02X", b[12] & 0x7f);
		if (ret >= 0)
			ret = add_pair(reply, "EVENT_DIR", "%d", !(b[12] & 0x80));
		if (ret >= 0)
			ret = add_pair(reply, "SENSOR_DATA", "%s", h);
	} else if (ret >= 0 && b[2] >= SEL_TYPE_OEM_TS && b[2] < SEL_TYPE_OEM_NOTS) {
		hex(h, b + 10, 6);
		ret = add_pair(reply, "MANUFACTURER_ID", "%06X", b[7] | b[8] << 8 | b[9] << 16);
		if (ret >= 0)
			ret = add_pair(reply, "OEM_DATA", "%s", h);
		if (ret >= 0 && is_created(d, b))
			ret = add_pair(reply, "MESSAGE_HASH", "%02X%02X%02X%02X", b[15], b[14], b[13],
				       b[12]);
	} else if (ret >= 0) {
		hex(h, b + 3, SEL_RECORD_LEN - 3);
		ret = add_pair(reply, "OEM_DATA", "%s", h);
	}
	if (ret >= 0)
		ret = sd_bus_message_close_container(reply);
	return ret;
}

static int get_entry(sd_bus *bus, const char *path, const char *iface, const char *prop,
		     sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	const struct sel_rec *r = entry_rec(userdata, path);
	const uint8_t *b;
	char msg[128];

	if (!r)
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_UNKNOWN_OBJECT, "%s: no such entry", path);
	b = r->d;
	if (!strcmp(prop, "Id"))
		return sd_bus_message_append(reply, "u", (uint32_t)rec_id(r));
	if (!strcmp(prop, "Timestamp") || !strcmp(prop, "UpdateTimestamp"))
		return sd_bus_message_append(reply, "t", (uint64_t)rec_time(r) * 1000);
	if (!strcmp(prop, "Resolved"))
		return sd_bus_message_append(reply, "b", 0);
	if (!strcmp(prop, "Severity")) {
		snprintf(msg, sizeof(msg), LEVEL "%s", levels[rec_level(userdata, b)]);
		return sd_bus_message_append(reply, "s", msg);
	}
	if (is_created(userdata, b))
		snprintf(msg, sizeof(msg), "SEL %04Xh: logged over D-Bus, message hash %02X%02X%02X%02Xh",
			 rec_id(r), b[15], b[14], b[13], b[12]);
	else if (b[2] == SEL_TYPE_SYSTEM)
		snprintf(msg, sizeof(msg), "SEL %04Xh: generator %02X%02Xh, sensor type %02Xh, "
			 "sensor %02Xh, %s, event type %02Xh, data %02X %02X %02X",
			 rec_id(r), b[8], b[7], b[10], b[11], b[12] & 0x80 ? "deassertion" : "assertion",
			 b[12] & 0x7f, b[13], b[14], b[15]);
	else
		snprintf(msg, sizeof(msg), "SEL %04Xh: OEM record type %02Xh", rec_id(r), b[2]);
	return sd_bus_message_append(reply, "s", msg);
}

/* The answer to a method that changed the SEL (ret: the change's result). */
static int sel_written(struct dbus *d, sd_bus_message *m, int ret, const char *what,
		       sd_bus_error *ret_error)
{
	if (ret < 0)
		return sd_bus_error_set_errnof(ret_error, ret, "SEL %s: %s", what, strerror(-ret));
	dbus_logging_changed(d);
	return sd_bus_reply_method_return(m, "");
}

static int method_delete(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	const struct sel_rec *r = entry_rec(d, sd_bus_message_get_path(m));
	uint16_t deleted;
	int ret;

	ret = dbus_refuse_read_only(d, ret_error);
	if (ret < 0)
		return ret;
	if (!r)
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_UNKNOWN_OBJECT, "no such entry");
	return sel_written(d, m, sel_delete(d->bmc->sel, rec_id(r), &deleted), "delete", ret_error);
}

/* As Clear SEL: the log then holds its "log area cleared" record. */
static int method_delete_all(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	int ret;

	ret = dbus_refuse_read_only(d, ret_error);
	if (ret < 0)
		return ret;
	return sel_written(d, m, sel_clear(d->bmc->sel), "clear", ret_error);
}

/*
 * IpmiSelAdd(message, sensor path, event data, assert, generator ID): a
 * system event record of the sensor's type and number, event/reading type
 * threshold (01h) or its own; event data bytes not given are FFh
 * (unspecified).  Answers the record ID.  The message is only logged: a
 * SEL record has no room for text.
 */
static int method_sel_add(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	uint8_t ed[3] = { 0xff, 0xff, 0xff };
	const struct sensor *s;
	const char *msg, *path;
	const void *data;
	size_t len;
	int assert_;
	uint16_t gen;
	int r;

	r = sd_bus_message_read(m, "so", &msg, &path);
	if (r >= 0)
		r = sd_bus_message_read_array(m, 'y', &data, &len);
	if (r >= 0)
		r = sd_bus_message_read(m, "bq", &assert_, &gen);
	if (r < 0)
		return r;
	r = dbus_refuse_read_only(d, ret_error);
	if (r < 0)
		return r;
	s = dbus_sensor_find(d, path);
	if (!s)
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_INVALID_ARGS,
					 "%s is not one of bmcd's sensors", path);
	if (len > sizeof(ed))
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_INVALID_ARGS,
					 "%zu bytes of event data; at most 3", len);
	memcpy(ed, data, len);
	log_info("dbus: IpmiSelAdd %s: %s", s->cfg->name, msg);
	r = sel_add_event(d->bmc->sel, gen, s->cfg->type, s->number,
			  (uint8_t)((assert_ ? 0 : 0x80) | (s->cfg->event_type & 0x7f)), ed[0], ed[1], ed[2]);
	if (r < 0)
		return sd_bus_error_set_errnof(ret_error, r, "SEL: %s", strerror(-r));
	dbus_logging_changed(d);
	return sd_bus_reply_method_return(m, "q", rec_id(&d->bmc->sel->recs[d->bmc->sel->count - 1]));
}

/* A record added whole (an OEM one): stored (*id), then handed to the
 * event listeners (PEF, the host's event buffer) as a system event is. */
static int add_record(struct dbus *d, uint8_t rec[SEL_RECORD_LEN], uint16_t *id,
		      sd_bus_error *ret_error)
{
	const struct sel_rec *r;
	uint16_t next;
	int ret = sel_add(d->bmc->sel, rec, id);

	if (ret < 0)
		return sd_bus_error_set_errnof(ret_error, ret, "SEL: %s", strerror(-ret));
	r = sel_get(d->bmc->sel, *id, &next);
	if (r)
		bmc_modules_on_sel_event(d->bmc, r->d);
	dbus_logging_changed(d);
	return 0;
}

/*
 * IpmiSelAddOem(message, record data, record type), as phosphor-sel-logger
 * takes it: an OEM record type C0h-FFh with its bytes after the timestamp
 * (9: manufacturer ID and 6 bytes, for C0h-DFh) or after the type (13,
 * E0h-FFh).  Answers the record ID; the message is only logged.
 */
static int method_sel_add_oem(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	uint8_t rec[SEL_RECORD_LEN] = { 0 }, type;
	const char *msg;
	const void *data;
	size_t len, want;
	uint16_t id;
	int r;

	r = sd_bus_message_read(m, "s", &msg);
	if (r >= 0)
		r = sd_bus_message_read_array(m, 'y', &data, &len);
	if (r >= 0)
		r = sd_bus_message_read(m, "y", &type);
	if (r < 0)
		return r;
	r = dbus_refuse_read_only(d, ret_error);
	if (r < 0)
		return r;
	if (type < SEL_TYPE_OEM_TS)
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_INVALID_ARGS,
					 "record type %02Xh is not an OEM type (C0h-FFh)", type);
	want = type < SEL_TYPE_OEM_NOTS ? 9 : 13;
	if (len != want)
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_INVALID_ARGS,
					 "%zu bytes of record data; type %02Xh has %zu", len, type, want);
	rec[2] = type;
	memcpy(rec + SEL_RECORD_LEN - want, data, len);
	r = add_record(d, rec, &id, ret_error);
	if (r < 0)
		return r;
	log_info("dbus: IpmiSelAddOem SEL %04Xh, type %02Xh: %s", id, type, msg);
	return sd_bus_reply_method_return(m, "q", id);
}

/* 32-bit FNV-1a of a string: a Create'd message, in 4 bytes of its record. */
static uint32_t message_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

/* Hex in an AdditionalData value ("20", "0x20"): 0 and *out, or -EINVAL. */
static int parse_hex(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s[0] || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 16);
	return errno || *end || *out > max ? -EINVAL : 0;
}

/* The AdditionalData of a Create call, read whole. */
struct create_data {
	const char *path, *type, *number, *event_type, *dir, *data, *gen;
};

static int read_additional(sd_bus_message *m, struct create_data *c)
{
	const char *k, *v;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{ss}");
	while (r >= 0 && (r = sd_bus_message_read(m, "{ss}", &k, &v)) > 0) {
		if (!strcmp(k, "SENSOR_PATH"))
			c->path = v;
		else if (!strcmp(k, "SENSOR_TYPE"))
			c->type = v;
		else if (!strcmp(k, "SENSOR_NUMBER"))
			c->number = v;
		else if (!strcmp(k, "EVENT_TYPE"))
			c->event_type = v;
		else if (!strcmp(k, "EVENT_DIR"))
			c->dir = v;
		else if (!strcmp(k, "SENSOR_DATA"))
			c->data = v;
		else if (!strcmp(k, "GENERATOR_ID"))
			c->gen = v;
	}
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	return r;
}

/* InvalidArgs naming the AdditionalData key and its value. */
static int bad_field(sd_bus_error *ret_error, const char *key, const char *val)
{
	return sd_bus_error_setf(ret_error, SD_BUS_ERROR_INVALID_ARGS,
				 "AdditionalData %s: \"%s\" is not valid", key, val ? val : "(none)");
}

/* A Create call that names a sensor: a system event record, through
 * sel_add_event() as a Platform Event Message's. */
static int create_event(struct dbus *d, const struct create_data *c, sd_bus_error *ret_error)
{
	uint8_t ed[3] = { 0xff, 0xff, 0xff }, type, num, evt;
	unsigned long v, gen = 0x20;
	bool asserted = true;
	size_t n;
	int r;

	if (c->path) {
		const struct sensor *s = dbus_sensor_find(d, c->path);

		if (!s)
			return sd_bus_error_setf(ret_error, SD_BUS_ERROR_INVALID_ARGS,
						 "AdditionalData SENSOR_PATH: %s is not one of bmcd's sensors",
						 c->path);
		type = s->cfg->type;
		num = s->number;
		evt = s->cfg->event_type & 0x7f;
	} else {
		if (!c->type || parse_hex(c->type, 0xff, &v) < 0)
			return bad_field(ret_error, "SENSOR_TYPE", c->type);
		type = (uint8_t)v;
		if (!c->number || parse_hex(c->number, 0xff, &v) < 0)
			return bad_field(ret_error, "SENSOR_NUMBER", c->number);
		num = (uint8_t)v;
		if (!c->event_type || parse_hex(c->event_type, 0x7f, &v) < 0)
			return bad_field(ret_error, "EVENT_TYPE", c->event_type);
		evt = (uint8_t)v;
	}
	if (c->dir) {
		if (strcmp(c->dir, "0") && strcmp(c->dir, "1"))
			return bad_field(ret_error, "EVENT_DIR", c->dir);
		asserted = c->dir[0] == '1';
	}
	if (c->gen && parse_hex(c->gen, 0xffff, &gen) < 0)
		return bad_field(ret_error, "GENERATOR_ID", c->gen);
	if (c->data) {
		n = strlen(c->data);
		if (n % 2 || n > 6)
			return bad_field(ret_error, "SENSOR_DATA", c->data);
		for (size_t i = 0; i < n; i++)
			if (!isxdigit((unsigned char)c->data[i]))
				return bad_field(ret_error, "SENSOR_DATA", c->data);
		for (size_t i = 0; i < n / 2; i++) {
			char byte[3] = { c->data[2 * i], c->data[2 * i + 1], 0 };

			ed[i] = (uint8_t)strtoul(byte, NULL, 16);
		}
	}
	r = sel_add_event(d->bmc->sel, (uint16_t)gen, type, num,
			  (uint8_t)((asserted ? 0 : 0x80) | evt), ed[0], ed[1], ed[2]);
	if (r < 0)
		return sd_bus_error_set_errnof(ret_error, r, "SEL: %s", strerror(-r));
	dbus_logging_changed(d);
	return 0;
}

/*
 * phosphor-logging's Create(message, severity, additional data).  With
 * sensor fields in the additional data (SENSOR_PATH, one of bmcd's sensor
 * objects; or SENSOR_TYPE, SENSOR_NUMBER and EVENT_TYPE in hex; with
 * EVENT_DIR, SENSOR_DATA, GENERATOR_ID optional) it is a system event
 * record; else an OEM record (CREATE_OEM_TYPE) keeping the board's
 * manufacturer ID, the severity and the message's hash.  Either goes to
 * PEF like any event.  The message itself is logged, not stored.
 */
static int method_create(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	struct create_data c = { 0 };
	uint8_t rec[SEL_RECORD_LEN] = { 0 };
	uint32_t mfg = d->bmc->cfg.identity.manufacturer_id, h;
	const char *msg, *sev;
	unsigned level;
	uint16_t id;
	int r;

	r = sd_bus_message_read(m, "ss", &msg, &sev);
	if (r >= 0)
		r = read_additional(m, &c);
	if (r < 0)
		return r;
	for (level = 0; level < LEVEL_COUNT; level++)
		if (!strncmp(sev, LEVEL, strlen(LEVEL)) && !strcmp(sev + strlen(LEVEL), levels[level]))
			break;
	if (level == LEVEL_COUNT)
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_INVALID_ARGS,
					 "\"%s\" is not a severity (" LEVEL "Emergency ... Debug)", sev);
	r = dbus_refuse_read_only(d, ret_error);
	if (r < 0)
		return r;
	if (c.path || c.type || c.number || c.event_type) {
		r = create_event(d, &c, ret_error);
		if (r < 0)
			return r;
		log_info("dbus: Logging.Create %s, a sensor event: %s", levels[level], msg);
		return sd_bus_reply_method_return(m, "");
	}
	h = message_hash(msg);
	rec[2] = CREATE_OEM_TYPE;
	rec[7] = (uint8_t)mfg;
	rec[8] = (uint8_t)(mfg >> 8);
	rec[9] = (uint8_t)(mfg >> 16);
	rec[10] = CREATE_MARK;
	rec[11] = (uint8_t)level;
	for (int i = 0; i < 4; i++)
		rec[12 + i] = (uint8_t)(h >> (8 * i));
	r = add_record(d, rec, &id, ret_error);
	if (r < 0)
		return r;
	log_info("dbus: Logging.Create %s, SEL %04Xh, message hash %08Xh: %s", levels[level], id, h,
		 msg);
	return sd_bus_reply_method_return(m, "");
}

/* An interface of one method. */
#define METHOD_VTABLE(name, member, in, out, fn)					\
	static const sd_bus_vtable name[] = {						\
		SD_BUS_VTABLE_START(0), SD_BUS_METHOD(member, in, out, fn, 0), SD_BUS_VTABLE_END, \
	}

static const sd_bus_vtable ipmi_log_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("IpmiSelAdd", "soaybq", "q", method_sel_add, 0),
	SD_BUS_METHOD("IpmiSelAddOem", "sayy", "q", method_sel_add_oem, 0),
	SD_BUS_VTABLE_END,
};

METHOD_VTABLE(create_vtable, "Create", "ssa{ss}", "", method_create);

static const sd_bus_vtable entry_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Id", "u", get_entry, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Timestamp", "t", get_entry, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("UpdateTimestamp", "t", get_entry, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Severity", "s", get_entry, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Message", "s", get_entry, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Resolved", "b", get_entry, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("AdditionalData", "a{ss}", get_additional, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_VTABLE_END,
};

METHOD_VTABLE(delete_vtable, "Delete", "", "", method_delete);
METHOD_VTABLE(delete_all_vtable, "DeleteAll", "", "", method_delete_all);

/* The record IDs in the SEL now, a bit each. */
static void sel_ids(const struct sel *sel, uint64_t ids[DBUS_SEL_WORDS])
{
	memset(ids, 0, DBUS_SEL_WORDS * sizeof(ids[0]));
	for (unsigned i = 0; sel && i < sel->count; i++) {
		uint16_t id = rec_id(&sel->recs[i]);

		ids[id / 64] |= 1ull << (id % 64);
	}
}

int dbus_logging_add(struct dbus *d)
{
	int r;

	if (!d->bmc->sel)
		return 0;
	sel_ids(d->bmc->sel, d->sel_shown);
	r = sd_bus_add_object_vtable(d->bus, NULL, LOGGING_PATH, DELETE_ALL_IFACE, delete_all_vtable, d);
	if (r >= 0)
		r = sd_bus_add_fallback_vtable(d->bus, NULL, ENTRY_PREFIX, ENTRY_IFACE, entry_vtable,
					       find_entry, d);
	if (r >= 0)
		r = sd_bus_add_fallback_vtable(d->bus, NULL, ENTRY_PREFIX, DELETE_IFACE, delete_vtable,
					       find_entry, d);
	if (r >= 0)
		r = sd_bus_add_node_enumerator(d->bus, NULL, ENTRY_PREFIX, enumerate_entries, d);
	if (r >= 0)
		r = sd_bus_add_object_vtable(d->bus, NULL, IPMI_LOG_PATH, IPMI_LOG_IFACE,
					     ipmi_log_vtable, d);
	if (r >= 0)
		r = sd_bus_add_object_vtable(d->bus, NULL, LOGGING_PATH, CREATE_IFACE, create_vtable, d);
	return r;
}

/* Entries that came or went since the last call, whoever added or deleted
 * them (an IPMI command, the BMC's own events, D-Bus): InterfacesAdded and
 * InterfacesRemoved. */
void dbus_logging_changed(struct dbus *d)
{
	uint64_t now[DBUS_SEL_WORDS];
	char path[64];

	if (!d->bus || !d->bmc->sel)
		return;
	sel_ids(d->bmc->sel, now);
	for (unsigned w = 0; w < DBUS_SEL_WORDS; w++) {
		uint64_t diff = now[w] ^ d->sel_shown[w];

		for (unsigned b = 0; diff && b < 64; b++) {
			if (!(diff & (1ull << b)))
				continue;
			snprintf(path, sizeof(path), ENTRY_PREFIX "/%u", w * 64 + b);
			if (now[w] & (1ull << b))
				sd_bus_emit_interfaces_added(d->bus, path, ENTRY_IFACE, DELETE_IFACE, NULL);
			else
				sd_bus_emit_interfaces_removed(d->bus, path, ENTRY_IFACE, DELETE_IFACE, NULL);
		}
	}
	memcpy(d->sel_shown, now, sizeof(now));
}
