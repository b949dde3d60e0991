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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/log.h"
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
	if (!strcmp(prop, "Severity"))
		return sd_bus_message_append(reply, "s", ENTRY_IFACE ".Level.Informational");
	if (b[2] == SEL_TYPE_SYSTEM)
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

/* An interface of one method. */
#define METHOD_VTABLE(name, member, in, out, fn)					\
	static const sd_bus_vtable name[] = {						\
		SD_BUS_VTABLE_START(0), SD_BUS_METHOD(member, in, out, fn, 0), SD_BUS_VTABLE_END, \
	}

METHOD_VTABLE(ipmi_log_vtable, "IpmiSelAdd", "soaybq", "q", method_sel_add);

static const sd_bus_vtable entry_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Id", "u", get_entry, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Timestamp", "t", get_entry, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("UpdateTimestamp", "t", get_entry, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Severity", "s", get_entry, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Message", "s", get_entry, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Resolved", "b", get_entry, 0, SD_BUS_VTABLE_PROPERTY_CONST),
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
