/* SPDX-License-Identifier: MIT */
/*
 * Thermal zones as phosphor-pid-control shows them: one object per zone,
 * /xyz/openbmc_project/settings/fanctrl/zoneN (N: the zone's index in the
 * board file, as the OEM fan commands number them), with
 * xyz.openbmc_project.Control.Mode: Manual (writable: true holds the zone
 * at its present duty, false returns it to automatic control; volatile)
 * and FailSafe (read-only).  Read when asked; a change of either, whatever
 * made it (an OEM IPMI command, Redfish, D-Bus, fail safe, a cold reset),
 * is signalled (PropertiesChanged) from the tick.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/log.h"
#include "dbus/dbus.h"
#include "thermal/thermal.h"

#define FANCTRL_PATH "/xyz/openbmc_project/settings/fanctrl"
#define MODE_IFACE "xyz.openbmc_project.Control.Mode"

/* The zone of an object path, or NULL. */
static struct thermal_zone *zone_of(const struct dbus *d, const char *path)
{
	static const char prefix[] = FANCTRL_PATH "/zone";
	struct thermal *t = d->bmc->thermal;
	const char *p;
	unsigned n;

	if (!t || strncmp(path, prefix, sizeof(prefix) - 1))
		return NULL;
	p = path + sizeof(prefix) - 1;
	if (!cfg_decimal(p, strlen(p), &n) || n >= t->n_zones || (p[0] == '0' && p[1]))
		return NULL;
	return &t->zones[n];
}

static bool is_zone(void *userdata, const char *path)
{
	return zone_of(userdata, path) != NULL;
}

DBUS_FALLBACK_FIND(find_zone, is_zone)

static int get_mode(sd_bus *bus, const char *path, const char *iface, const char *prop,
		    sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	const struct thermal_zone *z = zone_of(userdata, path);
	const struct thermal *t = ((struct dbus *)userdata)->bmc->thermal;

	if (!z)
		return -ENOENT;
	return sd_bus_message_append(reply, "b", (int)(!strcmp(prop, "FailSafe") ? z->failsafe
								: z->manual || t->full));
}

static int set_manual(sd_bus *bus, const char *path, const char *iface, const char *prop,
		      sd_bus_message *value, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	struct thermal_zone *z = zone_of(d, path);
	int on, r;

	if (!z)
		return -ENOENT;
	r = sd_bus_message_read(value, "b", &on);
	if (r >= 0)
		r = dbus_refuse_read_only(d, ret_error);
	if (r < 0)
		return r;
	return thermal_set_manual(d->bmc->thermal, (unsigned)(z - d->bmc->thermal->zones), on, "D-Bus");
}

static const sd_bus_vtable mode_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_WRITABLE_PROPERTY("Manual", "b", get_mode, set_manual, 0, EMITS),
	SD_BUS_PROPERTY("FailSafe", "b", get_mode, 0, EMITS),
	SD_BUS_VTABLE_END,
};

static int enumerate_zones(sd_bus *bus, const char *prefix, void *userdata, char ***ret_nodes,
			   sd_bus_error *ret_error)
{
	const struct thermal *t = ((struct dbus *)userdata)->bmc->thermal;
	unsigned n = t ? t->n_zones : 0;
	char **nodes = calloc(n + 1, sizeof(*nodes));

	if (!nodes)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		if (asprintf(&nodes[i], FANCTRL_PATH "/zone%u", i) < 0) {
			nodes[i] = NULL;
			for (unsigned k = 0; k < i; k++)
				free(nodes[k]);
			free(nodes);
			return -ENOMEM;
		}
	*ret_nodes = nodes;
	return 0;
}

/* Bit N: zone N is manual (or in full mode); in fail safe. */
static void zone_bits(const struct thermal *t, uint16_t *manual, uint16_t *failsafe)
{
	*manual = *failsafe = 0;
	for (unsigned i = 0; i < t->n_zones; i++) {
		if (t->zones[i].manual || t->full)
			*manual |= (uint16_t)(1u << i);
		if (t->zones[i].failsafe)
			*failsafe |= (uint16_t)(1u << i);
	}
}

void dbus_thermal_changed(struct dbus *d)
{
	const struct thermal *t = d->bmc->thermal;
	uint16_t manual, failsafe;

	if (!t || !t->n_zones)
		return;
	zone_bits(t, &manual, &failsafe);
	for (unsigned i = 0; i < t->n_zones; i++) {
		bool m = (manual ^ d->fan_manual_shown) >> i & 1;
		bool f = (failsafe ^ d->fan_failsafe_shown) >> i & 1;
		char path[64];
		int r;

		if (!m && !f)
			continue;
		snprintf(path, sizeof(path), FANCTRL_PATH "/zone%u", i);
		r = sd_bus_emit_properties_changed(d->bus, path, MODE_IFACE, m ? "Manual" : "FailSafe",
						   m && f ? "FailSafe" : NULL, NULL);
		if (r < 0) {
			log_debug("dbus: %s: PropertiesChanged not sent: %s", path, strerror(-r));
			return;		/* tried again at the next tick */
		}
		d->fan_manual_shown ^= (uint16_t)(m << i);
		d->fan_failsafe_shown ^= (uint16_t)(f << i);
	}
}

int dbus_thermal_add(struct dbus *d)
{
	int r;

	if (!d->bmc->thermal || !d->bmc->thermal->n_zones)
		return 0;
	/* A client that connects reads what is there; changes from now on. */
	zone_bits(d->bmc->thermal, &d->fan_manual_shown, &d->fan_failsafe_shown);
	r = sd_bus_add_fallback_vtable(d->bus, NULL, FANCTRL_PATH, MODE_IFACE, mode_vtable, find_zone, d);
	if (r >= 0)
		r = sd_bus_add_node_enumerator(d->bus, NULL, FANCTRL_PATH, enumerate_zones, d);
	return r;
}
